/** Signals, query and search attributes of the guide workflow; payloads are plain JSON so the Temporal UI and CLI can send them. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RunProgress } from './progress';
import { healthAttribute } from './health-messages';

/** `{"step":"join"}`; a bare string `"join"` is accepted too. Any string arrives; the workflow ignores non-gates (gates.ts). */
export type ApproveInput = { step: string } | string;
/** `{"step":"join","reason":"wrong node"}`. */
export interface RejectInput {
  step: string;
  reason?: string;
}

export const approveSignal = defineSignal<[ApproveInput]>('approve');
export const rejectSignal = defineSignal<[RejectInput]>('reject');
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
