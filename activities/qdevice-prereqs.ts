/**
 * Step 6, qdevice-prereqs: what `pvecm qdevice setup` silently needs (proxmox.md §0.3-0.4, §4.5):
 * corosync-qdevice on BOTH nodes, node1's /root/.ssh/id_rsa authorised on the VM, the VM's host key in node1's known_hosts.
 */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { backup, on, template, type CommandSet } from '../src/steps/commands';
import { runStep } from '../src/steps/context';
import { postconditionFailed } from '../src/steps/failures';
import { alreadyDone, done, type StepResult } from '../src/steps/result';

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

export async function qdevicePrereqs(config: ClusterConfig): Promise<StepResult> {
  return runStep(config, 'qdevice-prereqs', async (ctx) => {
    const c = qdevicePrereqsCommands(config);
    const [node1, node2] = config.nodes;
    const vm = config.qdevice;
    const changed: string[] = [];
    for (const [node, check, install] of [
      [node1, c.node1Installed, c.node1Install],
      [node2, c.node2Installed, c.node2Install],
    ] as const) {
      if (!(await ctx.run(check)).stdout.includes('install ok installed')) {
        await ctx.run(install);
        changed.push(`corosync-qdevice on ${node.name}`);
      }
      if (!(await ctx.run(check)).stdout.includes('install ok installed')) throw postconditionFailed(`corosync-qdevice is still not installed on ${node.name}`);
    }
    let pubkey = (await ctx.run(c.node1Key)).stdout.trim();
    if (!pubkey) {
      await ctx.run(c.node1Keygen);
      pubkey = (await ctx.output(c.node1Key)).trim();
      changed.push(`/root/.ssh/id_rsa on ${node1.name}`);
    }
    if (!(await ctx.run(c.vmAuthorized(pubkey))).stdout.includes('authorized')) {
      await ctx.run(c.vmAuthorize(pubkey));
      changed.push(`${node1.name} key in ${vm.name}:/root/.ssh/authorized_keys`);
    }
    if (!(await ctx.run(c.node1KnowsVm)).stdout.includes('known')) {
      await ctx.run(c.node1TrustVm((await ctx.output(c.vmHostKey)).trim()));
      changed.push(`${vm.name} host key in ${node1.name}:/root/.ssh/known_hosts`);
    }
    const login = await ctx.run(c.node1LoginVm);
    if (!login.stdout.includes('ok'))
      throw postconditionFailed(`${node1.name} cannot log in to ${vm.name} as root with /root/.ssh/id_rsa in BatchMode: ${login.stderr.trim()} (check PermitRootLogin and /root/.ssh permissions on ${vm.name})`);
    const summary = `corosync-qdevice on both nodes; ${node1.name} logs in to ${vm.name} by key in BatchMode`;
    return changed.length === 0 ? alreadyDone(summary) : done(`${summary} (set up: ${changed.join('; ')})`, { changed });
  });
}
