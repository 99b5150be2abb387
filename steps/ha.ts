/** Step 8, ha: each guest under HA, placed by an HA group (PVE 8) or a node-affinity rule (PVE 9 replaced groups, docs/proxmox-contract.md). */
import type { ClusterConfig } from '../src/config/schema';
import { parseHaManagerStatus, type HaManagerStatus, type HaService } from '../src/parsers/ha-manager-status';
import { parsePveversion } from '../src/parsers/pveversion';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet } from '../src/step-kit/commands';
import { defineStep } from '../src/step-kit/descriptor';
import { degraded, postconditionFailed } from '../src/step-kit/failures';
import { haPlan } from '../src/plan/guide';
import { LRM_SETTLING, LRM_WORKING, lrmLostLock, SERVICE_SETTLING, serviceInError } from '../src/step-kit/ha-states';

const STARTED_TIMEOUT_MS = 180_000;
type Resource = ClusterConfig['ha']['resources'][number];

export function placementId(resource: Resource): string {
  return `pve-twonode-${resource.sid.replace(':', '-')}`;
}

function placementNodes(config: ClusterConfig, resource: Resource): string | null {
  if (!resource.preferred_node) return null;
  const other = config.nodes.map((n) => n.name).find((n) => n !== resource.preferred_node);
  return `${resource.preferred_node}:2,${other}:1`;
}

/** Commands for one guest; PVE 8 places with a group, PVE 9 with a node-affinity rule. */
export function haResourceCommands(config: ClusterConfig, r: Resource) {
  const node1 = config.nodes[0];
  const nodes = placementNodes(config, r);
  const id = placementId(r);
  const add = sh`ha-manager add ${r.sid} --state started --max_restart ${r.max_restart} --max_relocate ${r.max_relocate}`;
  return {
    add: on(node1, 'act', add),
    placement: nodes
      ? {
          pve8Group: on(node1, 'act', sh`ha-manager groupadd ${id} --nodes ${nodes}`),
          pve8Add: on(node1, 'act', `${add} ${sh`--group ${id}`}`),
          pve9Rule: on(node1, 'act', sh`ha-manager rules add node-affinity ${id} --resources ${r.sid} --nodes ${nodes}`),
        }
      : null,
  };
}

export function haCommands(config: ClusterConfig) {
  const node1 = config.nodes[0];
  return {
    version: on(node1, 'check', 'pveversion'),
    configured: on(node1, 'check', 'ha-manager config'),
    placements: on(node1, 'check', 'cat /etc/pve/ha/rules.cfg /etc/pve/ha/groups.cfg 2>/dev/null'),
    status: on(node1, 'verify', 'ha-manager status'),
  } satisfies CommandSet;
}

/** Everything the step may run, for `plan`. */
export function allHaCommands(config: ClusterConfig): CommandSet {
  const set: CommandSet = { ...haCommands(config) };
  for (const r of config.ha.resources) {
    const { add, placement } = haResourceCommands(config, r);
    set[`${r.sid} add`] = add;
    for (const [name, cmd] of Object.entries(placement ?? {})) set[`${r.sid} ${name}`] = cmd;
  }
  return set;
}

function configuredSids(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => /^((?:vm|ct):\d+)/.exec(l)?.[1])
      .filter((s): s is string => s !== undefined),
  );
}

/**
 * The HA stack itself, once the guests run: a live CRM master and a working LRM on both nodes (a dead one is the
 * next failover that does not happen: critical); a node left in maintenance takes no guest (degraded).
 */
function haStackProblems(config: ClusterConfig, status: HaManagerStatus): void {
  const master = status.master;
  if (!master || master.status.includes('dead'))
    throw postconditionFailed(
      `no live HA master (CRM): ${master ? `master ${master.node} is ${master.status}` : 'ha-manager status names none'}; check pve-ha-crm on both nodes`,
      { haStatus: status },
    );
  const broken: string[] = [];
  const settling: string[] = [];
  const maintenance: string[] = [];
  for (const node of config.nodes) {
    const lrm = status.lrms.find((l) => l.node === node.name);
    if (lrm?.status === 'maintenance mode') maintenance.push(node.name);
    else if (lrm?.status === 'lost_agent_lock') throw postconditionFailed(lrmLostLock(node.name), { haStatus: status });
    else if (lrm && LRM_SETTLING.has(lrm.status)) settling.push(`${node.name}: "${lrm.status}"`);
    else if (!lrm || !LRM_WORKING.has(lrm.status)) broken.push(`${node.name}: ${lrm ? `"${lrm.status}"` : 'no LRM status'}`);
  }
  if (broken.length > 0) throw postconditionFailed(`HA LRM not working: ${broken.join(', ')}; check pve-ha-lrm there`, { haStatus: status });
  if (settling.length > 0)
    throw degraded(`HA LRM settling: ${settling.join(', ')} (a node back from an outage takes its lock again by itself)`, { haStatus: status, settling: true });
  if (maintenance.length > 0)
    throw degraded(
      `${maintenance.join(' and ')} left in HA maintenance: HA moves no guest onto it, so a failure of the other node is an outage; end it: pve-twonode maintenance <cluster.yaml> ${maintenance[0]} off`,
      { haStatus: status },
    );
}

function describeServices(services: HaService[]): string {
  return services.map((s) => `${s.sid} ${s.state} on ${s.node}`).join(', ') || 'none';
}

export interface HaState {
  pveMajor: number;
  /** Per guest: not yet under HA, and/or not yet placed by our group or rule. */
  missing: { resource: Resource; add: boolean; place: boolean }[];
}

export interface HaFacts extends Record<string, unknown> {
  placement: Record<string, string>;
  pveMajor: number;
}

export const ha = defineStep({
  ...haPlan,
  acts: '`ha-manager add` + group (PVE 8) or node-affinity rule (PVE 9)',
  verifiedBy: '`ha-manager status`: started, a live master, both LRMs working, no node in maintenance',
  health: 'critical',
  commands: (config) => [allHaCommands(config)],
  async check(ctx, config) {
    const c = haCommands(config);
    const pveMajor = parsePveversion(await ctx.output(c.version)).major;
    const sids = configuredSids(await ctx.output(c.configured));
    const placements = (await ctx.run(c.placements)).stdout;
    const missing = config.ha.resources
      .map((resource) => ({
        resource,
        add: !sids.has(resource.sid),
        place: resource.preferred_node !== undefined && !new RegExp(`: ${placementId(resource)}$`, 'm').test(placements),
      }))
      .filter((m) => m.add || m.place);
    const state: HaState = { pveMajor, missing };
    return { done: missing.length === 0, state };
  },
  async act(ctx, config, { pveMajor, missing }) {
    for (const m of missing) {
      const { add, placement } = haResourceCommands(config, m.resource);
      // PVE 8: the group must exist before `add --group`; PVE 9: a rule names resources already under HA.
      if (pveMajor < 9 && placement && m.place) await ctx.output(placement.pve8Group);
      if (m.add) await ctx.output(pveMajor < 9 && placement ? placement.pve8Add : add);
      if (pveMajor >= 9 && placement && m.place) await ctx.output(placement.pve9Rule);
    }
    return { changes: [] };
  },
  async verify(ctx, config, { state }) {
    const c = haCommands(config);
    const wanted = config.ha.resources.map((r) => r.sid);
    const started = await ctx.waitFor(`${wanted.join(', ')} started`, STARTED_TIMEOUT_MS, async () => {
      const status = parseHaManagerStatus((await ctx.run(c.status)).stdout);
      const ours = status.services.filter((s) => wanted.includes(s.sid));
      // The HA stack gave up on a guest: no wait brings it back, a person has to.
      const failed = ours.find((s) => s.state === 'error');
      if (failed) throw postconditionFailed(serviceInError(failed), { haStatus: status });
      return ours.length === wanted.length && ours.every((s) => s.state === 'started') ? { status, ours } : undefined;
    });
    if (!started) {
      const now = parseHaManagerStatus((await ctx.run(c.status)).stdout);
      const ours = now.services.filter((s) => wanted.includes(s.sid));
      const absent = wanted.filter((sid) => !ours.some((s) => s.sid === sid));
      const notStarted = ours.filter((s) => s.state !== 'started');
      // On its way (starting, or moving between the nodes): the CRM is at work, no guest is down for good.
      if (absent.length === 0 && notStarted.every((s) => SERVICE_SETTLING.has(s.state))) {
        const failover = notStarted.some((s) => s.state === 'fence' || s.state === 'recovery');
        throw degraded(
          `HA guests on their way: ${describeServices(notStarted)} (${
            failover
              ? 'a failover is under way: HA waits until the lost node has surely reset (fence), then starts the guest on the other node (recovery)'
              : 'the HA manager is moving or starting them'
          })`,
          // A move or start in flight ends by itself (started, or HA's own error state): the guard waits before paging.
          // A failover is no such thing: its lost node pages anyway.
          { haStatus: now, settling: !failover },
        );
      }
      throw postconditionFailed(
        `HA guests not started: ${describeServices(ours.filter((s) => s.state !== 'started'))}${absent.length ? `; not managed: ${absent.join(', ')}` : ''}`,
        { haStatus: now },
      );
    }
    haStackProblems(config, started.status);
    const services = started.ours;
    const placement: Record<string, string> = Object.fromEntries(services.map((s: HaService) => [s.sid, s.node]));
    const facts: HaFacts = { placement, pveMajor: state.pveMajor };
    return { summary: `HA started: ${services.map((s) => `${s.sid} on ${s.node}`).join(', ')}`, facts };
  },
});
