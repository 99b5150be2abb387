/**
 * `pve-twonode guard`: a Temporal Schedule per cluster runs the health check every interval (overlap skip, a
 * catch-up window), and the cluster's health-state workflow keeps the result and sends the alerts.
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction } from '@temporalio/client';
import type { ClusterConfig } from '../src/config/schema';
import { TASK_QUEUE } from '../src/temporal/connection';
import type { clusterHealth } from '../workflows/health';
import { guardScheduleIdFor, healthStateIdFor } from '../workflows/health-messages';
import { clusterNameAttribute } from '../workflows/messages';
import { upsertSchedule } from './schedules';

export type GuardAction = 'pause' | 'resume' | 'delete' | 'trigger';

/**
 * Creates or updates the schedule and makes sure the health state runs; returns what it did. configPath, the file's
 * absolute path, goes into the advice alerts carry ("pve-twonode repair qdevice /etc/pve-twonode/homelab.yaml").
 */
export async function guard(
  client: Client,
  config: ClusterConfig,
  every: string,
  configPath?: string,
  taskQueue = config.cluster.task_queue ?? TASK_QUEUE,
): Promise<string> {
  const cluster = config.cluster.name;
  await client.workflow.start<typeof clusterHealth>('clusterHealth', {
    taskQueue,
    workflowId: healthStateIdFor(cluster),
    args: [cluster],
    // One health state per cluster, kept across guard updates.
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: clusterNameAttribute, value: cluster }],
    staticSummary: `health of Proxmox cluster ${cluster} (pve-twonode guard)`,
  });
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: 'clusterHealthCheck',
    args: configPath ? [config, configPath] : [config],
    taskQueue,
    workflowId: `pve-twonode-check-${cluster}`,
  };
  const scheduleId = guardScheduleIdFor(cluster);
  const done = await upsertSchedule(client, scheduleId, every, action, `pve-twonode guard, every ${every}`);
  return done === 'created'
    ? `guard for ${cluster}: schedule ${scheduleId} created, a check every ${every}`
    : `guard for ${cluster}: schedule ${scheduleId} updated, a check every ${every} with the current cluster.yaml`;
}

export async function guardAction(client: Client, cluster: string, action: GuardAction): Promise<string> {
  const handle = client.schedule.getHandle(guardScheduleIdFor(cluster));
  if (action === 'pause') await handle.pause('paused with pve-twonode guard --pause');
  else if (action === 'resume') await handle.unpause('resumed with pve-twonode guard --resume');
  else if (action === 'trigger') await handle.trigger(ScheduleOverlapPolicy.SKIP);
  else await handle.delete();
  const done: Record<GuardAction, string> = {
    pause: 'paused',
    resume: 'resumed',
    trigger: 'one check started now',
    delete: 'schedule deleted (the health state keeps its last result)',
  };
  return `guard for ${cluster}: ${done[action]}`;
}
