/** One activity per guide step that has an activity type (the failover test runs in stages of its own); each runs its step's check -> act -> verify. */
import type { ClusterConfig } from '../src/config/schema';
import type { AnyStep } from '../src/step-kit/descriptor';
import type { StepResult } from '../src/step-kit/result';
import { GUIDE_STEPS } from '../steps';
import type { WorkerResources } from './runtime/resources';
import { runStep } from './runtime/run-step';

export type StepActivities = Record<string, (config: ClusterConfig) => Promise<StepResult>>;

export function stepActivities(resources: WorkerResources, steps: readonly AnyStep[] = GUIDE_STEPS): StepActivities {
  return Object.fromEntries(
    steps.filter((s) => s.activity !== null).map((s) => [s.activity as string, (config: ClusterConfig) => runStep(resources, s, config)]),
  );
}
