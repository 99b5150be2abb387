/**
 * Records a history on the time-skipping server with stand-in activities, into test/histories/: `guide-vN.json`, one
 * complete guide run (every gate approved, failover included); `health-vN.json`, the guard's health state through
 * OK, UNKNOWN, CRITICAL, a reminder and back to OK; the day-2 workflows, every gate approved:
 * `repair-qdevice-vN.json` (a restart that fails, then the re-setup behind its own gate), `maintenance-vN.json` (on),
 * `move-qnetd-vN.json`, `drill-vN.json` (a manual power cut confirmed). Replaying them guards the workflows'
 * determinism: re-record only together with a patched() change, keeping the old history.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { Health, HealthReport } from '../src/health/report';
import { EXIT_CODE } from '../src/health/report';
import { healthResultSignal, healthStateIdFor } from '../workflows/health-messages';
import { drillIdFor, maintenanceIdFor, moveQnetdIdFor, repairQdeviceIdFor } from '../workflows/repair-messages';
import { startGuide } from '../cli/start';
import { projectRoot } from '../src/paths';
import { testConfig } from '../test/helpers/config';
import { answerGates } from '../test/helpers/drive';
import { mockActivities } from '../test/helpers/mock-activities';
import { timeSkippingEnv } from '../test/helpers/temporal';

/** The worker every recording runs on: today's workflows, the given stand-in activities, queue `record`. */
function recordingWorker(env: TestWorkflowEnvironment, activities: object): Promise<Worker> {
  return Worker.create({ connection: env.nativeConnection, taskQueue: 'record', workflowsPath: require.resolve('../workflows'), activities });
}

async function recordGuide(env: TestWorkflowEnvironment): Promise<History> {
  const { impl } = mockActivities();
  const worker = await recordingWorker(env, impl);
  return worker.runUntil(async () => {
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
}

function healthReport(status: Health): HealthReport {
  return {
    version: 1,
    cluster: 'homelab',
    status,
    exitCode: EXIT_CODE[status],
    summary: `PVE-TWONODE ${status} - homelab`,
    checkedAt: new Date().toISOString(),
    wallMs: 2500,
    facts: [],
  };
}

async function recordHealth(env: TestWorkflowEnvironment): Promise<History> {
  const activities = { sendAlert: () => Promise.resolve(['webhook']) };
  const worker = await recordingWorker(env, activities);
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start('clusterHealth', { taskQueue: 'record', workflowId: healthStateIdFor('homelab'), args: ['homelab'] });
    const notify = { webhook: { url: 'http://127.0.0.1:9/hook' }, remind: '6h', unknown_after: '2m' };
    for (const status of ['OK', 'UNKNOWN', 'UNKNOWN', 'CRITICAL', 'CRITICAL'] as const) {
      await handle.signal(healthResultSignal, { report: healthReport(status), notify });
      await env.sleep('1m');
    }
    await env.sleep('6h');
    await handle.signal(healthResultSignal, { report: healthReport('OK'), notify });
    await env.sleep('1m');
    const history = await handle.fetchHistory();
    await handle.terminate('recorded');
    return history;
  });
}

/** A day-2 workflow run to its end with every gate approved as it comes. */
const DAY2: Record<string, { workflowType: string; workflowId: string; args: unknown[]; behaviour?: Parameters<typeof mockActivities>[0] }> = {
  'repair-qdevice': {
    workflowType: 'repairQdevice',
    workflowId: repairQdeviceIdFor('homelab'),
    args: [testConfig({ notify: { webhook: { url: 'http://127.0.0.1:9/hook' } } })],
    behaviour: { repairRestartQdevice: { failPermanently: 'proxmox2 still shows NA,NV,NMW' } },
  },
  maintenance: { workflowType: 'nodeMaintenance', workflowId: maintenanceIdFor('homelab'), args: [testConfig(), 'proxmox1', 'on'] },
  'move-qnetd': { workflowType: 'repairMoveQnetd', workflowId: moveQnetdIdFor('homelab'), args: [testConfig()] },
  drill: {
    workflowType: 'failoverDrill',
    workflowId: drillIdFor('homelab'),
    args: [testConfig({ failover: { enabled: true, power_off: { manual: true }, power_on: { command: ['true'] } } })],
  },
};

async function recordDay2(env: TestWorkflowEnvironment, kind: string): Promise<History> {
  const { workflowType, workflowId, args, behaviour } = DAY2[kind];
  const { impl } = mockActivities(behaviour);
  const worker = await recordingWorker(env, impl);
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(workflowType, { taskQueue: 'record', workflowId, args });
    await answerGates(handle as never);
    await handle.result();
    return handle.fetchHistory();
  });
}

async function record(name: string): Promise<void> {
  const env = await timeSkippingEnv();
  const kind = name.replace(/-v\d+\.json$/, '');
  try {
    const history = kind === 'health' ? await recordHealth(env) : kind in DAY2 ? await recordDay2(env, kind) : await recordGuide(env);
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
