/**
 * `repair move-qnetd`: the QDevice moved to the VM cluster.yaml now names (a new VM, or the old one at a new IP).
 * pvecm has no move: the device is removed and set up again against the new address. The VM the device used before
 * is never contacted; corosync-qnetd keeps running there until its owner retires it.
 */
import type { ClusterConfig } from '../../src/config/schema';
import { parseCorosyncConf } from '../../src/parsers/corosync-conf';
import { defineStep, type StepContext } from '../../src/step-kit/descriptor';
import { qdevice, qdeviceCommands } from '../qdevice';
import { readNodeQdevices } from './restart-qdevice';
import { removeAndSetUp, requireBothNodesOnline, resetupCommands } from './resetup-qdevice';
import { moveQnetdPlan } from '../../src/plan/repairs';

export interface QnetdPlace {
  /** The QDevice host in /etc/pve/corosync.conf now: the old VM's IP, or null without a device. */
  from: string | null;
  configured: boolean;
}

/** Where corosync sends the QDevice's traffic today (read on node 1). */
export async function currentQnetd(ctx: StepContext, config: ClusterConfig): Promise<string | null> {
  return parseCorosyncConf(await ctx.output(qdeviceCommands(config).corosyncConf)).qdeviceHost;
}

export const moveQnetd = defineStep({
  ...moveQnetdPlan,
  acts: '`pvecm qdevice remove`, then `pvecm qdevice setup <new-vm-ip> --force`',
  verifiedBy: "as the qdevice step, against the new VM: 3 of 3 votes, corosync.conf's QDevice host the new IP, its qnetd votes for both",
  health: 'none',
  commands: (config) => [resetupCommands(config), { corosyncConf: qdeviceCommands(config).corosyncConf }],
  async check(ctx, config) {
    const from = await currentQnetd(ctx, config);
    if (from === config.qdevice.ip && (await readNodeQdevices(ctx, config)).healthy) return { done: true, state: { from, configured: true } };
    await requireBothNodesOnline(ctx, config);
    return { done: false, state: { from, configured: from !== null } };
  },
  async act(ctx, config, { from, configured }) {
    const back =
      from && from !== config.qdevice.ip
        ? `, or put the old VM (${from}) back in cluster.yaml's qdevice block and run pve-twonode repair qdevice <cluster.yaml>`
        : '';
    const acted = await removeAndSetUp(ctx, config, configured, `pve-twonode repair move-qnetd <cluster.yaml> --to ${config.qdevice.ip} again${back}`);
    const untouched = from && from !== config.qdevice.ip ? `; the old qnetd host ${from} was not contacted: retire it when you wish` : '';
    return { ...acted, changes: [`moved from ${from ?? 'no QDevice'} to ${config.qdevice.ip}${untouched}`] };
  },
  verify: (ctx, config, { acted }) => qdevice.verify(ctx, config, { state: { configured: true, leftover: false }, acted }),
});
