/** Starting a run: one workflow per cluster, id from the cluster name, a second concurrent start refused. */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { ClusterConfig } from '../src/config/schema';
import type { clusterGuide } from '../workflows/guide';
import { clusterNameAttribute, currentStepAttribute, runStateAttribute, workflowIdFor } from '../workflows/messages';
import { TASK_QUEUE } from '../src/temporal/connection';

export class RunAlreadyActiveError extends Error {
  override name = 'RunAlreadyActiveError';
}

export type GuideHandle = WorkflowHandle<typeof clusterGuide>;

export async function startGuide(client: Client, config: ClusterConfig, taskQueue = config.cluster.task_queue ?? TASK_QUEUE): Promise<GuideHandle> {
  const workflowId = workflowIdFor(config.cluster.name);
  const [node1, node2] = config.nodes;
  const hostLines = [node1, node2, config.qdevice].map((h) => `| ${h.name} | ${h.ip} | ${h.ssh.host_key} |`);
  try {
    return await client.workflow.start<typeof clusterGuide>('clusterGuide', {
      taskQueue,
      workflowId,
      args: [config],
      // FAIL: never two runs for one cluster; ALLOW_DUPLICATE: a finished run may be run again (it re-verifies, skips done steps).
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [
        { key: clusterNameAttribute, value: config.cluster.name },
        { key: currentStepAttribute, value: 'none' },
        { key: runStateAttribute, value: 'running' },
      ],
      staticSummary: `Proxmox 2-node cluster ${config.cluster.name}: ${node1.name} + ${node2.name}, QDevice ${config.qdevice.name}`,
      staticDetails: [
        `**Cluster** ${config.cluster.name} (Proxmox VE version: see the preflight step)`,
        '',
        '| host | IP | pinned host key |',
        '|---|---|---|',
        ...hostLines,
        '',
        `Approvals: ${config.approvals.steps.join(', ') || 'none'}. HA guests: ${config.ha.resources.map((r) => r.sid).join(', ') || 'none'}.`,
      ].join('\n'),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new RunAlreadyActiveError(
        `a run for cluster ${config.cluster.name} is already in progress (workflow ${workflowId}); follow it with "pve-twonode watch ${config.cluster.name}" or stop it with "pve-twonode cancel ${config.cluster.name}"`,
      );
    throw err;
  }
}
