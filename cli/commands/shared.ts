/** What several command groups share: the config read or exit 2, the run a command acts on, the report and its link. */
import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { ConfigError, loadConfig } from '../../src/config/load';
import type { ClusterConfig } from '../../src/config/schema';
import { connectClient, temporalSettings } from '../../src/temporal/connection';
import { ALL_GATES, isGate } from '../../workflows/gates';
import { workflowIdFor } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import {
  DRILL_GATES,
  MAINTENANCE_GATES,
  MOVE_QNETD_GATE,
  REPAIR_GATES,
  day2WorkflowIdFor,
  overrideGate,
  reinstalledGate,
  replaceGate,
  updateGate,
} from '../../workflows/repair-messages';
import { runningDrillId } from '../drill';
import { CliError, EXIT } from '../errors';
import { follow } from '../follow';
import { isDay2Gate } from '../repair';
import { renderMarkdownReport, renderReport, uiLink } from '../report';
import { newestRunId, RUN_KIND_NAMES, type RunKind } from '../runs';
import type { GuideHandle } from '../start';

/** Every gate any run may wait at: the guide's, the repairs', maintenance's, the drill's and the update's (one per host). */
export const EVERY_GATE = [
  ...ALL_GATES,
  ...REPAIR_GATES,
  MOVE_QNETD_GATE,
  ...MAINTENANCE_GATES,
  ...DRILL_GATES,
  updateGate('<host>'),
  replaceGate('<node>'),
  reinstalledGate('<node>'),
  overrideGate('<survivor>'),
];

export function requireGate(gate: string): void {
  if (!isGate(gate) && !isDay2Gate(gate)) throw new CliError(`unknown gate "${gate}"; one of: ${EVERY_GATE.join(', ')}`, EXIT.usage);
}

export function configOrExit(file: string): ClusterConfig {
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      // One problem (the file missing, a folder, unreadable) is one line; a config with several lists them.
      console.error(err.problems.length === 1 ? `invalid config ${err.file}: ${err.problems[0]}` : `invalid config ${err.message}`);
      process.exit(EXIT.usage);
    }
    throw err;
  }
}

/** The run a command acts on: the one waiting at the gate named, else the newest of the kind (of any kind if none). */
export async function handleFor(cluster: string, gate?: string, kind?: RunKind): Promise<GuideHandle> {
  const client = await connectClient();
  if (gate && (DRILL_GATES as readonly string[]).includes(gate))
    return client.workflow.getHandle((await runningDrillId(client, cluster)) ?? day2WorkflowIdFor(cluster, gate)!);
  if (gate) return client.workflow.getHandle(day2WorkflowIdFor(cluster, gate) ?? workflowIdFor(cluster));
  return client.workflow.getHandle(await newestRunId(client, cluster, kind));
}

export const kindOption = () => new Option('--kind <kind>', 'which kind of run (default: the newest of any kind)').choices(RUN_KIND_NAMES);

export function link(cluster: string, workflowId = workflowIdFor(cluster)): string {
  const { connectionOptions, namespace } = temporalSettings();
  return uiLink(connectionOptions.address, namespace, workflowId);
}

/** Prints the report; also writes it as Markdown when asked (--report FILE.md). */
export function report(progress: RunProgress, cluster: string, markdownFile?: string, workflowId?: string): void {
  console.log(renderReport(progress, link(cluster, workflowId)));
  if (markdownFile) {
    writeFileSync(markdownFile, renderMarkdownReport(progress, link(cluster, workflowId)));
    console.log(`  report written to ${markdownFile}`);
  }
}

export async function followAndReport(
  handle: GuideHandle,
  cluster: string,
  autoApprove: boolean,
  markdownFile?: string,
  stopAt?: (gate: string) => boolean,
): Promise<RunProgress> {
  const progress = await follow(handle, { autoApprove, stopAt });
  report(progress, cluster, markdownFile, handle.workflowId);
  const waitsForPerson = progress.awaiting !== undefined && progress.awaiting !== null && stopAt?.(progress.awaiting.gate) === true;
  if (progress.state !== 'completed' && !waitsForPerson) process.exitCode = 1;
  return progress;
}
