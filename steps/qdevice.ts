/** Step 7, qdevice: `pvecm qdevice setup <vm-ip>` on node1 (an IP, never a name: docs/proxmox-contract.md), verified by the third vote. */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { hasHealthyQdevice, readClusterStatus, statusWhere, summarize } from '../src/step-kit/cluster-state';
import { exitReport, on, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { postconditionFailed, preconditionFailed } from '../src/step-kit/failures';

const VOTES_TIMEOUT_MS = 90_000;

export function qdeviceCommands(config: ClusterConfig) {
  const node1 = config.nodes[0];
  const ip = config.qdevice.ip;
  return {
    status: on(node1, 'check', 'pvecm status'),
    configured: on(node1, 'check', "grep -Eq '^\\s*device\\s*\\{' /etc/pve/corosync.conf && echo configured"),
    leftoverNssdb: on(node1, 'check', 'test -d /etc/corosync/qdevice/net/nssdb && echo leftover'),
    setup: on(node1, 'act', sh`pvecm qdevice setup ${ip}`, { timeoutMs: 300_000 }),
    // A half-finished earlier setup leaves the nssdb; pvecm then insists on --force (docs/proxmox-contract.md).
    setupForce: on(node1, 'act', sh`pvecm qdevice setup ${ip} --force`, { timeoutMs: 300_000 }),
  } satisfies CommandSet;
}

const voting = (ctx: StepContext, config: ClusterConfig) => statusWhere(ctx, qdeviceCommands(config).status, hasHealthyQdevice);

export const qdevice = defineStep({
  name: 'qdevice',
  activity: 'qdevice',
  kind: 'cluster',
  acts: '`pvecm qdevice setup <vm-ip>`',
  verifiedBy: 'Expected 3, Total 3, `Quorate Qdevice`, both members `A,V,NMW`',
  gatedByDefault: true,
  health: 'critical',
  hosts: (config) => [config.nodes[0].name],
  summary: (config) => `pvecm qdevice setup on ${config.nodes[0].name}`,
  commands: (config) => [qdeviceCommands(config)],
  async check(ctx, config) {
    const c = qdeviceCommands(config);
    if (await voting(ctx, config)) return { done: true, state: { configured: true, leftover: false } };
    const configured = (await ctx.run(c.configured)).stdout.includes('configured');
    const leftover = !configured && (await ctx.run(c.leftoverNssdb)).stdout.includes('leftover');
    return { done: false, state: { configured, leftover } };
  },
  async act(ctx, config, { configured, leftover }) {
    const c = qdeviceCommands(config);
    if (configured) {
      // A configured device that is not voting is not ours to redo: pvecm refuses a second setup.
      if (await ctx.waitFor('configured QDevice to vote', 30_000, () => voting(ctx, config))) return { changes: [] };
      const now = await readClusterStatus(ctx, c.status);
      throw preconditionFailed(
        `a QDevice is configured on ${config.cluster.name} but not voting (${summarize(now)}); check corosync-qnetd on ${config.qdevice.name} and port 5403, or run 'pvecm qdevice remove' and retry`,
      );
    }
    // A half-finished earlier setup leaves the nssdb; pvecm then insists on --force (docs/proxmox-contract.md).
    const setup = await ctx.run(leftover ? c.setupForce : c.setup);
    const evidence = exitReport('pvecm qdevice setup', setup, 800);
    // A non-zero exit is a sure failure: say so now instead of waiting for votes that cannot come.
    if (setup.code !== 0) {
      const now = await readClusterStatus(ctx, c.status);
      throw postconditionFailed(
        `after pvecm qdevice setup the cluster shows ${summarize(now)}, not Expected 3 / Total 3 / Quorate Qdevice with both members A,V. ${evidence}`,
        { pvecmStatus: now },
      );
    }
    return { changes: [], evidence };
  },
  async verify(ctx, config, { acted }) {
    const status = await ctx.waitFor('3 of 3 votes with Qdevice', VOTES_TIMEOUT_MS, () => voting(ctx, config));
    if (!status) {
      const now = await readClusterStatus(ctx, qdeviceCommands(config).status);
      throw postconditionFailed(
        `the cluster shows ${summarize(now)}, not Expected 3 / Total 3 / Quorate Qdevice with both members A,V.${acted?.evidence ? ` ${acted.evidence}` : ''}`,
        { pvecmStatus: now },
      );
    }
    return { summary: `QDevice on ${config.qdevice.ip} votes (${summarize(status)})`, facts: { pvecmStatus: status } };
  },
});
