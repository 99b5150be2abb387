/** The named outcomes a step's own logic can fail with; none is fixed by a retry. */
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

/**
 * The result holds, but the cluster is in a degraded mode or has drifted from cluster.yaml (a node left in HA
 * maintenance, corosync.conf naming other addresses): worth a WARNING from `check` whatever the step's own weight.
 */
export function degraded(message: string, facts: Facts = {}): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'Degraded', facts);
}
