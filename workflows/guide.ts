/** The guide as one workflow: the registry's steps in order, approval gates before the risky ones, nothing else. */
import * as wf from '@temporalio/workflow';
import type { ClusterConfig } from '../src/config/schema';
import type { StepResult } from '../src/step-kit/result';
import { GUIDE_PLAN, type StepName } from '../src/plan/guide';
import { guideGates, powerGate } from './gates';
import { GatedRun, Rejected } from './gated-run';
import { powerCycleTest } from './power-cycle';
import type { RunProgress } from './progress';
import { stepActivity } from './step-activity';
import { validateInput } from './validate-input';

export interface GuideReport {
  outcome: 'completed' | 'rejected';
  progress: RunProgress;
}

export async function clusterGuide(config: ClusterConfig): Promise<GuideReport> {
  validateInput(config);
  const gated = new Set<string>(config.approvals.steps);
  const run = new GatedRun<StepName>(
    config,
    GUIDE_PLAN.map((s) => ({ step: s.name, hosts: s.hosts(config), needsApproval: gated.has(s.name) })),
    { run: 'the guide', gates: guideGates(config) },
  );
  try {
    for (const step of GUIDE_PLAN) {
      // A step added after this run's code was released is skipped on replay of the older history.
      if (step.addedIn && !wf.patched(step.addedIn)) continue;
      const skipped = step.activity === null ? step.notConfigured?.(config) : null;
      if (skipped) {
        run.progress.finish(step.name, { outcome: 'skipped-not-configured', message: skipped, facts: {}, actions: [], attempt: 0 });
        continue;
      }
      const gate = gated.has(step.name) ? step.name : null;
      // A step with an activity is always called, also when not configured: it reports skipped-not-configured itself.
      const body = step.activity !== null ? () => stepActivity(step, config)(config) : () => failoverTest(run, config, step.name);
      await run.step(step.name, gate, `${step.name}: ${step.summary(config)}`, body);
    }
    run.progress.complete();
    return { outcome: 'completed', progress: await run.close('completed') };
  } catch (err) {
    if (err instanceof Rejected) return { outcome: 'rejected', progress: await run.close('rejected') };
    return run.failed(err);
  }
}

/** The failover test (workflows/power-cycle.ts), once: a test recorded on the cluster is verified, not repeated. */
function failoverTest(run: GatedRun<StepName>, config: ClusterConfig, step: StepName): Promise<StepResult> {
  return powerCycleTest(config, {
    step,
    progress: run.progress,
    again: false,
    confirmPower: (action, _node, what) => run.gate(step, powerGate(step, action), what),
  });
}
