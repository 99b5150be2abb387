/**
 * The break-glass override on the survivor, after its proof and the person's approval: the QDevice taken out of
 * corosync's runtime (`corosync-cmapctl -D quorum.device`; corosync.conf untouched), corosync-qdevice stopped, then
 * `pvecm expected 1` (alone it exits 0 and changes nothing while the device is configured: seen on the real code),
 * and where that does not hold, the runtime key quorum.expected_votes. Verified: quorate on 1 of 1 vote and /etc/pve
 * writable.
 */
import { readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import type { HostCommand } from '../../src/step-kit/commands';
import { defineStep, type StepContext } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { overrideCommands, runtimeHasDevice } from './commands';

const EXPECTED_WAIT_MS = 5_000;

async function expectedOne(ctx: StepContext, status: HostCommand): Promise<boolean> {
  return (
    (await ctx.waitFor('expected votes 1', EXPECTED_WAIT_MS, async () => ((await readClusterStatus(ctx, status))?.expectedVotes === 1 ? true : undefined))) ===
    true
  );
}

export function applyOverride(survivor: string) {
  return defineStep({
    name: 'override',
    activity: 'applyOverrideStep',
    kind: 'cluster',
    acts: '`corosync-cmapctl -D quorum.device` (runtime only), stop corosync-qdevice, `pvecm expected 1`',
    verifiedBy: '`pvecm status` quorate with expected 1; /etc/pve writable',
    gatedByDefault: true,
    health: 'none',
    hosts: () => [survivor],
    summary: () => `override on ${survivor}: the QDevice out of corosync's runtime, expected 1`,
    commands: (config) => [overrideCommands(config, survivor)],
    async check(ctx, config) {
      const c = overrideCommands(config, survivor);
      const status = await readClusterStatus(ctx, c.status);
      const device = runtimeHasDevice(await ctx.output(c.runtimeQuorum));
      return { done: status?.quorate === true && status.expectedVotes === 1, state: device };
    },
    async act(ctx, config, device: boolean) {
      const c = overrideCommands(config, survivor);
      const changes: string[] = [];
      if (device) {
        await ctx.output(c.dropDevice);
        changes.push('quorum.device deleted from the runtime');
      }
      // Seen on the lab's real corosync, 3 times in 4: corosync-qdevice outlived the key's removal, stayed registered,
      // and votequorum kept expected 2 whatever `expected 1` said.
      await ctx.output(c.stopQdevice);
      changes.push('corosync-qdevice stopped');
      await ctx.output(c.expectedOne);
      changes.push('pvecm expected 1');
      // And 1 time in 2 after that: expected 1 ignored for good, which the runtime key quorum.expected_votes mends (the
      // restore's corosync-cfgtool -R deletes it).
      if (!(await expectedOne(ctx, c.status))) {
        await ctx.output(c.expectedKey);
        changes.push('quorum.expected_votes = 1 in the runtime (pvecm expected 1 did not hold)');
      }
      return { changes };
    },
    async verify(ctx, config) {
      const c = overrideCommands(config, survivor);
      const quorate = await ctx.waitFor(`${survivor} quorate on its own vote`, 60_000, async () => {
        const s = await readClusterStatus(ctx, c.status);
        return s?.quorate && s.expectedVotes === 1 ? s : undefined;
      });
      if (!quorate) throw postconditionFailed(`${survivor} is not quorate after the override: ${summarize(await readClusterStatus(ctx, c.status))}`);
      const writable = await ctx.waitFor('/etc/pve writable', 30_000, async () =>
        (await ctx.run(c.writeTest)).stdout.includes('writable') ? true : undefined,
      );
      if (!writable) throw postconditionFailed(`${survivor} is quorate but /etc/pve is still not writable`);
      return { summary: `override in place on ${survivor}: ${summarize(quorate)}; /etc/pve writable`, facts: {} };
    },
  });
}
