/** The run's progress as the `progress` query returns it; pure data, updated only by the workflow. */
import type { StepResult } from '../src/step-kit/result';
import type { StepName } from '../steps';

export type StepState =
  'pending' | 'waiting-for-approval' | 'running' | 'done' | 'skipped-already-done' | 'skipped-not-configured' | 'failed' | 'rejected' | 'cancelled';

export type RunState = 'running' | 'waiting-for-approval' | 'completed' | 'failed' | 'rejected' | 'cancelled';

export interface StepProgress {
  step: StepName;
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

export interface RunProgress {
  cluster: string;
  state: RunState;
  currentStep: StepName | null;
  awaiting: Awaiting | null;
  steps: StepProgress[];
  /** Set by the failover test: node loss to guest started on the survivor. */
  failoverRecoveryMs: number | null;
  endedReason: string | null;
}

const now = () => new Date().toISOString();

export class Progress {
  readonly data: RunProgress;

  constructor(cluster: string, steps: { step: StepName; hosts: string[]; needsApproval: boolean }[]) {
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

  step(step: StepName): StepProgress {
    const found = this.data.steps.find((s) => s.step === step);
    if (!found) throw new Error(`unknown step ${step}`);
    return found;
  }

  awaitGate(step: StepName, gate: string, instruction: string): void {
    this.data.awaiting = { gate, since: now(), instruction };
    this.data.state = 'waiting-for-approval';
    this.data.currentStep = step;
    const s = this.step(step);
    if (s.state === 'pending') s.state = 'waiting-for-approval';
    s.message = instruction;
  }

  gateOpened(step: StepName, message: string): void {
    this.data.awaiting = null;
    this.data.state = 'running';
    this.step(step).message = message;
  }

  start(step: StepName, message: string): void {
    const s = this.step(step);
    this.data.currentStep = step;
    this.data.state = 'running';
    s.state = 'running';
    s.startedAt ??= now();
    s.message = message;
  }

  note(step: StepName, message: string): void {
    this.step(step).message = message;
  }

  finish(step: StepName, result: StepResult): void {
    const s = this.step(step);
    s.state = result.outcome;
    s.endedAt = now();
    s.attempts += result.attempt;
    s.message = result.message;
    s.facts = { ...s.facts, ...result.facts };
    s.actions = [...s.actions, ...result.actions];
  }

  end(step: StepName | null, state: Extract<StepState, 'failed' | 'rejected' | 'cancelled'>, reason: string, attempts = 0): void {
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
  }

  complete(): void {
    this.data.state = 'completed';
    this.data.currentStep = null;
  }
}
