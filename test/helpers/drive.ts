/** Drives a run from the outside as a person would: read `progress`, answer each gate. */
import { setTimeout as delay } from 'node:timers/promises';
import { approveSignal, progressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import type { GuideHandle } from '../../cli/start';

const TERMINAL = new Set(['completed', 'failed', 'rejected', 'cancelled']);

export interface AnswerOptions {
  /** Called once per gate before approving it; returning false leaves it unanswered. */
  onGate?: (gate: string, progress: RunProgress) => Promise<boolean | void>;
  /** Return right after approving this gate instead of waiting for the end of the run. */
  stopAfter?: string;
}

/** Approves each gate as it is reached; returns the gates seen when the run ends (or after stopAfter). */
export async function answerGates(handle: GuideHandle, { onGate = () => Promise.resolve(true), stopAfter }: AnswerOptions = {}): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    let progress: RunProgress;
    try {
      progress = await handle.query(progressQuery);
    } catch {
      return seen; // the run ended and its worker stopped answering queries
    }
    if (TERMINAL.has(progress.state)) return seen;
    const gate = progress.awaiting?.gate;
    if (gate && !seen.includes(gate)) {
      seen.push(gate);
      if ((await onGate(gate, progress)) !== false) await handle.signal(approveSignal, { step: gate });
      if (gate === stopAfter) return seen;
    }
    await delay(20);
  }
}

export async function waitForGate(handle: GuideHandle, gate: string): Promise<RunProgress> {
  for (;;) {
    const progress = await handle.query(progressQuery);
    if (progress.awaiting?.gate === gate) return progress;
    if (TERMINAL.has(progress.state)) throw new Error(`run ended (${progress.state}) before gate ${gate}`);
    await delay(20);
  }
}
