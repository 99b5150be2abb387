/**
 * The override lifted once the peer or the QDevice is back: `corosync-cfgtool -R` reads corosync.conf again (its
 * device section returns to the runtime), then corosync-qdevice is started. Verified: the survivor quorate with the
 * expected votes corosync.conf gives (3 with both nodes and the QDevice) and the QDevice voting; 3 of 3 once the peer
 * is back as well.
 */
import { parseCorosyncConf } from '../../src/parsers/corosync-conf';
import { readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import { defineStep } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { overrideCommands, runtimeHasDevice } from './commands';

/** How long the QDevice may take to vote again after the reload (corosync-qdevice's first round with qnetd). */
const RESTORE_MS = 3 * 60_000;

/** The votes corosync.conf gives: one per node, one for the QDevice. */
function configuredVotes(corosyncConf: string): number {
  const conf = parseCorosyncConf(corosyncConf);
  return conf.nodes.length + (conf.qdeviceHost ? 1 : 0);
}

/** qnetdBack: the VM answers again, so its vote is awaited; otherwise the peer is back and the QDevice follows later. */
export function restoreQuorum(survivor: string, qnetdBack: boolean) {
  return defineStep({
    name: 'restore',
    activity: 'restoreQuorumStep',
    kind: 'cluster',
    acts: '`corosync-cfgtool -R`, `systemctl start corosync-qdevice`',
    verifiedBy: "`pvecm status` quorate on corosync.conf's expected votes, the QDevice voting when its VM is back",
    gatedByDefault: false,
    health: 'none',
    hosts: () => [survivor],
    summary: () => `lift the override on ${survivor}: the QDevice back from corosync.conf, expected votes as configured`,
    commands: (config) => [overrideCommands(config, survivor)],
    async check(ctx, config) {
      const c = overrideCommands(config, survivor);
      const device = runtimeHasDevice(await ctx.output(c.runtimeQuorum));
      const status = await readClusterStatus(ctx, c.status);
      return { done: device && (status?.qdevice?.votes ?? 0) > 0, state: device };
    },
    async act(ctx, config, device: boolean) {
      const c = overrideCommands(config, survivor);
      if (!device) await ctx.output(c.reload);
      await ctx.output(c.startQdevice);
      const changes = [...(device ? [] : ['corosync-cfgtool -R']), 'systemctl start corosync-qdevice'];
      const expected = configuredVotes(await ctx.output(c.corosyncConf));
      // The expected-votes override may outlive the reload; it is put back to the configured count only once the votes
      // present make quorum on it, so the survivor never loses quorum on the way (with HA guests it would fence).
      const quorum = Math.floor(expected / 2) + 1;
      const low = await ctx.waitFor(`the votes to make quorum on ${expected} expected`, RESTORE_MS, async () => {
        const s = await readClusterStatus(ctx, c.status);
        if (!s?.quorate || (qnetdBack && (s.qdevice?.votes ?? 0) === 0)) return undefined;
        return s.expectedVotes >= expected ? false : s.totalVotes >= quorum ? true : undefined;
      });
      if (low) {
        await ctx.output(c.expected(String(expected)));
        changes.push(`pvecm expected ${expected}`);
      }
      return { changes };
    },
    async verify(ctx, config) {
      const c = overrideCommands(config, survivor);
      const expected = configuredVotes(await ctx.output(c.corosyncConf));
      const back = await ctx.waitFor(`${survivor} quorate on ${expected} expected votes`, 60_000, async () => {
        const s = await readClusterStatus(ctx, c.status);
        return s?.quorate && s.expectedVotes === expected && (!qnetdBack || (s.qdevice?.votes ?? 0) > 0) ? s : undefined;
      });
      if (!back)
        throw postconditionFailed(
          `the override is lifted but ${survivor} is not quorate on ${expected} expected votes${qnetdBack ? ' with the QDevice voting' : ''}: ${summarize(await readClusterStatus(ctx, c.status))}`,
        );
      const qdevice = (back.qdevice?.votes ?? 0) > 0 ? 'the QDevice votes' : `the QDevice gives no vote yet (its VM ${config.qdevice.name} is not back)`;
      return { summary: `override lifted on ${survivor}: ${summarize(back)}; ${qdevice}`, facts: { votes: back.totalVotes, expected } };
    },
  });
}
