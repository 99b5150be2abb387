/**
 * Every kind of run of a cluster (the guide, the repairs, maintenance, drills, updates), found by the cluster's search
 * attribute: `status`, `watch`, `report` and `cancel` act on the newest unless `--kind` names one; `runs` lists them.
 */
import type { Client } from '@temporalio/client';
import { clusterNameAttribute, workflowIdFor } from '../workflows/messages';
import { CliError, EXIT } from './errors';

/** A kind of run, its workflow type, and the command that starts one. */
export const RUN_KINDS = {
  guide: { workflowType: 'clusterGuide', start: 'pve-twonode start <cluster.yaml>' },
  repair: { workflowType: 'repairQdevice', start: 'pve-twonode repair qdevice <cluster.yaml>' },
  'move-qnetd': { workflowType: 'repairMoveQnetd', start: 'pve-twonode repair move-qnetd <cluster.yaml> --to <ip>' },
  maintenance: { workflowType: 'nodeMaintenance', start: 'pve-twonode maintenance <cluster.yaml> <node> on|off' },
  drill: { workflowType: 'failoverDrill', start: 'pve-twonode drill <cluster.yaml>' },
  update: { workflowType: 'rollingUpdate', start: 'pve-twonode update <cluster.yaml>' },
  'replace-node': { workflowType: 'replaceNode', start: 'pve-twonode replace-node <cluster.yaml> <node>' },
  'quorum-override': { workflowType: 'quorumOverride', start: 'pve-twonode quorum-override <cluster.yaml> <survivor>' },
} as const;
export type RunKind = keyof typeof RUN_KINDS;
export const RUN_KIND_NAMES = Object.keys(RUN_KINDS) as RunKind[];

export interface RunRow {
  kind: RunKind;
  workflowId: string;
  status: string;
  started: string;
  closed: string | null;
}

const kindOf = (workflowType: string) => RUN_KIND_NAMES.find((k) => RUN_KINDS[k].workflowType === workflowType);

/** The cluster's runs of the given kinds, newest first. */
export async function listRuns(client: Client, cluster: string, kinds: readonly RunKind[] = RUN_KIND_NAMES): Promise<RunRow[]> {
  const types = kinds.map((k) => `'${RUN_KINDS[k].workflowType}'`).join(', ');
  const rows: RunRow[] = [];
  for await (const run of client.workflow.list({ query: `${clusterNameAttribute.name} = '${cluster}' AND WorkflowType IN (${types})` })) {
    const kind = kindOf(run.type);
    if (kind)
      rows.push({
        kind,
        workflowId: run.workflowId,
        status: run.status.name,
        started: run.startTime.toISOString(),
        closed: run.closeTime?.toISOString() ?? null,
      });
  }
  return rows.sort((a, b) => b.started.localeCompare(a.started));
}

/** The workflow id `status`, `watch`, `report` and `cancel` act on: the newest run of the kind (of any kind unless given). */
export async function newestRunId(client: Client, cluster: string, kind?: RunKind): Promise<string> {
  const [newest] = await listRuns(client, cluster, kind ? [kind] : RUN_KIND_NAMES);
  if (newest) return newest.workflowId;
  // Visibility may lag a run started a moment ago: the guide's fixed id is tried before saying there is none.
  if (!kind || kind === 'guide') return workflowIdFor(cluster);
  throw new CliError(`no ${kind} run found for cluster ${cluster}: start one with ${RUN_KINDS[kind].start}`, EXIT.noRun);
}
