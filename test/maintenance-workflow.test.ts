/**
 * `maintenance`'s workflow logic on the real time-skipping server with stand-in activities: a refusal (the third
 * vote not healthy) ends it before any gate, the gate holds without acting, rejection ends it with nothing done.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { approveSignal, progressQuery, rejectSignal } from '../workflows/messages';
import type { MaintenanceReport } from '../workflows/node-maintenance';
import { maintenanceIdFor } from '../workflows/repair-messages';
import { testConfig } from './helpers/config';
import { mockActivities, type Behaviour } from './helpers/mock-activities';
import { timeSkippingEnv } from './helpers/temporal';

const config = testConfig();
const ACTS = ['maintenanceOnStep', 'maintenanceOffStep'];

describe('node maintenance workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function run(behaviour: Partial<Record<string, Behaviour>>, action: 'on' | 'off') {
    const taskQueue = randomUUID();
    const { impl, calls } = mockActivities(behaviour);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: require.resolve('../workflows'), activities: impl });
    const handle = await env.client.workflow.start('nodeMaintenance', {
      taskQueue,
      workflowId: maintenanceIdFor(randomUUID()),
      args: [config, 'proxmox1', action],
    });
    return { worker, handle, calls };
  }

  it('refused while the third vote is not healthy: no gate, nothing acted', async () => {
    const { worker, handle, calls } = await run({ maintenanceCheck: { failPermanently: 'refused: the third vote is not healthy' } }, 'on');
    await worker.runUntil(async () => {
      const report = (await handle.result()) as MaintenanceReport;
      assert.deepEqual([report.outcome, report.progress.state, report.progress.endedReason], ['refused', 'failed', 'refused: the third vote is not healthy']);
    });
    assert.deepEqual(
      calls.filter((c) => ACTS.includes(c)),
      [],
    );
  });

  it('on: the gate holds for an hour without acting; approved, the step runs once', async () => {
    const { worker, handle, calls } = await run({}, 'on');
    await worker.runUntil(async () => {
      await env.sleep('1h');
      assert.equal((await handle.query(progressQuery)).awaiting?.gate, 'maintenance-on');
      assert.deepEqual(
        calls.filter((c) => ACTS.includes(c)),
        [],
      );
      await handle.signal(approveSignal, { step: 'maintenance-on' });
      assert.equal(((await handle.result()) as MaintenanceReport).outcome, 'done');
    });
    assert.deepEqual(
      calls.filter((c) => ACTS.includes(c)),
      ['maintenanceOnStep'],
    );
  });

  it('off: a rejection ends it with nothing done', async () => {
    const { worker, handle, calls } = await run({}, 'off');
    await worker.runUntil(async () => {
      await handle.signal(rejectSignal, { step: 'maintenance-off', reason: 'not yet' });
      assert.equal(((await handle.result()) as MaintenanceReport).outcome, 'rejected');
    });
    assert.deepEqual(
      calls.filter((c) => ACTS.includes(c)),
      [],
    );
  });
});
