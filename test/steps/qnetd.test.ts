/** qnetd: corosync-qnetd installed, active and listening on 5403; ufw, when active, lets both nodes in. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qnetd, qnetdCommands } from '../../steps/qnetd';
import { labLikeConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = labLikeConfig();
const c = qnetdCommands(config);
const listening = 'LISTEN 0      10           0.0.0.0:5403      0.0.0.0:*\n';
const ufwActive =
  'Status: active\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW       Anywhere\n';

function vm(state: { installed?: boolean; active?: Answer; ufw?: string }) {
  return scriptedContext(config, {
    [c.installed.command]: state.installed === false ? { code: 1, stderr: 'dpkg-query: no packages found matching corosync-qnetd' } : 'install ok installed',
    [c.active.command]: state.active ?? 'active\n',
    [c.listening.command]: listening,
    [c.ufw.command]: state.ufw ?? 'Status: not installed\n',
    [c.install.command]: '',
    [c.start.command]: '',
    [c.allow.command]: '',
  });
}

describe('qnetd', () => {
  it('a fresh Debian VM: installs, starts, verify sees it listen', async () => {
    const ctx = vm({ installed: false, active: ['inactive\n', 'inactive\n', 'active\n'] });
    const checked = await qnetd.check(ctx, config);
    assert.deepEqual([checked.done, checked.state], [false, { installed: false, serving: false, ufwActive: false, ufwMissingRule: false }]);
    const acted = await qnetd.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, [`qnetd$ ${c.install.command}`, `qnetd$ ${c.start.command}`]);
    const verified = await qnetd.verify(ctx, config, { state: checked.state, acted });
    assert.equal(verified.summary, 'corosync-qnetd active on qnetd, listening on 5403/tcp');
  });

  it('active ufw without the nodes: only the rule for both nodes is added', async () => {
    const ctx = vm({ ufw: ufwActive });
    const checked = await qnetd.check(ctx, config);
    assert.deepEqual([checked.done, checked.state.ufwMissingRule], [false, true]);
    await qnetd.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, ['qnetd$ ufw allow proto tcp from 10.213.7.11 to any port 5403 && ufw allow proto tcp from 10.213.7.12 to any port 5403']);
  });

  it('verify: stopped for the whole wait fails with where to look and the repair', async () => {
    await assert.rejects(
      qnetd.verify(vm({ active: 'failed\n' }), config, { state: { installed: true, serving: false, ufwActive: false, ufwMissingRule: false }, acted: null }),
      /corosync-qnetd is not active and listening on 5403\/tcp on qnetd \(systemctl status corosync-qnetd; journalctl -u corosync-qnetd\)/,
    );
  });
});
