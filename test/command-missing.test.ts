/**
 * A command the host lacks (the shell's 127) or cannot run (126) is a permanent fault: the step fails at once,
 * non-retryable, with one line naming the host and the tool (a maintenance check was once retried every 30 s without
 * end on a node without ha-manager). Any other failing read stays an ordinary, retryable error. Against a real sshd.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { HostSessions, SshStepContext } from '../activities/runtime/step-context';
import { toFailure } from '../activities/runtime/to-failure';
import type { ClusterConfig } from '../src/config/schema';
import { on } from '../src/step-kit/commands';
import { sshdWithDir } from './helpers/sshd';
import { WorkerResources } from '../activities/runtime/resources';

describe('a command missing on the host (real sshd)', () => {
  const suite = sshdWithDir('pve-twonode-missing-');

  async function outputOf(command: string): Promise<unknown> {
    const sshd = suite.sshd();
    const config = { cluster: { name: `missing-${process.pid}` }, nodes: [sshd.host], qdevice: sshd.host } as unknown as ClusterConfig;
    const sessions = new HostSessions(config, new WorkerResources(), false);
    try {
      return await new SshStepContext(config, 'maintenance-on', false, sessions).output(on(sshd.host, 'check', command)).then(
        () => null,
        (e: unknown) => e,
      );
    } finally {
      sessions.close();
    }
  }

  it('exit 127: non-retryable CommandMissing, one line naming the host and the tool', async () => {
    const err = await outputOf('ha-manager-absent status');
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.deepEqual([err.type, err.nonRetryable], ['CommandMissing', true]);
    assert.match(err.message, /^\S+: ha-manager-absent is not installed there \(or not on root's PATH\): .*command not found \(exit 127\)$/);
    assert.doesNotMatch(err.message, /\n/);
    assert.equal(toFailure(err, 1).nonRetryable, true, 'it leaves the activity non-retryable');
  });

  it('exit 126: a file that cannot be run is as permanent', async () => {
    const err = await outputOf('"$(mktemp)"'); // a new file, mode 0600
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.deepEqual([err.type, err.nonRetryable], ['CommandMissing', true]);
    assert.match(err.message, /cannot be run there: .*Permission denied \(exit 126\)$/);
  });

  it('any other failing read stays retryable', async () => {
    const err = await outputOf('exit 3');
    assert.ok(err instanceof Error && !(err instanceof ApplicationFailure), String(err));
    assert.equal(toFailure(err, 1).nonRetryable, false);
  });
});
