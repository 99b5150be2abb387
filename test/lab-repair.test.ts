/**
 * The day-2 workflows on a cluster the guide built in the lab. `repair qdevice --auto-approve`, starting from the
 * guardian's faults: each ends with `check` exiting 0, and per the hosts' audit logs the repair ran its acting command
 * once and nothing more invasive than needed (no `pvecm qdevice` unless it was the repair chosen), a half-finished
 * setup included. `maintenance`:
 * refused while the QDevice is down, on (the HA guest moves to the other node), off (it comes back, 3 of 3 votes).
 * `repair move-qnetd`: to a fourth lab host, fresh (qnetd2), then back; the VM left behind is never contacted.
 * `drill`: the node hosting vm:100 powered off hard and back, the recovery time in the report, on the cluster's record
 * and in `clusters`.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { healthCheck } from '../activities/health-check';
import type { ClusterConfig } from '../src/config/schema';
import type { Health } from '../src/health/report';
import { webhookFor } from '../lab/driver/guard';
import { loadConfig } from '../src/config/load';
import { audit, auditSince, builtLabWithWorker, inHost as inHostText, labAsync, labUnavailable } from './helpers/lab';
import { cli, cliWithEnv, exited } from '../lab/driver/processes';
import { WorkerResources } from '../activities/runtime/resources';

const PORT = 18433;

async function healthBecomes(config: ClusterConfig, want: Health, timeoutMs = 90_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await delay(1_000)) {
    const report = await healthCheck(new WorkerResources(), config);
    if (report.status === want) return;
    if (Date.now() > deadline) assert.fail(`still ${report.summary}`);
  }
}

/** The guard's health state says this (the query needs the worker, which runs). */
async function healthSays(want: Health): Promise<boolean> {
  const health = cli(PORT, 'health', 'labclu');
  await exited(health);
  return health.output().startsWith(`PVE-TWONODE ${want} `);
}

const since = auditSince;

describe('pve-twonode repair qdevice and maintenance on the lab', { skip: labUnavailable() }, () => {
  const suite = builtLabWithWorker(PORT, 'repair.db');
  let config: ClusterConfig;
  let path: string;
  before(() => ({ config, path } = suite));

  async function repair(fault: { host: string; name: string } | null, expect: RegExp) {
    if (fault) {
      await labAsync('fault', fault.host, fault.name, 'on');
      await healthBecomes(config, 'CRITICAL');
    }
    const marks: Record<string, number> = Object.fromEntries(['pve1', 'pve2', 'qnetd'].map((h) => [h, audit(h).length]));
    const started = Date.now();
    const run = cli(PORT, 'repair', 'qdevice', path, '--auto-approve');
    assert.equal(await exited(run), 0, run.output());
    const wallMs = Date.now() - started;
    assert.match(run.output(), expect);
    const check = cliWithEnv({}, 'check', path);
    assert.equal(await exited(check), 0, check.output());
    console.log(`# repair qdevice after ${fault?.name ?? 'nothing'}: ${(wallMs / 1000).toFixed(1)} s wall (CLI start to report)`);
    return { pve1: marks.pve1, pve2: marks.pve2, qnetd: marks.qnetd, output: run.output() };
  }

  it('a healthy QDevice: nothing to repair, no gate, nothing acted', async () => {
    const marks = await repair(null, /nothing to repair/);
    for (const h of ['pve1', 'pve2', 'qnetd'] as const) assert.deepEqual(since(h, marks[h], /restart|certutil|pvecm qdevice|enable --now/), [], h);
  });

  it('corosync-qdevice killed on pve2: the daemon restarted there, once; no pvecm qdevice', async () => {
    const marks = await repair({ host: 'pve2', name: 'qdevice-dead' }, /restart-qdevice\s+done/);
    assert.equal(since('pve2', marks.pve2, /^systemctl restart corosync-qdevice$/).length, 1);
    assert.deepEqual(since('pve1', marks.pve1, /pvecm qdevice|restart corosync-qdevice/), []);
  });

  it("pve2's certificate store removed (NR): pvecm qdevice remove + setup --force, once each (real setup leaves no certificates to re-import)", async () => {
    const marks = await repair({ host: 'pve2', name: 'qdevice-certs' }, /resetup-qdevice\s+done/);
    assert.equal(since('pve1', marks.pve1, /^pvecm qdevice remove$/).length, 1);
    assert.equal(since('pve1', marks.pve1, /^pvecm qdevice setup 10\.213\.7\.13 --force$/).length, 1);
    assert.deepEqual(since('pve2', marks.pve2, /^systemctl restart corosync-qdevice$/), [], 'a restart alone could not help: not tried');
  });

  it('the qnetd VM powered off: no destructive plan, nothing removed, a non-zero exit naming what to fix; back on, healthy without a repair', async () => {
    await labAsync('poweroff', 'qnetd');
    await healthBecomes(config, 'CRITICAL');
    const marks = audit('pve1').length;
    const run = cli(PORT, 'repair', 'qdevice', path, '--auto-approve');
    assert.notEqual(await exited(run), 0, run.output());
    assert.match(
      run.output(),
      /nothing can be repaired safely now, nothing was changed: .*qnetd \(10\.213\.7\.13\) does not answer over SSH.*power it on or mend the network/s,
    );
    assert.deepEqual(since('pve1', marks, /pvecm qdevice/), [], 'no pvecm qdevice remove or setup');
    assert.match(inHostText('pve1', 'cat /etc/pve/corosync.conf'), /host: 10\.213\.7\.13/, "corosync.conf's QDevice left in place");
    await labAsync('poweron', 'qnetd');
    await healthBecomes(config, 'OK');
    const check = cliWithEnv({}, 'check', path);
    assert.equal(await exited(check), 0, check.output());
  });

  it('a re-setup whose setup fails after the remove: report and notice say the cluster has no QDevice and the way back, which then works', async () => {
    // The owner's phone: a webhook on this machine, named in a copy of the config the repair runs from.
    const phone = await webhookFor(path, 'cluster-notified');
    const notified = phone.configPath;
    try {
      await labAsync('fault', 'pve2', 'qdevice-certs', 'on');
      await healthBecomes(config, 'CRITICAL');
      await labAsync('fault', 'qnetd', 'qnetd-signing-broken', 'on');
      const marks = audit('pve1').length;
      const failed = cli(PORT, 'repair', 'qdevice', notified, '--auto-approve');
      assert.notEqual(await exited(failed), 0, failed.output());
      assert.match(failed.output(), /STATE LEFT: pvecm qdevice remove ran and the setup did not complete, so the cluster has NO QDevice now/);
      assert.match(failed.output(), /corosync-qnetd-certutil: can't write the NSS database/, "the setup's own words");
      assert.equal(since('pve1', marks, /^pvecm qdevice remove$/).length, 1);
      assert.doesNotMatch(inHostText('pve1', 'cat /etc/pve/corosync.conf'), /host: 10\.213\.7\.13/, 'the report tells the truth: no device left');
      // The notice is the workflow's last act and may reach the webhook a moment after the CLI saw the run end.
      for (let i = 0; i < 120 && !phone.received.some((r) => r.alert.kind === 'run-failed'); i++) await delay(250);
      const notice = phone.received.map((r) => r.alert).find((a) => a.kind === 'run-failed');
      assert.ok(notice, `a run-failed notice (got ${phone.received.map((r) => r.alert.kind).join(', ') || 'none'})`);
      assert.match(notice.problems[0], /NO QDevice now .*Way back: .*pve-twonode repair qdevice \/\S+\/cluster-notified\.yaml/s);

      // The way back the notice gives: mend the VM, repair again (a setup only: nothing is left to remove).
      await labAsync('fault', 'qnetd', 'qnetd-signing-broken', 'off');
      const mark2 = audit('pve1').length;
      const again = cli(PORT, 'repair', 'qdevice', notified, '--auto-approve');
      assert.equal(await exited(again), 0, again.output());
      assert.deepEqual(since('pve1', mark2, /^pvecm qdevice remove$/), [], 'nothing left to remove');
      assert.equal(since('pve1', mark2, /^pvecm qdevice setup 10\.213\.7\.13 --force$/).length, 1);
      const check = cliWithEnv({}, 'check', path);
      assert.equal(await exited(check), 0, check.output());
    } finally {
      await labAsync('fault', 'qnetd', 'qnetd-signing-broken', 'off').catch(() => undefined);
      phone.close();
    }
  });

  it("corosync-qnetd stopped on the VM: started again by the guide's own qnetd step, once", async () => {
    const marks = await repair({ host: 'qnetd', name: 'qnetd-stopped' }, /start-qnetd\s+done/);
    assert.equal(since('qnetd', marks.qnetd, /^systemctl enable --now corosync-qnetd$/).length, 1);
    assert.deepEqual(since('pve1', marks.pve1, /pvecm qdevice/), []);
  });

  it('the qnetd VM rebuilt (a new CA): the lighter repairs do not apply, pvecm qdevice remove + setup --force, once each', async () => {
    const marks = await repair({ host: 'qnetd', name: 'qnetd-rebuilt' }, /resetup-qdevice\s+done/);
    assert.equal(since('pve1', marks.pve1, /^pvecm qdevice remove$/).length, 1);
    assert.equal(since('pve1', marks.pve1, /^pvecm qdevice setup 10\.213\.7\.13 --force$/).length, 1);
    // pvecm qdevice setup itself imports the certificates on pve2; the repairs before it were not tried.
    assert.match(marks.output, /restart-qdevice\s+pending[\s\S]*resetup-qdevice\s+done/, 'nothing lighter was tried: it could not help');
  });

  it('a setup that stopped half-way (corosync-qdevice missing on pve2): installed there, then setup --force, once each', async () => {
    const marks = await repair({ host: 'pve2', name: 'qdevice-half' }, /install-qdevice\s+done[\s\S]*resetup-qdevice\s+done/);
    assert.equal(since('pve2', marks.pve2, /apt-get install -y corosync-qdevice$/).length, 1);
    assert.equal(since('pve1', marks.pve1, /apt-get install -y corosync-qdevice$/).length, 0, 'pve1 had it');
    assert.equal(since('pve1', marks.pve1, /^pvecm qdevice setup 10\.213\.7\.13 --force$/).length, 1);
    assert.deepEqual(since('pve1', marks.pve1, /^pvecm qdevice remove$/), [], 'nothing to remove: the device never reached corosync.conf');
  });

  async function maintenance(node: string, action: 'on' | 'off', exit: number) {
    const mark = audit('pve1').length;
    const started = Date.now();
    const run = cli(PORT, 'maintenance', path, node, action, '--auto-approve');
    assert.equal(await exited(run), exit, run.output());
    console.log(`# maintenance ${node} ${action}: ${((Date.now() - started) / 1000).toFixed(1)} s wall, exit ${exit}`);
    return { output: run.output(), enables: since('pve1', mark, /^ha-manager crm-command node-maintenance (enable|disable) /) };
  }

  it('maintenance on is refused while the QDevice does not vote: nothing asked, nothing changed', async () => {
    await labAsync('fault', 'pve2', 'qdevice-dead', 'on');
    try {
      await healthBecomes(config, 'CRITICAL');
      const { output, enables } = await maintenance('pve1', 'on', 1);
      assert.match(output, /refused: taking pve1 down now would leave the other node without quorum/);
      assert.doesNotMatch(output, /WAITING FOR APPROVAL/);
      assert.deepEqual(enables, []);
    } finally {
      await labAsync('fault', 'pve2', 'qdevice-dead', 'off');
    }
    await healthBecomes(config, 'OK');
  });

  it('maintenance on rejected at its gate: a gate it is not waiting at is refused with its gates; the rejection ends it, nothing changed', async () => {
    const mark = audit('pve1').length;
    const run = cli(PORT, 'maintenance', path, 'pve1', 'on', '--follow');
    for (const deadline = Date.now() + 120_000; !run.output().includes('WAITING FOR APPROVAL of "maintenance-on"'); await delay(500))
      if (Date.now() > deadline) assert.fail(run.output());
    const wrong = cli(PORT, 'approve', 'labclu', 'maintenance-off');
    assert.equal(await exited(wrong), 2, wrong.output());
    assert.equal(
      wrong.output(),
      'refused by pve-twonode-maintenance-labclu: "maintenance-off" is not a gate of maintenance on for pve1: it waits for maintenance-on; its gates: maintenance-on\n',
    );
    const reject = cli(PORT, 'reject', 'labclu', 'maintenance-on', '--reason', 'not tonight');
    assert.equal(await exited(reject), 0, reject.output());
    assert.equal(await exited(run), 1, run.output());
    assert.match(run.output(), /rejected at maintenance-on: not tonight/);
    assert.deepEqual(since('pve1', mark, /^ha-manager crm-command/), [], 'nothing acted');
  });

  it('maintenance on: vm:100 moves to pve2, check says WARNING; off: it comes back, 3 of 3 votes, check OK', async () => {
    const on = await maintenance('pve1', 'on', 0);
    assert.match(on.output, /pve1 in HA maintenance; vm:100 started on pve2: pve1 can go down/);
    assert.deepEqual(on.enables, ['ha-manager crm-command node-maintenance enable pve1']);
    const warning = cliWithEnv({}, 'check', path);
    assert.equal(await exited(warning), 1, warning.output());
    assert.match(warning.output(), /pve1 left in HA maintenance/);
    assert.match(inHostText('pve1', 'cat /etc/pve/pve-twonode/maintenance-pve1.json'), /"movedAway":\["vm:100"\]/, 'where vm:100 ran is kept');
    const off = await maintenance('pve1', 'off', 0);
    assert.match(off.output, /pve1 back in HA \((active|idle)\), 3 of 3 votes; vm:100 started on pve1/);
    assert.deepEqual(off.enables, ['ha-manager crm-command node-maintenance disable pve1']);
    const ok = cliWithEnv({}, 'check', path);
    assert.equal(await exited(ok), 0, ok.output());
  });

  it('maintenance on for the node without guests, then off: nothing is waited for that was not moved; off again is done at once', async () => {
    const on = await maintenance('pve2', 'on', 0);
    assert.match(on.output, /pve2 in HA maintenance; vm:100 started on pve1/);
    assert.match(inHostText('pve1', 'cat /etc/pve/pve-twonode/maintenance-pve2.json'), /"movedAway":\[\]/);
    const off = await maintenance('pve2', 'off', 0);
    assert.match(off.output, /pve2 back in HA \((active|idle)\), 3 of 3 votes; vm:100 started on pve1/);
    const started = Date.now();
    const again = await maintenance('pve2', 'off', 0);
    assert.match(again.output, /pve2 is already out of HA maintenance/);
    assert.deepEqual(again.enables, [], 'nothing disabled twice');
    assert.ok(Date.now() - started < 60_000, 'no wait for guests that never left');
  });

  async function move(file: string, to: string) {
    const marks: Record<string, number> = Object.fromEntries(['pve1', 'pve2', 'qnetd', 'qnetd2'].map((h) => [h, audit(h).length]));
    const started = Date.now();
    const run = cli(PORT, 'repair', 'move-qnetd', file, '--to', to, '--auto-approve');
    assert.equal(await exited(run), 0, run.output());
    console.log(`# repair move-qnetd --to ${to}: ${((Date.now() - started) / 1000).toFixed(1)} s wall (CLI start to report)`);
    const check = cliWithEnv({}, 'check', file);
    assert.equal(await exited(check), 0, check.output());
    return { marks, output: run.output() };
  }

  it("move-qnetd to a fresh VM (qnetd2): prepared by the guide's steps, remove + setup once each, the old VM not contacted; then back", async () => {
    const moved = (await labAsync('add-qnetd2')).trim();
    const target = loadConfig(moved).qdevice.ip;
    // The config names the new VM, which has no corosync-qnetd yet: CRITICAL, and the verdict names the move.
    const before = cliWithEnv({}, 'check', moved);
    assert.equal(await exited(before), 2, before.output());
    assert.ok(before.output().includes(`repair move-qnetd ${moved} --to ${target}`), before.output());

    const there = await move(moved, target);
    assert.match(there.output, /qnetd\s+done[\s\S]*qdevice-prereqs\s+done[\s\S]*move-qnetd\s+done/);
    assert.match(there.output, /moved from 10\.213\.7\.13 to 10\.213\.7\.14; the old qnetd host 10\.213\.7\.13 was not contacted/);
    assert.equal(since('qnetd2', there.marks.qnetd2, /apt-get install -y corosync-qnetd$/).length, 1);
    assert.equal(since('pve1', there.marks.pve1, /^pvecm qdevice remove$/).length, 1);
    assert.equal(since('pve1', there.marks.pve1, /^pvecm qdevice setup 10\.213\.7\.14 --force$/).length, 1);
    assert.deepEqual(since('qnetd', there.marks.qnetd, /./), [], 'the old VM received no command');
    const old = cliWithEnv({}, 'check', path);
    assert.equal(await exited(old), 1, 'the old cluster.yaml is now the stale one');

    // Back to the first VM: corosync-qnetd is still installed there, so only the move acts.
    const back = await move(path, config.qdevice.ip);
    assert.match(back.output, /qnetd\s+skipped-already-done/);
    assert.deepEqual(since('qnetd', back.marks.qnetd, /apt-get install/), []);
    assert.equal(since('pve1', back.marks.pve1, /^pvecm qdevice setup 10\.213\.7\.13 --force$/).length, 1);
    assert.deepEqual(since('qnetd2', back.marks.qnetd2, /./), [], 'the VM left behind received no command');
  });

  it('move-qnetd when the QDevice already uses the named VM: nothing to move, no gate', async () => {
    const { output } = await move(path, config.qdevice.ip);
    assert.match(output, /nothing to move/);
    assert.doesNotMatch(output, /WAITING FOR APPROVAL/);
  });

  it('drill: pve1 (it runs vm:100) powered off hard, pve2 takes over, pve1 back; the recovery time kept; the guard pages nothing of it, one summary', async () => {
    // The guard watches throughout, as it would on a real cluster: the drill is the owner's own work.
    const phone = await webhookFor(path, 'cluster-guarded');
    const guard = cli(PORT, 'guard', phone.configPath, '--every', '5s');
    assert.equal(await exited(guard), 0, guard.output());
    for (let i = 0; i < 60 && !(await healthSays('OK')); i++) await delay(1_000);
    const started = Date.now();
    const run = cli(PORT, 'drill', path, '--auto-approve');
    assert.equal(await exited(run), 0, run.output());
    for (let i = 0; i < 120 && !phone.received.some((r) => r.alert.kind === 'summary'); i++) await delay(1_000);
    const deleted = cli(PORT, 'guard', phone.configPath, '--delete');
    await exited(deleted);
    phone.close();
    assert.deepEqual(
      phone.received.map((r) => `${r.alert.kind}:${r.alert.status}`),
      ['summary:OK'],
      `a node off in the drill paged nobody; one summary once it settled (got ${phone.received.map((r) => r.alert.summary).join(' | ')})`,
    );
    assert.match(phone.received[0].alert.summary, /the failover drill ended \(passed\); the cluster is OK/);
    const recovery = /failover recovery time: (\d+\.\d) s/.exec(run.output())?.[1];
    assert.ok(recovery, run.output());
    console.log(`# drill: ${((Date.now() - started) / 1000).toFixed(1)} s wall, recovery ${recovery} s (down_for ${config.failover.down_for})`);
    assert.match(run.output(), /drill\s+done .*pve2 stayed quorate with 2 of 3 votes and started vm:100/);
    // The drill ends at 3 of 3 votes; the rebooted node's HA LRM reports in a few seconds later.
    await healthBecomes(config, 'OK');
    const check = cliWithEnv({}, 'check', path);
    assert.equal(await exited(check), 0, check.output());
    assert.match(check.output(), new RegExp(`failover test passed on .* \\(recovery ${recovery} s\\)`));
    const rows = JSON.parse(
      await (async () => {
        const list = cli(PORT, 'clusters', '--json');
        await exited(list);
        return list.output();
      })(),
    ) as { cluster: string; lastDrillRecoveryMs: number | null }[];
    assert.equal(((rows.find((r) => r.cluster === 'labclu')?.lastDrillRecoveryMs ?? 0) / 1000).toFixed(1), recovery);
  });
});
