/**
 * `pve-twonode drill` on a real dev server (the time-skipping server has no Schedules): `--every 30d` makes a
 * Schedule; a run it starts (its id carries the scheduled time) waits at the drill gate, `approve <cluster> drill`
 * finds it by its search attributes, an on-demand drill is refused meanwhile, and `clusters` shows the recovery time
 * from the run's memo. The worker runs stand-in activities: this is about the Schedule and the CLI, not the hosts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { runningDrillId } from '../cli/drill';
import type { ClusterRow } from '../cli/clusters';
import { EXIT } from '../cli/errors';
import { drillScheduleIdFor } from '../workflows/repair-messages';
import { rawTestConfig } from './helpers/config';
import { mockActivities } from './helpers/mock-activities';
import { cli, exited, startDevServer, stop, type Proc } from '../lab/driver/processes';

const PORT = 18033;
const CLUSTER = 'drilled';

describe('drill on a Schedule (dev server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-drill-'));
  const file = join(dir, 'cluster.yaml');
  let server: Proc;
  let client: Client;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;

  before(async () => {
    writeFileSync(
      file,
      JSON.stringify(
        rawTestConfig({
          cluster: { name: CLUSTER },
          failover: { enabled: true, power_off: { command: ['true'] }, power_on: { command: ['true'] }, down_for: '1s' },
        }),
      ),
    );
    server = await startDevServer(PORT, join(dir, 'drill.db'));
    client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${PORT}` }) });
    connection = await NativeConnection.connect({ address: `127.0.0.1:${PORT}` });
    worker = await Worker.create({ connection, taskQueue: 'pve-twonode', workflowsPath: require.resolve('../workflows'), activities: mockActivities().impl });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (...args: string[]) => {
    const p = cli(PORT, ...args);
    return { code: await exited(p), out: p.output() };
  };

  it('--every 30d schedules drills; a scheduled one waits, is approved by gate name, and clusters shows its recovery', async () => {
    const scheduled = await run('drill', file, '--every', '30d');
    assert.equal(scheduled.code, 0, scheduled.out);
    assert.match(scheduled.out, /schedule pve-twonode-drill-schedule-drilled created, a drill every 30d; each waits for: pve-twonode approve drilled drill/);
    const schedule = client.schedule.getHandle(drillScheduleIdFor(CLUSTER));
    const every = (await schedule.describe()).spec.intervals?.[0]?.every;
    assert.equal(every, 30 * 86_400_000);

    await schedule.trigger();
    let id: string | null = null;
    for (let i = 0; i < 100 && !id; i++) id = await runningDrillId(client, CLUSTER).then((found) => found ?? delay(200).then(() => null));
    assert.ok(id && id !== 'pve-twonode-drill-drilled', `a scheduled run, with its own id: ${id}`);
    const handle = client.workflow.getHandle(id);
    for (let i = 0; i < 100 && (await handle.query<{ awaiting: { gate: string } | null }>('progress')).awaiting?.gate !== 'drill'; i++) await delay(200);

    const second = await run('drill', file);
    assert.equal(second.code, EXIT.runNotCompleted, second.out);
    assert.match(second.out, new RegExp(`a failover drill for cluster drilled is already in progress \\(workflow ${id}\\)`));

    const approve = await run('approve', CLUSTER, 'drill');
    assert.equal(approve.code, 0, approve.out);
    assert.match(approve.out, /^approved drill$/m);
    assert.equal(((await handle.result()) as { outcome: string }).outcome, 'passed');

    let rows: ClusterRow[] = [];
    for (let i = 0; i < 50 && rows[0]?.lastDrillRecoveryMs == null; i++, await delay(200))
      rows = JSON.parse((await run('clusters', '--json')).out) as ClusterRow[];
    assert.deepEqual(
      rows.map((r) => [r.cluster, r.status, r.lastDrillRecoveryMs]),
      [[CLUSTER, '-', 95_000]],
    );
    assert.match((await run('clusters')).out, /drilled .* last drill 95\.0 s recovery on /);

    const deleted = await run('drill', file, '--delete');
    assert.equal(deleted.code, 0, deleted.out);
    await assert.rejects(schedule.describe());
  });
});
