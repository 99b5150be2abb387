/**
 * The update's steps over the real apt's output (lab captures): the plan from apt's simulation; an upgrade that finds
 * dpkg interrupted finishes it first and upgrades only what is still listed; a failing package script stops with
 * apt's words, not retried; a reboot waits for a new boot id and the new kernel, and is not asked twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKernelPackage, parseAptSimulation } from '../../src/parsers/apt-simulate';
import { hostPackageCommands, parseKernelState, rebootPending } from '../../steps/update/host-packages';
import { rebootHost } from '../../steps/update/reboot-host';
import { upgradeHost } from '../../steps/update/upgrade-host';
import { HostKeyMismatchError } from '../../src/ssh/errors';
import { fixture, realRigConfig, scriptedContext, type Answer } from '../helpers/step-kit';

const config = realRigConfig('testclu');
const node = config.nodes[0].name;
const c = hostPackageCommands(config, node);
const gen2 = fixture('apt/apt-get-s-dist-upgrade-lab-gen2.txt');
const none = fixture('apt/apt-get-s-dist-upgrade-none.txt');
const kernelBefore = 'running 6.8.12-1-pve\ninstalled 6.8.12-1-pve\n';
const kernelAfter = 'running 6.8.12-1-pve\ninstalled 6.8.12-2-pve\n';

function ctxWith(script: Record<string, Answer>) {
  return scriptedContext(config, {
    [c.refresh.command]: '',
    [c.simulate.command]: gen2,
    [c.audit.command]: '',
    [c.kernel.command]: kernelBefore,
    [c.bootId.command]: 'boot-a\n',
    [c.pveversion.command]: 'pve-manager/9.2.11/5a1b2c3d (running kernel: 6.8.12-1-pve)\n',
    [c.waitIdle.command]: '',
    [c.configure.command]: '',
    [c.upgrade.command]: '',
    [c.reboot.command]: '',
    ...script,
  });
}

describe('update steps', () => {
  it("apt's simulation: upgrades with their old version, the new kernel package as new; a kernel means a reboot", () => {
    const sim = parseAptSimulation(gen2);
    assert.deepEqual(sim.changes, [
      { package: 'lab-base-files', from: '1.1', to: '1.2' },
      { package: 'proxmox-kernel-6.8.12-2-pve', from: null, to: '6.8.12-2' },
      { package: 'proxmox-default-kernel', from: '1.1', to: '1.2' },
    ]);
    assert.deepEqual(parseAptSimulation('Remv old-pkg [1.0]\n').removals, ['old-pkg']);
    assert.deepEqual(
      ['proxmox-kernel-6.8.12-2-pve', 'pve-kernel-5.15.108-1-pve', 'linux-image-6.1.0-27-amd64', 'proxmox-default-kernel', 'linux-image-amd64'].map(
        isKernelPackage,
      ),
      [true, true, true, false, false],
    );
    assert.equal(rebootPending(parseKernelState(kernelAfter)), true);
    assert.equal(rebootPending(parseKernelState(kernelBefore)), false);
    assert.equal(rebootPending(parseKernelState('running 6.1.0-1-amd64\nreboot-required\n')), true);
  });

  it('check: the plan (apt-get update first), with the reboot the new kernel will need; nothing listed is done', async () => {
    const ctx = ctxWith({});
    const checked = await upgradeHost(node).check(ctx, config);
    assert.equal(checked.done, false);
    assert.equal(checked.state.rebootNeeded, true);
    assert.equal(ctx.ran[0], `${node}$ apt-get update -q`);
    assert.equal((await upgradeHost(node).check(ctxWith({ [c.simulate.command]: none }), config)).done, true);
  });

  it('act: dist-upgrade, non-interactive, keeping changed config files', async () => {
    const ctx = ctxWith({});
    const step = upgradeHost(node);
    const checked = await step.check(ctx, config);
    await step.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, [
      `${node}$ DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade`,
    ]);
  });

  it('act after a run cut off half-way: waits for apt to be gone, dpkg --configure -a, and no dist-upgrade when nothing is left', async () => {
    const ctx = ctxWith({
      [c.audit.command]: ['The following packages are only half configured, probably due to problems\nconfiguring them the first time.\n lab-base-files\n', ''],
      [c.simulate.command]: [gen2, none],
    });
    const step = upgradeHost(node);
    const checked = await step.check(ctx, config);
    assert.match(checked.state.interrupted ?? '', /half configured/);
    const acted = await step.act!(ctx, config, checked.state);
    assert.deepEqual(ctx.acts, [`${node}$ DEBIAN_FRONTEND=noninteractive dpkg --force-confdef --force-confold --configure -a`]);
    assert.ok(ctx.ran.includes(`${node}$ ${c.waitIdle.command}`));
    assert.match(acted.changes[0], /dpkg --configure -a/);
  });

  it("a failing package script: UpgradeFailed, not retried, with apt's and dpkg's own words", async () => {
    // As the real apt 2.6.1 split them in the lab: dpkg's words on stdout (and it goes on after a failure), apt's verdict on stderr.
    const stdout =
      'Setting up lab-base-files (1.3) ...\nlab-base-files: configuration failed (lab fault hook-fails)\ndpkg: error processing package lab-base-files (--configure):\n installed lab-base-files package post-installation script subprocess returned error exit status 1\nSetting up proxmox-kernel-6.8.12-3-pve (6.8.12-3) ...\nSetting up proxmox-default-kernel (1.3) ...\nErrors were encountered while processing:\n lab-base-files\n';
    const stderr = 'debconf: delaying package configuration, since apt-utils is not installed\nE: Sub-process /usr/bin/dpkg returned an error code (1)\n';
    const ctx = ctxWith({ [c.upgrade.command]: { code: 100, stdout, stderr } });
    const step = upgradeHost(node);
    const checked = await step.check(ctx, config);
    await assert.rejects(step.act!(ctx, config, checked.state), (e: { type?: string; nonRetryable?: boolean; message: string }) => {
      assert.equal(e.type, 'UpgradeFailed');
      assert.equal(e.nonRetryable, true);
      assert.match(
        e.message,
        /^apt-get dist-upgrade on rp1 failed \(exit 100\): .*post-installation script subprocess returned error exit status 1.*E: Sub-process \/usr\/bin\/dpkg returned an error code \(1\)$/,
      );
      return true;
    });
  });

  it('reboot: asked once; a retried attempt that finds another boot id does not reboot again', async () => {
    const step = rebootHost(node, 'boot-a');
    assert.equal((await step.check(ctxWith({}), config)).done, false);
    assert.equal((await step.check(ctxWith({ [c.bootId.command]: 'boot-b\n' }), config)).done, true);
  });

  it('reboot verify: waits through the host being down for a new boot id and the new kernel; a changed host key stops it', async () => {
    const healthyStatus = fixture('real-pve-4/hb-8-pvecm-status-rp2.out');
    const ctx = ctxWith({
      [c.bootId.command]: ['boot-a\n', 'boot-b\n'],
      [c.kernel.command]: 'running 6.8.12-2-pve\ninstalled 6.8.12-2-pve\n',
      'pvecm status': healthyStatus,
    });
    const verified = await rebootHost(node, 'boot-a').verify(ctx, config, { state: { bootId: 'boot-a' }, acted: null });
    assert.match(verified.summary, /^rp1 back, running 6\.8\.12-2-pve; /);
    const mismatch = scriptedContext(config, () => {
      throw new HostKeyMismatchError('rp1', 'SHA256:old', 'SHA256:new');
    });
    await assert.rejects(rebootHost(node, 'boot-a').verify(mismatch, config, { state: { bootId: 'boot-a' }, acted: null }), HostKeyMismatchError);
  });
});
