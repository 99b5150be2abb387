/**
 * The rolling update's workflow logic on the real time-skipping server with stand-in activities: the plan first and
 * nothing to do ends without a gate; an unhealthy cluster is refused before any gate; one host at a time, each behind
 * its own gate, nodes in the rolling order with maintenance around the upgrade and a reboot only when needed, the VM last.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { approveSignal, approveUpdate, progressQuery } from '../workflows/messages';
import { disturbedBy, waitGate, type UpdateOptions, type UpdateReport } from '../workflows/rolling-update';
import { updateIdFor } from '../workflows/repair-messages';
import { testConfig } from './helpers/config';
import { mockActivities, withUpdates, type Behaviour } from './helpers/mock-activities';
import { timeSkippingEnv } from './helpers/temporal';
import type { HostUpdatePlan } from '../activities/update';

const config = testConfig();
const [node1, node2] = config.nodes.map((n) => n.name);
const vm = config.qdevice.name;
const healthy: Partial<Record<string, Behaviour>> = { healthCheck: {} };
const acting = (calls: string[]) => calls.filter((c) => /^(maintenanceO|upgradeHostStep|rebootHostStep)/.test(c));

describe('rolling update workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function run(
    behaviour: Partial<Record<string, Behaviour>>,
    updates: Record<string, HostUpdatePlan>,
    options: UpdateOptions = { reboot: 'auto', only: null },
  ) {
    const taskQueue = randomUUID();
    const { impl, calls } = mockActivities(behaviour, undefined, undefined, undefined, updates);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: require.resolve('../workflows'), activities: impl });
    const handle = await env.client.workflow.start('rollingUpdate', { taskQueue, workflowId: updateIdFor(randomUUID()), args: [config, options] });
    return { worker, handle, calls };
  }

  it('nothing to do on any host: says so after the plan, asks no approval, touches nothing', async () => {
    const { worker, handle, calls } = await run(healthy, {});
    await worker.runUntil(async () => {
      const report = (await handle.result()) as UpdateReport;
      assert.equal(report.outcome, 'nothing-to-do');
      assert.match(report.progress.steps[0].message, /^nothing to do: /);
    });
    assert.deepEqual(acting(calls), []);
  });

  it("an unhealthy cluster is refused with the check's reason before the plan and any gate", async () => {
    const { worker, handle, calls } = await run({ healthCheck: { failPermanently: 'qdevice: pve2 shows NA,NV,NMW' } }, { [node1]: withUpdates(node1, true) });
    await worker.runUntil(async () => {
      const report = (await handle.result()) as UpdateReport;
      assert.equal(report.outcome, 'refused');
      assert.match(report.progress.endedReason ?? '', /refused: the cluster is not healthy \(CRITICAL\): qdevice: pve2 shows NA,NV,NMW/);
    });
    assert.equal(
      calls.some((c) => c.startsWith('updatePlan')),
      false,
    );
    assert.deepEqual(acting(calls), []);
  });

  it('one host at a time behind its own gate: node 1, node 2, then the VM; maintenance around each node, reboots only where needed', async () => {
    const updates = { [node1]: withUpdates(node1, true), [node2]: withUpdates(node2, false), [vm]: withUpdates(vm, true) };
    const { worker, handle, calls } = await run(healthy, updates);
    await worker.runUntil(async () => {
      for (const host of [node1, node2, vm]) {
        await env.sleep('1h');
        const progress = await handle.query(progressQuery);
        assert.equal(progress.awaiting?.gate, `update-${host}`);
        if (host === vm) assert.match(progress.awaiting?.instruction ?? '', /2 of 3 votes/);
        await handle.signal(approveSignal, { step: `update-${host}` });
      }
      assert.equal(((await handle.result()) as UpdateReport).outcome, 'done');
    });
    assert.deepEqual(acting(calls), [
      'maintenanceOnStep',
      `upgradeHostStep:${node1}`,
      `rebootHostStep:${node1}:boot-1`,
      'maintenanceOffStep',
      'maintenanceOnStep',
      `upgradeHostStep:${node2}`,
      'maintenanceOffStep',
      `upgradeHostStep:${vm}`,
      `rebootHostStep:${vm}:boot-1`,
    ]);
  });

  it('--only and --reboot never: only the named host, no reboot', async () => {
    const { worker, handle, calls } = await run(healthy, { [node2]: withUpdates(node2, true) }, { reboot: 'never', only: [node2] });
    await worker.runUntil(async () => {
      await handle.signal(approveSignal, { step: `update-${node2}` });
      assert.equal(((await handle.result()) as UpdateReport).outcome, 'done');
    });
    assert.deepEqual(acting(calls), ['maintenanceOnStep', `upgradeHostStep:${node2}`, 'maintenanceOffStep']);
  });

  it('a host late from its reboot asks at update-<host>-wait each time it is late, not only the first', async () => {
    let late = 0;
    const notBack: Behaviour = {
      run: () => (++late <= 2 ? Promise.reject(ApplicationFailure.nonRetryable(`${node2} did not come back within 15m`, 'HostNotBack')) : Promise.resolve()),
    };
    const { worker, handle, calls } = await run(
      { ...healthy, [`rebootHostStep:${node2}:boot-1`]: notBack },
      { [node2]: withUpdates(node2, true) },
      { reboot: 'auto', only: [node2] },
    );
    const approveWhenAsked = async (gate: string) => {
      for (let i = 0; (await handle.query(progressQuery)).awaiting?.gate !== gate; i++) {
        assert.ok(i < 100, `never asked at ${gate}`);
        await env.sleep('1m');
      }
      await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
    };
    await worker.runUntil(async () => {
      await approveWhenAsked(`update-${node2}`);
      await approveWhenAsked(waitGate(node2));
      await approveWhenAsked(waitGate(node2));
      assert.equal(((await handle.result()) as UpdateReport).outcome, 'done');
    });
    assert.equal(calls.filter((c) => c.startsWith('rebootHostStep')).length, 3);
  });

  it("each host's turn hushes only what it disturbs: a node, all but the VM's qnetd; the VM, the third vote and what reads the VM", () => {
    assert.equal(disturbedBy(config, node1).includes('qnetd'), false);
    assert.ok(['ha', 'qdevice', 'create', 'join'].every((fact) => disturbedBy(config, node1).includes(fact)));
    const vmTurn = disturbedBy(config, vm);
    assert.ok(
      ['qnetd', 'qdevice', 'qdevice-prereqs', 'preflight'].every((fact) => vmTurn.includes(fact)),
      vmTurn.join(', '),
    );
    assert.equal(vmTurn.includes('ha'), false);
    assert.equal(vmTurn.includes('create'), false);
  });
});
