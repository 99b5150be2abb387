/** What a health alert says, pure so the workflow can build it: the webhook body (version 1) and the ntfy fields. */
import type { Health, HealthReport } from './report';

export type AlertKind = 'change' | 'reminder';

export interface Alert {
  version: 1;
  kind: AlertKind;
  cluster: string;
  status: Health;
  /** The status before this change (null for the first check). */
  previous: Health | null;
  /** Since when the cluster has been in this status (ISO time). */
  since: string;
  summary: string;
  checkedAt: string;
  /** The facts that are not OK, one line each. */
  problems: string[];
}

export function alertFor(kind: AlertKind, report: HealthReport, previous: Health | null, since: string): Alert {
  return {
    version: 1,
    kind,
    cluster: report.cluster,
    status: report.status,
    previous,
    since,
    summary: report.summary,
    checkedAt: report.checkedAt,
    problems: report.facts.filter((f) => f.status !== 'OK').map((f) => `${f.status} ${f.name}: ${f.reason.split('\n')[0]}`),
  };
}

/** A gate waiting for a person: which, the exact command, the run's page. */
export interface GateNotice {
  version: 1;
  kind: 'gate';
  cluster: string;
  gate: string;
  command: string;
  link: string;
  summary: string;
}

/** ntfy priorities: 5 urgent, 4 high, 3 default (docs.ntfy.sh, "Message priority"). */
export const NTFY_PRIORITY: Record<Health, number> = { CRITICAL: 5, UNKNOWN: 4, WARNING: 4, OK: 3 };

export function noticeTitle(notice: Alert | GateNotice): string {
  return notice.kind === 'gate' ? `pve-twonode ${notice.cluster}: waiting for approval of ${notice.gate}` : alertTitle(notice);
}

export function alertTitle(alert: Alert): string {
  const what =
    alert.kind === 'reminder' ? `still ${alert.status} since ${alert.since}` : alert.previous ? `${alert.previous} -> ${alert.status}` : alert.status;
  return `pve-twonode ${alert.cluster}: ${what}`;
}
