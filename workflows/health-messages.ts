/** Ids, signal, query and search attribute of the guard: a Schedule per cluster and one health-state workflow per cluster. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { NotifyConfig } from '../src/config/schema';
import type { HealthReport } from '../src/health/report';
import type { Alert, NotifyChannel } from '../src/health/alerts';
import type { OwnerWork } from '../src/health/quiet';

/** OK, WARNING, CRITICAL or UNKNOWN: the cluster's health, on its health-state workflow. */
export const healthAttribute = defineSearchAttributeKey('PveHealth', SearchAttributeType.KEYWORD);

export const healthStateIdFor = (cluster: string) => `pve-twonode-health-${cluster}`;
export const guardScheduleIdFor = (cluster: string) => `pve-twonode-guard-${cluster}`;

/** One check's result, with the notification settings of the config that ran it (so a config change applies at once). */
export interface HealthResult {
  report: HealthReport;
  notify: NotifyConfig | null;
}

/** An alert and where it went: the channels that took it, and each that did not with its reason. */
export interface AlertRecord {
  at: string;
  alert: Alert;
  delivered: string[];
  /** Every failure in one line ("ntfy: fetch failed"); before per-channel delivery, the one failure. */
  error?: string;
  /** The channels still owed this alert: sent again when a check arrives with that channel's settings changed. */
  pending?: { channel: NotifyChannel; failedWith: string; error: string }[];
}

export interface HealthState {
  cluster: string;
  status: HealthReport['status'] | null;
  since: string | null;
  lastReport: HealthReport | null;
  lastAlertAt: string | null;
  /** Every alert decided, newest last (the last 50), with where it went or why it could not be delivered. */
  alerts: AlertRecord[];
  /** Since when the checks say UNKNOWN without it being announced yet (notify.unknown_after); absent before that patch. */
  unknownSince?: string | null;
  /** The owner's runs in progress whose declared effects do not page (src/health/quiet.ts), with when each began. */
  quiet?: (OwnerWork & { since: string; endedAt?: string; outcome?: string })[];
}

/** A repair, maintenance or drill began: what it disturbs does not page until it ends (or OWNER_WORK_MAX passed). */
export const ownerWorkStartedSignal = defineSignal<[OwnerWork]>('ownerWorkStarted');
/** ... and ended: one summary goes out. */
export const ownerWorkEndedSignal = defineSignal<[{ workflowId: string; outcome: string }]>('ownerWorkEnded');

export const healthResultSignal = defineSignal<[HealthResult]>('healthResult');
export const healthQuery = defineQuery<HealthState>('health');
