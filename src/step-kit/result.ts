/** What a step activity returns to the workflow: outcome, what it acted on, and the facts it verified. */
import type { Facts } from './descriptor';

export type StepOutcome = 'done' | 'skipped-already-done' | 'skipped-not-configured';

export interface StepResult<F extends Facts = Facts> {
  outcome: StepOutcome;
  message: string;
  /** The verified facts; empty when the step was not configured. */
  facts: Partial<F>;
  /** Commands run in the act phase, in order (empty when the check found the step already done). */
  actions: string[];
  attempt: number;
}

/** What every failed attempt carries in its ApplicationFailure details, so the workflow reports true attempts. */
export interface FailureDetails {
  attempt: number;
  facts: Facts;
}

/** What a hand-written stage (the failover test's) returns; the runtime adds the actions and the attempt. */
export interface StageBody<F extends Facts> {
  outcome: StepOutcome;
  message: string;
  facts: F;
}
