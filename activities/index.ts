/**
 * What the worker registers: one activity per guide step (from the registry) and per repair, the failover stages, the
 * read-only pass, the diagnosis and the move's first look. Those that reach hosts share the worker's resources (its SSH
 * pool and read caches), handed in here: the activities are closures over them, as in Temporal's dependency
 * injection sample, and nothing is a module singleton.
 */
import type { AnyStep } from '../src/step-kit/descriptor';
import { GUIDE_STEPS } from '../steps';
import { QDEVICE_REPAIRS } from '../steps/repair';
import { moveQnetd } from '../steps/repair/move-qnetd';
import { diagnoseQdevice } from './diagnose-qdevice';
import { locateQnetd } from './locate-qnetd';
import { maintenanceCheck, maintenanceOffStep, maintenanceOnStep } from './maintenance';
import { failoverObserve, failoverPower, failoverPrepare, failoverRestore } from './failover';
import { stepActivities } from './guide-steps';
import { readOnlyPass } from './read-only-pass';
import { healthCheck } from './health-check';
import { rebootHostStep, updatePlan, upgradeHostStep } from './update';
import { applyOverrideStep, overrideState, proveAloneStep, restoreQuorumStep } from './quorum-override';
import { backupSurvivorStep, forgetDeadNodeStep, freshNodeStep, proveDeadStep, removeDeadNodeStep } from './replace-node';
import { pingHeartbeat, sendAlertTo, sendGateNoticeTo } from './notify';
import { WorkerResources } from './runtime/resources';

export { WorkerResources };

const onHosts = {
  failoverPrepare,
  failoverObserve,
  failoverRestore,
  failoverPower,
  readOnlyPass,
  healthCheck,
  diagnoseQdevice,
  locateQnetd,
  maintenanceCheck,
  maintenanceOnStep,
  maintenanceOffStep,
  updatePlan,
  upgradeHostStep,
  rebootHostStep,
  proveDeadStep,
  backupSurvivorStep,
  removeDeadNodeStep,
  forgetDeadNodeStep,
  freshNodeStep,
  proveAloneStep,
  applyOverrideStep,
  overrideState,
  restoreQuorumStep,
};

/** An activity as the workflow calls it: the resources are the worker's, not an argument. */
type Bound<F> = F extends (resources: WorkerResources, ...args: infer A) => infer R ? (...args: A) => R : never;

/** The activities with fixed names and signatures; each guide step's activity is a StepActivities entry. */
export type Activities = { [K in keyof typeof onHosts]: Bound<(typeof onHosts)[K]> } & {
  sendAlertTo: typeof sendAlertTo;
  sendGateNoticeTo: typeof sendGateNoticeTo;
  pingHeartbeat: typeof pingHeartbeat;
};

/** Every activity the worker registers, by activity type. */
export type ActivityImplementations = Record<string, (...args: never[]) => Promise<unknown>>;

/** @param resources the worker's SSH pool and read caches; the default (no pool, caches of its own) suits a test or a one-off. */
export function createActivities(resources = new WorkerResources(), steps: readonly AnyStep[] = GUIDE_STEPS): ActivityImplementations {
  const bound = Object.fromEntries(
    Object.entries(onHosts).map(([name, fn]) => [
      name,
      (...args: unknown[]) => (fn as (r: WorkerResources, ...a: unknown[]) => Promise<unknown>)(resources, ...args),
    ]),
  ) as Activities;
  const named: Activities = { ...bound, sendAlertTo, sendGateNoticeTo, pingHeartbeat };
  // The repairs' own activities (the guide's steps they reuse, qnetd among them, are registered by the guide already).
  return { ...stepActivities(resources, [...QDEVICE_REPAIRS, moveQnetd]), ...stepActivities(resources, steps), ...named };
}
