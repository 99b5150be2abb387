/** Step 9, replication (optional): `pvesr` jobs for guests on ZFS, so HA has the disks on the other node (docs/proxmox-contract.md). */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet, type HostCommand } from '../src/step-kit/commands';
import { defineStep } from '../src/step-kit/descriptor';
import { postconditionFailed } from '../src/step-kit/failures';
import { replicationPlan } from '../src/plan/guide';

const jobId = (guest: number) => `${guest}-0`;

export function replicationCommands(config: ClusterConfig) {
  const node1 = config.nodes[0];
  const jobs = config.replication?.jobs ?? [];
  const schedule = config.replication?.schedule ?? '*/15';
  return {
    list: on(node1, 'check', 'pvesr list'),
    ...Object.fromEntries(jobs.map((j) => [jobId(j.guest), on(node1, 'act', sh`pvesr create-local-job ${jobId(j.guest)} ${j.target} --schedule ${schedule}`)])),
  } satisfies CommandSet;
}

/** Job ids listed by `pvesr list` (first column, e.g. 100-0). */
function listedJobs(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => /^(\d+-\d+)\s/.exec(l)?.[1])
      .filter((s): s is string => s !== undefined),
  );
}

const jobIds = (config: ClusterConfig) => (config.replication?.jobs ?? []).map((j) => jobId(j.guest));

export const replication = defineStep({
  ...replicationPlan,
  acts: '`pvesr create-local-job` (optional, ZFS)',
  verifiedBy: '`pvesr list`',
  health: 'warning',
  commands: (config) => (config.replication ? [replicationCommands(config)] : []),
  planNote: (config) => (config.replication ? undefined : 'skipped: no replication in the config'),
  async check(ctx, config) {
    const listed = listedJobs(await ctx.output(replicationCommands(config).list));
    const missing = jobIds(config).filter((id) => !listed.has(id));
    return { done: missing.length === 0, state: missing };
  },
  async act(ctx, config, missing) {
    const c: CommandSet = replicationCommands(config);
    for (const id of missing) await ctx.output(c[id] as HostCommand);
    return { changes: [`created ${missing.join(', ')}`] };
  },
  async verify(ctx, config) {
    const ids = jobIds(config);
    const listed = listedJobs(await ctx.output(replicationCommands(config).list));
    const missing = ids.filter((id) => !listed.has(id));
    if (missing.length > 0)
      throw postconditionFailed(`pvesr list does not show ${missing.join(', ')} (replication needs ZFS storage with the same ID on both nodes)`);
    return { summary: `replication jobs ${ids.join(', ')} exist`, facts: { jobs: ids } };
  },
});
