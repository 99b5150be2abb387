/** A step's activity as a workflow calls it: the timeouts and retries of its kind, its summary in the UI. */
import * as wf from '@temporalio/workflow';
import type { ClusterConfig } from '../src/config/schema';
import type { StepKind, StepPlan } from '../src/plan/step-plan';
import type { StepResult } from '../src/step-kit/result';
import { clusterStep, installStep, quickStep } from './policies';

const OPTIONS: Record<StepKind, wf.ActivityOptions> = { quick: quickStep, install: installStep, cluster: clusterStep };

export function stepActivity(step: StepPlan, config: ClusterConfig): (config: ClusterConfig) => Promise<StepResult> {
  return wf.proxyActivities<Record<string, (config: ClusterConfig) => Promise<StepResult>>>({
    ...OPTIONS[step.kind],
    summary: `${step.name}: ${step.summary(config)}`,
  })[step.activity as string];
}
