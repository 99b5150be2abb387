/** The run's progress as the `progress` query returns it; pure data, updated only by the workflow. */
import type { StepResult } from '../src/step-kit/result';
import type { StepName } from '../src/plan/guide';

export type StepState =
  'pending' | 'waiting-for-approval' | 'running' | 'done' | 'skipped-already-done' | 'skipped-not-configured' | 'failed' | 'rejected' | 'cancelled';

export type RunState = 'running' | 'waiting-for-approval' | 'completed' | 'failed' | 'rejected' | 'cancelled';

export interface StepProgress<N extends string = StepName> {
  step: N;
  hosts: string[];
  needsApproval: boolean;
  state: StepState;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  message: string;
  facts: Record<string, unknown>;
  actions: string[];
}

export interface Awaiting {
  gate: string;
  since: string;
  instruction: string;
}

export interface RunProgress<N extends string = StepName> {
  cluster: string;
  state: RunState;
  currentStep: N | null;
  awaiting: Awaiting | null;
  steps: StepProgress<N>[];
  /** Set by the failover test: node loss to guest started on the survivor. */
  failoverRecoveryMs: number | null;
  endedReason: string | null;
}

const now = () => new Date().toISOString();

/** The guide's progress, and a repair's (its own step names, the same shape, so watch and --follow show both). */
export class Progress<N extends string = StepName> {
  readonly data: RunProgress<N>;

  /** changed: called after every change (the gated run publishes the state to search attributes and the UI). */
  constructor(
    cluster: string,
    steps: { step: N; hosts: string[]; needsApproval: boolean }[],
    private readonly changed: () => void = () => undefined,
  ) {
    this.data = {
      cluster,
      state: 'running',
      currentStep: null,
      awaiting: null,
      failoverRecoveryMs: null,
      endedReason: null,
      steps: steps.map((s) => ({ ...s, state: 'pending', attempts: 0, startedAt: null, endedAt: null, message: '', facts: {}, actions: [] })),
    };
  }

  step(step: N): StepProgress<N> {
    const found = this.data.steps.find((s) => s.step === step);
    if (!found) throw new Error(`unknown step ${step}`);
    return found;
  }

  awaitGate(step: N, gate: string, instruction: string): void {
    this.data.awaiting = { gate, since: now(), instruction };
    this.data.state = 'waiting-for-approval';
    this.data.currentStep = step;
    const s = this.step(step);
    if (s.state === 'pending') s.state = 'waiting-for-approval';
    s.message = instruction;
    this.changed();
  }

  gateOpened(step: N, message: string): void {
    this.data.awaiting = null;
    this.data.state = 'running';
    this.step(step).message = message;
    this.changed();
  }

  start(step: N, message: string): void {
    const s = this.step(step);
    this.data.currentStep = step;
    this.data.state = 'running';
    s.state = 'running';
    s.startedAt ??= now();
    s.message = message;
    this.changed();
  }

  note(step: N, message: string): void {
    this.step(step).message = message;
    this.changed();
  }

  finish(step: N, result: StepResult): void {
    const s = this.step(step);
    s.state = result.outcome;
    s.endedAt = now();
    s.attempts += result.attempt;
    s.message = result.message;
    s.facts = { ...s.facts, ...result.facts };
    s.actions = [...s.actions, ...result.actions];
    this.changed();
  }

  end(step: N | null, state: Extract<StepState, 'failed' | 'rejected' | 'cancelled'>, reason: string, attempts = 0): void {
    if (step) {
      const s = this.step(step);
      s.state = state;
      s.endedAt = now();
      s.attempts += attempts;
      s.message = reason;
    }
    this.data.awaiting = null;
    this.data.state = state;
    this.data.endedReason = reason;
    this.changed();
  }

  /** A step failed and the run goes on (a repair that did not verify hands over to the next one). */
  stepFailed(step: N, reason: string): void {
    const s = this.step(step);
    s.state = 'failed';
    s.endedAt = now();
    s.message = reason;
    this.changed();
  }

  complete(): void {
    this.data.state = 'completed';
    this.data.currentStep = null;
    this.changed();
  }
}
