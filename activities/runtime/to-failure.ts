/** Turns what an activity attempt threw into what Temporal should do with it, stamped with the attempt and facts. */
import { ApplicationFailure } from '@temporalio/common';
import { SecretUnavailableError } from '../../src/secrets';
import { SshError } from '../../src/ssh/errors';
import type { Facts } from '../../src/step-kit/descriptor';
import type { FailureType } from '../../src/step-kit/failure-types';
import type { FailureDetails } from '../../src/step-kit/result';

const SSH_TYPES: Record<string, FailureType> = {
  HostKeyMismatchError: 'HostKeyMismatch',
  AuthenticationError: 'AuthenticationFailed',
  PrivateKeyError: 'AuthenticationFailed',
  CommandAbortedError: 'CommandAborted',
};

function classify(err: unknown): { message: string; type: string; nonRetryable: boolean; facts: Facts } {
  if (err instanceof ApplicationFailure) {
    const facts = (err.details?.[0] ?? {}) as Facts;
    return { message: err.message, type: err.type ?? 'Error', nonRetryable: err.nonRetryable === true, facts };
  }
  if (err instanceof SecretUnavailableError) return { message: err.message, type: 'SecretUnavailable', nonRetryable: true, facts: {} };
  if (err instanceof SshError)
    return { message: err.message, type: err.retryable ? err.name : (SSH_TYPES[err.name] ?? err.name), nonRetryable: !err.retryable, facts: {} };
  const e = err instanceof Error ? err : new Error(String(err));
  return { message: e.message, type: e.name, nonRetryable: false, facts: {} };
}

/**
 * Every failure leaves the activity as an ApplicationFailure whose first detail is { attempt, facts }: the workflow
 * sees only the last attempt's failure, so this is how it learns how many attempts a step really took.
 */
export function toFailure(err: unknown, attempt: number): ApplicationFailure {
  const { message, type, nonRetryable, facts } = classify(err);
  const details: FailureDetails = { attempt, facts };
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable,
    details: [details],
    cause: err instanceof Error && !(err instanceof ApplicationFailure) ? err : undefined,
  });
}
