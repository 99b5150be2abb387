/**
 * Step 6, qdevice-prereqs: what `pvecm qdevice setup` silently needs (proxmox.md §0.3-0.4, §4.5):
 * corosync-qdevice on BOTH nodes, node1's /root/.ssh/id_rsa authorised on the VM, the VM's host key in node1's known_hosts.
 */
import type { ClusterConfig, HostConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { allHosts, backup, on, template, type CommandSet } from '../src/step-kit/commands';
import { defineStep } from '../src/step-kit/descriptor';
import { postconditionFailed } from '../src/step-kit/failures';

export function qdevicePrereqsCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  const vm = config.qdevice;
  const installed = "dpkg-query -W -f='${Status}' corosync-qdevice";
  const install = 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y corosync-qdevice';
  return {
    node1Installed: on(node1, 'check', installed),
    node2Installed: on(node2, 'check', installed),
    node1Install: on(node1, 'act', install, { timeoutMs: 600_000 }),
    node2Install: on(node2, 'act', install, { timeoutMs: 600_000 }),
    // pvecm hard-codes /root/.ssh/id_rsa for the qdevice host.
    node1Key: on(node1, 'check', 'cat /root/.ssh/id_rsa.pub 2>/dev/null'),
    node1Keygen: on(node1, 'act', "ssh-keygen -q -t rsa -b 4096 -N '' -C root@$(hostname) -f /root/.ssh/id_rsa"),
    vmAuthorized: template(`<${node1.name}:/root/.ssh/id_rsa.pub>`, (pubkey) => on(vm, 'check', sh`grep -qxF ${pubkey} /root/.ssh/authorized_keys && echo authorized`)),
    vmAuthorize: template(`<${node1.name}:/root/.ssh/id_rsa.pub>`, (pubkey) =>
      on(
        vm,
        'act',
        `install -d -m 700 /root/.ssh && ${backup('/root/.ssh/authorized_keys')} && ${sh`printf '%s\\n' ${pubkey}`} >> "$f" && chmod 600 "$f"`,
      ),
    ),
    // Taken over our own pinned connection, not ssh-keyscan, so node1 trusts exactly the key we verified.
    vmHostKey: on(vm, 'check', 'cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub'),
    node1KnowsVm: on(node1, 'check', sh`ssh-keygen -F ${vm.ip} -f /root/.ssh/known_hosts >/dev/null && echo known`),
    node1TrustVm: template(`<${vm.name} host key, read over the pinned connection>`, (hostKey) =>
      on(node1, 'act', `${backup('/root/.ssh/known_hosts')} && ${sh`printf '%s %s\\n' ${vm.ip} ${hostKey}`} >> "$f"`),
    ),
    node1LoginVm: on(node1, 'verify', sh`ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -i /root/.ssh/id_rsa root@${vm.ip} true && echo ok`),
  } satisfies CommandSet;
}

const isInstalled = (out: string) => out.includes('install ok installed');

export interface PrereqsState {
  missingOn: HostConfig[];
  pubkey: string;
  authorized: boolean;
  knowsVm: boolean;
}

export const qdevicePrereqs = defineStep({
  name: 'qdevice-prereqs',
  activity: 'qdevicePrereqs',
  kind: 'install',
  acts: "`corosync-qdevice` on both nodes, node 1's `id_rsa` authorised on the VM, VM host key in node 1's known_hosts",
  verifiedBy: 'node 1 logs in to the VM in BatchMode',
  gatedByDefault: false,
  hosts: (config) => allHosts(config).map((h) => h.name),
  summary: (config) => `corosync-qdevice + root key for ${config.qdevice.name}`,
  commands: (config) => [qdevicePrereqsCommands(config)],
  async check(ctx, config) {
    const c = qdevicePrereqsCommands(config);
    const [node1, node2] = config.nodes;
    const missingOn: HostConfig[] = [];
    if (!isInstalled((await ctx.run(c.node1Installed)).stdout)) missingOn.push(node1);
    if (!isInstalled((await ctx.run(c.node2Installed)).stdout)) missingOn.push(node2);
    const pubkey = (await ctx.run(c.node1Key)).stdout.trim();
    const authorized = pubkey !== '' && (await ctx.run(c.vmAuthorized(pubkey))).stdout.includes('authorized');
    const knowsVm = (await ctx.run(c.node1KnowsVm)).stdout.includes('known');
    const state: PrereqsState = { missingOn, pubkey, authorized, knowsVm };
    return { done: missingOn.length === 0 && authorized && knowsVm, state };
  },
  async act(ctx, config, state) {
    const c = qdevicePrereqsCommands(config);
    const [node1] = config.nodes;
    const vm = config.qdevice;
    const changes: string[] = [];
    for (const node of state.missingOn) {
      await ctx.run(node.name === node1.name ? c.node1Install : c.node2Install);
      changes.push(`corosync-qdevice on ${node.name}`);
    }
    let pubkey = state.pubkey;
    if (!pubkey) {
      await ctx.run(c.node1Keygen);
      pubkey = (await ctx.output(c.node1Key)).trim();
      changes.push(`/root/.ssh/id_rsa on ${node1.name}`);
    }
    if (!state.authorized && !(await ctx.run(c.vmAuthorized(pubkey))).stdout.includes('authorized')) {
      await ctx.run(c.vmAuthorize(pubkey));
      changes.push(`${node1.name} key in ${vm.name}:/root/.ssh/authorized_keys`);
    }
    if (!state.knowsVm) {
      await ctx.run(c.node1TrustVm((await ctx.output(c.vmHostKey)).trim()));
      changes.push(`${vm.name} host key in ${node1.name}:/root/.ssh/known_hosts`);
    }
    return { changes: [`set up: ${changes.join('; ')}`] };
  },
  async verify(ctx, config) {
    const c = qdevicePrereqsCommands(config);
    const [node1, node2] = config.nodes;
    const vm = config.qdevice;
    for (const [node, check] of [
      [node1, c.node1Installed],
      [node2, c.node2Installed],
    ] as const)
      if (!isInstalled((await ctx.run(check)).stdout)) throw postconditionFailed(`corosync-qdevice is not installed on ${node.name}`);
    const login = await ctx.run(c.node1LoginVm);
    if (!login.stdout.includes('ok'))
      throw postconditionFailed(`${node1.name} cannot log in to ${vm.name} as root with /root/.ssh/id_rsa in BatchMode: ${login.stderr.trim()} (check PermitRootLogin and /root/.ssh permissions on ${vm.name})`);
    return { summary: `corosync-qdevice on both nodes; ${node1.name} logs in to ${vm.name} by key in BatchMode`, facts: {} };
  },
});
