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
  // The rolling update: apt or dpkg failed on a host (a package script); a host did not come back from its reboot.
  'UpgradeFailed',
  'HostNotBack',
] as const;
export type FailureType = (typeof NON_RETRYABLE)[number];
