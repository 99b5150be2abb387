/**
 * `pve-twonode quorum-override` on the lab, against the real pmxcfs, pvecm, corosync and HA: refused while the
 * survivor is quorate (the QDevice's VM unplugged, the peer alive); then pve1 (holding vm:100) powered off with the
 * VM unplugged, so pve2 is blocked (not quorate, /etc/pve read-only); the override, approved by a person, makes pve2
 * quorate on 1 of 1 vote and writable, and `check` names it; the VM's cable back, the run lifts the override on its own and ends with pve2
 * quorate on corosync.conf's 3 expected votes with the QDevice voting; pve1 back, 3 of 3 from both sides.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { healthCheck } from '../activities/health-check';
import { WorkerResources } from '../activities/runtime/resources';
import { parsePvecmStatus } from '../src/parsers/pvecm-status';
import type { RunProgress } from '../workflows/progress';
import { builtLabWithWorker, inHost, labAsync, labUnavailable } from './helpers/lab';
import { cli, exited } from '../lab/driver/processes';

const PORT = 18473;
const pvecm = (host: string) => parsePvecmStatus(inHost(host, 'pvecm status || true'));
const writable = (host: string) =>
  inHost(host, 'touch /etc/pve/.lab-write-test 2>/dev/null && rm -f /etc/pve/.lab-write-test && echo writable || echo read-only').trim();

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await ok()); await delay(1_000)) assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
}

describe('pve-twonode quorum-override on the lab (real Proxmox VE code)', { skip: labUnavailable() }, () => {
  const suite = builtLabWithWorker(PORT, 'override.db');

  async function progress(): Promise<RunProgress<string> | null> {
    const status = cli(PORT, 'status', 'labclu', '--kind', 'quorum-override', '--json');
    if ((await exited(status)) !== 0) return null;
    return (JSON.parse(status.output()) as { progress: RunProgress<string> }).progress;
  }

  it('refused while pve2 is quorate (the VM unplugged, pve1 alive): nothing changed', async () => {
    await labAsync('fault', 'qnetd', 'unplugged', 'on');
    try {
      const run = cli(PORT, 'quorum-override', suite.path, 'pve2', '--dead-for', '10s', '--follow');
      assert.equal(await exited(run), 1, run.output());
      assert.match(run.output(), /pve2 is quorate .*: no override is needed, nothing was changed/);
    } finally {
      await labAsync('fault', 'qnetd', 'unplugged', 'off');
    }
    await until('3 of 3 again', () => pvecm('pve1').totalVotes === 3);
  });

  it('pve1 dead and the QDevice gone: the approved override makes pve2 quorate alone; lifted when the VM is back', async () => {
    await labAsync('fault', 'qnetd', 'unplugged', 'on');
    await labAsync('poweroff', 'pve1');
    await until('pve2 blocked', () => !pvecm('pve2').quorate);
    assert.equal(writable('pve2'), 'read-only');
    const t0 = Date.now();
    const run = cli(PORT, 'quorum-override', suite.path, 'pve2', '--dead-for', '10s', '--watch-every', '10s');
    assert.equal(await exited(run), 0, run.output());
    await until('the override gate', async () => (await progress())?.awaiting?.gate === 'override-pve2');
    assert.match((await progress())?.awaiting?.instruction ?? '', /Approve ONLY if you have seen pve1 powered off.*split brain/);
    const approve = cli(PORT, 'approve', 'labclu', 'override-pve2');
    assert.equal(await exited(approve), 0, approve.output());
    let seen: RunProgress<string> | null = null;
    const said = () => JSON.stringify(seen?.steps.map((s) => [s.step, s.state, s.message]));
    await until('the override standing', async () => {
      seen = await progress();
      // A run that ended before the override stood says why, at once.
      if (seen && ['completed', 'failed'].includes(seen.state)) assert.fail(`the run ended: ${said()}`);
      return seen?.steps.find((s) => s.step === 'standing')?.state === 'running';
    }).catch((err: Error) => assert.fail(`${err.message}; the run said: ${said()}`));
    const alone = pvecm('pve2');
    assert.deepEqual([alone.quorate, alone.expectedVotes, alone.totalVotes], [true, 1, 1]);
    assert.equal(writable('pve2'), 'writable');
    // check names the override while it stands (read from pve2: pve1 does not answer).
    const standing = await healthCheck(new WorkerResources(), suite.config);
    const nodesFact = standing.facts.find((f) => f.name === 'nodes');
    assert.equal(nodesFact?.status, 'CRITICAL', standing.summary);
    assert.match(nodesFact?.reason ?? '', /a quorum override stands on pve2: .*pve-twonode quorum-override puts it back by itself/);
    assert.match(standing.summary, /^PVE-TWONODE CRITICAL - labclu: nodes: /);
    console.log(`# quorum-override: pve2 quorate alone ${((Date.now() - t0) / 1000).toFixed(0)} s after the start (proof 10 s + the approval)`);

    const t1 = Date.now();
    await labAsync('fault', 'qnetd', 'unplugged', 'off');
    await until('the run ended', async () => ['completed', 'failed'].includes((await progress())?.state ?? ''), 600_000);
    const ended = (await progress())!;
    assert.equal(ended.state, 'completed', JSON.stringify(ended.steps.map((s) => [s.step, s.state, s.message])));
    const restored = pvecm('pve2');
    assert.deepEqual([restored.quorate, restored.expectedVotes, restored.qdevice?.votes], [true, 3, 1]);
    console.log(`# quorum-override: lifted ${((Date.now() - t1) / 1000).toFixed(0)} s after the VM's cable was back: ${ended.steps.at(-1)?.message}`);

    await labAsync('poweron', 'pve1');
    await until('3 of 3 from both sides', () => ['pve1', 'pve2'].every((h) => pvecm(h).totalVotes === 3), 300_000);
  });
});
