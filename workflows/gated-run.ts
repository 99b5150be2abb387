/**
 * The one engine of every run that waits for a person (the guide, repairs, maintenance, drills): the `progress`
 * query, approve/reject as Updates that refuse a gate the run is not waiting for (and as the first clients' signals),
 * gates that notify (cluster.yaml notify:), remind or expire per approvals.timeout / on_timeout, cancellation and
 * rejection said in the progress, the state published to search attributes and the UI, the guard told what the run
 * disturbs, the owner told when a run fails or expires, and the final progress kept in the memo so watch, status and
 * report read it with no worker.
 */
import * as wf from '@temporalio/workflow';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/duration';
import { runFailedAlert } from '../src/health/alerts';
import type { FailureDetails, StepResult } from '../src/step-kit/result';
import {
  approveSignal,
  approveUpdate,
  clusterNameAttribute,
  configPathMemoKey,
  currentStepAttribute,
  finalReportMemoKey,
  progressQuery,
  rejectSignal,
  rejectUpdate,
  runStateAttribute,
  type ApproveInput,
  type GateAnswer,
  type GateAnswered,
  type RejectInput,
} from './messages';
import { failureMessage } from './failure-message';
import { alertEach, announceGate } from './notify-each';
import { healthStateIdFor, ownerWorkEndedSignal, ownerWorkStartedSignal } from './health-messages';
import { Progress, type RunProgress } from './progress';

export interface GatedRunOptions {
  /** The run in words, for the owner's notices: "the guide", "repair qdevice". */
  run: string;
  /** Every gate this run may ask: an approval of any other is refused, and the refusal lists these. */
  gates: readonly string[];
  /** Health facts (step names) the run disturbs once approved: the guard does not page them. Unset: the guard is not told. */
  disturbs?: string[];
  /**
   * How long its gates wait when cluster.yaml sets no approvals.timeout (a scheduled drill: a day, so one nobody
   * answers never blocks the next); unset: as long as it takes.
   */
  gateTimeout?: string;
  /** Gates whose approval must carry a host key (GateAnswer.hostKey); the validator refuses one without it. */
  hostKeyGates?: readonly string[];
}

/** An OpenSSH SHA256 fingerprint as `ssh-keygen -lf` prints it (43 base64 characters, no padding). */
const HOST_KEY = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** A gate was rejected (or expired); the run ends as rejected, not failed. */
export class Rejected extends Error {}

export class GatedRun<N extends string> {
  readonly progress: Progress<N>;
  private readonly approved = new Set<string>();
  private readonly rejections = new Map<string, string>();
  private readonly hostKeys = new Map<string, string>();
  private quietDeclared = false;
  private published = { step: '', state: '' };
  /** What the guard is told the run disturbs (options.disturbs, then whatever disturbing() says). */
  private disturbs: string[] | undefined;

  constructor(
    private readonly config: ClusterConfig,
    steps: { step: N; hosts: string[]; needsApproval: boolean }[],
    private readonly options: GatedRunOptions,
  ) {
    this.disturbs = options.disturbs;
    this.progress = new Progress<N>(config.cluster.name, steps, () => this.publish());
    wf.setHandler(progressQuery, () => this.progress.data as unknown as RunProgress);
    wf.setHandler(approveUpdate, (answer: GateAnswer) => this.answer(answer, 'approved'), {
      validator: (answer: GateAnswer) => this.validate(answer, 'approved'),
    });
    wf.setHandler(rejectUpdate, (answer: GateAnswer) => this.answer(answer, 'rejected'), {
      validator: (answer: GateAnswer) => this.validate(answer, 'rejected'),
    });
    wf.setHandler(approveSignal, (input: ApproveInput) => this.signalled(this.gateOf(input), () => this.approved.add(this.gateOf(input))));
    wf.setHandler(rejectSignal, (input: RejectInput) => this.signalled(input.step, () => this.rejections.set(input.step, input.reason ?? 'no reason given')));
    wf.upsertSearchAttributes([{ key: clusterNameAttribute, value: config.cluster.name }]);
    this.publish();
  }

  private gateOf(input: ApproveInput): string {
    return typeof input === 'string' ? input : input.step;
  }

  /** A signal (old clients) cannot be refused: an answer for a gate this run never asks is logged and dropped. */
  private signalled(gate: string, record: () => void): void {
    if (this.options.gates.includes(gate)) record();
    else wf.log.warn(`ignored an answer for "${gate}": not a gate of ${this.options.run} (${this.options.gates.join(', ')})`);
  }

  /** The Update validator: only the gate the run waits at now, so the caller hears at once what it can approve. */
  private validate(answer: GateAnswer, as: GateAnswered['answer']): void {
    const awaiting = this.progress.data.awaiting?.gate;
    const gate = typeof answer?.gate === 'string' ? answer.gate : '';
    if (as === 'rejected' && !answer.reason?.trim()) throw refused('a rejection needs a reason (--reason)');
    if (gate && gate === awaiting) {
      if (as === 'approved' && this.options.hostKeyGates?.includes(gate) && !HOST_KEY.test(answer.hostKey ?? ''))
        throw refused(
          `${gate} is approved with the node's new host key: --host-key SHA256:... (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on its console)`,
        );
      return;
    }
    const now = awaiting ? `it waits for ${awaiting}` : `it waits for no approval now (${this.progress.data.state})`;
    const known = this.options.gates.includes(gate) ? `"${gate}" is not asked now` : `"${gate}" is not a gate of ${this.options.run}`;
    throw refused(`${known}: ${now}; its gates: ${this.options.gates.join(', ') || 'none'}`);
  }

  private answer(answer: GateAnswer, as: GateAnswered['answer']): GateAnswered {
    if (as === 'approved') {
      this.approved.add(answer.gate);
      if (answer.hostKey) this.hostKeys.set(answer.gate, answer.hostKey);
    } else this.rejections.set(answer.gate, answer.reason ?? 'no reason given');
    return { gate: answer.gate, step: this.progress.data.currentStep ?? '', answer: as };
  }

  /** The run's state where people look: search attributes (only when they change) and the UI's current details. */
  private publish(): void {
    const { currentStep, state } = this.progress.data;
    const step = currentStep ?? 'none';
    if (step !== this.published.step || state !== this.published.state) {
      this.published = { step, state };
      wf.upsertSearchAttributes([
        { key: currentStepAttribute, value: step },
        { key: runStateAttribute, value: state },
      ]);
    }
    const current = currentStep ? this.progress.step(currentStep) : null;
    wf.setCurrentDetails(current ? `**${current.step}** (${current.state}) on ${current.hosts.join(', ')}: ${current.message}` : `run ${state}`);
  }

  /**
   * Waits for approve <cluster> <gate>: says so in the progress, notifies unless answered at once, reminds or expires
   * per approvals.timeout. A rejection (or expiry) ends the step and throws Rejected; a cancel here says that nothing
   * of the step ran. Once approved, the guard is told what the run disturbs.
   */
  async gate(step: N, gate: string, what: string): Promise<void> {
    const cluster = this.config.cluster.name;
    const instruction = `${what}; approve with: pve-twonode approve ${cluster} ${gate}`;
    const answered = () => this.approved.has(gate) || this.rejections.has(gate);
    // Tells the person, unless the approval comes at once; never holds up the run. Again on each reminder.
    const notice = { cluster, gate, instruction, workflowId: wf.workflowInfo().workflowId };
    const announce = () => this.config.notify && announceGate(this.config.notify, notice, answered);
    try {
      if (!answered()) {
        this.progress.awaitGate(step, gate, instruction);
        announce();
        await this.waitForAnswer(step, gate, instruction, answered, announce);
      }
    } catch (err) {
      if (wf.isCancellation(err)) this.progress.end(step, 'cancelled', `cancelled at the ${gate} gate; nothing of ${step} ran`);
      throw err;
    }
    const reason = this.rejections.get(gate);
    if (reason !== undefined) {
      this.progress.end(step, 'rejected', `rejected at ${gate}: ${reason}`);
      throw new Rejected(reason);
    }
    this.progress.gateOpened(step, `approved: ${gate}`);
    await this.declareQuiet();
  }

  /** The host key the approval of a hostKeyGates gate carried. */
  hostKeyOf(gate: string): string | undefined {
    return this.hostKeys.get(gate);
  }

  /**
   * Asks a gate once more (the answer before did not hold: a wrong host key, a host not back yet): its earlier answer is
   * forgotten, so gate() waits for a new one.
   */
  askAgain(gate: string): void {
    this.approved.delete(gate);
    this.hostKeys.delete(gate);
  }

  /**
   * approvals.timeout, or the run's own gateTimeout: on_timeout remind notes it in the progress and notifies again;
   * otherwise the gate is rejected with that reason and the owner is told. Neither set: it waits as long as it takes
   * (a decade-long timer: only a timer carries a summary for the UI).
   */
  private async waitForAnswer(step: N, gate: string, instruction: string, answered: () => boolean, announce: () => void): Promise<void> {
    const { timeout: configured, on_timeout } = this.config.approvals;
    const timeout = configured ?? this.options.gateTimeout;
    const summary = `approval of ${gate}${timeout ? ` (${timeout})` : ''}`;
    while (!(await wf.condition(answered, timeout ? durationMs(timeout) : '3650 days', { summary }))) {
      if (!timeout) continue;
      if (configured && on_timeout === 'remind') {
        this.progress.note(step, `REMINDER: waiting since ${this.progress.data.awaiting?.since}. ${instruction}`);
        announce();
        continue;
      }
      const reason = `nobody approved ${gate} within ${timeout}; nothing was done`;
      this.rejections.set(gate, reason);
      await this.tellOwner(reason, 'run-expired');
      return;
    }
  }

  /**
   * A step of the run: behind its gate when given, then the body; the progress says how it ended (done, failed with
   * the activity's attempts, cancelled with what finished). Throws what the body threw.
   */
  async step(step: N, gate: string | null, what: string, body: () => Promise<StepResult>): Promise<void> {
    if (gate) await this.gate(step, gate, what);
    this.progress.start(step, gate ? 'running' : what);
    try {
      this.progress.finish(step, await body());
    } catch (err) {
      if (wf.isCancellation(err)) this.progress.end(step, 'cancelled', `cancelled during ${step}; the host command in flight finished, nothing after it ran`);
      else if (!(err instanceof Rejected) && this.progress.step(step).state !== 'failed')
        this.progress.end(step, 'failed', failureMessage(err), failureAttempts(err));
      throw err;
    }
  }

  /** The cluster's guard (its health state), which may not run: a signal to it that fails is ignored. */
  private guard() {
    return wf.getExternalWorkflowHandle(healthStateIdFor(this.config.cluster.name));
  }

  /** Tells the cluster's guard (if it runs) what this run disturbs from now on. */
  private async declareQuiet(): Promise<void> {
    if (!this.disturbs || this.quietDeclared) return;
    this.quietDeclared = true;
    await this.tellGuard(this.disturbs);
  }

  /**
   * What the run disturbs changes as it goes (a rolling update moves from a node to the VM): the guard is told at once
   * when it was told before, else at the next approved gate; it keeps paging everything else.
   */
  async disturbing(facts: string[]): Promise<void> {
    this.disturbs = facts;
    if (this.quietDeclared) await this.tellGuard(facts);
  }

  private async tellGuard(facts: string[]): Promise<void> {
    await this.guard()
      .signal(ownerWorkStartedSignal, { workflowId: wf.workflowInfo().workflowId, run: this.options.run, facts })
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
  async failed(err: unknown): Promise<never> {
    const reason = failureMessage(err);
    const step = this.progress.data.currentStep;
    const state = this.progress.data.state;
    // Cancelled anywhere or failed in an activity: the step and the run say so.
    if (wf.isCancellation(err)) {
      if (state !== 'cancelled') this.progress.end(step, 'cancelled', `cancelled${step ? ` during ${step}` : ''}`);
    } else if (state !== 'failed') this.progress.end(step && this.progress.step(step).state !== 'failed' ? step : null, 'failed', reason);
    this.keepReport();
    await this.endQuiet(wf.isCancellation(err) ? 'cancelled' : 'failed');
    if (!wf.isCancellation(err)) {
      const configPath = wf.workflowInfo().memo?.[configPathMemoKey];
      await this.tellOwner(
        (this.progress.data.endedReason ?? reason).replaceAll('<cluster.yaml>', typeof configPath === 'string' ? configPath : '<cluster.yaml>'),
      );
    }
    throw err;
  }

  /** A run that failed or expired, on every channel of notify:; a channel that cannot take it is only logged. */
  private async tellOwner(reason: string, kind: 'run-failed' | 'run-expired' = 'run-failed'): Promise<void> {
    const notify = this.config.notify;
    if (!notify) return;
    const { run } = this.options;
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

/** An Update's refusal: the caller's mistake, never worth retrying. */
function refused(message: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ message, type: 'GateRefused', nonRetryable: true });
}

/** Every activity failure carries { attempt, facts } (activities/runtime/to-failure.ts); a timeout has none. */
function failureAttempts(err: unknown): number {
  const cause = err instanceof wf.ActivityFailure ? err.cause : undefined;
  const details = cause instanceof wf.ApplicationFailure ? (cause.details?.[0] as Partial<FailureDetails> | undefined) : undefined;
  return details?.attempt ?? 1;
}
