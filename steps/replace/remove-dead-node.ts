/**
 * The dead node out of the cluster, on the survivor, in the order the real code accepts: the HA stack has recovered the
 * dead node's guests first (none left in fence, recovery or error, none started there), replication jobs to it are
 * deleted, `pvecm delnode` (which keeps the QDevice: one node + QDevice is expected 2, so the survivor would still
 * need qnetd), then `pvecm qdevice remove` (refused by the real code while the node is still listed: "All nodes must
 * be online!"). Verified: the survivor quorate alone (expected 1), /etc/pve writable. Exit codes are not trusted:
 * delnode exits 0 with `Could not kill node (error = CS_ERR_NOT_EXIST)`; corosync.conf is read back.
 */
import type { ClusterConfig } from '../../src/config/schema';
import { parseCorosyncConf, type CorosyncConf } from '../../src/parsers/corosync-conf';
import { parseHaManagerStatus, type HaService } from '../../src/parsers/ha-manager-status';
import { readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import { defineStep, type StepContext } from '../../src/step-kit/descriptor';
import { postconditionFailed, preconditionFailed } from '../../src/step-kit/failures';
import { serviceInError } from '../../src/step-kit/ha-states';
import { replaceCommandSets, replaceCommands, survivorOf } from './commands';

/** How long the HA stack may take to fence and recover the dead node's guests (its lock lease, then the restart). */
const HA_RECOVERY_MS = 6 * 60_000;

export interface RemovalState {
  listed: boolean;
  qdevice: boolean;
  jobs: string[];
}

/** `pvesr list` rows whose target is the dead node (pvesr prints it as local/<node>). */
export function jobsTo(listing: string, dead: string): string[] {
  return listing
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([id, target]) => /^\d+-\d+$/.test(id ?? '') && target === `local/${dead}`)
    .map(([id]) => id);
}

async function readState(ctx: StepContext, config: ClusterConfig, dead: string): Promise<{ conf: CorosyncConf; state: RemovalState }> {
  const c = replaceCommands(config, dead, '');
  const conf = parseCorosyncConf(await ctx.output(c.corosyncConf));
  const listing = await ctx.run(c.replicationJobs);
  return {
    conf,
    state: {
      listed: conf.nodes.some((n) => n.name === dead),
      qdevice: conf.qdeviceHost !== null,
      jobs: listing.code === 0 ? jobsTo(listing.stdout, dead) : [],
    },
  };
}

/** A guest HA has not finished with: in fence, recovery or error, or still started on the dead node. */
function unsettled(services: HaService[], dead: string): HaService[] {
  return services.filter((s) => ['fence', 'recovery', 'error'].includes(s.state) || (s.node === dead && ['started', 'starting'].includes(s.state)));
}

async function waitForHaRecovery(ctx: StepContext, config: ClusterConfig, dead: string): Promise<string> {
  const c = replaceCommands(config, dead, '');
  let last: HaService[] = [];
  const settled = await ctx.waitFor(
    `HA to recover ${dead}'s guests`,
    HA_RECOVERY_MS,
    async () => {
      const status = parseHaManagerStatus(await ctx.output(c.haStatus));
      const failed = status.services.find((s) => s.state === 'error');
      if (failed) throw preconditionFailed(`${serviceInError(failed)}; ${dead} was not removed`);
      last = unsettled(status.services, dead);
      return last.length === 0 ? status.services : undefined;
    },
    { intervalMs: 2_000, seen: () => last.map((s) => `${s.sid} ${s.state} on ${s.node}`).join(', ') || undefined },
  );
  if (!settled)
    throw preconditionFailed(
      `the HA stack has not recovered ${dead}'s guests within ${HA_RECOVERY_MS / 60_000} min (${last.map((s) => `${s.sid} ${s.state} on ${s.node}`).join(', ')}); nothing was removed (ha-manager status on ${survivorOf(config, dead).name})`,
    );
  return settled.length ? settled.map((s) => `${s.sid} ${s.state} on ${s.node}`).join(', ') : 'no HA guests';
}

/**
 * The survivor runs HA alone: when the dead node was the HA master, the survivor's CRM takes the manager lock only once
 * the dead one's has expired (about two minutes after its last update); until then `ha-manager status` shows the old
 * master `old timestamp - dead?`, and nothing HA does (the rejoin's ha step among it) can go ahead.
 */
async function waitForMaster(ctx: StepContext, config: ClusterConfig, dead: string): Promise<string> {
  if (config.ha.resources.length === 0) return '';
  const survivor = survivorOf(config, dead).name;
  let seen = '';
  const live = await ctx.waitFor(
    `${survivor} to be the HA master`,
    HA_RECOVERY_MS,
    async () => {
      const master = parseHaManagerStatus(await ctx.output(replaceCommands(config, dead, '').haStatus)).master;
      seen = master ? `master ${master.node} (${master.status})` : 'no master';
      return master?.node === survivor && master.status.startsWith('active') ? master : undefined;
    },
    { intervalMs: 2_000, seen: () => seen },
  );
  if (!live)
    throw postconditionFailed(`${survivor} did not become the HA master within ${HA_RECOVERY_MS / 60_000} min (${seen}); check pve-ha-crm on ${survivor}`);
  return `; ${survivor} is the HA master`;
}

export function removeDeadNode(dead: string) {
  return defineStep({
    name: 'remove-node',
    activity: 'removeDeadNodeStep',
    kind: 'cluster',
    acts: '`pvesr delete` of jobs to the node, `pvecm delnode`, then `pvecm qdevice remove`',
    verifiedBy: 'corosync.conf without the node and the QDevice; `pvecm status` quorate on 1 of 1 vote; /etc/pve writable',
    gatedByDefault: true,
    health: 'none',
    hosts: (config) => [survivorOf(config, dead).name],
    summary: (config) => `remove ${dead} and the QDevice from ${survivorOf(config, dead).name}'s cluster (it runs alone on its own vote)`,
    commands: (config) => replaceCommandSets(config, dead, '').slice(0, 1),
    async check(ctx, config) {
      const { state } = await readState(ctx, config, dead);
      return { done: !state.listed && !state.qdevice && state.jobs.length === 0, state };
    },
    async act(ctx, config, state: RemovalState) {
      const c = replaceCommands(config, dead, '');
      const changes: string[] = [];
      const ha = await waitForHaRecovery(ctx, config, dead);
      changes.push(`HA guests settled: ${ha}`);
      for (const job of state.jobs) {
        await ctx.output(c.deleteJob(job));
        changes.push(`replication job ${job} to ${dead} deleted`);
      }
      if (state.listed) {
        const r = await ctx.run(c.delnode);
        const after = parseCorosyncConf(await ctx.output(c.corosyncConf));
        if (after.nodes.some((n) => n.name === dead))
          throw postconditionFailed(`pvecm delnode ${dead} exited ${r.code} and corosync.conf still lists it: ${r.stderr.trim() || r.stdout.trim()}`);
        changes.push(`pvecm delnode ${dead} (corosync.conf version ${after.configVersion})`);
      }
      if (state.qdevice || state.listed) {
        const now = parseCorosyncConf(await ctx.output(c.corosyncConf));
        if (now.qdeviceHost !== null) {
          const r = await ctx.run(c.qdeviceRemove);
          const after = parseCorosyncConf(await ctx.output(c.corosyncConf));
          if (after.qdeviceHost !== null)
            throw postconditionFailed(`pvecm qdevice remove exited ${r.code} and the QDevice is still configured: ${r.stderr.trim() || r.stdout.trim()}`);
          changes.push('pvecm qdevice remove');
        }
      }
      return { changes };
    },
    async verify(ctx, config) {
      const c = replaceCommands(config, dead, '');
      const { conf, state } = await readState(ctx, config, dead);
      if (state.listed || state.qdevice) throw postconditionFailed(`corosync.conf still has ${state.listed ? dead : 'the QDevice'} in it`);
      const alone = await ctx.waitFor(`${survivorOf(config, dead).name} quorate alone`, 60_000, async () => {
        const s = await readClusterStatus(ctx, c.status);
        return s?.quorate && s.expectedVotes === 1 ? s : undefined;
      });
      if (!alone)
        throw postconditionFailed(`${survivorOf(config, dead).name} is not quorate on its own vote: ${summarize(await readClusterStatus(ctx, c.status))}`);
      const writable = (await ctx.run(c.writeTest)).stdout.includes('writable');
      if (!writable) throw postconditionFailed(`/etc/pve on ${survivorOf(config, dead).name} is not writable although corosync says quorate`);
      const master = await waitForMaster(ctx, config, dead);
      return {
        summary: `${dead} and the QDevice removed; ${summarize(alone)}; /etc/pve writable (corosync.conf version ${conf.configVersion})${master}`,
        facts: { corosyncVersion: conf.configVersion },
      };
    },
  });
}
