/**
 * Node 1 logging in to every cluster member the way `pvecm qdevice setup` does it (PVE::SSHInfo): BatchMode,
 * HostKeyAlias=<node name>, and when /etc/pve/nodes/<node>/ssh_known_hosts exists, that file alone as known hosts.
 * The per-node file is written by the member itself (`pvecm updatecerts`, also run at the end of `pvecm add`); when it
 * is missing or stale, setup fails half-way with "Host key verification failed" after it has initialised qnetd's
 * store (seen on CI right after a join). `pvecm updatecerts` on the member is Proxmox's own mend.
 */
import type { ClusterConfig, HostConfig } from '../config/schema';
import { quote } from '../ssh/quote';
import { on, type CommandSet } from './commands';
import type { StepContext } from './descriptor';
import { postconditionFailed } from './failures';
import { LOGIN_PROOF_REUSE_MS } from './root-trust';

export function memberLoginCommands(config: ClusterConfig, member: HostConfig) {
  const node1 = config.nodes[0];
  const knownHosts = quote(`/etc/pve/nodes/${member.name}/ssh_known_hosts`);
  // The same options PVE::SSHInfo::ssh_info_to_ssh_opts builds, so the proof is the login setup will make.
  const login =
    `if [ -f ${knownHosts} ]; then set -- -o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=none; else set --; fi; ` +
    `ssh -e none -o BatchMode=yes -o ConnectTimeout=10 -o HostKeyAlias=${quote(member.name)} "$@" root@${quote(member.ip)} true 2>&1 && echo logged-in`;
  return {
    // Re-proved by the health check every LOGIN_PROOF_REUSE_MS, as the login to the VM is (a line in the auth log each time).
    login: on(node1, 'check', login, { reuseForMs: LOGIN_PROOF_REUSE_MS }),
    // Writes the member's ssh_known_hosts from its own host key and merges its root key into the cluster's.
    updatecerts: on(member, 'act', 'pvecm updatecerts', { timeoutMs: 120_000 }),
  } satisfies CommandSet;
}

/** Each member node 1 cannot log in to as pvecm would, with what ssh said. */
export async function membersNode1CannotReach(ctx: StepContext, config: ClusterConfig): Promise<{ member: HostConfig; said: string }[]> {
  const results = await Promise.all(config.nodes.map(async (member) => ({ member, out: await ctx.run(memberLoginCommands(config, member).login) })));
  return results.filter((r) => !r.out.stdout.includes('logged-in')).map((r) => ({ member: r.member, said: r.out.stdout.trim().split('\n').pop() ?? '' }));
}

/** `pvecm updatecerts` on each member node 1 could not reach; the caller verifies the logins again. */
export async function mendMemberLogins(ctx: StepContext, config: ClusterConfig, members: HostConfig[]): Promise<string[]> {
  for (const member of members) {
    const result = await ctx.run(memberLoginCommands(config, member).updatecerts);
    if (result.code !== 0) throw postconditionFailed(`pvecm updatecerts on ${member.name} exited ${result.code}: ${result.stderr.trim().slice(-300)}`);
  }
  return members.map((m) => `pvecm updatecerts on ${m.name} (its ssh_known_hosts for ${config.nodes[0].name})`);
}

/** "pve1 cannot log in to pve2 as pvecm does (Host key verification failed.)" for each member, or null when all work. */
export function describeUnreachable(config: ClusterConfig, unreachable: { member: HostConfig; said: string }[]): string | null {
  if (unreachable.length === 0) return null;
  return unreachable.map((u) => `${config.nodes[0].name} cannot log in to ${u.member.name} as pvecm does (${u.said || 'no output'})`).join('; ');
}
