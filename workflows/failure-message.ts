/** What a failure in workflow code says: an activity's own failure (its cause) rather than Temporal's wrapper. */
import * as wf from '@temporalio/workflow';

export function failureMessage(err: unknown): string {
  const cause = err instanceof wf.ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
