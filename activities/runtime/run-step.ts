/** The step runtime: runs a step descriptor's check -> act -> verify inside an activity attempt. */
import { Context } from '@temporalio/activity';
import type { ClusterConfig } from '../../src/config/schema';
import type { Facts, StepContext, StepDescriptor } from '../../src/step-kit/descriptor';
import type { StageBody, StepOutcome, StepResult } from '../../src/step-kit/result';
import type { WorkerResources } from './resources';
import { HostSessions, SshStepContext } from './step-context';
import { toFailure } from './to-failure';

/** Runs body with a fresh context; every failure leaves as an ApplicationFailure carrying { attempt, facts }. */
export async function runStage<F extends Facts>(
  resources: WorkerResources,
  config: ClusterConfig,
  step: string,
  body: (ctx: StepContext) => Promise<StageBody<F>>,
): Promise<StepResult<F>> {
  const ctx = new SshStepContext(config, step, false, new HostSessions(config, resources));
  const attempt = Context.current().info.attempt;
  try {
    return { ...(await body(ctx)), actions: ctx.actions, attempt };
  } catch (err) {
    throw toFailure(err, attempt);
  } finally {
    ctx.close();
  }
}

/**
 * A guide step: check the real state; act only when the check says it is not done; verify from real state either
 * way, never from an exit code. A step without act (preflight) reports done once its check and verify pass.
 */
export function runStep<S, F extends Facts>(resources: WorkerResources, step: StepDescriptor<string, S, F>, config: ClusterConfig): Promise<StepResult<F>> {
  return runStage<F>(resources, config, step.name, async (ctx) => {
    const skipped = step.notConfigured?.(config);
    if (skipped) return { outcome: 'skipped-not-configured', message: skipped, facts: {} as F };
    const checked = await step.check(ctx, config);
    const acted = !checked.done && step.act ? await step.act(ctx, config, checked.state) : null;
    const verified = await step.verify(ctx, config, { state: checked.state, acted });
    const changes = acted?.changes.length ? ` (${acted.changes.join('; ')})` : '';
    const outcome: StepOutcome = acted || !step.act ? 'done' : 'skipped-already-done';
    return { outcome, message: `${verified.summary}${changes}`, facts: verified.facts };
  });
}
