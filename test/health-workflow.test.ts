/**
 * The guard's health state on the real time-skipping server, with a stand-in alert sender (the test is about the
 * workflow's logic): alerts on changes only, a reminder every notify.remind while not OK, none while OK, a
 * recovery notice, a failed delivery recorded without stopping the guard, the state in PveHealth and the query;
 * UNKNOWN held back for notify.unknown_after, and a WARNING made only of states HA leaves by itself too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { NotifyConfig } from '../src/config/schema';
import type { Alert, NotifyChannel } from '../src/health/alerts';
import { EXIT_CODE, type Health, type HealthReport } from '../src/health/report';
import { healthAttribute, healthQuery, healthResultSignal, healthStateIdFor, ownerWorkEndedSignal, ownerWorkStartedSignal } from '../workflows/health-messages';
import { testConfig } from './helpers/config';
import { timeSkippingEnv } from './helpers/temporal';
import type { clusterHealthCheck } from '../workflows/health';

const notify: NotifyConfig = { webhook: { url: 'http://127.0.0.1:9/hook' }, remind: '6h', unknown_after: '2m' };

function report(status: Health, checkedAt = new Date().toISOString()): HealthReport {
  const bad = status !== 'OK';
  return {
    version: 1,
    cluster: 'homelab',
    status,
    exitCode: EXIT_CODE[status],
    summary: `PVE-TWONODE ${status} - homelab: ${bad ? 'qdevice: votes 2/3' : 'QDevice votes'}`,
    checkedAt,
    wallMs: 2500,
    facts: [{ name: 'qdevice', status, verdict: bad ? 'fail' : 'pass', hosts: ['proxmox1'], reason: bad ? 'votes 2/3' : 'votes 3/3', facts: {} }],
  };
}

describe('the guard health state (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  const sent: Alert[] = [];
  let refuseNext = false;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  it('alerts once per change, reminds every 6 h while CRITICAL, stays quiet while OK, records a failed delivery', async () => {
    const activities = {
      sendAlertTo: (channel: NotifyChannel, _n: NotifyConfig, alert: Alert) => {
        if (refuseNext) {
          refuseNext = false;
          return Promise.reject(ApplicationFailure.nonRetryable('the webhook refused the alert: HTTP 404', 'AlertRefused'));
        }
        sent.push(alert);
        return Promise.resolve(channel);
      },
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'guard', workflowsPath: require.resolve('../workflows'), activities });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('clusterHealth', { taskQueue: 'guard', workflowId: healthStateIdFor('homelab'), args: ['homelab'] });
      const feed = async (status: Health) => {
        await handle.signal(healthResultSignal, { report: report(status), notify });
        await env.sleep('1s');
      };
      const kinds = () => sent.map((a) => `${a.kind}:${a.previous ?? '-'}->${a.status}`);

      await feed('OK');
      assert.deepEqual(kinds(), [], 'a healthy first result alerts nobody');
      for (let i = 0; i < 3; i++) await feed('CRITICAL');
      assert.deepEqual(kinds(), ['change:OK->CRITICAL'], 'three CRITICAL checks, one alert');
      await env.sleep('5h');
      assert.equal(sent.length, 1, 'no reminder before 6 h');
      await env.sleep('1h');
      assert.deepEqual(kinds(), ['change:OK->CRITICAL', 'reminder:CRITICAL->CRITICAL']);
      await env.sleep('6h');
      assert.equal(sent.length, 3, 'a second reminder 6 h later');
      await feed('OK');
      assert.deepEqual(kinds().slice(3), ['change:CRITICAL->OK']);
      await env.sleep('48h');
      assert.equal(sent.length, 4, 'no reminders while OK');

      refuseNext = true;
      await feed('WARNING');
      const state = await handle.query(healthQuery);
      assert.equal(state.status, 'WARNING');
      assert.deepEqual([state.alerts.at(-1)?.delivered, state.alerts.at(-1)?.error], [[], 'webhook: the webhook refused the alert: HTTP 404']);
      const { typedSearchAttributes } = await handle.describe();
      assert.equal(typedSearchAttributes.get(healthAttribute), 'WARNING');
      await feed('OK');
      assert.deepEqual(kinds().at(-1), 'change:WARNING->OK', 'the guard kept going after a failed delivery');
      await handle.terminate('test done');
    });
  });

  /** A guard of its own queue whose alerts are only recorded (got), started and terminated around the body. */
  async function withRecordingGuard(name: string, body: (handle: WorkflowHandle, got: Alert[]) => Promise<void>): Promise<void> {
    const got: Alert[] = [];
    const activities = { sendAlertTo: (channel: NotifyChannel, _n: NotifyConfig, alert: Alert) => (got.push(alert), Promise.resolve(channel)) };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: name, workflowsPath: require.resolve('../workflows'), activities });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('clusterHealth', { taskQueue: name, workflowId: healthStateIdFor(name), args: [name] });
      await body(handle, got);
      await handle.terminate('test done');
    });
  }
  /** Check times from a fixed start: `at(60)` is a minute after it. */
  const at = (seconds: number) => new Date(Date.parse('2026-11-25T10:00:00Z') + seconds * 1000).toISOString();

  it('UNKNOWN is announced only once it lasted notify.unknown_after; a definite verdict meanwhile is announced at once', async () => {
    await withRecordingGuard('grace', async (handle, got) => {
      const feed = async (status: Health, seconds: number) => {
        await handle.signal(healthResultSignal, { report: report(status, at(seconds)), notify });
        await env.sleep('1s');
      };
      const kinds = () => got.map((a) => `${a.previous ?? '-'}->${a.status}`);

      await feed('OK', 0);
      await feed('UNKNOWN', 60);
      await feed('UNKNOWN', 90);
      assert.deepEqual(kinds(), [], 'a VM unreadable for 30 s is not announced');
      assert.equal((await handle.query(healthQuery)).status, 'OK');
      await feed('CRITICAL', 120);
      assert.deepEqual(kinds(), ['OK->CRITICAL'], 'the lost vote is announced at once, the UNKNOWN before it never');
      await feed('UNKNOWN', 150);
      await feed('OK', 180);
      assert.deepEqual(kinds(), ['OK->CRITICAL', 'CRITICAL->OK'], 'one alert, one recovery: the UNKNOWN between them stayed quiet');

      await feed('UNKNOWN', 300);
      await feed('UNKNOWN', 360);
      assert.equal(got.length, 2, 'held for 1 of 2 minutes');
      await feed('UNKNOWN', 420);
      assert.deepEqual(kinds().slice(2), ['OK->UNKNOWN'], 'announced once it lasted 2 minutes');
      assert.equal(got[2].since, at(300), 'since the first UNKNOWN check');
      await feed('UNKNOWN', 480);
      assert.equal(got.length, 3, 'no repeat while still UNKNOWN');
    });
  });

  it('a WARNING of HA moving a guest (settling) is held like UNKNOWN: a move back after maintenance pages nobody, a stuck one does', async () => {
    await withRecordingGuard('settling', async (handle, got) => {
      const moving = (seconds: number, settling = true): HealthReport => ({
        ...report('WARNING', at(seconds)),
        summary: 'PVE-TWONODE WARNING - homelab: ha: HA guests on their way: vm:100 migrate on pve2',
        facts: [
          {
            name: 'ha',
            status: 'WARNING',
            verdict: 'degraded',
            hosts: ['pve1', 'pve2'],
            reason: 'HA guests on their way: vm:100 migrate on pve2',
            facts: { settling },
          },
        ],
      });
      const feed = async (r: HealthReport) => {
        await handle.signal(healthResultSignal, { report: r, notify });
        await env.sleep('1s');
      };
      const kinds = () => got.map((a) => `${a.previous ?? '-'}->${a.status}`);

      await feed(report('OK', at(0)));
      await feed(moving(60));
      await feed(moving(80));
      await feed(report('OK', at(100)));
      assert.deepEqual(kinds(), [], 'a migration of 40 s pages nobody');
      await feed(moving(200));
      await feed(moving(290));
      assert.deepEqual(kinds(), [], 'held for 90 s of 2 min');
      await feed(moving(330));
      assert.deepEqual(kinds(), ['OK->WARNING'], 'a move that lasted notify.unknown_after pages');
      await feed(report('OK', at(400)));
      await feed(moving(500, false));
      assert.deepEqual(kinds(), ['OK->WARNING', 'WARNING->OK', 'OK->WARNING'], 'a WARNING not marked settling pages at once');
    });
  });

  it('each channel on its own: ntfy down never re-sends the webhook; health names the channel; a corrected ntfy URL gets the alert still owed', async () => {
    const received: string[] = [];
    const activities = {
      sendAlertTo: (channel: NotifyChannel, n: NotifyConfig, alert: Alert) => {
        if (channel === 'ntfy' && n.ntfy?.url.includes('unreachable')) return Promise.reject(new Error('fetch failed'));
        received.push(`${channel}:${alert.previous ?? '-'}->${alert.status}`);
        return Promise.resolve(channel);
      },
    };
    const both: NotifyConfig = { ...notify, ntfy: { url: 'http://unreachable.invalid/alerts' } };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'channels', workflowsPath: require.resolve('../workflows'), activities });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('clusterHealth', { taskQueue: 'channels', workflowId: healthStateIdFor('channels'), args: ['channels'] });
      const feed = async (status: Health, n: NotifyConfig) => {
        await handle.signal(healthResultSignal, { report: report(status), notify: n });
        await env.sleep('5m');
      };
      await feed('CRITICAL', both);
      assert.deepEqual(received, ['webhook:-->CRITICAL'], 'the webhook got the alert once, although ntfy was retried six times');
      const owed = (await handle.query(healthQuery)).alerts.at(-1);
      assert.deepEqual([owed?.delivered, owed?.error], [['webhook'], 'ntfy: fetch failed']);
      await feed('CRITICAL', both);
      assert.equal(received.length, 1, 'the same broken settings are not tried again for it');
      await feed('CRITICAL', { ...notify, ntfy: { url: 'http://ntfy.home.lan/alerts' } });
      assert.deepEqual(received, ['webhook:-->CRITICAL', 'ntfy:-->CRITICAL'], 'guard re-run with a fixed ntfy URL: the owed alert reaches it');
      const done = (await handle.query(healthQuery)).alerts.at(-1);
      assert.deepEqual([done?.delivered, done?.error, done?.pending], [['webhook', 'ntfy'], undefined, undefined]);
      await handle.terminate('test done');
    });
  });

  it("one scheduled check: the advice names the guard's config file; the heartbeat URL is called after the result is handed over", async () => {
    const order: string[] = [];
    const config = testConfig({ cluster: { name: 'beat' }, notify: { webhook: { url: 'http://127.0.0.1:9/hook' }, heartbeat_url: 'https://hc-ping.com/abc' } });
    const advice = { ...report('CRITICAL'), cluster: 'beat' };
    advice.facts[0].reason = 'votes 2/3; repair: pve-twonode repair qdevice <cluster.yaml>';
    const activities = {
      healthCheck: () => (order.push('check'), Promise.resolve(advice)),
      pingHeartbeat: (url: string) => (order.push(`heartbeat ${url}`), Promise.resolve()),
      sendAlertTo: (channel: NotifyChannel) => (order.push(`alert ${channel}`), Promise.resolve(channel)),
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'beat', workflowsPath: require.resolve('../workflows'), activities });
    await worker.runUntil(async () => {
      const state = await env.client.workflow.start('clusterHealth', { taskQueue: 'beat', workflowId: healthStateIdFor('beat'), args: ['beat'] });
      const status = await env.client.workflow.execute<typeof clusterHealthCheck>('clusterHealthCheck', {
        taskQueue: 'beat',
        workflowId: 'pve-twonode-check-beat',
        args: [config, '/etc/pve-twonode/beat.yaml'],
      });
      assert.equal(status, 'CRITICAL');
      await env.sleep('1s');
      const held = await state.query(healthQuery);
      assert.equal(held.lastReport?.facts[0].reason, 'votes 2/3; repair: pve-twonode repair qdevice /etc/pve-twonode/beat.yaml');
      assert.match(held.alerts.at(-1)?.alert.problems[0] ?? '', /repair qdevice \/etc\/pve-twonode\/beat\.yaml$/);
      // After the check and the hand-over (the alert it causes is the health state's, on its own time).
      assert.deepEqual(
        order.filter((o) => !o.startsWith('alert')),
        ['check', 'heartbeat https://hc-ping.com/abc'],
      );
      await state.terminate('test done');
    });
  });

  it("the owner's own run: what it declared does not page, anything else does, one summary at its end", async () => {
    const got: Alert[] = [];
    const activities = { sendAlertTo: (channel: NotifyChannel, _n: NotifyConfig, alert: Alert) => (got.push(alert), Promise.resolve(channel)) };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'quiet', workflowsPath: require.resolve('../workflows'), activities });
    const two = (qdevice: Health, qnetd: Health): HealthReport => {
      const r = report(qdevice === 'OK' && qnetd === 'OK' ? 'OK' : qnetd === 'CRITICAL' || qdevice === 'CRITICAL' ? 'CRITICAL' : 'WARNING');
      r.facts = [
        { ...r.facts[0], name: 'qdevice', status: qdevice, reason: qdevice === 'OK' ? 'votes 3/3' : 'votes 2/3' },
        { ...r.facts[0], name: 'qnetd', status: qnetd, reason: qnetd === 'OK' ? 'corosync-qnetd serves' : 'corosync-qnetd is not running' },
      ];
      return r;
    };
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('clusterHealth', { taskQueue: 'quiet', workflowId: healthStateIdFor('quiet'), args: ['quiet'] });
      const feed = async (r: HealthReport) => {
        await handle.signal(healthResultSignal, { report: r, notify });
        await env.sleep('1s');
      };
      const kinds = () => got.map((a) => `${a.kind}:${a.status}`);
      await feed(two('OK', 'OK'));
      await handle.signal(ownerWorkStartedSignal, { workflowId: 'pve-twonode-repair-qdevice-quiet', run: 'repair qdevice', facts: ['qdevice'] });
      await feed(two('CRITICAL', 'OK'));
      assert.deepEqual(kinds(), [], "the repair's own effect (the QDevice re-set up) pages nobody");
      assert.equal((await handle.query(healthQuery)).lastReport?.status, 'CRITICAL', 'but it is recorded');
      await feed(two('CRITICAL', 'CRITICAL'));
      assert.deepEqual(kinds(), ['change:CRITICAL'], 'what the repair did not declare pages as ever');
      assert.match(got[0].problems.join('\n'), /qnetd/);
      await feed(two('CRITICAL', 'OK'));
      assert.deepEqual(kinds().slice(1), ['change:OK'], 'qnetd back: the recovery pages; the QDevice still re-set up does not');
      await handle.signal(ownerWorkEndedSignal, { workflowId: 'pve-twonode-repair-qdevice-quiet', outcome: 'repaired' });
      await feed(two('CRITICAL', 'OK'));
      assert.equal(got.length, 2, 'ended, but what it disturbed has a few minutes to settle before it pages');
      await feed(two('OK', 'OK'));
      assert.deepEqual(kinds().slice(2), ['summary:OK'], 'settled: one summary, no change alert besides');
      assert.match(got[2].summary, /repair qdevice ended \(repaired\); the cluster is OK/);
      assert.deepEqual((await handle.query(healthQuery)).quiet, []);
      // A run whose effects never settle pages once the settle time is over, in its summary.
      await handle.signal(ownerWorkStartedSignal, { workflowId: 'pve-twonode-drill-quiet', run: 'the failover drill', facts: ['qdevice'] });
      await handle.signal(ownerWorkEndedSignal, { workflowId: 'pve-twonode-drill-quiet', outcome: 'passed' });
      await feed(two('CRITICAL', 'OK'));
      assert.equal(got.length, 3);
      await env.sleep('5m');
      await feed(two('CRITICAL', 'OK'));
      assert.deepEqual(kinds().slice(3), ['summary:CRITICAL']);
      assert.match(got[3].problems.join('\n'), /qdevice: votes 2\/3/);
      await feed(two('CRITICAL', 'OK'));
      assert.equal(got.length, 4, 'the summary stood for the change: no second alert');
      await handle.terminate('test done');
    });
  });
});
