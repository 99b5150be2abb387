/** time: chrony on the nodes, timesyncd with NTP= on the VM; verify needs NTPSynchronized=yes and a bounded skew. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { time, timeCommands, timesyncdConf } from '../../steps/time';
import { testConfig } from '../helpers/config';
import { fixture, scriptedContext, type Answer } from '../helpers/step-kit';

const config = testConfig();
const vm = config.qdevice;
const v = timeCommands(config, vm);
const now = () => String(Date.now());

/** Every host synchronised, each clock `ahead` ms off the worker's. */
const answers = (ahead: Record<string, number>, vmState: Partial<Record<'installed' | 'conf' | 'active', string>> = {}) =>
  scriptedContext(config, (cmd): Answer | undefined => {
    if (cmd.command === 'timedatectl show') return fixture('timedatectl-show-synced.txt');
    if (cmd.command === 'date +%s%3N') return String(Date.now() + (ahead[cmd.host] ?? 0));
    if (cmd.command === 'systemctl is-active chrony') return 'active\n';
    if (cmd.command === v.serviceActive.command) return vmState.active ?? 'active\n';
    if ('installed' in v && cmd.command === v.installed.command) return vmState.installed ?? 'install ok installed';
    if ('readConf' in v && cmd.command === v.readConf.command) return vmState.conf ?? timesyncdConf(config.ntp.servers);
    if (cmd.phase === 'act') return '';
    return undefined;
  });

describe('time', () => {
  it('done when chrony runs on the nodes and timesyncd on the VM with the configured servers', async () => {
    const checked = await time.check(answers({}), config);
    assert.deepEqual([checked.done, checked.state], [true, []]);
  });

  it('a VM with the default timesyncd.conf: act writes NTP= and restarts it, nothing else', async () => {
    const ctx = answers({}, { conf: '[Time]\n#NTP=\n', active: 'inactive\n' });
    const checked = await time.check(ctx, config);
    assert.deepEqual(
      checked.state.map((n) => [n.host.name, n.install, n.writeConf, n.start]),
      [['qdevice-vm', false, true, true]],
    );
    await time.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, [`qdevice-vm$ ${'writeConf' in v ? v.writeConf.command : ''}`, 'qdevice-vm$ systemctl restart systemd-timesyncd']);
  });

  it('verify: synchronised with clocks a few ms apart passes; one clock 5 s ahead fails naming it', async () => {
    const ok = await time.verify(answers({ proxmox1: 3 }), config, { state: [], acted: null });
    assert.match(ok.summary, /^NTP synchronised on all 3 hosts, skew \d+ ms$/);
    await assert.rejects(
      time.verify(answers({ proxmox2: 5_000 }), config, { state: [], acted: null }),
      /clock skew between hosts is \d+ ms, above ntp\.max_skew_ms 500 \(proxmox2 ahead of the others by \d+ ms/,
    );
  });

  it('verify fails when NTP is not synchronised after the wait', async () => {
    const ctx = scriptedContext(config, (cmd) => (cmd.command === 'timedatectl show' ? fixture('timedatectl-show-unsynced.txt') : now()));
    await assert.rejects(
      time.verify(ctx, config, { state: [], acted: null }),
      /NTP not synchronised on every host .* check that 0\.cz\.pool\.ntp\.org, 1\.cz\.pool\.ntp\.org are reachable/,
    );
  });
});
