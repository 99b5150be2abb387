/** `plan`: per step and host, the exact commands the activities would run; read from the step registry. */
import type { ClusterConfig } from '../src/config/schema';
import { listCommands, type HostCommand } from '../src/step-kit/commands';
import type { AnyStep } from '../src/step-kit/descriptor';
import { GUIDE_STEPS } from '../steps';

export interface StepPlan {
  step: string;
  needsApproval: boolean;
  commands: HostCommand[];
  note?: string;
}

export function planFor(config: ClusterConfig, steps: readonly AnyStep[] = GUIDE_STEPS): StepPlan[] {
  return steps.map((step) => ({
    step: step.name,
    needsApproval: config.approvals.steps.includes(step.name),
    commands: step.commands(config).flatMap(listCommands),
    note: step.planNote?.(config) ?? step.notConfigured?.(config) ?? undefined,
  }));
}

export function renderPlan(plans: StepPlan[]): string {
  const lines: string[] = [];
  plans.forEach((p, i) => {
    lines.push(`${i}. ${p.step}${p.needsApproval ? '  [waits for approval]' : ''}${p.note ? `  (${p.note})` : ''}`);
    for (const c of p.commands) lines.push(`   ${c.phase.padEnd(6)} ${c.host}$ ${c.command}${c.stdin ? `   <stdin: ${c.stdin}>` : ''}`);
  });
  return lines.join('\n');
}
