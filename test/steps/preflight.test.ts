/** preflight over verbatim outputs: fresh PVE 9 nodes and a Debian VM pass; each blocker is named. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { preflight, preflightCommands } from '../../steps/preflight';
import { testConfig } from '../helpers/config';
import { fixture, scriptedContext, type Answer } from '../helpers/step-kit';

const config = testConfig();
const c = preflightCommands(config);
const noCluster: Answer = { code: 2, stderr: fixture('pvecm-status-no-cluster.txt') };

function fresh(changes: Partial<Record<keyof typeof c, Answer>> = {}) {
  const answers: Record<keyof typeof c, Answer> = {
    node1Version: fixture('pveversion-9.txt'),
    node2Version: fixture('pveversion-9.txt'),
    node1Hostname: 'proxmox1\n',
    node2Hostname: 'proxmox2\n',
    vmHostname: 'qdevice-vm\n',
    node1Status: noCluster,
    node2Status: noCluster,
    node2Guests: '',
    vmOs: 'debian 12\n',
    ...changes,
  };
  return scriptedContext(config, (command) => {
    const key = (Object.keys(c) as (keyof typeof c)[]).find((k) => c[k].host === command.host && c[k].command === command.command);
    return key ? answers[key] : undefined;
  });
}

describe('preflight', () => {
  it('fresh nodes and a Debian VM: done, with the versions; verify says so without another read', async () => {
    const ctx = fresh();
    const checked = await preflight.check(ctx, config);
    assert.equal(checked.done, true);
    assert.deepEqual([checked.state.pveVersions, checked.state.pveMajor, checked.state.qdeviceOs], [['9.1.2', '9.1.2'], 9, 'debian 12']);
    const verified = await preflight.verify(ctx, config, { state: checked.state, acted: null });
    assert.match(verified.summary, /Proxmox VE 9\.1\.2 \/ 9\.1\.2; qdevice-vm runs debian 12$/);
    assert.equal(ctx.ran.length, 9, 'one read each');
  });

  it('names every blocker: mixed majors, a renamed host, node 2 with guests, another cluster, not Debian', async () => {
    const ctx = fresh({
      node2Version: fixture('pveversion-8.txt'),
      vmHostname: 'raspberrypi\n',
      node2Guests: '100\n101\n',
      node1Status: fixture('pvecm-status-2node-pve9.txt'),
      vmOs: 'ubuntu 24.04\n',
    });
    await assert.rejects(preflight.check(ctx, config), (err: Error) => {
      assert.match(err.message, /^preflight found 5 blocker\(s\): /);
      assert.match(err.message, /nodes run different majors \(9\.1\.2 vs 8\./);
      assert.match(err.message, /host configured as qdevice-vm calls itself raspberrypi/);
      assert.match(err.message, /proxmox1 is already in cluster "krnn", not "homelab"/);
      assert.match(err.message, /proxmox2 has guests \(100, 101\); pvecm add refuses a node with guests/);
      assert.match(err.message, /qdevice-vm runs "ubuntu 24\.04", the guide expects Debian/);
      return true;
    });
  });
});
