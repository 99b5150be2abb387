/** The CLI as a person runs it: validate and plan need no server and touch no host. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STEP_NAMES } from '../steps';

const root = join(__dirname, '..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
  });

describe('pve-twonode CLI', () => {
  it('validate: lists each bad field of a broken config and exits 2', () => {
    const r = cli('validate', 'test/fixtures/configs/broken.yaml');
    assert.equal(r.status, 2, r.stderr);
    for (const field of [
      'cluster.name',
      'nodes[0].ip',
      'nodes[1].ssh.host_key',
      'nodes[1].ssh.auth',
      'qdevice.ip',
      'ntp.servers',
      'join.password',
      'join.fingerprint',
      'ha.resources[0].sid',
      'ha.resources[0]: unknown key(s) "maxRestart"',
    ])
      assert.ok(r.stderr.includes(field), `missing ${field} in:\n${r.stderr}`);
    assert.match(r.stderr, /e\.g\. homelab/);
  });

  it('validate: accepts the documented example', () => {
    const r = cli('validate', 'examples/cluster.yaml');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /valid \(cluster homelab/);
  });

  it('plan: lists the commands of every step without connecting anywhere', () => {
    const r = cli('plan', 'examples/cluster.yaml');
    assert.equal(r.status, 0, r.stderr);
    STEP_NAMES.forEach((step, i) => assert.match(r.stdout, new RegExp(`^${i}\\. ${step}\\b`, 'm')));
    assert.match(r.stdout, /proxmox2\$ cd \/ && pvecm add 192\.168\.1\.11 --fingerprint [0-9A-F:]{95}\s+<stdin: join\.password \(secret\)>/);
    assert.match(r.stdout, /proxmox1\$ pvecm qdevice setup 192\.168\.1\.13$/m);
  });

  it('approve: refuses an unknown gate before contacting Temporal', () => {
    const r = cli('approve', 'homelab', 'joni');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown gate "joni"/);
  });
});
