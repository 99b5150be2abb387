/** The live line `--follow` prints under a running step: what it waits for, for how long, and what it last saw. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeHeartbeat } from '../cli/view';

describe('view', () => {
  it("a wait's heartbeat names what is awaited, the seconds so far and the phase its last probe saw", () => {
    assert.equal(
      describeHeartbeat({ waitingFor: 'vm:100 started on pve2', elapsedMs: 112_400, seen: 'HA: survivor is HA master' }),
      'waiting for vm:100 started on pve2 (112 s): HA: survivor is HA master',
    );
    assert.equal(describeHeartbeat({ waitingFor: 'pve1 back with 3 of 3 votes', elapsedMs: 4_000 }), 'waiting for pve1 back with 3 of 3 votes (4 s)');
  });
});
