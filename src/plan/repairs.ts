/**
 * The repairs as the repair workflows see them (src/plan/step-plan.ts); their bodies are in steps/repair/. The
 * QDevice's repairs run least invasive first (`pve-twonode repair qdevice`, steps/repair/index.ts says why these).
 */
import { qdevicePrereqsPlan, qnetdPlan } from './guide';
import { everyHost, planStep } from './step-plan';

/** corosync-qnetd on the VM started (the guide's qnetd step), then the vote checked as the qdevice step checks it. */
export const startQnetdPlan = planStep({ ...qnetdPlan, name: 'start-qnetd', activity: 'repairStartQnetd', kind: 'cluster', gatedByDefault: true });

/** corosync-qdevice installed where missing (the guide's qdevice-prereqs step): a preparation, the next repair follows. */
export const installQdevicePlan = planStep({ ...qdevicePrereqsPlan, name: 'install-qdevice', activity: 'repairInstallQdevice', gatedByDefault: true });

export const restartQdevicePlan = planStep({
  name: 'restart-qdevice',
  activity: 'repairRestartQdevice',
  kind: 'cluster',
  gatedByDefault: true,
  hosts: everyHost,
  summary: () => 'restart corosync-qdevice where it is down',
});

export const resetupQdevicePlan = planStep({
  name: 'resetup-qdevice',
  activity: 'repairResetupQdevice',
  kind: 'cluster',
  gatedByDefault: true,
  hosts: everyHost,
  summary: (config) => `pvecm qdevice remove + setup --force on ${config.nodes[0].name}`,
});

export const QDEVICE_REPAIR_PLANS = [startQnetdPlan, installQdevicePlan, restartQdevicePlan, resetupQdevicePlan] as const;
export type QdeviceRepairName = (typeof QDEVICE_REPAIR_PLANS)[number]['name'];
/** Repairs that prepare (install what is missing) and hand over to the next one instead of ending the run. */
export const PREPARATIONS: readonly QdeviceRepairName[] = ['install-qdevice'];
/** The repair that removes the QDevice: it waits for an approval of its own. */
export const INVASIVE_REPAIR: QdeviceRepairName = 'resetup-qdevice';

/** `repair move-qnetd`: the QDevice moved to the VM cluster.yaml's qdevice block now names. */
export const moveQnetdPlan = planStep({
  name: 'move-qnetd',
  activity: 'repairMoveQnetd',
  kind: 'cluster',
  gatedByDefault: true,
  hosts: everyHost,
  summary: (config) => `move the QDevice to ${config.qdevice.name} (${config.qdevice.ip})`,
});
