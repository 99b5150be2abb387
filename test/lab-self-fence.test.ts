/**
 * Self-fencing on the real HA stack: a node that holds an HA guest and is cut off from the other node and the QDevice
 * loses quorum, its LRM loses its agent lock and stops feeding the watchdog, and the watchdog resets it (the lab's
 * stand-in for the hardware, preloaded into the real watchdog-mux, cuts the host's power). Only then may the other
 * node take the guest: its CRM fences the lost node by taking its agent lock and recovers the guest. Everything but the
 * watchdog hardware and QEMU is Proxmox's own code (docs/lab.md); the timings are the real state machine's.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { ClusterConfig } from '../src/config/schema';
import { parseHaManagerStatus } from '../src/parsers/ha-manager-status';
import { buildLabCluster } from '../lab/driver/guard';
import { LAB_DIR, assertThreeVotes, freshLab, inHost, lab, labUnavailable } from './helpers/lab';

const TIMEOUT_MS = 12 * 60_000;

/** Polls every 2 s until `probe` answers, or fails saying what was awaited and what was last seen. */
async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<{ value: T; afterMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return { value, afterMs: Date.now() - started };
    if (Date.now() - started > timeoutMs) assert.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await delay(2_000);
  }
}

const haStatus = (host: string) => parseHaManagerStatus(inHost(host, 'ha-manager status'));
const watchdogResets = () => (existsSync(join(LAB_DIR, 'watchdog.log')) ? readFileSync(join(LAB_DIR, 'watchdog.log'), 'utf8').trim().split('\n') : []);
/** A powered-off host's syslog stays on its disk. */
const syslogOf = (host: string) => readFileSync(join(LAB_DIR, 'hosts', host, 'var-log', 'syslog'), 'latin1');

describe('self-fencing on the real HA stack', { skip: labUnavailable() }, () => {
  let config: ClusterConfig;

  before(async () => {
    ({ config } = freshLab());
    await buildLabCluster(config);
  });
  after(() => lab('down'));

  it(
    'pve1, running vm:100, cut off from pve2 and the QDevice: its watchdog resets it, then pve2 fences it and starts vm:100',
    { timeout: TIMEOUT_MS },
    async () => {
      const before = haStatus('pve1');
      assert.deepEqual(
        before.services.map((s) => [s.sid, s.node, s.state]),
        [['vm:100', 'pve1', 'started']],
      );
      assert.equal(watchdogResets().length, 0);
      const cut = Date.now();
      lab('fault', 'pve1', 'unplugged', 'on');

      // pve1 alone: no quorum, the LRM's agent lock lost, the watchdog no longer fed; the reset is the lab's power cut.
      // Until then pve2 must not start the guest: it would run twice.
      const reset = await until('pve1 reset by its watchdog', 5 * 60_000, () => {
        const early = haStatus('pve2').services.find((s) => s.sid === 'vm:100' && s.node === 'pve2' && s.state === 'started');
        assert.equal(early, undefined, 'pve2 started vm:100 while pve1 still ran');
        return watchdogResets().find((l) => l.endsWith(' reset pve1'));
      });
      console.log(`# pve1 reset by its watchdog ${(reset.afterMs / 1000).toFixed(0)} s after the cut`);
      assert.match(lab('status'), /^== pve1 \S+: off$/m);
      const pve1Log = syslogOf('pve1');
      assert.match(pve1Log, /pve-ha-lrm\[\d+\]: status change active => lost_agent_lock/);
      assert.match(pve1Log, /watchdog-hw\[\d+\]: lab watchdog expired/);

      // pve2, with the QDevice's vote, fences pve1 (its agent lock) and recovers the guest.
      await until('vm:100 started on pve2', 8 * 60_000, () => {
        const service = haStatus('pve2').services.find((s) => s.sid === 'vm:100');
        return service?.node === 'pve2' && service.state === 'started' ? service : undefined;
      });
      const recoveryS = ((Date.now() - cut) / 1000).toFixed(0);
      console.log(`# vm:100 started on pve2 ${recoveryS} s after pve1 was cut off`);
      const pve2Log = syslogOf('pve2');
      assert.match(pve2Log, /fencing: acknowledged - got agent lock for node 'pve1'/);
      assert.match(pve2Log, /recover service 'vm:100' from fenced node 'pve1' to node 'pve2'/);

      // The cable back and pve1 powered on: it rejoins, 3 of 3 votes.
      lab('fault', 'pve1', 'unplugged', 'off');
      lab('poweron', 'pve1');
      await until('pve1 quorate again with the QDevice', 120_000, () => {
        try {
          assertThreeVotes('pve1');
          return true;
        } catch {
          return undefined;
        }
      });
    },
  );
});
