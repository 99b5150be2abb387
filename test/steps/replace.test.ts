/**
 * replace-node's steps over the real pvecm's outputs (real-pve-4 captures: rp2 powered off, then delnode and qdevice
 * remove on rp1): the proof refuses a node the survivor still counts, a survivor without quorum and a node that
 * answers; the removal runs delnode before qdevice remove (the real remove refuses while a node is listed), trusts
 * corosync.conf and not delnode's exit code, and verifies the survivor alone on 1 of 1 vote.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replaceCommands } from '../../steps/replace/commands';
import { proveDead } from '../../steps/replace/prove-dead';
import { jobsTo, removeDeadNode } from '../../steps/replace/remove-dead-node';
import { fixture, realRigConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = realRigConfig('testclu');
const c = replaceCommands(config, 'rp2', '');
const f = (name: string) => fixture(`real-pve-4/${name}`);
const before = f('s1-after-rp1-corosync.conf');
const afterDelnode = f('s2a-2-after-delnode-rp1-corosync.conf');
const afterRemove = f('s2a-4-after-qdremove-rp1-corosync.conf');

/** rp2's address: nothing answers (the scripted context rejects a command it has no answer for, as a dead host does). */
function proofContext(status: string, answers: Record<string, Answer> = {}) {
  return scriptedContext(config, (cmd) => {
    if (cmd.host === 'rp2') return answers.probe;
    const script: Record<string, Answer> = {
      [c.corosyncConf.command]: before,
      [c.status.command]: status,
      [c.qnetdClients.command]: f('s2b-3-qnetd-tool-l-after-delnode.out'),
      [c.deadGuests.command]: '/etc/pve/nodes/rp2/qemu-server/100.conf\n/etc/pve/nodes/rp2/qemu-server/101.conf\n/etc/pve/nodes/rp2/lxc/200.conf\n',
      [c.haResources.command]: 'vm: 100\n\tstate started\n',
      ...answers,
    };
    return script[cmd.command];
  });
}

describe('replace-node steps', () => {
  it('proof: rp2 silent, gone from the membership (real status 10 s after its power-off) and from qnetd; rp1 quorate', async () => {
    const step = proveDead('rp2', '10s');
    const ctx = proofContext(f('s1-status-rp1-10s.out'));
    const checked = await step.check(ctx, config);
    assert.equal(checked.done, true);
    assert.deepEqual([checked.state.nodeId, checked.state.inQnetdList, checked.state.answersWithNewKey], [2, false, false]);
    const verified = await step.verify(ctx, config, { state: checked.state, acted: null });
    assert.match(verified.summary, /^rp2 is dead: silent for .* not a corosync member, not in qnetd's list; rp1: testclu: quorate, votes 2\/3/);
    assert.match(verified.summary, /Not under HA, so nothing restarts them: ct:200, vm:101 \(their configs go into the backup as node-rp2\.tar\.gz/);
    assert.deepEqual(ctx.acts, []);
  });

  it('proof refused: rp2 silent to the worker but still a member on rp1 (a network fault, not a dead node)', async () => {
    await assert.rejects(
      proveDead('rp2', '10s').check(proofContext(f('c1-status-rp1.out')), config),
      /rp1's corosync still counts it as a member \(node id 2\): the network between the worker and rp2 is at fault, not the node; nothing was changed/,
    );
  });

  it('proof refused: rp1 not quorate (peer and QDevice gone, real "Activity blocked"): nothing can be removed, bring the QDevice back', async () => {
    await assert.rejects(
      proveDead('rp2', '10s').check(proofContext(f('s4-1-status-rp1-10s.out')), config),
      /rp1 is not quorate .*: nothing can be removed without quorum\. Bring the QDevice VM back/,
    );
  });

  it('proof refused: rp2 answers', async () => {
    await assert.rejects(
      proveDead('rp2', '10s').check(proofContext(f('s1-status-rp1-10s.out'), { probe: '' }), config),
      /rp2 answers SSH at 10\.213\.9\.12: it is not dead/,
    );
  });

  function removalContext(conf: Answer[], delnode: Answer = { stdout: f('s2a-2-delnode.out'), stderr: f('s2a-2-delnode.err') }) {
    return scriptedContext(config, {
      [c.corosyncConf.command]: conf,
      [c.replicationJobs.command]: 'JobID                Target                 Schedule  Rate  Enabled\n',
      [c.haStatus.command]: f('hb-6-ha-status-started.out'),
      [c.delnode.command]: delnode,
      [c.qdeviceRemove.command]: f('s2a-4-qdremove.out'),
      [c.status.command]: f('s2a-4-after-qdremove-rp1-status.out'),
      [c.writeTest.command]: 'writable\n',
    });
  }

  it('removal: delnode first (exit 0 with CS_ERR_NOT_EXIST is fine), then qdevice remove; rp1 alone on 1 of 1 vote, writable', async () => {
    const step = removeDeadNode('rp2');
    const ctx = removalContext([before, afterDelnode, afterDelnode, afterRemove]);
    const checked = await step.check(ctx, config);
    assert.deepEqual(checked.state, { listed: true, qdevice: true, jobs: [] });
    const acted = await step.act!(ctx, config, checked.state);
    const verified = await step.verify(ctx, config, { state: checked.state, acted });
    assert.deepEqual(ctx.acts, ['rp1$ pvecm delnode rp2', 'rp1$ pvecm qdevice remove']);
    assert.match(
      verified.summary,
      /rp2 and the QDevice removed; testclu: quorate, votes 1\/1, flags Quorate; \/etc\/pve writable \(corosync\.conf version 5\)/,
    );
  });

  it('removal: a delnode that exits 0 but leaves rp2 in corosync.conf fails, and the QDevice is not removed', async () => {
    const ctx = removalContext([before], { stdout: '', stderr: 'cluster not ready - no quorum?', code: 0 });
    const step = removeDeadNode('rp2');
    const checked = await step.check(ctx, config);
    await assert.rejects(step.act!(ctx, config, checked.state), /pvecm delnode rp2 exited 0 and corosync.conf still lists it: cluster not ready - no quorum\?/);
    assert.deepEqual(ctx.acts, ['rp1$ pvecm delnode rp2']);
  });

  it('removal, retried after delnode: only the QDevice is left to remove', async () => {
    const ctx = removalContext([afterDelnode, afterDelnode, afterRemove]);
    const step = removeDeadNode('rp2');
    const checked = await step.check(ctx, config);
    assert.deepEqual(checked.state, { listed: false, qdevice: true, jobs: [] });
    await step.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, ['rp1$ pvecm qdevice remove']);
  });

  it('replication jobs to the dead node, as pvesr lists them (local/<node>)', () => {
    const listing =
      'JobID                Target                 Schedule  Rate  Enabled\n100-0                local/rp2                 */15     -      yes\n101-0                local/rp1                 */15     -      yes\n';
    assert.deepEqual(jobsTo(listing, 'rp2'), ['100-0']);
  });

  it('removal waits for the survivor to take over as HA master when the dead node held it (old timestamp - dead?)', async () => {
    const live = f('hb-6-ha-status-started.out');
    // Synthesized from the real status: the master line as ha-manager prints a master that stopped updating.
    const deadMaster = live.replace(/^master rp1 \(active, [^)]*\)/m, 'master rp2 (old timestamp - dead?, Thu Dec  3 18:40:01 2026)');
    const step = removeDeadNode('rp2');
    const ctx = removalContext([before, afterDelnode, afterDelnode, afterRemove]);
    const ha = scriptedContext(config, (cmd) => (cmd.command === c.haStatus.command ? [deadMaster, deadMaster, live] : undefined));
    const both = {
      ...ctx,
      run: (cmd: Parameters<typeof ctx.run>[0], input?: string) => (cmd.command === c.haStatus.command ? ha.run(cmd, input) : ctx.run(cmd, input)),
    };
    both.output = async (cmd, input) => (await both.run(cmd, input)).stdout;
    const checked = await step.check(both, config);
    const acted = await step.act!(both, config, checked.state);
    const verified = await step.verify(both, config, { state: checked.state, acted });
    assert.match(verified.summary, /; rp1 is the HA master$/);
    const stuck = scriptedContext(config, (cmd) => (cmd.command === c.haStatus.command ? deadMaster : undefined));
    const never = {
      ...ctx,
      run: (cmd: Parameters<typeof ctx.run>[0], input?: string) => (cmd.command === c.haStatus.command ? stuck.run(cmd, input) : ctx.run(cmd, input)),
    };
    never.output = async (cmd, input) => (await never.run(cmd, input)).stdout;
    await assert.rejects(
      step.verify(never, config, { state: checked.state, acted }),
      /rp1 did not become the HA master within 6 min \(master rp2 \(old timestamp - dead\?\)\)/,
    );
  });
});
