/**
 * Everything derived from the ordered list in guide-steps.ts: the step names, the default gates, the steps the
 * worker runs as activities (every step with an activity type; the failover test runs in stages). The workflow's order, `plan`, the worker's activities, the progress's hosts column,
 * the read-only pass and the README table all read from here.
 */
import { GUIDE_STEPS } from './guide-steps';

export { GUIDE_STEPS };

export type StepName = (typeof GUIDE_STEPS)[number]['name'];

export const STEP_NAMES = GUIDE_STEPS.map((s) => s.name) as [StepName, ...StepName[]];

/**
 * The names as plain strings for the config schema: the steps' own types depend on ClusterConfig, so the schema
 * must not depend on theirs (declared return types keep the type checker from going round in circles).
 */
export function stepNameList(): [string, ...string[]] {
  return [...STEP_NAMES];
}

/** The steps that wait for approval when cluster.yaml does not say (approvals.steps). */
export function defaultGatedStepList(): string[] {
  return GUIDE_STEPS.filter((s) => s.gatedByDefault).map((s) => s.name);
}
