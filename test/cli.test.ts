/** The CLI as a person runs it: validate and plan need no server and touch no host. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rawTestConfig } from './helpers/config';
import { STEP_NAMES } from '../steps';

const root = join(__dirname, '..');
const STACK = /^\s+at /m;
const cliWithEnv = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', ...env },
  });
const cli = (...args: string[]) => cliWithEnv({}, ...args);

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

describe('pve-twonode worker --config: the SSH keys decrypted before the worker polls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-worker-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'right horse battery', '-f', keyFile]);
  const config = rawTestConfig();
  for (const host of [...(config.nodes as { ssh: { auth: unknown } }[]), config.qdevice as { ssh: { auth: unknown } }])
    host.ssh.auth = { key_file: keyFile, passphrase: { env: 'KEY_PASSPHRASE' } };
  const file = join(dir, 'cluster.yaml');
  // JSON is YAML.
  writeFileSync(file, JSON.stringify(config));

  it('decrypts the key once, then goes on to Temporal (unreachable here: exit 3)', () => {
    const r = cliWithEnv({ KEY_PASSPHRASE: 'right horse battery' }, 'worker', '--config', file);
    assert.match(r.stdout, new RegExp(`^${file}: SSH key ${keyFile} ready in \\d+ ms$`, 'm'));
    assert.equal(r.status, 3, r.stderr);
    assert.doesNotMatch(r.stdout, /note:/);
  });

  it('notes a cluster whose task queue the worker will not poll', () => {
    const r = cliWithEnv({ KEY_PASSPHRASE: 'right horse battery' }, 'worker', '--task-queue', 'site-b', '--config', file);
    assert.match(
      r.stdout,
      new RegExp(`note: ${file} runs on task queue pve-twonode, which this worker does not poll; start one with --task-queue pve-twonode`),
    );
    assert.equal(r.status, 3, r.stderr);
  });

  it('a wrong passphrase stops the worker with one line naming the fields, before it connects (exit 2)', () => {
    const r = cliWithEnv({ KEY_PASSPHRASE: 'wrong' }, 'worker', '--config', file);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr.trim(),
      new RegExp(`^${file}: proxmox1: cannot use the private key ${keyFile}: .*check ssh\\.auth\\.key_file and ssh\\.auth\\.passphrase$`),
    );
    assert.doesNotMatch(r.stderr, STACK);
  });

  it('a passphrase missing from the environment names ssh.auth.passphrase (exit 2)', () => {
    const r = cliWithEnv({ KEY_PASSPHRASE: '' }, 'worker', '--config', file);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim(), `${file}: ssh.auth.passphrase: environment variable KEY_PASSPHRASE is not set on the worker`);
  });
});
