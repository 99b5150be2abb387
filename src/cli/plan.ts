/** `plan`: per step and host, the exact commands the activities would run; built from the same command sets. */
import { createCommands } from '../../activities/create';
import { failoverCommands } from '../../activities/failover';
import { haPlan } from '../../activities/ha';
import { hostsCommands } from '../../activities/hosts';
import { joinCommands } from '../../activities/join';
import { preflightCommands } from '../../activities/preflight';
import { qdeviceCommands } from '../../activities/qdevice';
import { qdevicePrereqsCommands } from '../../activities/qdevice-prereqs';
import { qnetdCommands } from '../../activities/qnetd';
import { replicationCommands } from '../../activities/replication';
import { timeCommands } from '../../activities/time';
import type { ClusterConfig, StepName } from '../config/schema';
import { allHosts, listCommands, type CommandSet, type HostCommand } from '../steps/commands';

export interface StepPlan {
  step: StepName;
  needsApproval: boolean;
  commands: HostCommand[];
  note?: string;
}

export function planFor(config: ClusterConfig): StepPlan[] {
  const sets: Record<StepName, CommandSet[]> = {
    preflight: [preflightCommands(config)],
    hosts: config.nodes.map((n) => hostsCommands(config, n)),
    time: allHosts(config).map((h) => timeCommands(config, h)),
    create: [createCommands(config)],
    join: [joinCommands(config)],
    qnetd: [qnetdCommands(config)],
    'qdevice-prereqs': [qdevicePrereqsCommands(config)],
    qdevice: [qdeviceCommands(config)],
    ha: [haPlan(config)],
    replication: config.replication ? [replicationCommands(config)] : [],
    failover: config.failover.enabled ? config.nodes.map((n) => failoverCommands(config, n.name)) : [],
  };
  const power = (p: ClusterConfig['failover']['power_off']) => ('command' in p ? `run on the worker: ${p.command.join(' ')}` : 'a person confirms with pve-twonode approve');
  const notes: Partial<Record<StepName, string>> = {
    replication: config.replication ? undefined : 'skipped: no replication in the config',
    failover: config.failover.enabled
      ? `power off: ${power(config.failover.power_off)}; keep off ${config.failover.down_for}; power on: ${power(config.failover.power_on)}`
      : 'skipped: failover.enabled is false',
  };
  return (Object.keys(sets) as StepName[]).map((step) => ({
    step,
    needsApproval: config.approvals.steps.includes(step),
    commands: sets[step].flatMap(listCommands),
    note: notes[step],
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
