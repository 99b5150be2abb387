/**
 * `pve-twonode repair move-qnetd <config> --to <ip>`: the QDevice moved to the VM cluster.yaml's qdevice block now
 * names. A read-only look first (where the device is, both nodes online); then the new VM prepared by the guide's own
 * steps, as a first run prepares one (preflight, the /etc/hosts block, NTP, corosync-qnetd, node 1's root key); none
 * of them changes the cluster; then the approval; then `pvecm qdevice remove` and `setup --force` against the new VM,
 * verified as the guide's qdevice step. The old VM is never contacted.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ClusterConfig } from '../src/config/schema';
import { hostsPlan, preflightPlan, qdevicePlan, qdevicePrereqsPlan, qnetdPlan, timePlan } from '../src/plan/guide';
import { moveQnetdPlan } from '../src/plan/repairs';
import { GatedRun, Rejected } from './gated-run';
import { quickStep } from './policies';
import type { RunProgress } from './progress';
import { MOVE_QNETD_GATE } from './repair-messages';
import { stepActivity } from './step-activity';
import { validateInput } from './validate-input';

/** What a new qnetd VM gets from the guide before the QDevice can use it; each step is idempotent (done ones skip). */
const PREPARE = [preflightPlan, hostsPlan, timePlan, qnetdPlan, qdevicePrereqsPlan] as const;

type MoveStep = 'locate' | (typeof PREPARE)[number]['name'] | typeof moveQnetdPlan.name;

export interface MoveQnetdReport {
  outcome: 'moved' | 'already' | 'refused' | 'rejected';
  progress: RunProgress<MoveStep>;
}

const { locateQnetd } = wf.proxyActivities<Activities>({ ...quickStep, summary: 'where the QDevice is now (read-only)' });

export async function repairMoveQnetd(config: ClusterConfig): Promise<MoveQnetdReport> {
  validateInput(config);
  const to = `${config.qdevice.name} (${config.qdevice.ip})`;
  const node1 = config.nodes[0].name;
  const run = new GatedRun<MoveStep>(
    config,
    [
      { step: 'locate', hosts: [node1], needsApproval: false },
      ...PREPARE.map((step) => ({ step: step.name, hosts: step.hosts(config), needsApproval: false })),
      { step: moveQnetdPlan.name, hosts: moveQnetdPlan.hosts(config), needsApproval: true },
    ],
    { run: 'repair move-qnetd', gates: [MOVE_QNETD_GATE], disturbs: [qdevicePrereqsPlan.name, qdevicePlan.name] },
  );
  const { progress } = run;
  const finish = async (outcome: MoveQnetdReport['outcome']): Promise<MoveQnetdReport> => ({ outcome, progress: await run.close(outcome) });
  try {
    progress.start('locate', 'where is the QDevice now?');
    const where = await locateQnetd(config);
    if (where.refused) {
      progress.end('locate', 'failed', `refused: ${where.refused}`);
      return finish('refused');
    }
    const from = where.from ?? 'no QDevice';
    const message = where.done ? `the QDevice already uses ${to} and votes: nothing to move` : `the QDevice uses ${from}; the move goes to ${to}`;
    progress.finish('locate', { outcome: 'done', message, facts: { from: where.from, to: config.qdevice.ip }, actions: [], attempt: 1 });
    if (where.done) {
      progress.complete();
      return finish('already');
    }
    // The new VM made ready as the guide makes one: nothing about the cluster changes yet.
    for (const step of PREPARE) await run.step(step.name, null, `preparing ${config.qdevice.name}`, () => stepActivity(step, config)(config));
    const old = where.from && where.from !== config.qdevice.ip ? `; ${where.from} is left as it is (not contacted)` : '';
    const what = `${to} is ready; move the QDevice from ${from}: pvecm qdevice remove + setup ${config.qdevice.ip} --force${old}`;
    await run.step(moveQnetdPlan.name, MOVE_QNETD_GATE, what, () => stepActivity(moveQnetdPlan, config)(config));
    progress.complete();
    return finish('moved');
  } catch (err) {
    if (err instanceof Rejected) return finish('rejected');
    return run.failed(err);
  }
}
