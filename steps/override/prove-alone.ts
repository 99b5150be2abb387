/**
 * quorum-override's proof, read-only: the survivor is NOT quorate (else nothing is needed), its peer gives no SSH
 * answer for the whole of `deadFor` and is no corosync member as the survivor sees it, and the QDevice gives the
 * survivor no vote; when the VM answers, corosync-qnetd does not list the peer either. Anything else refuses with the
 * reason: an override beside a live peer is how split brains start.
 */
import { durationMs } from '../../src/duration';
import { parseCorosyncConf } from '../../src/parsers/corosync-conf';
import { parseQnetdList } from '../../src/parsers/qnetd-tool';
import { peerOf } from '../../src/plan/quorum-override';
import { readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import { defineStep } from '../../src/step-kit/descriptor';
import { preconditionFailed } from '../../src/step-kit/failures';
import { watchSilence } from '../../src/step-kit/silence';
import { overrideCommands } from './commands';

export interface AloneProof {
  peer: string;
  silentMs: number;
  probes: number;
  status: string;
  /** What corosync-qnetd said, or why it could not be asked (the VM down is the usual case). */
  qnetd: string;
}

export function proveAlone(survivor: string, deadFor: string) {
  const deadForMs = durationMs(deadFor);
  return defineStep({
    name: 'prove-alone',
    activity: 'proveAloneStep',
    kind: 'cluster',
    acts: 'nothing (read-only)',
    verifiedBy: `the survivor not quorate; the peer silent for ${deadFor} and no member; the QDevice giving no vote; qnetd not listing the peer`,
    gatedByDefault: true,
    health: 'none',
    hosts: (config) => [survivor, peerOf(config, survivor).name, config.qdevice.name],
    summary: (config) => `prove ${survivor} is alone: not quorate, ${peerOf(config, survivor).name} dead, the QDevice giving no vote`,
    commands: (config) => [overrideCommands(config, survivor)],
    async check(ctx, config) {
      const c = overrideCommands(config, survivor);
      const peer = peerOf(config, survivor).name;
      const status = await readClusterStatus(ctx, c.status);
      if (!status) throw preconditionFailed(`${survivor} is in no cluster (pvecm status): nothing to override`);
      if (status.quorate) throw preconditionFailed(`${survivor} is quorate (${summarize(status)}): no override is needed, nothing was changed`);
      const peerId = parseCorosyncConf(await ctx.output(c.corosyncConf)).nodes.find((n) => n.name === peer)?.nodeid ?? null;
      if (peerId !== null && status.members.some((m) => m.nodeId === peerId))
        throw preconditionFailed(
          `${peer} is still a corosync member on ${survivor} (node id ${peerId}): it is alive, an override would split the cluster; nothing was changed`,
        );
      if ((status.qdevice?.votes ?? 0) > 0)
        throw preconditionFailed(`the QDevice still gives ${survivor} a vote (${summarize(status)}): no override is needed`);
      const silence = await watchSilence(ctx, c.probePeer, deadForMs);
      if (silence.alive)
        throw preconditionFailed(`${peer} answers SSH: it is not dead, and an override beside it would split the cluster; nothing was changed`);
      const qnetd = await ctx.run(c.qnetdClients).then(
        (r) => r.stdout,
        (err: unknown) => `not asked: ${err instanceof Error ? err.message : String(err)}`,
      );
      const listed =
        parseQnetdList(qnetd)
          .find((k) => k.name === config.cluster.name)
          ?.nodes.some((n) => n.nodeId === peerId) ?? false;
      if (listed) throw preconditionFailed(`corosync-qnetd on ${config.qdevice.name} lists ${peer} as connected: it is alive; nothing was changed`);
      const state: AloneProof = {
        peer,
        silentMs: silence.silentMs,
        probes: silence.probes,
        status: summarize(status),
        qnetd: qnetd.startsWith('not asked') ? qnetd : 'peer not listed',
      };
      return { done: true, state };
    },
    verify(_ctx, _config, { state }) {
      return Promise.resolve({
        summary: `${survivor} is alone: ${state.status}; ${state.peer} silent for ${Math.round(state.silentMs / 1000)} s (${state.probes} probes) and no member; the QDevice gives no vote; qnetd: ${state.qnetd}`,
        facts: { proof: state },
      });
    },
  });
}
