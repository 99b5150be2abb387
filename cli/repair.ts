/** Starting a repair or node maintenance: one of each per cluster at a time, a second concurrent start refused. */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ClusterConfig } from '../src/config/schema';
import { TASK_QUEUE } from '../src/temporal/connection';
import { clusterNameAttribute } from '../workflows/messages';
import type { MaintenanceAction } from '../activities/maintenance';
import type { nodeMaintenance } from '../workflows/node-maintenance';
import { day2WorkflowIdFor, maintenanceIdFor, repairQdeviceIdFor } from '../workflows/repair-messages';
import type { repairQdevice } from '../workflows/repair-qdevice';
import { RunAlreadyActiveError, type GuideHandle } from './start';

export function isDay2Gate(gate: string): boolean {
  return day2WorkflowIdFor('', gate) !== null;
}

/** The repair's handle; its progress query and report have the guide's shape, so watch, follow and report serve both. */
export async function startRepairQdevice(client: Client, config: ClusterConfig): Promise<GuideHandle> {
  const workflowId = repairQdeviceIdFor(config.cluster.name);
  try {
    const handle = await client.workflow.start<typeof repairQdevice>('repairQdevice', {
      taskQueue: config.cluster.task_queue ?? TASK_QUEUE,
      workflowId,
      args: [config],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [{ key: clusterNameAttribute, value: config.cluster.name }],
      staticSummary: `Repair the QDevice of ${config.cluster.name} (${config.qdevice.name}, ${config.qdevice.ip})`,
    });
    return handle as unknown as GuideHandle;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new RunAlreadyActiveError(`a QDevice repair for cluster ${config.cluster.name} is already in progress (workflow ${workflowId})`);
    throw err;
  }
}

/** Starting node maintenance on or off: one maintenance run per cluster at a time. */
export async function startMaintenance(client: Client, config: ClusterConfig, node: string, action: MaintenanceAction): Promise<GuideHandle> {
  const workflowId = maintenanceIdFor(config.cluster.name);
  try {
    const handle = await client.workflow.start<typeof nodeMaintenance>('nodeMaintenance', {
      taskQueue: config.cluster.task_queue ?? TASK_QUEUE,
      workflowId,
      args: [config, node, action],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [{ key: clusterNameAttribute, value: config.cluster.name }],
      staticSummary: `HA maintenance ${action} for ${node} (cluster ${config.cluster.name})`,
    });
    return handle as unknown as GuideHandle;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new RunAlreadyActiveError(`a maintenance run for cluster ${config.cluster.name} is already in progress (workflow ${workflowId})`);
    throw err;
  }
}
