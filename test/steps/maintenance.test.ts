/** maintenance on/off over the real pve-ha-manager's words (real-pve-4): a guest HA gave up on stops the wait at once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maintenanceOn } from '../../steps/maintenance/maintenance-on';
import { fixture, realRigConfig, scriptedContext } from '../helpers/step-kit';

const config = realRigConfig('testclu');
const real = (name: string) => fixture(`real-pve-4/${name}`);

describe('maintenance', () => {
  it("on: a guest in the real HA's error state ends the wait for the move at once, with the way back", async () => {
    const ctx = scriptedContext(config, { 'ha-manager status': real('hb-4-ha-status.out') }, { polls: 5 });
    await assert.rejects(
      maintenanceOn('rp2').verify(ctx, config, { state: { enabled: true }, acted: null }),
      /^ApplicationFailure: vm:100 is in the HA error state on rp2: .*ha-manager set vm:100 --state disabled/,
    );
    assert.equal(ctx.ran.length, 1);
  });

  it('on: verified once the real LRM says maintenance mode and the guest runs on the other node', async () => {
    const moved = real('hb-6-ha-status-started.out').replace(/lrm rp2 \([^,]*,/, 'lrm rp2 (maintenance mode,');
    const ctx = scriptedContext(config, { 'ha-manager status': moved });
    const verified = await maintenanceOn('rp2').verify(ctx, config, { state: { enabled: true }, acted: null });
    assert.equal(verified.summary, 'rp2 in HA maintenance; vm:100 started on rp1: rp2 can go down');
  });
});
