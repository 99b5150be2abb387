/** A wait woken by a host's events (src/step-kit/quorum-events.ts does this with corosync) against a real sshd. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { HostSessions, SshStepContext } from '../activities/runtime/step-context';
import type { ClusterConfig } from '../src/config/schema';
import { on } from '../src/step-kit/commands';
import { sshdWithDir } from './helpers/sshd';
import { WorkerResources } from '../activities/runtime/resources';

const running = (marker: string) => {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
};

describe('a wait woken by host events (real sshd)', () => {
  const suite = sshdWithDir('pve-twonode-events-');

  it('probes when the host reports a change, not at the next poll; the watcher is gone from the host after the wait', async () => {
    const [sshd, dir] = [suite.sshd(), suite.dir()];
    const config = { nodes: [sshd.host, { ...sshd.host, name: 'other' }], qdevice: { ...sshd.host, name: 'vm' } } as unknown as ClusterConfig;
    const flag = join(dir, 'flag');
    const marker = `pve-twonode-test-watcher-${process.pid}`;
    // The state changes 1.5 s in and the watcher says so, then keeps watching (as corosync-quorumtool -m does).
    writeFileSync(join(dir, 'watch.sh'), `sleep 1.5; touch ${flag}; echo changed; exec -a ${marker} sleep 600\n`);
    const wakeOn = on(sshd.host, 'check', `bash ${dir}/watch.sh & w=$!; cat >/dev/null; kill $w 2>/dev/null`);
    const ctx = new SshStepContext(config, 'test', false, new HostSessions(config, new WorkerResources()));
    let probes = 0;
    const started = Date.now();
    // Polls a minute apart: only the event can end this wait early.
    const seen = await ctx.waitFor(
      'the flag',
      30_000,
      async () => {
        probes++;
        return (await ctx.run(on(sshd.host, 'check', `test -e ${flag} && echo yes`))).stdout.includes('yes') ? true : undefined;
      },
      { wakeOn, intervalMs: 60_000 },
    );
    const tookMs = Date.now() - started;
    assert.equal(seen, true);
    assert.equal(probes, 2, 'one probe before, one at the event');
    assert.ok(tookMs < 10_000, `woken by the event, not by the poll or the 30 s limit (${tookMs} ms)`);
    for (let i = 0; i < 40 && running(marker); i++) await delay(50);
    assert.equal(running(marker), false, 'the watcher stopped once its channel closed');
    ctx.close();
  });
});
