/**
 * The shape of one guide step: which hosts it touches, the commands `plan` prints, and three separate pieces —
 * check (read-only: done already? what is there?), act (change the hosts) and verify (read-only post-condition).
 * Step files are pure: every host command goes through the StepContext the runtime hands in, so the guide, `plan`,
 * the read-only pass and repairs reuse the same pieces. The workflow imports only the step's plan (src/plan/).
 */
import type { ClusterConfig, SecretRef } from '../config/schema';
import type { CommandResult } from '../ssh/session';
import type { StepPlan } from '../plan/step-plan';
import type { CommandSet, HostCommand } from './commands';

export type Facts = Record<string, unknown>;

export interface WaitOptions {
  /** Time between probes (default 250 ms). */
  intervalMs?: number;
  /**
   * A host command that prints when the awaited state may have changed (src/step-kit/quorum-events.ts): each output
   * wakes the wait for a probe at once, between the polls.
   */
  wakeOn?: HostCommand;
  /** What the last probe saw, in a few words: shown beside what is awaited while the wait goes on. */
  seen?: () => string | undefined;
}

/** What a step can do on the hosts; implemented over SSH by the activity runtime. */
export interface StepContext {
  readonly config: ClusterConfig;
  /** True in the read-only pass: act commands are refused and waits probe once instead of polling. */
  readonly readOnly: boolean;
  run(command: HostCommand, stdin?: string): Promise<CommandResult>;
  /** Like run, but a non-zero exit is an error carrying the command's output. */
  output(command: HostCommand, stdin?: string): Promise<string>;
  /** Polls probe until it returns a value or timeoutMs passes (undefined then). */
  waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, options?: WaitOptions): Promise<T | undefined>;
  /** Resolves a secret reference on the worker; the value goes to a host only on stdin. */
  secret(ref: SecretRef): string;
  /** Tells the workflow's watchers what is going on (an activity heartbeat). */
  note(details: Facts): void;
}

/** The check's verdict; state is whatever act and verify need from it. */
export interface Checked<S> {
  done: boolean;
  state: S;
}

/** What act changed, in words for the report, and what it saw (kept for verify's failure message). */
export interface Acted {
  changes: string[];
  evidence?: string;
}

export interface Verified<F extends Facts> {
  summary: string;
  facts: F;
}

export type StepHealth = 'critical' | 'warning' | 'none';

/**
 * A step: its plan (src/plan/, what the workflow knows: name, activity, kind, hosts, summary) and its body, which only
 * the worker runs.
 */
export interface StepDescriptor<N extends string = string, S = unknown, F extends Facts = Facts> extends StepPlan<N> {
  /** For the README table: what the step changes, and what proves it worked. */
  acts: string;
  verifiedBy: string;
  /**
   * What it means for a built cluster when this step's check or verify stops passing (`pve-twonode check`):
   * critical, quorum or the third vote is at risk (the next reboot is an outage); warning, degraded or drifted from
   * cluster.yaml; none, not a health fact (a one-time test, a join prerequisite).
   */
  health: StepHealth;
  /** Every command the step may run, for `plan`. */
  commands(config: ClusterConfig): CommandSet[];
  /** A line `plan` shows beside the step. */
  planNote?(config: ClusterConfig): string | undefined;
  check(ctx: StepContext, config: ClusterConfig): Promise<Checked<S>>;
  /** Absent for steps that only read (preflight); such a step reports done when its check and verify pass. */
  act?(ctx: StepContext, config: ClusterConfig, state: S): Promise<Acted>;
  verify(ctx: StepContext, config: ClusterConfig, run: { state: S; acted: Acted | null }): Promise<Verified<F>>;
}

/** Any step, whatever its state and facts types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStep = StepDescriptor<string, any, Facts>;

/** Declares a step; keeps the name a literal so the registry can derive the StepName union. */
export function defineStep<N extends string, S, F extends Facts>(step: StepDescriptor<N, S, F>): StepDescriptor<N, S, F> {
  return step;
}
