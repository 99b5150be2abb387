/**
 * The owner's own work is not an incident: while a repair, maintenance or drill of the cluster runs, the facts it
 * declares it disturbs (a node off in a drill, a node in maintenance, the QDevice being set up again) do not page;
 * anything else still does, and one summary goes out when the run ends. Pure, so the guard's workflow uses it.
 */
import { RANK_ORDER, type Health, type HealthReport } from './report';
import type { Alert } from './alerts';

/** A run in progress that declared which health facts (step names) it disturbs. */
export interface OwnerWork {
  workflowId: string;
  /** "the failover drill", "maintenance on for pve1". */
  run: string;
  facts: string[];
}

/**
 * Facts read beside the guide's steps, hushed with the step whose state they share. Runs declare guide steps; the
 * `nodes` fact (steps/health/nodes.ts) is membership, the join's: a drill, a node's update turn or replace-node that
 * disturb the join disturb it too.
 */
const HUSHED_WITH: Record<string, string[]> = { join: ['nodes'] };

/** Every fact the runs in progress hush: what they declared, and what goes with it. */
export function hushedFacts(quiet: readonly OwnerWork[]): Set<string> {
  const declared = quiet.flatMap((w) => w.facts);
  return new Set([...declared, ...declared.flatMap((f) => HUSHED_WITH[f] ?? [])]);
}

/** The cluster's status counting only the facts no run in progress hushes. */
export function effectiveStatus(report: HealthReport, quiet: readonly OwnerWork[]): Health {
  if (quiet.length === 0) return report.status;
  const hushed = hushedFacts(quiet);
  return report.facts.filter((f) => !hushed.has(f.name)).reduce<Health>((worst, f) => (RANK_ORDER[f.status] > RANK_ORDER[worst] ? f.status : worst), 'OK');
}

/**
 * Whether what is wrong is only a state the cluster leaves by itself (a fact whose verify marked it `settling`: HA
 * moving or starting a guest, an LRM taking its lock back): the guard holds such a WARNING, as it holds UNKNOWN,
 * for notify.unknown_after before it pages, so a guest migrating back after maintenance pages nobody.
 */
export function onlySettling(report: HealthReport, quiet: readonly OwnerWork[]): boolean {
  const hushed = hushedFacts(quiet);
  const wrong = report.facts.filter((f) => f.status !== 'OK' && !hushed.has(f.name));
  return wrong.length > 0 && wrong.every((f) => f.status === 'WARNING' && f.facts.settling === true);
}

/** The one notice when the owner's run ends: how it ended and the cluster's health now. */
export function summaryAlert(report: HealthReport, work: OwnerWork, outcome: string, since: string): Alert {
  return {
    version: 1,
    kind: 'summary',
    cluster: report.cluster,
    status: report.status,
    previous: null,
    since,
    summary: `pve-twonode ${report.cluster}: ${work.run} ended (${outcome}); the cluster is ${report.status}`,
    checkedAt: report.checkedAt,
    problems: report.facts.filter((f) => f.status !== 'OK').map((f) => `${f.status} ${f.name}: ${f.reason.split('\n')[0]}`),
    workflowId: work.workflowId,
  };
}
