/** Replays recorded histories against today's workflow code: a non-deterministic change fails here, not in production. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const dir = join(__dirname, 'histories');

describe('workflow replay', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  // Bundled once for every history (a bundle per replay cost about 2.5 s each).
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
    });
  });
  it('has at least one recorded history', () => assert.ok(files.length > 0));
  for (const file of files) {
    it(`replays ${file} without a determinism error`, async () => {
      const history: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle }, history, file);
    });
  }

  it('catches a workflow that no longer matches its history', async () => {
    // A replay against a workflow that skips the first activity must fail: proof that the check above can fail.
    const history: unknown = JSON.parse(
      readFileSync(
        join(
          dir,
          files.find((f) => f.startsWith('clusterGuide-completed'))!,
        ),
        'utf8',
      ),
    );
    await assert.rejects(
      Worker.runReplayHistory({ workflowsPath: require.resolve('./helpers/drifted-workflow') }, history, 'drifted'),
      /Nondeterminism|DeterminismViolation|TMPRL1100/,
    );
  });
});
