/** Activity options per kind of step: how long a step may take and how transient faults are retried. */
import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE } from '../src/step-kit/failure-types';

export const transientRetry: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 15,
  nonRetryableErrorTypes: [...NON_RETRYABLE],
};

const base: ActivityOptions = {
  // Steps heartbeat every 5 s; a worker that died is noticed after 20 s and the step retried elsewhere.
  heartbeatTimeout: '20s',
  // The workflow learns that a cancelled step really stopped before it reports where it stopped.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: transientRetry,
};

/** Reads and small edits (preflight, hosts, replication). */
export const quickStep: ActivityOptions = { ...base, startToCloseTimeout: '5m' };
/** Package installs and NTP waits (time, qnetd, qdevice prerequisites). */
export const installStep: ActivityOptions = { ...base, startToCloseTimeout: '20m' };
/** Cluster changes that wait for quorum (create, join, qdevice, ha). */
export const clusterStep: ActivityOptions = { ...base, startToCloseTimeout: '15m' };
/** Failover observation waits up to failover.recovery_timeout. */
export const failoverStage: ActivityOptions = { ...base, startToCloseTimeout: '40m' };

/**
 * Health alerts and gate notices: short, a few retries over about two minutes; a URL or token the receiver refuses
 * (AlertRefused) and the non-retryable step failures (a missing secret) are not retried.
 */
export const alertDelivery: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['AlertRefused', ...NON_RETRYABLE],
  },
};
