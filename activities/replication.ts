/** Step 9, replication (optional): `pvesr` jobs for guests on ZFS, so HA has the disks on the other node (proxmox.md §4.8). */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet, type HostCommand } from '../src/steps/commands';
import { runStep } from '../src/steps/context';
import { postconditionFailed } from '../src/steps/failures';
import { alreadyDone, done, type StepResult } from '../src/steps/result';

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
  return new Set(text.split('\n').map((l) => /^(\d+-\d+)\s/.exec(l)?.[1]).filter((s): s is string => s !== undefined));
}

export async function replication(config: ClusterConfig): Promise<StepResult> {
  return runStep(config, 'replication', async (ctx) => {
    if (!config.replication) return { outcome: 'skipped-not-configured', message: 'no replication in the config', facts: {} };
    const c: CommandSet = replicationCommands(config);
    const ids = config.replication.jobs.map((j) => jobId(j.guest));
    const list = replicationCommands(config).list;
    const before = listedJobs(await ctx.output(list));
    if (ids.every((id) => before.has(id))) return alreadyDone(`replication jobs ${ids.join(', ')} exist`, { jobs: ids });
    for (const id of ids) if (!before.has(id)) await ctx.output(c[id] as HostCommand);
    const after = listedJobs(await ctx.output(list));
    const missing = ids.filter((id) => !after.has(id));
    if (missing.length > 0) throw postconditionFailed(`pvesr list does not show ${missing.join(', ')} (replication needs ZFS storage with the same ID on both nodes)`);
    return done(`replication jobs ${ids.join(', ')} created`, { jobs: ids });
  });
}
