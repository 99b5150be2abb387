/**
 * quorum-override's activities: the proof (read-only), the override, the look a standing override takes now and then
 * (is the peer a member again, does the QDevice VM answer?), and the restore, each run as the guide runs its steps.
 */
import type { ClusterConfig } from '../src/config/schema';
import { readClusterStatus } from '../src/step-kit/cluster-state';
import type { StepResult } from '../src/step-kit/result';
import { parseCorosyncConf } from '../src/parsers/corosync-conf';
import { peerOf } from '../src/plan/quorum-override';
import { applyOverride } from '../steps/override/apply-override';
import { overrideCommands } from '../steps/override/commands';
import { proveAlone } from '../steps/override/prove-alone';
import { restoreQuorum } from '../steps/override/restore-quorum';
import type { WorkerResources } from './runtime/resources';
import { runStage, runStep } from './runtime/run-step';

export interface OverrideState {
  /** The peer is a corosync member on the survivor again. */
  peerBack: boolean;
  /** corosync-qnetd on the VM answers the worker. */
  qnetdBack: boolean;
}

export function proveAloneStep(resources: WorkerResources, config: ClusterConfig, survivor: string, deadFor: string): Promise<StepResult> {
  return runStep(resources, proveAlone(survivor, deadFor), config);
}

export function applyOverrideStep(resources: WorkerResources, config: ClusterConfig, survivor: string): Promise<StepResult> {
  return runStep(resources, applyOverride(survivor), config);
}

export function restoreQuorumStep(resources: WorkerResources, config: ClusterConfig, survivor: string, qnetdBack: boolean): Promise<StepResult> {
  return runStep(resources, restoreQuorum(survivor, qnetdBack), config);
}

/** Read-only: whether the override can be lifted (the peer or the QDevice back). */
export async function overrideState(resources: WorkerResources, config: ClusterConfig, survivor: string): Promise<OverrideState> {
  const result = await runStage<Record<string, unknown>>(resources, config, 'override-watch', async (ctx) => {
    const c = overrideCommands(config, survivor);
    const peerId = parseCorosyncConf(await ctx.output(c.corosyncConf)).nodes.find((n) => n.name === peerOf(config, survivor).name)?.nodeid;
    const status = await readClusterStatus(ctx, c.status);
    const peerBack = peerId !== undefined && (status?.members.some((m) => m.nodeId === peerId) ?? false);
    const qnetdBack = await ctx.run(c.qnetdClients).then(
      (r) => r.code === 0,
      () => false,
    );
    return { outcome: 'done', message: `peer ${peerBack ? 'back' : 'away'}, qnetd ${qnetdBack ? 'answers' : 'silent'}`, facts: { peerBack, qnetdBack } };
  });
  return result.facts as unknown as OverrideState;
}
