/**
 * Repair 1 of the QDevice (the least invasive): restart corosync-qdevice on a node where it is down or not alive
 * (flags NA or NR) but still has its certificate store. Verified like the guide's qdevice step: 3 of 3 votes, both
 * sides.
 */
import type { ClusterConfig } from '../../src/config/schema';
import { hasHealthyQdevice, memberNodeName, readClusterStatus } from '../../src/step-kit/cluster-state';
import { on, type CommandSet } from '../../src/step-kit/commands';
import { defineStep, type StepContext } from '../../src/step-kit/descriptor';
import { qdevice, qdeviceCommands, qdeviceDaemonCommand } from '../qdevice';
import { restartQdevicePlan } from '../../src/plan/repairs';

export const NSSDB = '/etc/corosync/qdevice/net/nssdb';

export function restartQdeviceCommands(node: ClusterConfig['nodes'][number]) {
  return {
    daemon: qdeviceDaemonCommand(node),
    certStore: on(node, 'check', `test -f ${NSSDB}/cert9.db && echo present`),
    restart: on(node, 'act', 'systemctl restart corosync-qdevice'),
  } satisfies CommandSet;
}

export interface NodeQdevice {
  node: string;
  daemon: string;
  certStore: boolean;
  flags: string | null;
}

/**
 * Each node's qdevice daemon, certificate store and member flags (read-only; shared by the QDevice repairs). healthy:
 * the nodes count the vote and every node's daemon runs from its store (qnetd's side is the verify's to read).
 */
export async function readNodeQdevices(ctx: StepContext, config: ClusterConfig): Promise<{ healthy: boolean; configured: boolean; nodes: NodeQdevice[] }> {
  const status = await readClusterStatus(ctx, qdeviceCommands(config).status);
  // Without a device in corosync.conf (never set up, removed, or a setup that stopped half-way) no daemon can vote.
  const configured = (await ctx.run(qdeviceCommands(config).configured)).stdout.includes('configured');
  const nodes: NodeQdevice[] = [];
  for (const node of config.nodes) {
    const c = restartQdeviceCommands(node);
    const member = status?.members.find((m) => memberNodeName(config, m.name) === node.name);
    nodes.push({
      node: node.name,
      daemon: (await ctx.run(c.daemon)).stdout.trim() || 'unknown',
      certStore: (await ctx.run(c.certStore)).stdout.includes('present'),
      flags: member?.qdeviceFlags ?? null,
    });
  }
  return { healthy: hasHealthyQdevice(status) && nodes.every((n) => n.daemon === 'active' && n.certStore), configured, nodes };
}

/** A node this repair can fix: its store is there, and its daemon is down, or up but not alive or not registered. */
export function needsRestart(n: NodeQdevice): boolean {
  return n.certStore && (n.daemon !== 'active' || n.flags === 'NR' || n.flags?.startsWith('NA,') === true);
}

export const restartQdevice = defineStep({
  ...restartQdevicePlan,
  acts: '`systemctl restart corosync-qdevice` on a node whose daemon is down or not alive',
  verifiedBy: 'as the qdevice step: Expected 3, Total 3, both members `A,V,NMW`, qnetd votes for both',
  health: 'none',
  commands: (config) => config.nodes.map((n) => restartQdeviceCommands(n)),
  async check(ctx, config) {
    const { healthy, configured, nodes } = await readNodeQdevices(ctx, config);
    const targets = configured ? nodes.filter(needsRestart).map((n) => n.node) : [];
    return { done: healthy && targets.length === 0, state: { targets, nodes } };
  },
  async act(ctx, config, { targets }) {
    for (const name of targets) await ctx.run(restartQdeviceCommands(config.nodes.find((n) => n.name === name)!).restart);
    return { changes: targets.map((t) => `corosync-qdevice restarted on ${t}`) };
  },
  verify: (ctx, config, { acted }) => qdevice.verify(ctx, config, { state: { configured: true, leftover: false }, acted }),
});
