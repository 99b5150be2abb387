/** Step 4, join: `pvecm add` on the second node; it exits 0 after a failed join, so its words and then membership are the verdict. */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterConfig } from '../src/config/schema';
import { parseCorosyncConf } from '../src/parsers/corosync-conf';
import { joinFailure } from '../src/parsers/pvecm-add';
import type { PvecmStatus } from '../src/parsers/pvecm-status';
import { sh } from '../src/ssh/quote';
import { cfsMembers, describeCfs, waitForCfsQuorum } from '../src/step-kit/cfs-quorum';
import { readClusterStatus, statusWhere, summarize } from '../src/step-kit/cluster-state';
import { quorumEvents } from '../src/step-kit/quorum-events';
import { exitReport, on, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { degraded, postconditionFailed, preconditionFailed } from '../src/step-kit/failures';
import { joinPlan } from '../src/plan/guide';

// pvecm add returns after its own "waiting for quorum...", so membership shows up soon after it if at all.
const MEMBERSHIP_TIMEOUT_MS = 30_000;

export function joinCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  const { join } = config;
  return {
    node1Status: on(node1, 'check', 'pvecm status'),
    node2Status: on(node2, 'check', 'pvecm status'),
    node1QuorumEvents: quorumEvents(node1),
    // pmxcfs's quorum (src/step-kit/cfs-quorum.ts), waited for before the join.
    node1Cfs: cfsMembers(node1),
    corosyncConf: on(node1, 'verify', 'cat /etc/pve/corosync.conf'),
    // cd /: pvecm add refuses to run with its cwd inside /etc/pve.
    add:
      join.method === 'api'
        ? on(node2, 'act', sh`cd / && pvecm add ${node1.ip} --fingerprint ${join.fingerprint.toUpperCase()}`, {
            stdin: 'join.password (secret)',
            timeoutMs: 300_000,
          })
        : on(node2, 'act', sh`cd / && pvecm add ${node1.ip} --use_ssh 1`, { timeoutMs: 300_000 }),
  } satisfies CommandSet;
}

function joined(config: ClusterConfig, status: PvecmStatus | null): boolean {
  return status?.cluster?.name === config.cluster.name && status.quorate && status.members.length >= 2 && status.totalVotes >= 2;
}

/** The cluster's node list against cluster.yaml: a renamed or renumbered node is drift the owner should know of. */
async function nodelistDrift(ctx: StepContext, config: ClusterConfig): Promise<void> {
  const conf = parseCorosyncConf(await ctx.output(joinCommands(config).corosyncConf));
  const drift = config.nodes.flatMap((n) => {
    const entry = conf.nodes.find((e) => e.name === n.name);
    if (!entry) return [`no node ${n.name} (it lists ${conf.nodes.map((e) => e.name).join(', ') || 'none'})`];
    return entry.ring0Addr === n.ip ? [] : [`${n.name} at ${entry.ring0Addr}, not ${n.ip}`];
  });
  if (drift.length > 0)
    throw degraded(
      `/etc/pve/corosync.conf differs from cluster.yaml: ${drift.join('; ')}; correct cluster.yaml, or the cluster (pvecm.adoc "Edit corosync.conf")`,
      {
        corosyncNodes: conf.nodes,
      },
    );
}

export const join = defineStep({
  ...joinPlan,
  acts: '`pvecm add --fingerprint`, password on stdin (or `--use_ssh`)',
  verifiedBy: "pvecm's failure texts (it exits 0 after a failed join), then membership on both nodes, corosync.conf's node list",
  health: 'critical',
  commands: (config) => [joinCommands(config)],
  async check(ctx, config) {
    const c = joinCommands(config);
    const node2 = config.nodes[1].name;
    const node2Before = await readClusterStatus(ctx, c.node2Status);
    if (node2Before?.cluster && node2Before.cluster.name !== config.cluster.name)
      throw preconditionFailed(`${node2} is in another cluster "${node2Before.cluster.name}"`);
    const done = joined(config, node2Before) && joined(config, await readClusterStatus(ctx, c.node1Status));
    // A node 2 that already has the cluster's config is not added again: verify waits for its membership.
    return { done, state: { node2HasCluster: node2Before !== null } };
  },
  async act(ctx, config, { node2HasCluster }) {
    if (node2HasCluster) return { changes: [], evidence: '(pvecm add not run: node already had the cluster config)' };
    // Read the secret only here, on the worker; it travels on stdin, never in argv or history.
    const password = config.join.method === 'api' ? `${ctx.secret(config.join.password)}\n` : undefined;
    // Both join methods need node 1's pmxcfs quorate (the API refuses, and node 1's /etc/pve is read-only, until then).
    const cfs = await waitForCfsQuorum(ctx, config.nodes[0], config.cluster.name);
    if (!cfs.quorate)
      throw preconditionFailed(`${config.nodes[0].name} cannot take a new node: ${describeCfs(cfs.last)} (pvecm status on ${config.nodes[0].name})`);
    const add = await ctx.run(joinCommands(config).add, password);
    const evidence = exitReport('pvecm add', add, 600);
    ctx.note({ note: evidence });
    // pvecm add exits 0 after most failures (docs/proxmox-contract.md): its own words say the join cannot come, so no wait.
    const failed = joinFailure(add.stdout, add.stderr);
    if (failed) {
      const message = `pvecm add on ${config.nodes[1].name} failed: "${failed.said}" (exit ${add.code}). ${failed.fix}`;
      // A transient refusal is tried again by the step's retry policy (nothing was changed on either node).
      if (failed.transient) throw ApplicationFailure.retryable(message, 'JoinRefusedForNow');
      throw preconditionFailed(message);
    }
    // A non-zero exit is a sure failure; exit 0 proves nothing, so verify waits for membership.
    if (add.code !== 0) throw postconditionFailed(`join failed: ${evidence}`);
    return { changes: [], evidence };
  },
  async verify(ctx, config, { acted }) {
    const c = joinCommands(config);
    const [node1, node2] = config.nodes;
    const status = await ctx.waitFor(
      `${node2.name} in the membership`,
      MEMBERSHIP_TIMEOUT_MS,
      () => statusWhere(ctx, c.node1Status, (s) => joined(config, s)),
      {
        wakeOn: c.node1QuorumEvents,
      },
    );
    const node2After = await readClusterStatus(ctx, c.node2Status);
    if (!status || !joined(config, node2After)) {
      const node1After = status ?? (await readClusterStatus(ctx, c.node1Status));
      // After a join this run made, it did not complete; on a built cluster (the health check, a drill's node off) a
      // node is simply not a member now, and "join did not complete" would be a false fact.
      const what = acted ? 'join did not complete' : `the cluster does not have both nodes now (one off or cut off?)`;
      throw postconditionFailed(
        `${what}: ${node1.name} sees ${summarize(node1After)}, ${node2.name} sees ${summarize(node2After)}.${acted?.evidence ? ` ${acted.evidence}` : ''}`,
      );
    }
    await nodelistDrift(ctx, config);
    return { summary: `${node2.name} is a member of ${config.cluster.name} (${summarize(status)})`, facts: { pvecmStatus: status } };
  },
});
