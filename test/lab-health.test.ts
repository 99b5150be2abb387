/**
 * `pve-twonode check` on a cluster the guide built in the lab: OK (exit 0), then each day-2 failure turns it to the
 * right verdict and back to OK once cleared. Faults are real: a killed corosync-qdevice, a stopped corosync-qnetd,
 * the VM's cable pulled.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { healthCheck } from '../activities/health-check';
import type { Health, HealthReport } from '../src/health/report';
import type { ClusterConfig } from '../src/config/schema';
import { buildLabCluster, webhookFor } from './helpers/guard';
import { LAB_DIR, freshLab, lab, labUnavailable } from './helpers/lab';
import { cli, cliWithEnv, exited, startDevServer, startWorker, stop, type Proc } from './helpers/processes';
import { Client, Connection } from '@temporalio/client';
import { guardScheduleIdFor, healthQuery, healthStateIdFor } from '../workflows/health-messages';

/** Checks until the cluster shows the wanted status; corosync takes a few seconds to notice a lost QDevice. */
async function checkUntil(config: ClusterConfig, want: Health, timeoutMs = 90_000): Promise<{ report: HealthReport; afterMs: number }> {
  const started = Date.now();
  let report = await healthCheck(config);
  while (report.status !== want && Date.now() - started < timeoutMs) {
    await delay(2_000);
    report = await healthCheck(config);
  }
  assert.equal(report.status, want, `${report.summary}\n${JSON.stringify(report.facts.map((f) => [f.name, f.status, f.reason]))}`);
  return { report, afterMs: Date.now() - started };
}

const statusOf = (report: HealthReport, name: string) => report.facts.find((f) => f.name === name)?.status;

describe('pve-twonode check against a built lab cluster', { skip: labUnavailable() }, () => {
  let config: ClusterConfig;
  let path: string;

  before(async () => {
    ({ config, path } = freshLab());
    await buildLabCluster(config);
  });
  after(() => void lab('down'));

  it('a healthy cluster: exit 0, the summary first, JSON version 1', async () => {
    const text = cliWithEnv({}, 'check', path);
    assert.equal(await exited(text), 0, text.output());
    assert.match(
      text.output().split('\n')[0],
      /^PVE-TWONODE OK - labclu: QDevice on 10\.213\.7\.13 votes \(labclu: quorate, votes 3\/3, flags Quorate Qdevice\)$/,
    );
    const json = cliWithEnv({}, 'check', path, '--json');
    assert.equal(await exited(json), 0);
    const report = JSON.parse(json.output()) as HealthReport;
    assert.deepEqual([report.version, report.status, report.exitCode], [1, 'OK', 0]);
    console.log(`# one check: ${report.wallMs} ms, 3 SSH connections (one per host)`);
  });

  it('corosync-qdevice killed on node 2: CRITICAL (the vote is gone), OK again once it runs', async () => {
    lab('fault', 'pve2', 'qdevice-dead', 'on');
    const { report, afterMs } = await checkUntil(config, 'CRITICAL');
    console.log(`# qdevice-dead seen after ${afterMs} ms: ${report.summary}`);
    assert.equal(statusOf(report, 'qdevice'), 'CRITICAL');
    lab('fault', 'pve2', 'qdevice-dead', 'off');
    await checkUntil(config, 'OK');
  });

  it('corosync-qnetd stopped on the VM: CRITICAL, exit 2; OK again once started', async () => {
    lab('fault', 'qnetd', 'qnetd-stopped', 'on');
    const { report, afterMs } = await checkUntil(config, 'CRITICAL');
    console.log(`# qnetd-stopped seen after ${afterMs} ms: ${report.summary}`);
    assert.equal(statusOf(report, 'qnetd'), 'CRITICAL');
    const cli = cliWithEnv({}, 'check', path);
    assert.equal(await exited(cli), 2, cli.output());
    lab('fault', 'qnetd', 'qnetd-stopped', 'off');
    await checkUntil(config, 'OK');
  });

  it("the VM's cable pulled: CRITICAL from the nodes' view (no third vote), the VM's own checks UNKNOWN", async () => {
    lab('fault', 'qnetd', 'unplugged', 'on');
    try {
      const { report, afterMs } = await checkUntil(config, 'CRITICAL');
      console.log(`# VM unplugged seen after ${afterMs} ms (one check ${report.wallMs} ms): ${report.summary}`);
      assert.equal(statusOf(report, 'qdevice'), 'CRITICAL');
      assert.equal(statusOf(report, 'qnetd'), 'UNKNOWN');
    } finally {
      lab('fault', 'qnetd', 'unplugged', 'off');
    }
    await checkUntil(config, 'OK');
  });

  it('guard: a Schedule on the dev server checks every 5 s; one alert to a loopback webhook when qnetd stops, one recovery notice', async () => {
    const hook = await webhookFor(path, 'guarded');
    const { received } = hook;
    const guarded = hook.configPath;
    const port = 18233;
    const procs: Proc[] = [await startDevServer(port, join(LAB_DIR, 'guard.db'))];
    procs.push(startWorker(port));
    const client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }) });
    const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 90_000) => {
      for (const deadline = Date.now() + timeoutMs; !(await ok()); await delay(500)) if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    };
    try {
      const created = cli(port, 'guard', guarded, '--every', '5s');
      assert.equal(await exited(created), 0, created.output());
      assert.match(created.output(), /schedule pve-twonode-guard-labclu created, a check every 5s/);
      const state = client.workflow.getHandle(healthStateIdFor('labclu'));
      await until('the first OK result', async () => (await state.query(healthQuery)).status === 'OK');
      assert.equal(received.length, 0, 'a healthy cluster alerts nobody');
      const faultAt = Date.now();
      lab('fault', 'qnetd', 'qnetd-stopped', 'on');
      await until('the alert', () => received.length > 0);
      console.log(`# guard --every 5s: qnetd stopped -> webhook alert after ${received[0].at - faultAt} ms`);
      assert.deepEqual([received[0].alert.kind, received[0].alert.previous, received[0].alert.status], ['change', 'OK', 'CRITICAL']);
      await delay(12_000);
      assert.equal(received.length, 1, 'further CRITICAL checks send nothing');
      lab('fault', 'qnetd', 'qnetd-stopped', 'off');
      await until('the recovery notice', () => received.length > 1);
      assert.deepEqual([received[1].alert.kind, received[1].alert.previous, received[1].alert.status], ['change', 'CRITICAL', 'OK']);
      await delay(12_000);
      assert.equal(received.length, 2, 'exactly one alert and one recovery notice');
      for (const [flag, said] of [
        ['--pause', 'paused'],
        ['--trigger', 'one check started now'],
        ['--resume', 'resumed'],
        ['--delete', 'schedule deleted'],
      ]) {
        const r = cli(port, 'guard', guarded, flag);
        assert.equal(await exited(r), 0, r.output());
        assert.match(r.output(), new RegExp(`^guard for labclu: ${said}`), flag);
      }
      await assert.rejects(client.schedule.getHandle(guardScheduleIdFor('labclu')).describe(), /not found/i);
      const health = cli(port, 'health', 'labclu');
      assert.equal(await exited(health), 0, health.output());
      assert.match(health.output(), /^PVE-TWONODE OK - labclu/);
      assert.match(health.output(), /alert .* change CRITICAL: sent to webhook\nalert .* change OK: sent to webhook/);
    } finally {
      for (const p of procs) await stop(p, 'SIGKILL');
      hook.close();
    }
  });

  it('an invalid config is UNKNOWN (exit 3) before any host is touched', async () => {
    const bad = join(LAB_DIR, 'bad.yaml');
    writeFileSync(bad, 'cluster: { name: "no spaces allowed" }\n');
    const cli = cliWithEnv({}, 'check', bad);
    assert.equal(await exited(cli), 3, cli.output());
    assert.match(cli.output(), /^PVE-TWONODE UNKNOWN - invalid config /);
  });
});
