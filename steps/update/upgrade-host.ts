/**
 * The packages of one host brought up to date: `apt-get dist-upgrade`, non-interactive, keeping changed config files.
 * Check first: nothing to change is done. An earlier run cut off half-way (the worker or the link lost during apt)
 * leaves dpkg interrupted: `dpkg --configure -a` finishes it, and a dist-upgrade runs only if the simulation still
 * lists something, never blind. A failing package script stops the update on this host with apt's own words.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { CommandResult } from '../../src/ssh/session';
import { defineStep } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { describeHostPackages, hostPackageCommands, readHostPackages, type HostPackages } from './host-packages';

/**
 * What apt and dpkg said about the failure: apt hands dpkg its stdout, where each failed package shows as the package
 * script's own words, then "dpkg: error processing package <p>" and the reason; dpkg goes on with the other packages,
 * so those lines are not the last. apt's verdict ("E: Sub-process ... returned an error code") is on stderr (seen on
 * the real apt 2.6.1 in the lab). debconf's notice about apt-utils is noise.
 */
function aptSaid(result: CommandResult): string {
  const lines = (text: string) =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('debconf: delaying package configuration'));
  const out = lines(result.stdout);
  const failures = out.flatMap((line, i) => {
    if (!line.startsWith('dpkg: error processing')) return [];
    const words: string[] = [];
    for (let j = i - 1; j >= 0 && words.length < 3 && !/^(Setting up|Unpacking|Preparing|Processing|Selecting) /.test(out[j]); j--) words.unshift(out[j]);
    return [...words, line, out[i + 1] ?? ''];
  });
  return [...(failures.length ? failures : out.slice(-5)), ...lines(result.stderr).slice(-3)].filter(Boolean).join(' | ');
}

export function upgradeHost(host: string) {
  return defineStep({
    name: 'upgrade',
    activity: 'upgradeHostStep',
    kind: 'install',
    acts: '`apt-get -y dist-upgrade` (non-interactive, changed config files kept); `dpkg --configure -a` first when an earlier run was cut off',
    verifiedBy: 'the simulation lists nothing left to change and `dpkg --audit` is clean',
    gatedByDefault: true,
    health: 'none',
    hosts: () => [host],
    summary: () => `apt-get dist-upgrade on ${host}`,
    commands: (config) => [hostPackageCommands(config, host)],
    async check(ctx, config) {
      const packages = await readHostPackages(ctx, config, host, true);
      return { done: packages.changes.length === 0 && packages.interrupted === null, state: packages };
    },
    async act(ctx, config, before: HostPackages) {
      const c = hostPackageCommands(config, host);
      const changes: string[] = [];
      if (before.interrupted) {
        const idle = await ctx.run(c.waitIdle);
        if (idle.code !== 0) throw ApplicationFailure.retryable(`${host}: apt or dpkg still running after ten minutes: ${idle.stdout.trim()}`, 'AptBusy');
        const configured = await ctx.run(c.configure);
        if (configured.code !== 0) throw upgradeFailed(host, 'dpkg --configure -a', configured);
        changes.push(`${host}: dpkg --configure -a (finished what an earlier run left half-done)`);
      }
      const now = before.interrupted ? await readHostPackages(ctx, config, host, false) : before;
      if (now.changes.length > 0) {
        const upgraded = await ctx.run(c.upgrade);
        if (upgraded.code !== 0) throw upgradeFailed(host, 'apt-get dist-upgrade', upgraded);
        changes.push(`${host}: apt-get dist-upgrade (${now.changes.length} packages)`);
      }
      return { changes };
    },
    async verify(ctx, config) {
      const after = await readHostPackages(ctx, config, host, false);
      if (after.interrupted) throw postconditionFailed(`dpkg on ${host} is still interrupted: ${after.interrupted.split('\n')[0]}`, { packages: after });
      if (after.changes.length > 0) throw postconditionFailed(`${host} still has packages to change: ${describeHostPackages(after)}`, { packages: after });
      return { summary: `${host} up to date${after.rebootNeeded ? '; a reboot is needed' : ''}`, facts: { packages: after } };
    },
  });
}

/** apt or dpkg failed on the host: a person must look (a package script, a full disk); a retry would fail again. */
function upgradeFailed(host: string, what: string, result: CommandResult): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${what} on ${host} failed (exit ${result.code}): ${aptSaid(result)}`, 'UpgradeFailed', {});
}
