/**
 * `repair move-qnetd`'s workflow logic on the real time-skipping server with stand-in activities: the new VM
 * prepared by the guide's steps, the move held at its gate for an hour, rejection, refusal, nothing to move, and a
 * replaced worker that neither prepares again nor moves twice.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { QnetdLocation } from '../activities/locate-qnetd';
import { GUIDE_STEPS } from '../steps';
import { approveSignal, progressQuery, rejectSignal } from '../workflows/messages';
import type { MoveQnetdReport } from '../workflows/move-qnetd';
import { moveQnetdIdFor } from '../workflows/repair-messages';
import { testConfig } from './helpers/config';
import { DIAGNOSIS, LOCATION, mockActivities } from './helpers/mock-activities';
import { timeSkippingSuite } from './helpers/temporal';

const config = testConfig({ notify: { webhook: { url: 'http://127.0.0.1:9/hook' } } });

describe('repair move-qnetd workflow (time-skipping server)', () => {
  const suite = timeSkippingSuite();

  async function worker(taskQueue: string, location: QnetdLocation = LOCATION) {
    const { impl, calls } = mockActivities({}, GUIDE_STEPS, DIAGNOSIS, location);
    return { worker: await suite.worker(taskQueue, impl), calls };
  }

  const PREPARE = ['preflight', 'hosts', 'time', 'qnetd', 'qdevicePrereqs'];
  const MOVE = [...PREPARE, 'repairMoveQnetd'];
  const moves = (calls: string[]) => calls.filter((c) => MOVE.includes(c));
  const startMove = (taskQueue: string) =>
    suite.env.client.workflow.start('repairMoveQnetd', { taskQueue, workflowId: moveQnetdIdFor(`c${randomUUID().slice(0, 8)}`), args: [config] });

  it('move-qnetd: prepares the new VM, then holds the move at its gate for an hour; approved, moves once', async () => {
    const q = randomUUID();
    const { worker: w, calls } = await worker(q);
    await w.runUntil(async () => {
      const handle = await startMove(q);
      await suite.env.sleep('1h');
      const progress = await handle.query(progressQuery);
      assert.deepEqual([progress.state, progress.awaiting?.gate], ['waiting-for-approval', 'move-qnetd']);
      assert.match(
        progress.awaiting?.instruction ?? '',
        /from 192\.0\.2\.99: .*; 192\.0\.2\.99 is left as it is \(not contacted\); approve with: pve-twonode approve homelab move-qnetd/,
      );
      assert.deepEqual(moves(calls), PREPARE, 'the new VM prepared; the cluster not touched');
      assert.ok(calls.includes('sendGateNotice:move-qnetd'));
      await handle.signal(approveSignal, { step: 'move-qnetd' });
      const report = (await handle.result()) as MoveQnetdReport;
      assert.equal(report.outcome, 'moved');
      assert.deepEqual(moves(calls), MOVE);
      assert.deepEqual(
        report.progress.steps.map((s) => `${s.step}:${s.state}`),
        ['locate:done', 'preflight:done', 'hosts:done', 'time:done', 'qnetd:done', 'qdevice-prereqs:done', 'move-qnetd:done'],
      );
    });
  });

  it('move-qnetd: a rejection ends it with the QDevice where it was', async () => {
    const q = randomUUID();
    const { worker: w, calls } = await worker(q);
    await w.runUntil(async () => {
      const handle = await startMove(q);
      await handle.signal(rejectSignal, { step: 'move-qnetd', reason: 'wrong VM' });
      const report = (await handle.result()) as MoveQnetdReport;
      assert.deepEqual([report.outcome, report.progress.endedReason], ['rejected', 'rejected at move-qnetd: wrong VM']);
      assert.ok(!calls.includes('repairMoveQnetd'));
    });
  });

  it('move-qnetd: refused (a node offline) and nothing to move both end before any change or gate', async () => {
    for (const [location, outcome] of [
      [{ refused: 'pvecm qdevice remove needs both nodes online', done: false, from: null }, 'refused'],
      [{ refused: null, done: true, from: config.qdevice.ip }, 'already'],
    ] as const) {
      const q = randomUUID();
      const { worker: w, calls } = await worker(q, location);
      await w.runUntil(async () => {
        const report = (await (await startMove(q)).result()) as MoveQnetdReport;
        assert.equal(report.outcome, outcome);
        assert.deepEqual(moves(calls), []);
        assert.ok(!calls.some((c) => c.startsWith('sendGateNotice')));
      });
    }
  });

  it('move-qnetd: a worker replaced at the gate neither prepares again nor moves twice', async () => {
    const q = randomUUID();
    const first = await worker(q);
    const handle = await first.worker.runUntil(async () => {
      const h = await startMove(q);
      while ((await h.query(progressQuery)).awaiting?.gate !== 'move-qnetd') await suite.env.sleep('1s');
      return h;
    });
    assert.deepEqual(moves(first.calls), PREPARE);
    const second = await worker(q);
    await second.worker.runUntil(async () => {
      await handle.signal(approveSignal, { step: 'move-qnetd' });
      assert.equal(((await handle.result()) as MoveQnetdReport).outcome, 'moved');
    });
    assert.deepEqual(moves(second.calls), ['repairMoveQnetd'], 'the new worker ran only the move');
  });
});
