/** lab up / down: idempotent, fast, and nothing left behind (namespaces, links, mounts, processes, files, /etc). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LAB_DIR, lab, labUnavailable } from './helpers/lab';

const netns = () => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);
const labProcesses = () =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => /^lab-init |lab-boot /.test(l));

describe('lab lifecycle', { skip: labUnavailable() }, () => {
  it('comes up (twice: idempotent) and goes down within 30 s, leaving nothing behind', () => {
    const etcBefore = readdirSync('/etc').sort();
    const started = Date.now();
    lab('up');
    const upMs = Date.now() - started;
    assert.match(lab('status'), /== pve1 10\.213\.7\.11: on[\s\S]*== pve2 10\.213\.7\.12: on[\s\S]*== qnetd 10\.213\.7\.13: on/);
    const keyBefore = readFileSync(`${LAB_DIR}/cluster.yaml`, 'utf8');
    lab('up');
    assert.equal(readFileSync(`${LAB_DIR}/cluster.yaml`, 'utf8'), keyBefore, 'a second lab up keeps the hosts and their keys');
    const downStarted = Date.now();
    lab('down');
    const downMs = Date.now() - downStarted;
    console.log(`# lab up ${(upMs / 1000).toFixed(1)} s, lab down ${(downMs / 1000).toFixed(1)} s`);
    assert.ok(upMs + downMs < 30_000);
    assert.deepEqual(
      netns().filter((n) => ['pve1', 'pve2', 'qnetd', 'pvetn-sw'].includes(n)),
      [],
    );
    assert.ok(!execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' }).includes('pvetn0'));
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(LAB_DIR));
    assert.deepEqual(labProcesses(), []);
    assert.ok(!existsSync(LAB_DIR));
    assert.deepEqual(readdirSync('/etc').sort(), etcBefore, "nothing written to the machine's /etc");
    lab('down'); // twice is fine
  });
});
