/**
 * Alerts and gate notices from workflow code, one activity per channel (webhook, ntfy), side by side: a channel that
 * fails is retried on its own and never makes another one send twice (seen before: the webhook got every alert six
 * times while ntfy was unreachable). Shared by the guard, the guide's gates and the day-2 workflows' gates.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GateToAnnounce } from '../activities/notify';
import type { NotifyConfig } from '../src/config/schema';
import { channelsOf, type Alert, type NotifyChannel } from '../src/health/alerts';
import { failureMessage } from './failure-message';
import { alertDelivery } from './policies';

const { sendAlertTo } = wf.proxyActivities<Activities>({ ...alertDelivery, summary: 'notify: a health alert, one channel' });
const { sendGateNoticeTo } = wf.proxyActivities<Activities>({ ...alertDelivery, summary: 'notify: a gate waits for approval, one channel' });

export interface Delivery {
  delivered: NotifyChannel[];
  failed: { channel: NotifyChannel; error: string }[];
}

async function each(channels: NotifyChannel[], send: (channel: NotifyChannel) => Promise<unknown>): Promise<Delivery> {
  const results = await Promise.allSettled(channels.map((channel) => send(channel)));
  const delivery: Delivery = { delivered: [], failed: [] };
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') delivery.delivered.push(channels[i]);
    else delivery.failed.push({ channel: channels[i], error: failureMessage(r.reason) });
  });
  return delivery;
}

/** The alert to the given channels (all of notify's by default), each on its own. */
export function alertEach(notify: NotifyConfig, alert: Alert, channels: NotifyChannel[] = channelsOf(notify)): Promise<Delivery> {
  return each(channels, (channel) => sendAlertTo(channel, notify, alert));
}

/** How long a gate may wait before its notice goes out: an approval that comes at once (--auto-approve) sends none. */
export const GATE_NOTICE_GRACE = '10s';

/**
 * A gate's notice to every channel, each on its own, unless the gate is answered within GATE_NOTICE_GRACE; never
 * holds up the run, a failure is only logged.
 */
export function announceGate(notify: NotifyConfig, gate: GateToAnnounce, answered: () => boolean): void {
  void (async () => {
    if (await wf.condition(answered, GATE_NOTICE_GRACE, { summary: `approval of ${gate.gate} before its notice goes out` })) return;
    const delivery = await each(channelsOf(notify), (channel) => sendGateNoticeTo(channel, notify, gate));
    for (const f of delivery.failed) wf.log.warn(`could not send the notice for gate ${gate.gate} to ${f.channel}: ${f.error}`);
  })();
}
