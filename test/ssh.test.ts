/** The SSH module against a real OpenSSH sshd: pinned keys, credentials, timeouts, exit codes, stdin. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuthenticationError, CommandAbortedError, CommandTimeoutError, ConnectionError, HostKeyMismatchError } from '../src/ssh/errors';
import { sh } from '../src/ssh/quote';
import { SshSession } from '../src/ssh/session';
import { toFailure } from '../activities/runtime/to-failure';
import { fingerprintOfKeyFile, sshdWithSession } from './helpers/sshd';

describe('SshSession against a real sshd', () => {
  const suite = sshdWithSession();

  it('returns stdout, stderr and the exit code, whatever the code', async () => {
    const r = await suite.session().run('echo out; echo err >&2; exit 3');
    assert.deepEqual([r.stdout, r.stderr, r.code], ['out\n', 'err\n', 3]);
  });

  it('reuses one connection for many commands', async () => {
    const pids = new Set<string>();
    for (let i = 0; i < 5; i++) pids.add((await suite.session().run('echo $PPID')).stdout.trim());
    assert.equal(pids.size, 1, 'all commands ran under the same sshd session process');
  });

  it('passes a secret on stdin, where ps and the command line never see it', async () => {
    const r = await suite.session().run('read -r pw; ps -eo args | grep -c "[s]3cr3t"; printf "%s" "$pw" | wc -c', { stdin: "s3cr3t with 'quotes'\n" });
    assert.deepEqual(r.stdout.trim().split('\n'), ['0', '20']);
  });

  it('quotes interpolated values so they stay one word', async () => {
    const hostile = `a b'; touch /tmp/pwned-${process.pid}; echo '`;
    const r = await suite.session().run(sh`printf '%s|' ${hostile}; test -e /tmp/pwned-${process.pid} && echo PWNED`);
    assert.equal(r.stdout, `${hostile}|`);
  });

  it('times a command out and stays usable', async () => {
    await assert.rejects(suite.session().run('sleep 5', { timeoutMs: 300 }), CommandTimeoutError);
    assert.equal((await suite.session().run('echo still here')).stdout, 'still here\n');
  });

  it('closes the channel when the activity is cancelled', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(suite.session().run('sleep 5', { signal: abort.signal }), CommandAbortedError);
    assert.ok(Date.now() - started < 2_000);
  });

  it('refuses a host whose key is not the pinned one, as a non-retryable failure', async () => {
    const wrongPin = fingerprintOfKeyFile(join(suite.sshd().dir, 'client_key.pub'));
    const err = await SshSession.open({ ...suite.sshd().host, ssh: { ...suite.sshd().host.ssh, host_key: wrongPin } }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof HostKeyMismatchError);
    assert.match(
      err.message,
      new RegExp(`pins ${wrongPin.replace(/[+/]/g, '\\$&')} but the host presented ${suite.sshd().host.ssh.host_key.replace(/[+/]/g, '\\$&')}`),
    );
    const failure = toFailure(err, 1);
    assert.deepEqual([failure.type, failure.nonRetryable], ['HostKeyMismatch', true]);
  });

  it('treats wrong credentials as non-retryable', async () => {
    const err = await SshSession.open({ ...suite.sshd().host, ssh: { ...suite.sshd().host.ssh, auth: { key_file: join(suite.sshd().dir, 'host_key') } } }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AuthenticationError, String(err));
    const failure = toFailure(err, 1);
    assert.deepEqual([failure.type, failure.nonRetryable], ['AuthenticationFailed', true]);
  });

  it('treats a refused connection as transient (retryable)', async () => {
    const err = await SshSession.open({ ...suite.sshd().host, ssh: { ...suite.sshd().host.ssh, port: 1 } }, 2_000).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConnectionError);
    assert.equal(toFailure(err, 1).nonRetryable, false);
  });
});
