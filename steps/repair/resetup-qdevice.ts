/**
 * Repair 3 of the QDevice (the last resort): `pvecm qdevice remove`, then `pvecm qdevice setup <vm-ip> --force`.
 * remove refuses unless every node is online, so both nodes must be members first. move-qnetd runs the same pair
 * against a new VM.
 */
import type { ClusterConfig } from '../../src/config/schema';
import { sh } from '../../src/ssh/quote';
import { readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import { exitReport, on, type CommandSet } from '../../src/step-kit/commands';
import { defineStep, type Acted, type StepContext } from '../../src/step-kit/descriptor';
import { postconditionFailed, preconditionFailed } from '../../src/step-kit/failures';
import { qdevice, qdeviceCommands } from '../qdevice';
import { readNodeQdevices } from './restart-qdevice';

export function resetupCommands(config: ClusterConfig) {
  const node1 = config.nodes[0];
  return {
    status: qdeviceCommands(config).status,
    configured: qdeviceCommands(config).configured,
    remove: on(node1, 'act', 'pvecm qdevice remove', { timeoutMs: 120_000 }),
    setupForce: on(node1, 'act', sh`pvecm qdevice setup ${config.qdevice.ip} --force`, { timeoutMs: 300_000 }),
  } satisfies CommandSet;
}

/** pvecm qdevice remove refuses unless every node is online: said before anything is removed. */
export async function requireBothNodesOnline(ctx: StepContext, config: ClusterConfig): Promise<void> {
  const status = await readClusterStatus(ctx, resetupCommands(config).status);
  if (!status?.quorate || status.members.length < 2)
    throw preconditionFailed(`pvecm qdevice remove needs both nodes online; the cluster shows ${summarize(status)}: bring the other node back first`);
}

/**
 * The device in corosync.conf removed (when there is one), then set up against cluster.yaml's VM with --force (a
 * store left by a half-finished earlier setup would otherwise stop it). Exit codes are reported, never trusted: the
 * caller verifies the votes.
 */
export async function removeAndSetUp(ctx: StepContext, config: ClusterConfig, configured: boolean): Promise<Acted> {
  const c = resetupCommands(config);
  const changes: string[] = [];
  if (configured) {
    const removed = await ctx.run(c.remove);
    if (removed.code !== 0) throw postconditionFailed(exitReport('pvecm qdevice remove', removed, 600));
    changes.push('QDevice removed');
  }
  const setup = await ctx.run(c.setupForce);
  const evidence = exitReport('pvecm qdevice setup --force', setup, 800);
  if (setup.code !== 0) throw postconditionFailed(evidence);
  changes.push(`QDevice set up against ${config.qdevice.name} (${config.qdevice.ip})`);
  return { changes, evidence };
}

export const resetupQdevice = defineStep({
  name: 'resetup-qdevice',
  activity: 'repairResetupQdevice',
  kind: 'cluster',
  acts: '`pvecm qdevice remove`, then `pvecm qdevice setup <vm-ip> --force`',
  verifiedBy: 'as the qdevice step: Expected 3, Total 3, both members `A,V,NMW`, qnetd votes for both',
  gatedByDefault: true,
  health: 'none',
  hosts: (config) => [config.nodes[0].name, config.nodes[1].name, config.qdevice.name],
  summary: (config) => `pvecm qdevice remove + setup --force on ${config.nodes[0].name}`,
  commands: (config) => [resetupCommands(config)],
  async check(ctx, config) {
    const { healthy } = await readNodeQdevices(ctx, config);
    if (healthy) return { done: true, state: { configured: true } };
    await requireBothNodesOnline(ctx, config);
    return { done: false, state: { configured: (await ctx.run(resetupCommands(config).configured)).stdout.includes('configured') } };
  },
  act: (ctx, config, { configured }) => removeAndSetUp(ctx, config, configured),
  verify: (ctx, config, { acted }) => qdevice.verify(ctx, config, { state: { configured: true, leftover: false }, acted }),
});
