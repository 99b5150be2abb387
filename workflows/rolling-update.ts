/**
 * `pve-twonode update <config>`: a quorum-safe rolling update of both nodes and the QDevice VM. First a read-only plan
 * (apt-get update and a simulated dist-upgrade on each host: what would change, whether a reboot will be needed), shown
 * before anything is asked; nothing to do anywhere ends there, with no gate. Then one host at a time, each behind its own
 * gate (update-<host>), each only with the cluster healthy (`check` OK: 3 of 3 votes from both sides, the HA stack
 * working, no node in maintenance): a node goes into HA maintenance (its guests move), is upgraded, rebooted when needed
 * and waited for (SSH with its pinned key, a member on 3 of 3 votes), leaves maintenance (its guests come back) and the
 * cluster is checked again; the QDevice VM comes last, with both nodes up and voting, because its reboot costs the third
 * vote for its duration.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HostUpdatePlan } from '../activities/update';
import type { ClusterConfig } from '../src/config/schema';
import { GUIDE_PLAN, qdevicePlan, qnetdPlan, STEP_NAMES } from '../src/plan/guide';
import type { StepResult } from '../src/step-kit/result';
import { GatedRun, Rejected } from './gated-run';
import { clusterStep, failoverStage, installStep, quickStep } from './policies';
import type { RunProgress } from './progress';
import { updateGate } from './repair-messages';
import { validateInput } from './validate-input';

export type RebootPolicy = 'auto' | 'always' | 'never';

export interface UpdateOptions {
  /** auto: when a new kernel (or Debian's flag) asks for it; always; never (the owner reboots later). */
  reboot: RebootPolicy;
  /** Only these hosts (names from cluster.yaml), in the rolling order; null: all three. */
  only: string[] | null;
  /** How long a host may take to come back from its reboot before the update asks (default 15m). */
  rebootTimeout?: string;
}

export interface UpdateReport {
  outcome: 'done' | 'nothing-to-do' | 'refused' | 'rejected';
  plan: HostUpdatePlan[];
  progress: RunProgress<string>;
}

const PLAN = 'plan';
const stepOf = (host: string) => `update-${host}`;
/** Asked when a host is not back from its reboot in time: approve waits again, reject stops the update there. */
export const waitGate = (host: string) => `${updateGate(host)}-wait`;

/** Something to do on the host: packages to change, dpkg to finish, or a reboot the policy asks for. */
function hasWork(p: HostUpdatePlan, reboot: RebootPolicy): boolean {
  const k = p.packages;
  if (!k) return false;
  return k.changes.length > 0 || k.interrupted !== null || reboot === 'always' || (reboot === 'auto' && k.rebootNeeded);
}

export async function rollingUpdate(config: ClusterConfig, options: UpdateOptions): Promise<UpdateReport> {
  validateInput(config);
  const order = [config.nodes[0].name, config.nodes[1].name, config.qdevice.name];
  const unknown = (options.only ?? []).filter((h) => !order.includes(h));
  if (unknown.length > 0 || !['auto', 'always', 'never'].includes(options.reboot))
    throw wf.ApplicationFailure.nonRetryable(
      `only must name hosts of the config (${order.join(', ')}) and reboot be auto, always or never; got ${unknown.join(', ') || options.reboot}`,
      'InvalidConfig',
    );
  const hosts = options.only ? order.filter((h) => options.only!.includes(h)) : order;
  const run = new GatedRun<string>(
    config,
    [{ step: PLAN, hosts, needsApproval: false }, ...hosts.map((h) => ({ step: stepOf(h), hosts: [h], needsApproval: true }))],
    {
      run: 'the rolling update',
      gates: hosts.flatMap((h) => [updateGate(h), waitGate(h)]),
      // Each host's turn tells the guard what that turn disturbs (disturbedBy); nothing until the first approval.
      disturbs: [],
    },
  );
  const { progress } = run;
  let plan: HostUpdatePlan[] = [];
  const finish = async (outcome: UpdateReport['outcome']): Promise<UpdateReport> => ({ outcome, plan, progress: await run.close(outcome) });
  const quick = wf.proxyActivities<Activities>({ ...quickStep, summary: 'update: read-only' });

  /** `check`'s own verdict: the update goes on only from a healthy cluster. */
  async function healthRefusal(): Promise<string | null> {
    const report = await quick.healthCheck(config);
    return report.status === 'OK' ? null : `the cluster is not healthy (${report.status}): ${report.summary}; fix it first (pve-twonode check <cluster.yaml>)`;
  }

  try {
    progress.start(PLAN, 'is the cluster healthy? apt-get update and a simulated dist-upgrade on each host (read-only)');
    const refusal = await healthRefusal();
    if (refusal) {
      progress.end(PLAN, 'failed', `refused: ${refusal}`);
      return finish('refused');
    }
    plan = await quick.updatePlan(config, hosts);
    const unplanned = plan.filter((p) => p.refused !== null);
    if (unplanned.length > 0) {
      progress.end(PLAN, 'failed', `refused: ${unplanned.map((p) => p.summary).join('; ')}`);
      return finish('refused');
    }
    const todo = plan.filter((p) => hasWork(p, options.reboot));
    progress.finish(PLAN, {
      outcome: 'done',
      message: todo.length === 0 ? `nothing to do: ${plan.map((p) => p.summary).join('; ')}` : plan.map((p) => p.summary).join('; '),
      facts: { plan },
      actions: [],
      attempt: 1,
    });
    for (const p of plan) {
      if (hasWork(p, options.reboot)) {
        await run.disturbing(disturbedBy(config, p.host));
        await run.step(stepOf(p.host), updateGate(p.host), gateText(config, p, options.reboot), () => updateHost(config, run, p, options, healthRefusal));
      } else progress.finish(stepOf(p.host), { outcome: 'skipped-already-done', message: p.summary, facts: {}, actions: [], attempt: 1 });
    }
    progress.complete();
    return finish(todo.length === 0 ? 'nothing-to-do' : 'done');
  } catch (err) {
    if (err instanceof Rejected) return finish('rejected');
    return run.failed(err);
  }
}

/**
 * The health facts one host's turn disturbs, which the guard does not page meanwhile (anything else it still does): a
 * node in maintenance and rebooting costs its vote, HA's view of it and every read of it, as in a drill (all but the
 * VM's qnetd); the VM's reboot costs the third vote and every read of the VM.
 */
export function disturbedBy(config: ClusterConfig, host: string): string[] {
  if (host !== config.qdevice.name) return STEP_NAMES.filter((name) => name !== qnetdPlan.name);
  return GUIDE_PLAN.filter((step) => step.name === qdevicePlan.name || step.hosts(config).includes(host)).map((step) => step.name);
}

function gateText(config: ClusterConfig, p: HostUpdatePlan, reboot: RebootPolicy): string {
  const isVm = p.host === config.qdevice.name;
  const rebooting = reboot === 'always' || (reboot === 'auto' && p.packages?.rebootNeeded);
  const how = isVm
    ? `upgrade ${p.host}${rebooting ? ' and reboot it: the cluster runs on 2 of 3 votes (the nodes alone) until it is back, so neither node may fail meanwhile' : ''}`
    : `HA maintenance on for ${p.host} (its guests move to the other node), upgrade it${rebooting ? ', reboot it' : ''}, maintenance off (its guests come back)`;
  return `${how}. Plan: ${p.summary}`;
}

/** One host's turn: the cluster checked healthy first and after; a node's guests moved away for it and back after. */
async function updateHost(
  config: ClusterConfig,
  run: GatedRun<string>,
  p: HostUpdatePlan,
  options: UpdateOptions,
  healthRefusal: () => Promise<string | null>,
): Promise<StepResult> {
  const host = p.host;
  const isNode = config.nodes.some((n) => n.name === host);
  const refusal = await healthRefusal();
  if (refusal) throw wf.ApplicationFailure.nonRetryable(`not updating ${host}: ${refusal}`, 'PreconditionFailed');
  const acts = (policy: wf.ActivityOptions, what: string) => wf.proxyActivities<Activities>({ ...policy, summary: `update-${host}: ${what}` });
  const results: StepResult[] = [];
  if (isNode) results.push(await acts(clusterStep, 'HA maintenance on').maintenanceOnStep(config, host));
  const upgraded = await acts(installStep, 'apt-get dist-upgrade').upgradeHostStep(config, host);
  results.push(upgraded);
  const after = upgraded.facts.packages as { rebootNeeded: boolean; bootId: string } | undefined;
  if (options.reboot === 'always' || (options.reboot === 'auto' && after?.rebootNeeded)) {
    const timeout = options.rebootTimeout ?? '15m';
    // Not back in time: the owner is asked (and notified) whether to wait again; the other hosts are never touched.
    for (;;) {
      try {
        results.push(await acts(failoverStage, 'reboot and wait').rebootHostStep(config, host, after?.bootId ?? '', timeout));
        break;
      } catch (err) {
        if (!(err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure && err.cause.type === 'HostNotBack')) throw err;
        // Each time the host is late the owner is asked again (runs recorded before this asked only the first time).
        if (wf.patched('update-wait-asks-again')) run.askAgain(waitGate(host));
        await run.gate(
          stepOf(host),
          waitGate(host),
          `${host} did not come back within ${timeout} of its reboot. Bring it back (console, power), then approve to wait ${timeout} more; or reject to stop the update here (${isNode ? `${host} stays in HA maintenance, its guests on the other node; ` : ''}no other host is touched)`,
        );
      }
    }
  }
  if (isNode) results.push(await acts(clusterStep, 'HA maintenance off').maintenanceOffStep(config, host));
  const unhealthy = await healthRefusal();
  if (unhealthy) throw wf.ApplicationFailure.nonRetryable(`${host} updated, but ${unhealthy}`, 'PostconditionFailed');
  return {
    outcome: 'done',
    message: results.map((r) => r.message).join('; '),
    facts: Object.assign({}, ...results.map((r) => r.facts)) as Record<string, unknown>,
    actions: results.flatMap((r) => r.actions),
    attempt: Math.max(...results.map((r) => r.attempt)),
  };
}
