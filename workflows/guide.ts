/** The guide as one workflow: its steps in order, approval gates before the risky ones, nothing else. */
import * as wf from '@temporalio/workflow';
import type * as activities from '../activities';
import type { ClusterConfig, StepName } from '../src/config/schema';
import { durationMs } from '../src/duration';
import type { StepResult } from '../src/steps/result';
import {
  approveSignal,
  clusterNameAttribute,
  currentStepAttribute,
  progressQuery,
  rejectSignal,
  runStateAttribute,
  type ApproveInput,
  type RejectInput,
} from './messages';
import { clusterStep, failoverStage, installStep, quickStep } from './policies';
import { Progress, type RunProgress } from './progress';

type Activities = typeof activities;
type Options = wf.ActivityOptions;

export interface GuideReport {
  outcome: 'completed' | 'rejected';
  progress: RunProgress;
}

const STEP_HOSTS = (c: ClusterConfig): Record<StepName, string[]> => {
  const [n1, n2] = c.nodes.map((n) => n.name);
  const all = [n1, n2, c.qdevice.name];
  return {
    preflight: all, hosts: [n1, n2], time: all, create: [n1], join: [n2], qnetd: [c.qdevice.name],
    'qdevice-prereqs': all, qdevice: [n1], ha: [n1], replication: [n1], failover: [n1, n2],
  };
};

class Rejected extends Error {}

export async function clusterGuide(config: ClusterConfig): Promise<GuideReport> {
  const hosts = STEP_HOSTS(config);
  const gated = new Set<string>(config.approvals.steps);
  const steps = (Object.keys(hosts) as StepName[]).map((step) => ({ step, hosts: hosts[step], needsApproval: gated.has(step) }));
  const progress = new Progress(config.cluster.name, steps);
  const approved = new Set<string>();
  const rejections = new Map<string, string>();

  wf.setHandler(progressQuery, () => progress.data);
  wf.setHandler(approveSignal, (input: ApproveInput) => void approved.add(typeof input === 'string' ? input : input.step));
  wf.setHandler(rejectSignal, (input: RejectInput) => void rejections.set(input.step, input.reason ?? 'no reason given'));

  const publish = (step: StepName | null) => {
    wf.upsertSearchAttributes([
      { key: currentStepAttribute, value: step ?? 'none' },
      { key: runStateAttribute, value: progress.data.state },
    ]);
    const current = step ? progress.step(step) : null;
    wf.setCurrentDetails(current ? `**${current.step}** (${current.state}) on ${current.hosts.join(', ')}: ${current.message}` : `run ${progress.data.state}`);
  };
  wf.upsertSearchAttributes([{ key: clusterNameAttribute, value: config.cluster.name }]);

  const activity = (options: Options, step: StepName, what: string) =>
    wf.proxyActivities<Activities>({ ...options, summary: `${step}: ${what}` });

  /** Waits for `approve`; a `reject` ends the run. With approvals.timeout, ends or reminds when nobody answers. */
  async function gate(step: StepName, gate: string, instruction: string): Promise<void> {
    if (!approved.has(gate) && !rejections.has(gate)) {
      progress.awaitGate(step, gate, instruction);
      publish(step);
      const answered = () => approved.has(gate) || rejections.has(gate);
      const timeout = config.approvals.timeout;
      // Without approvals.timeout the wait is still a (decade-long) timer: only a timer carries a summary for the UI.
      while (!(await wf.condition(answered, timeout ? durationMs(timeout) : '3650 days', { summary: `approval of ${gate}${timeout ? ` (${timeout})` : ''}` }))) {
        if (!timeout) continue;
        if (config.approvals.on_timeout === 'reject') {
          rejections.set(gate, `no approval within ${timeout}`);
          break;
        }
        wf.log.warn(`still waiting for approval of ${gate} (${timeout} passed)`);
        progress.note(step, `REMINDER: waiting since ${progress.data.awaiting?.since}. ${instruction}`);
      }
    }
    const reason = rejections.get(gate);
    if (reason !== undefined) {
      progress.end(step, 'rejected', `rejected at ${gate}: ${reason}`);
      publish(step);
      throw new Rejected(reason);
    }
    progress.gateOpened(step, `approved: ${gate}`);
  }

  async function runGuideStep(step: StepName, body: () => Promise<StepResult>): Promise<void> {
    if (gated.has(step)) await gate(step, step, `approve with: pve-twonode approve ${config.cluster.name} ${step}`);
    progress.start(step, 'running');
    publish(step);
    try {
      progress.finish(step, await body());
    } catch (err) {
      if (wf.isCancellation(err)) progress.end(step, 'cancelled', `cancelled during ${step}; the host command in flight finished, nothing after it ran`);
      else if (!(err instanceof Rejected)) progress.end(step, 'failed', failureMessage(err), failureAttempts(err));
      publish(step);
      throw err;
    }
    publish(step);
  }

  async function failoverTest(): Promise<StepResult> {
    const prep = await activity(quickStep, 'failover', `check health on ${config.nodes[0].name}`).failoverPrepare(config);
    if (!prep.target) {
      progress.data.failoverRecoveryMs = (prep.facts.recoveryMs as number | undefined) ?? null;
      return prep;
    }
    const target = prep.target;
    const { victim, survivor } = target;
    const powerOffAt = await power('off', victim);
    const offSince = Date.now(); // workflow time, for the durable down-time timer
    progress.note('failover', `${victim} is off; watching ${survivor}`);
    const observed = await activity(failoverStage, 'failover', `watch ${survivor} take over ${target.sid}`).failoverObserve(config, target, powerOffAt);
    progress.data.failoverRecoveryMs = observed.recoveryMs;
    // Keep the node down for failover.down_for, as the guide's test does, before powering it back on.
    const downMs = durationMs(config.failover.down_for) - (Date.now() - offSince);
    if (downMs > 0) await wf.sleep(downMs, { summary: `keep ${victim} powered off for ${config.failover.down_for}` });
    await power('on', victim);
    const restored = await activity(failoverStage, 'failover', `wait for ${victim} and 3 of 3 votes`).failoverRestore(config, target, observed.recoveryMs);
    return {
      ...observed,
      message: `${observed.message}; ${restored.message}`,
      facts: { ...prep.facts, ...observed.facts, ...restored.facts },
      actions: [...prep.actions, `power off ${victim}`, `power on ${victim}`],
      attempt: Math.max(prep.attempt, observed.attempt, restored.attempt),
    };
  }

  /** Powers a node off or on by the configured command, or waits for a person to do it; returns when it happened. */
  async function power(action: 'off' | 'on', node: string): Promise<number> {
    const how = action === 'off' ? config.failover.power_off : config.failover.power_on;
    if ('command' in how) return (await activity(quickStep, 'failover', `power ${action} ${node}`).failoverPower(config, action, node)).at;
    const gateName = `failover-power-${action}`;
    await gate('failover', gateName, `power ${action} ${node} ${action === 'off' ? 'HARD (pull the plug; a clean shutdown is not a failure)' : ''}, then: pve-twonode approve ${config.cluster.name} ${gateName}`);
    progress.start('failover', `${node} powered ${action} (confirmed)`);
    return Date.now();
  }

  const step = (s: StepName, options: Options, what: string, fn: (a: Activities) => Promise<StepResult>) => runGuideStep(s, () => fn(activity(options, s, what)));
  const [node1, node2] = config.nodes.map((n) => n.name);
  try {
    await step('preflight', quickStep, 'read-only checks on all 3 hosts', (a) => a.preflight(config));
    await step('hosts', quickStep, `/etc/hosts on ${node1}, ${node2}`, (a) => a.hosts(config));
    await step('time', installStep, 'NTP on all 3 hosts', (a) => a.time(config));
    await step('create', clusterStep, `pvecm create on ${node1}`, (a) => a.create(config));
    await step('join', clusterStep, `pvecm add on ${node2}`, (a) => a.join(config));
    await step('qnetd', installStep, `corosync-qnetd on ${config.qdevice.name}`, (a) => a.qnetd(config));
    await step('qdevice-prereqs', installStep, `corosync-qdevice + root key for ${config.qdevice.name}`, (a) => a.qdevicePrereqs(config));
    await step('qdevice', clusterStep, `pvecm qdevice setup on ${node1}`, (a) => a.qdevice(config));
    await step('ha', clusterStep, `ha-manager add on ${node1}`, (a) => a.ha(config));
    await step('replication', quickStep, `pvesr on ${node1}`, (a) => a.replication(config));
    if (config.failover.enabled) await runGuideStep('failover', failoverTest);
    else progress.finish('failover', { outcome: 'skipped-not-configured', message: 'failover.enabled is false', facts: {}, actions: [], attempt: 0 });
  } catch (err) {
    if (err instanceof Rejected) return { outcome: 'rejected', progress: progress.data };
    throw err;
  }
  progress.complete();
  publish(null);
  return { outcome: 'completed', progress: progress.data };
}

function failureMessage(err: unknown): string {
  const cause = err instanceof wf.ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

function failureAttempts(err: unknown): number {
  const cause = err instanceof wf.ActivityFailure ? err.cause : undefined;
  const details = cause instanceof wf.ApplicationFailure ? (cause.details?.[0] as { attempt?: number } | undefined) : undefined;
  return details?.attempt ?? 1;
}
