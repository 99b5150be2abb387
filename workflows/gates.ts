/** The gates a run can wait at: the one place that knows them (the CLI and the signal handlers ask here). */
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
