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

/** The last lines apt and dpkg printed: where they say what failed. */
function aptSaid(result: CommandResult): string {
  const lines = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => /^(E:|dpkg: error|Errors were encountered|\s*\S+\s*$)/.test(l) || l.includes('error'));
  return (errors.length ? errors : lines).slice(-6).join(' | ');
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
