/** A Temporal Schedule per cluster and purpose (the guard's checks, the drills): created, or updated in place. */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import { durationMs } from '../src/duration';

/** What `--every` accepts: a whole number and a unit. */
export const EVERY = /^\d+(ms|s|m|h|d)$/;

export async function upsertSchedule(
  client: Client,
  scheduleId: string,
  every: string,
  action: ScheduleOptionsAction,
  note: string,
): Promise<'created' | 'updated'> {
  const spec: ScheduleSpec = { intervals: [{ every: durationMs(every) }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // A run still going when the next is due is not doubled; after a server outage, at most one missed run starts.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '5m' },
      state: { note },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    return 'updated';
  }
}
