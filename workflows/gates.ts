/** The gates a run can wait at: the one place that knows them (the CLI and the signal handlers ask here). */
import type { ClusterConfig } from '../src/config/schema';
import { GUIDE_STEPS, STEP_NAMES, type StepName } from '../steps';

export type PowerAction = 'off' | 'on';
/** A person confirms a manual power cut or power-on of a staged step (the failover test): `<step>-power-off|on`. */
export type PowerGate = `${StepName}-power-${PowerAction}`;
export type GateName = StepName | PowerGate;

export function powerGate(step: StepName, action: PowerAction): PowerGate {
  return `${step}-power-${action}`;
}

const STAGED = GUIDE_STEPS.filter((s) => s.activity === null).map((s) => s.name);

/** Every gate name any run may use. */
export const ALL_GATES: readonly GateName[] = [...STEP_NAMES, ...STAGED.flatMap((s) => [powerGate(s, 'off'), powerGate(s, 'on')])];

export function isGate(name: string): name is GateName {
  return (ALL_GATES as readonly string[]).includes(name);
}

/** The gates this run will wait at, given its config. */
export function gatesOf(config: ClusterConfig): GateName[] {
  const gated = config.approvals.steps.filter((s): s is StepName => (STEP_NAMES as readonly string[]).includes(s));
  const manual = STAGED.filter(() => config.failover.enabled).flatMap((s) => [
    ...('manual' in config.failover.power_off ? [powerGate(s, 'off')] : []),
    ...('manual' in config.failover.power_on ? [powerGate(s, 'on')] : []),
  ]);
  return [...gated, ...manual];
}
