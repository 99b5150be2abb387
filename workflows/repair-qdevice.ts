/**
 * `pve-twonode repair qdevice`: diagnose (read-only), show the plan, wait for approval, then the least invasive
 * repair that verifies: qnetd started, the node's daemon restarted, its certificates re-imported, and last the
 * QDevice removed and set up again (that one waits for an approval of its own). Each repair is a step (plan in
 * src/plan/repairs.ts, body in steps/repair/) run as the guide runs its steps (check -> act -> verify), verified like the guide's qdevice step.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ClusterConfig } from '../src/config/schema';
import type { StepResult } from '../src/step-kit/result';
import { qdevicePlan, qdevicePrereqsPlan, qnetdPlan } from '../src/plan/guide';
import { INVASIVE_REPAIR, PREPARATIONS, QDEVICE_REPAIR_PLANS, type QdeviceRepairName } from '../src/plan/repairs';
import { GatedRun, Rejected } from './gated-run';
import { clusterStep, quickStep } from './policies';
import type { RunProgress } from './progress';
import { REPAIR_GATES, REPAIR_QDEVICE_GATE, RESETUP_GATE } from './repair-messages';
import { validateInput } from './validate-input';

type RepairStep = 'diagnose' | QdeviceRepairName;

export interface RepairReport {
  outcome: 'healthy' | 'repaired' | 'rejected';
  progress: RunProgress<RepairStep>;
}

/** Said at a gate before the repair that removes: what goes, and for how long the cluster is without it. */
const REMOVES = `${INVASIVE_REPAIR} REMOVES the QDevice (pvecm qdevice remove), then sets it up again (setup --force): 2 votes in between, and none if the setup fails`;

const { diagnoseQdevice } = wf.proxyActivities<Activities>({ ...quickStep, summary: 'diagnose the QDevice (read-only)' });

export async function repairQdevice(config: ClusterConfig): Promise<RepairReport> {
  validateInput(config);
  const hosts = [config.nodes[0].name, config.nodes[1].name, config.qdevice.name];
  const run = new GatedRun<RepairStep>(
    config,
    [{ step: 'diagnose', hosts, needsApproval: false }, ...QDEVICE_REPAIR_PLANS.map((r) => ({ step: r.name, hosts: r.hosts(config), needsApproval: true }))],
    { run: 'repair qdevice', gates: REPAIR_GATES, disturbs: [qnetdPlan.name, qdevicePrereqsPlan.name, qdevicePlan.name] },
  );
  const { progress } = run;
  const finish = async (outcome: RepairReport['outcome']): Promise<RepairReport> => ({ outcome, progress: await run.close(outcome) });

  try {
    progress.start('diagnose', 'reading the QDevice on all three hosts');
    const diagnosis = await diagnoseQdevice(config);
    progress.finish('diagnose', {
      outcome: 'done',
      message: diagnosis.healthy ? `nothing to repair: ${diagnosis.verdict}` : `${diagnosis.verdict} | plan: ${diagnosis.plan.join(' -> ')}`,
      facts: { nodes: diagnosis.nodes, findings: diagnosis.findings, plan: diagnosis.plan },
      actions: [],
      attempt: 1,
    });
    if (diagnosis.healthy) {
      progress.complete();
      return finish('healthy');
    }
    // Nothing applies that is safe now (the VM off, the network down): no gate, nothing touched, and the findings say
    // what the person must fix; a QDevice that comes back by itself is then healthy again without any repair.
    if (diagnosis.plan.length === 0) {
      const blocked = diagnosis.findings.filter((f) => f.includes('not possible now'));
      const reason = `nothing can be repaired safely now, nothing was changed: ${(blocked.length ? blocked : diagnosis.findings).join('; ')}`;
      progress.end(null, 'failed', reason);
      throw wf.ApplicationFailure.nonRetryable(reason, 'RepairFailed');
    }
    const first = diagnosis.plan[0];
    const removes = diagnosis.plan.includes(INVASIVE_REPAIR) ? `; ${REMOVES}` : '';
    await run.gate(first, REPAIR_QDEVICE_GATE, `repair the QDevice, least invasive first: ${diagnosis.plan.join(' -> ')}${removes}`);
    const failures: string[] = [];
    for (const name of diagnosis.plan) {
      if (name === INVASIVE_REPAIR && failures.length > 0)
        await run.gate(name, RESETUP_GATE, `the lighter repairs did not bring the vote back (${failures.join('; ')}); next: ${REMOVES}`);
      const repair = QDEVICE_REPAIR_PLANS.find((r) => r.name === name)!;
      const repairActivity = wf.proxyActivities<Record<string, (c: ClusterConfig) => Promise<StepResult>>>({
        ...clusterStep,
        summary: `${name}: ${repair.summary(config)}`,
      })[repair.activity as string];
      progress.start(name, 'running');
      try {
        progress.finish(name, await repairActivity(config));
        // A preparation (corosync-qdevice installed) brings no vote by itself: the next repair follows.
        if (PREPARATIONS.includes(name)) continue;
        progress.complete();
        return finish('repaired');
      } catch (err) {
        const message = err instanceof wf.ActivityFailure && err.cause ? err.cause.message : String(err);
        // A repair that ran and did not verify hands over to the next; anything else (a worker fault) ends the run.
        if (!(err instanceof wf.ActivityFailure) || !(err.cause instanceof wf.ApplicationFailure) || !err.cause.nonRetryable) throw err;
        progress.stepFailed(name, message);
        failures.push(`${name}: ${message.split('\n')[0]}`);
      }
    }
    const reason = `no repair brought the QDevice's vote back: ${failures.join('; ')}`;
    progress.end(null, 'failed', reason);
    throw wf.ApplicationFailure.nonRetryable(reason, 'RepairFailed');
  } catch (err) {
    if (err instanceof Rejected) return finish('rejected');
    return run.failed(err);
  }
}
