/**
 * A run's progress however it stands: a running run answers the progress query (that needs a worker); a closed one
 * is read from its memo (workflows/guide.ts keepFinalReport) or its result, with no worker at all.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { GuideHandle } from './start';
import { CliError, EXIT, explainTemporalError } from './errors';
import { currentStepAttribute, finalReportMemoKey, progressQuery, runStateAttribute } from '../workflows/messages';
import type { RunProgress } from '../workflows/progress';
import type { Heartbeat } from './view';
import { temporalSettings, TASK_QUEUE } from '../src/temporal/connection';

export interface RunView {
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  status: string;
  progress: RunProgress;
  heartbeat?: Heartbeat;
}

// A query to a run whose worker is gone may wait for one; a person waits this long at most.
const QUERY_DEADLINE_MS = 5_000;

export function where(taskQueue = TASK_QUEUE) {
  const { connectionOptions, namespace } = temporalSettings();
  return { address: connectionOptions.address, namespace, taskQueue, tls: Boolean(connectionOptions.tls) };
}

export async function readRun(handle: GuideHandle): Promise<RunView> {
  const description = await handle.describe();
  const status = description.status.name;
  const payload = description.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
  const heartbeat = payload ? defaultPayloadConverter.fromPayload<Heartbeat>(payload) : undefined;
  const base = { runId: description.runId, status, heartbeat };
  if (status !== 'RUNNING') {
    const memo = description.memo?.[finalReportMemoKey] as RunProgress | undefined;
    if (memo) return { ...base, progress: memo };
    if (status === 'COMPLETED') return { ...base, progress: (await handle.result()).progress };
  }
  const deadline = Date.now() + QUERY_DEADLINE_MS;
  try {
    const progress = await handle.client.connection.withDeadline(deadline, () => handle.query(progressQuery));
    return { ...base, progress };
  } catch (err) {
    const explained = explainTemporalError(err, where(description.taskQueue));
    // Past the deadline the client reports DEADLINE_EXCEEDED or CANCELLED, depending on who noticed first.
    if (explained?.exitCode === EXIT.noWorker || Date.now() >= deadline) {
      const step = description.typedSearchAttributes.get(currentStepAttribute) ?? 'none';
      const state = description.typedSearchAttributes.get(runStateAttribute) ?? status.toLowerCase();
      throw new CliError(
        `run ${status.toLowerCase()} (${state}, step ${step}) but no worker answers on task queue "${description.taskQueue}": start one with: pve-twonode worker${description.taskQueue === TASK_QUEUE ? '' : ` --task-queue ${description.taskQueue}`}`,
        EXIT.noWorker,
      );
    }
    throw explained ?? err;
  }
}
