/** What a step activity returns to the workflow: outcome, what it acted on, and the facts it verified. */

export type StepOutcome = 'done' | 'skipped-already-done' | 'skipped-not-configured';

export interface StepResult {
  outcome: StepOutcome;
  message: string;
  facts: Record<string, unknown>;
  /** Commands run in the act phase, in order (empty when the check found the step already done). */
  actions: string[];
  attempt: number;
}

export type StepBody = Omit<StepResult, 'actions' | 'attempt'>;

export function alreadyDone(message: string, facts: Record<string, unknown> = {}): StepBody {
  return { outcome: 'skipped-already-done', message, facts };
}

export function done(message: string, facts: Record<string, unknown> = {}): StepBody {
  return { outcome: 'done', message, facts };
}
