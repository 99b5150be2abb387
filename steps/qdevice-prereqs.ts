/**
 * Step 6, qdevice-prereqs: what `pvecm qdevice setup` silently needs (docs/proxmox-contract.md):
 * corosync-qdevice on BOTH nodes, node1's /root/.ssh/id_rsa authorised on the VM, the VM's pinned host key in node1's known_hosts.
 */
import type { ClusterConfig, HostConfig } from '../src/config/schema';
import { allHosts, on, type CommandSet } from '../src/step-kit/commands';
import { defineStep } from '../src/step-kit/descriptor';
import { postconditionFailed } from '../src/step-kit/failures';
import { checkRootTrust, establishRootTrust, rootTrustCommands, rootTrustDone, verifyRootLogin, type RootTrustState } from '../src/step-kit/root-trust';

export function qdevicePrereqsCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  const installed = "dpkg-query -W -f='${Status}' corosync-qdevice";
  const install = 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y corosync-qdevice';
  return {
    node1Installed: on(node1, 'check', installed),
    node2Installed: on(node2, 'check', installed),
    node1Install: on(node1, 'act', install, { timeoutMs: 600_000 }),
    node2Install: on(node2, 'act', install, { timeoutMs: 600_000 }),
  } satisfies CommandSet;
}

const isInstalled = (out: string) => out.includes('install ok installed');

export interface PrereqsState {
  missingOn: HostConfig[];
  trust: RootTrustState;
}

export const qdevicePrereqs = defineStep({
  name: 'qdevice-prereqs',
  activity: 'qdevicePrereqs',
  kind: 'install',
  acts: "`corosync-qdevice` on both nodes, node 1's `id_rsa` authorised on the VM, the VM's pinned host key in node 1's known_hosts",
  verifiedBy: 'node 1 logs in to the VM in BatchMode',
  gatedByDefault: false,
  health: 'warning',
  hosts: (config) => allHosts(config).map((h) => h.name),
  summary: (config) => `corosync-qdevice + root key for ${config.qdevice.name}`,
  commands: (config) => [qdevicePrereqsCommands(config), rootTrustCommands(config.nodes[0], config.qdevice)],
  async check(ctx, config) {
    const c = qdevicePrereqsCommands(config);
    const [node1, node2] = config.nodes;
    const [node1Has, node2Has, trust] = await Promise.all([ctx.run(c.node1Installed), ctx.run(c.node2Installed), checkRootTrust(ctx, node1, config.qdevice)]);
    const missingOn: HostConfig[] = [];
    if (!isInstalled(node1Has.stdout)) missingOn.push(node1);
    if (!isInstalled(node2Has.stdout)) missingOn.push(node2);
    const state: PrereqsState = { missingOn, trust };
    return { done: missingOn.length === 0 && rootTrustDone(trust), state };
  },
  async act(ctx, config, state) {
    const c = qdevicePrereqsCommands(config);
    const [node1] = config.nodes;
    // The two nodes' installs are independent: side by side.
    await Promise.all(state.missingOn.map((node) => ctx.run(node.name === node1.name ? c.node1Install : c.node2Install)));
    const changes = state.missingOn.map((node) => `corosync-qdevice on ${node.name}`);
    changes.push(...(await establishRootTrust(ctx, node1, config.qdevice, state.trust)));
    return { changes: [`set up: ${changes.join('; ')}`] };
  },
  async verify(ctx, config) {
    const c = qdevicePrereqsCommands(config);
    const [node1, node2] = config.nodes;
    const [node1Has, node2Has] = await Promise.all([ctx.run(c.node1Installed), ctx.run(c.node2Installed), verifyRootLogin(ctx, node1, config.qdevice)]);
    for (const [node, has] of [
      [node1, node1Has],
      [node2, node2Has],
    ] as const)
      if (!isInstalled(has.stdout)) throw postconditionFailed(`corosync-qdevice is not installed on ${node.name}`);
    return { summary: `corosync-qdevice on both nodes; ${node1.name} logs in to ${config.qdevice.name} by key in BatchMode`, facts: {} };
  },
});
