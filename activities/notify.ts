/**
 * Health alerts and gate notices to the webhook and ntfy in cluster.yaml, one channel per activity so each is retried
 * on its own; the ntfy token is resolved here, on the worker. Also the guard's heartbeat to a push monitor.
 */
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { NotifyConfig } from '../src/config/schema';
import { noticeTitle, NTFY_PRIORITY, phoneBody, type Alert, type GateNotice, type NotifyChannel } from '../src/health/alerts';
import { noticeLink, temporalSettings } from '../src/temporal/connection';
import { resolveSecret } from '../src/secrets';
import { healthStateIdFor } from '../workflows/health-messages';
import { toFailure } from './runtime/to-failure';

async function request(what: string, url: string, init: RequestInit): Promise<void> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  // 4xx other than 408/429 will not get better by retrying: a wrong URL or token.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
    throw ApplicationFailure.nonRetryable(`${what} refused the alert: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`, 'AlertRefused');
  if (!res.ok) throw new Error(`${what} answered HTTP ${res.status}`);
}

/** The page a notification opens: the run's for a gate or a failed run, the cluster's health state for an alert. */
function linkFor(notify: NotifyConfig, notice: Alert | GateNotice): string | null {
  if (notice.kind === 'gate') return notice.link;
  const { connectionOptions, namespace } = temporalSettings();
  return noticeLink(notify.ui_url, connectionOptions.address, namespace, notice.workflowId ?? healthStateIdFor(notice.cluster));
}

/** One channel; the webhook gets the whole JSON (with the link), ntfy a phone's title and a body of a few lines. */
async function deliverTo(channel: NotifyChannel, notify: NotifyConfig, notice: Alert | GateNotice): Promise<void> {
  const link = linkFor(notify, notice);
  if (channel === 'webhook' && notify.webhook) {
    await request('the webhook', notify.webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notice.kind === 'gate' ? notice : { ...notice, link }),
    });
  } else if (channel === 'ntfy' && notify.ntfy) {
    // docs.ntfy.sh/publish: Title, Priority (5 urgent .. 3 default), Tags (emoji), Click and a view action (a button).
    const headers: Record<string, string> = {
      Title: noticeTitle(notice),
      Priority: String(notice.kind === 'gate' ? 4 : NTFY_PRIORITY[notice.status]),
      Tags: notice.kind === 'gate' ? 'raised_hand' : notice.status === 'OK' ? 'white_check_mark' : 'warning',
    };
    if (link) {
      headers.Click = link;
      headers.Actions = `view, ${notice.kind === 'gate' || notice.workflowId ? 'Open the run' : 'Open health'}, ${link}`;
    }
    if (notify.ntfy.token) headers.Authorization = `Bearer ${resolveSecret(notify.ntfy.token)}`;
    await request('ntfy', notify.ntfy.url, { method: 'POST', headers, body: phoneBody(notice) });
  } else {
    throw ApplicationFailure.nonRetryable(`no ${channel} in notify: of cluster.yaml`, 'AlertRefused');
  }
}

const classified = <T>(work: Promise<T>): Promise<T> => work.catch((err: unknown) => Promise.reject(toFailure(err, activityInfo().attempt)));

/** Activity: a health alert to one channel (the guard runs one per channel). */
export async function sendAlertTo(channel: NotifyChannel, notify: NotifyConfig, alert: Alert): Promise<NotifyChannel> {
  await classified(deliverTo(channel, notify, alert));
  return channel;
}

export interface GateToAnnounce {
  cluster: string;
  gate: string;
  instruction: string;
  workflowId: string;
}

function gateNotice(notify: NotifyConfig, gate: GateToAnnounce): GateNotice {
  const { connectionOptions, namespace } = temporalSettings();
  return {
    version: 1,
    kind: 'gate',
    cluster: gate.cluster,
    gate: gate.gate,
    command: `pve-twonode approve ${gate.cluster} ${gate.gate}`,
    link: noticeLink(notify.ui_url, connectionOptions.address, namespace, gate.workflowId),
    summary: `pve-twonode ${gate.cluster} waits for approval of ${gate.gate}: ${gate.instruction}`,
  };
}

/** Activity: a gate waits; tells the person on one channel which gate, the exact approve command and the run's page. */
export async function sendGateNoticeTo(channel: NotifyChannel, notify: NotifyConfig, gate: GateToAnnounce): Promise<NotifyChannel> {
  await classified(deliverTo(channel, notify, gateNotice(notify, gate)));
  return channel;
}

/** Activity: the guard's heartbeat (notify.heartbeat_url) after a completed check; a push monitor only counts calls. */
export async function pingHeartbeat(url: string): Promise<void> {
  await classified(request('the heartbeat URL', url, { method: 'GET' }));
}
