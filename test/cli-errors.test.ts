/**
 * The read commands on a real dev server with no worker running, and every Temporal failure a person meets: one line
 * to act on, a documented exit code (cli/errors.ts EXIT), no stack trace unless --debug.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, ServiceError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { EXIT, explainTemporalError } from '../cli/errors';
import { startMaintenance } from '../cli/repair';
import { startGuide } from '../cli/start';
import { progressQuery } from '../workflows/messages';
import { setTimeout as delay } from 'node:timers/promises';
import { TASK_QUEUE } from '../src/temporal/connection';
import { testConfig } from './helpers/config';
import { mockActivities } from './helpers/mock-activities';
import { cli, cliWithEnv, exited, startDevServer, startWorker, stop, type Proc } from '../lab/driver/processes';

const PORT = 17933;
const address = `127.0.0.1:${PORT}`;
const STACK = /^\s+at /m;

async function run(proc: Proc): Promise<{ code: number | null; out: string }> {
  const code = await exited(proc);
  return { code, out: proc.output() };
}

describe('read commands without a worker, and Temporal errors as one line and an exit code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-cli-errors-'));
  let server: Proc;
  let client: Client;
  let connection: NativeConnection;

  before(async () => {
    server = await startDevServer(PORT, join(dir, 'cli.db'));
    client = new Client({ connection: await Connection.connect({ address }) });
    connection = await NativeConnection.connect({ address });
    // Two finished runs, then the worker is gone: one completed, one failed at qnetd.
    const runToEnd = async (cluster: string, activities: ReturnType<typeof mockActivities>['impl']) => {
      const worker = await Worker.create({ connection, taskQueue: TASK_QUEUE, workflowsPath: require.resolve('../workflows'), activities });
      await worker.runUntil(async () => {
        const handle = await startGuide(client, testConfig({ cluster: { name: cluster }, approvals: { steps: [] }, failover: { enabled: false } }));
        await handle.result().catch(() => undefined);
      });
    };
    await runToEnd('finished', mockActivities().impl);
    await runToEnd('broken', mockActivities({ qnetd: { failPermanently: 'corosync-qnetd did not start on qnetd' } }).impl);
  });
  after(async () => {
    await connection?.close();
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('status, report and watch of a finished run print its report with no worker running', async () => {
    const status = await run(cli(PORT, 'status', 'finished'));
    assert.equal(status.code, 0, status.out);
    assert.match(status.out, /Run report for cluster finished: completed/);
    const failed = await run(cli(PORT, 'report', 'broken'));
    assert.equal(failed.code, 0, failed.out);
    assert.match(failed.out, /Run report for cluster broken: failed/);
    assert.match(failed.out, /qnetd\s+failed.*corosync-qnetd did not start on qnetd/);
    const watch = await run(cli(PORT, 'watch', 'broken'));
    assert.equal(watch.code, EXIT.runNotCompleted, watch.out);
    assert.match(watch.out, /Run report for cluster broken: failed/);
    const json = await run(cli(PORT, 'status', 'broken', '--json'));
    assert.equal((JSON.parse(json.out) as { status: string }).status, 'FAILED');
  });

  it('clusters lists every cluster with its last run, from search attributes', async () => {
    const list = await run(cli(PORT, 'clusters', '--json'));
    assert.equal(list.code, 0, list.out);
    const rows = JSON.parse(list.out) as { cluster: string; status: string; state: string }[];
    assert.deepEqual(
      rows.map((r) => [r.cluster, r.status, r.state]),
      [
        ['broken', 'FAILED', 'failed'],
        ['finished', 'COMPLETED', 'completed'],
      ],
    );
  });

  it('a running run with no worker: status and approve name its task queue and the worker to start (exit 6); that worker answers', async () => {
    await startGuide(client, testConfig({ cluster: { name: 'waiting', task_queue: 'site-b' }, failover: { enabled: false } }));
    const status = await run(cli(PORT, 'status', 'waiting'));
    assert.equal(status.code, EXIT.noWorker, status.out);
    assert.match(status.out, /^run running .*no worker answers on task queue "site-b": start one with: pve-twonode worker --task-queue site-b\n$/);
    // An approval nobody can check is not held for later: the person hears why, and what to start.
    const approve = await run(cli(PORT, 'approve', 'waiting', 'create'));
    assert.equal(approve.code, EXIT.noWorker, approve.out);
    assert.match(approve.out, /no worker answers on task queue "site-b": start one with: pve-twonode worker --task-queue site-b\n$/);
    // The site's own worker, as the message says: now the run answers.
    const worker = startWorker(PORT, 'site-b');
    try {
      let answered = await run(cli(PORT, 'status', 'waiting'));
      for (let i = 0; i < 20 && answered.code !== 0; i++) answered = await run(cli(PORT, 'status', 'waiting'));
      assert.equal(answered.code, 0, answered.out);
      assert.match(answered.out, /Run report for cluster waiting: running/);
    } finally {
      await stop(worker, 'SIGKILL');
    }
  });

  it('every kind of run: runs lists them newest first; status takes the newest, --kind another; cancel at a gate leaves every view cancelled', async () => {
    const { impl } = mockActivities();
    const worker = await Worker.create({ connection, taskQueue: TASK_QUEUE, workflowsPath: require.resolve('../workflows'), activities: impl });
    await worker.runUntil(async () => {
      const config = testConfig({ cluster: { name: 'finished' } });
      const handle = await startMaintenance(client, config, config.nodes[0].name, 'on', '/etc/pve-twonode/finished.yaml');
      while ((await handle.query(progressQuery)).awaiting?.gate !== 'maintenance-on') await delay(100);
      const runs = await run(cli(PORT, 'runs', 'finished'));
      assert.equal(runs.code, 0, runs.out);
      assert.match(
        runs.out,
        /^maintenance\s+RUNNING\s+started \S+\s+pve-twonode-maintenance-finished\nguide\s+COMPLETED\s+started \S+\s+pve-twonode-finished\n$/,
      );
      const newest = await run(cli(PORT, 'status', 'finished'));
      assert.match(newest.out, /Run report for cluster finished: waiting-for-approval/);
      assert.match(newest.out, /maintenance-on/);
      const guide = await run(cli(PORT, 'status', 'finished', '--kind', 'guide'));
      assert.match(guide.out, /Run report for cluster finished: completed/);
      const none = await run(cli(PORT, 'report', 'finished', '--kind', 'drill'));
      assert.deepEqual([none.code, none.out], [EXIT.noRun, 'no drill run found for cluster finished: start one with pve-twonode drill <cluster.yaml>\n']);
      const cancel = await run(cli(PORT, 'cancel', 'finished', '--kind', 'maintenance'));
      assert.equal(cancel.code, 0, cancel.out);
      assert.match(cancel.out, /Run report for cluster finished: cancelled/);
      const after = await run(cli(PORT, 'status', 'finished', '--kind', 'maintenance'));
      assert.match(after.out, /Run report for cluster finished: cancelled/, 'not waiting-for-approval any more');
      assert.doesNotMatch(after.out, /WAITING FOR APPROVAL/);
    });
  });

  it('no run for this cluster: exit 5', async () => {
    const r = await run(cli(PORT, 'status', 'nosuch'));
    assert.equal(r.code, EXIT.noRun, r.out);
    assert.match(r.out, /^no run found for this cluster on 127\.0\.0\.1:17933 namespace default: start one with pve-twonode start <cluster\.yaml>\n$/);
  });

  it('a namespace that does not exist: exit 4', async () => {
    const r = await run(cliWithEnv({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'no-such-namespace' }, 'status', 'finished'));
    assert.equal(r.code, EXIT.namespaceMissing, r.out);
    assert.match(r.out, /^namespace "no-such-namespace" does not exist on 127\.0\.0\.1:17933: create it/);
    assert.doesNotMatch(r.out, STACK);
  });

  it('no Temporal server: exit 3 and how to start one; --debug adds the stack', async () => {
    const r = await run(cliWithEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'status', 'finished'));
    assert.equal(r.code, EXIT.temporalUnreachable, r.out);
    assert.equal(r.out, 'cannot reach the Temporal server at 127.0.0.1:1: start a local one with `pve-twonode server`, or point TEMPORAL_ADDRESS at yours\n');
    const debug = await run(cliWithEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'status', 'finished', '--debug'));
    assert.equal(debug.code, EXIT.temporalUnreachable);
    assert.match(debug.out, STACK);
  });

  it('permission denied (an API key or certificate the server refuses): exit 7', () => {
    const grpc = Object.assign(new Error('7 PERMISSION_DENIED: Request unauthorized.'), { code: 7 });
    const err = explainTemporalError(new ServiceError('Failed to query workflow', { cause: grpc }), {
      address: 'x.tmprl.cloud:7233',
      namespace: 'ns',
      taskQueue: 'q',
    });
    assert.equal(err?.exitCode, EXIT.permissionDenied);
    assert.match(err?.message ?? '', /^permission denied by Temporal at x\.tmprl\.cloud:7233 \(namespace ns\): check TEMPORAL_API_KEY/);
  });
});
