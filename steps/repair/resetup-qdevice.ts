/**
 * Repair 3 of the QDevice (the last resort): `pvecm qdevice remove`, then `pvecm qdevice setup <vm-ip> --force`.
 * remove refuses unless every node is online, so both nodes must be members first, and the setup must be able to
 * succeed (requireSetupCanSucceed) before anything is removed. move-qnetd runs the same pair
 * against a new VM.
 */
import type { ClusterConfig } from '../../src/config/schema';
import { sh } from '../../src/ssh/quote';
import { readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import { exitReport, on, type CommandSet } from '../../src/step-kit/commands';
import { defineStep, type Acted, type StepContext } from '../../src/step-kit/descriptor';
import { postconditionFailed, preconditionFailed } from '../../src/step-kit/failures';
import { cfsMembers, waitForCfsOnline } from '../../src/step-kit/cfs-quorum';
import { describeUnreachable, memberLoginCommands, membersNode1CannotReach } from '../../src/step-kit/member-login';
import { verifyRootLogin } from '../../src/step-kit/root-trust';
import { qdevice, qdeviceCommands } from '../qdevice';
import { readNodeQdevices } from './restart-qdevice';
import { resetupQdevicePlan } from '../../src/plan/repairs';

export function resetupCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  // Both nodes' corosync-qdevice connect to corosync-qnetd on 5403/tcp; bash's /dev/tcp opens the connection only.
  const qnetdPort = (node: typeof node1) => on(node, 'check', sh`timeout 5 bash -c ${`: </dev/tcp/${config.qdevice.ip}/5403`} && echo open`);
  return {
    status: qdeviceCommands(config).status,
    configured: qdeviceCommands(config).configured,
    vmAnswers: on(config.qdevice, 'check', 'echo up'),
    // pmxcfs's member list, whose online flags pvecm qdevice remove requires (src/step-kit/cfs-quorum.ts).
    node1Cfs: cfsMembers(node1),
    qnetdPortFromNode1: qnetdPort(node1),
    qnetdPortFromNode2: qnetdPort(node2),
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
 * What `pvecm qdevice setup` needs, proven before the device is removed: a removal whose setup then fails leaves the
 * cluster with no QDevice at all (seen with the VM unreachable: remove ran, setup failed with "No route to host").
 * The VM answers over SSH with its pinned key, corosync-qnetd accepts connections on 5403/tcp from both nodes, and
 * node 1 logs in to the VM as root in BatchMode and to both nodes as pvecm does (pvecm's own ssh). Otherwise nothing is removed, and the failure says
 * what the person must fix.
 */
export async function requireSetupCanSucceed(ctx: StepContext, config: ClusterConfig): Promise<void> {
  const c = resetupCommands(config);
  const vm = config.qdevice;
  const problems: string[] = [];
  const answers = await ctx.run(c.vmAnswers).then(
    (r) => r.stdout.includes('up'),
    (err: unknown) => {
      problems.push(`${vm.name} (${vm.ip}) does not answer over SSH (${err instanceof Error ? err.message : String(err)}): power it on or mend the network`);
      return false;
    },
  );
  for (const [node, port] of [
    [config.nodes[0], c.qnetdPortFromNode1],
    [config.nodes[1], c.qnetdPortFromNode2],
  ] as const)
    if (!(await ctx.run(port)).stdout.includes('open'))
      problems.push(
        `corosync-qnetd on ${vm.ip}:5403 does not accept connections from ${node.name}${answers ? ` (is corosync-qnetd running on ${vm.name}? a firewall?)` : ''}`,
      );
  if (answers) await verifyRootLogin(ctx, config.nodes[0], vm).catch((err: unknown) => problems.push(err instanceof Error ? err.message : String(err)));
  const cannot = describeUnreachable(config, await membersNode1CannotReach(ctx, config));
  if (cannot) problems.push(`${cannot} (pvecm updatecerts on that node writes its ssh_known_hosts)`);
  if (problems.length > 0) throw preconditionFailed(`nothing removed: pvecm qdevice setup could not succeed now: ${problems.join('; ')}`);
}

/**
 * The device in corosync.conf removed (when there is one), then set up against cluster.yaml's VM with --force (a
 * store left by a half-finished earlier setup would otherwise stop it). What the setup needs is proven first, again
 * (the gate before may have waited long). Exit codes are reported, never trusted: the caller verifies the votes.
 */
/**
 * What a failed setup after the remove leaves, said first so a phone's few lines carry it: no QDevice, and the way
 * back. Real `pvecm qdevice remove` also deletes the nodes' certificate stores, so putting the old device section
 * back would not bring its vote back: the way back is a setup that works.
 */
export function leftWithoutQdevice(wayBack: string): string {
  return `STATE LEFT: pvecm qdevice remove ran and the setup did not complete, so the cluster has NO QDevice now (2 votes: losing either node stops the other). Way back: mend what the setup said (below), then ${wayBack}.`;
}

export const RESETUP_WAY_BACK = 'pve-twonode repair qdevice <cluster.yaml> (it sets the QDevice up; nothing is left to remove)';

export async function removeAndSetUp(ctx: StepContext, config: ClusterConfig, configured: boolean, wayBack = RESETUP_WAY_BACK): Promise<Acted> {
  const c = resetupCommands(config);
  await requireSetupCanSucceed(ctx, config);
  const changes: string[] = [];
  if (configured) {
    const offline = await waitForCfsOnline(
      ctx,
      config.nodes[0],
      config.nodes.map((n) => n.name),
    );
    if (offline.length > 0)
      throw preconditionFailed(
        `nothing removed: pmxcfs on ${config.nodes[0].name} does not see ${offline.join(' and ')} online, and pvecm qdevice remove needs every node online (systemctl status pve-cluster corosync on ${offline.join(', ')})`,
      );
    const removed = await ctx.run(c.remove);
    if (removed.code !== 0) throw postconditionFailed(exitReport('pvecm qdevice remove', removed, 600));
    changes.push('QDevice removed');
  }
  const setup = await ctx.run(c.setupForce);
  const evidence = exitReport('pvecm qdevice setup --force', setup, 800);
  if (setup.code !== 0) throw postconditionFailed(configured ? `${leftWithoutQdevice(wayBack)} ${evidence}` : evidence);
  changes.push(`QDevice set up against ${config.qdevice.name} (${config.qdevice.ip})`);
  return { changes, evidence };
}

export const resetupQdevice = defineStep({
  ...resetupQdevicePlan,
  acts: '`pvecm qdevice remove`, then `pvecm qdevice setup <vm-ip> --force`',
  verifiedBy: 'as the qdevice step: Expected 3, Total 3, both members `A,V,NMW`, qnetd votes for both',
  health: 'none',
  commands: (config) => [resetupCommands(config), ...config.nodes.map((member) => memberLoginCommands(config, member))],
  async check(ctx, config) {
    const { healthy } = await readNodeQdevices(ctx, config);
    if (healthy) return { done: true, state: { configured: true } };
    await requireBothNodesOnline(ctx, config);
    await requireSetupCanSucceed(ctx, config);
    return { done: false, state: { configured: (await ctx.run(resetupCommands(config).configured)).stdout.includes('configured') } };
  },
  act: (ctx, config, { configured }) => removeAndSetUp(ctx, config, configured),
  verify: (ctx, config, { acted }) => qdevice.verify(ctx, config, { state: { configured: true, leftover: false }, acted }),
});
