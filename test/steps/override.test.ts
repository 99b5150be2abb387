/**
 * quorum-override's steps over the real pvecm and corosync outputs of scenario 4 (real-pve-4: rp2 and the QDevice VM
 * off together, rp1 `Activity blocked`): the proof refuses a quorate survivor and a peer still a member; the override
 * deletes quorum.device from the runtime before `pvecm expected 1` (expected 1 alone does nothing on the real code)
 * and verifies quorate and writable; the restore reads corosync.conf again and verifies 3 of 3 with the QDevice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyOverride } from '../../steps/override/apply-override';
import { overrideCommands } from '../../steps/override/commands';
import { proveAlone } from '../../steps/override/prove-alone';
import { restoreQuorum } from '../../steps/override/restore-quorum';
import { fixture, realRigConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = realRigConfig('testclu');
const c = overrideCommands(config, 'rp1');
const f = (name: string) => fixture(`real-pve-4/${name}`);
const blocked = f('s4-1-status-rp1-10s.out');

/** rp2 and the VM rq answer nothing (the scripted context rejects what it has no answer for, as a dead host does). */
function context(script: Record<string, Answer>) {
  return scriptedContext(config, (cmd) =>
    cmd.host === 'rp1' ? { [c.corosyncConf.command]: f('s4-0-before-rp1-corosync.conf'), ...script }[cmd.command] : undefined,
  );
}

describe('quorum-override steps', () => {
  it('proof: rp1 blocked (real "Activity blocked"), rp2 silent and no member, the QDevice with no vote, rq unreachable', async () => {
    const step = proveAlone('rp1', '10s');
    const ctx = context({ [c.status.command]: blocked });
    const checked = await step.check(ctx, config);
    const verified = await step.verify(ctx, config, { state: checked.state, acted: null });
    assert.match(verified.summary, /^rp1 is alone: testclu: NOT quorate, votes 1\/3.*rp2 silent .*the QDevice gives no vote; qnetd: not asked/);
    assert.deepEqual(ctx.acts, []);
  });

  it('proof refused: rp1 quorate (the QDevice still votes for it)', async () => {
    await assert.rejects(
      proveAlone('rp1', '10s').check(context({ [c.status.command]: f('s1-status-rp1-10s.out') }), config),
      /rp1 is quorate .*: no override is needed/,
    );
  });

  it('proof refused: rp2 still a corosync member', async () => {
    await assert.rejects(
      proveAlone('rp1', '10s').check(
        context({ [c.status.command]: { stdout: f('c1-status-rp1.out').replace('Quorate:          Yes', 'Quorate:          No') } }),
        config,
      ),
      /rp2 is still a corosync member on rp1 \(node id 2\): it is alive/,
    );
  });

  it("override: corosync-qdevice stopped and quorum.device out of the runtime first (the real rig's order), then expected 1; verified quorate (real status after it) and writable", async () => {
    const step = applyOverride('rp1');
    const ctx = context({
      [c.status.command]: [blocked, f('s4-6-status.out')],
      [c.runtimeQuorum.command]: f('s4-6-cmap-quorum-before.out'),
      [c.dropDevice.command]: '',
      [c.stopQdevice.command]: '',
      [c.expectedOne.command]: '',
      [c.writeTest.command]: 'writable\n',
    });
    const checked = await step.check(ctx, config);
    assert.deepEqual([checked.done, checked.state], [false, true]);
    const acted = await step.act!(ctx, config, checked.state);
    const verified = await step.verify(ctx, config, { state: checked.state, acted });
    assert.deepEqual(ctx.acts, ['rp1$ corosync-cmapctl -D quorum.device', 'rp1$ systemctl stop corosync-qdevice', 'rp1$ pvecm expected 1']);
    assert.match(verified.summary, /override in place on rp1: testclu: quorate, votes 1\/1/);
  });

  it("override: an expected 1 the lab's real votequorum ignored (held at 2, no device left) is mended by the runtime key quorum.expected_votes", async () => {
    const step = applyOverride('rp1');
    const heldAtTwo = f('s4-6-status.out').replace('Expected votes:   1', 'Expected votes:   2').replace('Quorate:          Yes', 'Quorate:          No');
    const ctx = context({
      [c.status.command]: [blocked, heldAtTwo, heldAtTwo, heldAtTwo, f('s4-6-status.out')],
      [c.runtimeQuorum.command]: f('s4-6-cmap-quorum-before.out'),
      [c.dropDevice.command]: '',
      [c.stopQdevice.command]: '',
      [c.expectedOne.command]: '',
      [c.expectedKey.command]: '',
      [c.writeTest.command]: 'writable\n',
    });
    const checked = await step.check(ctx, config);
    const acted = await step.act!(ctx, config, checked.state);
    assert.equal(ctx.acts.at(-1), 'rp1$ corosync-cmapctl -s quorum.expected_votes u32 1');
    assert.match(acted.changes.at(-1) ?? '', /quorum\.expected_votes = 1 in the runtime \(pvecm expected 1 did not hold\)/);
    const verified = await step.verify(ctx, config, { state: checked.state, acted });
    assert.match(verified.summary, /votes 1\/1/);
  });

  it('restore: corosync.conf read again (cfgtool -R), corosync-qdevice started; 3 of 3 with the QDevice (real status after it)', async () => {
    const step = restoreQuorum('rp1', true);
    const ctx = context({
      [c.status.command]: [f('s4-6-status.out'), f('s4-9-status-rp1-after-restore.out')],
      [c.runtimeQuorum.command]: f('s4-7-cmap-quorum-rp1.out'),
      [c.reload.command]: f('s4-9-rp1-cfgtool-R.out'),
      [c.startQdevice.command]: '',
    });
    const checked = await step.check(ctx, config);
    assert.equal(checked.done, false);
    const acted = await step.act!(ctx, config, checked.state);
    const verified = await step.verify(ctx, config, { state: checked.state, acted });
    assert.deepEqual(ctx.acts, ['rp1$ corosync-cfgtool -R', 'rp1$ systemctl start corosync-qdevice']);
    assert.match(verified.summary, /override lifted on rp1: testclu: quorate, votes 3\/3, flags Quorate Qdevice; the QDevice votes/);
  });

  it('restore with the expected-votes override outliving the reload: set back to 3 only once the votes make quorum on it', async () => {
    const restored = f('s4-9-status-rp1-after-restore.out');
    // Synthesized from the real status: rp1 and the QDevice voting (2), expected still 2 from the override.
    const stillLow = restored.replace('Expected votes:   3', 'Expected votes:   2').replace('Total votes:      3', 'Total votes:      2');
    const step = restoreQuorum('rp1', true);
    const ctx = context({
      [c.status.command]: [f('s4-6-status.out'), stillLow, restored],
      [c.runtimeQuorum.command]: f('s4-7-cmap-quorum-rp1.out'),
      [c.reload.command]: f('s4-9-rp1-cfgtool-R.out'),
      [c.startQdevice.command]: '',
      'pvecm expected 3': '',
    });
    const checked = await step.check(ctx, config);
    await step.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, ['rp1$ corosync-cfgtool -R', 'rp1$ systemctl start corosync-qdevice', 'rp1$ pvecm expected 3']);
  });
});
