/**
 * The guide against the rehearsal lab through a real dev server: the SSH join from freshly installed nodes, and a
 * step that fails after real retries reporting its true attempts.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { readOnlyPass } from '../activities/read-only-pass';
import { loadConfig } from '../src/config/load';
import type { RunProgress } from '../workflows/progress';
import { assertThreeVotes, audit, freshLab, inHost, lab, labSuiteResources, labUnavailable } from './helpers/lab';
import { cli, exited, startDevServer, startWorker, stop } from '../lab/driver/processes';
import { WorkerResources } from '../activities/runtime/resources';

/** A run that hangs fails here instead of holding CI until its own limit. */
const E2E_TIMEOUT_MS = 15 * 60_000;

describe('the SSH join and real retries against the rehearsal lab, through a real dev server', { skip: labUnavailable() }, () => {
  const { dir, procs } = labSuiteResources('pve-twonode-e2e-join-');

  it('join.method use_ssh from freshly installed nodes: join-prereqs creates the trust, the whole guide completes', { timeout: E2E_TIMEOUT_MS }, async () => {
    const { path } = freshLab({ PVE_TWONODE_LAB_JOIN: 'use_ssh' });
    // The join is what this run is about: the real failover (3 minutes of HA) has its own runs (lab-e2e, lab-repair).
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^failover:\n {2}enabled: true$/m, 'failover:\n  enabled: false'));
    assert.match(readFileSync(path, 'utf8'), /^failover:\n {2}enabled: false$/m);
    const port = 17833;
    procs.push(await startDevServer(port, join(dir, 'use-ssh.db')), startWorker(port));
    const started = Date.now();
    const run = cli(port, 'start', path, '--auto-approve', '--follow');
    const code = await exited(run);
    console.log(`# end-to-end run with use_ssh: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(code, 0, run.output());
    assert.match(run.output(), /Run report for cluster labclu: completed/);
    assert.match(run.output(), /pve2 key in pve1:\/root\/\.ssh\/authorized_keys/);
    assert.ok(audit('pve2').includes('cd / && pvecm add 10.213.7.11 --use_ssh 1'), 'joined over SSH');
    assertThreeVotes('pve1');
    assertThreeVotes('pve2');
    for (const p of procs.splice(0)) await stop(p);
    const pass = await readOnlyPass(new WorkerResources(), loadConfig(path));
    assert.equal(pass.verdict, 'pass', JSON.stringify(pass.steps.filter((s) => s.verdict !== 'pass')));
  });

  it('a real step that fails after retries reports its true attempts in progress and status --json', { timeout: E2E_TIMEOUT_MS }, async () => {
    const { path } = freshLab();
    lab('fault', 'pve2', 'guest', 'on'); // preflight then refuses for good (pvecm add would refuse node 2)
    // ...but first pve2 cannot be reached: retryable attempts. Stopped, not killed: a killed sshd is started again
    // within a second (ssh.service has Restart=on-failure, which the lab honours as systemd does).
    inHost('pve2', 'systemctl stop ssh');
    const port = 17633;
    procs.push(await startDevServer(port, join(dir, 'attempts.db')), startWorker(port));
    const run = cli(port, 'start', path, '--follow');
    // sshd back once the first attempt has met the dead one (not on a timer: a slow worker start would miss it).
    const pveversions = () => audit('pve1').filter((c) => c === 'pveversion').length;
    for (const deadline = Date.now() + 120_000; pveversions() < 1 && Date.now() < deadline;) await delay(200);
    await delay(1_000);
    inHost('pve2', 'systemctl start ssh');
    assert.equal(await exited(run), 1, run.output());
    const status = cli(port, 'status', 'labclu', '--json');
    assert.equal(await exited(status), 0, status.output());
    const { status: runStatus, progress } = JSON.parse(status.output()) as { status: string; progress: RunProgress };
    const preflight = progress.steps[0];
    // Every attempt starts with pveversion on pve1: the hosts' own log counts the attempts independently.
    const attempts = audit('pve1').filter((c) => c === 'pveversion').length;
    console.log(`# preflight failed after ${preflight.attempts} attempts (pve1 saw ${attempts})`);
    assert.deepEqual([runStatus, preflight.state], ['FAILED', 'failed']);
    assert.ok(attempts >= 2, `expected retries while pve2 was unreachable, pve1 saw ${attempts} attempts`);
    assert.equal(preflight.attempts, attempts);
    assert.match(preflight.message, /pve2 has guests/);
    for (const p of procs.splice(0)) await stop(p);
  });
});
