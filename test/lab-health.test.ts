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
import { MockActivityEnvironment } from '@temporalio/testing';
import { healthCheck, type Health, type HealthReport } from '../activities/health-check';
import { runStep } from '../activities/runtime/run-step';
import type { ClusterConfig } from '../src/config/schema';
import type { AnyStep } from '../src/step-kit/descriptor';
import type { StepResult } from '../src/step-kit/result';
import { GUIDE_STEPS } from '../steps';
import { LAB_DIR, freshLab, lab, labUnavailable } from './helpers/lab';
import { cliWithEnv, exited } from './helpers/processes';

const BUILD = ['hosts', 'time', 'create', 'join-prereqs', 'join', 'qnetd', 'qdevice-prereqs', 'qdevice', 'ha'];

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
    for (const name of BUILD) {
      const step = GUIDE_STEPS.find((s) => s.name === name) as AnyStep;
      await new MockActivityEnvironment().run<[], StepResult, () => Promise<StepResult>>(() => runStep(step, config));
    }
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

  it('an invalid config is UNKNOWN (exit 3) before any host is touched', async () => {
    const bad = join(LAB_DIR, 'bad.yaml');
    writeFileSync(bad, 'cluster: { name: "no spaces allowed" }\n');
    const cli = cliWithEnv({}, 'check', bad);
    assert.equal(await exited(cli), 3, cli.output());
    assert.match(cli.output(), /^PVE-TWONODE UNKNOWN - invalid config /);
  });
});
