/** The guide as one workflow: the registry's steps in order, approval gates before the risky ones, nothing else. */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FailoverTarget } from '../steps/failover';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/duration';
import type { AnyStep } from '../src/step-kit/descriptor';
import type { FailureDetails, StepResult } from '../src/step-kit/result';
import { GUIDE_STEPS, type StepName } from '../steps';
import { isGate, powerGate, type GateName, type PowerAction } from './gates';
import {
  approveSignal,
  clusterNameAttribute,
  currentStepAttribute,
  finalReportMemoKey,
  progressQuery,
  rejectSignal,
  runStateAttribute,
  type ApproveInput,
  type RejectInput,
} from './messages';
import { alertDelivery, failoverStage, quickStep } from './policies';
import { stepActivity } from './step-activity';
import { Progress, type RunProgress } from './progress';

type Options = wf.ActivityOptions;

export interface GuideReport {
  outcome: 'completed' | 'rejected';
  progress: RunProgress;
}

/**
 * Before this patch the failover stages returned the target and the recovery time beside their facts; runs recorded
 * then replay through the old fields.
 */
const TYPED_FAILOVER_FACTS = 'typed-failover-facts';
type LegacyPrepare = { target?: FailoverTarget | null };
type LegacyObserve = { recoveryMs?: number };

const FINAL_REPORT_MEMO = 'final-report-memo';
const GATE_NOTICE = 'gate-notice';
const noticeActivities = wf.proxyActivities<Activities>({ ...alertDelivery, summary: 'notify: a gate waits for approval' });

class Rejected extends Error {}

export async function clusterGuide(config: ClusterConfig): Promise<GuideReport> {
  const gated = new Set<string>(config.approvals.steps);
  const steps = GUIDE_STEPS as readonly AnyStep[];
  const progress = new Progress(
    config.cluster.name,
    steps.map((s) => ({ step: s.name as StepName, hosts: s.hosts(config), needsApproval: gated.has(s.name) })),
  );
  const approved = new Set<GateName>();
  const rejections = new Map<GateName, string>();
  const gateOf = (input: ApproveInput) => (typeof input === 'string' ? input : input.step);

  wf.setHandler(progressQuery, () => progress.data);
  wf.setHandler(approveSignal, (input: ApproveInput) => {
    const gate = gateOf(input);
    if (isGate(gate)) approved.add(gate);
    else wf.log.warn(`ignored approval of unknown gate "${String(gate)}"`);
  });
  wf.setHandler(rejectSignal, (input: RejectInput) => {
    if (isGate(input.step)) rejections.set(input.step, input.reason ?? 'no reason given');
    else wf.log.warn(`ignored rejection of unknown gate "${String(input.step)}"`);
  });

  const publish = (step: StepName | null) => {
    wf.upsertSearchAttributes([
      { key: currentStepAttribute, value: step ?? 'none' },
      { key: runStateAttribute, value: progress.data.state },
    ]);
    const current = step ? progress.step(step) : null;
    wf.setCurrentDetails(current ? `**${current.step}** (${current.state}) on ${current.hosts.join(', ')}: ${current.message}` : `run ${progress.data.state}`);
  };
  wf.upsertSearchAttributes([{ key: clusterNameAttribute, value: config.cluster.name }]);

  const activity = (options: Options, step: StepName, what: string) => wf.proxyActivities<Activities>({ ...options, summary: `${step}: ${what}` });

  /** Waits for `approve`; a `reject` ends the run. With approvals.timeout, ends or reminds when nobody answers. */
  async function gate(step: StepName, gate: GateName, instruction: string): Promise<void> {
    if (!approved.has(gate) && !rejections.has(gate)) {
      progress.awaitGate(step, gate, instruction);
      publish(step);
      // Tell the person (cluster.yaml notify:): which gate, the command, the run's page. Never holds up the run.
      if (config.notify && wf.patched(GATE_NOTICE))
        void noticeActivities
          .sendGateNotice(config.notify, { cluster: config.cluster.name, gate, instruction, workflowId: wf.workflowInfo().workflowId })
          .catch((err: unknown) => wf.log.warn(`could not send the notice for gate ${gate}: ${failureMessage(err)}`));
      const answered = () => approved.has(gate) || rejections.has(gate);
      const timeout = config.approvals.timeout;
      // Without approvals.timeout the wait is still a (decade-long) timer: only a timer carries a summary for the UI.
      while (
        !(await wf.condition(answered, timeout ? durationMs(timeout) : '3650 days', { summary: `approval of ${gate}${timeout ? ` (${timeout})` : ''}` }))
      ) {
        if (!timeout) continue;
        if (config.approvals.on_timeout === 'reject') {
          rejections.set(gate, `no approval within ${timeout}`);
          break;
        }
        wf.log.warn(`still waiting for approval of ${gate} (${timeout} passed)`);
        progress.note(step, `REMINDER: waiting since ${progress.data.awaiting?.since}. ${instruction}`);
      }
    }
    const reason = rejections.get(gate);
    if (reason !== undefined) {
      progress.end(step, 'rejected', `rejected at ${gate}: ${reason}`);
      publish(step);
      throw new Rejected(reason);
    }
    progress.gateOpened(step, `approved: ${gate}`);
  }

  async function runGuideStep(step: StepName, body: () => Promise<StepResult>): Promise<void> {
    if (gated.has(step)) await gate(step, step, `approve with: pve-twonode approve ${config.cluster.name} ${step}`);
    progress.start(step, 'running');
    publish(step);
    try {
      progress.finish(step, await body());
    } catch (err) {
      if (wf.isCancellation(err)) progress.end(step, 'cancelled', `cancelled during ${step}; the host command in flight finished, nothing after it ran`);
      else if (!(err instanceof Rejected)) progress.end(step, 'failed', failureMessage(err), failureAttempts(err));
      publish(step);
      throw err;
    }
    publish(step);
  }

  /** The failover test: the stages of a staged step, with the power cut and the down time held by the workflow. */
  async function powerCycleTest(name: StepName): Promise<StepResult> {
    const prep = await activity(quickStep, name, `check health on ${config.nodes[0].name}`).failoverPrepare(config);
    const typed = wf.patched(TYPED_FAILOVER_FACTS);
    const target = typed ? prep.facts.target : (prep as LegacyPrepare).target;
    if (!target) {
      const legacyRecovery = (prep.facts as Record<string, unknown>).recoveryMs as number | undefined;
      progress.data.failoverRecoveryMs = (typed ? prep.facts.previous?.recoveryMs : legacyRecovery) ?? null;
      return prep;
    }
    const { victim, survivor } = target;
    const powerOffAt = await power(name, 'off', victim);
    const offSince = Date.now(); // workflow time, for the durable down-time timer
    progress.note(name, `${victim} is off; watching ${survivor}`);
    const observed = await activity(failoverStage, name, `watch ${survivor} take over ${target.sid}`).failoverObserve(config, target, powerOffAt);
    const recoveryMs = (typed ? observed.facts.recoveryMs : (observed as LegacyObserve).recoveryMs) ?? -1;
    progress.data.failoverRecoveryMs = recoveryMs;
    // Keep the node down for failover.down_for, as the guide's test does, before powering it back on.
    const downMs = durationMs(config.failover.down_for) - (Date.now() - offSince);
    if (downMs > 0) await wf.sleep(downMs, { summary: `keep ${victim} powered off for ${config.failover.down_for}` });
    await power(name, 'on', victim);
    const restored = await activity(failoverStage, name, `wait for ${victim} and 3 of 3 votes`).failoverRestore(config, target, recoveryMs);
    return {
      ...observed,
      message: `${observed.message}; ${restored.message}`,
      facts: { ...prep.facts, ...observed.facts, ...restored.facts },
      actions: [...prep.actions, `power off ${victim}`, `power on ${victim}`, ...restored.actions],
      attempt: Math.max(prep.attempt, observed.attempt, restored.attempt),
    };
  }

  /** Powers a node off or on by the configured command, or waits for a person to do it; returns when it happened. */
  async function power(step: StepName, action: PowerAction, node: string): Promise<number> {
    const how = action === 'off' ? config.failover.power_off : config.failover.power_on;
    if ('command' in how) return (await activity(quickStep, step, `power ${action} ${node}`).failoverPower(config, action, node)).at;
    const gateName = powerGate(step, action);
    await gate(
      step,
      gateName,
      `power ${action} ${node} ${action === 'off' ? 'HARD (pull the plug; a clean shutdown is not a failure)' : ''}, then: pve-twonode approve ${config.cluster.name} ${gateName}`,
    );
    progress.start(step, `${node} powered ${action} (confirmed)`);
    return Date.now();
  }

  try {
    for (const step of steps) {
      const name = step.name as StepName;
      // A step added after this run's code was released is skipped on replay of the older history.
      if (step.addedIn && !wf.patched(step.addedIn)) continue;
      if (step.activity !== null) {
        // Always called, also when not configured: the activity reports skipped-not-configured itself.
        await runGuideStep(name, () => stepActivity(step, config)(config));
        continue;
      }
      const skipped = step.notConfigured?.(config);
      if (skipped) progress.finish(name, { outcome: 'skipped-not-configured', message: skipped, facts: {}, actions: [], attempt: 0 });
      else await runGuideStep(name, () => powerCycleTest(name));
    }
  } catch (err) {
    keepFinalReport(progress.data);
    if (err instanceof Rejected) return { outcome: 'rejected', progress: progress.data };
    throw err;
  }
  progress.complete();
  publish(null);
  keepFinalReport(progress.data);
  return { outcome: 'completed', progress: progress.data };
}

/**
 * The closed run's progress in its memo, however it ended (completed, rejected, failed, cancelled): status and watch
 * read it from the server with no worker running. Runs recorded before this patch have no such memo.
 */
function keepFinalReport(progress: RunProgress): void {
  if (wf.patched(FINAL_REPORT_MEMO)) wf.upsertMemo({ [finalReportMemoKey]: progress });
}

function failureMessage(err: unknown): string {
  const cause = err instanceof wf.ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Every activity failure carries { attempt, facts } (activities/runtime/to-failure.ts); a timeout has none. */
function failureAttempts(err: unknown): number {
  const cause = err instanceof wf.ActivityFailure ? err.cause : undefined;
  const details = cause instanceof wf.ApplicationFailure ? (cause.details?.[0] as Partial<FailureDetails> | undefined) : undefined;
  return details?.attempt ?? 1;
}
