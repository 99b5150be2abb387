/** The alert activity against a real HTTP receiver on loopback: the webhook body, ntfy's headers, and how it fails. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { sendAlert } from '../activities/notify';
import type { Alert } from '../src/health/alerts';

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

describe('sendAlert', () => {
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
  const send = (notify: Parameters<typeof sendAlert>[0]) => new MockActivityEnvironment().run(() => sendAlert(notify, alert));

  it('posts the JSON body to the webhook and the summary with title, priority and token to ntfy', async () => {
    process.env.PVE_TWONODE_TEST_NTFY = 'tk_secret';
    const sent = await send({
      webhook: { url: `${base}/hook` },
      ntfy: { url: `${base}/topic`, token: { env: 'PVE_TWONODE_TEST_NTFY' } },
      remind: '6h',
      unknown_after: '2m',
    });
    assert.deepEqual(sent, ['webhook', 'ntfy']);
    assert.deepEqual(JSON.parse(got[0].body), alert);
    assert.deepEqual(
      [got[1].headers.title, got[1].headers.priority, got[1].headers.authorization, got[1].body],
      ['pve-twonode homelab: OK -> CRITICAL', '5', 'Bearer tk_secret', `${alert.summary}\n${alert.problems[0]}`],
    );
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
