/** What the worker registers: one activity per guide step (from the registry), the failover stages, the read-only pass. */
import type { AnyStep } from '../src/step-kit/descriptor';
import { ACTIVITY_STEPS } from '../steps';
import * as failoverStages from './failover';
import { stepActivities, type StepActivities } from './guide-steps';
import { readOnlyPass } from './read-only-pass';

/** The activities with fixed names and signatures; each guide step's activity is a StepActivities entry. */
export type Activities = typeof failoverStages & { readOnlyPass: typeof readOnlyPass };

export function createActivities(steps: readonly AnyStep[] = ACTIVITY_STEPS): StepActivities & Record<keyof Activities, unknown> {
  const named: Activities = { ...failoverStages, readOnlyPass };
  return { ...stepActivities(steps), ...named } as StepActivities & Activities;
}
