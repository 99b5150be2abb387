/** Step 3, create: `pvecm create` on the first node; refused by pvecm if a corosync.conf exists, so check first. */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { readClusterStatus, statusWhere, summarize } from '../src/step-kit/cluster-state';
import { quorumEvents } from '../src/step-kit/quorum-events';
import { exitReport, on, type CommandSet } from '../src/step-kit/commands';
import { defineStep } from '../src/step-kit/descriptor';
import { postconditionFailed, preconditionFailed } from '../src/step-kit/failures';

const QUORUM_TIMEOUT_MS = 60_000;

export function createCommands(config: ClusterConfig) {
  const node1 = config.nodes[0];
  return {
    status: on(node1, 'check', 'pvecm status'),
    quorumEvents: quorumEvents(node1),
    create: on(node1, 'act', sh`pvecm create ${config.cluster.name}`, { timeoutMs: 180_000 }),
    conf: on(node1, 'verify', "grep -E '^\\s*cluster_name:' /etc/pve/corosync.conf"),
  } satisfies CommandSet;
}

export const create = defineStep({
  name: 'create',
  activity: 'create',
  kind: 'cluster',
  acts: '`pvecm create`',
  verifiedBy: 'corosync.conf names the cluster, quorate',
  gatedByDefault: true,
  health: 'critical',
  hosts: (config) => [config.nodes[0].name],
  summary: (config) => `pvecm create on ${config.nodes[0].name}`,
  commands: (config) => [createCommands(config)],
  async check(ctx, config) {
    const before = await readClusterStatus(ctx, createCommands(config).status);
    if (before?.cluster && before.cluster.name !== config.cluster.name)
      throw preconditionFailed(`${config.nodes[0].name} is already in cluster "${before.cluster.name}"; the cluster name cannot change`);
    // A cluster that exists but is not quorate yet is not created again: verify waits for quorum.
    return { done: before?.quorate === true, state: { exists: Boolean(before?.cluster) } };
  },
  async act(ctx, config, { exists }) {
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
    if (!status) throw postconditionFailed(`cluster ${config.cluster.name} exists but ${node1} is not quorate`);
    return { summary: `cluster ${config.cluster.name} on ${node1} (${summarize(status)})`, facts: { pvecmStatus: status } };
  },
});
