/** Step 3, create: `pvecm create` on the first node; refused by pvecm if a corosync.conf exists, so check first. */
import type { ClusterConfig } from '../src/config/schema';
import { parseCorosyncConf } from '../src/parsers/corosync-conf';
import type { PvecmStatus } from '../src/parsers/pvecm-status';
import { sh } from '../src/ssh/quote';
import { CFS_QUORUM_TIMEOUT_MS, cfsMembers, describeCfs, waitForCfsQuorum } from '../src/step-kit/cfs-quorum';
import { memberNodeName, readClusterStatus, statusWhere, summarize } from '../src/step-kit/cluster-state';
import { quorumEvents } from '../src/step-kit/quorum-events';
import { exitReport, on, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { postconditionFailed, preconditionFailed } from '../src/step-kit/failures';
import { createPlan } from '../src/plan/guide';

const QUORUM_TIMEOUT_MS = 60_000;

export function createCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  return {
    status: on(node1, 'check', 'pvecm status'),
    node2Status: on(node2, 'check', 'pvecm status'),
    corosyncConf: on(node1, 'check', 'cat /etc/pve/corosync.conf'),
    quorumEvents: quorumEvents(node1),
    // pmxcfs's quorum (src/step-kit/cfs-quorum.ts), waited for after corosync's.
    node1Cfs: cfsMembers(node1),
    create: on(node1, 'act', sh`pvecm create ${config.cluster.name}`, { timeoutMs: 180_000 }),
    // A join that failed half-way (see halfJoined): node 1's vote alone made quorate again, then node 2 taken out of
    // the node list, after which one node expects one vote and no override is left.
    // The cluster's corosync.conf kept on node 1's own disk first (pmxcfs is read-only until the next command).
    halfJoinBackup: on(node1, 'act', 'cp -a /etc/pve/corosync.conf /root/corosync.conf.pve-twonode-$(date +%Y%m%d%H%M%S).bak'),
    halfJoinExpected: on(node1, 'act', 'pvecm expected 1'),
    halfJoinDelnode: on(node1, 'act', sh`pvecm delnode ${node2.name}`, { timeoutMs: 120_000 }),
    conf: on(node1, 'verify', "grep -E '^\\s*cluster_name:' /etc/pve/corosync.conf"),
  } satisfies CommandSet;
}

/**
 * A join that failed half-way (seen on the real code: pvecm add failing after node 1's addnode, e.g. no rsync on node
 * 2): node 1's corosync.conf lists node 2, so it expects 2 votes and, alone, is not quorate (`Quorum: 2 Activity
 * blocked`, /etc/pve read-only), while node 2 has no cluster at all. Proven from both sides before anything is removed.
 */
async function halfJoined(ctx: StepContext, config: ClusterConfig, node1Status: PvecmStatus): Promise<string | null> {
  const c = createCommands(config);
  const node2 = config.nodes[1];
  if (node1Status.quorate) return null;
  const listed = parseCorosyncConf(await ctx.output(c.corosyncConf)).nodes.some((n) => n.name === node2.name);
  const member = node1Status.members.some((m) => memberNodeName(config, m.name) === node2.name);
  if (!listed || member) return null;
  const node2Status = await readClusterStatus(ctx, c.node2Status);
  return node2Status === null ? node2.name : null;
}

// How long delnode is retried while pmxcfs settles after `pvecm expected 1`.
const HALF_JOIN_DELNODE_MS = 60_000;

export const create = defineStep({
  ...createPlan,
  acts: '`pvecm create`',
  verifiedBy: 'corosync.conf names the cluster, quorate',
  health: 'critical',
  commands: (config) => [createCommands(config)],
  async check(ctx, config) {
    const before = await readClusterStatus(ctx, createCommands(config).status);
    if (before?.cluster && before.cluster.name !== config.cluster.name)
      throw preconditionFailed(`${config.nodes[0].name} is already in cluster "${before.cluster.name}"; the cluster name cannot change`);
    // A cluster that exists but is not quorate yet is not created again: verify waits for quorum.
    const halfJoinedNode = before?.cluster ? await halfJoined(ctx, config, before) : null;
    return { done: before?.quorate === true, state: { exists: Boolean(before?.cluster), halfJoinedNode } };
  },
  async act(ctx, config, { exists, halfJoinedNode }) {
    if (halfJoinedNode) {
      const c = createCommands(config);
      await ctx.output(c.halfJoinBackup);
      await ctx.output(c.halfJoinExpected);
      // pmxcfs follows corosync's new quorum seconds later, and delnode refuses until it has (exit 255, seen on the
      // lab): waited for, then delnode until corosync.conf no longer lists the node; its exit code alone proves nothing.
      const cfs = await waitForCfsQuorum(ctx, config.nodes[0], config.cluster.name);
      if (!cfs.quorate)
        throw postconditionFailed(`after pvecm expected 1, pmxcfs on ${config.nodes[0].name} is still not quorate: ${describeCfs(cfs.last)}; nothing removed`);
      let evidence = '';
      const gone = await ctx.waitFor(
        `${halfJoinedNode} out of corosync.conf`,
        HALF_JOIN_DELNODE_MS,
        async () => {
          // delnode's "Could not kill node (error = CS_ERR_NOT_EXIST)" is expected: the node never ran corosync here.
          evidence = exitReport('pvecm delnode', await ctx.run(c.halfJoinDelnode), 300);
          ctx.note({ note: evidence });
          const listed = parseCorosyncConf(await ctx.output(c.corosyncConf)).nodes.some((n) => n.name === halfJoinedNode);
          return listed ? undefined : true;
        },
        { intervalMs: 2_000 },
      );
      if (!gone) throw postconditionFailed(`${config.nodes[0].name}'s corosync.conf still lists ${halfJoinedNode} after pvecm delnode: ${evidence}`);
      return {
        changes: [
          `${halfJoinedNode} taken out of ${config.nodes[0].name}'s node list: a join that failed half-way had left it there, never a member (pvecm expected 1; pvecm delnode ${halfJoinedNode})`,
        ],
        evidence,
      };
    }
    if (exists) return { changes: [] };
    const created = await ctx.run(createCommands(config).create);
    // pvecm's worker result is not its exit code (docs/proxmox-contract.md): only the state verify reads counts.
    const evidence = exitReport('pvecm create', created, 500);
    ctx.note({ note: evidence });
    return { changes: [], evidence };
  },
  async verify(ctx, config, { acted }) {
    const c = createCommands(config);
    const node1 = config.nodes[0].name;
    const conf = await ctx.run(c.conf);
    if (!conf.stdout.includes(`cluster_name: ${config.cluster.name}`))
      throw postconditionFailed(
        `/etc/pve/corosync.conf on ${node1} does not name cluster ${config.cluster.name}: ${conf.stdout.trim() || conf.stderr.trim()}${acted?.evidence ? `. ${acted.evidence}` : ''}`,
      );
    const status = await ctx.waitFor('quorum on the new cluster', QUORUM_TIMEOUT_MS, () => statusWhere(ctx, c.status, (s) => s.quorate), {
      wakeOn: c.quorumEvents,
    });
    if (!status) {
      const now = await readClusterStatus(ctx, c.status);
      const halfJoinedNode = now ? await halfJoined(ctx, config, now) : null;
      throw postconditionFailed(
        halfJoinedNode
          ? `cluster ${config.cluster.name} exists but ${node1} is not quorate: its corosync.conf lists ${halfJoinedNode}, which never joined (a pvecm add that failed half-way). Run the guide again: the create step takes ${halfJoinedNode} out of the node list (pvecm expected 1, pvecm delnode ${halfJoinedNode}) and the join runs afresh`
          : `cluster ${config.cluster.name} exists but ${node1} is not quorate (${summarize(now)}): start corosync on every node the cluster lists (pvecm status on ${node1})`,
      );
    }
    // pmxcfs sees quorum a few seconds after corosync: until then /etc/pve is read-only and a join is refused.
    const cfs = await waitForCfsQuorum(ctx, config.nodes[0], config.cluster.name);
    if (!cfs.quorate)
      throw postconditionFailed(
        `corosync is quorate on ${node1} but ${describeCfs(cfs.last)} after ${CFS_QUORUM_TIMEOUT_MS / 1000} s, so /etc/pve stays read-only: systemctl restart pve-cluster on ${node1}`,
      );
    return { summary: `cluster ${config.cluster.name} on ${node1} (${summarize(status)})`, facts: { pvecmStatus: status } };
  },
});
