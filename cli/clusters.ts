/**
 * `pve-twonode clusters`: every cluster this namespace knows, whichever way it came (a guide run, a guard, a drill),
 * from visibility alone: the guide's last run, the guard's verdict, the last drill's recovery time.
 */
import type { Client } from '@temporalio/client';
import { healthAttribute } from '../workflows/health-messages';
import { clusterNameAttribute, runStateAttribute } from '../workflows/messages';
import { lastDrills } from './drill';

export interface ClusterRow {
  cluster: string;
  /** The last guide run ('-' for a cluster built without pve-twonode). */
  workflowId: string;
  status: string;
  state: string;
  started: string;
  health: string;
  lastDrill: string;
  lastDrillRecoveryMs: number | null;
}

export async function listClusters(client: Client): Promise<ClusterRow[]> {
  const rows = new Map<string, ClusterRow>();
  const row = (cluster: string): ClusterRow => {
    const found = rows.get(cluster) ?? {
      cluster,
      workflowId: '-',
      status: '-',
      state: '-',
      started: '-',
      health: 'not guarded',
      lastDrill: 'none',
      lastDrillRecoveryMs: null,
    };
    rows.set(cluster, found);
    return found;
  };
  for await (const run of client.workflow.list({ query: `WorkflowType = 'clusterGuide'` })) {
    const r = row(run.typedSearchAttributes.get(clusterNameAttribute) ?? run.workflowId);
    const started = run.startTime.toISOString();
    if (r.started !== '-' && r.started > started) continue;
    Object.assign(r, { workflowId: run.workflowId, status: run.status.name, state: run.typedSearchAttributes.get(runStateAttribute) ?? '-', started });
  }
  // The guard's verdict per cluster, from its health-state workflow's search attribute.
  for await (const run of client.workflow.list({ query: `WorkflowType = 'clusterHealth' AND ExecutionStatus = 'Running'` }))
    row(run.typedSearchAttributes.get(clusterNameAttribute) ?? run.workflowId).health = run.typedSearchAttributes.get(healthAttribute) ?? '-';
  for (const [cluster, drill] of await lastDrills(client))
    Object.assign(row(cluster), { lastDrill: `${(drill.recoveryMs / 1000).toFixed(1)} s recovery on ${drill.at}`, lastDrillRecoveryMs: drill.recoveryMs });
  return [...rows.values()].sort((a, b) => a.cluster.localeCompare(b.cluster));
}
