/**
 * Step 7, qdevice: `pvecm qdevice setup <vm-ip>` on node1 (an IP, never a name: docs/proxmox-contract.md), verified by
 * the third vote as both sides see it: node1's `pvecm status` and corosync-qnetd's own list of this cluster's nodes.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterConfig, HostConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { parseCorosyncConf } from '../src/parsers/corosync-conf';
import { parseQnetdList, votesFor } from '../src/parsers/qnetd-tool';
import type { PvecmStatus } from '../src/parsers/pvecm-status';
import {
  describeQdeviceHealth,
  hasHealthyQdevice,
  memberNodeName,
  missingNodes,
  readClusterStatus,
  statusWhere,
  summarize,
} from '../src/step-kit/cluster-state';
import { quorumEvents } from '../src/step-kit/quorum-events';
import { exitReport, on, type CommandSet, type HostCommand } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { degraded, postconditionFailed, preconditionFailed } from '../src/step-kit/failures';
import { qdevicePlan } from '../src/plan/guide';

const VOTES_TIMEOUT_MS = 90_000;

/** Whether a node's qdevice daemon runs (the qdevice step's failure words and the QDevice repairs read it). */
export function qdeviceDaemonCommand(node: HostConfig): HostCommand {
  return on(node, 'check', 'systemctl is-active corosync-qdevice');
}

export function qdeviceCommands(config: ClusterConfig) {
  const node1 = config.nodes[0];
  const ip = config.qdevice.ip;
  return {
    status: on(node1, 'check', 'pvecm status'),
    quorumEvents: quorumEvents(node1),
    qnetdClients: on(config.qdevice, 'verify', 'corosync-qnetd-tool -l'),
    node1Daemon: qdeviceDaemonCommand(config.nodes[0]),
    node2Daemon: qdeviceDaemonCommand(config.nodes[1]),
    configured: on(node1, 'check', "grep -Eq '^\\s*device\\s*\\{' /etc/pve/corosync.conf && echo configured"),
    corosyncConf: on(node1, 'verify', 'cat /etc/pve/corosync.conf'),
    leftoverNssdb: on(node1, 'check', 'test -d /etc/corosync/qdevice/net/nssdb && echo leftover'),
    setup: on(node1, 'act', sh`pvecm qdevice setup ${ip}`, { timeoutMs: 300_000 }),
    // A half-finished earlier setup leaves the nssdb; pvecm then insists on --force (docs/proxmox-contract.md).
    setupForce: on(node1, 'act', sh`pvecm qdevice setup ${ip} --force`, { timeoutMs: 300_000 }),
  } satisfies CommandSet;
}

const voting = (ctx: StepContext, config: ClusterConfig) => statusWhere(ctx, qdeviceCommands(config).status, hasHealthyQdevice);

/** What a verdict on the third vote names as the way out (issue: every verdict a repair can fix names the repair). */
export const REPAIR_QDEVICE_HINT = 'repair: pve-twonode repair qdevice <cluster.yaml>';

/**
 * The way out of a third vote that is not healthy: a repair of the QDevice, unless a node is missing from the
 * membership, which no QDevice repair mends: start it, or replace it if it died for good.
 */
export function qdeviceFix(config: ClusterConfig, status: PvecmStatus | null): string {
  const missing = status ? missingNodes(config, status) : [];
  if (missing.length === 0) return REPAIR_QDEVICE_HINT;
  const node = missing[0];
  return `${node} is no cluster member: power it on, or if it died for good, pve-twonode replace-node <cluster.yaml> ${node}`;
}

function notVoting(config: ClusterConfig, status: PvecmStatus | null, stopped: string[] = []): string {
  const daemons = stopped.length ? `; corosync-qdevice is not running on ${stopped.join(' and ')}` : '';
  return `the QDevice's vote is not healthy (${describeQdeviceHealth(config, status)})${daemons}`;
}

/** Which nodes' corosync-qdevice is down: said beside the flags. A node that cannot be asked is left out, not a failure. */
async function stoppedDaemons(ctx: StepContext, config: ClusterConfig): Promise<string[]> {
  const down: string[] = [];
  const c = qdeviceCommands(config);
  for (const [i, cmd] of [c.node1Daemon, c.node2Daemon].entries()) {
    const state = await ctx.run(cmd).then(
      (r) => r.stdout.trim(),
      () => 'unknown',
    );
    if (state !== 'active' && state !== 'unknown') down.push(config.nodes[i].name);
  }
  return down;
}

/**
 * The QDevice corosync uses is the VM cluster.yaml names. Either the config is stale (the device was moved by hand)
 * or the owner named a new VM and the move is still to do: the verdict names both ways out.
 */
async function qdeviceHostDrift(ctx: StepContext, config: ClusterConfig): Promise<void> {
  const host = parseCorosyncConf(await ctx.output(qdeviceCommands(config).corosyncConf)).qdeviceHost;
  if (host !== config.qdevice.ip)
    throw degraded(
      `/etc/pve/corosync.conf points the QDevice at ${host ?? 'no host'}, cluster.yaml at ${config.qdevice.name} (${config.qdevice.ip}); ` +
        `correct cluster.yaml, or move the QDevice there: pve-twonode repair move-qnetd <cluster.yaml> --to ${config.qdevice.ip}`,
    );
}

/**
 * corosync-qnetd's side: it serves this cluster and gives every member its vote (a qnetd answering for another cluster
 * would not). Returns what is wrong, or undefined when it agrees with the nodes.
 */
async function qnetdDisagrees(ctx: StepContext, config: ClusterConfig, status: PvecmStatus): Promise<string | undefined> {
  const vm = config.qdevice.name;
  const listed = parseQnetdList(await ctx.output(qdeviceCommands(config).qnetdClients)).find((c) => c.name === config.cluster.name);
  const missing = status.members.filter((m) => !listed?.nodes.some((n) => n.nodeId === m.nodeId && votesFor(n)));
  if (listed && missing.length === 0) return undefined;
  const names = missing.map((m) => `${memberNodeName(config, m.name)} (node id ${m.nodeId})`);
  const what = listed ? `give its vote to ${names.join(' and ')}: no corosync-qdevice connected from there, or refused` : `list cluster ${config.cluster.name}`;
  return `corosync-qnetd on ${vm} does not ${what} (corosync-qnetd-tool -l on ${vm}); ${REPAIR_QDEVICE_HINT}`;
}

export const qdevice = defineStep({
  ...qdevicePlan,
  acts: '`pvecm qdevice setup <vm-ip>`',
  verifiedBy: 'Expected 3, Total 3, `Quorate Qdevice`, both members `A,V,NMW`; `corosync-qnetd-tool -l` on the VM votes for both',
  health: 'critical',
  commands: (config) => [qdeviceCommands(config)],
  async check(ctx, config) {
    const c = qdeviceCommands(config);
    if (await voting(ctx, config)) return { done: true, state: { configured: true, leftover: false } };
    const configured = (await ctx.run(c.configured)).stdout.includes('configured');
    const leftover = !configured && (await ctx.run(c.leftoverNssdb)).stdout.includes('leftover');
    return { done: false, state: { configured, leftover } };
  },
  async act(ctx, config, { configured, leftover }) {
    const c = qdeviceCommands(config);
    if (configured) {
      // A configured device that is not voting is not ours to redo: pvecm refuses a second setup.
      if (await ctx.waitFor('configured QDevice to vote', 30_000, () => voting(ctx, config), { wakeOn: c.quorumEvents })) return { changes: [] };
      const now = await readClusterStatus(ctx, c.status);
      throw preconditionFailed(`a QDevice is configured on ${config.cluster.name} but ${notVoting(config, now)}; or run 'pvecm qdevice remove' and retry`);
    }
    // A half-finished earlier setup leaves the nssdb; pvecm then insists on --force (docs/proxmox-contract.md).
    const setup = await ctx.run(leftover ? c.setupForce : c.setup);
    const evidence = exitReport('pvecm qdevice setup', setup, 800);
    // pmxcfs's lock on corosync.conf, left by an operation that lost quorum while holding it (seen after a join that
    // failed half-way and was "mended" with an expected-votes override): pmxcfs expires it 120 s after it was taken,
    // so the same setup works later; nothing was changed (docs/proxmox-contract.md).
    if (/cfs-lock 'file-corosync_conf' error: got lock request timeout/.test(`${setup.stdout}\n${setup.stderr}`))
      throw ApplicationFailure.retryable(
        `pvecm qdevice setup could not take pmxcfs's lock on corosync.conf (a stale lock from an operation that lost quorum; pmxcfs expires it 120 s after it was taken): retried. ${evidence}`,
        'CfsLockBusy',
      );
    // A non-zero exit is a sure failure: say so now instead of waiting for votes that cannot come.
    if (setup.code !== 0) {
      const now = await readClusterStatus(ctx, c.status);
      throw postconditionFailed(`after pvecm qdevice setup ${notVoting(config, now)}. ${evidence}`, { pvecmStatus: now });
    }
    return { changes: [], evidence };
  },
  async verify(ctx, config, { acted }) {
    // Both sides must agree within one wait: right after a daemon (re)starts, the nodes may already count the vote
    // while corosync-qnetd still lists the old connection, or the other way round (qnetd sees a daemon go away at
    // once; the nodes notice a few seconds later).
    let qnetdProblem: string | undefined;
    const agreed = await ctx.waitFor(
      '3 of 3 votes with Qdevice, on the nodes and on corosync-qnetd',
      VOTES_TIMEOUT_MS,
      async () => {
        const status = await voting(ctx, config);
        qnetdProblem = undefined;
        if (!status) return undefined;
        await qdeviceHostDrift(ctx, config);
        qnetdProblem = await qnetdDisagrees(ctx, config, status);
        return qnetdProblem ? undefined : status;
      },
      { wakeOn: qdeviceCommands(config).quorumEvents },
    );
    if (qnetdProblem) throw postconditionFailed(qnetdProblem);
    if (!agreed) {
      const now = await readClusterStatus(ctx, qdeviceCommands(config).status);
      const stopped = await stoppedDaemons(ctx, config);
      throw postconditionFailed(`${notVoting(config, now, stopped)}; ${qdeviceFix(config, now)}.${acted?.evidence ? ` ${acted.evidence}` : ''}`, {
        pvecmStatus: now,
        stopped,
      });
    }
    const ids = agreed.members.map((m) => m.nodeId).join(', ');
    return {
      summary: `QDevice on ${config.qdevice.ip} votes (${summarize(agreed)}); corosync-qnetd on ${config.qdevice.name} votes for node ids ${ids}`,
      facts: { pvecmStatus: agreed },
    };
  },
});
