/**
 * The guard. A Schedule runs `clusterHealthCheck` every interval: the read-only health check, its result signalled to
 * the cluster's long-lived `clusterHealth` workflow, which keeps the state (search attribute PveHealth, query
 * `health`) and alerts on changes only (OK -> CRITICAL, CRITICAL -> OK, ...), plus a reminder every notify.remind
 * while not OK. An alert that cannot be delivered is retried, then recorded; it never fails the check.
 * UNKNOWN (a host that cannot be read) is announced only once it lasted notify.unknown_after: an SSH hiccup is not an
 * outage, and a host that is really gone shows as a definite verdict (the QDevice's lost vote) within a minute.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/duration';
import { alertFor, type Alert, type NotifyChannel } from '../src/health/alerts';
import { DEFAULT_UNKNOWN_AFTER, withConfigPath, type Health, type HealthReport } from '../src/health/report';
import { alertDelivery } from './policies';
import { effectiveStatus, hushedFacts, onlySettling, summaryAlert } from '../src/health/quiet';
import {
  healthAttribute,
  healthQuery,
  healthResultSignal,
  healthStateIdFor,
  ownerWorkEndedSignal,
  ownerWorkStartedSignal,
  type AlertRecord,
  type HealthResult,
  type HealthState,
} from './health-messages';
import { alertEach, type Delivery } from './notify-each';
import { validateInput } from './validate-input';

const { healthCheck } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '3m',
  retry: { maximumAttempts: 2, initialInterval: '5s' },
  summary: 'read-only health check of all three hosts',
});
const { pingHeartbeat } = wf.proxyActivities<Activities>({ ...alertDelivery, summary: 'notify.heartbeat_url: this check completed' });

/**
 * One scheduled check: run it, hand the result to the cluster's health state, then tell the push monitor the guard
 * is alive. configPath (the file guard was given) replaces `<cluster.yaml>` in the advice an alert carries.
 */
export async function clusterHealthCheck(config: ClusterConfig, configPath?: string): Promise<Health> {
  validateInput(config);
  const report = withConfigPath(await healthCheck(config), configPath);
  await wf.getExternalWorkflowHandle(healthStateIdFor(config.cluster.name)).signal(healthResultSignal, { report, notify: config.notify ?? null });
  const heartbeat = config.notify?.heartbeat_url;
  // The monitor's silence is the alarm: a heartbeat that cannot be sent is logged, and the check still counts.
  if (heartbeat) await pingHeartbeat(heartbeat).catch((err: unknown) => wf.log.warn(`heartbeat not sent: ${String(err)}`));
  return report.status;
}

const channelSettings = (notify: NonNullable<HealthResult['notify']>, channel: NotifyChannel) => JSON.stringify(notify[channel] ?? null);

/**
 * A delivery into the record: the channels that took it join `delivered`; those that failed (now) are owed, with the
 * settings they failed with; channels not tried keep what they owed.
 */
function record(entry: AlertRecord, delivery: Delivery, notify: NonNullable<HealthResult['notify']>): void {
  const tried = [...delivery.delivered, ...delivery.failed.map((f) => f.channel)];
  entry.delivered.push(...delivery.delivered);
  const owed = [
    ...(entry.pending ?? []).filter((p) => !tried.includes(p.channel)),
    ...delivery.failed.map((f) => ({ channel: f.channel, failedWith: channelSettings(notify, f.channel), error: f.error })),
  ];
  entry.pending = owed.length ? owed : undefined;
  entry.error = owed.length ? owed.map((p) => `${p.channel}: ${p.error}`).join('; ') : undefined;
}

const KEEP_ALERTS = 50;
// A run that never said it ended (terminated, its worker gone for good) stops hushing after this long.
const OWNER_WORK_MAX_MS = 6 * 3600_000;
// After a run ends, what it disturbed has this long to be OK again before it pages.
const OWNER_WORK_SETTLE_MS = 5 * 60_000;
// A WARNING made only of states HA leaves by itself waits like UNKNOWN before it pages (src/health/quiet.ts).
const SETTLING_HELD = 'settling-warning-held';
// A check every minute for weeks: start afresh long before the history grows large.
const RESULTS_PER_RUN = 500;

export async function clusterHealth(cluster: string, carried?: HealthState): Promise<void> {
  const state: HealthState = carried ?? { cluster, status: null, since: null, lastReport: null, lastAlertAt: null, alerts: [], unknownSince: null };
  const inbox: HealthResult[] = [];
  let notify: HealthResult['notify'] = null;
  wf.setHandler(healthResultSignal, (result) => void inbox.push(result));
  wf.setHandler(healthQuery, () => state);
  wf.setHandler(ownerWorkStartedSignal, (work) => {
    state.quiet = [...(state.quiet ?? []).filter((w) => w.workflowId !== work.workflowId), { ...work, since: new Date().toISOString() }];
  });
  // Ended: its effects settle first (a rebooted node's HA reports in a little later), then one summary.
  wf.setHandler(ownerWorkEndedSignal, ({ workflowId, outcome }) => {
    for (const w of state.quiet ?? []) if (w.workflowId === workflowId) Object.assign(w, { endedAt: new Date().toISOString(), outcome });
  });
  const quietNow = () => (state.quiet ?? []).filter((w) => Date.now() - Date.parse(w.since) < OWNER_WORK_MAX_MS);

  /**
   * Runs that ended stop hushing once what they disturbed is OK again, or OWNER_WORK_SETTLE_MS after their end; then
   * one summary each with the health of that moment (none after a failure: its own notice said it). Returns whether
   * a summary went out, which then stands for the change alert of this result.
   */
  async function settle(report: HealthReport): Promise<boolean> {
    let summarised = false;
    for (const work of [...(state.quiet ?? [])]) {
      // One that never said it ended no longer hushes (quietNow) and leaves the state, so `health` stops listing it.
      const expired = Date.now() - Date.parse(work.since) >= OWNER_WORK_MAX_MS;
      if (expired) state.quiet = state.quiet?.filter((w) => w !== work);
      if (expired || !work.endedAt) continue;
      const disturbed = hushedFacts([work]);
      const settled = report.facts.filter((f) => disturbed.has(f.name)).every((f) => f.status === 'OK');
      if (work.outcome !== 'failed' && !settled && Date.now() - Date.parse(work.endedAt) < OWNER_WORK_SETTLE_MS) continue;
      state.quiet = state.quiet?.filter((w) => w !== work);
      if (work.outcome === 'failed') continue;
      await deliver(summaryAlert(report, work, work.outcome ?? 'ended', report.checkedAt));
      summarised = true;
    }
    return summarised;
  }

  async function deliver(alert: Alert): Promise<void> {
    const at = new Date().toISOString();
    state.lastAlertAt = at;
    if (!notify) {
      state.alerts.push({ at, alert, delivered: [], error: 'no notify section in cluster.yaml' });
    } else {
      const entry: AlertRecord = { at, alert, delivered: [] };
      record(entry, await alertEach(notify, alert), notify);
      state.alerts.push(entry);
    }
    state.alerts.splice(0, Math.max(0, state.alerts.length - KEEP_ALERTS));
  }

  /**
   * Alerts a channel still owes are sent again once a check brings that channel's settings changed (guard re-run
   * with a corrected notify:); the same settings would fail the same way, and the next alert goes out anyway.
   */
  async function redeliver(): Promise<void> {
    if (!notify) return;
    for (const entry of state.alerts) {
      const changed = (entry.pending ?? []).filter((p) => notify?.[p.channel] && channelSettings(notify, p.channel) !== p.failedWith);
      if (changed.length > 0)
        record(
          entry,
          await alertEach(
            notify,
            entry.alert,
            changed.map((p) => p.channel),
          ),
          notify,
        );
    }
  }

  for (let handled = 0; handled < RESULTS_PER_RUN;) {
    const remindMs = notify ? durationMs(notify.remind) : durationMs('6h');
    const dueIn = state.status && state.status !== 'OK' && state.lastAlertAt ? Date.parse(state.lastAlertAt) + remindMs - Date.now() : null;
    const got = await wf.condition(() => inbox.length > 0, dueIn === null ? '3650 days' : Math.max(dueIn, 1), {
      summary: dueIn === null ? 'next health result' : `next health result or the reminder`,
    });
    if (!got) {
      if (state.lastReport)
        await deliver(
          alertFor(
            'reminder',
            state.lastReport,
            state.status,
            state.since ?? state.lastReport.checkedAt,
            state.status ?? state.lastReport.status,
            quietNow().flatMap((w) => w.facts),
          ),
        );
      continue;
    }
    const result = inbox.shift()!;
    handled++;
    notify = result.notify;
    await redeliver();
    const previous = state.status;
    state.lastReport = result.report;
    const summarised = await settle(result.report);
    // A repair, maintenance or drill in progress: what it declared it disturbs is recorded, not paged.
    const status = effectiveStatus(result.report, quietNow());
    // Only a state HA leaves by itself (a guest moving back after maintenance): held like UNKNOWN (patched: reports
    // before it carried no such mark, so the check is only made when one does).
    const settling = status === 'WARNING' && onlySettling(result.report, quietNow()) && wf.patched(SETTLING_HELD);
    if (status !== 'UNKNOWN' && !settling) state.unknownSince = null;
    if (status === previous) continue;
    if (status === 'UNKNOWN' || settling) {
      state.unknownSince ??= result.report.checkedAt;
      const heldMs = Date.parse(result.report.checkedAt) - Date.parse(state.unknownSince);
      if (heldMs < durationMs(notify?.unknown_after ?? DEFAULT_UNKNOWN_AFTER)) continue;
    }
    state.status = status;
    state.since = status === 'UNKNOWN' ? (state.unknownSince ?? result.report.checkedAt) : result.report.checkedAt;
    wf.upsertSearchAttributes([{ key: healthAttribute, value: state.status }]);
    // The first result alerts only when it is bad; later ones on every change (a summary just sent said it already).
    const hushed = quietNow().flatMap((w) => w.facts);
    if ((previous !== null || state.status !== 'OK') && !summarised) await deliver(alertFor('change', result.report, previous, state.since, status, hushed));
  }
  // Results that arrived meanwhile go along with the state.
  await wf.continueAsNew<typeof clusterHealth>(cluster, state);
}
