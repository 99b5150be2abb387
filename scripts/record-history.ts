/**
 * Records the history of one complete guide run (every gate approved, failover included) on the time-skipping
 * server with stand-in activities, into test/histories/. Replaying it guards the workflow's determinism:
 * re-record only together with a patched() change, keeping the old history.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { startGuide } from '../cli/start';
import { projectRoot } from '../src/paths';
import { testConfig } from '../test/helpers/config';
import { answerGates } from '../test/helpers/drive';
import { mockActivities } from '../test/helpers/mock-activities';
import { timeSkippingEnv } from '../test/helpers/temporal';

async function record(name: string): Promise<void> {
  const env = await timeSkippingEnv();
  try {
    const { impl } = mockActivities();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'record',
      workflowsPath: require.resolve('../workflows'),
      activities: impl,
    });
    const history = await worker.runUntil(async () => {
      const handle = await startGuide(
        env.client,
        // notify: set, so the gate notices (patch gate-notice) are in the history too.
        testConfig({
          failover: { enabled: true, power_off: { manual: true }, power_on: { command: ['true'] } },
          notify: { webhook: { url: 'http://127.0.0.1:9/hook' } },
        }),
        'record',
      );
      await answerGates(handle, { stopAfter: 'failover-power-off' });
      await handle.result();
      return handle.fetchHistory();
    });
    const path = join(projectRoot(), 'test', 'histories', name);
    writeFileSync(path, `${historyToJSON(history)}\n`);
    console.log(`wrote ${path} (${history.events?.length} events)`);
  } finally {
    await env.teardown();
  }
}

record(process.argv[2] ?? 'guide-v1.json').catch((err) => {
  console.error(err);
  process.exit(1);
});
