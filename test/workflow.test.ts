/** The guide workflow's logic under the real time-skipping server: gates, rejection, retries, timeouts, worker replacement. */
import assert from 'node:assert/strict';
import { GUIDE_STEPS } from '../steps';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { RunAlreadyActiveError, startGuide, type GuideHandle } from '../cli/start';
import { finalReportMemoKey, progressQuery, rejectSignal } from '../workflows/messages';
import type { RunProgress } from '../workflows/progress';
import { resolveSecret } from '../src/secrets';
import type { ClusterConfig } from '../src/config/schema';
import { testConfig } from './helpers/config';
import { answerGates, waitForGate } from './helpers/drive';
import { mockActivities, type Behaviour } from './helpers/mock-activities';
import { historyText, timeSkippingEnv } from './helpers/temporal';
import { HEARTBEAT_TUNING } from '../worker';

/** Every step's activity, in the registry's order (the failover test runs in stages of its own). */
const ALL_STEP_ACTIVITIES = GUIDE_STEPS.flatMap((s) => (s.activity ? [s.activity] : []));

describe('guide workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let suiteStartMs = 0;
  let coveredWorkflowMs = 0;

  before(async () => {
    suiteStartMs = Date.now();
    env = await timeSkippingEnv();
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
    });
  });

  after(async () => {
    console.log(
      `# time-skipping suite: ${(coveredWorkflowMs / 60_000).toFixed(0)} minutes of workflow time in ${((Date.now() - suiteStartMs) / 1000).toFixed(1)} s of real time`,
    );
    await env?.teardown();
  });

  async function withWorker<T>(
    behaviour: Partial<Record<string, Behaviour>>,
    fn: (taskQueue: string, calls: string[]) => Promise<T>,
    taskQueue = randomUUID(),
    workerOptions: Partial<WorkerOptions> = {},
  ) {
    const { impl, calls } = mockActivities(behaviour);
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: impl,
      ...HEARTBEAT_TUNING,
      ...workerOptions,
    });
    return { result: await worker.runUntil(fn(taskQueue, calls)), calls };
  }

  /** Awaits the run (unlocking time skipping) and adds its span of workflow time to the suite's total. */
  async function finished<T extends GuideHandle>(handle: T): Promise<Awaited<ReturnType<T['result']>>> {
    try {
      return (await handle.result()) as Awaited<ReturnType<T['result']>>;
    } finally {
      const { startTime, closeTime } = await handle.describe();
      if (closeTime) coveredWorkflowMs += closeTime.getTime() - startTime.getTime();
    }
  }

  const uniqueConfig = (overrides: Record<string, unknown> = {}): ClusterConfig =>
    testConfig({ cluster: { name: `t${randomUUID().slice(0, 8)}` }, ...overrides });

  it('with notify: in cluster.yaml, each gate a person answers later sends one notice naming it, and the run goes on', async () => {
    const config = uniqueConfig({ notify: { webhook: { url: 'http://127.0.0.1:9/hook' } } });
    const { result, calls } = await withWorker({}, async (taskQueue) => {
      const handle = await startGuide(env.client, config, taskQueue);
      // A person answers a few minutes after the gate is reached.
      await answerGates(handle, { stopAfter: 'failover', onGate: () => env.sleep('3 minutes').then(() => true) });
      return finished(handle);
    });
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(
      calls.filter((c) => c.startsWith('sendGateNotice')),
      ['create', 'join', 'qdevice', 'ha', 'failover'].map((g) => `sendGateNotice:${g}`),
    );
  });

  it('with notify: a gate approved at once (--auto-approve) sends no notice', async () => {
    const config = uniqueConfig({ notify: { webhook: { url: 'http://127.0.0.1:9/hook' } } });
    const { result, calls } = await withWorker({}, async (taskQueue) => {
      const handle = await startGuide(env.client, config, taskQueue);
      await answerGates(handle, { stopAfter: 'failover' });
      return finished(handle);
    });
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(
      calls.filter((c) => c.startsWith('sendGateNotice')),
      [],
    );
  });

  it('runs the whole guide, holding each gate until approved', async () => {
    const config = uniqueConfig();
    const { result, calls } = await withWorker({}, async (taskQueue, calls) => {
      const handle = await startGuide(env.client, config, taskQueue);
      // env.sleep must not overlap result(): both move the server's time-skipping lock.
      const gates = await answerGates(handle, {
        stopAfter: 'failover',
        onGate: async (gate, progress) => {
          const before = [...calls];
          await env.sleep('1 hour'); // an hour of workflow time: nothing past the gate may run
          assert.deepEqual(calls, before, `something ran past gate ${gate}`);
          const held = await handle.query(progressQuery);
          assert.equal(held.awaiting?.gate, gate);
          assert.equal(progress.steps.find((s) => s.step === gate)?.state ?? 'waiting-for-approval', 'waiting-for-approval');
          return true;
        },
      });
      assert.deepEqual(gates, ['create', 'join', 'qdevice', 'ha', 'failover']);
      return finished(handle);
    });
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(calls, [...ALL_STEP_ACTIVITIES, 'failoverPrepare', 'failoverPower:off', 'failoverObserve', 'failoverPower:on', 'failoverRestore']);
    assert.ok(
      result.progress.steps.every((s) => s.state === 'done'),
      JSON.stringify(result.progress.steps.map((s) => [s.step, s.state])),
    );
    assert.equal(result.progress.failoverRecoveryMs, 95_000);
  });

  it('ends as rejected, with the reason, when a gate is rejected', async () => {
    const config = uniqueConfig();
    const { result, calls } = await withWorker({}, async (taskQueue) => {
      const handle = await startGuide(env.client, config, taskQueue);
      await answerGates(handle, { stopAfter: 'create' });
      await waitForGate(handle, 'join');
      await handle.signal(rejectSignal, { step: 'join', reason: 'proxmox2 still has guests' });
      return finished(handle);
    });
    assert.equal(result.outcome, 'rejected');
    const join = result.progress.steps.find((s) => s.step === 'join');
    assert.equal(join?.state, 'rejected');
    assert.match(join?.message ?? '', /proxmox2 still has guests/);
    assert.ok(!calls.includes('join'));
  });

  it('retries a transient fault and shows the attempts', async () => {
    const config = uniqueConfig({ approvals: { steps: [] }, failover: { enabled: false } });
    const { result } = await withWorker({ time: { failTransiently: 3 } }, async (taskQueue) => finished(await startGuide(env.client, config, taskQueue)));
    assert.equal(result.outcome, 'completed');
    assert.equal(result.progress.steps.find((s) => s.step === 'time')?.attempts, 4);
  });

  it('ends the run on a non-retryable failure with its message, after one attempt', async () => {
    const config = uniqueConfig({ approvals: { steps: [] } });
    const message = 'names still resolve wrongly: proxmox2 -> 127.0.1.1 (want 192.0.2.12)';
    const { result } = await withWorker({ hosts: { failPermanently: message } }, async (taskQueue) => {
      const handle = await startGuide(env.client, config, taskQueue);
      const error = await finished(handle).then(
        () => null,
        (e: unknown) => e,
      );
      return { error, progress: await handle.query(progressQuery) };
    });
    assert.ok(result.error instanceof WorkflowFailedError);
    assert.match(String(((result.error.cause as Error).cause as Error | undefined)?.message), /127\.0\.1\.1/);
    const hosts = result.progress.steps.find((s) => s.step === 'hosts');
    assert.equal(hosts?.state, 'failed');
    assert.equal(hosts?.attempts, 1);
    assert.match(hosts?.message ?? '', /127\.0\.1\.1/);
    assert.equal(result.progress.steps.find((s) => s.step === 'time')?.state, 'pending');
  });

  it('rejects a gate nobody answers within approvals.timeout, skipping a day of workflow time', async () => {
    const config = uniqueConfig({ approvals: { steps: ['create'], timeout: '24h', on_timeout: 'reject' } });
    const realStart = Date.now();
    const { result } = await withWorker({}, async (taskQueue) => finished(await startGuide(env.client, config, taskQueue)));
    assert.equal(result.outcome, 'rejected');
    assert.match(result.progress.endedReason ?? '', /^rejected at create: nobody approved create within 24h; nothing was done$/);
    assert.ok(Date.now() - realStart < 30_000);
  });

  it('reminds instead when approvals.on_timeout is remind, then continues once approved', async () => {
    const config = uniqueConfig({ approvals: { steps: ['create'], timeout: '12h', on_timeout: 'remind' }, failover: { enabled: false } });
    const { result } = await withWorker({}, async (taskQueue) => {
      const handle = await startGuide(env.client, config, taskQueue);
      await waitForGate(handle, 'create');
      await env.sleep('30 hours');
      const waiting = await handle.query(progressQuery);
      assert.equal(waiting.awaiting?.gate, 'create');
      assert.match(waiting.steps.find((s) => s.step === 'create')?.message ?? '', /REMINDER/);
      await answerGates(handle, { stopAfter: 'create' });
      return finished(handle);
    });
    assert.equal(result.outcome, 'completed');
  });

  it('stops on cancel and reports the step where it stopped', async () => {
    const config = uniqueConfig({ approvals: { steps: [] } });
    const { result } = await withWorker({ time: { untilCancelled: true } }, async (taskQueue, calls) => {
      const handle = await startGuide(env.client, config, taskQueue);
      while (!calls.includes('time')) await delay(20);
      await handle.cancel();
      let progress = await handle.query(progressQuery);
      while (progress.state !== 'cancelled') progress = (await delay(50), await handle.query(progressQuery));
      return { progress, status: (await handle.describe()).status.name, calls: [...calls] };
    });
    assert.equal(result.status, 'CANCELLED');
    const time = result.progress.steps.find((s) => s.step === 'time');
    assert.equal(time?.state, 'cancelled');
    assert.match(time?.message ?? '', /cancelled during time/);
    assert.equal(result.progress.steps.find((s) => s.step === 'hosts')?.state, 'done');
    assert.equal(result.progress.steps.find((s) => s.step === 'create')?.state, 'pending');
    assert.deepEqual(result.calls, ['preflight', 'hosts', 'time']);
  });

  it('cancelled at a gate: the step and the run say cancelled, in the memo too, not waiting-for-approval', async () => {
    const config = uniqueConfig();
    const { result } = await withWorker({}, async (taskQueue) => {
      const handle = await startGuide(env.client, config, taskQueue);
      await waitForGate(handle, 'create');
      await handle.cancel();
      await handle.result().catch(() => undefined);
      const memo = (await handle.describe()).memo?.[finalReportMemoKey] as RunProgress;
      return { memo };
    });
    assert.equal(result.memo.state, 'cancelled');
    assert.equal(result.memo.awaiting, null);
    const create = result.memo.steps.find((s) => s.step === 'create');
    assert.deepEqual([create?.state, create?.message], ['cancelled', 'cancelled at the create gate; nothing of create ran']);
  });

  it('refuses a second concurrent run for the same cluster', async () => {
    const config = uniqueConfig();
    await withWorker({}, async (taskQueue) => {
      const handle = await startGuide(env.client, config, taskQueue);
      await waitForGate(handle, 'create');
      await assert.rejects(startGuide(env.client, config, taskQueue), RunAlreadyActiveError);
      await handle.terminate('test over');
    });
  });

  it('resumes on a new worker without re-running finished steps', async () => {
    const config = uniqueConfig();
    const taskQueue = randomUUID();
    const handle = await startGuide(env.client, config, taskQueue);
    const first = await withWorker(
      {},
      async () => {
        await answerGates(handle, { stopAfter: 'create' });
        await waitForGate(handle, 'join'); // the first worker stops here, mid-run
        // No workflow cache: the time-skipping server does not move work off a dead worker's sticky queue.
      },
      taskQueue,
      { maxCachedWorkflows: 0 },
    );
    const second = await withWorker(
      {},
      async () => {
        await answerGates(handle, { stopAfter: 'failover' });
        return finished(handle);
      },
      taskQueue,
    );
    // Every step up to the join gate: create and its predecessors, then join-prereqs (it runs before the join's gate).
    assert.deepEqual(first.calls, ALL_STEP_ACTIVITIES.slice(0, ALL_STEP_ACTIVITIES.indexOf('joinPrereqs') + 1));
    assert.equal(second.result.outcome, 'completed');
    assert.ok(!second.calls.some((c) => first.calls.includes(c)), `re-ran: ${second.calls.join(', ')}`);
    assert.equal(second.calls[0], 'join');
  });

  it('keeps secrets out of the history of a complete run', async () => {
    const secret = `pw-${randomUUID()}`;
    process.env.PVE_ROOT_PASSWORD = secret;
    const config = uniqueConfig({ approvals: { steps: [] } });
    let resolved = '';
    const { result } = await withWorker(
      { join: { run: () => Promise.resolve(void (resolved = resolveSecret(config.join.method === 'api' ? config.join.password : { env: 'X' }))) } },
      async (taskQueue) => {
        const handle = await startGuide(env.client, config, taskQueue);
        await finished(handle);
        return historyText(await handle.fetchHistory());
      },
    );
    assert.equal(resolved, secret, 'the worker-side activity did resolve the secret');
    assert.ok(result.includes('PVE_ROOT_PASSWORD'), 'the reference is in the input');
    assert.ok(!result.includes(secret), 'the secret value leaked into the history');
    delete process.env.PVE_ROOT_PASSWORD;
  });
});
