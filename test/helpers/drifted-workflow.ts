/** A deliberately changed copy of the guide's start (sleeps before the first activity), for the replay test's negative case. */
import { sleep } from '@temporalio/workflow';

export async function clusterGuide(): Promise<void> {
  await sleep('1 minute');
}
