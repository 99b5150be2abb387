/** Starting a repair: one per cluster and repair at a time, id from both, a second concurrent start refused. */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ClusterConfig } from '../src/config/schema';
import { TASK_QUEUE } from '../src/temporal/connection';
import { clusterNameAttribute } from '../workflows/messages';
import { REPAIR_GATES, repairQdeviceIdFor } from '../workflows/repair-messages';
import type { repairQdevice } from '../workflows/repair-qdevice';
import { RunAlreadyActiveError, type GuideHandle } from './start';

export function isRepairGate(gate: string): boolean {
  return (REPAIR_GATES as readonly string[]).includes(gate);
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
