/**
 * pmxcfs's own view of the cluster, /etc/pve/.members (pve-cluster src/pmxcfs/status.c, cfs_create_memberlist_msg):
 * JSON with the cluster's name and whether pmxcfs itself has quorum. pmxcfs keeps /etc/pve read-only until it does,
 * and the join API refuses with "cluster not ready - no quorum?" until then: after `pvecm create` that is seconds
 * after corosync already reports quorum (pmxcfs reconnects to corosync on its next retry).
 */
export interface PveMembers {
  /** The cluster pmxcfs belongs to; null on a node in no cluster (then .members has no "cluster" key). */
  clusterName: string | null;
  /** pmxcfs has quorum: /etc/pve is writable. */
  quorate: boolean;
  /** The nodes pmxcfs sees online: what `pvecm qdevice remove` and other cluster-wide commands require of every node. */
  online: string[];
}

export function parsePveMembers(text: string): PveMembers | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { cluster, nodelist } = parsed as { cluster?: { name?: unknown; quorate?: unknown }; nodelist?: Record<string, { online?: unknown }> };
  const online = Object.entries(nodelist ?? {})
    .filter(([, n]) => n?.online === 1)
    .map(([name]) => name);
  if (!cluster) return { clusterName: null, quorate: false, online };
  return { clusterName: typeof cluster.name === 'string' ? cluster.name : null, quorate: cluster.quorate === 1, online };
}
