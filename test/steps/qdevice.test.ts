/**
 * qdevice over the real pvecm's and corosync-qnetd's captures (real-pve-3) and lab ones: set up once; verified by the
 * third vote as both sides see it, which must agree within one wait (right after a corosync-qdevice restart one side
 * is seen before the other; reading qnetd once, after the nodes agreed, failed a healthy cluster in lab repair runs).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qdevice, qdeviceCommands } from '../../steps/qdevice';
import { capture, fixture, realRigConfig, scriptedContext, type Answer } from '../helpers/step-kit';

// The rig of the captures: rp1, rp2 on 10.213.9.0/24, the VM at .13, cluster testclu.
const config = realRigConfig('testclu');
const c = qdeviceCommands(config);
const real = (name: string) => capture(`real-pve-3/${name}`).replace(/apiclu/g, 'testclu');
const voting = real('status-rp1-after-resetup.out');
const twoVotes = real('status-rp1-2n.out');
const bothListed = real('qnetd-tool-l-healthy.out');
/** qnetd's list while node 2's daemon reconnects: node 1 only. */
const node1Only = bothListed.slice(0, bothListed.indexOf('    Node ID 2:'));
const conf = fixture('corosync-conf-qdevice-lab.txt').replaceAll('10.213.7.1', '10.213.9.1').replace('labclu', 'testclu');

function ctxWith(answers: { status?: Answer; qnetd?: Answer; configured?: boolean; setup?: Answer; daemons?: string }) {
  return scriptedContext(config, {
    [c.status.command]: answers.status ?? voting,
    [c.qnetdClients.command]: answers.qnetd ?? bothListed,
    [c.corosyncConf.command]: conf,
    [c.configured.command]: answers.configured ? 'configured\n' : { code: 1 },
    [c.leftoverNssdb.command]: { code: 1 },
    [c.setup.command]: answers.setup ?? { stdout: real('qd-setup.out'), code: 0 },
    [c.node1Daemon.command]: answers.daemons ?? 'active\n',
  });
}

describe('qdevice', () => {
  it('two nodes, no QDevice: pvecm qdevice setup <ip> once; verify on 3 of 3 votes with qnetd voting for both', async () => {
    const ctx = ctxWith({ status: [twoVotes, twoVotes, voting] });
    const checked = await qdevice.check(ctx, config);
    assert.deepEqual([checked.done, checked.state], [false, { configured: false, leftover: false }]);
    const acted = await qdevice.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, ['rp1$ pvecm qdevice setup 10.213.9.13']);
    const verified = await qdevice.verify(ctx, config, { state: checked.state, acted });
    assert.match(verified.summary, /^QDevice on 10\.213\.9\.13 votes \(testclu: quorate, votes 3\/3, .*corosync-qnetd on rq votes for node ids 1, 2$/);
  });

  it("configured but not voting (qnetd stopped): act never sets up again (pvecm refuses: 'QDevice already configured!')", async () => {
    const ctx = ctxWith({ status: real('status-rp1-qnetd-stopped.out'), configured: true });
    const checked = await qdevice.check(ctx, config);
    assert.deepEqual(checked.state, { configured: true, leftover: false });
    await assert.rejects(qdevice.act!(ctx, config, checked.state), /a QDevice is configured on testclu but the QDevice's vote is not healthy/);
    assert.deepEqual(ctx.acts, []);
  });

  it('passes when qnetd lists node 2 a poll after the nodes count its vote', async () => {
    const verified = await qdevice.verify(ctxWith({ qnetd: [node1Only, bothListed] }), config, { state: { configured: true, leftover: false }, acted: null });
    assert.match(verified.summary, /corosync-qnetd on rq votes for node ids 1, 2$/);
  });

  it('fails naming the node qnetd does not vote for once the wait is over', async () => {
    await assert.rejects(
      qdevice.verify(ctxWith({ qnetd: node1Only }), config, { state: { configured: true, leftover: false }, acted: null }),
      /corosync-qnetd on rq does not give its vote to rp2 \(node id 2\)/,
    );
  });

  it('a setup that exits non-zero is said at once with its words, no wait for votes', async () => {
    const ctx = ctxWith({ status: twoVotes, setup: { code: 255, stderr: real('qd-twice.err') } });
    await assert.rejects(
      qdevice.act!(ctx, config, { configured: false, leftover: false }),
      /after pvecm qdevice setup the QDevice's vote is not healthy .*QDevice already configured!/s,
    );
  });

  it('a node missing from the membership (real: 10 s after rp2 powered off) names its fix, not a QDevice repair', async () => {
    const gone = fixture('real-pve-4/s1-status-rp1-10s.out');
    const ctx = ctxWith({ status: gone, configured: true, qnetd: node1Only, daemons: 'active\n' });
    const checked = await qdevice.check(ctx, config);
    await assert.rejects(
      qdevice.verify(ctx, config, { state: checked.state, acted: null }),
      /rp2 is no cluster member: power it on, or if it died for good, pve-twonode replace-node <cluster\.yaml> rp2/,
    );
  });
});
