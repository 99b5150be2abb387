/** create over the real pvecm's captures: a fresh node is created once; a half-joined node 2 is taken out first. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, createCommands } from '../../steps/create';
import { capture, fixture, labLikeConfig, pveMembers, scriptedContext, type Script } from '../helpers/step-kit';

const config = labLikeConfig();
const c = createCommands(config);
const noCluster = { code: 2, stderr: fixture('pvecm-status-no-cluster.txt') };
/** The real pvecm status on a node alone in its new cluster (real-pve-3), named as the lab names it. */
const oneNode = capture('real-pve-3/status-rp1-1node.out').replace('apiclu', 'labclu').replace('10.213.9.11', '10.213.7.11');
/** Node 1 of a join that failed half-way: corosync.conf lists node 2, one vote of two, blocked. */
const blocked = fixture('pvecm-status-qdevice-blocked.txt').replace('homelab', 'labclu');
const conf = fixture('corosync-conf-qdevice-lab.txt');

const script = (node1Status: string | (string | typeof noCluster)[], more: Script = {}): Script => ({
  [`pve1 ${c.status.command}`]: node1Status,
  [`pve2 ${c.node2Status.command}`]: noCluster,
  [c.corosyncConf.command]: conf,
  [c.conf.command]: 'cluster_name: labclu\n',
  [c.node1Cfs.command]: pveMembers('labclu', true, ['pve1']),
  [c.create.command]: fixture('real-pve-3/create.out'),
  ...(more as Record<string, string>),
});

describe('create', () => {
  it('a fresh node: not done; act runs pvecm create once; verify waits for corosync and pmxcfs quorum', async () => {
    const ctx = scriptedContext(config, script([noCluster, oneNode]));
    const checked = await create.check(ctx, config);
    assert.deepEqual([checked.done, checked.state], [false, { exists: false, halfJoinedNode: null }]);
    const acted = await create.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, ['pve1$ pvecm create labclu']);
    const verified = await create.verify(ctx, config, { state: checked.state, acted });
    assert.equal(verified.summary, 'cluster labclu on pve1 (labclu: quorate, votes 1/1, flags Quorate)');
  });

  it('already created and quorate: done, nothing to act', async () => {
    const checked = await create.check(scriptedContext(config, script(oneNode)), config);
    assert.equal(checked.done, true);
  });

  it('node 1 in another cluster: refused, naming it (the name cannot change)', async () => {
    const other = oneNode.replace('labclu', 'oldclu');
    await assert.rejects(create.check(scriptedContext(config, script(other)), config), /pve1 is already in cluster "oldclu"; the cluster name cannot change/);
  });

  it('a join that failed half-way: proven from both sides, then backup, expected 1, delnode until corosync.conf lists node 2 no more', async () => {
    const withoutPve2 = conf.replace(/ {2}node \{\n {4}name: pve2[^}]*\}\n/, '');
    const ctx = scriptedContext(
      config,
      script(blocked, {
        [c.corosyncConf.command]: [conf, conf, withoutPve2] as never,
        [c.halfJoinBackup.command]: '',
        [c.halfJoinExpected.command]: '',
        [c.halfJoinDelnode.command]: '',
      }),
    );
    const checked = await create.check(ctx, config);
    assert.deepEqual(checked.state, { exists: true, halfJoinedNode: 'pve2' });
    const acted = await create.act!(ctx, config, checked.state);
    assert.deepEqual(
      ctx.acts.map((a) => a.replace(/\$\(date [^)]*\)/, '<date>')),
      [
        'pve1$ cp -a /etc/pve/corosync.conf /root/corosync.conf.pve-twonode-<date>.bak',
        'pve1$ pvecm expected 1',
        'pve1$ pvecm delnode pve2',
        'pve1$ pvecm delnode pve2',
      ],
    );
    assert.match(acted.changes[0], /^pve2 taken out of pve1's node list/);
  });

  it('verify: corosync quorate but pmxcfs not: fails with the restart to do', async () => {
    const ctx = scriptedContext(config, script(oneNode, { [c.node1Cfs.command]: pveMembers('labclu', false, ['pve1']) }));
    await assert.rejects(
      create.verify(ctx, config, { state: { exists: true, halfJoinedNode: null }, acted: null }),
      /pmxcfs is not quorate in labclu after 60 s, so \/etc\/pve stays read-only: systemctl restart pve-cluster on pve1/,
    );
  });
});
