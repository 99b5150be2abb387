/**
 * Repair 0 of the QDevice: corosync-qnetd down on the VM. The guide's own qnetd step (check, act: install or start,
 * ufw rule), verified further: the vote back on both nodes, as the qdevice step verifies it.
 */
import { defineStep } from '../../src/step-kit/descriptor';
import { qdevice } from '../qdevice';
import { startQnetdPlan } from '../../src/plan/repairs';
import { qnetd } from '../qnetd';

export const startQnetd = defineStep({
  ...qnetd,
  ...startQnetdPlan,
  health: 'none',
  verifiedBy: `${qnetd.verifiedBy}; then as the qdevice step: 3 of 3 votes, qnetd votes for both`,
  async verify(ctx, config, run) {
    const served = await qnetd.verify(ctx, config, run);
    const voted = await qdevice.verify(ctx, config, { state: { configured: true, leftover: false }, acted: run.acted });
    return { summary: `${served.summary}; ${voted.summary}`, facts: { ...served.facts, ...voted.facts } };
  },
});
