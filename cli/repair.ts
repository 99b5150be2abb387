/** Starting a day-2 run (a repair, node maintenance, a drill): one of each per cluster at a time, a second start refused. */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ClusterConfig } from '../src/config/schema';
import { TASK_QUEUE } from '../src/temporal/connection';
import { clusterNameAttribute, configPathMemoKey } from '../workflows/messages';
import type { MaintenanceAction } from '../activities/maintenance';
import {
  day2WorkflowIdFor,
  maintenanceIdFor,
  moveQnetdIdFor,
  quorumOverrideIdFor,
  replaceNodeIdFor,
  repairQdeviceIdFor,
  updateIdFor,
} from '../workflows/repair-messages';
import type { ReplaceNodeOptions } from '../workflows/replace-node';
import type { QuorumOverrideOptions } from '../workflows/quorum-override';
import type { UpdateOptions } from '../workflows/rolling-update';
import { listRuns, type RunKind } from './runs';
import { RunAlreadyActiveError, type GuideHandle } from './start';

export function isDay2Gate(gate: string): boolean {
  return day2WorkflowIdFor('', gate) !== null;
}

export interface Day2Run {
  workflowType: 'repairQdevice' | 'repairMoveQnetd' | 'nodeMaintenance' | 'failoverDrill' | 'rollingUpdate' | 'replaceNode' | 'quorumOverride';
  workflowId: string;
  args: unknown[];
  /** What the Temporal UI shows for the run. */
  summary: string;
  /** What is already in progress when the id is taken, e.g. "a QDevice repair". */
  what: string;
  /** The config file's absolute path: the run's notices name it in their advice. */
  configPath?: string;
}

/** The run's handle; its progress query and report have the guide's shape, so watch, follow and report serve all. */
export async function startDay2(client: Client, config: ClusterConfig, run: Day2Run): Promise<GuideHandle> {
  try {
    const handle = await client.workflow.start(run.workflowType, {
      taskQueue: config.cluster.task_queue ?? TASK_QUEUE,
      workflowId: run.workflowId,
      args: run.args,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [{ key: clusterNameAttribute, value: config.cluster.name }],
      staticSummary: run.summary,
      memo: run.configPath ? { [configPathMemoKey]: run.configPath } : undefined,
    });
    return handle;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new RunAlreadyActiveError(`${run.what} for cluster ${config.cluster.name} is already in progress (workflow ${run.workflowId})`);
    throw err;
  }
}

export function startRepairQdevice(client: Client, config: ClusterConfig, configPath?: string): Promise<GuideHandle> {
  return startDay2(client, config, {
    configPath,
    workflowType: 'repairQdevice',
    workflowId: repairQdeviceIdFor(config.cluster.name),
    args: [config],
    summary: `Repair the QDevice of ${config.cluster.name} (${config.qdevice.name}, ${config.qdevice.ip})`,
    what: 'a QDevice repair',
  });
}

/** The move goes to the VM the config's qdevice block names; the CLI has checked --to against it. */
export function startMoveQnetd(client: Client, config: ClusterConfig, configPath?: string): Promise<GuideHandle> {
  return startDay2(client, config, {
    configPath,
    workflowType: 'repairMoveQnetd',
    workflowId: moveQnetdIdFor(config.cluster.name),
    args: [config],
    summary: `Move the QDevice of ${config.cluster.name} to ${config.qdevice.name} (${config.qdevice.ip})`,
    what: 'a QDevice move',
  });
}

export function startMaintenance(client: Client, config: ClusterConfig, node: string, action: MaintenanceAction, configPath?: string): Promise<GuideHandle> {
  return startDay2(client, config, {
    configPath,
    workflowType: 'nodeMaintenance',
    workflowId: maintenanceIdFor(config.cluster.name),
    args: [config, node, action],
    summary: `HA maintenance ${action} for ${node} (cluster ${config.cluster.name})`,
    what: 'a maintenance run',
  });
}

/** Another run of the cluster in progress (a repair, maintenance, a drill, the guide) would change the same hosts. */
async function refuseWhileBusy(client: Client, config: ClusterConfig, own: RunKind, doing: string): Promise<void> {
  const busy = (await listRuns(client, config.cluster.name)).find((r) => r.status === 'RUNNING' && r.kind !== own);
  if (busy)
    throw new RunAlreadyActiveError(
      `a ${busy.kind} run of cluster ${config.cluster.name} is in progress (workflow ${busy.workflowId}): let it end, or cancel it, before ${doing}`,
    );
}

/** replace-node, only when no other run of the cluster is in progress; a second one is refused by its fixed id. */
export async function startReplaceNode(
  client: Client,
  config: ClusterConfig,
  node: string,
  options: ReplaceNodeOptions,
  configPath?: string,
): Promise<GuideHandle> {
  await refuseWhileBusy(client, config, 'replace-node', `replacing ${node}`);
  return startDay2(client, config, {
    configPath,
    workflowType: 'replaceNode',
    workflowId: replaceNodeIdFor(config.cluster.name),
    args: [config, node, options],
    summary: `Replace ${node} of ${config.cluster.name}: prove it dead, remove it, wait for its reinstall, join it again`,
    what: 'a node replacement',
  });
}

/**
 * The break-glass override: not refused while another run is in progress (a run stuck on the lost quorum may be why it
 * is needed); a second one is refused by its fixed id.
 */
export function startQuorumOverride(
  client: Client,
  config: ClusterConfig,
  survivor: string,
  options: QuorumOverrideOptions,
  configPath?: string,
): Promise<GuideHandle> {
  return startDay2(client, config, {
    configPath,
    workflowType: 'quorumOverride',
    workflowId: quorumOverrideIdFor(config.cluster.name),
    args: [config, survivor, options],
    summary: `Break-glass quorum override on ${survivor} (cluster ${config.cluster.name}), behind a person's approval`,
    what: 'a quorum override',
  });
}

/**
 * The rolling update, only when no other run of the cluster is in progress (a repair, maintenance, a drill or the guide
 * would change the same hosts); a second update is refused by its fixed id.
 */
export async function startUpdate(client: Client, config: ClusterConfig, options: UpdateOptions, configPath?: string): Promise<GuideHandle> {
  await refuseWhileBusy(client, config, 'update', 'updating');
  const hosts = options.only?.join(', ') ?? 'both nodes and the QDevice VM';
  return startDay2(client, config, {
    configPath,
    workflowType: 'rollingUpdate',
    workflowId: updateIdFor(config.cluster.name),
    args: [config, options],
    summary: `Rolling update of ${config.cluster.name}: ${hosts} (reboot ${options.reboot})`,
    what: 'an update',
  });
}
