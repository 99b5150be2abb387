/**
 * The health check of a built cluster: the read-only pass (the `nodes` fact, then every step's own check and verify,
 * never an act), each result weighed by the step's declared `health` (src/health/report.ts has the shape and the
 * exit codes).
 */
import type { ClusterConfig } from '../src/config/schema';
import type { AnyStep } from '../src/step-kit/descriptor';
import { HEALTH_JSON_VERSION, EXIT_CODE, summarizeHealth, type Health, type HealthReport } from '../src/health/report';
import { HEALTH_STEPS } from '../steps/health';
import { readOnlyPass, type StepVerdict } from './read-only-pass';
import type { WorkerResources } from './runtime/resources';

function weigh(step: AnyStep, verdict: StepVerdict): Health {
  if (verdict === 'pass' || verdict === 'not-configured') return 'OK';
  if (verdict === 'unreachable') return 'UNKNOWN';
  if (verdict === 'degraded') return step.health === 'none' ? 'OK' : 'WARNING';
  return step.health === 'critical' ? 'CRITICAL' : step.health === 'warning' ? 'WARNING' : 'OK';
}

export async function healthCheck(resources: WorkerResources, config: ClusterConfig, steps: readonly AnyStep[] = HEALTH_STEPS): Promise<HealthReport> {
  const pass = await readOnlyPass(resources, config, steps);
  const byName = new Map(steps.map((s) => [s.name, s]));
  const facts = pass.steps.map((s) => ({
    name: s.step,
    status: weigh(byName.get(s.step)!, s.verdict),
    verdict: s.verdict,
    hosts: s.hosts,
    reason: s.reason,
    facts: s.facts,
  }));
  const { status, summary } = summarizeHealth(config.cluster.name, facts);
  return {
    version: HEALTH_JSON_VERSION,
    cluster: config.cluster.name,
    status,
    exitCode: EXIT_CODE[status],
    summary,
    checkedAt: pass.checkedAt,
    wallMs: pass.wallMs,
    facts,
  };
}
