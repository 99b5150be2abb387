/**
 * `pve-twonode replace-node` on the lab, against the real Proxmox VE code: a node only unreachable from the worker is
 * refused; then pve2 powered off for good (`check` names it, with replace-node, once silent past unknown_after), and
 * `replace-node --auto-approve` leaves pve1 quorate alone (1 of 1 vote, /etc/pve writable, vm:100 running) and waits; the worker is killed during the wait; `lab reinstall pve2` wipes it
 * (new host keys, new root key); a wrong host key is refused before anything is sent; the right one lets the run go
 * on to 3 of 3 from both sides and `check` 0, with one root@pve2 key line and no stale known_hosts entry.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { healthCheck } from '../activities/health-check';
import { WorkerResources } from '../activities/runtime/resources';
import { parsePvecmStatus } from '../src/parsers/pvecm-status';
import type { RunProgress } from '../workflows/progress';
import { LAB_DIR, builtLabWithWorker, inHost, labAsync, labUnavailable } from './helpers/lab';
import { cli, cliWithEnv, exited, startWorker, stop } from '../lab/driver/processes';

const PORT = 18463;
const PVE2_IP = '10.213.7.12';
const pvecm = (host: string) => parsePvecmStatus(inHost(host, 'pvecm status || true'));
/** The base64 of every host key pve2 has now (rsa, ecdsa, ed25519). */
const pve2Keys = () =>
  ['rsa', 'ecdsa', 'ed25519'].map((t) => readFileSync(join(LAB_DIR, 'hosts', 'pve2', 'etc-ssh', `ssh_host_${t}_key.pub`), 'utf8').split(' ')[1]);
const rootKeyLines = () => inHost('pve1', "grep -c ' root@pve2$' /etc/pve/priv/authorized_keys || true").trim();
const seconds = (s: { startedAt: string | null; endedAt: string | null }) =>
  s.startedAt && s.endedAt ? ((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1) : '-';

describe('pve-twonode replace-node on the lab (real Proxmox VE code)', { skip: labUnavailable() }, () => {
  const suite = builtLabWithWorker(PORT, 'replace.db');
  const phases: string[] = [];

  it('a node alive in corosync but unreachable from the worker is refused, and nothing is touched', async () => {
    // The worker's route to pve2 only: pve1 and the VM still see it, corosync keeps it a member.
    execFileSync('ip', ['route', 'add', 'blackhole', `${PVE2_IP}/32`]);
    try {
      const run = cli(PORT, 'replace-node', suite.path, 'pve2', '--dead-for', '10s', '--follow');
      assert.equal(await exited(run), 1, run.output());
      assert.match(
        run.output(),
        /corosync still counts it as a member .*: the network between the worker and pve2 is at fault, not the node; nothing was changed/,
      );
    } finally {
      execFileSync('ip', ['route', 'del', 'blackhole', `${PVE2_IP}/32`]);
    }
    assert.equal(pvecm('pve1').totalVotes, 3);
    assert.equal(rootKeyLines(), '1');
  });

  it('pve2 dead for good: removed behind one approval, pve1 quorate alone; the reinstall (worker killed meanwhile) rejoins it on 3 of 3', async () => {
    // The owner once logged in from pve1 to pve2 with plain ssh: pve1's known_hosts has pve2's key (it goes stale).
    inHost('pve1', `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@${PVE2_IP} true`);
    const oldKeys = pve2Keys();
    // Which node holds the HA manager lock decides whether the removal waits for pve1 to take it over (about 2 min).
    console.log(`# before the power-off: ${inHost('pve1', 'ha-manager status | grep ^master').trim()}`);
    await labAsync('poweroff', 'pve2');
    // check: pve2 out of the cluster, and, silent past notify.unknown_after (1 s here), CRITICAL with replace-node.
    const impatient = { ...suite.config, notify: { ...suite.config.notify!, unknown_after: '1s' } };
    let lost = await healthCheck(new WorkerResources(), impatient);
    for (let i = 0; lost.facts[0].status !== 'CRITICAL' && i < 30; i++) {
      await delay(2_000);
      lost = await healthCheck(new WorkerResources(), impatient);
    }
    assert.deepEqual([lost.facts[0].name, lost.facts[0].status], ['nodes', 'CRITICAL'], lost.summary);
    assert.match(
      lost.summary,
      /nodes: pve2 is no cluster member, silent since \S+ \(\d+ s\), longer than notify\.unknown_after \(1 s\): if it died for good, pve-twonode replace-node <cluster\.yaml> pve2/,
    );
    const t0 = Date.now();
    const replace = cli(PORT, 'replace-node', suite.path, 'pve2', '--dead-for', '20s', '--auto-approve');
    assert.equal(await exited(replace), 0, replace.output());
    assert.match(replace.output(), /it waits for pve2's reinstall; then: pve-twonode approve labclu reinstalled-pve2 --host-key SHA256:\.\.\./);
    phases.push(`proof + removal until the wait: ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const alone = pvecm('pve1');
    assert.deepEqual([alone.quorate, alone.expectedVotes, alone.totalVotes], [true, 1, 1]);
    // The QDevice gives no vote any more; corosync may still list its row with 0 votes for a while (said here when so).
    assert.ok(alone.qdevice === null || alone.qdevice.votes === 0, JSON.stringify(alone.qdevice));
    if (alone.qdevice)
      console.log(
        `# pve1 after the removal still lists a Qdevice row: ${inHost('pve1', 'pgrep -a corosync-qdevic; corosync-cmapctl | grep -i device || true').replace(/\n/g, ' | ')}`,
      );
    assert.equal(inHost('pve1', 'touch /etc/pve/rp-writetest && rm /etc/pve/rp-writetest && echo writable').trim(), 'writable');
    assert.equal(inHost('pve1', 'ls /etc/pve/nodes').split(/\s+/).filter(Boolean).join(' '), 'pve1');
    assert.equal(rootKeyLines(), '0');
    assert.match(inHost('pve1', 'ha-manager status'), /service vm:100 \(pve1, started\)/);
    assert.match(inHost('pve1', 'ls /root/pve-twonode-backup/replace-pve2-*/'), /config\.db[\s\S]*etc-pve\.tar\.gz[\s\S]*node-pve2\.tar\.gz/);

    // The worker dies during the wait; the run waits in the server.
    await stop(suite.procs[1], 'SIGKILL');
    const t1 = Date.now();
    const newKey = (await labAsync('reinstall', 'pve2')).trim().split('\n').at(-1)!;
    phases.push(`lab reinstall pve2: ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    assert.match(newKey, /^SHA256:/);
    assert.notDeepEqual(pve2Keys(), oldKeys);
    suite.procs[1] = startWorker(PORT);

    const wrong = cli(PORT, 'approve', 'labclu', 'reinstalled-pve2', '--host-key', 'SHA256:' + 'A'.repeat(43));
    assert.equal(await exited(wrong), 2, wrong.output());
    assert.match(
      wrong.output(),
      new RegExp(`refused: pve2 \\(${PVE2_IP.replaceAll('.', '\\.')}\\) presents ${newKey.replace(/[+/]/g, '\\$&')}, not SHA256:A{43}`),
    );

    const t2 = Date.now();
    // The new worker answers within seconds; until then approve says so (exit 6) and sends nothing.
    let approve = cli(PORT, 'approve', 'labclu', 'reinstalled-pve2', '--host-key', newKey);
    for (let i = 0; (await exited(approve)) === 6 && i < 60; i++) {
      await delay(1_000);
      approve = cli(PORT, 'approve', 'labclu', 'reinstalled-pve2', '--host-key', newKey);
    }
    assert.equal(await exited(approve), 0, approve.output());
    assert.match(approve.output(), /presents .*, as given\napproved reinstalled-pve2/);
    const watch = cli(PORT, 'watch', 'labclu', '--kind', 'replace-node');
    assert.equal(await exited(watch), 0, watch.output());
    phases.push(`rejoin after the approval: ${((Date.now() - t2) / 1000).toFixed(0)} s`);
    const status = cli(PORT, 'status', 'labclu', '--kind', 'replace-node', '--json');
    assert.equal(await exited(status), 0);
    const progress = (JSON.parse(status.output()) as { progress: RunProgress<string> }).progress;
    assert.equal(progress.state, 'completed');
    phases.push(progress.steps.map((s) => `${s.step} ${seconds(s)} s`).join(', '));

    for (const host of ['pve1', 'pve2']) {
      const s = pvecm(host);
      assert.deepEqual([s.quorate, s.expectedVotes, s.totalVotes], [true, 3, 3], host);
      assert.ok(
        s.members.every((m) => m.qdeviceFlags === 'A,V,NMW'),
        `${host}: ${JSON.stringify(s.members)}`,
      );
    }
    assert.equal(rootKeyLines(), '1', 'one root@pve2 key line in authorized_keys');
    // No stale entry: none of pve2's old keys is known anywhere, and plain ssh from pve1 no longer cries "changed".
    for (const [host, file] of [
      ['pve1', '/root/.ssh/known_hosts'],
      ['pve1', '/etc/pve/priv/known_hosts'],
      ['qnetd', '/root/.ssh/known_hosts'],
    ]) {
      const text = inHost(host, `cat ${file} 2>/dev/null || true`);
      for (const key of oldKeys) assert.ok(!text.includes(key), `${host}:${file} still has an old key of pve2`);
    }
    const plain = inHost('pve1', `ssh -o BatchMode=yes root@${PVE2_IP} true 2>&1 || true`);
    assert.doesNotMatch(plain, /REMOTE HOST IDENTIFICATION HAS CHANGED/);

    // The owner pins the new key as the run's report says; then check exits 0.
    assert.match(progress.steps.at(-1)?.message ?? '', new RegExp(`ssh.host_key: ${newKey.replace(/[+/]/g, '\\$&')}`));
    const pinned = readFileSync(suite.path, 'utf8').replace(/(name: pve2\n\s+ip: \S+\n\s+ssh:\n\s+host_key: )\S+/, `$1${newKey}`);
    writeFileSync(suite.path, pinned);
    const check = cliWithEnv({}, 'check', suite.path);
    assert.equal(await exited(check), 0, check.output());
    console.log(`# replace-node phases: ${phases.join('; ')}`);
  });
});
