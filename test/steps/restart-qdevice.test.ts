/**
 * repair restart-qdevice over the real pvecm's captures (real-pve-3): a node whose corosync-qdevice died (NA,NV) but
 * kept its certificate store gets its daemon restarted, and nothing else; a node without its store is not this
 * repair's to fix (it needs the re-setup).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qdeviceCommands } from '../../steps/qdevice';
import { restartQdevice, restartQdeviceCommands } from '../../steps/repair/restart-qdevice';
import { capture, fixture, realRigConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = realRigConfig('testclu');
const [rp1, rp2] = config.nodes;
const q = qdeviceCommands(config);
const real = (name: string) => capture(`real-pve-3/${name}`);
/** rp1's view 12 s after corosync-qdevice was killed on rp2: rp2 NA,NV,NMW. */
const rp2Killed = real('status-rp1-qdevice-killed-on-rp2-12s.out');
const healthy = real('status-rp1-after-resetup.out');
const conf = fixture('corosync-conf-qdevice-lab.txt').replaceAll('10.213.7.1', '10.213.9.1').replace('labclu', 'testclu');

function ctxWith(status: Answer, rp2Daemon: Answer, rp2Store = true) {
  return scriptedContext(config, {
    [q.status.command]: status,
    [q.configured.command]: 'configured\n',
    [q.corosyncConf.command]: conf,
    [q.qnetdClients.command]: real('qnetd-tool-l-healthy.out'),
    [`rp1 ${restartQdeviceCommands(rp1).daemon.command}`]: 'active\n',
    [`rp2 ${restartQdeviceCommands(rp2).daemon.command}`]: rp2Daemon,
    [`rp1 ${restartQdeviceCommands(rp1).certStore.command}`]: 'present\n',
    [`rp2 ${restartQdeviceCommands(rp2).certStore.command}`]: rp2Store ? 'present\n' : { code: 1 },
    [restartQdeviceCommands(rp2).restart.command]: '',
  });
}

describe('repair restart-qdevice', () => {
  it("rp2's daemon killed: only rp2's corosync-qdevice restarted; verified by 3 of 3 votes and qnetd voting for both", async () => {
    const ctx = ctxWith([rp2Killed, healthy], ['failed\n', 'active\n']);
    const checked = await restartQdevice.check(ctx, config);
    assert.deepEqual([checked.done, checked.state.targets], [false, ['rp2']]);
    assert.deepEqual(
      checked.state.nodes.find((n) => n.node === 'rp2'),
      { node: 'rp2', daemon: 'failed', certStore: true, flags: 'NA,NV,NMW' },
    );
    const acted = await restartQdevice.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, ['rp2$ systemctl restart corosync-qdevice']);
    const verified = await restartQdevice.verify(ctx, config, { state: checked.state, acted });
    assert.match(verified.summary, /votes 3\/3.*corosync-qnetd on rq votes for node ids 1, 2$/);
  });

  it("a node without its certificate store is not this repair's: no target, nothing restarted", async () => {
    const checked = await restartQdevice.check(ctxWith(rp2Killed, 'active\n', false), config);
    assert.deepEqual([checked.done, checked.state.targets], [false, []]);
  });

  it('healthy: done, nothing to restart', async () => {
    const checked = await restartQdevice.check(ctxWith(healthy, 'active\n'), config);
    assert.deepEqual([checked.done, checked.state.targets], [true, []]);
  });
});
