/**
 * Reads sent together (src/ssh/batch.ts): the host script run by a real bash, then reads batched over a real sshd,
 * each still ending on its own (its output, its timeout, its cancellation).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { batchedCommands, batchScript, FrameReader, type Frame } from '../src/ssh/batch';
import { CommandAbortedError, CommandTimeoutError } from '../src/ssh/errors';
import { sshdWithSession } from './helpers/sshd';

const EDGE_CASES = [
  'echo hi',
  'exit 3',
  'cd /; pwd # a trailing comment',
  'echo err >&2; false',
  'head -c 100000 /dev/zero | tr "\\0" a',
  'sleep 0.2; printf "no newline"',
  'cat; echo stdin closed',
  'exec true',
];

function framesOf(output: Buffer, chunk = output.length): Map<number, Frame> {
  const frames = new Map<number, Frame>();
  const reader = new FrameReader((f) => frames.set(f.index, f));
  for (let at = 0; at < output.length; at += chunk) reader.feed(output.subarray(at, at + chunk));
  return frames;
}

describe('batch script, run by bash', () => {
  const script = batchScript(EDGE_CASES);
  const output = execFileSync('bash', ['-c', script], { input: 'never read by a batched command\n' });

  it('returns each command’s stdout, stderr and exit code, each in its own subshell', () => {
    const frames = framesOf(output);
    const got = EDGE_CASES.map((_, i) => frames.get(i)).map((f) => f && [f.code, f.stdout.length > 40 ? `${f.stdout.length} bytes` : f.stdout, f.stderr]);
    assert.deepEqual(got, [
      [0, 'hi\n', ''],
      [3, '', ''],
      [0, '/\n', ''],
      [1, '', 'err\n'],
      [0, '100000 bytes', ''],
      [0, 'no newline', ''],
      [0, 'stdin closed\n', ''], // stdin is /dev/null, never the batch's channel
      [255, '', ''], // exec'd away: no exit code was written
    ]);
  });

  it('frames survive any cut of the stream (bytes are counted)', () => {
    assert.deepEqual([...framesOf(output, 1).entries()].sort(), [...framesOf(output).entries()].sort());
    assert.deepEqual([...framesOf(output, 4093).entries()].sort(), [...framesOf(output).entries()].sort());
  });

  it('a command that ended before the script waits is answered at once, not after the slowest (a loaded host)', () => {
    // `wait` made slow, as on a busy host: the quick command has ended before `wait -n` runs, and bash's wait -n
    // then waits for the next one to end. The frames' order says whether the quick one waited for the slow one.
    const slowWait = 'wait() { sleep 0.3; builtin wait "$@"; }\n';
    const order: number[] = [];
    const reader = new FrameReader((f) => order.push(f.index));
    reader.feed(execFileSync('bash', ['-c', slowWait + batchScript(['sleep 1; echo slow', 'echo quick'])]));
    assert.deepEqual(order, [1, 0]);
  });

  it('names the commands it carries (the lab’s audit log shows the script)', () => {
    assert.deepEqual(batchedCommands(script), EDGE_CASES);
    assert.equal(batchedCommands('pvecm status'), undefined);
  });
});

describe('reads batched over a real sshd', () => {
  const suite = sshdWithSession();
  const read = (command: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}) => suite.session().run(command, { ...options, batch: true });
  /** The PID of the shell the command came in: the batch script's for reads sent together (a subshell keeps $$). */
  const PARENT = 'echo $$';

  it('sends the reads of one moment as one SSH command, and each gets its own answer', async () => {
    const before = await Promise.all([suite.session().run(PARENT), suite.session().run(PARENT)]);
    assert.notEqual(before[0].stdout, before[1].stdout, 'unbatched commands each have a shell of their own');
    const results = await Promise.all([read(PARENT), read(PARENT), read('echo two; exit 2'), read('echo three >&2')]);
    assert.equal(results[0].stdout, results[1].stdout, 'both reads ran under the same batch script');
    assert.deepEqual(
      results.slice(2).map((r) => [r.command, r.stdout, r.stderr, r.code]),
      [
        ['echo two; exit 2', 'two\n', '', 2],
        ['echo three >&2', '', 'three\n', 0],
      ],
    );
  });

  it('a read answers as soon as it ends, not when the slowest of its batch does', async () => {
    const started = Date.now();
    const slow = read('sleep 2; echo slow');
    const quick = await read('echo quick');
    assert.equal(quick.stdout, 'quick\n');
    assert.ok(Date.now() - started < 1_500, `the quick read took ${Date.now() - started} ms`);
    assert.equal((await slow).stdout, 'slow\n');
  });

  it('a read times out on its own; the others of its batch answer, and the connection stays usable', async () => {
    const [slow, quick] = await Promise.allSettled([read('sleep 5', { timeoutMs: 300 }), read('sleep 0.5; echo quick')]);
    assert.ok(slow.status === 'rejected' && slow.reason instanceof CommandTimeoutError, String(slow.status));
    assert.equal(quick.status === 'fulfilled' && quick.value.stdout, 'quick\n');
    assert.equal((await suite.session().run('echo still here')).stdout, 'still here\n');
  });

  it('a cancelled read stops alone', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const [cancelled, other] = await Promise.allSettled([read('sleep 5', { signal: abort.signal }), read('sleep 0.5; echo other')]);
    assert.ok(cancelled.status === 'rejected' && cancelled.reason instanceof CommandAbortedError, String(cancelled.status));
    assert.equal(other.status === 'fulfilled' && other.value.stdout, 'other\n');
  });

  it('more reads than one batch takes: all answered, in batches of at most 32', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => read(`echo ${i}`)));
    assert.deepEqual(
      results.map((r) => r.stdout),
      Array.from({ length: 40 }, (_, i) => `${i}\n`),
    );
  });

  it('a command given stdin is never batched (it is an act or carries a secret)', async () => {
    const [withStdin, alone] = await Promise.all([suite.session().run(`read -r x; ${PARENT}`, { stdin: 'x\n', batch: true }), read(PARENT)]);
    assert.notEqual(withStdin.stdout, alone.stdout);
  });
});
