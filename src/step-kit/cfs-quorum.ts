/**
 * Waiting for pmxcfs's quorum, not only corosync's: what `pvecm add` (both methods) and every write to /etc/pve
 * need. On the real code, pmxcfs sees quorum about 5 s after corosync does right after `pvecm create`; a join sent in
 * between is refused ("cluster not ready - no quorum?", exit 0) and a write fails ("Permission denied").
 */
import type { HostConfig } from '../config/schema';
import { parsePveMembers, type PveMembers } from '../parsers/pve-members';
import { on } from './commands';
import type { StepContext } from './descriptor';

/** Longer than the lag seen on the real code (about 5 s); pmxcfs retries its corosync connection every few seconds. */
export const CFS_QUORUM_TIMEOUT_MS = 60_000;

export const cfsMembers = (node: HostConfig) => on(node, 'check', 'cat /etc/pve/.members');

/** pmxcfs's view on the node, or null when it has none to give (pmxcfs not running). */
export async function readCfsMembers(ctx: StepContext, node: HostConfig): Promise<PveMembers | null> {
  const r = await ctx.run(cfsMembers(node));
  return r.code === 0 ? parsePveMembers(r.stdout) : null;
}

/** Waits until pmxcfs on the node has quorum in the named cluster; the last view seen when it does not. */
export async function waitForCfsQuorum(
  ctx: StepContext,
  node: HostConfig,
  clusterName: string,
): Promise<{ quorate: true } | { quorate: false; last: PveMembers | null }> {
  let last: PveMembers | null = null;
  const ok = await ctx.waitFor(`pmxcfs quorum on ${node.name}`, CFS_QUORUM_TIMEOUT_MS, async () => {
    last = await readCfsMembers(ctx, node);
    return last?.quorate && last.clusterName === clusterName ? true : undefined;
  });
  return ok ? { quorate: true } : { quorate: false, last };
}

export function describeCfs(members: PveMembers | null): string {
  if (!members) return 'pmxcfs gives no member list (/etc/pve/.members unreadable: is pve-cluster running?)';
  if (!members.clusterName) return 'pmxcfs knows no cluster';
  return `pmxcfs is ${members.quorate ? '' : 'not '}quorate in ${members.clusterName}`;
}

/**
 * Waits until pmxcfs on the node sees every named node online. pvecm's cluster-wide commands (`qdevice remove`:
 * "All nodes must be online! Node <n> is offline, aborting.") ask pmxcfs, not corosync, and after a corosync restart
 * on a node pmxcfs there rejoins seconds after corosync does (seen on the real code). The names still offline, or none.
 */
export async function waitForCfsOnline(ctx: StepContext, node: HostConfig, names: string[]): Promise<string[]> {
  let offline = names;
  await ctx.waitFor(`pmxcfs on ${node.name} to see ${names.join(' and ')} online`, CFS_QUORUM_TIMEOUT_MS, async () => {
    const members = await readCfsMembers(ctx, node);
    offline = names.filter((n) => !members?.online.includes(n));
    return offline.length === 0 ? true : undefined;
  });
  return offline;
}
