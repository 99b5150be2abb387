/**
 * What every day-2 workflow (a repair, maintenance) shares with the guide's shape: the `progress` query, the
 * approve/reject signals, approval gates that notify (cluster.yaml notify:) and wait without end, and the final
 * progress kept in the memo so watch, status and report read it with no worker.
 */
import * as wf from '@temporalio/workflow';
import type { ClusterConfig } from '../src/config/schema';
import { approveSignal, clusterNameAttribute, finalReportMemoKey, progressQuery, rejectSignal, type ApproveInput, type RejectInput } from './messages';
import { announceGate } from './notify-each';
import { Progress, type RunProgress } from './progress';

const NO_NOTICE_WHEN_ANSWERED = 'no-notice-when-answered';

/** A gate was rejected; the run ends as rejected (not failed). */
export class Rejected extends Error {}

export class GatedRun<N extends string> {
  readonly progress: Progress<N>;
  private readonly approved = new Set<string>();
  private readonly rejections = new Map<string, string>();

  constructor(
    private readonly config: ClusterConfig,
    steps: { step: N; hosts: string[]; needsApproval: boolean }[],
  ) {
    this.progress = new Progress<N>(config.cluster.name, steps);
    wf.setHandler(progressQuery, () => this.progress.data as unknown as RunProgress);
    wf.setHandler(approveSignal, (input: ApproveInput) => void this.approved.add(typeof input === 'string' ? input : input.step));
    wf.setHandler(rejectSignal, (input: RejectInput) => void this.rejections.set(input.step, input.reason ?? 'no reason given'));
    wf.upsertSearchAttributes([{ key: clusterNameAttribute, value: config.cluster.name }]);
  }

  /** Waits for `approve <cluster> <gate>`; a rejection ends the step and throws Rejected. */
  async gate(step: N, gate: string, what: string): Promise<void> {
    const cluster = this.config.cluster.name;
    const instruction = `${what}; approve with: pve-twonode approve ${cluster} ${gate}`;
    const answered = () => this.approved.has(gate) || this.rejections.has(gate);
    // An approval or rejection sent ahead of the gate needs no notice (runs before this patch sent one anyway).
    const ask = !answered() || !wf.patched(NO_NOTICE_WHEN_ANSWERED);
    if (ask) this.progress.awaitGate(step, gate, instruction);
    // Tell the person, unless the approval comes at once; never holds up the run.
    if (ask && this.config.notify) announceGate(this.config.notify, { cluster, gate, instruction, workflowId: wf.workflowInfo().workflowId }, answered);
    await wf.condition(answered, '3650 days', { summary: `approval of ${gate}` });
    const reason = this.rejections.get(gate);
    if (reason !== undefined) {
      this.progress.end(step, 'rejected', `rejected at ${gate}: ${reason}`);
      throw new Rejected(reason);
    }
    this.progress.gateOpened(step, `approved: ${gate}`);
  }

  /** Keeps the final progress in the memo, however the run ends. */
  keepReport(): RunProgress<N> {
    wf.upsertMemo({ [finalReportMemoKey]: this.progress.data });
    return this.progress.data;
  }
}
