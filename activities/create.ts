/** Step 3, create: `pvecm create` on the first node; refused by pvecm if a corosync.conf exists, so check first. */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet } from '../src/steps/commands';
import { readClusterStatus, summarize } from '../src/steps/cluster-state';
import { runStep } from '../src/steps/context';
import { postconditionFailed, preconditionFailed } from '../src/steps/failures';
import { alreadyDone, done, type StepResult } from '../src/steps/result';

const QUORUM_TIMEOUT_MS = 60_000;

export function createCommands(config: ClusterConfig) {
  const node1 = config.nodes[0];
  return {
    status: on(node1, 'check', 'pvecm status'),
    create: on(node1, 'act', sh`pvecm create ${config.cluster.name}`, { timeoutMs: 180_000 }),
    conf: on(node1, 'verify', "grep -E '^\\s*cluster_name:' /etc/pve/corosync.conf"),
  } satisfies CommandSet;
}

export async function create(config: ClusterConfig): Promise<StepResult> {
  return runStep(config, 'create', async (ctx) => {
    const c = createCommands(config);
    const before = await readClusterStatus(ctx, c.status);
    if (before?.cluster) {
      if (before.cluster.name !== config.cluster.name)
        throw preconditionFailed(`${config.nodes[0].name} is already in cluster "${before.cluster.name}"; the cluster name cannot change`);
      if (before.quorate) return alreadyDone(`cluster ${config.cluster.name} exists on ${config.nodes[0].name} (${summarize(before)})`, { pvecmStatus: before });
    } else {
      const created = await ctx.run(c.create);
      // pvecm's worker result is not its exit code (proxmox.md §0.1): only the state below counts.
      if (created.code !== 0) ctx.heartbeat({ note: `pvecm create exited ${created.code}`, stderr: created.stderr.slice(-500) });
    }
    const conf = await ctx.run(c.conf);
    if (!conf.stdout.includes(`cluster_name: ${config.cluster.name}`))
      throw postconditionFailed(`/etc/pve/corosync.conf on ${config.nodes[0].name} does not name cluster ${config.cluster.name}: ${conf.stdout.trim() || conf.stderr.trim()}`);
    const status = await ctx.waitFor('quorum on the new cluster', QUORUM_TIMEOUT_MS, async () => {
      const s = await readClusterStatus(ctx, c.status);
      return s?.quorate ? s : undefined;
    });
    if (!status) throw postconditionFailed(`cluster ${config.cluster.name} was created but ${config.nodes[0].name} is not quorate after ${QUORUM_TIMEOUT_MS / 1000} s`);
    return done(`created cluster ${config.cluster.name} (${summarize(status)})`, { pvecmStatus: status });
  });
}
