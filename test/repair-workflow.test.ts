/**
 * `repair qdevice`'s workflow logic on the real time-skipping server with stand-in activities: nothing happens
 * before the approval (the gate holds for an hour), the least invasive repair first, the re-setup behind a gate of
 * its own, rejection ends it cleanly, a healthy QDevice needs no approval, a replaced worker repeats no repair.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { QdeviceDiagnosis } from '../activities/diagnose-qdevice';
import { GUIDE_STEPS } from '../steps';
import { approveSignal, configPathMemoKey, progressQuery, rejectSignal } from '../workflows/messages';
import { healthQuery, healthResultSignal, healthStateIdFor } from '../workflows/health-messages';
import type { HealthReport } from '../src/health/report';
import { repairQdeviceIdFor } from '../workflows/repair-messages';
import type { RepairReport } from '../workflows/repair-qdevice';
import { testConfig } from './helpers/config';
import { DIAGNOSIS, mockActivities, type Behaviour } from './helpers/mock-activities';
import { endedResult, timeSkippingSuite, waitFor } from './helpers/temporal';

const config = testConfig({ notify: { webhook: { url: 'http://127.0.0.1:9/hook' } } });
const okReport: HealthReport = {
  version: 1,
  cluster: 'homelab',
  status: 'OK',
  exitCode: 0,
  summary: 'PVE-TWONODE OK - homelab: votes 3/3',
  checkedAt: new Date().toISOString(),
  wallMs: 1000,
  facts: [],
};
const REPAIRS = ['repairStartQnetd', 'repairInstallQdevice', 'repairRestartQdevice', 'repairResetupQdevice'];

describe('repair qdevice workflow (time-skipping server)', () => {
  const suite = timeSkippingSuite();

  async function worker(taskQueue: string, behaviour: Partial<Record<string, Behaviour>> = {}, diagnosis: QdeviceDiagnosis = DIAGNOSIS) {
    const { impl, calls } = mockActivities(behaviour, GUIDE_STEPS, diagnosis);
    return { worker: await suite.worker(taskQueue, impl), calls };
  }
  const start = (taskQueue: string, memo?: Record<string, unknown>) =>
    suite.env.client.workflow.start('repairQdevice', { taskQueue, workflowId: repairQdeviceIdFor(`c${randomUUID().slice(0, 8)}`), args: [config], memo });
  const repairs = (calls: string[]) => calls.filter((c) => REPAIRS.includes(c));

  it('holds at the gate for an hour without acting, then runs the least invasive repair only', async () => {
    const q = randomUUID();
    const { worker: w, calls } = await worker(q);
    await w.runUntil(async () => {
      const handle = await start(q);
      await suite.env.sleep('1h');
      const progress = await handle.query(progressQuery);
      assert.deepEqual([progress.state, progress.awaiting?.gate], ['waiting-for-approval', 'repair-qdevice']);
      assert.match(
        progress.awaiting?.instruction ?? '',
        /restart-qdevice -> resetup-qdevice; resetup-qdevice REMOVES the QDevice [^;]*; approve with: pve-twonode approve homelab repair-qdevice/,
      );
      assert.deepEqual(repairs(calls), [], 'nothing acted before the approval');
      assert.ok(calls.includes('sendGateNotice:repair-qdevice'), 'the gate was notified');
      await handle.signal(approveSignal, { step: 'repair-qdevice' });
      const report = (await handle.result()) as RepairReport;
      assert.equal(report.outcome, 'repaired');
      assert.deepEqual(repairs(calls), ['repairRestartQdevice']);
    });
  });

  it('escalates to pvecm qdevice remove + setup only after a gate of its own', async () => {
    const q = randomUUID();
    const { worker: w, calls } = await worker(q, { repairRestartQdevice: { failPermanently: 'pve2 still shows NA,NV,NMW' } });
    await w.runUntil(async () => {
      const handle = await start(q);
      await handle.signal(approveSignal, { step: 'repair-qdevice' });
      await suite.env.sleep('1h');
      const progress = await handle.query(progressQuery);
      assert.equal(progress.awaiting?.gate, 'repair-qdevice-resetup');
      assert.match(progress.awaiting?.instruction ?? '', /restart-qdevice: pve2 still shows NA,NV,NMW/);
      assert.deepEqual(repairs(calls), ['repairRestartQdevice'], 'the re-setup waits');
      await handle.signal(approveSignal, { step: 'repair-qdevice-resetup' });
      const report = (await handle.result()) as RepairReport;
      assert.equal(report.outcome, 'repaired');
      assert.deepEqual(repairs(calls), ['repairRestartQdevice', 'repairResetupQdevice']);
      assert.deepEqual(
        report.progress.steps.map((s) => `${s.step}:${s.state}`),
        ['diagnose:done', 'start-qnetd:pending', 'install-qdevice:pending', 'restart-qdevice:failed', 'resetup-qdevice:done'],
      );
    });
  });

  it('a rejection ends it cleanly with nothing acted', async () => {
    const q = randomUUID();
    const { worker: w, calls } = await worker(q);
    await w.runUntil(async () => {
      const handle = await start(q);
      await handle.signal(rejectSignal, { step: 'repair-qdevice', reason: 'not now' });
      const report = (await handle.result()) as RepairReport;
      assert.deepEqual([report.outcome, report.progress.state, report.progress.endedReason], ['rejected', 'rejected', 'rejected at repair-qdevice: not now']);
      assert.deepEqual(repairs(calls), []);
      assert.ok(!calls.some((c) => c.startsWith('sendAlertTo')), "the owner's own no is no failure to report");
    });
  });

  it('a healthy QDevice: no gate, nothing acted', async () => {
    const q = randomUUID();
    const { worker: w, calls } = await worker(q, {}, { ...DIAGNOSIS, healthy: true, plan: [] });
    await w.runUntil(async () => {
      const report = (await (await start(q)).result()) as RepairReport;
      assert.equal(report.outcome, 'healthy');
      assert.deepEqual(repairs(calls), []);
      assert.ok(!calls.some((c) => c.startsWith('sendGateNotice')));
    });
  });

  it('a worker replaced while the re-setup waits for approval repeats no repair', async () => {
    const q = randomUUID();
    const first = await worker(q, { repairRestartQdevice: { failPermanently: 'still NR' } });
    const handle = await first.worker.runUntil(async () => {
      const h = await start(q);
      await h.signal(approveSignal, { step: 'repair-qdevice' });
      while ((await h.query(progressQuery)).awaiting?.gate !== 'repair-qdevice-resetup') await suite.env.sleep('1s');
      return h;
    });
    assert.deepEqual(repairs(first.calls), ['repairRestartQdevice']);
    const second = await worker(q);
    await second.worker.runUntil(async () => {
      await handle.signal(approveSignal, { step: 'repair-qdevice-resetup' });
      assert.equal(((await handle.result()) as RepairReport).outcome, 'repaired');
    });
    assert.deepEqual(repairs(second.calls), ['repairResetupQdevice'], 'the new worker ran only what was left');
  });

  it('a preparation (corosync-qdevice installed) hands over to the next repair; no second gate when nothing failed', async () => {
    const q = randomUUID();
    const { worker: w, calls } = await worker(q, {}, { ...DIAGNOSIS, plan: ['install-qdevice', 'resetup-qdevice'] });
    await w.runUntil(async () => {
      const handle = await start(q);
      await handle.signal(approveSignal, { step: 'repair-qdevice' });
      assert.equal(((await handle.result()) as RepairReport).outcome, 'repaired');
      assert.deepEqual(repairs(calls), ['repairInstallQdevice', 'repairResetupQdevice']);
    });
  });

  it('a repair that fails tells the owner on every channel what state it left, with the config file the CLI started it from', async () => {
    const q = randomUUID();
    const left = 'STATE LEFT: pvecm qdevice remove ran ... Way back: mend it, then pve-twonode repair qdevice <cluster.yaml>';
    const { worker: w, calls } = await worker(q, { repairRestartQdevice: { failPermanently: 'still NA' }, repairResetupQdevice: { failPermanently: left } });
    await w.runUntil(async () => {
      const handle = await start(q, { [configPathMemoKey]: '/etc/pve-twonode/homelab.yaml' });
      await handle.signal(approveSignal, { step: 'repair-qdevice' });
      await handle.signal(approveSignal, { step: 'repair-qdevice-resetup' });
      await assert.rejects(handle.result(), (err: Error) =>
        /no repair brought the QDevice's vote back/.test(err.cause instanceof Error ? err.cause.message : ''),
      );
    });
    const alerts = calls.filter((c) => c.startsWith('sendAlertTo'));
    assert.equal(alerts.length, 1, alerts.join('\n'));
    assert.match(
      alerts[0],
      /^sendAlertTo:webhook:run-failed:no repair brought the QDevice's vote back: restart-qdevice: still NA; resetup-qdevice: STATE LEFT/,
    );
    assert.match(alerts[0], /then pve-twonode repair qdevice \/etc\/pve-twonode\/homelab\.yaml$/);
  });

  it('a gate before a repair that removes says so', async () => {
    const q = randomUUID();
    const { worker: w } = await worker(q, {}, { ...DIAGNOSIS, plan: ['resetup-qdevice'] });
    await w.runUntil(async () => {
      const handle = await start(q);
      while (!(await handle.query(progressQuery)).awaiting) await suite.env.sleep('1s');
      assert.match((await handle.query(progressQuery)).awaiting?.instruction ?? '', /resetup-qdevice REMOVES the QDevice .*none if the setup fails/);
      await handle.terminate('test done');
    });
  });

  it("tells the cluster's guard what it disturbs once approved, not while it waits, and that it ended (one summary)", async () => {
    const q = randomUUID();
    const { worker: w, calls } = await worker(q);
    await w.runUntil(async () => {
      const guard = await suite.env.client.workflow.start('clusterHealth', { taskQueue: q, workflowId: healthStateIdFor('homelab'), args: ['homelab'] });
      const quiet = async () => (await guard.query(healthQuery)).quiet ?? [];
      try {
        await guard.signal(healthResultSignal, { report: okReport, notify: config.notify ?? null });
        const handle = await start(q);
        await suite.env.sleep('1h');
        assert.deepEqual(await quiet(), [], 'waiting at the gate hushes nothing');
        await handle.signal(approveSignal, { step: 'repair-qdevice' });
        // Not handle.result(): that lets the server skip to the guard's far timer and time it out.
        assert.equal(((await endedResult(suite.env, handle)) as RepairReport).outcome, 'repaired');
        await waitFor(suite.env, 'the guard to hear the repair ended', async () => ((await quiet()).some((w) => w.endedAt) ? true : undefined));
        assert.equal((await quiet()).length, 1, 'declared once approved, ended, settling');
        await guard.signal(healthResultSignal, { report: okReport, notify: config.notify ?? null });
        const told = () => calls.filter((c) => c.startsWith('sendAlertTo'));
        await waitFor(suite.env, 'the summary', () => Promise.resolve(told().length > 0 ? true : undefined));
        assert.deepEqual(await quiet(), []);
        await suite.env.sleep('5s');
        assert.deepEqual(told(), ['sendAlertTo:webhook:summary:'], 'one summary: the repair ended, the cluster is OK');
      } finally {
        await guard.terminate('test done');
      }
    });
  });
});
