/**
 * replace-node's plan, pure (the workflow, the CLI and the steps share it): which node stays, where the backup goes,
 * the guide steps that bring the reinstalled node back, and the inputs it refuses before anything touches a host.
 */
import type { ClusterConfig } from '../config/schema';
import { durationMs } from '../duration';
import { hostsPlan, joinPlan, joinPrereqsPlan, haPlan, qdevicePlan, qdevicePrereqsPlan, replicationPlan, timePlan } from './guide';

/** Where the survivor keeps what replace-node takes away, one folder per run (root only: /etc/pve/priv is in it). */
export const BACKUP_ROOT = '/root/pve-twonode-backup';
export const backupDirFor = (node: string, stamp: string) => `${BACKUP_ROOT}/replace-${node}-${stamp}`;

/** The guide's steps for the reinstalled node, in the guide's order (create is the survivor's already). */
export const REJOIN_PLAN = [hostsPlan, timePlan, joinPrereqsPlan, joinPlan, qdevicePrereqsPlan, qdevicePlan, haPlan, replicationPlan] as const;

/** How long the node must stay silent by default (`replace-node --dead-for`). */
export const DEAD_FOR = '2m';

/** The longest `--dead-for`: the proof runs in one activity attempt. */
const MAX_DEAD_FOR_MS = 10 * 60_000;

/** Why replace-node cannot start with these inputs (one line naming the field and the fix), or null. */
export function replaceNodeRefusal(config: ClusterConfig, node: string, deadFor: string): string | null {
  const names = config.nodes.map((n) => n.name);
  if (!names.includes(node)) return `node "${node}" is not a node of ${config.cluster.name}; one of: ${names.join(', ')}`;
  if (!/^\d+(s|m)$/.test(deadFor) || durationMs(deadFor) < 10_000 || durationMs(deadFor) > MAX_DEAD_FOR_MS)
    return `--dead-for must be a duration from 10s to 10m (how long ${node} must stay silent), not "${deadFor}"`;
  // The API join logs in to nodes[0] with join.password and pins join.fingerprint, both the first node's: the first
  // node is the one that died, so the join would go to a node that is gone.
  if (node === config.nodes[0].name && config.join.method === 'api')
    return `${node} is nodes[0], whose API join.password and join.fingerprint cluster.yaml gives: list ${config.nodes[1].name} first under nodes with its root password reference and API certificate fingerprint (pvenode cert info), or set join.method: use_ssh`;
  return null;
}

/**
 * The config the rejoin runs with: the node's new host key pinned, and the survivor first, as the guide's join expects
 * the node that has the cluster to be (use_ssh only, see replaceNodeRefusal).
 */
export function rejoinConfig(config: ClusterConfig, node: string, hostKey: string): ClusterConfig {
  const nodes = config.nodes.map((n) => (n.name === node ? { ...n, ssh: { ...n.ssh, host_key: hostKey } } : n));
  const ordered = nodes[0].name === node ? [nodes[1], nodes[0]] : nodes;
  return { ...config, nodes: ordered as ClusterConfig['nodes'] };
}
