/** The gates a run can wait at: the one place that knows them (the CLI and the runs' validators ask here). */
import type { ClusterConfig } from '../src/config/schema';
import { GUIDE_PLAN, STEP_NAMES, type StepName } from '../src/plan/guide';

export type PowerAction = 'off' | 'on';
/** A person confirms a manual power cut or power-on of a staged step (the failover test): `<step>-power-off|on`. */
export type PowerGate = `${StepName}-power-${PowerAction}`;
export type GateName = StepName | PowerGate;

export function powerGate(step: StepName, action: PowerAction): PowerGate {
  return `${step}-power-${action}`;
}

const STAGED = GUIDE_PLAN.filter((s) => s.activity === null).map((s) => s.name);

/** Every gate name any guide run may use. */
export const ALL_GATES: readonly GateName[] = [...STEP_NAMES, ...STAGED.flatMap((s) => [powerGate(s, 'off'), powerGate(s, 'on')])];

export function isGate(name: string): name is GateName {
  return (ALL_GATES as readonly string[]).includes(name);
}

/** The gates a guide run with this config may ask: its approvals.steps, and a person's power confirmations when manual. */
export function guideGates(config: ClusterConfig): GateName[] {
  const manual = (['off', 'on'] as const).filter((a) => !('command' in (a === 'off' ? config.failover.power_off : config.failover.power_on)));
  const power = config.failover.enabled ? STAGED.flatMap((s) => manual.map((a) => powerGate(s, a))) : [];
  return [...STEP_NAMES.filter((s) => config.approvals.steps.includes(s)), ...power];
}
