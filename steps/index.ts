/**
 * Everything derived from the ordered list in guide-steps.ts: the step names, the default gates, the steps the
 * worker runs as activities. The workflow's order, `plan`, the worker's activities, the progress's hosts column,
 * the read-only pass and the README table all read from here.
 */
import type { AnyStep } from '../src/step-kit/descriptor';
import { GUIDE_STEPS } from './guide-steps';

export { GUIDE_STEPS };

export type StepName = (typeof GUIDE_STEPS)[number]['name'];

export const STEP_NAMES = GUIDE_STEPS.map((s) => s.name) as [StepName, ...StepName[]];

/** The steps that wait for approval when cluster.yaml does not say (approvals.steps). */
export const DEFAULT_GATED_STEPS = GUIDE_STEPS.filter((s) => s.gatedByDefault).map((s) => s.name);

/** The steps a worker runs as one activity each (the failover test runs in stages of its own). */
export const ACTIVITY_STEPS: readonly AnyStep[] = GUIDE_STEPS.filter((s) => s.activity !== null);

export function stepNamed(name: string): AnyStep | undefined {
  return (GUIDE_STEPS as readonly AnyStep[]).find((s) => s.name === name);
}

/**
 * The names as plain strings for the config schema: the steps' own types depend on ClusterConfig, so the schema
 * must not depend on theirs (declared return types keep the type checker from going round in circles).
 */
export function stepNameList(): [string, ...string[]] {
  return [...STEP_NAMES];
}

export function defaultGatedStepList(): string[] {
  return [...DEFAULT_GATED_STEPS];
}
