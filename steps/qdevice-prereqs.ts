/**
 * Step 6, qdevice-prereqs: what `pvecm qdevice setup` silently needs (docs/proxmox-contract.md):
 * corosync-qdevice on BOTH nodes, node1's /root/.ssh/id_rsa authorised on the VM, the VM's pinned host key in node1's known_hosts,
 * and node 1 logging in to every member as setup's own ssh does (src/step-kit/member-login.ts).
 */
import type { ClusterConfig, HostConfig } from '../src/config/schema';
import { on, type CommandSet } from '../src/step-kit/commands';
import { defineStep } from '../src/step-kit/descriptor';
import { postconditionFailed } from '../src/step-kit/failures';
import { describeUnreachable, memberLoginCommands, membersNode1CannotReach, mendMemberLogins } from '../src/step-kit/member-login';
import { checkRootTrust, establishRootTrust, rootTrustCommands, rootTrustDone, verifyRootLogin, type RootTrustState } from '../src/step-kit/root-trust';
import { qdevicePrereqsPlan } from '../src/plan/guide';

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
  unreachableMembers: HostConfig[];
}

export const qdevicePrereqs = defineStep({
  ...qdevicePrereqsPlan,
  acts: "`corosync-qdevice` on both nodes, node 1's `id_rsa` authorised on the VM, the VM's pinned host key in node 1's known_hosts; `pvecm updatecerts` on a node node 1 cannot log in to",
  verifiedBy: 'node 1 logs in to the VM in BatchMode, and to both nodes as pvecm does',
  health: 'warning',
  commands: (config) => [
    qdevicePrereqsCommands(config),
    rootTrustCommands(config.nodes[0], config.qdevice),
    ...config.nodes.map((member) => memberLoginCommands(config, member)),
  ],
  async check(ctx, config) {
    const c = qdevicePrereqsCommands(config);
    const [node1, node2] = config.nodes;
    const [node1Has, node2Has, trust, unreachable] = await Promise.all([
      ctx.run(c.node1Installed),
      ctx.run(c.node2Installed),
      checkRootTrust(ctx, node1, config.qdevice),
      membersNode1CannotReach(ctx, config),
    ]);
    const missingOn: HostConfig[] = [];
    if (!isInstalled(node1Has.stdout)) missingOn.push(node1);
    if (!isInstalled(node2Has.stdout)) missingOn.push(node2);
    const state: PrereqsState = { missingOn, trust, unreachableMembers: unreachable.map((u) => u.member) };
    return { done: missingOn.length === 0 && rootTrustDone(trust) && unreachable.length === 0, state };
  },
  async act(ctx, config, state) {
    const c = qdevicePrereqsCommands(config);
    const [node1] = config.nodes;
    // The two nodes' installs are independent: side by side.
    await Promise.all(state.missingOn.map((node) => ctx.run(node.name === node1.name ? c.node1Install : c.node2Install)));
    const changes = state.missingOn.map((node) => `corosync-qdevice on ${node.name}`);
    changes.push(...(await establishRootTrust(ctx, node1, config.qdevice, state.trust)));
    changes.push(...(await mendMemberLogins(ctx, config, state.unreachableMembers)));
    return { changes: [`set up: ${changes.join('; ')}`] };
  },
  async verify(ctx, config) {
    const c = qdevicePrereqsCommands(config);
    const [node1, node2] = config.nodes;
    const [node1Has, node2Has, , unreachable] = await Promise.all([
      ctx.run(c.node1Installed),
      ctx.run(c.node2Installed),
      verifyRootLogin(ctx, node1, config.qdevice),
      membersNode1CannotReach(ctx, config),
    ]);
    for (const [node, has] of [
      [node1, node1Has],
      [node2, node2Has],
    ] as const)
      if (!isInstalled(has.stdout)) throw postconditionFailed(`corosync-qdevice is not installed on ${node.name}`);
    const cannot = describeUnreachable(config, unreachable);
    if (cannot) throw postconditionFailed(`${cannot}: pvecm qdevice setup would fail half-way (pvecm updatecerts on that node writes its ssh_known_hosts)`);
    return {
      summary: `corosync-qdevice on both nodes; ${node1.name} logs in to ${config.qdevice.name} by key in BatchMode, and to both nodes as pvecm does`,
      facts: {},
    };
  },
});
