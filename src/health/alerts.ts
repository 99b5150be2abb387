/** What a health alert says, pure so the workflow can build it: the webhook body (version 1) and the ntfy fields. */
import type { NotifyConfig } from '../config/schema';
import type { Health, HealthReport } from './report';

/** The places an alert goes; each is delivered and retried on its own, so one that fails never re-sends another. */
export const NOTIFY_CHANNELS = ['webhook', 'ntfy'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

export function channelsOf(notify: NotifyConfig): NotifyChannel[] {
  return NOTIFY_CHANNELS.filter((c) => notify[c] !== undefined);
}

/**
 * A change of the cluster's health, a reminder while not OK, a repair, maintenance or drill run that failed or whose
 * gate nobody answered in time, or the summary when such a run (during which what it disturbs did not page) ended.
 */
export type AlertKind = 'change' | 'reminder' | 'run-failed' | 'run-expired' | 'summary';

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
  /** run-failed: the run's workflow id (its page is the notice's link). */
  workflowId?: string;
}

/**
 * The alert for a report. While the owner's own run is in progress, status is what pages (src/health/quiet.ts) and
 * the facts it disturbs (hushed) are left out of the problems.
 */
export function alertFor(
  kind: AlertKind,
  report: HealthReport,
  previous: Health | null,
  since: string,
  status: Health = report.status,
  hushed: readonly string[] = [],
): Alert {
  return {
    version: 1,
    kind,
    cluster: report.cluster,
    status,
    previous,
    since,
    summary: status === report.status ? report.summary : `PVE-TWONODE ${status} - ${report.cluster} (${hushed.join(', ')}: the owner's own run)`,
    checkedAt: report.checkedAt,
    problems: report.facts.filter((f) => f.status !== 'OK' && !hushed.includes(f.name)).map((f) => `${f.status} ${f.name}: ${f.reason.split('\n')[0]}`),
  };
}

/**
 * A day-2 run (repair, maintenance, drill) that failed: always sent, whatever the guard last said (a CRITICAL
 * cluster whose repair failed has changed nothing the guard would announce). The problems say the state the run left.
 */
export function runFailedAlert(
  cluster: string,
  run: string,
  reason: string,
  at: string,
  workflowId: string,
  kind: Extract<AlertKind, 'run-failed' | 'run-expired'> = 'run-failed',
): Alert {
  return {
    version: 1,
    kind,
    cluster,
    // A run that expired changed nothing: worth a look, not a page at night.
    status: kind === 'run-failed' ? 'CRITICAL' : 'WARNING',
    previous: null,
    since: at,
    summary: `pve-twonode ${cluster}: ${run} ${kind === 'run-failed' ? 'failed' : 'expired: nobody approved it'}`,
    checkedAt: at,
    problems: [reason],
    workflowId,
  };
}

/** A gate waiting for a person: which, the exact command, the run's page. */
export interface GateNotice {
  version: 1;
  kind: 'gate';
  cluster: string;
  gate: string;
  command: string;
  /** The run's page (notify.ui_url, or the local dev server's UI); null when the worker cannot know it. */
  link: string | null;
  summary: string;
}

/** A phone shows a few lines: the body stays under this many characters. */
export const PHONE_BODY_MAX = 300;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The notification's body for a phone: what is wrong (the title already says the state), or what to approve. */
export function phoneBody(notice: Alert | GateNotice): string {
  if (notice.kind === 'gate') return clip(`${notice.summary.replace(/^pve-twonode \S+ waits for approval of \S+: /, '')}\n${notice.command}`, PHONE_BODY_MAX);
  return clip(notice.problems.length > 0 ? notice.problems.join('\n') : notice.summary, PHONE_BODY_MAX);
}

/** ntfy priorities: 5 urgent, 4 high, 3 default (docs.ntfy.sh, "Message priority"). */
export const NTFY_PRIORITY: Record<Health, number> = { CRITICAL: 5, UNKNOWN: 4, WARNING: 4, OK: 3 };

export function noticeTitle(notice: Alert | GateNotice): string {
  return notice.kind === 'gate' ? `pve-twonode ${notice.cluster}: waiting for approval of ${notice.gate}` : alertTitle(notice);
}

export function alertTitle(alert: Alert): string {
  if (alert.kind === 'run-failed' || alert.kind === 'run-expired' || alert.kind === 'summary') return alert.summary;
  const what =
    alert.kind === 'reminder' ? `still ${alert.status} since ${alert.since}` : alert.previous ? `${alert.previous} -> ${alert.status}` : alert.status;
  return `pve-twonode ${alert.cluster}: ${what}`;
}
