/**
 * A health report of a built cluster in the monitoring-plugin convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN),
 * pure so the CLI, the activities and the guard workflow share it.
 */
import type { StepVerdict } from '../step-kit/verdict';
import type { Facts } from '../step-kit/descriptor';

export const HEALTH_JSON_VERSION = 1;
export type Health = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export const EXIT_CODE: Record<Health, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };
// The worst state wins; a host that cannot be read is worse than a warning but says less than a known critical.
/** How long an UNKNOWN state may last before the guard alerts, when cluster.yaml has no notify.unknown_after (its default). */
export const DEFAULT_UNKNOWN_AFTER = '2m';

export const RANK_ORDER: Record<Health, number> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3 };

export interface HealthFact {
  /** The step whose check and verify produced it. */
  name: string;
  status: Health;
  verdict: StepVerdict;
  hosts: string[];
  reason: string;
  facts: Facts;
}

/** The --json shape, version 1 (README "Health check"). */
export interface HealthReport {
  version: typeof HEALTH_JSON_VERSION;
  cluster: string;
  status: Health;
  exitCode: number;
  /** The first line a monitoring system shows. */
  summary: string;
  checkedAt: string;
  wallMs: number;
  facts: HealthFact[];
}

export function summarizeHealth(cluster: string, facts: HealthFact[]): { status: Health; summary: string } {
  const status = facts.reduce<Health>((worst, f) => (RANK_ORDER[f.status] > RANK_ORDER[worst] ? f.status : worst), 'OK');
  if (status === 'OK') {
    const qdevice = facts.find((f) => f.name === 'qdevice');
    return { status, summary: `PVE-TWONODE OK - ${cluster}: ${qdevice?.reason ?? 'every check passes'}` };
  }
  const worst = facts.filter((f) => f.status === status);
  const more = worst.length > 1 ? ` (+${worst.length - 1} more ${status})` : '';
  return { status, summary: `PVE-TWONODE ${status} - ${cluster}: ${worst[0].name}: ${worst[0].reason.split('\n')[0]}${more}` };
}

/**
 * Monitoring-plugin performance data (the Nagios plugin guidelines' `label=value[UOM];warn;crit;min;max`), so Icinga,
 * Checkmk or Nagios graph the cluster: the votes and expected votes node 1 counts, the clock skew between the three
 * hosts, the check's own wall time. A value the check could not read is left out.
 */
export function perfData(report: HealthReport): string {
  // Whichever fact carries them (the steps are named only in their registry): node 1's `pvecm status`, the skew.
  const status = report.facts
    .map((f) => f.facts.pvecmStatus as { totalVotes?: number; expectedVotes?: number } | undefined)
    .find((s) => typeof s?.totalVotes === 'number');
  const skewMs = report.facts.map((f) => f.facts.skewMs).find((v) => typeof v === 'number');
  const values = [
    status ? `votes=${status.totalVotes};;;0;3` : null,
    status ? `expected_votes=${status.expectedVotes};;;0;3` : null,
    typeof skewMs === 'number' ? `clock_skew=${(skewMs / 1000).toFixed(3)}s;;;0` : null,
    `check_time=${(report.wallMs / 1000).toFixed(3)}s;;;0`,
  ];
  return values.filter(Boolean).join(' ');
}

export function renderHealth(report: HealthReport): string {
  const lines = report.facts.filter((f) => f.verdict !== 'not-configured').map((f) => `[${f.status.padEnd(8)}] ${f.name}: ${f.reason.split('\n')[0]}`);
  return [`${report.summary} | ${perfData(report)}`, ...lines, `checked ${report.checkedAt} in ${(report.wallMs / 1000).toFixed(1)} s`].join('\n');
}

/** The report with `<cluster.yaml>` in its advice replaced by the file the check ran from (the guard knows it). */
export function withConfigPath(report: HealthReport, configPath: string | undefined): HealthReport {
  if (!configPath) return report;
  const put = (text: string) => text.replaceAll('<cluster.yaml>', configPath);
  return { ...report, summary: put(report.summary), facts: report.facts.map((f) => ({ ...f, reason: put(f.reason) })) };
}
