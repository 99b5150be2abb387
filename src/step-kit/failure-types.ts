/** Failure types no retry can fix; pure so the workflow's retry policies can name them too. */
export const NON_RETRYABLE = [
  'HostKeyMismatch',
  'AuthenticationFailed',
  'PreconditionFailed',
  'PostconditionFailed',
  'Degraded',
  'SecretUnavailable',
  'CommandAborted',
  'CommandMissing',
] as const;
export type FailureType = (typeof NON_RETRYABLE)[number];
