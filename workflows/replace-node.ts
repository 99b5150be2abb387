/**
 * `pve-twonode replace-node <config> <node>`: a node that died for good (disk, board, a botched upgrade) replaced by a
 * reinstall with the same name and address. First the proof, read-only: the node silent for --dead-for, gone from the
 * survivor's corosync membership and from corosync-qnetd's list, the survivor quorate without it. Then the plan and
 * one gate (replace-<node>): the survivor backed up, the dead node's HA guests recovered, `pvecm delnode`, `pvecm
 * qdevice remove` (the order the real code accepts), and what delnode leaves cleared; the survivor then runs alone on
 * its own vote. Then a durable wait, days if need be, for the reinstall (reinstalled-<node>, approved with the node's
 * new host key, which is pinned from then on), and the guide's own steps for that node, up to 3 of 3 votes and
 * `check` OK.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ClusterConfig } from '../src/config/schema';
import { qnetdPlan, STEP_NAMES } from '../src/plan/guide';
import { backupDirFor, DEAD_FOR, REJOIN_PLAN, rejoinConfig, replaceNodeRefusal } from '../src/plan/replace-node';
import { GatedRun, Rejected } from './gated-run';
import { clusterStep, quickStep } from './policies';
import type { RunProgress } from './progress';
import { reinstalledGate, replaceGate } from './repair-messages';
import { stepActivity } from './step-activity';
import { validateInput } from './validate-input';

export interface ReplaceNodeOptions {
  /** How long the node must give no SSH answer before it counts as dead (default 2m). */
  deadFor?: string;
}

export interface ReplaceNodeReport {
  outcome: 'replaced' | 'refused' | 'rejected';
  /** The reinstalled node's host key, as approved: cluster.yaml's ssh.host_key for it must become this. */
  newHostKey: string | null;
  backupDir: string;
  progress: RunProgress<string>;
}

const PROVE = 'prove-dead';
const REINSTALLED = 'reinstalled';
const CHECK = 'check';

/** The run's start time as a folder stamp: the same on every replay and retry, so the backup is made once. */
function stamp(): string {
  return wf.workflowInfo().startTime.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export async function replaceNode(config: ClusterConfig, node: string, options: ReplaceNodeOptions = {}): Promise<ReplaceNodeReport> {
  validateInput(config);
  const deadFor = options.deadFor ?? DEAD_FOR;
  const refusal = replaceNodeRefusal(config, node, deadFor);
  if (refusal) throw wf.ApplicationFailure.nonRetryable(refusal, 'InvalidConfig');
  const survivor = config.nodes.find((n) => n.name !== node)!.name;
  const vm = config.qdevice.name;
  const backupDir = backupDirFor(node, stamp());
  const run = new GatedRun<string>(
    config,
    [
      { step: PROVE, hosts: [node, survivor, vm], needsApproval: false },
      { step: 'backup', hosts: [survivor], needsApproval: true },
      { step: 'remove-node', hosts: [survivor], needsApproval: false },
      { step: 'forget-node', hosts: [survivor, vm], needsApproval: false },
      { step: REINSTALLED, hosts: [node], needsApproval: true },
      ...REJOIN_PLAN.map((p) => ({ step: p.name, hosts: p.hosts(config), needsApproval: false })),
      { step: CHECK, hosts: [survivor, node, vm], needsApproval: false },
    ],
    {
      run: `replace-node ${node}`,
      gates: [replaceGate(node), reinstalledGate(node)],
      hostKeyGates: [reinstalledGate(node)],
      // The node is gone and the QDevice removed until the rejoin: every fact but the VM's own qnetd is expected to page.
      disturbs: STEP_NAMES.filter((name) => name !== qnetdPlan.name),
    },
  );
  const { progress } = run;
  let newHostKey: string | null = null;
  const finish = async (outcome: ReplaceNodeReport['outcome']): Promise<ReplaceNodeReport> => ({
    outcome,
    newHostKey,
    backupDir,
    progress: await run.close(outcome),
  });
  const acts = (what: string, policy = clusterStep) => wf.proxyActivities<Activities>({ ...policy, summary: `replace-node ${node}: ${what}` });

  try {
    progress.start(PROVE, `is ${node} dead? silent for ${deadFor}, gone from corosync and qnetd (read-only)`);
    try {
      progress.finish(PROVE, await acts('prove it is dead (read-only)').proveDeadStep(config, node, deadFor));
    } catch (err) {
      if (!(err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure && err.cause.type === 'PreconditionFailed')) throw err;
      progress.end(PROVE, 'failed', `refused: ${err.cause.message}`);
      return await finish('refused');
    }
    await run.step('backup', replaceGate(node), removalPlan(config, node, survivor, backupDir), () =>
      acts('back up the survivor', quickStep).backupSurvivorStep(config, node, backupDir),
    );
    await run.step('remove-node', null, `pvecm delnode ${node}, then pvecm qdevice remove, on ${survivor}`, () =>
      acts('delnode, qdevice remove').removeDeadNodeStep(config, node),
    );
    await run.step('forget-node', null, `what delnode leaves of ${node}, on ${survivor} and ${vm}`, () =>
      acts('clear the leftovers', quickStep).forgetDeadNodeStep(config, node, backupDir),
    );
    const rejoin = await waitForReinstall(run, config, node, acts);
    newHostKey = rejoin.nodes.find((n) => n.name === node)!.ssh.host_key;
    for (const plan of REJOIN_PLAN) await run.step(plan.name, null, `${plan.name}: ${plan.summary(rejoin)}`, () => stepActivity(plan, rejoin)(rejoin));
    await run.step(CHECK, null, 'pve-twonode check: 3 of 3 votes from both sides, HA, time', async () => {
      const report = await acts('check', quickStep).healthCheck(rejoin);
      if (report.status !== 'OK')
        throw wf.ApplicationFailure.nonRetryable(`${node} rejoined, but check says ${report.status}: ${report.summary}`, 'PostconditionFailed');
      return {
        outcome: 'done',
        message: `${report.summary.split(' | ')[0]}. Pin ${node}'s new host key in cluster.yaml: ssh.host_key: ${newHostKey} (then pve-twonode guard <cluster.yaml> again, if a guard runs, so it checks with it); the backup stays in ${backupDir} on ${survivor}`,
        facts: { newHostKey, backupDir },
        actions: [],
        attempt: 1,
      };
    });
    progress.complete();
    return await finish('replaced');
  } catch (err) {
    if (err instanceof Rejected) return finish('rejected');
    return run.failed(err);
  }
}

function removalPlan(config: ClusterConfig, node: string, survivor: string, backupDir: string): string {
  return (
    `replace ${node} (proven dead): on ${survivor}, back up corosync.conf, /etc/pve and the pmxcfs database to ${backupDir}; ` +
    `wait until HA has recovered ${node}'s guests; delete replication jobs to ${node}; pvecm delnode ${node}; pvecm qdevice remove ` +
    `(${survivor} then runs ALONE on its own vote, no QDevice, until ${node} is back: keep it powered); move /etc/pve/nodes/${node} into the backup; ` +
    `take root@${node}'s key out of authorized_keys and ${node}'s host keys out of known_hosts on ${survivor} and ${config.qdevice.name}. ` +
    `Then the run waits for the reinstall`
  );
}

/**
 * The durable wait for the reinstall: approved with the node's new host key, the node is reached with that key pinned
 * (another key, or a host that is not a fresh install of that name, is said and asked again); returns the config the
 * rejoin runs with.
 */
async function waitForReinstall(
  run: GatedRun<string>,
  config: ClusterConfig,
  node: string,
  acts: (what: string, policy?: wf.ActivityOptions) => Activities,
): Promise<ClusterConfig> {
  const gate = reinstalledGate(node);
  const ip = config.nodes.find((n) => n.name === node)!.ip;
  let why = '';
  for (;;) {
    await run.gate(
      REINSTALLED,
      gate,
      `${why}reinstall Proxmox VE on ${node} with the same name and address (${ip}), put the worker's SSH key in root's authorized_keys, ` +
        `then approve with its new host key (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on its console): --host-key SHA256:...`,
    );
    const rejoin = rejoinConfig(config, node, run.hostKeyOf(gate)!);
    run.progress.start(REINSTALLED, `reaching ${node} with the approved host key`);
    try {
      run.progress.finish(REINSTALLED, await acts('the reinstalled node', quickStep).freshNodeStep(rejoin, node));
      return rejoin;
    } catch (err) {
      if (!(err instanceof wf.ActivityFailure) || !(err.cause instanceof wf.ApplicationFailure)) throw err;
      why = `not accepted: ${err.cause.message}. `;
      run.progress.note(REINSTALLED, why);
      run.askAgain(gate);
    }
  }
}
