/**
 * The read-only pass: every step's check and verify, never its act, all steps at once over one SSH session per host. A verdict per
 * step and one for the cluster; the base of the health check. Act commands are refused by the context itself.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterConfig } from '../src/config/schema';
import { SshError } from '../src/ssh/errors';
import type { AnyStep, Facts } from '../src/step-kit/descriptor';
import { GUIDE_STEPS } from '../steps';
import type { WorkerResources } from './runtime/resources';
import { HostSessions, ReadOnlyViolation, SshStepContext } from './runtime/step-context';
import type { StepVerdict } from '../src/step-kit/verdict';

export type { StepVerdict };

/** The cluster's verdict, from its steps'. */
export type PassVerdict = 'pass' | 'not-done' | 'fail' | 'unreachable';

export interface StepCheck {
  step: string;
  hosts: string[];
  verdict: StepVerdict;
  /** One line: the verified summary, or why not. */
  reason: string;
  facts: Facts;
}

export interface ReadOnlyReport {
  cluster: string;
  checkedAt: string;
  verdict: PassVerdict;
  steps: StepCheck[];
  wallMs: number;
}

function problem(err: unknown): { verdict: StepVerdict; reason: string; facts: Facts } {
  if (err instanceof ReadOnlyViolation) throw err; // a step whose check or verify acts is a bug, never a verdict
  if (err instanceof SshError) return { verdict: 'unreachable', reason: err.message, facts: {} };
  const facts = err instanceof ApplicationFailure ? ((err.details?.[0] ?? {}) as Facts) : {};
  const reason = err instanceof Error ? err.message : String(err);
  const type = err instanceof ApplicationFailure ? err.type : null;
  return { verdict: type === 'PreconditionFailed' ? 'blocked' : type === 'Degraded' ? 'degraded' : 'fail', reason, facts };
}

async function checkOne(step: AnyStep, config: ClusterConfig, sessions: HostSessions): Promise<StepCheck> {
  const base = { step: step.name, hosts: step.hosts(config) };
  const skipped = step.notConfigured?.(config);
  if (skipped) return { ...base, verdict: 'not-configured', reason: skipped, facts: {} };
  const ctx = new SshStepContext(config, step.name, true, sessions);
  let checked: { done: boolean; state: unknown };
  try {
    checked = await step.check(ctx, config);
  } catch (err) {
    return { ...base, ...problem(err) };
  }
  try {
    const verified = await step.verify(ctx, config, { state: checked.state, acted: null });
    if (checked.done) return { ...base, verdict: 'pass', reason: verified.summary, facts: verified.facts };
    return { ...base, verdict: 'not-done', reason: `the check finds work left, though ${verified.summary}`, facts: verified.facts };
  } catch (err) {
    const found = problem(err);
    if (found.verdict === 'unreachable' || checked.done) return { ...base, ...found };
    return { ...base, ...found, verdict: 'not-done' };
  }
}

function overall(steps: StepCheck[]): PassVerdict {
  const has = (...v: StepVerdict[]) => steps.some((s) => v.includes(s.verdict));
  if (has('unreachable')) return 'unreachable';
  if (has('fail', 'degraded', 'blocked')) return 'fail';
  if (has('not-done')) return 'not-done';
  return 'pass';
}

/** Runs every step's check and verify against the hosts; nothing is changed. */
export async function readOnlyPass(resources: WorkerResources, config: ClusterConfig, steps: readonly AnyStep[] = GUIDE_STEPS): Promise<ReadOnlyReport> {
  const started = Date.now();
  // One pass, one answer per host: an unreachable host costs one connect timeout, not one per step.
  const sessions = new HostSessions(config, resources, false, true);
  const memoryKey = `${config.cluster.name}\n${steps.map((s) => s.name).join(' ')}`;
  // The reads the last pass asked are asked at once, so a read that a step asks only after others (the login
  // probe after the key checks) starts with them. A read no step asks this time costs one read; a read not asked
  // ahead is asked when a step needs it, as without this.
  // A read whose earlier success is still good (reuseForMs) is not asked at all.
  sessions.askAhead(resources.lastPassReads(memoryKey).filter((r) => !resources.reads.get(config.cluster.name, r.host, r.command)));
  try {
    // Reads only, so every step checks at once: one connection per host carries them side by side.
    const results = await Promise.all(steps.map((step) => checkOne(step, config, sessions)));
    resources.rememberPassReads(memoryKey, sessions.asked);
    return {
      cluster: config.cluster.name,
      checkedAt: new Date(started).toISOString(),
      verdict: overall(results),
      steps: results,
      wallMs: Date.now() - started,
    };
  } finally {
    sessions.close();
  }
}
