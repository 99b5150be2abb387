/**
 * The break-glass override on the survivor, after its proof and the person's approval: the QDevice taken out of
 * corosync's runtime (`corosync-cmapctl -D quorum.device`; corosync.conf untouched), then `pvecm expected 1` (alone it
 * exits 0 and changes nothing while the device is configured: seen on the real code). Verified: quorate on 1 of 1 vote
 * and /etc/pve writable.
 */
import { readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import { defineStep } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { overrideCommands, runtimeHasDevice } from './commands';

const EXPECTED_ASKS = 5;
const EXPECTED_WAIT_MS = 5_000;

export function applyOverride(survivor: string) {
  return defineStep({
    name: 'override',
    activity: 'applyOverrideStep',
    kind: 'cluster',
    acts: '`corosync-cmapctl -D quorum.device` (runtime only), `pvecm expected 1`',
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
      // corosync-qdevice is left running: stopping it first (as the real rig's person did, by hand, a step before)
      // left the lab's real votequorum at expected 2 whatever `expected 1` said; the restore starts it again anyway.
      if (device) await ctx.output(c.dropDevice);
      // votequorum drops the device's vote a moment after the key goes: an `expected 1` before that is held at the
      // device's count (seen on the lab: expected 2, not quorate), so it is asked again until expected 1 holds.
      let asked = 0;
      for (let held = false; !held && asked < EXPECTED_ASKS;) {
        await ctx.output(c.expectedOne);
        asked++;
        held =
          (await ctx.waitFor('expected votes 1', EXPECTED_WAIT_MS, async () =>
            (await readClusterStatus(ctx, c.status))?.expectedVotes === 1 ? true : undefined,
          )) === true;
      }
      const expected = asked > 1 ? `pvecm expected 1 (asked ${asked} times: the first came before votequorum dropped the device)` : 'pvecm expected 1';
      return { changes: [...(device ? ['quorum.device deleted from the runtime'] : []), expected] };
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
