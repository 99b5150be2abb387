/** join over the real pvecm's captures (real-pve-3): its words decide at once, exit 0 or not; membership after. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join, joinCommands } from '../../steps/join';
import { capture, fixture, realRigConfig, pveMembers, scriptedContext } from '../helpers/step-kit';

// The rig the captures come from: rp1 and rp2 on 10.213.9.0/24, cluster apiclu.
const config = realRigConfig('apiclu');
const c = joinCommands(config);
const real = (name: string) => capture(`real-pve-3/${name}`);
const add = (name: string) => ({ code: Number(real(`${name}.rc`).trim()), stdout: real(`${name}.out`), stderr: real(`${name}.err`) });
const noCluster = { code: 2, stderr: fixture('pvecm-status-no-cluster.txt') };
const conf = fixture('corosync-conf-qdevice-lab.txt').replaceAll('pve1', 'rp1').replaceAll('pve2', 'rp2').replaceAll('10.213.7.1', '10.213.9.1');

function ctxWith(added: ReturnType<typeof add>, node2After = real('status-rp2-2n.out')) {
  return scriptedContext(config, {
    [`rp1 ${c.node1Status.command}`]: real('status-rp1-2n.out'),
    [`rp2 ${c.node2Status.command}`]: [noCluster, node2After],
    [c.node1Cfs.command]: pveMembers('apiclu', true, ['rp1']),
    [c.add.command]: added,
    [c.corosyncConf.command]: conf,
  });
}

describe('join', () => {
  it('a fresh node 2: pvecm add once, the password on stdin only; verify sees both members on both nodes', async () => {
    const ctx = ctxWith(add('add-api'));
    const checked = await join.check(ctx, config);
    assert.deepEqual([checked.done, checked.state], [false, { node2HasCluster: false }]);
    const acted = await join.act!(ctx, config, checked.state);
    assert.equal(ctx.acts.length, 1);
    assert.match(ctx.acts[0], /^rp2\$ cd \/ && pvecm add 10\.213\.9\.11 --fingerprint AB(:AB){31}$/);
    assert.ok(!ctx.acts[0].includes('the-secret'), 'no secret in argv');
    assert.equal(ctx.stdin.get(ctx.acts[0]), 'the-secret\n', 'the password on stdin');
    const verified = await join.verify(ctx, config, { state: checked.state, acted });
    assert.equal(verified.summary, 'rp2 is a member of apiclu (apiclu: quorate, votes 2/2, flags Quorate)');
  });

  for (const [capture, said, retryable] of [
    ['add-api-wrongfp', /fingerprint '.*' not verified, abort!/, false],
    ['add-api-wrongpw', /"authentication failure" \(exit 0\)\. node 1 refused the root password/, false],
    ['add-api-right-after-create', /cluster not ready - no quorum\?/, true],
  ] as const)
    it(`${capture}: exit 0, and still fails at once with pvecm's words${retryable ? ' (retried: nothing changed)' : ''}`, async () => {
      const ctx = ctxWith(add(capture));
      await assert.rejects(join.act!(ctx, config, { node2HasCluster: false }), (err: Error & { nonRetryable?: boolean; type?: string }) => {
        assert.match(err.message, /^pvecm add on rp2 failed: "/);
        assert.match(err.message, said);
        assert.equal(err.nonRetryable === true, !retryable, err.type);
        return true;
      });
    });

  it('verify after a join that never came: names what each node sees and what pvecm said', async () => {
    const ctx = ctxWith(add('add-api'), noCluster as never);
    await ctx.run(c.node2Status); // the check's read
    const acted = { changes: [], evidence: 'pvecm add: exit 0' };
    await assert.rejects(
      join.verify(ctx, config, { state: { node2HasCluster: false }, acted }),
      /join did not complete: rp1 sees apiclu: quorate, votes 2\/2, .*rp2 sees not in a cluster\. pvecm add: exit 0/,
    );
  });
});
