/**
 * What `pvecm delnode` leaves behind (seen on the real code): /etc/pve/nodes/<node> (moved into this run's backup as a
 * tarball), the node's `root@<node>` key in /etc/pve/priv/authorized_keys (a reinstall would add a second one), and its
 * host keys in known_hosts on the survivor and the VM (a reinstalled node's new key then fails plain ssh with "REMOTE
 * HOST IDENTIFICATION HAS CHANGED!"). Verified with what must still hold: the survivor quorate and writable, and every
 * HA guest of the config started on it.
 */
import type { ClusterConfig } from '../../src/config/schema';
import { parseHaManagerStatus } from '../../src/parsers/ha-manager-status';
import { defineStep, type StepContext } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { replaceCommandSets, replaceCommands, survivorOf } from './commands';

export interface Leftovers {
  nodeDir: boolean;
  authorizedKeys: number;
  /** The known_hosts files (host:path) that still know the node. */
  knownHosts: string[];
}

const isClean = (l: Leftovers) => !l.nodeDir && l.authorizedKeys === 0 && l.knownHosts.length === 0;

async function leftovers(ctx: StepContext, config: ClusterConfig, dead: string, backupDir: string): Promise<Leftovers> {
  const c = replaceCommands(config, dead, backupDir);
  const knownHosts: string[] = [];
  for (const k of c.knownHosts) if ((await ctx.output(k.find)).trim()) knownHosts.push(k.where);
  return {
    nodeDir: (await ctx.output(c.nodeDir)).includes('present'),
    authorizedKeys: Number((await ctx.output(c.authorizedKeys)).trim() || '0'),
    knownHosts,
  };
}

export function forgetDeadNode(dead: string, backupDir: string) {
  return defineStep({
    name: 'forget-node',
    activity: 'forgetDeadNodeStep',
    kind: 'quick',
    acts: `/etc/pve/nodes/<node> to the backup, its root key out of authorized_keys, its host keys out of known_hosts`,
    verifiedBy: 'none of them left; the survivor quorate, /etc/pve writable, the HA guests started on the survivor',
    gatedByDefault: true,
    health: 'none',
    hosts: (config) => [survivorOf(config, dead).name, config.qdevice.name],
    summary: (config) => `clear what delnode leaves of ${dead} on ${survivorOf(config, dead).name} and ${config.qdevice.name}`,
    commands: (config) => replaceCommandSets(config, dead, backupDir),
    async check(ctx, config) {
      const state = await leftovers(ctx, config, dead, backupDir);
      return { done: isClean(state), state };
    },
    async act(ctx, config, state: Leftovers) {
      const c = replaceCommands(config, dead, backupDir);
      const changes: string[] = [];
      if (state.nodeDir) {
        await ctx.output(c.moveNodeDir);
        changes.push(`/etc/pve/nodes/${dead} moved to ${backupDir}/node-${dead}.tar.gz`);
      }
      if (state.authorizedKeys > 0) {
        await ctx.output(c.dropAuthorizedKeys);
        changes.push(`${state.authorizedKeys} root@${dead} key line(s) out of /etc/pve/priv/authorized_keys (saved first into ${backupDir})`);
      }
      for (const k of c.knownHosts) {
        if (!state.knownHosts.includes(k.where)) continue;
        await ctx.output(k.remove);
        changes.push(`${dead}'s host keys out of ${k.where}`);
      }
      return { changes };
    },
    async verify(ctx, config) {
      const c = replaceCommands(config, dead, backupDir);
      const left = await leftovers(ctx, config, dead, backupDir);
      if (!isClean(left)) throw postconditionFailed(`leftovers of ${dead} remain: ${JSON.stringify(left)}`);
      if (!(await ctx.run(c.writeTest)).stdout.includes('writable')) throw postconditionFailed(`/etc/pve on ${survivorOf(config, dead).name} is not writable`);
      const survivor = survivorOf(config, dead).name;
      const ha = parseHaManagerStatus(await ctx.output(c.haStatus));
      const down = config.ha.resources.filter((r) => !ha.services.some((s) => s.sid === r.sid && s.node === survivor && s.state === 'started'));
      if (down.length > 0) throw postconditionFailed(`not started on ${survivor}: ${down.map((r) => r.sid).join(', ')} (ha-manager status)`);
      const guests = config.ha.resources.map((r) => r.sid).join(', ');
      return { summary: `no trace of ${dead} left; ${guests ? `${guests} started on ${survivor}` : 'no HA guests'}`, facts: {} };
    },
  });
}
