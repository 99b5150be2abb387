/**
 * replace-node's workflow logic on the real time-skipping server with stand-in activities: a node not proven dead is
 * refused before any gate; the removal waits behind replace-<node>, in the order the real code accepts (backup, delnode
 * and qdevice remove, the leftovers); then the reinstall wait holds for days and survives a worker's loss; its approval
 * needs the new host key, a wrong key is said and asked again, and the rejoin runs the guide's steps with that key.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { approveUpdate, progressQuery } from '../workflows/messages';
import { reinstalledGate, replaceGate, replaceNodeIdFor } from '../workflows/repair-messages';
import type { ReplaceNodeReport } from '../workflows/replace-node';
import { REJOIN_PLAN } from '../src/plan/replace-node';
import { testConfig } from './helpers/config';
import { mockActivities, WRONG_HOST_KEY, type Behaviour } from './helpers/mock-activities';
import { timeSkippingEnv } from './helpers/temporal';

const config = testConfig();
const node2 = config.nodes[1].name;
const NEW_KEY = 'SHA256:newnewnewnewnewnewnewnewnewnewnewnewnewnewn';
const acting = (calls: string[]) => calls.filter((c) => /^(backupSurvivorStep|removeDeadNodeStep|forgetDeadNodeStep|freshNodeStep)/.test(c));

describe('replace-node workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function start(behaviour: Partial<Record<string, Behaviour>>, node = node2, runConfig = config) {
    const taskQueue = randomUUID();
    const mock = mockActivities(behaviour);
    // No sticky cache: a second worker takes over from the first at once (the test server holds a sticky task otherwise).
    const worker = () =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowsPath: require.resolve('../workflows'),
        activities: mock.impl,
        maxCachedWorkflows: 0,
      });
    const handle = await env.client.workflow.start('replaceNode', {
      taskQueue,
      workflowId: replaceNodeIdFor(randomUUID()),
      args: [runConfig, node, { deadFor: '30s' }],
    });
    return { worker, handle, calls: mock.calls };
  }

  it('a node not proven dead is refused with the reason, before any gate and with nothing touched', async () => {
    const { worker, handle, calls } = await start({
      [`proveDeadStep:${node2}`]: { failPermanently: `${node2} answers SSH at 192.0.2.12: it is not dead`, failType: 'PreconditionFailed' },
    });
    await (
      await worker()
    ).runUntil(async () => {
      const report = (await handle.result()) as ReplaceNodeReport;
      assert.equal(report.outcome, 'refused');
      assert.match(report.progress.endedReason ?? '', /refused: proxmox2 answers SSH/);
    });
    assert.deepEqual(acting(calls), []);
  });

  it('the first node with an API join is refused at once: its password and fingerprint are those of the dead node', async () => {
    const { worker, handle } = await start({}, config.nodes[0].name);
    await (
      await worker()
    ).runUntil(async () => {
      await assert.rejects(handle.result(), (err: Error) =>
        /list proxmox2 first under nodes/.test(String((err.cause as Error | undefined)?.message ?? err.message)),
      );
    });
  });

  it('removal behind replace-<node>; the reinstall waits for days and a worker loss; a wrong key is asked again; the rejoin pins the new key', async () => {
    const { worker, handle, calls } = await start({ healthCheck: {} });
    await (
      await worker()
    ).runUntil(async () => {
      await env.sleep('1h');
      assert.equal((await handle.query(progressQuery)).awaiting?.gate, replaceGate(node2));
      assert.deepEqual(acting(calls), [], 'nothing removed before the approval');
      await handle.executeUpdate(approveUpdate, { args: [{ gate: replaceGate(node2) }] });
      await env.sleep('1h');
      const waiting = await handle.query(progressQuery);
      assert.equal(waiting.awaiting?.gate, reinstalledGate(node2));
      assert.match(waiting.awaiting?.instruction ?? '', /same name and address \(192\.0\.2\.12\).*--host-key SHA256/);
    });
    // A new worker (the first one is gone), and three days of waiting: the run waits in the server, not in a process.
    await (
      await worker()
    ).runUntil(async () => {
      await env.sleep('3d');
      assert.equal((await handle.query(progressQuery)).awaiting?.gate, reinstalledGate(node2));
      await assert.rejects(handle.executeUpdate(approveUpdate, { args: [{ gate: reinstalledGate(node2) }] }), (err: Error) =>
        /approved with the node's new host key: --host-key/.test(String((err.cause as Error | undefined)?.message)),
      );
      await handle.executeUpdate(approveUpdate, { args: [{ gate: reinstalledGate(node2), hostKey: WRONG_HOST_KEY }] });
      await env.sleep('1m');
      const again = await handle.query(progressQuery);
      assert.equal(again.awaiting?.gate, reinstalledGate(node2), 'asked again after a wrong key');
      assert.match(again.awaiting?.instruction ?? '', /^not accepted: .*host key mismatch/);
      await handle.executeUpdate(approveUpdate, { args: [{ gate: reinstalledGate(node2), hostKey: NEW_KEY }] });
      const report = (await handle.result()) as ReplaceNodeReport;
      assert.equal(report.outcome, 'replaced');
      assert.equal(report.newHostKey, NEW_KEY);
      assert.match(report.progress.steps.at(-1)?.message ?? '', new RegExp(`Pin proxmox2's new host key in cluster.yaml: ssh.host_key: ${NEW_KEY}`));
    });
    const stamp = /replace-proxmox2-\d{8}-\d{6}$/;
    const backup = calls.find((c) => c.startsWith('backupSurvivorStep'));
    assert.match(backup ?? '', stamp);
    assert.deepEqual(acting(calls), [
      backup,
      `removeDeadNodeStep:${node2}`,
      `forgetDeadNodeStep:${node2}`,
      `freshNodeStep:${node2}:wrong-key`,
      `freshNodeStep:${node2}:${NEW_KEY}`,
    ]);
    const rejoin = REJOIN_PLAN.map((p) => p.activity!);
    assert.deepEqual(
      calls.filter((c) => rejoin.includes(c)),
      rejoin,
      "the guide's steps for the node, in the guide's order",
    );
    assert.equal(calls.at(-1), 'healthCheck');
  });
});
