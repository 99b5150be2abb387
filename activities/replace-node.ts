/**
 * replace-node's activities, each run as the guide runs its steps (check, act, verify): the proof the node is dead
 * (read-only), the survivor's backup, the removal, the cleanup of what delnode leaves, and the look at the reinstalled
 * node (reached with the host key its approval gave).
 */
import type { ClusterConfig } from '../src/config/schema';
import type { StepResult } from '../src/step-kit/result';
import { backupSurvivor, forgetDeadNode, freshNode, proveDead, removeDeadNode } from '../steps/replace';
import type { WorkerResources } from './runtime/resources';
import { runStep } from './runtime/run-step';

export function proveDeadStep(resources: WorkerResources, config: ClusterConfig, node: string, deadFor: string): Promise<StepResult> {
  return runStep(resources, proveDead(node, deadFor), config);
}

export function backupSurvivorStep(resources: WorkerResources, config: ClusterConfig, node: string, backupDir: string): Promise<StepResult> {
  return runStep(resources, backupSurvivor(node, backupDir), config);
}

export function removeDeadNodeStep(resources: WorkerResources, config: ClusterConfig, node: string): Promise<StepResult> {
  return runStep(resources, removeDeadNode(node), config);
}

export function forgetDeadNodeStep(resources: WorkerResources, config: ClusterConfig, node: string, backupDir: string): Promise<StepResult> {
  return runStep(resources, forgetDeadNode(node, backupDir), config);
}

/** config carries the reinstalled node's new host key (the approval's), so the session pins that one. */
export function freshNodeStep(resources: WorkerResources, config: ClusterConfig, node: string): Promise<StepResult> {
  return runStep(resources, freshNode(node), config);
}
