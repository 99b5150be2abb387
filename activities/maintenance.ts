/**
 * Node maintenance: the on/off steps run as the guide runs its steps, and their own check, run read-only before the
 * gate, so a refusal (the third vote not healthy) comes before anyone is asked to approve anything.
 */
import type { ClusterConfig } from '../src/config/schema';
import type { AnyStep } from '../src/step-kit/descriptor';
import type { StepResult } from '../src/step-kit/result';
import { maintenanceOff } from '../steps/maintenance/maintenance-off';
import { maintenanceOn } from '../steps/maintenance/maintenance-on';
import { checkOnly } from './runtime/check-only';
import type { WorkerResources } from './runtime/resources';
import { runStep } from './runtime/run-step';

export type MaintenanceAction = 'on' | 'off';

const stepFor = (node: string, action: MaintenanceAction): AnyStep => (action === 'on' ? maintenanceOn(node) : maintenanceOff(node));

/** The step's check, read-only: refused (with the reason), already done, or work to do. */
export async function maintenanceCheck(
  resources: WorkerResources,
  config: ClusterConfig,
  node: string,
  action: MaintenanceAction,
): Promise<{ refused: string | null; done: boolean }> {
  const { refused, done } = await checkOnly(resources, stepFor(node, action), config);
  return { refused, done };
}

export function maintenanceOnStep(resources: WorkerResources, config: ClusterConfig, node: string): Promise<StepResult> {
  return runStep(resources, maintenanceOn(node), config);
}

export function maintenanceOffStep(resources: WorkerResources, config: ClusterConfig, node: string): Promise<StepResult> {
  return runStep(resources, maintenanceOff(node), config);
}
