/** What the worker registers: one activity per guide step (from the registry) and per repair, the failover stages, the read-only pass, the diagnosis and the move's first look. */
import type { AnyStep } from '../src/step-kit/descriptor';
import { GUIDE_STEPS } from '../steps';
import { QDEVICE_REPAIRS } from '../steps/repair';
import { moveQnetd } from '../steps/repair/move-qnetd';
import { diagnoseQdevice } from './diagnose-qdevice';
import { locateQnetd } from './locate-qnetd';
import { maintenanceCheck, maintenanceOffStep, maintenanceOnStep } from './maintenance';
import * as failoverStages from './failover';
import { stepActivities } from './guide-steps';
import { readOnlyPass } from './read-only-pass';
import { healthCheck } from './health-check';
import { pingHeartbeat, sendAlertTo, sendGateNoticeTo } from './notify';

/** The activities with fixed names and signatures; each guide step's activity is a StepActivities entry. */
export type Activities = typeof failoverStages & {
  readOnlyPass: typeof readOnlyPass;
  healthCheck: typeof healthCheck;
  sendAlertTo: typeof sendAlertTo;
  sendGateNoticeTo: typeof sendGateNoticeTo;
  pingHeartbeat: typeof pingHeartbeat;
  diagnoseQdevice: typeof diagnoseQdevice;
  locateQnetd: typeof locateQnetd;
  maintenanceCheck: typeof maintenanceCheck;
  maintenanceOnStep: typeof maintenanceOnStep;
  maintenanceOffStep: typeof maintenanceOffStep;
};

/** Every activity the worker registers, by activity type. */
export type ActivityImplementations = Record<string, (...args: never[]) => Promise<unknown>>;

export function createActivities(steps: readonly AnyStep[] = GUIDE_STEPS): ActivityImplementations {
  const named: Activities = {
    ...failoverStages,
    readOnlyPass,
    healthCheck,
    sendAlertTo,
    sendGateNoticeTo,
    pingHeartbeat,
    diagnoseQdevice,
    locateQnetd,
    maintenanceCheck,
    maintenanceOnStep,
    maintenanceOffStep,
  };
  // The repairs' own activities (the guide's steps they reuse, qnetd among them, are registered by the guide already).
  return { ...stepActivities([...QDEVICE_REPAIRS, moveQnetd]), ...stepActivities(steps), ...named };
}
