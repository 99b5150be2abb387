/**
 * Updates, signals, query and search attributes of every gated run (the guide, repairs, maintenance, drills); payloads
 * are plain JSON so the Temporal UI and CLI can send them.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RunProgress } from './progress';
import { healthAttribute } from './health-messages';

/** `{"step":"join"}`; a bare string `"join"` is accepted too. Any string arrives; the workflow ignores non-gates (gates.ts). */
export type ApproveInput = { step: string } | string;
/** `{"step":"join","reason":"wrong node"}`. */
export interface RejectInput {
  step: string;
  reason?: string;
}

/**
 * The signals of the first clients: still handled, for runs and clients of any age, but they cannot say no; an
 * unknown gate is only logged by the workflow.
 */
export const approveSignal = defineSignal<[ApproveInput]>('approve');
export const rejectSignal = defineSignal<[RejectInput]>('reject');

/**
 * `{"gate":"join"}`; `reason` is required to reject. `hostKey` (a host's SHA256 fingerprint) goes with the approval of
 * a gate that asks for one: replace-node's reinstalled-<node>, where the reinstalled node's new key is pinned.
 */
export interface GateAnswer {
  gate: string;
  reason?: string;
  hostKey?: string;
}
/** What the run did with the answer: the gate and the step it opens or ends. */
export interface GateAnswered {
  gate: string;
  step: string;
  answer: 'approved' | 'rejected';
}

/**
 * approve and reject as Updates: the run's validator refuses, to the caller and at once, a gate the run is not
 * waiting for (naming the one it waits for, and every gate it may ask), so a typo is never an approval held for later.
 */
export const approveUpdate = defineUpdate<GateAnswered, [GateAnswer]>('approveGate');
export const rejectUpdate = defineUpdate<GateAnswered, [GateAnswer]>('rejectGate');
export const progressQuery = defineQuery<RunProgress>('progress');

export const clusterNameAttribute = defineSearchAttributeKey('PveCluster', SearchAttributeType.KEYWORD);
export const currentStepAttribute = defineSearchAttributeKey('PveStep', SearchAttributeType.KEYWORD);
export const runStateAttribute = defineSearchAttributeKey('PveState', SearchAttributeType.KEYWORD);
/** Memo key of a closed run's final progress (workflows/guide.ts keepFinalReport). */
export const finalReportMemoKey = 'pveTwonodeReport';
/** Memo key of the config file the CLI started the run from: advice in its notices names that file. */
export const configPathMemoKey = 'pveTwonodeConfigPath';
export const SEARCH_ATTRIBUTES = [clusterNameAttribute, currentStepAttribute, runStateAttribute, healthAttribute];

export function workflowIdFor(clusterName: string): string {
  return `pve-twonode-${clusterName}`;
}
