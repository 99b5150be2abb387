/** The guide as one workflow: the registry's steps in order, approval gates before the risky ones, nothing else. */
import * as wf from '@temporalio/workflow';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/duration';
import type { AnyStep } from '../src/step-kit/descriptor';
import type { FailureDetails, StepResult } from '../src/step-kit/result';
import { GUIDE_STEPS, type StepName } from '../steps';
import { isGate, powerGate, type GateName } from './gates';
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
import { failureMessage } from './failure-message';
import { announceGate } from './notify-each';
import { powerCycleTest } from './power-cycle';
import { stepActivity } from './step-activity';
import { Progress, type RunProgress } from './progress';
import { validateInput } from './validate-input';

export interface GuideReport {
  outcome: 'completed' | 'rejected';
  progress: RunProgress;
}

/**
 * Before this patch the failover stages returned the target and the recovery time beside their facts; runs recorded
 * then replay through the old fields.
 */
const TYPED_FAILOVER_FACTS = 'typed-failover-facts';
/** Before this patch a failed observation left the node powered off. */
const POWER_ON_AFTER_FAILED_FAILOVER = 'power-on-after-failed-failover';

const FINAL_REPORT_MEMO = 'final-report-memo';
const GATE_NOTICE = 'gate-notice';
const CANCEL_AT_GATE = 'cancel-at-gate';

class Rejected extends Error {}

export async function clusterGuide(config: ClusterConfig): Promise<GuideReport> {
  validateInput(config);
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

  /** Waits for `approve`; a `reject` ends the run. With approvals.timeout, ends or reminds when nobody answers. */
  async function gate(step: StepName, gate: GateName, instruction: string): Promise<void> {
    const answered = () => approved.has(gate) || rejections.has(gate);
    if (!answered()) {
      progress.awaitGate(step, gate, instruction);
      publish(step);
      // Tell the person (cluster.yaml notify:): which gate, the command, the run's page. Never holds up the run.
      if (config.notify && wf.patched(GATE_NOTICE))
        announceGate(config.notify, { cluster: config.cluster.name, gate, instruction, workflowId: wf.workflowInfo().workflowId }, answered);
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
    try {
      if (gated.has(step)) await gate(step, step, `approve with: pve-twonode approve ${config.cluster.name} ${step}`);
    } catch (err) {
      // Cancelled while waiting for approval: every view says cancelled, not waiting-for-approval.
      if (wf.isCancellation(err) && wf.patched(CANCEL_AT_GATE)) {
        progress.end(step, 'cancelled', `cancelled at the ${step} gate; nothing of ${step} ran`);
        publish(step);
      }
      throw err;
    }
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

  /** The failover test (workflows/power-cycle.ts), once: a test recorded on the cluster is verified, not repeated. */
  const failoverTest = (step: StepName) =>
    powerCycleTest(config, {
      step,
      progress,
      again: false,
      typedFacts: () => wf.patched(TYPED_FAILOVER_FACTS),
      powerOnAfterFailure: () => wf.patched(POWER_ON_AFTER_FAILED_FAILOVER),
      confirmPower: (action, _node, what) => {
        const gateName = powerGate(step, action);
        return gate(step, gateName, `${what}, then: pve-twonode approve ${config.cluster.name} ${gateName}`);
      },
    });

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
      else await runGuideStep(name, () => failoverTest(name));
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

/** Every activity failure carries { attempt, facts } (activities/runtime/to-failure.ts); a timeout has none. */
function failureAttempts(err: unknown): number {
  const cause = err instanceof wf.ActivityFailure ? err.cause : undefined;
  const details = cause instanceof wf.ApplicationFailure ? (cause.details?.[0] as Partial<FailureDetails> | undefined) : undefined;
  return details?.attempt ?? 1;
}
