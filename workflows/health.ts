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
import { alertFor, type Alert } from '../src/health/alerts';
import type { Health } from '../src/health/report';
import { alertDelivery } from './policies';
import { healthAttribute, healthQuery, healthResultSignal, healthStateIdFor, type HealthResult, type HealthState } from './health-messages';
import { validateInput } from './validate-input';

const { healthCheck } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '3m',
  retry: { maximumAttempts: 2, initialInterval: '5s' },
  summary: 'read-only health check of all three hosts',
});
const { sendAlert } = wf.proxyActivities<Activities>(alertDelivery);

/** One scheduled check: run it, hand the result to the cluster's health state. */
export async function clusterHealthCheck(config: ClusterConfig): Promise<Health> {
  validateInput(config);
  const report = await healthCheck(config);
  await wf.getExternalWorkflowHandle(healthStateIdFor(config.cluster.name)).signal(healthResultSignal, { report, notify: config.notify ?? null });
  return report.status;
}

const KEEP_ALERTS = 50;
const DEFAULT_UNKNOWN_AFTER = '2m';
// A check every minute for weeks: start afresh long before the history grows large.
const RESULTS_PER_RUN = 500;

export async function clusterHealth(cluster: string, carried?: HealthState): Promise<void> {
  const state: HealthState = carried ?? { cluster, status: null, since: null, lastReport: null, lastAlertAt: null, alerts: [], unknownSince: null };
  const inbox: HealthResult[] = [];
  let notify: HealthResult['notify'] = null;
  wf.setHandler(healthResultSignal, (result) => void inbox.push(result));
  wf.setHandler(healthQuery, () => state);

  async function deliver(alert: Alert): Promise<void> {
    const at = new Date().toISOString();
    state.lastAlertAt = at;
    if (!notify) {
      state.alerts.push({ at, alert, delivered: [], error: 'no notify section in cluster.yaml' });
    } else {
      try {
        state.alerts.push({ at, alert, delivered: await sendAlert(notify, alert) });
      } catch (err) {
        const cause = err instanceof wf.ActivityFailure && err.cause ? err.cause.message : String(err);
        state.alerts.push({ at, alert, delivered: [], error: cause });
      }
    }
    state.alerts.splice(0, Math.max(0, state.alerts.length - KEEP_ALERTS));
  }

  for (let handled = 0; handled < RESULTS_PER_RUN;) {
    const remindMs = notify ? durationMs(notify.remind) : durationMs('6h');
    const dueIn = state.status && state.status !== 'OK' && state.lastAlertAt ? Date.parse(state.lastAlertAt) + remindMs - Date.now() : null;
    const got = await wf.condition(() => inbox.length > 0, dueIn === null ? '3650 days' : Math.max(dueIn, 1), {
      summary: dueIn === null ? 'next health result' : `next health result or the reminder`,
    });
    if (!got) {
      if (state.lastReport) await deliver(alertFor('reminder', state.lastReport, state.status, state.since ?? state.lastReport.checkedAt));
      continue;
    }
    const result = inbox.shift()!;
    handled++;
    notify = result.notify;
    const previous = state.status;
    state.lastReport = result.report;
    const status = result.report.status;
    if (status !== 'UNKNOWN') state.unknownSince = null;
    if (status === previous) continue;
    if (status === 'UNKNOWN' && wf.patched('unknown-grace')) {
      state.unknownSince ??= result.report.checkedAt;
      const heldMs = Date.parse(result.report.checkedAt) - Date.parse(state.unknownSince);
      if (heldMs < durationMs(notify?.unknown_after ?? DEFAULT_UNKNOWN_AFTER)) continue;
    }
    state.status = status;
    state.since = status === 'UNKNOWN' ? (state.unknownSince ?? result.report.checkedAt) : result.report.checkedAt;
    wf.upsertSearchAttributes([{ key: healthAttribute, value: state.status }]);
    // The first result alerts only when it is bad; later ones on every change.
    if (previous !== null || state.status !== 'OK') await deliver(alertFor('change', result.report, previous, state.since));
  }
  // Results that arrived meanwhile go along with the state.
  await wf.continueAsNew<typeof clusterHealth>(cluster, state);
}
