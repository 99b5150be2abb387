/**
 * The plan (src/plan/) and the registry of bodies (steps/) are the one source: plan, the step table, progress and gates
 * read them, and a new step is one file, one plan entry and one line.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { planFor } from '../cli/plan';
import { startGuide } from '../cli/start';
import { GUIDE_STEPS, STEP_NAMES } from '../steps';
import { QDEVICE_REPAIRS } from '../steps/repair';
import { moveQnetd } from '../steps/repair/move-qnetd';
import { GUIDE_PLAN } from '../src/plan/guide';
import { moveQnetdPlan, QDEVICE_REPAIR_PLANS } from '../src/plan/repairs';
import type { StepPlan } from '../src/plan/step-plan';
import type { AnyStep } from '../src/step-kit/descriptor';
import { GUIDE_STEPS as WITH_MOTD } from './fixtures/throwaway/guide-steps';
import { testConfig } from './helpers/config';
import { answerGates } from './helpers/drive';
import { mockActivities } from './helpers/mock-activities';
import { timeSkippingEnv } from './helpers/temporal';
import { HEARTBEAT_TUNING } from '../worker';

const root = join(__dirname, '..');

function codeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? codeFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Step names written as string literals in a file: three or more means the file keeps its own list of steps. */
function stepLiterals(text: string): string[] {
  const code = text.replace(/path: \[[^\]]*\]/g, ''); // config key paths in validation messages are not steps
  return STEP_NAMES.filter((name) => new RegExp(`['"\`]${name}['"\`]`).test(code));
}

describe('step registry', () => {
  it('is the only list of steps: no file in src/ (but the plan itself), workflows/, activities/ or cli/ names several steps', () => {
    const offenders = ['src', 'workflows', 'activities', 'cli']
      .flatMap((d) => codeFiles(join(root, d)))
      .filter((f) => relative(root, f) !== join('src', 'plan', 'guide.ts'))
      .map((f) => ({ file: relative(root, f), names: stepLiterals(readFileSync(f, 'utf8')) }))
      .filter((f) => f.names.length >= 3);
    assert.deepEqual(offenders, []);
    // The detector does find a list like the STEP_HOSTS table the workflow used to keep.
    assert.deepEqual(stepLiterals("return { preflight: all, hosts: [n1], 'qdevice-prereqs': all, create: [n1] }; ['create', 'join', 'qdevice']"), [
      'create',
      'join',
      'qdevice-prereqs',
      'qdevice',
    ]);
  });

  it("every body is its plan's step: the same order, and the plan's own name, activity, kind, hosts and summary", () => {
    const pairs: [readonly StepPlan[], readonly AnyStep[]][] = [
      [GUIDE_PLAN, GUIDE_STEPS],
      [QDEVICE_REPAIR_PLANS, QDEVICE_REPAIRS],
      [[moveQnetdPlan], [moveQnetd]],
    ];
    for (const [plans, bodies] of pairs) {
      assert.deepEqual(
        bodies.map((b) => b.name),
        plans.map((p) => p.name),
      );
      // By reference: a body that overrides a field of its plan would run differently from what the workflow shows.
      for (const [i, plan] of plans.entries()) {
        const fields: Record<string, unknown> = { ...plan };
        const body: Record<string, unknown> = { ...bodies[i] };
        for (const key of Object.keys(fields)) assert.equal(body[key], fields[key], `${plan.name}.${key}`);
      }
    }
  });

  it('a throwaway step (one file, one plan entry, one line) shows up in the plan with its commands, in order', () => {
    const plan = planFor(testConfig(), WITH_MOTD);
    assert.deepEqual(
      plan.map((p) => p.step),
      ['preflight', 'hosts', 'time', 'motd', ...STEP_NAMES.slice(3)],
    );
    const motd = plan.find((p) => p.step === 'motd');
    assert.deepEqual(
      motd?.commands.map((c) => [c.phase, c.host]),
      [
        ['check', 'proxmox1'],
        ['act', 'proxmox1'],
      ],
    );
    assert.equal(planFor(testConfig()).length, GUIDE_STEPS.length);
  });
});

describe('step registry in the workflow (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;

  before(async () => {
    env = await timeSkippingEnv();
    // The workflow bundled with the throwaway plan, as a newcomer's change would build it. The workflows' request
    // '../src/plan/guide' is swapped (`$`: that exact request); the fixture reaches the released plan by another path.
    const replacement = join(__dirname, 'fixtures', 'throwaway', 'plan.ts');
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string>), '../src/plan/guide$': replacement } },
      }),
      logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
    });
  });
  after(async () => env?.teardown());

  it('runs the throwaway step in its place, with its hosts and activity, and reports it in progress', async () => {
    const config = testConfig({ cluster: { name: `t${randomUUID().slice(0, 8)}` } });
    const taskQueue = randomUUID();
    const { impl, calls } = mockActivities({}, WITH_MOTD);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: impl, ...HEARTBEAT_TUNING });
    const report = await worker.runUntil(async () => {
      const handle = await startGuide(env.client, config, taskQueue);
      // Past the last gate, awaiting the result lets the server skip the failover's down time.
      await answerGates(handle, { stopAfter: 'failover' });
      return handle.result();
    });
    assert.equal(report.outcome, 'completed');
    assert.deepEqual(calls.slice(0, 5), ['preflight', 'hosts', 'time', 'motd', 'create']);
    const motd = report.progress.steps.find((s) => (s.step as string) === 'motd');
    assert.deepEqual([motd?.state, motd?.hosts, motd?.attempts], ['done', ['proxmox1'], 1]);
    assert.deepEqual(
      report.progress.steps.map((s) => s.step),
      WITH_MOTD.map((s) => s.name),
    );
  });

  it('a run recorded before the step existed still replays: addedIn makes the workflow skip it there', async () => {
    const history: unknown = JSON.parse(readFileSync(join(__dirname, 'histories', 'clusterGuide-completed.json'), 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, 'before-motd');
  });
});
