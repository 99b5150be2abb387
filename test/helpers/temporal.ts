/** The real Java time-skipping server, installed by scripts/install-temporal.sh, with our search attributes registered. */
import { after, before } from 'node:test';
import { temporal } from '@temporalio/proto';
import { WorkflowClient, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, makeTelemetryFilterString, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';
import { timeSkippingServer } from '../../src/temporal/servers';

let runtimeInstalled = false;

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    // The Java test server does not advertise newer capabilities; core's warning about that is noise here.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
    runtimeInstalled = true;
  }
  const started = Date.now();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: timeSkippingServer() } });
  console.log(`# time-skipping server ready in ${Date.now() - started} ms`);
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((a) => [a.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return env;
}

export interface TimeSkippingSuite {
  env: TestWorkflowEnvironment;
  /** A worker for the workflows with these (stand-in) activities on its own queue. */
  worker(taskQueue: string, activities: object): Promise<Worker>;
}

/** For a describe block: the server started and the workflows bundled once, both gone after it. */
export function timeSkippingSuite(): TimeSkippingSuite {
  let bundle: WorkflowBundleWithSourceMap;
  const suite: TimeSkippingSuite = {
    env: undefined as unknown as TestWorkflowEnvironment,
    // No workflow cache: the time-skipping server does not move work off a stopped worker's sticky queue.
    worker: (taskQueue, activities) =>
      Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: bundle, activities, maxCachedWorkflows: 0 }),
  };
  before(async () => {
    suite.env = await timeSkippingEnv();
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
    });
  });
  after(async () => {
    await suite.env?.teardown();
  });
  return suite;
}

/** The history as text with every payload decoded, so a search for a value sees what the server stored. */
export function historyText(history: temporal.api.history.v1.IHistory): string {
  return payloadText(history);
}

/** Any server answer (a history, a workflow description) as text, its payloads decoded. */
export function payloadText(value: unknown): string {
  const history = value;
  // Payload bytes reach JSON either as Buffers ({ type: 'Buffer', data: [...] }) or, via protobuf toJSON, as base64.
  const json = JSON.stringify(history, (_key, value: unknown) => {
    const buffer = value as { type?: string; data?: number[] } | null;
    return buffer?.type === 'Buffer' && Array.isArray(buffer.data) ? Buffer.from(buffer.data).toString('utf8') : value;
  });
  return json.replace(
    /"(data|encoding)":"([A-Za-z0-9+/]+={0,2})"/g,
    (_m, key: string, b64: string) => `"${key}":${JSON.stringify(Buffer.from(b64, 'base64').toString('utf8'))}`,
  );
}

/**
 * Polls `probe` one second of server time at a time until it gives a value. Unlike `handle.result()`, it never lets
 * the time-skipping server jump ahead on its own: with a long-lived workflow beside (the guard waits up to 3650
 * days, the test server's own limit on a run), such a jump times that workflow out. Each poll also waits a little
 * real time, so stand-in activities finish on a loaded machine.
 */
export async function waitFor<T>(env: TestWorkflowEnvironment, what: string, probe: () => Promise<T | undefined>, seconds = 120): Promise<T> {
  for (let polled = 0; polled < seconds; polled++) {
    const value = await probe();
    if (value !== undefined) return value;
    await env.sleep('1s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`still waiting for ${what} after ${seconds} s of server time`);
}

/** A workflow's result once it ended, polled with `waitFor` and read by a client that leaves time skipping locked. */
export async function endedResult(env: TestWorkflowEnvironment, handle: WorkflowHandle): Promise<unknown> {
  await waitFor(env, `${handle.workflowId} to end`, async () => ((await handle.describe()).status.name === 'RUNNING' ? undefined : true));
  return new WorkflowClient({ connection: env.connection, namespace: env.namespace }).getHandle(handle.workflowId).result();
}
