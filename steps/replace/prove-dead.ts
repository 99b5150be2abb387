/**
 * replace-node's first step, read-only: proof that the node is dead before anything is removed. Its address gives no
 * SSH answer for the whole of `deadFor`, the survivor's corosync does not count it as a member, corosync-qnetd on the
 * VM does not list it, and the survivor is quorate without it. Anything else refuses, saying why: a node alive in
 * corosync and only unreachable from the worker is a network fault, not a dead node; a survivor without quorum cannot
 * remove anything (real pvecm: `cluster not ready - no quorum?`).
 */
import { durationMs } from '../../src/duration';
import { DEAD_FOR } from '../../src/plan/replace-node';
import { parseCorosyncConf } from '../../src/parsers/corosync-conf';
import { parseQnetdList } from '../../src/parsers/qnetd-tool';
import { readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import { defineStep } from '../../src/step-kit/descriptor';
import { preconditionFailed } from '../../src/step-kit/failures';
import { watchSilence } from '../../src/step-kit/silence';
import { replaceCommandSets, replaceCommands, survivorOf } from './commands';

export interface DeadProof {
  survivor: string;
  /** Probes of the address, none answered with the node's pinned key. */
  probes: number;
  silentMs: number;
  /** The address answered with another host key: a reinstall already (it is not the node the cluster knew). */
  answersWithNewKey: boolean;
  /** The node's corosync node id, or null when corosync.conf no longer lists it (an earlier attempt removed it). */
  nodeId: number | null;
  survivorStatus: string;
  inQnetdList: boolean;
  /** The dead node's guests HA does not manage (`vm:101`, `ct:200`): they stay down, their configs go into the backup. */
  unmanagedGuests?: string[];
}

/** The guests whose configs lie in the dead node's folder and that /etc/pve/ha/resources.cfg does not list. */
function unmanaged(found: string, resources: string): string[] {
  const managed = new Set([...resources.matchAll(/^(vm|ct):\s*(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`));
  return [...found.matchAll(/\/(qemu-server|lxc)\/(\d+)\.conf$/gm)]
    .map((m) => `${m[1] === 'lxc' ? 'ct' : 'vm'}:${m[2]}`)
    .filter((sid) => !managed.has(sid))
    .sort();
}

export function proveDead(dead: string, deadFor = DEAD_FOR) {
  const deadForMs = durationMs(deadFor);
  return defineStep({
    name: 'prove-dead',
    activity: 'proveDeadStep',
    kind: 'cluster',
    acts: 'nothing (read-only)',
    verifiedBy: `no SSH answer for ${deadFor}; not a corosync member on the survivor; not in corosync-qnetd-tool -l; the survivor quorate`,
    gatedByDefault: false,
    health: 'none',
    hosts: (config) => [dead, survivorOf(config, dead).name, config.qdevice.name],
    summary: () => `prove ${dead} is dead (silent for ${deadFor}, gone from corosync and qnetd)`,
    commands: (config) => replaceCommandSets(config, dead, '').slice(0, 1),
    async check(ctx, config) {
      const survivor = survivorOf(config, dead);
      const c = replaceCommands(config, dead, '');
      const silence = await watchSilence(ctx, c.probe, deadForMs);
      if (silence.alive)
        throw preconditionFailed(`${dead} answers SSH at ${ctx.config.nodes.find((n) => n.name === dead)?.ip}: it is not dead, nothing was changed`);
      const conf = parseCorosyncConf(await ctx.output(c.corosyncConf));
      const nodeId = conf.nodes.find((n) => n.name === dead)?.nodeid ?? null;
      const status = await readClusterStatus(ctx, c.status);
      if (!status) throw preconditionFailed(`${survivor.name} is in no cluster (pvecm status): nothing to replace`);
      const member = nodeId !== null && status.members.some((m) => m.nodeId === nodeId);
      if (member)
        throw preconditionFailed(
          `${dead} does not answer SSH from the worker, but ${survivor.name}'s corosync still counts it as a member (node id ${nodeId}): the network between the worker and ${dead} is at fault, not the node; nothing was changed`,
        );
      if (!status.quorate)
        throw preconditionFailed(
          `${survivor.name} is not quorate (${summarize(status)}): nothing can be removed without quorum. Bring the QDevice VM back (its vote makes ${survivor.name} quorate again with nothing else done); if that is impossible, the break-glass override is in docs/operations.md`,
        );
      const clusters = parseQnetdList(await ctx.output(c.qnetdClients));
      const inQnetdList = nodeId !== null && (clusters.find((k) => k.name === config.cluster.name)?.nodes.some((n) => n.nodeId === nodeId) ?? false);
      if (inQnetdList)
        throw preconditionFailed(
          `corosync-qnetd on ${config.qdevice.name} still lists ${dead} (node id ${nodeId}) as connected: it is not dead, nothing was changed`,
        );
      const [guests, resources] = await Promise.all([ctx.output(c.deadGuests), ctx.output(c.haResources)]);
      const state: DeadProof = {
        survivor: survivor.name,
        probes: silence.probes,
        silentMs: silence.silentMs,
        answersWithNewKey: silence.answersWithNewKey,
        nodeId,
        survivorStatus: summarize(status),
        inQnetdList,
        unmanagedGuests: unmanaged(guests, resources),
      };
      return { done: true, state };
    },
    verify(_ctx, _config, { state }) {
      const reinstalled = state.answersWithNewKey ? '; its address answers with another host key (reinstalled already?)' : '';
      const stayDown = state.unmanagedGuests?.length
        ? `. Not under HA, so nothing restarts them: ${state.unmanagedGuests.join(', ')} (their configs go into the backup as node-${dead}.tar.gz; restore them from it once their disks are back)`
        : '';
      return Promise.resolve({
        summary: `${dead} is dead: silent for ${Math.round(state.silentMs / 1000)} s (${state.probes} probes)${reinstalled}, not a corosync member, not in qnetd's list; ${state.survivor}: ${state.survivorStatus}${stayDown}`,
        facts: { proof: state },
      });
    },
  });
}
