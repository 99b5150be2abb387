/** replication (optional): a pvesr job per configured guest, read from `pvesr list`'s first column. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replication, replicationCommands } from '../../steps/replication';
import { fixture, labLikeConfig, scriptedContext } from '../helpers/step-kit';

const config = labLikeConfig({ replication: { jobs: [{ guest: 100, target: 'pve2' }] } });
const list = replicationCommands(config).list.command;
const header = fixture('pvesr-status.txt').split('\n')[0] + '\n';

describe('replication', () => {
  it('not configured: the step says so, and plans no command', () => {
    const none = labLikeConfig();
    assert.equal(replication.notConfigured!(none), 'no replication in the config');
    assert.deepEqual(replication.commands(none), []);
  });

  it('no job yet: creates 100-0 to pve2 with the default schedule; verify reads it back', async () => {
    const ctx = scriptedContext(config, { [list]: [header, fixture('pvesr-status.txt')], ["pvesr create-local-job 100-0 pve2 --schedule '*/15'"]: '' });
    const checked = await replication.check(ctx, config);
    assert.deepEqual([checked.done, checked.state], [false, ['100-0']]);
    await replication.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, ["pve1$ pvesr create-local-job 100-0 pve2 --schedule '*/15'"]);
    const verified = await replication.verify(ctx, config, { state: checked.state, acted: null });
    assert.equal(verified.summary, 'replication jobs 100-0 exist');
  });

  it('verify: a job pvesr does not list fails with what replication needs', async () => {
    await assert.rejects(
      replication.verify(scriptedContext(config, { [list]: header }), config, { state: [], acted: null }),
      /pvesr list does not show 100-0 \(replication needs ZFS storage with the same ID on both nodes\)/,
    );
  });
});
