/**
 * `pve-twonode quorum-override <config> <survivor>`: break glass for a survivor that lost quorum too (its peer dead AND
 * the QDevice gone), always behind a person's approval. First the proof, read-only: the survivor not quorate, the peer
 * silent and no member, the QDevice giving no vote; refused in every other state. The gate says what a split brain
 * would mean. Then what the real code accepts: the QDevice out of corosync's runtime and `pvecm expected 1`, verified by
 * a writable /etc/pve. The guard is not hushed: it alerts while the override stands. A look every few minutes; once
 * the peer or the QDevice VM is back, the override is lifted (corosync.conf read again, corosync-qdevice started) and
 * verified, and the run ends.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OverrideState } from '../activities/quorum-override';
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/duration';
import { OVERRIDE_DEAD_FOR, OVERRIDE_WATCH_EVERY, peerOf, quorumOverrideRefusal } from '../src/plan/quorum-override';
import { GatedRun, Rejected } from './gated-run';
import { clusterStep, quickStep } from './policies';
import type { RunProgress } from './progress';
import { overrideGate } from './repair-messages';
import { validateInput } from './validate-input';

export interface QuorumOverrideOptions {
  /** How long the peer must give no SSH answer (default 1m). */
  deadFor?: string;
  /** How often a standing override looks whether the peer or the QDevice is back (default 2m). */
  watchEvery?: string;
  /** Set when the run continued as new while the override stood: it goes on watching, with no proof or gate again. */
  standingSince?: string;
}

export interface QuorumOverrideReport {
  outcome: 'restored' | 'refused' | 'rejected';
  progress: RunProgress<string>;
}

const PROVE = 'prove-alone';
const OVERRIDE = 'override';
const STANDING = 'standing';
const RESTORE = 'restore';

export async function quorumOverride(config: ClusterConfig, survivor: string, options: QuorumOverrideOptions = {}): Promise<QuorumOverrideReport> {
  validateInput(config);
  const deadFor = options.deadFor ?? OVERRIDE_DEAD_FOR;
  const watchEvery = options.watchEvery ?? OVERRIDE_WATCH_EVERY;
  const refusal = quorumOverrideRefusal(config, survivor, deadFor, watchEvery);
  if (refusal) throw wf.ApplicationFailure.nonRetryable(refusal, 'InvalidConfig');
  const peer = peerOf(config, survivor).name;
  const vm = config.qdevice.name;
  const run = new GatedRun<string>(
    config,
    [
      { step: PROVE, hosts: [survivor, peer, vm], needsApproval: false },
      { step: OVERRIDE, hosts: [survivor], needsApproval: true },
      { step: STANDING, hosts: [survivor, peer, vm], needsApproval: false },
      { step: RESTORE, hosts: [survivor], needsApproval: false },
    ],
    // No disturbs: the guard keeps paging while the override stands.
    { run: `quorum-override on ${survivor}`, gates: [overrideGate(survivor)] },
  );
  const { progress } = run;
  const finish = async (outcome: QuorumOverrideReport['outcome']): Promise<QuorumOverrideReport> => ({ outcome, progress: await run.close(outcome) });
  const acts = (what: string, policy = clusterStep) => wf.proxyActivities<Activities>({ ...policy, summary: `quorum-override ${survivor}: ${what}` });

  try {
    let since = options.standingSince;
    if (!since) {
      progress.start(PROVE, `is ${survivor} alone? not quorate, ${peer} dead, the QDevice giving no vote (read-only)`);
      try {
        progress.finish(PROVE, await acts('prove it is alone (read-only)').proveAloneStep(config, survivor, deadFor));
      } catch (err) {
        if (!(err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure && err.cause.type === 'PreconditionFailed')) throw err;
        progress.end(PROVE, 'failed', `refused: ${err.cause.message}`);
        return await finish('refused');
      }
      await run.step(OVERRIDE, overrideGate(survivor), splitBrainWarning(survivor, peer), () => acts('override').applyOverrideStep(config, survivor));
      since = new Date().toISOString();
    }
    progress.start(
      STANDING,
      `override in place on ${survivor} since ${since}; waiting for ${peer} or the QDevice VM ${vm} to come back (a look every ${watchEvery})`,
    );
    let state: OverrideState;
    for (;;) {
      state = await acts('is the peer or the QDevice back? (read-only)', quickStep).overrideState(config, survivor);
      if (state.peerBack || state.qnetdBack) break;
      // A long override: the history starts afresh, the run goes on watching.
      if (wf.workflowInfo().continueAsNewSuggested)
        return await wf.continueAsNew<typeof quorumOverride>(config, survivor, { ...options, standingSince: since });
      await wf.sleep(durationMs(watchEvery));
    }
    const back = [state.peerBack ? peer : null, state.qnetdBack ? `the QDevice VM ${vm}` : null].filter(Boolean).join(' and ');
    progress.finish(STANDING, { outcome: 'done', message: `${back} back; the override stood since ${since}`, facts: { ...state }, actions: [], attempt: 1 });
    await run.step(RESTORE, null, `lift the override on ${survivor}`, () => acts('lift the override').restoreQuorumStep(config, survivor, state.qnetdBack));
    progress.complete();
    return await finish('restored');
  } catch (err) {
    if (err instanceof Rejected) return finish('rejected');
    return run.failed(err);
  }
}

function splitBrainWarning(survivor: string, peer: string): string {
  return (
    `BREAK GLASS: make ${survivor} quorate on its own vote (the QDevice taken out of corosync's runtime, corosync.conf untouched; pvecm expected 1). ` +
    `Approve ONLY if you have seen ${peer} powered off (its console, its power light, the PDU). If ${peer} is running and only cut off and becomes ` +
    `quorate as well, both nodes write /etc/pve and HA starts the same guests on both: a split brain, with diverging disks and configuration that ` +
    `cannot be merged. The override is lifted as soon as ${peer} or the QDevice VM is back; the guard alerts while it stands`
  );
}
