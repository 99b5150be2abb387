/**
 * `pve-twonode check` and `guard` on a cluster the guide built in the lab: OK (exit 0); then each day-2 fault turns
 * the check to the right verdict, and the guard (a Schedule on the dev server, a check every 5 s) sends exactly one
 * alert to a webhook on loopback and one recovery notice once the fault is cleared. Faults are real: a killed
 * corosync-qdevice, a removed certificate store, a stopped corosync-qnetd, the VM's cable pulled, an expected-votes
 * override, a node in HA maintenance, a clock 5 s ahead (lab/lab.sh cmd_fault).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { healthCheck } from '../activities/health-check';
import type { ClusterConfig } from '../src/config/schema';
import type { Health, HealthReport } from '../src/health/report';
import { guardScheduleIdFor, healthQuery, healthStateIdFor } from '../workflows/health-messages';
import { LAB_FAULTS } from '../lab/driver/faults';
import { buildLabCluster, webhookFor, type WebhookReceiver } from '../lab/driver/guard';
import { LAB_DIR, freshLab, lab, labAsync, labUnavailable } from './helpers/lab';
import { cli, cliWithEnv, exited, startDevServer, startWorker, stop, type Proc } from '../lab/driver/processes';
import { WorkerResources } from '../activities/runtime/resources';

const PORT = 18233;
const EVERY = '5s';

/**
 * Checks until the cluster shows the wanted status and, when given, the wanted fact (corosync takes a few seconds to
 * notice a lost QDevice, and the first words can come from the other side: qnetd sees a daemon go at once).
 */
async function checkUntil(
  config: ClusterConfig,
  want: Health,
  fact: (report: HealthReport) => boolean = () => true,
  timeoutMs = 90_000,
): Promise<{ report: HealthReport; firstMs: number; afterMs: number }> {
  const started = Date.now();
  let firstMs: number | null = null;
  for (;;) {
    const report = await healthCheck(new WorkerResources(), config);
    if (report.status === want) firstMs ??= Date.now() - started;
    if ((report.status === want && fact(report)) || Date.now() - started > timeoutMs) {
      assert.equal(report.status, want, `${report.summary}\n${JSON.stringify(report.facts.map((f) => [f.name, f.status, f.reason]))}`);
      assert.ok(fact(report), `${report.summary}\n${JSON.stringify(report.facts.map((f) => [f.name, f.status, f.reason]))}`);
      return { report, firstMs: firstMs ?? 0, afterMs: Date.now() - started };
    }
    await delay(1_000);
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await ok()); await delay(250)) if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
}

const factOf = (report: HealthReport, name: string) => report.facts.find((f) => f.name === name);

describe('pve-twonode check and guard against a built lab cluster', { skip: labUnavailable() }, () => {
  let config: ClusterConfig;
  let path: string;
  let hook: WebhookReceiver & { configPath: string };
  let client: Client;
  const procs: Proc[] = [];
  const alerts = () => hook.received.map((r) => `${r.alert.kind}:${r.alert.previous}->${r.alert.status}`);

  before(async () => {
    ({ config, path } = freshLab());
    await buildLabCluster(config);
    hook = await webhookFor(path, 'guarded');
    procs.push(await startDevServer(PORT, join(LAB_DIR, 'guard.db')));
    procs.push(startWorker(PORT));
    client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${PORT}` }) });
  });
  after(async () => {
    for (const p of procs) await stop(p, 'SIGKILL');
    hook?.close();
    lab('down');
  });

  it('a healthy cluster: exit 0, the summary first, JSON version 1', async () => {
    const text = cliWithEnv({}, 'check', path);
    assert.equal(await exited(text), 0, text.output());
    assert.match(
      text.output().split('\n')[0],
      // Then the monitoring-plugin performance data, read from the real cluster.
      /^PVE-TWONODE OK - labclu: QDevice on 10\.213\.7\.13 votes \(labclu: quorate, votes 3\/3, flags Quorate Qdevice\); corosync-qnetd on qnetd votes for node ids 1, 2 \| votes=3;;;0;3 expected_votes=3;;;0;3 clock_skew=\d+\.\d{3}s;;;0 check_time=\d+\.\d{3}s;;;0$/,
    );
    const json = cliWithEnv({}, 'check', path, '--json');
    assert.equal(await exited(json), 0);
    const report = JSON.parse(json.output()) as HealthReport;
    assert.deepEqual([report.version, report.status, report.exitCode], [1, 'OK', 0]);
    console.log(`# one check: ${report.wallMs} ms, 3 SSH connections (one per host)`);
  });

  it(`guard: a Schedule checks every ${EVERY}; a healthy cluster alerts nobody`, async () => {
    const created = cli(PORT, 'guard', hook.configPath, '--every', EVERY);
    assert.equal(await exited(created), 0, created.output());
    assert.match(created.output(), /schedule pve-twonode-guard-labclu created, a check every 5s/);
    const state = client.workflow.getHandle(healthStateIdFor('labclu'));
    await until('the first OK result', async () => (await state.query(healthQuery).catch(() => null))?.status === 'OK');
    assert.deepEqual(alerts(), []);
  });

  for (const f of LAB_FAULTS) {
    it(`${f.fault} on ${f.host}: check says ${f.status} (${f.step}); the guard sends one alert, then one recovery notice`, async () => {
      const before = hook.received.length;
      const injectedAt = Date.now();
      try {
        await labAsync('fault', f.host, f.fault, 'on');
        const wanted = (r: HealthReport) => factOf(r, f.step)?.status === f.status && f.reason.test(factOf(r, f.step)?.reason ?? '');
        const { report, firstMs, afterMs } = await checkUntil(config, f.status, wanted);
        for (const [name, status] of Object.entries(f.also ?? {})) assert.equal(factOf(report, name)?.status, status, name);
        if (f.exit !== undefined) {
          const run = cliWithEnv({}, 'check', path);
          assert.equal(await exited(run), f.exit, run.output());
          assert.match(run.output().split('\n')[0], new RegExp(`^PVE-TWONODE ${f.status} - labclu: `));
        }
        await until(`the guard's alert for ${f.fault}`, () => hook.received.length > before);
        const alert = hook.received[before];
        console.log(
          `# ${f.fault}: check ${f.status} ${firstMs} ms after the fault (these words after ${afterMs} ms); guard --every ${EVERY} alert after ${alert.at - injectedAt} ms: ${report.summary}`,
        );
        assert.deepEqual([alert.alert.kind, alert.alert.previous, alert.alert.status], ['change', 'OK', f.status]);
      } finally {
        await labAsync('fault', f.host, f.fault, 'off');
      }
      const clearedAt = Date.now();
      await checkUntil(config, 'OK', undefined, 150_000);
      await until(`the recovery notice for ${f.fault}`, () => hook.received.length > before + 1, 150_000);
      console.log(`# ${f.fault}: recovery notice ${hook.received[before + 1].at - clearedAt} ms after clearing`);
      await delay(12_000); // two more checks: nothing else may come
      assert.deepEqual(
        alerts().slice(before),
        [`change:OK->${f.status}`, `change:${f.status}->OK`],
        `exactly one alert and one recovery notice; they said: ${hook.received
          .slice(before)
          .map((r) => `${r.alert.checkedAt} ${r.alert.summary}`)
          .join(' | ')}`,
      );
    });
  }

  it('guard --pause, --trigger, --resume, --delete; health shows the state and the alerts', async () => {
    for (const [flag, said] of [
      ['--pause', 'paused'],
      ['--trigger', 'one check started now'],
      ['--resume', 'resumed'],
      ['--delete', 'schedule deleted'],
    ]) {
      const r = cli(PORT, 'guard', hook.configPath, flag);
      assert.equal(await exited(r), 0, r.output());
      assert.match(r.output(), new RegExp(`^guard for labclu: ${said}`), flag);
    }
    await assert.rejects(client.schedule.getHandle(guardScheduleIdFor('labclu')).describe(), /not found/i);
    const health = cli(PORT, 'health', 'labclu');
    assert.equal(await exited(health), 0, health.output());
    assert.match(health.output(), /^PVE-TWONODE OK - labclu/);
    assert.match(health.output(), /alert .* change WARNING: sent to webhook\nalert .* change OK: sent to webhook/);
  });

  it('an invalid config is UNKNOWN (exit 3) before any host is touched', async () => {
    const bad = join(LAB_DIR, 'bad.yaml');
    writeFileSync(bad, 'cluster: { name: "no spaces allowed" }\n');
    const run = cliWithEnv({}, 'check', bad);
    assert.equal(await exited(run), 3, run.output());
    assert.match(run.output(), /^PVE-TWONODE UNKNOWN - invalid config /);
  });
});
