/** The worker: runs the guide workflow and the step activities; secrets are resolved here, from its environment. */
import { Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { TASK_QUEUE, connectWorker } from './src/temporal/connection';

/** Cancellation reaches an activity only with a heartbeat; the SDK would otherwise hold heartbeats back up to 16 s. */
export const HEARTBEAT_TUNING = { maxHeartbeatThrottleInterval: '5s' } as const;

export async function createWorker(): Promise<Worker> {
  const { connection, namespace } = await connectWorker();
  return Worker.create({
    connection,
    namespace,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities(),
    ...HEARTBEAT_TUNING,
  });
}

export async function runWorker(): Promise<void> {
  const worker = await createWorker();
  await worker.run();
}

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
