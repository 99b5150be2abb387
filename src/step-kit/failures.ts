/** The two named outcomes a step's own logic can fail with; neither is fixed by a retry. */
import { ApplicationFailure } from '@temporalio/common';
import type { Facts } from './descriptor';

/** The hosts are not in a state this step may act on; a person has to decide. */
export function preconditionFailed(message: string, facts: Facts = {}): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'PreconditionFailed', facts);
}

/** The step acted (or found it done) but real state does not show the result. */
export function postconditionFailed(message: string, facts: Facts = {}): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'PostconditionFailed', facts);
}
