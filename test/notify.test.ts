/** The alert activities against a real HTTP receiver on loopback: the webhook body, ntfy's phone-sized notice, the heartbeat, and how they fail. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { pingHeartbeat, sendAlertTo, sendGateNoticeTo } from '../activities/notify';
import type { NotifyConfig } from '../src/config/schema';
import { PHONE_BODY_MAX, type Alert, type NotifyChannel } from '../src/health/alerts';

const alert: Alert = {
  version: 1,
  kind: 'change',
  cluster: 'homelab',
  status: 'CRITICAL',
  previous: 'OK',
  since: '2026-11-25T20:00:00.000Z',
  summary: 'PVE-TWONODE CRITICAL - homelab: qdevice: votes 2/3',
  checkedAt: '2026-11-25T20:00:00.000Z',
  problems: ['CRITICAL qdevice: votes 2/3'],
};

describe('notify activities', () => {
  const got: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let base = '';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = req.url === '/refuse' ? 404 : 200;
      res.end();
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => void server.close());
  const sendTo = (channel: NotifyChannel, notify: NotifyConfig, what = alert) => new MockActivityEnvironment().run(() => sendAlertTo(channel, notify, what));
  const send = async (notify: NotifyConfig) =>
    [notify.webhook ? await sendTo('webhook', notify) : null, notify.ntfy ? await sendTo('ntfy', notify) : null].filter(Boolean);

  it('posts the JSON body with the health page to the webhook; to ntfy a phone-sized notice: title, priority, token, Click and a view button', async () => {
    process.env.PVE_TWONODE_TEST_NTFY = 'tk_secret';
    const sent = await send({
      webhook: { url: `${base}/hook` },
      ntfy: { url: `${base}/topic`, token: { env: 'PVE_TWONODE_TEST_NTFY' } },
      remind: '6h',
      unknown_after: '2m',
      ui_url: 'https://temporal.home.lan:8233/',
    });
    assert.deepEqual(sent, ['webhook', 'ntfy']);
    const page = 'https://temporal.home.lan:8233/namespaces/default/workflows/pve-twonode-health-homelab';
    assert.deepEqual(JSON.parse(got[0].body), { ...alert, link: page });
    assert.deepEqual(
      [got[1].headers.title, got[1].headers.priority, got[1].headers.authorization, got[1].headers.click, got[1].headers.actions, got[1].body],
      ['pve-twonode homelab: OK -> CRITICAL', '5', 'Bearer tk_secret', page, `view, Open health, ${page}`, alert.problems[0]],
      'the body says what is wrong without repeating the title',
    );
  });

  it("a phone's body stays under its limit; a gate notice opens the run and carries the approve command; no UI known, no link", async () => {
    got.length = 0;
    const long: Alert = { ...alert, problems: Array.from({ length: 8 }, (_, i) => `CRITICAL check${i}: ${'x'.repeat(80)}`) };
    await sendTo('ntfy', { ntfy: { url: `${base}/topic` }, remind: '6h', unknown_after: '2m' }, long);
    assert.ok(got[0].body.length <= PHONE_BODY_MAX, `${got[0].body.length} characters`);
    assert.match(got[0].body, /^CRITICAL check0: x+\nCRITICAL check1/);
    const gate = { cluster: 'homelab', gate: 'join', instruction: 'pvecm add on proxmox2', workflowId: 'pve-twonode-homelab' };
    await new MockActivityEnvironment().run(() =>
      sendGateNoticeTo('ntfy', { ntfy: { url: `${base}/topic` }, remind: '6h', unknown_after: '2m', ui_url: 'https://ui.lan' }, gate),
    );
    assert.deepEqual(
      [got[1].headers.title, got[1].headers.click, got[1].body],
      [
        'pve-twonode homelab: waiting for approval of join',
        'https://ui.lan/namespaces/default/workflows/pve-twonode-homelab',
        'pvecm add on proxmox2\npve-twonode approve homelab join',
      ],
    );
    // The worker's Temporal is not on this machine and no ui_url: a placeholder link would help nobody on a phone.
    process.env.TEMPORAL_ADDRESS = 'temporal.example.net:7233';
    try {
      await new MockActivityEnvironment().run(() => sendGateNoticeTo('webhook', { webhook: { url: `${base}/hook` }, remind: '6h', unknown_after: '2m' }, gate));
    } finally {
      delete process.env.TEMPORAL_ADDRESS;
    }
    assert.equal((JSON.parse(got[2].body) as { link: unknown }).link, null);
  });

  it('the heartbeat is a GET of notify.heartbeat_url; a refused one fails without retries', async () => {
    got.length = 0;
    await new MockActivityEnvironment().run(() => pingHeartbeat(`${base}/ping/uuid`));
    assert.deepEqual([got[0].path, got[0].body], ['/ping/uuid', '']);
    const refused = await new MockActivityEnvironment().run(() => pingHeartbeat(`${base}/refuse`)).catch((e: unknown) => e);
    assert.ok(refused instanceof ApplicationFailure);
    assert.deepEqual([refused.type, refused.nonRetryable], ['AlertRefused', true]);
  });

  it('a refused URL and a missing token fail without retries (AlertRefused, SecretUnavailable)', async () => {
    const refused = await send({ webhook: { url: `${base}/refuse` }, remind: '6h', unknown_after: '2m' }).catch((e: unknown) => e);
    assert.ok(refused instanceof ApplicationFailure);
    assert.deepEqual([refused.type, refused.nonRetryable], ['AlertRefused', true]);
    const noToken = await send({ ntfy: { url: `${base}/topic`, token: { env: 'PVE_TWONODE_TEST_UNSET' } }, remind: '6h', unknown_after: '2m' }).catch(
      (e: unknown) => e,
    );
    assert.ok(noToken instanceof ApplicationFailure, String(noToken));
    assert.deepEqual([noToken.type, noToken.nonRetryable], ['SecretUnavailable', true]);
  });
});
