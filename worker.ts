/** The worker: runs the guide workflow and the step activities; secrets are resolved here, from its environment. */
import { Worker } from '@temporalio/worker';
import { createActivities, WorkerResources } from './activities';
import { SshPool } from './src/ssh/pool';
import { TASK_QUEUE, connectWorker } from './src/temporal/connection';

/** Cancellation reaches an activity only with a heartbeat; the SDK would otherwise hold heartbeats back up to 16 s. */
export const HEARTBEAT_TUNING = { maxHeartbeatThrottleInterval: '5s' } as const;

/**
 * @param taskQueue a site's own queue (cluster.yaml cluster.task_queue), served by a worker inside that site's LAN.
 * @param resources what its activities share (the SSH pool, the read caches)
 */
export async function createWorker(taskQueue = TASK_QUEUE, resources = new WorkerResources()): Promise<Worker> {
  const { connection, namespace } = await connectWorker();
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities(resources),
    ...HEARTBEAT_TUNING,
  });
}

/** The worker process: its activities share one SSH connection pool (closed when the worker stops). */
export async function runWorker(taskQueue = TASK_QUEUE): Promise<void> {
  const pool = new SshPool();
  const worker = await createWorker(taskQueue, new WorkerResources(pool));
  try {
    await worker.run();
  } finally {
    pool.close();
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
