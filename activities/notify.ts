/** Sends a health alert to the webhook and/or ntfy in cluster.yaml; the ntfy token is resolved here, on the worker. */
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { NotifyConfig } from '../src/config/schema';
import { noticeTitle, NTFY_PRIORITY, type Alert, type GateNotice } from '../src/health/alerts';
import { temporalSettings, uiLink } from '../src/temporal/connection';
import { resolveSecret } from '../src/secrets';
import { toFailure } from './runtime/to-failure';

async function post(what: string, url: string, init: RequestInit): Promise<void> {
  const res = await fetch(url, { ...init, method: 'POST', signal: AbortSignal.timeout(15_000) });
  // 4xx other than 408/429 will not get better by retrying: a wrong URL or token.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
    throw ApplicationFailure.nonRetryable(`${what} refused the alert: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`, 'AlertRefused');
  if (!res.ok) throw new Error(`${what} answered HTTP ${res.status}`);
}

/** Delivers to every configured channel; returns where it went. */
async function deliver(notify: NotifyConfig, alert: Alert | GateNotice): Promise<string[]> {
  const sent: string[] = [];
  if (notify.webhook) {
    await post('the webhook', notify.webhook.url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(alert) });
    sent.push('webhook');
  }
  if (notify.ntfy) {
    const headers: Record<string, string> = {
      Title: noticeTitle(alert),
      Priority: String(alert.kind === 'gate' ? 4 : NTFY_PRIORITY[alert.status]),
      Tags: alert.kind === 'gate' ? 'raised_hand' : alert.status === 'OK' ? 'white_check_mark' : 'warning',
    };
    if (notify.ntfy.token) headers.Authorization = `Bearer ${resolveSecret(notify.ntfy.token)}`;
    const body = alert.kind === 'gate' ? [alert.summary, alert.command, alert.link] : [alert.summary, ...alert.problems];
    await post('ntfy', notify.ntfy.url, { headers, body: body.join('\n') });
    sent.push('ntfy');
  }
  return sent;
}

/**
 * Activity: a health alert. Failures leave through the steps' own classification (to-failure.ts), so a missing ntfy
 * token is the non-retryable SecretUnavailable the retry policy names, not a retried plain Error.
 */
export async function sendAlert(notify: NotifyConfig, alert: Alert): Promise<string[]> {
  return deliver(notify, alert).catch((err: unknown) => Promise.reject(toFailure(err, activityInfo().attempt)));
}

/** Activity: a gate of the guide waits; tells the person which, the exact approve command and the run's page in the UI. */
export async function sendGateNotice(
  notify: NotifyConfig,
  gate: { cluster: string; gate: string; instruction: string; workflowId: string },
): Promise<string[]> {
  const { connectionOptions, namespace } = temporalSettings();
  const command = `pve-twonode approve ${gate.cluster} ${gate.gate}`;
  const notice: GateNotice = {
    version: 1,
    kind: 'gate',
    cluster: gate.cluster,
    gate: gate.gate,
    command,
    link: uiLink(connectionOptions.address, namespace, gate.workflowId),
    summary: `pve-twonode ${gate.cluster} waits for approval of ${gate.gate}: ${gate.instruction}`,
  };
  return deliver(notify, notice).catch((err: unknown) => Promise.reject(toFailure(err, activityInfo().attempt)));
}
