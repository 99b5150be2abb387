/** Named, non-retryable failure types: what a retry cannot fix ends the step with a message a person can act on. */
import { ApplicationFailure } from '@temporalio/common';
import { SshError } from '../ssh/errors';
import { SecretUnavailableError } from '../secrets';
import type { FailureType } from './failure-types';


export function preconditionFailed(message: string, facts?: unknown): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'PreconditionFailed', facts);
}

export function postconditionFailed(message: string, facts?: unknown): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'PostconditionFailed', facts);
}

const SSH_TYPES: Record<string, FailureType> = {
  HostKeyMismatchError: 'HostKeyMismatch',
  AuthenticationError: 'AuthenticationFailed',
  CommandAbortedError: 'CommandAborted',
};

/** Turns what an activity threw into what Temporal should do with it. */
export function toFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof SecretUnavailableError) return ApplicationFailure.nonRetryable(err.message, 'SecretUnavailable');
  if (err instanceof SshError) {
    return err.retryable
      ? ApplicationFailure.retryable(err.message, err.name)
      : ApplicationFailure.nonRetryable(err.message, SSH_TYPES[err.name] ?? err.name);
  }
  return err;
}
