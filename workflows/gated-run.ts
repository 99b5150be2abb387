/**
 * What every day-2 workflow (a repair, maintenance) shares with the guide's shape: the `progress` query, the
 * approve/reject signals, approval gates that notify (cluster.yaml notify:) and wait without end, and the final
 * progress kept in the memo so watch, status and report read it with no worker.
 */
import * as wf from '@temporalio/workflow';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/duration';
import { runFailedAlert } from '../src/health/alerts';
import {
  approveSignal,
  clusterNameAttribute,
  configPathMemoKey,
  finalReportMemoKey,
  progressQuery,
  rejectSignal,
  type ApproveInput,
  type RejectInput,
} from './messages';
import { failureMessage } from './failure-message';
import { alertEach, announceGate } from './notify-each';
import { healthStateIdFor, ownerWorkEndedSignal, ownerWorkStartedSignal } from './health-messages';
import { Progress, type RunProgress } from './progress';

const NO_NOTICE_WHEN_ANSWERED = 'no-notice-when-answered';
const NOTIFY_RUN_FAILURE = 'notify-run-failure';
const OWNER_WORK_QUIET = 'owner-work-quiet';

const GATE_TIMEOUT = 'day2-gate-timeout';

/** What the run disturbs once approved (health facts by step name), so the guard does not page the owner's own work. */
export interface Disturbs {
  run: string;
  facts: string[];
  /**
   * How long its gates wait when cluster.yaml sets no approvals.timeout (a scheduled drill: a day, so one nobody
   * answers never blocks the next); none: as long as it takes.
   */
  gateTimeout?: string;
}

/** A gate was rejected; the run ends as rejected (not failed). */
export class Rejected extends Error {}

export class GatedRun<N extends string> {
  readonly progress: Progress<N>;
  private readonly approved = new Set<string>();
  private readonly rejections = new Map<string, string>();

  private quietDeclared = false;

  constructor(
    private readonly config: ClusterConfig,
    steps: { step: N; hosts: string[]; needsApproval: boolean }[],
    private readonly disturbs?: Disturbs,
  ) {
    this.progress = new Progress<N>(config.cluster.name, steps);
    wf.setHandler(progressQuery, () => this.progress.data as unknown as RunProgress);
    wf.setHandler(approveSignal, (input: ApproveInput) => void this.approved.add(typeof input === 'string' ? input : input.step));
    wf.setHandler(rejectSignal, (input: RejectInput) => void this.rejections.set(input.step, input.reason ?? 'no reason given'));
    wf.upsertSearchAttributes([{ key: clusterNameAttribute, value: config.cluster.name }]);
  }

  /** Waits for `approve <cluster> <gate>`; a rejection ends the step and throws Rejected. */
  async gate(step: N, gate: string, what: string): Promise<void> {
    const cluster = this.config.cluster.name;
    const instruction = `${what}; approve with: pve-twonode approve ${cluster} ${gate}`;
    const answered = () => this.approved.has(gate) || this.rejections.has(gate);
    // An approval or rejection sent ahead of the gate needs no notice (runs before this patch sent one anyway).
    const ask = !answered() || !wf.patched(NO_NOTICE_WHEN_ANSWERED);
    if (ask) this.progress.awaitGate(step, gate, instruction);
    // Tell the person, unless the approval comes at once; never holds up the run.
    if (ask && this.config.notify) announceGate(this.config.notify, { cluster, gate, instruction, workflowId: wf.workflowInfo().workflowId }, answered);
    await this.waitForAnswer(step, gate, instruction, answered);
    const reason = this.rejections.get(gate);
    if (reason !== undefined) {
      this.progress.end(step, 'rejected', `rejected at ${gate}: ${reason}`);
      throw new Rejected(reason);
    }
    this.progress.gateOpened(step, `approved: ${gate}`);
    await this.declareQuiet();
  }

  /**
   * approvals.timeout and on_timeout apply to these gates as to the guide's; without it, the run's own gateTimeout (a
   * drill's day). A gate nobody answered in time is rejected with that reason, and the owner is told.
   */
  private async waitForAnswer(step: N, gate: string, instruction: string, answered: () => boolean): Promise<void> {
    const { timeout: configured, on_timeout } = this.config.approvals;
    const timeout = configured ?? this.disturbs?.gateTimeout;
    if (!timeout || !wf.patched(GATE_TIMEOUT)) {
      await wf.condition(answered, '3650 days', { summary: `approval of ${gate}` });
      return;
    }
    while (!(await wf.condition(answered, durationMs(timeout), { summary: `approval of ${gate} (${timeout})` }))) {
      if (configured && on_timeout === 'remind') {
        this.progress.note(step, `REMINDER: waiting since ${this.progress.data.awaiting?.since}. ${instruction}`);
        continue;
      }
      const reason = `nobody approved ${gate} within ${timeout}; nothing was done`;
      this.rejections.set(gate, reason);
      await this.tellOwner(this.disturbs?.run ?? gate, reason, 'run-expired');
      return;
    }
  }

  /** The cluster's guard (its health state), which may not run: a signal to it that fails is ignored. */
  private guard() {
    return wf.getExternalWorkflowHandle(healthStateIdFor(this.config.cluster.name));
  }

  /** Tells the cluster's guard (if it runs) what this run disturbs from now on; a cluster with no guard: nothing to do. */
  private async declareQuiet(): Promise<void> {
    if (!this.disturbs || this.quietDeclared || !wf.patched(OWNER_WORK_QUIET)) return;
    this.quietDeclared = true;
    await this.guard()
      .signal(ownerWorkStartedSignal, { workflowId: wf.workflowInfo().workflowId, ...this.disturbs })
      .catch(() => undefined);
  }

  /** The run ended: the guard pages what it disturbed again and sends one summary (none after a failure notice). */
  private async endQuiet(outcome: string): Promise<void> {
    if (!this.quietDeclared) return;
    this.quietDeclared = false;
    // Also after a cancel: the guard must not stay hushed.
    await wf.CancellationScope.nonCancellable(() =>
      this.guard()
        .signal(ownerWorkEndedSignal, { workflowId: wf.workflowInfo().workflowId, outcome })
        .catch(() => undefined),
    );
  }

  /** The run's end (completed, already done, refused, rejected): the guard told, the final progress kept. */
  async close(outcome: string): Promise<RunProgress<N>> {
    await this.endQuiet(outcome);
    return this.keepReport();
  }

  /**
   * The run failed (not rejected): the step it was in ends failed with the cause, the report is kept, and the owner is
   * told on every channel, whatever the guard last said: the notice carries the state the run left, with the
   * config file it was started from in its advice. Rethrows, so the run ends failed.
   */
  async failed(err: unknown, run: string): Promise<never> {
    const reason = failureMessage(err);
    const step = this.progress.data.currentStep;
    const state = this.progress.data.state;
    // Cancelled anywhere (at a gate too) or failed in an activity: the step and the run say so.
    if (wf.isCancellation(err) && state !== 'cancelled') this.progress.end(step, 'cancelled', `cancelled${step ? ` during ${step}` : ''}`);
    else if (err instanceof wf.ActivityFailure && step && this.progress.step(step).state !== 'failed') this.progress.end(step, 'failed', reason);
    this.keepReport();
    await this.endQuiet(wf.isCancellation(err) ? 'cancelled' : 'failed');
    if (this.config.notify && !wf.isCancellation(err) && wf.patched(NOTIFY_RUN_FAILURE)) {
      const configPath = wf.workflowInfo().memo?.[configPathMemoKey];
      await this.tellOwner(
        run,
        (this.progress.data.endedReason ?? reason).replaceAll('<cluster.yaml>', typeof configPath === 'string' ? configPath : '<cluster.yaml>'),
      );
    }
    throw err;
  }

  /** A run that failed or expired, on every channel of notify:; a channel that cannot take it is only logged. */
  private async tellOwner(run: string, reason: string, kind: 'run-failed' | 'run-expired' = 'run-failed'): Promise<void> {
    const notify = this.config.notify;
    if (!notify) return;
    const alert = runFailedAlert(this.config.cluster.name, run, reason, new Date().toISOString(), wf.workflowInfo().workflowId, kind);
    for (const f of (await alertEach(notify, alert)).failed)
      wf.log.warn(`could not tell the owner on ${f.channel} that ${run} ${kind === 'run-failed' ? 'failed' : 'expired'}: ${f.error}`);
  }

  /** Keeps the final progress in the memo, however the run ends. */
  keepReport(): RunProgress<N> {
    wf.upsertMemo({ [finalReportMemoKey]: this.progress.data });
    return this.progress.data;
  }
}
