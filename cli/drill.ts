/**
 * `pve-twonode drill`: the failover drill on demand, or a Schedule that starts one every interval (each waits for
 * `approve <cluster> drill`). A scheduled run's id carries the scheduled time, so a cluster's running drill is found
 * by its search attributes, not by its id.
 */
import type { Client, ScheduleOptionsAction } from '@temporalio/client';
import type { ClusterConfig } from '../src/config/schema';
import { TASK_QUEUE } from '../src/temporal/connection';
import { clusterNameAttribute, configPathMemoKey, finalReportMemoKey } from '../workflows/messages';
import type { RunProgress } from '../workflows/progress';
import { DRILL_GATE, drillIdFor, drillScheduleIdFor } from '../workflows/repair-messages';
import { startDay2 } from './repair';
import { upsertSchedule } from './schedules';
import { RunAlreadyActiveError, type GuideHandle } from './start';

const running = (cluster: string) => `WorkflowType = 'failoverDrill' AND ExecutionStatus = 'Running' AND ${clusterNameAttribute.name} = '${cluster}'`;

/** The id of the cluster's drill in progress (on demand or scheduled), or null. */
export async function runningDrillId(client: Client, cluster: string): Promise<string | null> {
  for await (const run of client.workflow.list({ query: running(cluster) })) return run.workflowId;
  return null;
}

export async function startDrill(client: Client, config: ClusterConfig, configPath?: string): Promise<GuideHandle> {
  const busy = await runningDrillId(client, config.cluster.name);
  if (busy) throw new RunAlreadyActiveError(`a failover drill for cluster ${config.cluster.name} is already in progress (workflow ${busy})`);
  return startDay2(client, config, {
    workflowType: 'failoverDrill',
    workflowId: drillIdFor(config.cluster.name),
    args: [config],
    summary: `Failover drill of ${config.cluster.name}`,
    what: 'a failover drill',
    configPath,
  });
}

export async function scheduleDrill(client: Client, config: ClusterConfig, every: string, configPath?: string): Promise<string> {
  const cluster = config.cluster.name;
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: 'failoverDrill',
    args: [config],
    taskQueue: config.cluster.task_queue ?? TASK_QUEUE,
    workflowId: drillIdFor(cluster),
    typedSearchAttributes: [{ key: clusterNameAttribute, value: cluster }],
    staticSummary: `Scheduled failover drill of ${cluster} (every ${every})`,
    memo: configPath ? { [configPathMemoKey]: configPath } : undefined,
  };
  const scheduleId = drillScheduleIdFor(cluster);
  const done = await upsertSchedule(client, scheduleId, every, action, `pve-twonode drill, every ${every}`);
  return `drill for ${cluster}: schedule ${scheduleId} ${done}, a drill every ${every}; each waits for: pve-twonode approve ${cluster} ${DRILL_GATE}`;
}

export async function deleteDrillSchedule(client: Client, cluster: string): Promise<string> {
  await client.schedule.getHandle(drillScheduleIdFor(cluster)).delete();
  return `drill for ${cluster}: schedule deleted (past drills keep their results)`;
}

export interface LastDrill {
  at: string;
  recoveryMs: number;
}

/** Per cluster, the newest drill that measured a recovery, from the runs' memos (no worker needed). */
export async function lastDrills(client: Client): Promise<Map<string, LastDrill>> {
  const last = new Map<string, LastDrill>();
  for await (const run of client.workflow.list({ query: `WorkflowType = 'failoverDrill' AND ExecutionStatus = 'Completed'` })) {
    const report = run.memo?.[finalReportMemoKey] as RunProgress<string> | undefined;
    const cluster = run.typedSearchAttributes.get(clusterNameAttribute);
    const at = (run.closeTime ?? run.startTime).toISOString();
    if (!cluster || report?.failoverRecoveryMs == null || (last.get(cluster)?.at ?? '') > at) continue;
    last.set(cluster, { at, recoveryMs: report.failoverRecoveryMs });
  }
  return last;
}
