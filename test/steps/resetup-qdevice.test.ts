/**
 * repair resetup-qdevice, the one that removes: `pvecm qdevice remove` only once the setup after it is proven able to
 * succeed (the VM answers, qnetd accepts both nodes, node 1 logs in to the VM and to both nodes as pvecm does) and
 * pmxcfs sees both nodes online; a setup that fails after the remove says the state it left first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memberLoginCommands } from '../../src/step-kit/member-login';
import { rootTrustCommands } from '../../src/step-kit/root-trust';
import { removeAndSetUp, resetupCommands } from '../../steps/repair/resetup-qdevice';
import { capture, pveMembers, realRigConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = realRigConfig('testclu');
const [rp1, rp2] = config.nodes;
const c = resetupCommands(config);
const real = (name: string) => capture(`real-pve-3/${name}`);

interface World {
  vmAnswers?: Answer;
  port?: string;
  rp2Login?: string;
  setup?: Answer;
}

function world(w: World = {}) {
  return scriptedContext(config, (cmd): Answer | undefined => {
    const is = (command: { host: string; command: string }) => cmd.host === command.host && cmd.command === command.command;
    if (is(c.vmAnswers)) return w.vmAnswers ?? 'up\n';
    if (is(c.qnetdPortFromNode1) || is(c.qnetdPortFromNode2)) return w.port ?? 'open\n';
    if (is(rootTrustCommands(rp1, config.qdevice).clientLogin)) return 'ok\n';
    if (is(memberLoginCommands(config, rp1).login)) return 'logged-in\n';
    if (is(memberLoginCommands(config, rp2).login)) return w.rp2Login ?? 'logged-in\n';
    if (is(c.node1Cfs)) return pveMembers('testclu', true, ['rp1', 'rp2']);
    if (is(c.remove)) return { stdout: real('qd-remove.out'), stderr: real('qd-remove.err'), code: 0 };
    if (is(c.setupForce)) return w.setup ?? { stdout: real('qd-setup.out'), code: 0 };
    return undefined;
  });
}

describe('repair resetup-qdevice', () => {
  it('the VM unreachable: nothing removed, and the failure says what to fix', async () => {
    const ctx = world({ vmAnswers: { code: 255, stderr: 'ssh: connect to host 10.213.9.13 port 22: No route to host' }, port: '' });
    // The lab's SSH error is a rejected run; the scripted one an exit code: both must stop the remove.
    ctx.run = ((run) => (command, input) => (command.command === c.vmAnswers.command ? Promise.reject(new Error('No route to host')) : run(command, input)))(
      ctx.run.bind(ctx),
    );
    await assert.rejects(
      removeAndSetUp(ctx, config, true),
      /^ApplicationFailure: nothing removed: pvecm qdevice setup could not succeed now: rq \(10\.213\.9\.13\) does not answer over SSH \(No route to host\): power it on or mend the network; corosync-qnetd on 10\.213\.9\.13:5403 does not accept connections from rp1/,
    );
    assert.deepEqual(ctx.acts, [], 'pvecm qdevice remove never ran');
  });

  it('node 1 cannot log in to node 2 as pvecm does: nothing removed', async () => {
    const ctx = world({ rp2Login: 'Host key verification failed.\n' });
    await assert.rejects(removeAndSetUp(ctx, config, true), /nothing removed: .*rp1 cannot log in to rp2 as pvecm does \(Host key verification failed\.\)/);
    assert.deepEqual(ctx.acts, []);
  });

  it('all proven: remove, then setup --force, in that order, once each', async () => {
    const ctx = world();
    const acted = await removeAndSetUp(ctx, config, true);
    assert.deepEqual(ctx.acts, ['rp1$ pvecm qdevice remove', 'rp1$ pvecm qdevice setup 10.213.9.13 --force']);
    assert.deepEqual(acted.changes, ['QDevice removed', 'QDevice set up against rq (10.213.9.13)']);
  });

  it('a setup that fails after the remove says first that the cluster has no QDevice now, and the way back', async () => {
    const ctx = world({ setup: { code: 255, stderr: 'unable to copy ssh ID: exit code 1\n' } });
    await assert.rejects(
      removeAndSetUp(ctx, config, true),
      /^ApplicationFailure: STATE LEFT: pvecm qdevice remove ran and the setup did not complete, so the cluster has NO QDevice now .*Way back: .*pve-twonode repair qdevice/,
    );
  });
});
