/**
 * `pve-twonode maintenance <config> <node> on|off`: the step's own check first, read-only (on is refused while the
 * third vote is not healthy: with the node down the survivor would lose quorum), then the approval, then the step
 * (check -> act -> verify): on ends with the node's HA guests running on the other node, off with the node back and
 * 3 of 3 votes.
 */
import * as wf from '@temporalio/workflow';
import { haPlan, replicationPlan } from '../src/plan/guide';
import type { Activities } from '../activities';
import type { MaintenanceAction } from '../activities/maintenance';
import type { ClusterConfig } from '../src/config/schema';
import { GatedRun, Rejected } from './gated-run';
import { clusterStep, quickStep } from './policies';
import type { RunProgress } from './progress';
import { validateInput } from './validate-input';

type MaintenanceStep = 'check' | 'maintenance-on' | 'maintenance-off';

export interface MaintenanceReport {
  outcome: 'done' | 'already' | 'refused' | 'rejected';
  progress: RunProgress<MaintenanceStep>;
}

const { maintenanceCheck } = wf.proxyActivities<Activities>({ ...quickStep, summary: 'check the cluster can spare the node (read-only)' });

export async function nodeMaintenance(config: ClusterConfig, node: string, action: MaintenanceAction): Promise<MaintenanceReport> {
  validateInput(config);
  if (!config.nodes.some((n) => n.name === node) || !['on', 'off'].includes(action))
    throw wf.ApplicationFailure.nonRetryable(
      `node must be ${config.nodes.map((n) => n.name).join(' or ')} and action on or off; got ${node} ${action}`,
      'InvalidConfig',
    );
  const step: MaintenanceStep = action === 'on' ? 'maintenance-on' : 'maintenance-off';
  const run = new GatedRun<MaintenanceStep>(
    config,
    [
      { step: 'check', hosts: [config.nodes[0].name], needsApproval: false },
      { step, hosts: [config.nodes[0].name], needsApproval: true },
    ],
    { run: `maintenance ${action} for ${node}`, gates: [step], disturbs: [haPlan.name, replicationPlan.name] },
  );
  const { progress } = run;
  const finish = async (outcome: MaintenanceReport['outcome']): Promise<MaintenanceReport> => ({ outcome, progress: await run.close(outcome) });
  try {
    progress.start('check', `can ${node} go into HA maintenance?`);
    const checked = await maintenanceCheck(config, node, action);
    if (checked.refused) {
      progress.end('check', 'failed', checked.refused);
      return finish('refused');
    }
    const already = checked.done ? `${node} is already ${action === 'on' ? 'in' : 'out of'} HA maintenance` : null;
    progress.finish('check', { outcome: 'done', message: already ?? 'the cluster can spare it', facts: {}, actions: [], attempt: 1 });
    if (already) {
      progress.complete();
      return finish('already');
    }
    const acts = wf.proxyActivities<Activities>({ ...clusterStep, summary: `${step}: ${node}` });
    await run.step(
      step,
      step,
      action === 'on' ? `move ${node}'s HA guests to the other node and keep it in maintenance` : `take ${node} out of maintenance`,
      () => (action === 'on' ? acts.maintenanceOnStep(config, node) : acts.maintenanceOffStep(config, node)),
    );
    progress.complete();
    return finish('done');
  } catch (err) {
    if (err instanceof Rejected) return finish('rejected');
    return run.failed(err);
  }
}
