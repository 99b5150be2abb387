/**
 * A workflow's first act: its config checked with the schema the CLI uses. A run started from the Temporal UI or
 * `temporal workflow start` with a broken config ends here, non-retryable, with every bad field named, before any
 * activity is scheduled.
 */
import * as wf from '@temporalio/workflow';
import { configProblems } from '../src/config/problems';

export function validateInput(config: unknown): void {
  const checked = configProblems(config);
  if ('problems' in checked)
    throw wf.ApplicationFailure.nonRetryable(
      `invalid cluster config (${checked.problems.length} problem(s)): ${checked.problems.join('; ')}`,
      'InvalidConfig',
      checked.problems,
    );
}
