/**
 * `pve-twonode update` on the lab, against the real Proxmox VE code and the real HA: newer packages published in the
 * lab's apt repository (a new kernel for every host), then the rolling update with every gate approved. Sampled every
 * second while it runs: each node's quorum (some node must be quorate on at least 2 votes at every sample) and where
 * the HA guest runs (the seconds no node ran it). After: every host on the new versions and kernel, `check` exits 0,
 * and a second update finds nothing to do and asks nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import type { ClusterConfig } from '../src/config/schema';
import { LAB_DIR, audit, auditSince, builtLabWithWorker, inHost, labAsync, labUnavailable } from './helpers/lab';
import { cli, cliWithEnv, exited, startWorker, stop, type Proc } from '../lab/driver/processes';

const PORT = 18453;
const run = promisify(execFile);
const LAB_SH = join(__dirname, '..', 'lab', 'lab.sh');

interface Sample {
  at: number;
  /** Per node: votes when quorate, 0 when not quorate, null when it did not answer (powered off, booting). */
  votes: Record<string, number | null>;
  guestRunning: boolean;
}

/** One look at a node: its quorum and whether the HA guest's process runs there (the kvm stand-in, VM 100). */
async function look(host: string): Promise<{ votes: number | null; guest: boolean }> {
  const probe = 'corosync-quorumtool -s 2>/dev/null | grep -E "^(Quorate|Total votes):"; pgrep -f -- "-id 100 " >/dev/null && echo guest';
  try {
    const { stdout } = await run('bash', [LAB_SH, 'x', host, 'sh', '-c', probe], { timeout: 3_000 });
    const votes = /^Total votes:\s+(\d+)/m.exec(stdout)?.[1];
    const quorate = /^Quorate:\s+Yes/m.test(stdout);
    return { votes: votes === undefined ? null : quorate ? Number(votes) : 0, guest: /^guest$/m.test(stdout) };
  } catch {
    return { votes: null, guest: false };
  }
}

describe('pve-twonode update on the lab (real apt, real Proxmox VE code, real HA)', { skip: labUnavailable() }, () => {
  const suite = builtLabWithWorker(PORT, 'update.db');
  const procs = suite.procs;
  let config: ClusterConfig;
  let path: string;
  before(() => ({ config, path } = suite));

  /** Publishes the next generation of packages in the lab's repository; returns its number (lab/apt-repo.sh). */
  async function publish(): Promise<number> {
    await labAsync('publish-updates');
    return Number(readFileSync(join(LAB_DIR, 'repo', 'generation'), 'utf8'));
  }
  const baseFiles = (host: string) => inHost(host, "dpkg-query -W -f='${Version}' lab-base-files").trim();

  const since = auditSince;
  const marks = () => Object.fromEntries(['pve1', 'pve2', 'qnetd'].map((h) => [h, audit(h).length])) as Record<string, number>;
  const UPGRADE = /^DEBIAN_FRONTEND=noninteractive apt-get -y .* dist-upgrade$/;
  /** Waits until the host's audit log shows a dist-upgrade received after the mark. */
  async function upgradeStarted(host: string, mark: number): Promise<void> {
    for (const deadline = Date.now() + 180_000; since(host, mark, UPGRADE).length === 0; await delay(100))
      assert.ok(Date.now() < deadline, `the dist-upgrade never started on ${host}`);
  }
  const SIMULATE = /^apt-get -s dist-upgrade$/;

  /** Never a blind dist-upgrade: every one is preceded, since the act before it, by apt's simulation on that host. */
  function assertNoBlindUpgrade(host: string, mark: number): number {
    let simulated = false;
    let upgrades = 0;
    for (const line of audit(host).slice(mark)) {
      if (SIMULATE.test(line)) simulated = true;
      if (/^DEBIAN_FRONTEND=noninteractive (apt-get -y|dpkg --force)/.test(line)) {
        if (UPGRADE.test(line)) {
          assert.ok(simulated, `${host}: a dist-upgrade with no simulation before it`);
          upgrades++;
        }
        simulated = false;
      }
    }
    return upgrades;
  }

  it('nothing published: the plan says nothing to do, no gate, nothing acted', async () => {
    const update = cli(PORT, 'update', path, '--auto-approve');
    assert.equal(await exited(update), 0, update.output());
    assert.match(update.output(), /nothing to do: pve1: no package to change/);
    assert.doesNotMatch(update.output(), /WAITING FOR APPROVAL/);
  });

  it('updates published for every host: one host at a time, every host on the new kernel, the survivor quorate at every sample', async () => {
    const gen = await publish();
    const samples: Sample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const at = Date.now();
        const [pve1, pve2] = await Promise.all([look('pve1'), look('pve2')]);
        samples.push({ at, votes: { pve1: pve1.votes, pve2: pve2.votes }, guestRunning: pve1.guest || pve2.guest });
        await delay(Math.max(0, 1_000 - (Date.now() - at)));
      }
    })();
    const started = Date.now();
    const update = cli(PORT, 'update', path, '--auto-approve');
    const code = await exited(update);
    sampling = false;
    await sampler;
    const wallS = (Date.now() - started) / 1000;
    assert.equal(code, 0, update.output());

    // Each host on the new generation, booted into its new kernel.
    for (const [host, kernel] of [
      ['pve1', `6.8.12-${gen}-pve`],
      ['pve2', `6.8.12-${gen}-pve`],
      ['qnetd', `6.1.0-${gen}-amd64`],
    ]) {
      assert.equal(baseFiles(host), `1.${gen}`, host);
      assert.equal(inHost(host, 'uname -r').trim(), kernel, host);
    }
    const check = cliWithEnv({}, 'check', path);
    assert.equal(await exited(check), 0, check.output());

    // Quorum: at every sample some node answered quorate with 2 votes or more (the survivor of a reboot).
    const lost = samples.filter((s) => !Object.values(s.votes).some((v) => v !== null && v >= 2));
    const reboots = samples.filter((s) => Object.values(s.votes).some((v) => v === null)).length;
    const minVotes = Math.min(...samples.map((s) => Math.max(...Object.values(s.votes).map((v) => v ?? 0))));
    const guestDownS = samples.filter((s) => !s.guestRunning).length;
    console.log(
      `# update of 3 hosts: ${wallS.toFixed(0)} s wall; ${samples.length} samples, ${reboots} with a node not answering; lowest votes of the best node ${minVotes}; vm:100 seen running on neither node in ${guestDownS} samples`,
    );
    assert.deepEqual(lost, [], 'a sample with no node quorate on 2 votes');
    assert.equal(guestDownS, 0, 'vm:100 was down while the update moved it');
  });

  it('run again: nothing left to do', async () => {
    const update = cli(PORT, 'update', path, '--auto-approve');
    assert.equal(await exited(update), 0, update.output());
    assert.match(update.output(), /nothing to do/);
  });

  it("a package script fails on pve1: the update stops there with dpkg's words, pve2 and the VM untouched; fixed, a new run finishes it", async () => {
    await labAsync('fault', 'pve1', 'hook-fails', 'on');
    const gen = await publish();
    const mark = marks();
    const failed = cli(PORT, 'update', path, '--auto-approve', '--reboot', 'never');
    assert.equal(await exited(failed), 1, failed.output());
    assert.match(failed.output(), /apt-get dist-upgrade on pve1 failed \(exit 100\): .*configuration failed \(lab fault hook-fails\)/);
    for (const host of ['pve2', 'qnetd']) assert.deepEqual(since(host, mark[host], UPGRADE), [], host);
    assert.match(inHost('pve1', 'dpkg --audit'), /lab-base-files/);

    // The cause fixed; pve1 out of the maintenance the update left it in; the update again.
    await labAsync('fault', 'pve1', 'hook-fails', 'off');
    const off = cli(PORT, 'maintenance', path, 'pve1', 'off', '--auto-approve');
    assert.equal(await exited(off), 0, off.output());
    const again = marks();
    const rerun = cli(PORT, 'update', path, '--auto-approve', '--reboot', 'never', '--only', 'pve1');
    assert.equal(await exited(rerun), 0, rerun.output());
    assert.equal(since('pve1', again.pve1, /dpkg --force-confdef --force-confold --configure -a$/).length, 1);
    assert.equal(baseFiles('pve1'), `1.${gen}`);
    assertNoBlindUpgrade('pve1', again.pve1);
    assert.equal(inHost('pve1', 'dpkg --audit').trim(), '');
  });

  /** An update of pve2 alone with a 30 s package script, returned once its dist-upgrade has started. */
  async function updatePve2WithSlowScript(): Promise<{ gen: number; mark: Record<string, number>; update: Proc }> {
    await labAsync('fault', 'pve2', 'slow-hook', 'on');
    const gen = await publish();
    const mark = marks();
    const update = cli(PORT, 'update', path, '--auto-approve', '--only', 'pve2', '--reboot', 'never');
    await upgradeStarted('pve2', mark.pve2);
    return { gen, mark, update };
  }

  /** pve2 finished as if nothing happened: on the new generation, dpkg clean, no dist-upgrade without a simulation. */
  async function pve2FinishedCleanly(gen: number, mark: Record<string, number>): Promise<string> {
    await labAsync('fault', 'pve2', 'slow-hook', 'off');
    const upgrades = assertNoBlindUpgrade('pve2', mark.pve2);
    assert.equal(baseFiles('pve2'), `1.${gen}`);
    assert.equal(inHost('pve2', 'dpkg --audit').trim(), '');
    return `${upgrades} dist-upgrade(s), ${since('pve2', mark.pve2, /--configure -a$/).length} dpkg --configure -a`;
  }

  it('the worker SIGKILLed during the apt run on pve2: another worker finishes it, dpkg finished first, no blind second dist-upgrade', async () => {
    const { gen, mark, update } = await updatePve2WithSlowScript();
    await delay(6_000); // inside lab-base-files' postinst (30 s)
    await stop(procs[1], 'SIGKILL');
    procs[1] = startWorker(PORT);
    // The CLI following the run may find no worker while the new one starts (exit 6, "start one"): watched again, as
    // its owner would.
    let code = await exited(update);
    let output = update.output();
    for (let tries = 0; code === 6 && tries < 12; tries++) {
      await delay(5_000);
      const watch = cli(PORT, 'watch', config.cluster.name, '--kind', 'update');
      code = await exited(watch);
      output += watch.output();
    }
    assert.equal(code, 0, output);
    console.log(`# worker killed mid-apt on pve2: ${await pve2FinishedCleanly(gen, mark)}`);
  });

  it('the link to pve2 lost for 40 s during its apt run: the update waits it out and finishes, no blind second dist-upgrade', async () => {
    const { gen, mark, update } = await updatePve2WithSlowScript();
    await delay(3_000);
    await labAsync('fault', 'pve2', 'unplugged', 'on');
    await delay(40_000);
    await labAsync('fault', 'pve2', 'unplugged', 'off');
    assert.equal(await exited(update), 0, update.output());
    console.log(`# link to pve2 lost 40 s mid-apt: ${await pve2FinishedCleanly(gen, mark)}`);
  });

  it('pve2 does not come back from its reboot: the update asks at update-pve2-wait, pve1 untouched; back and approved, it finishes', async () => {
    await labAsync('fault', 'pve2', 'no-boot', 'on');
    const gen = await publish();
    const mark = marks();
    const update = cli(PORT, 'update', path, '--follow', '--only', 'pve2', '--reboot-timeout', '1m');
    const waitFor = async (text: string) => {
      for (const deadline = Date.now() + 600_000; !update.output().includes(text); await delay(500))
        assert.ok(Date.now() < deadline, `never saw "${text}": ${update.output()}`);
    };
    await waitFor('WAITING FOR APPROVAL of "update-pve2"');
    const approve = cli(PORT, 'approve', 'labclu', 'update-pve2');
    assert.equal(await exited(approve), 0, approve.output());
    await waitFor('WAITING FOR APPROVAL of "update-pve2-wait"');
    assert.match(update.output(), /pve2 did not come back within 1m of its reboot/);
    assert.deepEqual(since('pve1', mark.pve1, /dist-upgrade$|systemctl reboot/), [], 'pve1 was touched');
    await labAsync('fault', 'pve2', 'no-boot', 'off');
    await labAsync('poweron', 'pve2');
    const wait = cli(PORT, 'approve', 'labclu', 'update-pve2-wait');
    assert.equal(await exited(wait), 0, wait.output());
    assert.equal(await exited(update), 0, update.output());
    assert.equal(inHost('pve2', 'uname -r').trim(), `6.8.12-${gen}-pve`);
    const check = cliWithEnv({}, 'check', path);
    assert.equal(await exited(check), 0, check.output());
  });
});
