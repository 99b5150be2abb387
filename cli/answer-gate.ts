/**
 * `approve` and `reject`: sent as Updates, so the run itself says at once whether it waits at that gate; a gate it is
 * not waiting for is refused with the gates it can take, and nothing is held for later. The run's validator needs a
 * worker: with none running the command says so (exit 6) instead of leaving an answer nobody checked.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approveUpdate, rejectUpdate, type GateAnswered } from '../workflows/messages';
import { CliError, EXIT } from './errors';
import { readRun } from './read-run';
import type { GuideHandle } from './start';

export async function answerGate(handle: GuideHandle, gate: string, reason?: string, hostKey?: string): Promise<GateAnswered> {
  // Reads the run first: no worker (exit 6) and a run that has ended are said before anything is sent.
  const { status, progress } = await readRun(handle);
  if (status !== 'RUNNING') throw new CliError(`${handle.workflowId} has ended (${progress.state}): it waits for no approval`, EXIT.usage);
  try {
    return reason === undefined
      ? await handle.executeUpdate(approveUpdate, { args: [hostKey ? { gate, hostKey } : { gate }] })
      : await handle.executeUpdate(rejectUpdate, { args: [{ gate, reason }] });
  } catch (err) {
    // The validator's refusal: its words are the message (which gate it waits for, and every gate it has).
    if (err instanceof WorkflowUpdateFailedError) throw new CliError(`refused by ${handle.workflowId}: ${err.cause?.message ?? err.message}`, EXIT.usage);
    throw err;
  }
}
