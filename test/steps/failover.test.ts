/**
 * The failover test's stages over the real pvecm's and pve-ha-manager's captures (real-pve-4): the victim is the node
 * hosting the HA guest; the survivor must stay quorate on 2 of 3 votes and start it; the passed test is recorded on
 * the cluster, each test once even when the write is retried.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILOVER_RECORD, failover, failoverCommands, observeFailover, prepareFailover, restoreAfterFailover, type FailoverRecord } from '../../steps/failover';
import { fixture, labLikeConfig, realRigConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = realRigConfig('testclu', { failover: { enabled: true, power_off: { command: ['true'] }, power_on: { command: ['true'] } } });
const real = (name: string) => fixture(`real-pve-4/${name}`);
const healthy = real('hb-8-pvecm-status-rp2.out');
/** rp1 alone after rp2 lost power: quorate on its own vote and the QDevice's. */
const rp1Alone = real('s1-status-rp1-10s.out');
const cat = `cat ${FAILOVER_RECORD} 2>/dev/null`;
const record: FailoverRecord = {
  testedAt: '2026-12-03T18:45:00.000Z',
  recoveryMs: 177_000,
  history: [{ testedAt: '2026-12-03T18:45:00.000Z', recoveryMs: 177_000, victim: 'rp1' }],
};

function ctxWith(script: Record<string, Answer>) {
  return scriptedContext(config, { 'pvecm status': healthy, [cat]: '', 'ha-manager status': real('hb-6-ha-status-started.out'), ...script });
}

describe('failover', () => {
  it('check: done once a passed test is on record; verify says when and how fast, with 3 of 3 votes now', async () => {
    assert.equal((await failover.check(ctxWith({}), config)).done, false);
    const ctx = ctxWith({ [cat]: JSON.stringify(record) });
    const checked = await failover.check(ctx, config);
    assert.equal(checked.done, true);
    const verified = await failover.verify(ctx, config, { state: checked.state, acted: null });
    assert.match(verified.summary, /^failover test passed on 2026-12-03T18:45:00\.000Z \(recovery 177\.0 s\); cluster healthy: testclu: quorate, votes 3\/3/);
  });

  it('prepare: the node hosting vm:100 is the victim; a test on record is skipped by the guide, run again by a drill', async () => {
    const fresh = await prepareFailover(ctxWith({}), config);
    assert.deepEqual(fresh.facts.target, { victim: 'rp1', survivor: 'rp2', sid: 'vm:100' });
    const recorded = ctxWith({ [cat]: JSON.stringify(record) });
    assert.equal((await prepareFailover(recorded, config)).outcome, 'skipped-already-done');
    assert.deepEqual((await prepareFailover(recorded, config, true)).facts.target, { victim: 'rp1', survivor: 'rp2', sid: 'vm:100' });
  });

  it('prepare refuses a cluster without its third vote: no power cut on 2 of 3', async () => {
    await assert.rejects(
      prepareFailover(ctxWith({ 'pvecm status': rp1Alone }), config),
      /failover test needs a healthy cluster with 3 of 3 votes; it shows testclu: quorate, votes 2\/3/,
    );
  });

  it("observe: the survivor on 2 of 3 votes starts the guest; the recovery counts from the power cut to the guest's PID file", async () => {
    const target = { victim: 'rp2', survivor: 'rp1', sid: 'vm:100' };
    const powerOffAt = Date.now() - 60_000;
    const pidAt = (powerOffAt + 42_500) / 1000;
    const ctx = ctxWith({ 'pvecm status': rp1Alone, 'stat -c %.3Y /var/run/qemu-server/100.pid': `${pidAt.toFixed(3)}\n` });
    const observed = await observeFailover(ctx, config, target, powerOffAt);
    assert.deepEqual([observed.facts.recoveryMs, observed.facts.recoveryMeasuredOn], [42_500, 'host']);
    assert.match(
      observed.message,
      /^rp1 stayed quorate with 2 of 3 votes and started vm:100 42\.5 s after rp2 lost power \(rp1's clock\); HA phases seen: started on the survivor \+60 s$/,
    );
  });

  it("observe: narrates the real failover's phases in the order the survivor saw them (the real timeline of rp1's power cut)", async () => {
    const timeline = real('hb-7-failover-rp1-poweroff-timeline.txt')
      .split(/^--- .*\n/m)
      .filter((t) => t.includes('master'));
    const ctx = scriptedContext(
      config,
      { 'pvecm status': rp1Alone, [cat]: '', 'ha-manager status': timeline, 'stat -c %.3Y /var/run/qemu-server/100.pid': { code: 1 } },
      { polls: timeline.length },
    );
    const observed = await observeFailover(ctx, config, { victim: 'rp1', survivor: 'rp2', sid: 'vm:100' }, Date.now());
    assert.deepEqual(Object.keys(observed.facts.phasesMs ?? {}), ['silent', 'takeover', 'starting', 'started']);
    assert.match(
      observed.message,
      /; HA phases seen: node silent \(old timestamp - dead\?\) \+0 s, survivor is HA master \+0 s, starting on the survivor \+0 s, started on the survivor \+0 s$/,
    );
  });

  it('observe: a guest the real HA put in its error state fails the test at once, with the way back from the Proxmox docs', async () => {
    await assert.rejects(
      observeFailover(ctxWith({ 'ha-manager status': real('hb-4-ha-status.out') }), config, { victim: 'rp1', survivor: 'rp2', sid: 'vm:100' }, Date.now()),
      /^ApplicationFailure: vm:100 is in the HA error state on rp2: .* then: ha-manager set vm:100 --state disabled && ha-manager set vm:100 --state started$/,
    );
  });

  it('observe: a survivor that loses quorum fails the test, saying what it saw', async () => {
    const blocked = fixture('pvecm-status-qdevice-blocked.txt').replace('homelab', 'testclu');
    await assert.rejects(
      observeFailover(ctxWith({ 'pvecm status': blocked }), config, { victim: 'rp2', survivor: 'rp1', sid: 'vm:100' }, Date.now()),
      /rp1 lost quorum while rp2 was down: testclu: NOT quorate, votes 1\/3/,
    );
  });

  it('restore: the test appended to the record once, also when the write is retried', async () => {
    const written: string[] = [];
    const target = { victim: 'rp1', survivor: 'rp2', sid: 'vm:100' };
    const write = failoverCommands(config, 'rp2').writeRecord.command;
    const ctx = scriptedContext(config, (cmd) => {
      if (cmd.command === 'pvecm status') return healthy;
      if (cmd.command === 'ha-manager status') return real('hb-6-ha-status-started.out');
      if (cmd.command === cat) return written.at(-1) ?? JSON.stringify(record);
      return cmd.command === write ? '' : undefined;
    });
    const capture = ctx.output.bind(ctx);
    ctx.output = async (command, input) => {
      if (command.command === write && input) written.push(input);
      return capture(command, input);
    };
    await restoreAfterFailover(ctx, config, target, 95_000);
    await restoreAfterFailover(ctx, config, target, 95_000);
    const last = JSON.parse(written.at(-1)!) as FailoverRecord;
    assert.deepEqual(
      last.history?.map((h) => [h.victim, h.recoveryMs]),
      [
        ['rp1', 177_000],
        ['rp1', 95_000],
      ],
    );
  });

  it('restore: the test ends only once HA settled, the returning LRM working and the guest back where its rule prefers it', async () => {
    const lab = labLikeConfig({ failover: { enabled: true, power_off: { command: ['true'] }, power_on: { command: ['true'] } } });
    const justBack = fixture('ha-manager-status-failback-lab.txt')
      .replace('lrm pve1 (wait_for_agent_lock, watchdog standby', 'lrm pve1 (idle, watchdog standby')
      .replace('service vm:100 (pve2, migrate)', 'service vm:100 (pve2, started)');
    const settled = fixture('ha-manager-status-failback-lab.txt')
      .replace('lrm pve1 (wait_for_agent_lock, watchdog standby', 'lrm pve1 (active, watchdog active')
      .replace('service vm:100 (pve2, migrate)', 'service vm:100 (pve1, started)');
    const ctx = scriptedContext(lab, {
      'pvecm status': fixture('real-pvecm/status-qdevice.txt'),
      [cat]: '',
      // The real stack right after pve1's return: pve1's LRM shown idle before the CRM decides to move vm:100 back
      // (not at rest: the rule prefers pve1), then the migration, then at rest.
      'ha-manager status': [justBack, fixture('ha-manager-status-failback-lab.txt'), settled],
      [failoverCommands(lab, 'pve2').writeRecord.command]: '',
    });
    const restored = await restoreAfterFailover(ctx, lab, { victim: 'pve1', survivor: 'pve2', sid: 'vm:100' }, 180_000);
    assert.match(restored.message, /HA settled, vm:100 on pve1$/);
    assert.equal(ctx.ran.filter((c) => c.endsWith('ha-manager status')).length, 3);
  });
});
