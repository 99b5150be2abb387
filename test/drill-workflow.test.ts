/**
 * `pve-twonode drill`'s workflow logic on the real time-skipping server with stand-in activities: the power cut
 * waits for approval (an hour here; a scheduled drill may wait days), the cluster is checked again after it, the node
 * is powered off once and on once, a failed observation still powers the node back on, an unhealthy cluster refuses
 * without a gate, a rejection cuts no power, the recovery time is in the result and the memo, and a worker lost while
 * the node is off is replaced by one that powers it on without powering it off again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { DrillReport } from '../workflows/drill';
import { approveSignal, finalReportMemoKey, progressQuery, rejectSignal } from '../workflows/messages';
import { drillIdFor } from '../workflows/repair-messages';
import { testConfig } from './helpers/config';
import { mockActivities, type Behaviour } from './helpers/mock-activities';
import { timeSkippingSuite } from './helpers/temporal';

const config = testConfig({ notify: { webhook: { url: 'http://127.0.0.1:9/hook' } } });
const POWER = ['failoverPower:off', 'failoverPower:on'];
const STAGES = ['failoverPrepare', 'failoverObserve', 'failoverRestore', ...POWER];

describe('failover drill workflow (time-skipping server)', () => {
  const suite = timeSkippingSuite();

  async function drill(behaviour: Partial<Record<string, Behaviour>> = {}) {
    const taskQueue = randomUUID();
    const { impl, calls } = mockActivities(behaviour);
    const worker = await suite.worker(taskQueue, impl);
    const start = () => suite.env.client.workflow.start('failoverDrill', { taskQueue, workflowId: drillIdFor(randomUUID()), args: [config] });
    return { worker, start, stages: () => calls.filter((c) => STAGES.includes(c)), calls };
  }

  it('holds the power cut at its gate for an hour; approved: checks again, off once, on once, recovery kept', async () => {
    const { worker, start, stages, calls } = await drill();
    await worker.runUntil(async () => {
      const handle = await start();
      await suite.env.sleep('1h');
      const waiting = await handle.query(progressQuery);
      assert.equal(waiting.awaiting?.gate, 'drill');
      assert.match(waiting.awaiting?.instruction ?? '', /power off proxmox1 hard \(it runs vm:100\), watch proxmox2 take over/);
      assert.deepEqual(stages(), ['failoverPrepare'], 'nothing powered before the approval');
      assert.ok(calls.includes('sendGateNotice:drill'));
      await handle.signal(approveSignal, { step: 'drill' });
      const report = (await handle.result()) as DrillReport;
      assert.deepEqual([report.outcome, report.recoveryMs], ['passed', 95_000]);
      assert.deepEqual(stages(), ['failoverPrepare', 'failoverPrepare', 'failoverPower:off', 'failoverObserve', 'failoverPower:on', 'failoverRestore']);
      const memo = (await handle.describe()).memo?.[finalReportMemoKey] as { failoverRecoveryMs: number };
      assert.equal(memo.failoverRecoveryMs, 95_000);
    });
  });

  it('a failed observation (quorum lost) powers the node back on, then fails the drill', async () => {
    const { worker, start, stages } = await drill({ failoverObserve: { failPermanently: 'proxmox2 lost quorum while proxmox1 was down' } });
    await worker.runUntil(async () => {
      const handle = await start();
      await handle.signal(approveSignal, { step: 'drill' });
      await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError);
      assert.deepEqual(
        stages().filter((c) => POWER.includes(c)),
        POWER,
        'off once, on once',
      );
      const progress = await handle.query(progressQuery);
      assert.match(progress.endedReason ?? '', /lost quorum/);
    });
  });

  it('an unhealthy cluster refuses the drill: no gate, no power', async () => {
    const refusal = 'failover test needs a healthy cluster with 3 of 3 votes; it shows labclu: quorate, votes 2/3';
    const { worker, start, stages, calls } = await drill({ failoverPrepare: { failPermanently: refusal, failType: 'PreconditionFailed' } });
    await worker.runUntil(async () => {
      const report = (await (await start()).result()) as DrillReport;
      assert.deepEqual([report.outcome, report.progress.endedReason], ['refused', `refused: ${refusal}`]);
      assert.deepEqual(
        stages().filter((c) => POWER.includes(c)),
        [],
      );
      assert.ok(!calls.some((c) => c.startsWith('sendGateNotice')));
    });
  });

  it('a rejection ends it with no power cut', async () => {
    const { worker, start, stages } = await drill();
    await worker.runUntil(async () => {
      const handle = await start();
      // Rejected once asked (a rejection sent before the gate is reached ends the run in the same task as the gate
      // notice is scheduled, which leaves the time-skipping server stalling later tests for minutes).
      while ((await handle.query(progressQuery)).awaiting?.gate !== 'drill') await suite.env.sleep('1s');
      await handle.signal(rejectSignal, { step: 'drill', reason: 'guests busy tonight' });
      const report = (await handle.result()) as DrillReport;
      assert.deepEqual([report.outcome, report.recoveryMs], ['rejected', null]);
      assert.deepEqual(
        stages().filter((c) => POWER.includes(c)),
        [],
      );
    });
  });

  it('a worker lost while the node is off: the next one powers it on once and never off again', async () => {
    const taskQueue = randomUUID();
    const first = mockActivities({ failoverObserve: { untilCancelled: true } });
    const w1 = await suite.worker(taskQueue, first.impl);
    const handle = await w1.runUntil(async () => {
      const h = await suite.env.client.workflow.start('failoverDrill', { taskQueue, workflowId: drillIdFor(randomUUID()), args: [config] });
      await h.signal(approveSignal, { step: 'drill' });
      while (!first.calls.includes('failoverObserve')) await suite.env.sleep('1s');
      return h;
    });
    assert.deepEqual(
      first.calls.filter((c) => POWER.includes(c)),
      ['failoverPower:off'],
      'the node went off with the first worker',
    );
    const second = mockActivities();
    const w2 = await suite.worker(taskQueue, second.impl);
    await w2.runUntil(async () => assert.equal(((await handle.result()) as DrillReport).outcome, 'passed'));
    assert.deepEqual(
      second.calls.filter((c) => STAGES.includes(c)),
      ['failoverObserve', 'failoverPower:on', 'failoverRestore'],
    );
  });

  it('a drill nobody approves ends after a day with a notice, nothing powered; the next one runs', async () => {
    const { worker, stages, calls } = await drill();
    const taskQueue = (worker.options as { taskQueue: string }).taskQueue;
    const workflowId = drillIdFor(randomUUID());
    await worker.runUntil(async () => {
      const handle = await suite.env.client.workflow.start('failoverDrill', { taskQueue, workflowId, args: [config] });
      const report = (await handle.result()) as DrillReport;
      assert.deepEqual([report.outcome, report.progress.endedReason], ['rejected', 'rejected at drill: nobody approved drill within 1d; nothing was done']);
      const { startTime, closeTime } = await handle.describe();
      assert.equal(Math.round(((closeTime?.getTime() ?? 0) - startTime.getTime()) / 3600_000), 24, 'a day, not ten years');
      assert.deepEqual(stages(), ['failoverPrepare'], 'no power cut');
      assert.ok(
        calls.some((c) => /^sendAlertTo:webhook:run-expired:nobody approved drill within 1d/.test(c)),
        calls.filter((c) => c.startsWith('send')).join('\n'),
      );
      // The Schedule's next drill (overlap SKIP) is not blocked: the same id starts again and waits at its gate.
      const next = await suite.env.client.workflow.start('failoverDrill', { taskQueue, workflowId, args: [config] });
      await suite.env.sleep('1h');
      assert.equal((await next.query(progressQuery)).awaiting?.gate, 'drill');
      await next.terminate('test done');
    });
  });
});
