/**
 * qdevice-prereqs: what `pvecm qdevice setup` silently needs: corosync-qdevice on both nodes, node 1's root key on
 * the VM with the VM's pinned host key known, and node 1 logging in to both members as setup does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qdevicePrereqs, qdevicePrereqsCommands } from '../../steps/qdevice-prereqs';
import { memberLoginCommands } from '../../src/step-kit/member-login';
import { rootTrustCommands } from '../../src/step-kit/root-trust';
import { labLikeConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = labLikeConfig();
const [pve1, pve2] = config.nodes;
const c = qdevicePrereqsCommands(config);
const trust = rootTrustCommands(pve1, config.qdevice);
const pubkey = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAACAQC7 root@pve1';
const hostKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHqnetdhostkey';

interface World {
  node2Has: boolean;
  authorized: boolean;
  known: boolean;
  /** What node 1's login to pve2 as pvecm does prints. */
  pve2Login: string[];
}

function world(w: World) {
  return scriptedContext(config, (cmd): Answer | undefined => {
    const is = (command: { host: string; command: string }) => cmd.host === command.host && cmd.command === command.command;
    if (is(c.node1Installed)) return 'install ok installed';
    if (is(c.node2Installed)) return w.node2Has ? 'install ok installed' : { code: 1, stdout: '' };
    if (is(trust.clientKey)) return `${pubkey}\n`;
    if (is(trust.serverHostKeys)) return `${config.qdevice.ssh.host_key} ${hostKey}\n`;
    if (is(trust.clientKnownEntries)) return w.known ? `10.213.7.13 ${hostKey}\n` : '';
    if (is(trust.serverAuthorized(pubkey))) return w.authorized ? 'authorized\n' : { code: 1 };
    if (is(trust.clientLogin)) return 'ok\n';
    if (is(memberLoginCommands(config, pve1).login)) return 'logged-in\n';
    if (is(memberLoginCommands(config, pve2).login)) return w.pve2Login;
    if (cmd.phase === 'act') return '';
    return undefined;
  });
}

describe('qdevice-prereqs', () => {
  it('all there: done', async () => {
    const checked = await qdevicePrereqs.check(world({ node2Has: true, authorized: true, known: true, pve2Login: ['logged-in\n'] }), config);
    assert.equal(checked.done, true);
  });

  it("node 2 without corosync-qdevice, the VM without node 1's key, its host key unknown, pve2's ssh_known_hosts missing: each mended, nothing else", async () => {
    const ctx = world({ node2Has: false, authorized: false, known: false, pve2Login: ['Host key verification failed.\n', 'logged-in\n'] });
    const checked = await qdevicePrereqs.check(ctx, config);
    assert.deepEqual(
      [checked.done, checked.state.missingOn.map((n) => n.name), checked.state.unreachableMembers.map((n) => n.name)],
      [false, ['pve2'], ['pve2']],
    );
    const acted = await qdevicePrereqs.act!(ctx, config, checked.state);
    assert.deepEqual(
      ctx.acts.map(
        (a) =>
          a.split('$ ')[0] +
          '$ ' +
          (a.includes('apt-get')
            ? 'apt-get install corosync-qdevice'
            : a.includes('authorized_keys')
              ? 'authorize'
              : a.includes('known_hosts')
                ? 'pin'
                : a.split('$ ')[1]),
      ),
      ['pve2$ apt-get install corosync-qdevice', 'qnetd$ authorize', 'pve1$ pin', 'pve2$ pvecm updatecerts'],
    );
    assert.match(
      acted.changes[0],
      /^set up: corosync-qdevice on pve2; pve1 key in qnetd:\/root\/\.ssh\/authorized_keys; qnetd host key \(pinned\) in pve1:\/root\/\.ssh\/known_hosts; pvecm updatecerts on pve2/,
    );
    assert.ok(ctx.acts.find((a) => a.startsWith('pve1$'))!.includes(hostKey), 'the host key cluster.yaml pins, never one learnt on first use');
  });

  it("verify: node 1 still cannot log in to pve2 as pvecm does: fails before setup would, with ssh's words", async () => {
    const ctx = world({ node2Has: true, authorized: true, known: true, pve2Login: ['Host key verification failed.\n'] });
    await assert.rejects(
      qdevicePrereqs.verify(ctx, config, { state: { missingOn: [], trust: {} as never, unreachableMembers: [] }, acted: null }),
      /pve1 cannot log in to pve2 as pvecm does \(Host key verification failed\.\): pvecm qdevice setup would fail half-way/,
    );
  });
});
