/** join-prereqs (API join): node 1's port 8006 must serve the pinned certificate, as seen from node 2. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinApiCommands, joinPrereqs } from '../../steps/join-prereqs';
import { joinCommands } from '../../steps/join';
import { fixture, labLikeConfig, scriptedContext } from '../helpers/step-kit';

const config = labLikeConfig();
const pinned = config.join.method === 'api' ? config.join.fingerprint : '';
const probe = joinApiCommands(config).apiFingerprint.command;
const noCluster = { code: 2, stderr: fixture('pvecm-status-no-cluster.txt') };
const ctxWith = (answer: string, node2Status: unknown = noCluster) =>
  scriptedContext(config, { [probe]: answer, [joinCommands(config).node2Status.command]: node2Status as string });

describe('join-prereqs (api)', () => {
  it("the pinned certificate: done (nothing to act); verify names the API's address", async () => {
    const checked = await joinPrereqs.check(ctxWith(`sha256 Fingerprint=${pinned.toLowerCase()}\n`), config);
    assert.deepEqual([checked.done, checked.state], [true, { method: 'api', fingerprint: pinned }]);
    const verified = await joinPrereqs.verify(ctxWith(''), config, { state: checked.state, acted: null });
    assert.equal(verified.summary, "pve1's API on 10.213.7.11:8006 serves the pinned certificate");
  });

  it('another certificate: refused before the join gate, saying how to read the right one', async () => {
    await assert.rejects(
      joinPrereqs.check(ctxWith(`sha256 Fingerprint=${'CD:'.repeat(31)}CD\n`), config),
      /join\.fingerprint does not match the certificate pve1 serves on 10\.213\.7\.11:8006 \(CD(:CD){31}\): read the right one on pve1 with `pvenode cert info`/,
    );
  });

  it("port 8006 closed: refused with bash's reason and both ways out", async () => {
    await assert.rejects(
      joinPrereqs.check(ctxWith('bash: line 1: connect: Connection refused\nunreachable\n'), config),
      /pve2 cannot reach pve1's API at 10\.213\.7\.11:8006 \(Connection refused\), so pvecm add would fail .*or set join\.method: use_ssh/,
    );
  });

  it('node 2 already in the cluster: done without probing node 1', async () => {
    const ctx = ctxWith('', fixture('real-pve-3/status-rp2-2n.out').replace('apiclu', 'labclu'));
    const checked = await joinPrereqs.check(ctx, config);
    assert.deepEqual(checked.state, { method: 'joined' });
    assert.ok(!ctx.ran.some((r) => r.includes('openssl')));
  });
});
