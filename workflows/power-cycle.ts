/**
 * The guide's failover test, shared by the guide (once, recorded on the cluster) and `pve-twonode drill` (again,
 * whenever asked): health checked and the node hosting the HA guest picked, the node powered off hard, the survivor
 * watched taking the guest over (the recovery time), the node kept down for failover.down_for, powered on, 3 of 3
 * votes again. Powering off and waiting while the node is down belong to the workflow, so the stages are activities.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/duration';
import type { StepResult } from '../src/step-kit/result';
import type { FailoverTarget } from '../steps/failover';
import { failoverStage, quickStep } from './policies';
import type { PowerAction } from './gates';
import type { Progress } from './progress';

export interface PowerCycle<N extends string> {
  step: N;
  progress: Progress<N>;
  /** Run again even when the cluster records a passed test (a drill). */
  again: boolean;
  /** A person powers the node (failover.power_off|on without a command): waits for their confirmation. */
  confirmPower(action: PowerAction, node: string, what: string): Promise<void>;
  /** The prepared target, before the power cut: a drill asks for its approval here. */
  beforePowerOff?(target: FailoverTarget): Promise<void>;
}

export async function powerCycleTest<N extends string>(config: ClusterConfig, run: PowerCycle<N>): Promise<StepResult> {
  const { step, progress } = run;
  const activity = (options: wf.ActivityOptions, what: string) => wf.proxyActivities<Activities>({ ...options, summary: `${step}: ${what}` });
  const prepare = () => {
    const stage = activity(quickStep, `check health on ${config.nodes[0].name}`);
    return run.again ? stage.failoverPrepare(config, true) : stage.failoverPrepare(config);
  };
  let prep = await prepare();
  if (!prep.facts.target) {
    progress.data.failoverRecoveryMs = prep.facts.previous?.recoveryMs ?? null;
    return prep;
  }
  if (run.beforePowerOff) {
    await run.beforePowerOff(prep.facts.target);
    // It may have waited for days: the cluster must still be healthy, and the guest may have moved.
    prep = await prepare();
  }
  const target = prep.facts.target;
  if (!target)
    throw wf.ApplicationFailure.nonRetryable(`after the approval nothing could be tested: ${prep.message}; nothing was powered off`, 'PreconditionFailed');
  const { victim, survivor } = target;

  /** Powers a node off or on by the configured command, or waits for a person to do it; returns when it happened. */
  async function power(action: PowerAction, node: string): Promise<number> {
    const how = action === 'off' ? config.failover.power_off : config.failover.power_on;
    if ('command' in how) return (await activity(quickStep, `power ${action} ${node}`).failoverPower(config, action, node)).at;
    await run.confirmPower(action, node, `power ${action} ${node} ${action === 'off' ? 'HARD (pull the plug; a clean shutdown is not a failure)' : ''}`);
    progress.start(step, `${node} powered ${action} (confirmed)`);
    return Date.now();
  }

  const powerOffAt = await power('off', victim);
  const offSince = Date.now(); // workflow time, for the durable down-time timer
  progress.note(step, `${victim} is off; watching ${survivor}`);
  let observed;
  try {
    observed = await activity(failoverStage, `watch ${survivor} take over ${target.sid}`).failoverObserve(config, target, powerOffAt);
  } catch (err) {
    // The test failed (quorum lost, guest not started): the node must not stay off because of it.
    if (!wf.isCancellation(err)) await power('on', victim);
    throw err;
  }
  const recoveryMs = observed.facts.recoveryMs ?? -1;
  progress.data.failoverRecoveryMs = recoveryMs;
  // Keep the node down for failover.down_for, as the guide's test does, before powering it back on.
  const downMs = durationMs(config.failover.down_for) - (Date.now() - offSince);
  if (downMs > 0) await wf.sleep(downMs, { summary: `keep ${victim} powered off for ${config.failover.down_for}` });
  await power('on', victim);
  const restored = await activity(failoverStage, `wait for ${victim} and 3 of 3 votes`).failoverRestore(config, target, recoveryMs);
  return {
    ...observed,
    message: `${observed.message}; ${restored.message}`,
    facts: { ...prep.facts, ...observed.facts, ...restored.facts },
    actions: [...prep.actions, `power off ${victim}`, `power on ${victim}`, ...restored.actions],
    attempt: Math.max(prep.attempt, observed.attempt, restored.attempt),
  };
}
