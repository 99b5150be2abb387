/** `repair move-qnetd`'s first look (read-only): where the QDevice is now, and whether the move can go ahead. */
import type { ClusterConfig } from '../src/config/schema';
import { moveQnetd } from '../steps/repair/move-qnetd';
import { checkOnly } from './runtime/check-only';
import type { WorkerResources } from './runtime/resources';

export interface QnetdLocation {
  /** Why the move cannot start (a node offline), or null. */
  refused: string | null;
  /** The QDevice already uses cluster.yaml's VM and votes. */
  done: boolean;
  /** corosync.conf's QDevice host now (null: no device, or unknown when refused). */
  from: string | null;
}

export async function locateQnetd(resources: WorkerResources, config: ClusterConfig): Promise<QnetdLocation> {
  const checked = await checkOnly(resources, moveQnetd, config);
  return { refused: checked.refused, done: checked.done, from: checked.state?.from ?? null };
}
