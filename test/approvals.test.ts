/**
 * Every approval path opens a gate on a real dev server: Temporal's own CLI (a signal, as the first clients sent it;
 * an Update, as the UI's dialog sends one) and ours; a gate the run is not waiting at is refused at once. And a run started with Temporal's CLI (as from the UI) with a broken config ends before any activity.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporalCliPath } from '../cli/server';
import { startGuide } from '../cli/start';
import { TASK_QUEUE } from '../src/temporal/connection';
import { rawTestConfig, testConfig } from './helpers/config';
import { waitForGate } from './helpers/drive';
import { mockActivities } from './helpers/mock-activities';
import { cli, exited, startDevServer, stop, type Proc } from '../lab/driver/processes';

const PORT = 17733;
const execFileAsync = promisify(execFile);
const address = `127.0.0.1:${PORT}`;

function temporalSignal(workflowId: string, name: string, input: unknown): void {
  const r = spawnSync(
    temporalCliPath(),
    ['workflow', 'signal', '--address', address, '--workflow-id', workflowId, '--name', name, '--input', JSON.stringify(input)],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
}

describe('approvals on a real dev server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-approvals-'));
  let server: Proc;
  let client: Client;
  let connection: NativeConnection;

  before(async () => {
    server = await startDevServer(PORT, join(dir, 'approvals.db'));
    client = new Client({ connection: await Connection.connect({ address }) });
    connection = await NativeConnection.connect({ address });
  });
  /** A worker for today's workflows with these stand-in activities, on the default queue. */
  const workerWith = (activities: object) => Worker.create({ connection, taskQueue: TASK_QUEUE, workflowsPath: require.resolve('../workflows'), activities });

  after(async () => {
    await connection?.close();
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens one gate with `temporal workflow signal` and the next with `pve-twonode approve`', async () => {
    const config = testConfig({ cluster: { name: 'approvals' }, approvals: { steps: ['create', 'join'] }, failover: { enabled: false } });
    const { impl, calls } = mockActivities();
    const worker = await workerWith(impl);
    const result = await worker.runUntil(async () => {
      const handle = await startGuide(client, config);
      await waitForGate(handle, 'create');
      assert.ok(!calls.includes('create'));
      temporalSignal(handle.workflowId, 'approve', { step: 'create' });
      await waitForGate(handle, 'join');
      assert.ok(calls.includes('create'), 'the signal from the Temporal CLI opened the create gate');
      const approve = cli(PORT, 'approve', 'approvals', 'join');
      assert.equal(await exited(approve), 0, approve.output());
      assert.match(approve.output(), /approved join/);
      return handle.result();
    });
    assert.equal(result.outcome, 'completed');
    assert.ok(calls.includes('join'));
  });

  it('ends the run as rejected from `temporal workflow signal --name reject`', async () => {
    const config = testConfig({ cluster: { name: 'rejections' }, approvals: { steps: ['create'] }, failover: { enabled: false } });
    const { impl } = mockActivities();
    const worker = await workerWith(impl);
    const result = await worker.runUntil(async () => {
      const handle = await startGuide(client, config);
      await waitForGate(handle, 'create');
      temporalSignal(handle.workflowId, 'reject', { step: 'create', reason: 'not today' });
      return handle.result();
    });
    assert.equal(result.outcome, 'rejected');
    assert.equal(result.progress.endedReason, 'rejected at create: not today');
  });

  it('refuses at once a gate the run is not waiting at (unknown, not its own, later), listing its gates; the Update from `temporal workflow update` opens it', async () => {
    const config = testConfig({ cluster: { name: 'refusals' }, approvals: { steps: ['create', 'join'] }, failover: { enabled: false } });
    const { impl, calls } = mockActivities();
    const worker = await workerWith(impl);
    const result = await worker.runUntil(async () => {
      const handle = await startGuide(client, config);
      await waitForGate(handle, 'create');
      const refused = async (gate: string, want: RegExp) => {
        const approve = cli(PORT, 'approve', 'refusals', gate);
        assert.equal(await exited(approve), 2, approve.output());
        assert.match(approve.output(), want);
      };
      await refused('nonsense', /^unknown gate "nonsense"; one of: preflight, hosts, /);
      await refused('qdevice', /^refused by pve-twonode-refusals: "qdevice" is not a gate of the guide: it waits for create; its gates: create, join\n$/);
      await refused('join', /^refused by pve-twonode-refusals: "join" is not asked now: it waits for create; its gates: create, join\n$/);
      // Not spawnSync: the worker answering the Update runs in this process.
      const update = (input: unknown) =>
        execFileAsync(temporalCliPath(), [
          ...['workflow', 'update', 'execute', '--address', address, '--workflow-id', handle.workflowId],
          ...['--name', 'approveGate', '--input', JSON.stringify(input)],
        ]);
      await assert.rejects(update({ gate: 'crate' }), (err: { stderr: string }) => {
        assert.match(err.stderr, /\\?"crate\\?" is not a gate of the guide: it waits for create; its gates: create, join \(type: GateRefused/);
        return true;
      });
      assert.ok(!calls.includes('create'), 'nothing refused opened a gate');
      await update({ gate: 'create' });
      await waitForGate(handle, 'join');
      const reject = cli(PORT, 'reject', 'refusals', 'join', '--reason', 'wrong node');
      assert.equal(await exited(reject), 0, reject.output());
      return handle.result();
    });
    assert.equal(result.outcome, 'rejected');
    assert.equal(result.progress.endedReason, 'rejected at join: wrong node');
    assert.ok(calls.includes('create') && !calls.includes('join'));
  });

  it('a broken config started with `temporal workflow start` fails with the field errors before any activity', { timeout: 60_000 }, async () => {
    const { impl, calls } = mockActivities();
    const broken = rawTestConfig({ cluster: { name: 'broken-input' }, ntp: { servers: ['pool.ntp.org\nFallbackNTP=evil.example'] } });
    (broken.nodes as { ssh: { user: string } }[])[0].ssh.user = 'admin';
    for (const type of ['clusterGuide', 'repairQdevice', 'failoverDrill']) {
      const workflowId = `broken-input-${type}`;
      const started = spawnSync(
        temporalCliPath(),
        ['workflow', 'start', '--address', address, '--type', type, '--task-queue', TASK_QUEUE, '--workflow-id', workflowId, '--input', JSON.stringify(broken)],
        { encoding: 'utf8' },
      );
      assert.equal(started.status, 0, started.stderr);
      const handle = client.workflow.getHandle(workflowId);
      const worker = await workerWith(impl);
      const failure = await worker.runUntil(
        handle.result().then(
          () => null,
          (err: unknown) => err as { cause?: { message: string; type?: string } },
        ),
      );
      assert.equal(failure?.cause?.type, 'InvalidConfig', type);
      assert.match(failure?.cause?.message ?? '', /^invalid cluster config \(2 problem\(s\)\): .*nodes\[0\]\.ssh\.user: must be root/);
      assert.match(failure?.cause?.message ?? '', /ntp\.servers\[0\]: must be one host name or IP/);
      const events = (await handle.fetchHistory()).events ?? [];
      assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes).length, 0, `${type}: no activity scheduled`);
    }
    assert.deepEqual(calls, []);
  });
});
