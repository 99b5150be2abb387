/** The worker's SSH connection pool against a real sshd: reuse across activities, idle expiry, liveness, refusals. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ChannelOpenError, HostKeyMismatchError } from '../src/ssh/errors';
import { SshPool } from '../src/ssh/pool';
import { WorkerResources } from '../activities/runtime/resources';
import { SshSession } from '../src/ssh/session';
import { HostSessions } from '../activities/runtime/step-context';
import type { ClusterConfig } from '../src/config/schema';
import { fingerprintOfKeyFile, startSshd, type TestSshd } from './helpers/sshd';

describe('SshPool against a real sshd', () => {
  let sshd: TestSshd;
  before(async () => (sshd = await startSshd()));
  after(() => sshd?.stop());

  /** What an activity attempt does: take the host's session, run, give it back. */
  async function attempt(pool: SshPool, command = 'echo $PPID'): Promise<string> {
    const session = await pool.acquire(sshd.host);
    try {
      return (await session.run(command)).stdout.trim();
    } finally {
      pool.release(sshd.host, session);
    }
  }

  it('serves consecutive activities over one connection: one handshake', async () => {
    const pool = new SshPool();
    const before = SshSession.handshakes;
    const pids = new Set<string>();
    for (let i = 0; i < 5; i++) pids.add(await attempt(pool));
    assert.equal(SshSession.handshakes - before, 1);
    assert.equal(pids.size, 1, 'every command ran under the same sshd connection');
    pool.close();
  });

  it('closes a connection left unused for the idle time', async () => {
    const pool = new SshPool(200);
    await attempt(pool);
    assert.equal(pool.size, 1);
    await delay(400);
    assert.equal(pool.size, 0);
  });

  it('never hands out a connection the server closed: the next activity connects afresh', async () => {
    const pool = new SshPool();
    const first = await attempt(pool);
    // The sshd process serving this connection dies (the host went down and came back).
    await attempt(pool, 'kill -KILL $PPID').catch(() => undefined);
    await delay(200);
    const before = SshSession.handshakes;
    const second = await attempt(pool);
    assert.notEqual(second, first);
    assert.equal(SshSession.handshakes - before, 1);
    pool.close();
  });

  it('drops the host at once: a powered-off host is never reused', async () => {
    const pool = new SshPool();
    const first = await attempt(pool);
    pool.drop(sshd.host);
    assert.equal(pool.size, 0);
    assert.notEqual(await attempt(pool), first);
    pool.close();
  });

  it('keeps no refused connection, and a refused key ends the host’s pooled connections too', async () => {
    const pool = new SshPool();
    await attempt(pool);
    const foreign = fingerprintOfKeyFile(join(sshd.dir, 'client_key.pub'));
    const repinned = { ...sshd.host, ssh: { ...sshd.host.ssh, host_key: foreign } };
    await assert.rejects(pool.acquire(repinned), HostKeyMismatchError);
    await delay(50);
    assert.equal(pool.size, 0);
    pool.close();
  });

  it('runs more concurrent commands than sshd allows sessions (MaxSessions 10) on one connection', async () => {
    const pool = new SshPool();
    const session = await pool.acquire(sshd.host);
    const outputs = await Promise.all(Array.from({ length: 24 }, (_, i) => session.run(`sleep 0.2; echo ${i}`)));
    assert.deepEqual(
      outputs.map((o) => o.stdout.trim()),
      Array.from({ length: 24 }, (_, i) => String(i)),
    );
    pool.release(sshd.host, session);
    pool.close();
  });

  it('gives a connection up when its peer stops answering (a power cut): ChannelOpenError within seconds, never reused', async () => {
    const pool = new SshPool();
    const session = await pool.acquire(sshd.host);
    // The sshd process serving this connection stops: it answers nothing more, as a host that lost power.
    const pid = Number((await session.run('echo $PPID')).stdout.trim());
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      await assert.rejects(session.run('echo never'), ChannelOpenError);
      assert.ok(Date.now() - started < 7_000, `given up after ${Date.now() - started} ms`);
      assert.equal(session.alive, false);
      pool.release(sshd.host, session);
      const next = await pool.acquire(sshd.host);
      assert.notEqual(next, session);
      pool.release(sshd.host, next);
    } finally {
      process.kill(pid, 'SIGKILL');
      pool.close();
    }
  });

  it('a step whose pooled connection died while idle sends its command once more on a fresh connection', async () => {
    const pool = new SshPool();
    try {
      const config = { nodes: [sshd.host, { ...sshd.host, name: 'other' }], qdevice: { ...sshd.host, name: 'vm' } } as unknown as ClusterConfig;
      const sessions = new HostSessions(config, new WorkerResources(pool));
      // The connection dies under the step, as when the host rebooted while the connection sat in the pool.
      await sessions.run('loopback', 'kill -KILL $PPID', {}).catch(() => undefined);
      await delay(100);
      const r = await sessions.run('loopback', 'echo again', {});
      assert.equal(r.stdout, 'again\n');
      sessions.close();
    } finally {
      pool.close();
    }
  });
});
