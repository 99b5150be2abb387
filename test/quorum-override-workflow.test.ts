/**
 * quorum-override's workflow logic on the real time-skipping server with stand-in activities: refused without its
 * proof, before any gate; always behind a person's approval whose words say what a split brain means; once applied, it
 * looks every few minutes and lifts the override when the QDevice VM is back.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { approveUpdate, progressQuery, rejectUpdate } from '../workflows/messages';
import { overrideGate, quorumOverrideIdFor } from '../workflows/repair-messages';
import type { QuorumOverrideReport } from '../workflows/quorum-override';
import { testConfig } from './helpers/config';
import { mockActivities, type Behaviour } from './helpers/mock-activities';
import { timeSkippingEnv } from './helpers/temporal';

const config = testConfig();
const survivor = config.nodes[1].name;
const acting = (calls: string[]) => calls.filter((c) => /^(applyOverrideStep|restoreQuorumStep)/.test(c));

describe('quorum-override workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function start(behaviour: Partial<Record<string, Behaviour>> = {}) {
    const taskQueue = randomUUID();
    const { impl, calls } = mockActivities(behaviour);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: require.resolve('../workflows'), activities: impl });
    const handle = await env.client.workflow.start('quorumOverride', {
      taskQueue,
      workflowId: quorumOverrideIdFor(randomUUID()),
      args: [config, survivor, { deadFor: '30s' }],
    });
    return { worker, handle, calls };
  }
  const awaiting = async (handle: Awaited<ReturnType<typeof start>>['handle']) => {
    for (let i = 0; i < 100; i++) {
      const gate = (await handle.query(progressQuery)).awaiting;
      if (gate) return gate;
      await env.sleep('1s');
    }
    assert.fail('never asked');
  };

  it('without its proof (the peer answers) it is refused, with nothing changed and no gate', async () => {
    const { worker, handle, calls } = await start({
      [`proveAloneStep:${survivor}`]: { failPermanently: 'proxmox1 answers SSH: it is not dead', failType: 'PreconditionFailed' },
    });
    await worker.runUntil(async () => {
      const report = (await handle.result()) as QuorumOverrideReport;
      assert.equal(report.outcome, 'refused');
      assert.match(report.progress.endedReason ?? '', /refused: proxmox1 answers SSH/);
    });
    assert.deepEqual(acting(calls), []);
  });

  it('the gate says what a split brain means; rejected, nothing is changed', async () => {
    const { worker, handle, calls } = await start();
    await worker.runUntil(async () => {
      const gate = await awaiting(handle);
      assert.equal(gate.gate, overrideGate(survivor));
      assert.match(gate.instruction, /BREAK GLASS: .*Approve ONLY if you have seen proxmox1 powered off.*split brain/);
      await handle.executeUpdate(rejectUpdate, { args: [{ gate: overrideGate(survivor), reason: 'proxmox1 is only unplugged' }] });
      assert.equal(((await handle.result()) as QuorumOverrideReport).outcome, 'rejected');
    });
    assert.deepEqual(acting(calls), []);
  });

  it('approved: the override, a look every 2 minutes, and the override lifted once the QDevice VM is back', async () => {
    const { worker, handle, calls } = await start();
    await worker.runUntil(async () => {
      await awaiting(handle);
      await handle.executeUpdate(approveUpdate, { args: [{ gate: overrideGate(survivor) }] });
      const report = (await handle.result()) as QuorumOverrideReport;
      assert.equal(report.outcome, 'restored');
      assert.match(report.progress.steps.find((s) => s.step === 'standing')?.message ?? '', /^the QDevice VM qdevice-vm back; the override stood since /);
    });
    assert.equal(calls.filter((c) => c === 'overrideState').length, 4);
    assert.deepEqual(acting(calls), [`applyOverrideStep:${survivor}`, `restoreQuorumStep:${survivor}:true`]);
  });
});
