/** hosts: the check reads getent on both nodes; act rewrites /etc/hosts keeping foreign lines; verify re-reads. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredHostsFile, hosts, hostsCommands } from '../../steps/hosts';
import { testConfig } from '../helpers/config';
import { scriptedContext } from '../helpers/step-kit';

const config = testConfig();
const [node1, node2] = config.nodes;
const right = 'proxmox1 192.0.2.11\nproxmox2 192.0.2.12\nqdevice-vm 192.0.2.13\n';
/** Debian's installer maps the node's own name to 127.0.1.1: pvecm then takes loopback as the node's address. */
const installer = 'proxmox1 127.0.1.1\nproxmox2 \nqdevice-vm \n';
const debianHosts = '127.0.0.1\tlocalhost\n127.0.1.1\tproxmox1.lan proxmox1\n::1 localhost ip6-localhost\n';

describe('hosts', () => {
  it('done when every name resolves to its LAN IP on both nodes', async () => {
    const ctx = scriptedContext(config, { [hostsCommands(config, node1).resolve.command]: right });
    const checked = await hosts.check(ctx, config);
    assert.deepEqual([checked.done, checked.state], [true, []]);
  });

  it("not done on the installer's 127.0.1.1; act writes the block (the loopback line dropped, the rest kept); verify passes after", async () => {
    const resolve = hostsCommands(config, node1).resolve.command;
    const ctx = scriptedContext(config, {
      [`proxmox1 ${resolve}`]: [installer, right],
      [`proxmox2 ${resolve}`]: right,
      'cat /etc/hosts': debianHosts,
      [hostsCommands(config, node1).write.command]: '',
    });
    const checked = await hosts.check(ctx, config);
    assert.deepEqual([checked.done, checked.state.map((n) => n.name)], [false, ['proxmox1']]);
    const acted = await hosts.act!(ctx, config, checked.state);
    assert.deepEqual(acted.changes, ['updated on proxmox1, backup kept']);
    assert.ok(!ctx.ran.some((r) => r.startsWith('proxmox2$ cat')), 'node 2, already right, is not touched');
    const verified = await hosts.verify(ctx, config, { state: checked.state, acted });
    assert.deepEqual(verified.facts.resolved.proxmox1, { proxmox1: '192.0.2.11', proxmox2: '192.0.2.12', 'qdevice-vm': '192.0.2.13' });
    assert.equal(
      desiredHostsFile(config, debianHosts),
      '127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n# BEGIN pve-twonode cluster hosts\n192.0.2.11\tproxmox1\n192.0.2.12\tproxmox2\n192.0.2.13\tqdevice-vm\n# END pve-twonode cluster hosts\n',
    );
  });

  it('verify fails naming what still resolves wrongly', async () => {
    const ctx = scriptedContext(config, { [hostsCommands(config, node2).resolve.command]: installer });
    await assert.rejects(
      hosts.verify(ctx, config, { state: [], acted: null }),
      /proxmox1: names still resolve wrongly: proxmox1 -> 127\.0\.1\.1 \(want 192\.0\.2\.11\), proxmox2 -> nothing \(want 192\.0\.2\.12\)/,
    );
  });
});
