/**
 * `pve-twonode drills <config>`: the failover tests the cluster itself keeps (node 1's /etc/pve/pve-twonode record,
 * read-only over SSH: the guide's test and each passed drill, oldest first), then every drill run Temporal knows with
 * how it ended (passed, refused, rejected, expired, failed): a drill that never reached its power cut is only there.
 */
import type { Client } from '@temporalio/client';
import { checkOnly } from '../activities/runtime/check-only';
import { WorkerResources } from '../activities/runtime/resources';
import type { ClusterConfig } from '../src/config/schema';
import { failover, type FailoverRecord } from '../steps/failover';
import { finalReportMemoKey } from '../workflows/messages';
import type { RunProgress } from '../workflows/progress';
import { listRuns } from './runs';

export interface DrillRun {
  workflowId: string;
  status: string;
  started: string;
  /** The final progress's words: the recovery, the refusal, the rejection or the expiry. */
  said: string;
  recoveryMs: number | null;
}

export interface DrillRecords {
  /** The record on the cluster (null: none yet); refused: it could not be read, and why. */
  onCluster: FailoverRecord | null;
  refused: string | null;
  runs: DrillRun[];
}

export async function drillRecords(config: ClusterConfig, client: Client | null): Promise<DrillRecords> {
  const checked = await checkOnly(new WorkerResources(), failover, config);
  const runs: DrillRun[] = [];
  if (client)
    for (const row of await listRuns(client, config.cluster.name, ['drill'])) {
      const description = await client.workflow.getHandle(row.workflowId).describe();
      const report = description.memo?.[finalReportMemoKey] as RunProgress<string> | undefined;
      runs.push({
        workflowId: row.workflowId,
        status: row.status,
        started: row.started,
        said: report?.endedReason ?? report?.steps[0]?.message ?? '',
        recoveryMs: report?.failoverRecoveryMs ?? null,
      });
    }
  return { onCluster: checked.refused ? null : checked.state, refused: checked.refused, runs };
}

export function renderDrillRecords(config: ClusterConfig, records: DrillRecords, temporalNote: string | null): string {
  const lines: string[] = [];
  const history = records.onCluster?.history ?? (records.onCluster ? [{ ...records.onCluster, victim: '?' }] : []);
  if (records.refused) lines.push(`the record on ${config.nodes[0].name} could not be read: ${records.refused}`);
  else if (history.length === 0) lines.push(`no failover test recorded on ${config.cluster.name} yet: pve-twonode drill <cluster.yaml>`);
  else {
    lines.push(`passed failover tests recorded on ${config.cluster.name} (oldest first):`);
    for (const t of history) lines.push(`  ${t.testedAt}  ${t.victim.padEnd(8)} powered off, recovery ${(t.recoveryMs / 1000).toFixed(1)} s`);
  }
  if (temporalNote) lines.push(temporalNote);
  else if (records.runs.length === 0) lines.push('no drill runs on this Temporal namespace');
  else {
    lines.push('drill runs (newest first):');
    for (const r of records.runs) lines.push(`  ${r.started}  ${r.status.padEnd(10)} ${r.workflowId}  ${r.said.split('\n')[0].slice(0, 160)}`);
  }
  return lines.join('\n');
}
