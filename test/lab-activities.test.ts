/** Every step activity against the rehearsal lab (real sshd, corosync, corosync-qnetd): act, verify, then a no-op rerun. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runStep } from '../activities/runtime/run-step';
import type { ClusterConfig } from '../src/config/schema';
import { parsePvecmStatus } from '../src/parsers/pvecm-status';
import type { AnyStep } from '../src/step-kit/descriptor';
import type { StepResult } from '../src/step-kit/result';
import { readOnlyPass } from '../activities/read-only-pass';
import { planFor } from '../cli/plan';
import { GUIDE_STEPS } from '../steps';
import { GUIDE_STEPS as WITH_MOTD } from './fixtures/throwaway/guide-steps';

const steps = Object.fromEntries(GUIDE_STEPS.map((s) => [s.name, s as AnyStep]));
import { audit, freshLab, inHost, lab, labUnavailable } from './helpers/lab';
import { WorkerResources } from '../activities/runtime/resources';

type Step = AnyStep;
const runWith = (config: ClusterConfig) => (step: Step) =>
  new MockActivityEnvironment().run<[], StepResult, () => Promise<StepResult>>(() => runStep(new WorkerResources(), step, config));

describe('step activities against the rehearsal lab', { skip: labUnavailable() }, () => {
  let config: ClusterConfig;
  const run = (step: Step) => runWith(config)(step);
  const failure = async (step: Step): Promise<ApplicationFailure> => {
    const err = await run(step).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, `expected a failure, got ${String(err)}`);
    return err;
  };

  before(() => {
    config = freshLab().config;
  });
  after(() => void lab('down'));

  it('the read-only pass on the fresh lab: preflight passes, the steps the guide has not run report not-done, nothing is acted', async () => {
    const before = ['pve1', 'pve2', 'qnetd'].map((h) => audit(h).length);
    const pass = await readOnlyPass(new WorkerResources(), config, WITH_MOTD);
    const verdicts = Object.fromEntries(pass.steps.map((s) => [s.step, s.verdict]));
    assert.deepEqual(verdicts, {
      preflight: 'pass',
      hosts: 'not-done', // a fresh PVE node's /etc/hosts names only itself
      time: 'not-done', // timesyncd not configured on the VM
      motd: 'not-done', // the throwaway step is read like any other
      create: 'not-done',
      'join-prereqs': 'pass', // API join: pveproxy answers with the pinned certificate on a fresh node
      join: 'not-done',
      qnetd: 'not-done',
      'qdevice-prereqs': 'not-done',
      qdevice: 'not-done',
      ha: 'not-done',
      replication: 'not-configured',
      failover: 'not-done',
    });
    assert.equal(pass.verdict, 'not-done');
    assert.match(pass.steps.find((s) => s.step === 'hosts')?.reason ?? '', /resolve wrongly: pve2 -> nothing \(want 10\.213\.7\.12\)/);
    const newCommands = ['pve1', 'pve2', 'qnetd'].flatMap((h, i) => audit(h).slice(before[i]));
    const acts = planFor(config, WITH_MOTD).flatMap((p) => p.commands.filter((c) => c.phase === 'act').map((c) => c.command));
    assert.ok(newCommands.length > 10, 'the pass did read the hosts');
    assert.deepEqual(
      newCommands.filter((c) => acts.includes(c) || /cat > |>> "\$f"|apt-get install|pvecm (create|add|qdevice setup)/.test(c)),
      [],
    );
  });

  it('preflight reads all three hosts and finds no blocker', async () => {
    const r = await run(steps.preflight);
    assert.equal(r.outcome, 'done');
    assert.equal(r.facts.pveMajor, 9);
    assert.deepEqual(r.actions, []);
  });

  it('create fails verification while the node name resolves to 127.0.1.1, and says why', async () => {
    // The owner's hosts file names the node on Debian's loopback line (the Debian installer's default): real pvecm
    // create refuses ("address lookup ... did not find any IP address", exit 255) and creates nothing.
    inHost('pve1', "h=$(sed 's/^10\\.213\\.7\\.11\\t/127.0.1.1\\t/' /etc/hosts) && printf '%s\\n' \"$h\" > /etc/hosts");
    const err = await failure(steps.create);
    assert.deepEqual([err.type, err.nonRetryable], ['PostconditionFailed', true]);
    assert.match(err.message, /corosync\.conf on pve1 does not name cluster labclu.*address lookup for 'pve1' did not find any IP address/s);
    assert.ok(audit('pve1').includes('pvecm create labclu'), 'pvecm create was really attempted');
  });

  it('hosts fixes /etc/hosts on both nodes (backup kept), time starts NTP on the VM', async () => {
    const hosts = await run(steps.hosts);
    assert.equal(hosts.outcome, 'done');
    assert.deepEqual((hosts.facts.resolved as Record<string, Record<string, string>>).pve2, { pve1: '10.213.7.11', pve2: '10.213.7.12', qnetd: '10.213.7.13' });
    assert.match(inHost('pve1', 'ls /etc/hosts.pve-twonode-*.bak && grep -c 127.0.1.1 /etc/hosts.pve-twonode-*.bak'), /\n1\n$/);
    const time = await run(steps.time);
    assert.equal(time.outcome, 'done');
    assert.match(time.message, /configured on qnetd/);
  });

  it('create and join build a quorate 2-node cluster', async () => {
    assert.equal((await run(steps.create)).outcome, 'done');
    const prereqs = await run(steps['join-prereqs']);
    assert.equal(prereqs.outcome, 'skipped-already-done');
    assert.equal(prereqs.facts.apiFingerprint, config.join.method === 'api' ? config.join.fingerprint : null);
    assert.equal((await run(steps.join)).outcome, 'done');
    const status = parsePvecmStatus(inHost('pve2', 'pvecm status'));
    assert.deepEqual([status.quorate, status.totalVotes, status.members.length], [true, 2, 2]);
  });

  it('qnetd installs and starts corosync-qnetd on the VM', async () => {
    assert.equal((await run(steps.qnetd)).outcome, 'done');
    assert.match(inHost('qnetd', "ss -Hltn 'sport = :5403'"), /:5403/);
  });

  it('qdevice fails verification while corosync-qdevice is missing on the nodes', async () => {
    // Only the key half of the prerequisites, by hand: pvecm then gets as far as the certificate exchange.
    const pub = inHost('pve1', 'cat /root/.ssh/id_rsa.pub').trim();
    inHost('qnetd', `echo '${pub}' >> /root/.ssh/authorized_keys`);
    inHost('pve1', `echo "10.213.7.13 $(cat /dev/null)$(ssh-keyscan -t ed25519 10.213.7.13 2>/dev/null | cut -d' ' -f2-)" >> /root/.ssh/known_hosts`);
    const err = await failure(steps.qdevice);
    assert.deepEqual([err.type, err.nonRetryable], ['PostconditionFailed', true]);
    assert.match(err.message, /corosync-qdevice-net-certutil/);
  });

  it("qdevice-prereqs installs corosync-qdevice on both nodes and mends node 2's missing ssh_known_hosts; then qdevice gives the third vote", async () => {
    // The state CI once met right after a join: pvecm qdevice setup then fails half-way with "Host key verification failed".
    // With the real HA daemons starting on both nodes, the join often leaves it so by itself (pve2's own updatecerts at
    // the end of pvecm add writes the file, and it is not there once the join is done): removed if it is there.
    inHost('pve1', 'rm -f /etc/pve/nodes/pve2/ssh_known_hosts');
    const prereqs = await run(steps['qdevice-prereqs']);
    assert.equal(prereqs.outcome, 'done');
    assert.match(prereqs.message, /corosync-qdevice on pve1; corosync-qdevice on pve2/);
    assert.match(prereqs.message, /pvecm updatecerts on pve2/);
    assert.doesNotMatch(prereqs.message, /updatecerts on pve1/, 'node 1 reached itself as pvecm does: nothing to mend there');
    assert.match(inHost('pve1', 'cat /etc/pve/nodes/pve2/ssh_known_hosts'), /^pve2 ssh-rsa /);
    assert.equal((await run(steps.qdevice)).outcome, 'done');
    const status = parsePvecmStatus(inHost('pve1', 'corosync-quorumtool -s'));
    assert.deepEqual([status.expectedVotes, status.totalVotes, status.flags], [3, 3, ['Quorate', 'Qdevice']]);
  });

  it('ha puts vm:100 under HA with a node-affinity rule (PVE 9) and sees it started', async () => {
    const r = await run(steps.ha);
    assert.equal(r.outcome, 'done');
    assert.deepEqual(r.facts.placement, { 'vm:100': 'pve1' });
    assert.match(inHost('pve1', 'cat /etc/pve/ha/rules.cfg'), /node-affinity: pve-twonode-vm-100\n\tnodes pve1:2,pve2:1\n\tresources vm:100/);
  });

  it('a second pass changes nothing: every step reports skipped-already-done and no act reaches a host', async () => {
    const before = ['pve1', 'pve2', 'qnetd'].map((h) => audit(h).length);
    const actsBefore = ['pve1', 'pve2', 'qnetd']
      .flatMap(audit)
      .filter((c) => /pvecm (create|add|qdevice setup)|apt-get install|ha-manager (add|rules add)|cat > /.test(c));
    for (const step of ['hosts', 'time', 'create', 'join-prereqs', 'join', 'qnetd', 'qdevice-prereqs', 'qdevice', 'ha'].map((n) => steps[n])) {
      const r = await run(step);
      assert.equal(r.outcome, 'skipped-already-done', `${step.name}: ${r.message}`);
      assert.deepEqual(r.actions, []);
    }
    const actsAfter = ['pve1', 'pve2', 'qnetd']
      .flatMap(audit)
      .filter((c) => /pvecm (create|add|qdevice setup)|apt-get install|ha-manager (add|rules add)|cat > /.test(c));
    assert.deepEqual(actsAfter, actsBefore);
    assert.ok(
      ['pve1', 'pve2', 'qnetd'].some((h, i) => audit(h).length > before[i]),
      'the second pass did read the hosts',
    );
    // The read-only pass agrees: everything the guide did so far passes; the failover test has not run yet.
    const pass = await readOnlyPass(new WorkerResources(), config);
    assert.deepEqual(
      pass.steps.filter((s) => s.verdict !== 'pass').map((s) => [s.step, s.verdict]),
      [
        ['replication', 'not-configured'],
        ['failover', 'not-done'],
      ],
    );
  });
});

describe('join verification against the rehearsal lab', { skip: labUnavailable() }, () => {
  let config: ClusterConfig;
  const run = (step: Step) => runWith(config)(step);
  before(() => {
    config = freshLab().config;
  });
  after(() => void lab('down'));

  it("join-prereqs stops an API join that cannot work: node 1's pveproxy down, a fingerprint that does not match", async () => {
    await run(steps.hosts);
    await run(steps.create);
    inHost('pve1', 'systemctl stop pveproxy');
    const down = await run(steps['join-prereqs']).then(
      () => null,
      (e: unknown) => e,
    );
    inHost('pve1', 'systemctl start pveproxy');
    assert.ok(down instanceof ApplicationFailure);
    assert.deepEqual([down.type, down.nonRetryable], ['PreconditionFailed', true]);
    assert.match(down.message, /pve2 cannot reach pve1's API at 10\.213\.7\.11:8006 \(Connection refused\).*start pveproxy on pve1/);
    const wrong = { ...config, join: { ...config.join, fingerprint: 'AA:'.repeat(31) + 'AA' } } as ClusterConfig;
    const mismatch = await runWith(wrong)(steps['join-prereqs']).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(mismatch instanceof ApplicationFailure);
    assert.match(mismatch.message, /join\.fingerprint does not match the certificate pve1 serves on 10\.213\.7\.11:8006/);
    assert.equal((await run(steps['join-prereqs'])).outcome, 'skipped-already-done');
  });

  it('preflight refuses a node 2 with guests (pvecm add would)', async () => {
    const fresh = freshLab().config;
    lab('fault', 'pve2', 'guest', 'on');
    const err = await runWith(fresh)(steps.preflight).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure);
    assert.deepEqual([err.type, err.nonRetryable], ['PreconditionFailed', true]);
    assert.match(err.message, /pve2 has guests \(900\)/);
  });
});

describe('joining over SSH from freshly installed nodes', { skip: labUnavailable() }, () => {
  let config: ClusterConfig;
  const run = (step: Step) => runWith(config)(step);
  before(() => {
    config = freshLab({ PVE_TWONODE_LAB_JOIN: 'use_ssh' }).config;
  });
  after(() => void lab('down'));

  it("without join-prereqs the join fails at once with pvecm's own words, although pvecm add exits 0", async () => {
    await run(steps.hosts);
    await run(steps.create);
    const err = await run(steps.join).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure);
    // PreconditionFailed from pvecm's text, not the PostconditionFailed of a membership wait that ran out.
    assert.deepEqual([err.type, err.nonRetryable], ['PreconditionFailed', true]);
    assert.match(err.message, /pvecm add on pve2 failed: "unable to copy ssh ID: exit code 1" \(exit 0\)\. .*join-prereqs/);
    assert.ok(audit('pve2').includes('cd / && pvecm add 10.213.7.11 --use_ssh 1'), 'pvecm add was really run');
  });

  it("join-prereqs authorises node 2's key on node 1 and pins node 1's host key, with backups; then the join works", async () => {
    const prereqs = await run(steps['join-prereqs']);
    assert.equal(prereqs.outcome, 'done');
    assert.match(prereqs.message, /pve2 key in pve1:\/root\/\.ssh\/authorized_keys.*pve1 host key \(pinned\) in pve2:\/root\/\.ssh\/known_hosts/);
    // authorized_keys is PVE's link into /etc/pve/priv: still a link, and the backup holds the old content, not a link.
    assert.equal(inHost('pve1', 'readlink /root/.ssh/authorized_keys').trim(), '/etc/pve/priv/authorized_keys');
    const backup = inHost('pve1', 'b=$(ls /root/.ssh/authorized_keys.pve-twonode-*.bak); test -f "$b" && ! test -L "$b" && cat "$b"');
    assert.equal(backup.trim().split('\n').length, 2, 'the backup has the two keys a fresh node holds');
    // The pinned key first; the verify's login then lets OpenSSH (UpdateHostKeys) add pve1's other host keys, hashed.
    const [pinned, ...learned] = inHost('pve2', 'cat /root/.ssh/known_hosts').trim().split('\n');
    assert.equal(pinned, `10.213.7.11 ${inHost('pve1', "cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub").trim()}`);
    const otherKeys = inHost('pve1', "cat /etc/ssh/ssh_host_rsa_key.pub /etc/ssh/ssh_host_ecdsa_key.pub | cut -d' ' -f1,2").trim().split('\n');
    for (const line of learned)
      assert.ok(
        otherKeys.some((k) => line.endsWith(` ${k}`)),
        `not one of pve1's keys: ${line}`,
      );
    assert.equal((await run(steps.join)).outcome, 'done');
    const status = parsePvecmStatus(inHost('pve1', 'pvecm status'));
    assert.deepEqual([status.quorate, status.members.length], [true, 2]);
    assert.equal((await run(steps['join-prereqs'])).outcome, 'skipped-already-done');
  });
});

describe('a join that fails half-way on the real pvecm', { skip: labUnavailable() }, () => {
  let config: ClusterConfig;
  const run = (step: Step) => runWith(config)(step);
  before(() => {
    config = freshLab({ PVE_TWONODE_LAB_JOIN: 'use_ssh' }).config;
  });
  after(() => void lab('down'));

  it("a join that fails half-way (no rsync on node 2, pvecm add exits 0) fails at once with pvecm's words; the create step's rerun takes node 2 out of node 1's list; then the join works", async () => {
    for (const step of [steps.hosts, steps.create, steps['join-prereqs']]) await run(step);
    lab('fault', 'pve2', 'no-rsync', 'on');
    const err = await run(steps.join).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure);
    assert.deepEqual([err.type, err.nonRetryable], ['PreconditionFailed', true]);
    assert.match(err.message, /pvecm add on pve2 failed: "can't rsync data from host '10\.213\.7\.11'" \(exit 0\)\. .*rsync is not installed on node 2/);
    // The real pvecm left pve1 listing pve2 and, alone, not quorate.
    const half = parsePvecmStatus(inHost('pve1', 'pvecm status || true'));
    assert.equal(half.quorate, false);
    assert.match(inHost('pve1', 'cat /etc/pve/corosync.conf'), /name: pve2/);
    lab('fault', 'pve2', 'no-rsync', 'off');
    const create = await run(steps.create);
    assert.equal(create.outcome, 'done');
    assert.match(create.message, /pve2 taken out of pve1's node list: a join that failed half-way/);
    // Once, or again while pmxcfs still refuses it right after `pvecm expected 1` (exit 255, seen in a full run).
    assert.ok(audit('pve1').filter((c) => c === 'pvecm delnode pve2').length >= 1, 'pvecm delnode ran');
    assert.match(inHost('pve1', 'cat /root/corosync.conf.pve-twonode-*.bak'), /name: pve2/, 'the half-joined corosync.conf kept');
    assert.doesNotMatch(inHost('pve1', 'cat /etc/pve/corosync.conf'), /name: pve2/);
    // No override left behind (delnode made one node expect one vote), so the join runs afresh and no cfs lock is stale.
    assert.equal((await run(steps.join)).outcome, 'done');
    const status = parsePvecmStatus(inHost('pve1', 'pvecm status'));
    assert.deepEqual([status.quorate, status.expectedVotes, status.members.length], [true, 2, 2]);
    assert.equal((await run(steps.qnetd)).outcome, 'done');
    assert.equal((await run(steps['qdevice-prereqs'])).outcome, 'done');
    assert.equal((await run(steps.qdevice)).outcome, 'done');
  });
});
