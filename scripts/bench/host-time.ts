/** Time spent inside host commands, as the lab's hosts log it (lab-audit writes lab-timing.log: start end exit command). */
import { BATCH_MARK } from '../../src/ssh/batch';
import type { HostCommandTime } from '../../lab/driver/lab';

export { hostCommandTimes, type HostCommandTime } from '../../lab/driver/lab';

export interface HostTime {
  /** Wall time during which at least one host was running one of our commands (parallel commands count once). */
  busyMs: number;
  /** Commands the hosts ran, a batch of reads (src/ssh/batch.ts) counted as the reads it carried. */
  commands: number;
}

/** The reads an SSH command carried: a batch says how many in its first line (lab-timing.log joins its lines). */
const BATCH_HEADER = new RegExp(`^: ${BATCH_MARK} (\\d+)`);
const readsIn = (t: HostCommandTime) => Number(BATCH_HEADER.exec(t.command)?.[1] ?? 1);

/**
 * An event watcher (src/step-kit/quorum-events.ts) sits on the host for the whole wait doing nothing: counted as
 * host work it would hide the wait's polls as "inside host commands".
 */
export const isWatcher = (t: HostCommandTime) => t.command.includes('corosync-quorumtool -m');

/** Host time inside a window: the union of the command intervals, clipped to it. */
export function hostTimeWithin(times: HostCommandTime[], fromMs: number, toMs: number): HostTime {
  const ran = times.filter((t) => !isWatcher(t) && t.endMs > fromMs && t.startMs < toMs);
  const inside = ran.map((t) => [Math.max(t.startMs, fromMs), Math.min(t.endMs, toMs)] as const).sort((a, b) => a[0] - b[0]);
  let busyMs = 0;
  let reach = -Infinity;
  for (const [start, end] of inside) {
    if (end <= reach) continue;
    busyMs += end - Math.max(start, reach);
    reach = end;
  }
  return { busyMs, commands: ran.reduce((n, t) => n + readsIn(t), 0) };
}
