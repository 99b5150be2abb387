/** `pve-twonode init` against the rehearsal lab: the file it writes pins what the lab pins, refuses a key that differs, and completes a run. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initConfig, type InitOptions } from '../cli/init';
import { loadConfig } from '../src/config/load';
import type { ClusterConfig } from '../src/config/schema';
import { LAB_DIR, freshLab, lab, labUnavailable } from './helpers/lab';
import { cli, exited, startDevServer, startWorker, stop, type Proc } from '../lab/driver/processes';

describe('pve-twonode init against the rehearsal lab', { skip: labUnavailable() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-init-'));
  const procs: Proc[] = [];
  let pinned: ClusterConfig;
  const key = join(LAB_DIR, 'keys', 'id_ed25519');
  const ips = ['--node1', '10.213.7.11', '--node2', '10.213.7.12', '--qdevice', '10.213.7.13', '--key-file', key];
  const keysOf = (c: ClusterConfig) => [
    '--node1-key',
    c.nodes[0].ssh.host_key,
    '--node2-key',
    c.nodes[1].ssh.host_key,
    '--qdevice-key',
    c.qdevice.ssh.host_key,
  ];

  before(() => {
    pinned = freshLab().config;
  });
  after(async () => {
    for (const p of procs) await stop(p, 'SIGKILL');
    lab('down');
    rmSync(dir, { recursive: true, force: true });
  });

  it('with the fingerprints given: writes a valid cluster.yaml pinning what lab up pins, with the API fingerprint and the guest', async () => {
    const out = join(dir, 'cluster.yaml');
    const passwordFile = join(LAB_DIR, 'keys', 'pve1-root-password');
    const init = cli(1, 'init', ...ips, ...keysOf(pinned), '--name', 'labclu', '--password-file', passwordFile, '--yes', '--out', out);
    assert.equal(await exited(init), 0, init.output());
    const written = loadConfig(out);
    assert.deepEqual(
      [written.nodes.map((n) => [n.name, n.ip, n.ssh.host_key]), [written.qdevice.name, written.qdevice.ssh.host_key]],
      [pinned.nodes.map((n) => [n.name, n.ip, n.ssh.host_key]), [pinned.qdevice.name, pinned.qdevice.ssh.host_key]],
    );
    assert.equal(written.join.method === 'api' && written.join.fingerprint, pinned.join.method === 'api' && pinned.join.fingerprint);
    assert.deepEqual(
      written.ha.resources.map((r) => r.sid),
      ['vm:100'],
    );
    assert.doesNotMatch(readFileSync(out, 'utf8'), new RegExp(readFileSync(passwordFile, 'utf8').trim().replace(/[+/=]/g, '\\$&')), 'no secret in the file');
  });

  it('checks roles: the Debian VM given as a node, or a node given as the QDevice, is refused and nothing is written', async () => {
    const out = join(dir, 'roles.yaml');
    const [n1, n2, vm] = [pinned.nodes[0], pinned.nodes[1], pinned.qdevice];
    const vmAsNode = cli(
      1,
      'init',
      '--node1',
      vm.ip,
      '--node2',
      n2.ip,
      '--qdevice',
      n1.ip,
      '--key-file',
      key,
      '--node1-key',
      vm.ssh.host_key,
      '--node2-key',
      n2.ssh.host_key,
      '--qdevice-key',
      n1.ssh.host_key,
      '--yes',
      '--out',
      out,
    );
    assert.equal(await exited(vmAsNode), 2, vmAsNode.output());
    assert.match(vmAsNode.output(), /^--node1 10\.213\.7\.13 is not a Proxmox VE node \(no pveversion or no \/etc\/pve there\): give the address of a node\n$/);
    const nodeAsVm = cli(
      1,
      'init',
      ...ips.slice(0, 4),
      '--qdevice',
      n2.ip,
      '--key-file',
      key,
      '--node1-key',
      n1.ssh.host_key,
      '--node2-key',
      n2.ssh.host_key,
      '--qdevice-key',
      n2.ssh.host_key,
      '--yes',
      '--out',
      out,
    );
    assert.equal(await exited(nodeAsVm), 2, nodeAsVm.output());
    assert.match(
      nodeAsVm.output(),
      /^--qdevice 10\.213\.7\.12 is a Proxmox VE node \(pve-manager\/9\.\d+\.\d+\/[0-9a-f]+ \(running kernel: [^)]+\)\): give the small Debian VM that will run corosync-qnetd\n$/,
    );
    assert.ok(!existsSync(out));
  });

  it("takes the key's passphrase by reference, as the worker does, and writes the reference, never the value", async () => {
    const out = join(dir, 'passphrase.yaml');
    const phraseFile = join(LAB_DIR, 'keys', 'worker-key-passphrase');
    const encrypted = join(LAB_DIR, 'keys', 'worker_ed25519');
    const args = [
      '--node1',
      '10.213.7.11',
      '--node2',
      '10.213.7.12',
      '--qdevice',
      '10.213.7.13',
      '--key-file',
      encrypted,
      ...keysOf(pinned),
      '--join',
      'use_ssh',
      '--yes',
    ];
    const init = cli(1, 'init', ...args, '--key-passphrase-file', phraseFile, '--out', out);
    assert.equal(await exited(init), 0, init.output());
    assert.deepEqual(loadConfig(out).nodes[0].ssh.auth, { key_file: encrypted, passphrase: { file: phraseFile } });
    assert.doesNotMatch(readFileSync(out, 'utf8'), new RegExp(readFileSync(phraseFile, 'utf8').trim().replace(/[+/=]/g, '\\$&')));
    const without = cli(1, 'init', ...args, '--out', join(dir, 'no-passphrase.yaml'));
    assert.equal(await exited(without), 2, without.output());
    assert.match(without.output(), /cannot connect to 10\.213\.7\.11:22/);
  });

  it('a person confirms each host key it shows; a key that differs from the one given is refused and nothing is written', async () => {
    const questions: string[] = [];
    const options: InitOptions = {
      ips: { node1: '10.213.7.11', node2: '10.213.7.12', qdevice: '10.213.7.13' },
      keyFile: key,
      port: 22,
      hostKeys: {},
      yes: false,
      name: 'labclu',
      join: 'use_ssh',
      passwordFile: '/unused',
    };
    const text = await initConfig(options, (q) => (questions.push(q), Promise.resolve('y')));
    assert.equal(questions.length, 3);
    assert.ok(questions[0].includes(pinned.nodes[0].ssh.host_key), questions[0]);
    assert.match(text, /method: use_ssh/);
    await assert.rejects(
      initConfig(options, () => Promise.resolve('n')),
      /node1 \(10\.213\.7\.11\): host key SHA256:\S+ not confirmed; nothing written/,
    );
    const out = join(dir, 'refused.yaml');
    const wrong = keysOf(pinned);
    wrong[3] = pinned.nodes[0].ssh.host_key; // node 2 "should" present node 1's key
    const init = cli(1, 'init', ...ips, ...wrong, '--yes', '--out', out);
    assert.equal(await exited(init), 2, init.output());
    assert.match(init.output(), /^node2 \(10\.213\.7\.12\) presents host key SHA256:\S+, not the SHA256:\S+ given with --node2-key: refused\n$/);
    assert.ok(!existsSync(out));
    const unattended = cli(1, 'init', ...ips, '--yes', '--out', out);
    assert.equal(await exited(unattended), 2);
    assert.match(unattended.output(), /--yes never trusts a key it was not given/);
  });

  it('the written file completes a run of the guide', async () => {
    const port = 18033;
    procs.push(await startDevServer(port, join(dir, 'init.db')), startWorker(port));
    const run = cli(port, 'start', join(dir, 'cluster.yaml'), '--auto-approve', '--follow');
    assert.equal(await exited(run), 0, run.output());
    assert.match(run.output(), /Run report for cluster labclu: completed/);
    assert.match(run.output(), /ha\s+done/);
  });
});
