/** Step 8, ha: each guest under HA, placed by an HA group (PVE 8) or a node-affinity rule (PVE 9 replaced groups, docs/proxmox-contract.md). */
import type { ClusterConfig } from '../src/config/schema';
import { parseHaManagerStatus, type HaService } from '../src/parsers/ha-manager-status';
import { parsePveversion } from '../src/parsers/pveversion';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet } from '../src/step-kit/commands';
import { defineStep } from '../src/step-kit/descriptor';
import { postconditionFailed } from '../src/step-kit/failures';

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
export function haPlan(config: ClusterConfig): CommandSet {
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
  name: 'ha',
  activity: 'ha',
  kind: 'cluster',
  acts: '`ha-manager add` + group (PVE 8) or node-affinity rule (PVE 9)',
  verifiedBy: '`ha-manager status`: started',
  gatedByDefault: true,
  health: 'critical',
  hosts: (config) => [config.nodes[0].name],
  summary: (config) => `ha-manager add on ${config.nodes[0].name}`,
  commands: (config) => [haPlan(config)],
  notConfigured: (config) => (config.ha.resources.length === 0 ? 'no ha.resources in the config' : null),
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
    const services = await ctx.waitFor(
      `${wanted.join(', ')} started`,
      STARTED_TIMEOUT_MS,
      async () => {
        const status = parseHaManagerStatus((await ctx.run(c.status)).stdout);
        const ours = status.services.filter((s) => wanted.includes(s.sid));
        return ours.length === wanted.length && ours.every((s) => s.state === 'started') ? ours : undefined;
      },
      2_000,
    );
    if (!services) {
      const now = parseHaManagerStatus((await ctx.run(c.status)).stdout);
      throw postconditionFailed(`HA services not started: ${JSON.stringify(now.services)}`, { haStatus: now });
    }
    const placement: Record<string, string> = Object.fromEntries(services.map((s: HaService) => [s.sid, s.node]));
    const facts: HaFacts = { placement, pveMajor: state.pveMajor };
    return { summary: `HA started: ${services.map((s) => `${s.sid} on ${s.node}`).join(', ')}`, facts };
  },
});
