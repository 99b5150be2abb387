/** The failover test's stages as activities; the power command runs on the worker (argv only, no shell). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClusterConfig } from '../src/config/schema';
import { hostByName } from '../src/step-kit/commands';
import { preconditionFailed } from '../src/step-kit/failures';
import type { StepResult } from '../src/step-kit/result';
import { failover, observeFailover, prepareFailover, restoreAfterFailover, type FailoverTarget, type ObserveFacts, type PrepareFacts } from '../steps/failover';
import type { WorkerResources } from './runtime/resources';
import { runStage } from './runtime/run-step';

/** again: test even when the cluster records a passed test (a drill). */
export function failoverPrepare(resources: WorkerResources, config: ClusterConfig, again = false): Promise<StepResult<PrepareFacts>> {
  return runStage(resources, config, failover.name, (ctx) => prepareFailover(ctx, config, again));
}

export function failoverObserve(
  resources: WorkerResources,
  config: ClusterConfig,
  target: FailoverTarget,
  powerOffAt: number,
): Promise<StepResult<ObserveFacts>> {
  return runStage(resources, config, failover.name, (ctx) => observeFailover(ctx, config, target, powerOffAt));
}

export function failoverRestore(resources: WorkerResources, config: ClusterConfig, target: FailoverTarget, recoveryMs: number): Promise<StepResult> {
  return runStage(resources, config, failover.name, (ctx) => restoreAfterFailover(ctx, config, target, recoveryMs));
}

/** Runs the configured power command on the worker ({node} becomes the node's name). */
export async function failoverPower(
  resources: WorkerResources,
  config: ClusterConfig,
  action: 'off' | 'on',
  node: string,
): Promise<{ at: number; output: string }> {
  const power = action === 'off' ? config.failover.power_off : config.failover.power_on;
  if (!('command' in power)) throw preconditionFailed(`failover.power_${action} is manual; the workflow waits for a confirmation instead`);
  const [file, ...args] = power.command.map((a) => a.replaceAll('{node}', node));
  // Pooled connections to a node losing power would hang until their keepalives give up: closed now, before and after.
  const host = hostByName(config, node);
  resources.pool?.drop(host);
  const at = Date.now();
  const { stdout, stderr } = await promisify(execFile)(file, args, { timeout: 120_000 });
  resources.pool?.drop(host);
  return { at, output: `${stdout}${stderr}`.trim().slice(-500) };
}
