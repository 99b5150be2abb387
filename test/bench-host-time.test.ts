/** The benchmark's host time: overlapping commands count once, and only inside the step's window. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostTimeWithin, type HostCommandTime } from '../scripts/bench/host-time';
import { batchScript } from '../src/ssh/batch';

const cmd = (host: string, startMs: number, endMs: number): HostCommandTime => ({ host, startMs, endMs, exitCode: 0, command: 'x' });

describe('bench host time', () => {
  it('counts parallel commands on several hosts once (their union), clipped to the window', () => {
    const times = [cmd('pve1', 0, 100), cmd('pve2', 50, 150), cmd('qnetd', 140, 160), cmd('pve1', 300, 400), cmd('pve2', 900, 1000)];
    assert.deepEqual(hostTimeWithin(times, 0, 1000), { busyMs: 160 + 100 + 100, commands: 5 });
    assert.deepEqual(hostTimeWithin(times, 120, 350), { busyMs: 40 + 50, commands: 3 });
    assert.deepEqual(hostTimeWithin(times, 500, 800), { busyMs: 0, commands: 0 });
  });

  it('leaves event watchers out: they sit on the host for the whole wait', () => {
    const watcher = { ...cmd('pve1', 0, 5000), command: 'timeout 900 stdbuf -oL corosync-quorumtool -m & w=$!; cat >/dev/null; kill $w 2>/dev/null' };
    assert.deepEqual(hostTimeWithin([watcher, cmd('pve1', 100, 200)], 0, 5000), { busyMs: 100, commands: 1 });
  });

  it('counts a batch of reads as the reads it carried', () => {
    const batch = { ...cmd('pve1', 0, 100), command: `${batchScript(['hostname', 'pvecm status', 'ha-manager status']).replace(/\n/g, ' ')}` };
    assert.deepEqual(hostTimeWithin([batch, cmd('pve2', 0, 50)], 0, 1000), { busyMs: 100, commands: 4 });
  });
});
