/**
 * `pve-twonode drill <config>`: the guide's failover test again, on demand or from a Schedule (`--every 30d`). The
 * cluster's health is checked and the node hosting the HA guest picked (read-only); the power cut waits for approval
 * (a scheduled drill notifies and waits for the owner); it is checked again after the approval, then the test runs as
 * in the guide. The recovery time is kept in the run's memo (`clusters` shows the last) and in the cluster's record.
 */
import * as wf from '@temporalio/workflow';
import { qnetdPlan, STEP_NAMES } from '../src/plan/guide';
import type { ClusterConfig } from '../src/config/schema';
import { GatedRun, Rejected } from './gated-run';
import { powerCycleTest } from './power-cycle';
import type { RunProgress } from './progress';
import { DRILL_GATE, DRILL_GATES, drillPowerGate } from './repair-messages';
import { validateInput } from './validate-input';

type DrillStep = 'drill';

/** A drill nobody approves ends after a day (unless approvals.timeout says otherwise): the next scheduled one runs. */
export const DRILL_GATE_TIMEOUT = '1d';

/** A node off: every fact that reads it or counts its vote is the drill's own doing; the qnetd VM is not. */
const DRILL_DISTURBS = STEP_NAMES.filter((name) => name !== qnetdPlan.name);

export interface DrillReport {
  outcome: 'passed' | 'refused' | 'rejected';
  /** Power-off to the guest started on the survivor. */
  recoveryMs: number | null;
  progress: RunProgress<DrillStep>;
}

export async function failoverDrill(config: ClusterConfig): Promise<DrillReport> {
  validateInput(config);
  const step: DrillStep = 'drill';
  const run = new GatedRun<DrillStep>(config, [{ step, hosts: config.nodes.map((n) => n.name), needsApproval: true }], {
    run: 'the failover drill',
    gates: DRILL_GATES,
    disturbs: DRILL_DISTURBS,
    gateTimeout: DRILL_GATE_TIMEOUT,
  });
  const { progress } = run;
  const finish = async (outcome: DrillReport['outcome']): Promise<DrillReport> => ({
    outcome,
    recoveryMs: progress.data.failoverRecoveryMs,
    progress: await run.close(outcome),
  });
  if (!config.failover.enabled)
    throw wf.ApplicationFailure.nonRetryable('failover.enabled is false in cluster.yaml: set it, with power_off and power_on', 'InvalidConfig');
  progress.start(step, 'is the cluster healthy, and which node hosts the HA guest?');
  try {
    const result = await powerCycleTest(config, {
      step,
      progress,
      again: true,
      confirmPower: (action, _node, what) => run.gate(step, drillPowerGate(action), what),
      beforePowerOff: (t) =>
        run.gate(
          step,
          DRILL_GATE,
          `failover drill: power off ${t.victim} hard (it runs ${t.sid}), watch ${t.survivor} take over, keep ${t.victim} off for ${config.failover.down_for}, power it on`,
        ),
    });
    progress.finish(step, result);
    progress.complete();
    return finish('passed');
  } catch (err) {
    if (err instanceof Rejected) return finish('rejected');
    const cause = err instanceof wf.ActivityFailure ? err.cause : undefined;
    // Not healthy enough to lose a node (or the guest is not running): no power cut, and that is the drill's answer.
    if (cause instanceof wf.ApplicationFailure && cause.type === 'PreconditionFailed') {
      progress.end(step, 'failed', `refused: ${cause.message}`);
      return finish('refused');
    }
    return run.failed(err);
  }
}
