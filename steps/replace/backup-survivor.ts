/**
 * Before replace-node removes anything: the survivor's corosync.conf (the cluster's and its own copy), /etc/pve as a
 * tarball and pmxcfs's database (sqlite's online backup), in a folder of this run under /root/pve-twonode-backup.
 * Idempotent: a folder of this run that holds all three and reads back is not written again.
 */
import { defineStep } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { replaceCommandSets, replaceCommands, survivorOf } from './commands';

const FILES = ['corosync.conf', 'corosync.conf.local', 'etc-pve.tar.gz', 'config.db'];

export function backupSurvivor(dead: string, backupDir: string) {
  return defineStep({
    name: 'backup',
    activity: 'backupSurvivorStep',
    kind: 'quick',
    acts: 'copies corosync.conf, tars /etc/pve, `sqlite3 .backup` of config.db',
    verifiedBy: 'the tarball lists pve/corosync.conf; `PRAGMA integrity_check` of the copy says ok',
    gatedByDefault: true,
    health: 'none',
    hosts: (config) => [survivorOf(config, dead).name],
    summary: (config) => `back up corosync.conf, /etc/pve and the pmxcfs database on ${survivorOf(config, dead).name} to ${backupDir}`,
    commands: (config) => replaceCommandSets(config, dead, backupDir).slice(0, 1),
    async check(ctx, config) {
      const listed = (await ctx.output(replaceCommands(config, dead, backupDir).listBackup)).split('\n');
      const missing = FILES.filter((f) => !listed.includes(f));
      return { done: missing.length === 0, state: missing };
    },
    async act(ctx, config) {
      await ctx.output(replaceCommands(config, dead, backupDir).backup);
      return { changes: [`backup in ${backupDir}`] };
    },
    async verify(ctx, config) {
      const r = await ctx.run(replaceCommands(config, dead, backupDir).checkBackup);
      if (r.code !== 0 || r.stdout.trim() !== 'ok')
        throw postconditionFailed(`the backup in ${backupDir} does not read back: ${r.stderr.trim() || r.stdout.trim()}`);
      return { summary: `corosync.conf, /etc/pve and the pmxcfs database backed up to ${backupDir} on ${survivorOf(config, dead).name}`, facts: { backupDir } };
    },
  });
}
