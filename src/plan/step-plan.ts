/**
 * What a workflow needs to know about a step to run it: its name, the activity type, how long it may take, where it
 * runs, what the UI says, whether the config leaves it out. No host commands: those are the step's body in steps/,
 * which only the worker's activities load, so the workflow bundle (and replay) never carries them.
 */
import type { ClusterConfig } from '../config/schema';

/** How long an attempt may take and how it is retried (workflows/policies.ts). */
export type StepKind = 'quick' | 'install' | 'cluster';

export interface StepPlan<N extends string = string> {
  name: N;
  /**
   * The activity type the worker registers for it (kept stable: recorded histories name it); null for a step the
   * workflow runs in stages of its own (the failover test).
   */
  activity: string | null;
  kind: StepKind;
  /** Approval before it runs, unless cluster.yaml's approvals.steps says otherwise. */
  gatedByDefault: boolean;
  /**
   * For a step added after runs exist: a patch id (workflow `patched()`); runs that started before the step existed
   * replay without it. Leave unset for the steps of the first release.
   */
  addedIn?: string;
  hosts(config: ClusterConfig): string[];
  /** Activity summary in the Temporal UI, after "<step>: ". */
  summary(config: ClusterConfig): string;
  /** A reason when the config leaves this step out (it then reports skipped-not-configured). */
  notConfigured?(config: ClusterConfig): string | null;
}

/** Declares a step's plan; keeps the name a literal so the plan list can derive the StepName union. */
export function planStep<N extends string>(plan: StepPlan<N>): StepPlan<N> {
  return plan;
}

/** The three hosts, in the order every step lists them. */
export function everyHost(config: ClusterConfig): string[] {
  return [config.nodes[0].name, config.nodes[1].name, config.qdevice.name];
}

export function bothNodes(config: ClusterConfig): string[] {
  return config.nodes.map((n) => n.name);
}
