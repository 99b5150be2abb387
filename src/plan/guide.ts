/**
 * The guide's steps in the order they run, as the workflow sees them (src/plan/step-plan.ts): the only list of the
 * guide's steps. Each has its body (check, act, verify) in steps/<name>.ts, registered in steps/guide-steps.ts in the
 * same order (a test keeps the two in step). Adding a step: docs/adding-a-step.md.
 */
import { bothNodes, everyHost, planStep } from './step-plan';

export const preflightPlan = planStep({
  name: 'preflight',
  activity: 'preflight',
  kind: 'quick',
  gatedByDefault: false,
  hosts: everyHost,
  summary: () => 'read-only checks on all 3 hosts',
});

export const hostsPlan = planStep({
  name: 'hosts',
  activity: 'hosts',
  kind: 'quick',
  gatedByDefault: false,
  hosts: bothNodes,
  summary: (config) => `/etc/hosts on ${bothNodes(config).join(', ')}`,
});

export const timePlan = planStep({
  name: 'time',
  activity: 'time',
  kind: 'install',
  gatedByDefault: false,
  hosts: everyHost,
  summary: () => 'NTP on all 3 hosts',
});

export const createPlan = planStep({
  name: 'create',
  activity: 'create',
  kind: 'cluster',
  gatedByDefault: true,
  hosts: (config) => [config.nodes[0].name],
  summary: (config) => `pvecm create on ${config.nodes[0].name}`,
});

export const joinPrereqsPlan = planStep({
  name: 'join-prereqs',
  activity: 'joinPrereqs',
  kind: 'quick',
  gatedByDefault: false,
  hosts: (config) => [config.nodes[1].name, config.nodes[0].name],
  summary: (config) =>
    config.join.method === 'api'
      ? `${config.nodes[1].name} reaches the API of ${config.nodes[0].name}`
      : `root key trust ${config.nodes[1].name} -> ${config.nodes[0].name}`,
});

export const joinPlan = planStep({
  name: 'join',
  activity: 'join',
  kind: 'cluster',
  gatedByDefault: true,
  hosts: (config) => [config.nodes[1].name],
  summary: (config) => `pvecm add on ${config.nodes[1].name}`,
});

export const qnetdPlan = planStep({
  name: 'qnetd',
  activity: 'qnetd',
  kind: 'install',
  gatedByDefault: false,
  hosts: (config) => [config.qdevice.name],
  summary: (config) => `corosync-qnetd on ${config.qdevice.name}`,
});

export const qdevicePrereqsPlan = planStep({
  name: 'qdevice-prereqs',
  activity: 'qdevicePrereqs',
  kind: 'install',
  gatedByDefault: false,
  hosts: everyHost,
  summary: (config) => `corosync-qdevice + root key for ${config.qdevice.name}`,
});

export const qdevicePlan = planStep({
  name: 'qdevice',
  activity: 'qdevice',
  kind: 'cluster',
  gatedByDefault: true,
  hosts: everyHost,
  summary: (config) => `pvecm qdevice setup on ${config.nodes[0].name}`,
});

export const haPlan = planStep({
  name: 'ha',
  activity: 'ha',
  kind: 'cluster',
  gatedByDefault: true,
  hosts: (config) => [config.nodes[0].name],
  summary: (config) => `ha-manager add on ${config.nodes[0].name}`,
  notConfigured: (config) => (config.ha.resources.length === 0 ? 'no ha.resources in the config' : null),
});

export const replicationPlan = planStep({
  name: 'replication',
  activity: 'replication',
  kind: 'quick',
  gatedByDefault: false,
  hosts: (config) => [config.nodes[0].name],
  summary: (config) => `pvesr on ${config.nodes[0].name}`,
  notConfigured: (config) => (config.replication ? null : 'no replication in the config'),
});

/** Runs in stages of the workflow's own (workflows/power-cycle.ts), not as one activity. */
export const failoverPlan = planStep({
  name: 'failover',
  activity: null,
  kind: 'cluster',
  gatedByDefault: true,
  hosts: bothNodes,
  summary: (config) => `power-cycle test of ${bothNodes(config).join(' / ')}`,
  notConfigured: (config) => (config.failover.enabled ? null : 'failover.enabled is false'),
});

export const GUIDE_PLAN = [
  preflightPlan,
  hostsPlan,
  timePlan,
  createPlan,
  joinPrereqsPlan,
  joinPlan,
  qnetdPlan,
  qdevicePrereqsPlan,
  qdevicePlan,
  haPlan,
  replicationPlan,
  failoverPlan,
] as const;

export type StepName = (typeof GUIDE_PLAN)[number]['name'];

export const STEP_NAMES = GUIDE_PLAN.map((s) => s.name) as [StepName, ...StepName[]];

/**
 * The names as plain strings for the config schema: the plans' types depend on ClusterConfig, so the schema must not
 * depend on theirs (declared return types keep the type checker from going round in circles).
 */
export function stepNameList(): [string, ...string[]] {
  return [...STEP_NAMES];
}

/** The steps that wait for approval when cluster.yaml does not say (approvals.steps). */
export function defaultGatedStepList(): string[] {
  return GUIDE_PLAN.filter((s) => s.gatedByDefault).map((s) => s.name);
}
