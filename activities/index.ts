/** What the worker registers: one activity per guide step (from the registry) and per repair, the failover stages, the read-only pass and the diagnosis. */
import type { AnyStep } from '../src/step-kit/descriptor';
import { GUIDE_STEPS } from '../steps';
import { QDEVICE_REPAIRS } from '../steps/repair';
import { diagnoseQdevice } from './diagnose-qdevice';
import { maintenanceCheck, maintenanceOffStep, maintenanceOnStep } from './maintenance';
import * as failoverStages from './failover';
import { stepActivities } from './guide-steps';
import { readOnlyPass } from './read-only-pass';
import { healthCheck } from './health-check';
import { sendAlert, sendGateNotice } from './notify';

/** The activities with fixed names and signatures; each guide step's activity is a StepActivities entry. */
export type Activities = typeof failoverStages & {
  readOnlyPass: typeof readOnlyPass;
  healthCheck: typeof healthCheck;
  sendAlert: typeof sendAlert;
  sendGateNotice: typeof sendGateNotice;
  diagnoseQdevice: typeof diagnoseQdevice;
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
    sendAlert,
    sendGateNotice,
    diagnoseQdevice,
    maintenanceCheck,
    maintenanceOnStep,
    maintenanceOffStep,
  };
  // The repairs' own activities (the guide's qnetd step among them is registered by the guide already).
  return { ...stepActivities(QDEVICE_REPAIRS), ...stepActivities(steps), ...named };
}
