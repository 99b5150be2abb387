/** ha over the real pve-ha-manager's `ha-manager status` (real-pve-4): started with a live master and both LRMs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ha, haCommands, haResourceCommands } from '../../steps/ha';
import { fixture, labLikeConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const base = labLikeConfig();
const config = labLikeConfig({
  nodes: [
    { ...base.nodes[0], name: 'rp1' },
    { ...base.nodes[1], name: 'rp2' },
  ],
  ha: { resources: [{ sid: 'vm:100', preferred_node: 'rp1' }] },
});
const c = haCommands(config);
const r = haResourceCommands(config, config.ha.resources[0]);
const real = (name: string) => fixture(`real-pve-4/${name}`);
/** One `ha-manager status` of the failover timeline, by the time it was taken. */
const at = (time: string) => real('hb-7-failover-rp1-poweroff-timeline.txt').split(`--- ${time} ha-manager status (rp2)\n`)[1].split('---')[0];
const rule = 'node-affinity: pve-twonode-vm-100\n\tnodes rp1:2,rp2:1\n\tresources vm:100\n';

function ctxWith(status: Answer, configured = 'vm:100\n\tstate started\n', placements = rule) {
  return scriptedContext(config, {
    [c.version.command]: fixture('pveversion-9.txt'),
    [c.configured.command]: configured,
    [c.placements.command]: placements,
    [c.status.command]: status,
    [r.add.command]: '',
    [r.placement!.pve9Rule.command]: '',
  });
}

describe('ha', () => {
  it('PVE 9, nothing under HA yet: ha-manager add, then the node-affinity rule; verify once the real status says started', async () => {
    const ctx = ctxWith([real('hb-1-ha-status-stopped.out'), real('hb-6-ha-status-started.out')], '', '');
    const checked = await ha.check(ctx, config);
    assert.deepEqual([checked.done, checked.state.missing.map((m) => [m.add, m.place])], [false, [[true, true]]]);
    const acted = await ha.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, [
      'rp1$ ha-manager add vm:100 --state started --max_restart 1 --max_relocate 1',
      'rp1$ ha-manager rules add node-affinity pve-twonode-vm-100 --resources vm:100 --nodes rp1:2,rp2:1',
    ]);
    const verified = await ha.verify(ctx, config, { state: checked.state, acted });
    assert.equal(verified.summary, 'HA started: vm:100 on rp1');
  });

  it('under HA with its rule: done', async () => {
    assert.equal((await ha.check(ctxWith(real('hb-6-ha-status-started.out')), config)).done, true);
  });

  it('verify: still stopped after the wait fails naming the guest and where', async () => {
    await assert.rejects(
      ha.verify(ctxWith(real('hb-1-ha-status-stopped.out')), config, { state: { pveMajor: 9, missing: [] }, acted: null }),
      /HA guests not started: vm:100 stopped on rp1/,
    );
  });

  it("verify right after node 1's power cut: the master is 'old timestamp - dead?' while vm:100 still shows started", async () => {
    await assert.rejects(
      ha.verify(ctxWith(at('18:41:55')), config, { state: { pveMajor: 9, missing: [] }, acted: null }),
      /no live HA master \(CRM\): master rp1 is old timestamp - dead\?; check pve-ha-crm on both nodes/,
    );
  });

  it('verify once node 2 took over (master rp2, vm:100 started there) names the dead LRM of node 1', async () => {
    await assert.rejects(
      ha.verify(ctxWith(at('18:44:38')), config, { state: { pveMajor: 9, missing: [] }, acted: null }),
      /HA LRM not working: rp1: "old timestamp - dead\?"; check pve-ha-lrm there/,
    );
  });

  it('verify (read-only) while the real CRM migrates vm:100 back to its returning node: degraded, on its way, not down', async () => {
    const failback = fixture('ha-manager-status-failback-lab.txt').replaceAll('pve1', 'rp1').replaceAll('pve2', 'rp2');
    const err = await ha.verify(ctxWith(failback), config, { state: { pveMajor: 9, missing: [] }, acted: null }).then(
      () => assert.fail('verify passed'),
      (e: unknown) => e as { type?: string; message: string },
    );
    assert.equal(err.type, 'Degraded');
    assert.match(err.message, /^HA guests on their way: vm:100 migrate on rp2 /);
  });

  it('verify once the guest is back but the returning LRM still waits for its lock: degraded (settling), not broken', async () => {
    const settling = fixture('ha-manager-status-failback-lab.txt')
      .replace('service vm:100 (pve2, migrate)', 'service vm:100 (pve2, started)')
      .replaceAll('pve1', 'rp1')
      .replaceAll('pve2', 'rp2');
    await assert.rejects(
      ha.verify(ctxWith(settling), config, { state: { pveMajor: 9, missing: [] }, acted: null }),
      (e: { type?: string; message: string }) => {
        assert.equal(e.type, 'Degraded');
        assert.match(e.message, /^HA LRM settling: rp1: "wait_for_agent_lock"/);
        return true;
      },
    );
  });

  it("verify after maintenance off, the guest back on its node: the real LRM's bare 'maintenance' word is a working LRM", async () => {
    const back = fixture('ha-manager-status-failback-lab.txt')
      .replace('lrm pve1 (wait_for_agent_lock, watchdog standby', 'lrm pve1 (maintenance, watchdog active')
      .replace('service vm:100 (pve2, migrate)', 'service vm:100 (pve1, started)')
      .replaceAll('pve1', 'rp1')
      .replaceAll('pve2', 'rp2');
    const verified = await ha.verify(ctxWith(back), config, { state: { pveMajor: 9, missing: [] }, acted: null });
    assert.equal(verified.summary, 'HA started: vm:100 on rp1');
  });

  it("verify: a guest in the real HA's error state fails at once (no wait), with the way back from the Proxmox docs", async () => {
    const ctx = ctxWith(real('hb-4-ha-status.out'));
    await assert.rejects(ha.verify(ctx, config, { state: { pveMajor: 9, missing: [] }, acted: null }), (e: { type?: string; message: string }) => {
      assert.equal(e.type, 'PostconditionFailed');
      assert.match(e.message, /^vm:100 is in the HA error state on rp2: .*"needs manual intervention".*journalctl -u pve-ha-lrm on rp2/);
      return true;
    });
    assert.equal(ctx.ran.filter((r) => r.endsWith('ha-manager status')).length, 1);
  });

  it('verify: an LRM that lost its agent lock is critical, saying its node lost quorum and will reset', async () => {
    const lost = real('hb-6-ha-status-started.out').replace(/lrm rp2 \([^,]*,/, 'lrm rp2 (lost_agent_lock,');
    await assert.rejects(
      ha.verify(ctxWith(lost), config, { state: { pveMajor: 9, missing: [] }, acted: null }),
      /^ApplicationFailure: rp2's LRM lost its agent lock \(lost_agent_lock\): rp2 lost quorum, .*pvecm status on rp2$/,
    );
  });

  it('verify (read-only) during a failover: fence is degraded with what HA waits for, not a guest down for good', async () => {
    const fencing = real('hb-6-ha-status-started.out').replace('service vm:100 (rp1, started)', 'service vm:100 (rp1, fence)');
    await assert.rejects(ha.verify(ctxWith(fencing), config, { state: { pveMajor: 9, missing: [] }, acted: null }), (e: { type?: string; message: string }) => {
      assert.equal(e.type, 'Degraded');
      assert.match(e.message, /^HA guests on their way: vm:100 fence on rp1 \(a failover is under way: HA waits until the lost node has surely reset/);
      return true;
    });
  });
});
