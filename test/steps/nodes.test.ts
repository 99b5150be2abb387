/**
 * The `nodes` health fact over the real outputs of real-pve-4 (pvecm status, corosync.conf, corosync-cmapctl): a node
 * out of the membership is a warning while it is freshly silent and critical, naming replace-node, once silent past
 * notify.unknown_after (by its HA agent's last status write); a node delnode removed, a quorum override standing, and
 * what removing a node by hand leaves (its folder, old root keys, an old host key in known_hosts) are each named with
 * the command that fixes it. A node 1 that does not answer is read around, from node 2.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyFingerprint } from '../../src/parsers/ssh-keys';
import { nodes } from '../../steps/health/nodes';
import { nodesCommands } from '../../steps/health/nodes-commands';
import { fixture, realRigConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = realRigConfig('testclu');
const [rp1, rp2] = config.nodes;
const f = (name: string) => fixture(`real-pve-4/${name}`);
const key = (type: string, seed: string, comment = '') => `${type} ${Buffer.from(`${type} ${seed}`).toString('base64')}${comment ? ` ${comment}` : ''}`;
const NOW = 1_796_400_000;

/** Both nodes healthy, as the real rig showed them before scenario 1; each override replaces one answer. */
function healthy(): Record<string, Answer> {
  const script: Record<string, Answer> = {};
  for (const [node, peer] of [
    [rp1, rp2],
    [rp2, rp1],
  ]) {
    const c = nodesCommands(config, node);
    Object.assign(script, {
      [`${node.name} ${c.status.command}`]: f('c1-status-rp1.out'),
      [`${node.name} ${c.corosyncConf.command}`]: f('s1-after-rp1-corosync.conf'),
      [`${node.name} ${c.runtimeQuorum.command}`]: f('s4-6-cmap-quorum-before.out'),
      [`${node.name} ${c.nodeDirs.command}`]: 'rp1\nrp2\n',
      [`${node.name} ${c.clock.command}`]: `${NOW}\n`,
      [`${node.name} ${c.authorizedKeys.command}`]: `${key('ssh-rsa', 'rp1-now', 'root@rp1')}\n${key('ssh-rsa', 'rp2-now', 'root@rp2')}\n${key('ssh-ed25519', 'laptop', 'owner@laptop')}\n`,
      [`${node.name} ${c.rootKey.command}`]: key('ssh-rsa', `${node.name}-now`, `root@${node.name}`),
      [`${node.name} ${c.hostKeys.command}`]: `${key('ssh-ed25519', `${node.name}-host`, `root@${node.name}`)}\n${key('ssh-rsa', `${node.name}-hostrsa`)}\n`,
      [`${node.name} ${c.knownPeer.command}`]: `${peer.ip} ${key('ssh-ed25519', `${peer.name}-host`)}\n`,
    });
  }
  return script;
}

const at = (node: string, name: keyof ReturnType<typeof nodesCommands>) => {
  const cmd = nodesCommands(
    config,
    config.nodes.find((n) => n.name === node)!,
  )[name];
  return `${node} ${typeof cmd === 'function' ? '' : cmd.command}`;
};
const lrm = (node: string) => `rp1 ${nodesCommands(config, rp1).lrmStatus(node).command}`;

/** rp2 dead: nothing on it answers (the scripted context rejects what it has no answer for). */
function rp2Dead(script: Record<string, Answer>): Record<string, Answer> {
  return Object.fromEntries(Object.entries(script).filter(([k]) => !k.startsWith('rp2 ')));
}

async function judge(script: Record<string, Answer>, cfg = config) {
  const ctx = scriptedContext(cfg, script, { readOnly: true });
  const checked = await nodes.check(ctx, cfg);
  return nodes.verify(ctx, cfg, { state: checked.state, acted: null });
}

const rejectsWith = (script: Record<string, Answer>, type: 'PostconditionFailed' | 'Degraded', message: RegExp) =>
  assert.rejects(judge(script), (err: Error & { type?: string }) => {
    assert.equal(err.type, type, err.message);
    assert.match(err.message, message);
    return true;
  });

describe('nodes (health fact)', () => {
  it('both members, nothing left over: passes, an owner key beside the root keys is no finding', async () => {
    const verified = await judge(healthy());
    assert.match(verified.summary, /^rp1 and rp2 members \(as rp1 sees it\); nothing left of removed nodes/);
  });

  it('rp2 off for 10 s (real status): a warning, power it on or replace-node', async () => {
    const script = rp2Dead({
      ...healthy(),
      [at('rp1', 'status')]: f('s1-status-rp1-10s.out'),
      [lrm('rp2')]: JSON.stringify({ state: 'active', timestamp: NOW - 10 }),
    });
    await rejectsWith(
      script,
      'Degraded',
      /^rp2 is no cluster member, silent since .* \(10 s\): power it on; if it died for good, pve-twonode replace-node <cluster\.yaml> rp2$/,
    );
  });

  it('rp2 silent for 3 h, past notify.unknown_after: critical, replace-node first', async () => {
    const script = rp2Dead({
      ...healthy(),
      [at('rp1', 'status')]: f('s1-status-rp1-10s.out'),
      [lrm('rp2')]: JSON.stringify({ state: 'active', timestamp: NOW - 3 * 3600 }),
    });
    await rejectsWith(
      script,
      'PostconditionFailed',
      /^rp2 is no cluster member, silent since .* \(3 h\), longer than notify\.unknown_after \(2 min\): if it died for good, pve-twonode replace-node <cluster\.yaml> rp2; if not, power it on/,
    );
  });

  it('rp2 out with no HA status from it: a warning that says its silence cannot be timed', async () => {
    const script = rp2Dead({ ...healthy(), [at('rp1', 'status')]: f('s1-status-rp1-10s.out'), [lrm('rp2')]: '' });
    await rejectsWith(script, 'Degraded', /rp2 is no cluster member \(since when is unknown: no HA status from it/);
  });

  it('after a manual pvecm delnode (real corosync.conf): critical, replace-node finishes it', async () => {
    const script = rp2Dead({
      ...healthy(),
      [at('rp1', 'status')]: f('s1-status-rp1-10s.out'),
      [at('rp1', 'corosyncConf')]: f('s2a-2-after-delnode-rp1-corosync.conf'),
      [lrm('rp2')]: '',
    });
    await rejectsWith(
      script,
      'PostconditionFailed',
      /^rp2 is named in cluster\.yaml but corosync\.conf no longer lists it \(removed with pvecm delnode: \/etc\/pve\/nodes\/rp2 is still there\): pve-twonode replace-node <cluster\.yaml> rp2/,
    );
  });

  it('a quorum override standing (real: quorum.device deleted from the runtime, expected 1): critical, with the way back', async () => {
    const script = rp2Dead({
      ...healthy(),
      [at('rp1', 'status')]: f('s4-6-status.out'),
      [at('rp1', 'corosyncConf')]: f('s4-0-before-rp1-corosync.conf'),
      [at('rp1', 'runtimeQuorum')]: f('s4-7-cmap-quorum-rp1.out'),
      [lrm('rp2')]: JSON.stringify({ timestamp: NOW - 60 }),
    });
    await rejectsWith(
      script,
      'PostconditionFailed',
      /a quorum override stands on rp1: .*expected votes 1 on rp1.*pve-twonode quorum-override puts it back .*corosync-cfgtool -R, then systemctl start corosync-qdevice on rp1/,
    );
  });

  it("what a node removed by hand leaves: its folder, its key, an old key of a reinstall, an old host key in the peer's known_hosts", async () => {
    const old = key('ssh-rsa', 'rp2-before-reinstall', 'root@rp2');
    const oldHost = key('ssh-ed25519', 'rp2-host-before');
    const script = {
      ...healthy(),
      [at('rp1', 'nodeDirs')]: 'rp1\nrp2\nrp3\n',
      [at('rp1', 'authorizedKeys')]:
        `${key('ssh-rsa', 'rp1-now', 'root@rp1')}\n${old}\n${key('ssh-rsa', 'rp2-now', 'root@rp2')}\n${key('ssh-rsa', 'rp3', 'root@rp3')}\n`,
      [at('rp1', 'knownPeer')]: `|1|salt=|hash= ${oldHost}\n`,
    };
    const err = await judge(script).then(
      () => assert.fail('passed'),
      (e: Error & { type?: string }) => e,
    );
    assert.equal(err.type, 'Degraded');
    const blob = old.split(' ')[1];
    assert.match(
      err.message,
      /^\/etc\/pve\/nodes\/rp3 is left from a node no longer in the cluster .*: on either node: tar -C \/etc\/pve\/nodes -czf \/root\/pve-node-rp3\.tar\.gz rp3 && rm -rf \/etc\/pve\/nodes\/rp3; /,
    );
    assert.ok(err.message.includes(`1 old root@rp2 key(s) (${keyFingerprint({ blob })}`), err.message);
    assert.ok(
      err.message.includes(`grep -vF '${blob.slice(-24)}' /etc/pve/priv/authorized_keys > /tmp/keys && cat /tmp/keys > /etc/pve/priv/authorized_keys`),
      err.message,
    );
    assert.match(err.message, /\/etc\/pve\/priv\/authorized_keys still trusts root@rp3, a node no longer in the cluster: on either node: grep -vF /);
    assert.match(
      err.message,
      /rp1's \/root\/\.ssh\/known_hosts holds an old host key of rp2 .*: on rp1: ssh-keygen -f \/root\/\.ssh\/known_hosts -R rp2; ssh-keygen -f \/root\/\.ssh\/known_hosts -R 10\.213\.9\.12$/,
    );
    assert.ok(!err.message.includes('root@rp1'), 'the current keys are no finding');
  });

  it('rp1 not answering: rp2 reads the cluster (real status of rp2 with rp1 off)', async () => {
    const script = Object.fromEntries(Object.entries(healthy()).filter(([k]) => !k.startsWith('rp1 ')));
    script[at('rp2', 'status')] = f('s1-status-rp1-10s.out').replace('10.213.9.11 (local)', '10.213.9.12 (local)').replace('0x00000001', '0x00000002');
    script[`rp2 ${nodesCommands(config, rp2).lrmStatus('rp1').command}`] = JSON.stringify({ timestamp: NOW - 30 });
    await rejectsWith(script, 'Degraded', /^rp1 is no cluster member, silent since .* \(30 s\)/);
  });
});
