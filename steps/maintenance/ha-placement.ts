/** What the maintenance steps read of HA: one node's LRM state and where the configured HA guests run. */
import type { ClusterConfig } from '../../src/config/schema';
import { parseHaManagerStatus, type HaManagerStatus } from '../../src/parsers/ha-manager-status';
import { sh } from '../../src/ssh/quote';
import { on, type CommandSet } from '../../src/step-kit/commands';
import type { StepContext } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { serviceInError } from '../../src/step-kit/ha-states';

export interface HaPlacement {
  status: HaManagerStatus;
  /** The node's LRM state word (`active`, `idle`, `maintenance mode`, ...), or null when it has none. */
  lrm: string | null;
  /** Configured HA guests: sid -> "<state> on <node>". */
  guests: Record<string, string>;
  /** Every configured HA guest started, none of them on the node. */
  guestsOffNode: boolean;
  guestsStarted: boolean;
  /** Configured HA guests whose preferred_node is the node but that do not run started there (yet). */
  awayFromHome: string[];
}

export function haStatusCommand(config: ClusterConfig) {
  return on(config.nodes[0], 'check', 'ha-manager status');
}

/**
 * Which HA guests ran on the node when maintenance began, kept on the cluster's own file system: `maintenance off`
 * waits for those to come back, and only those (a guest that prefers the node but ran elsewhere before stays put).
 */
export const maintenanceRecord = (node: string) => `/etc/pve/pve-twonode/maintenance-${node}.json`;

export interface MaintenanceRecord {
  node: string;
  /** The HA guests (sids) that ran on the node before `maintenance on` moved them. */
  movedAway: string[];
}

/** The commands of node maintenance on and off: what `plan` shows and what the steps run. */
export function maintenanceCommands(config: ClusterConfig, node: string) {
  const record = maintenanceRecord(node);
  return {
    haStatus: haStatusCommand(config),
    enable: on(config.nodes[0], 'act', sh`ha-manager crm-command node-maintenance enable ${node}`),
    disable: on(config.nodes[0], 'act', sh`ha-manager crm-command node-maintenance disable ${node}`),
    readRecord: on(config.nodes[0], 'check', sh`cat ${record} 2>/dev/null || true`),
    writeRecord: on(config.nodes[0], 'act', sh`mkdir -p /etc/pve/pve-twonode && cat > ${record}`, { stdin: 'the HA guests on the node (JSON)' }),
    dropRecord: on(config.nodes[0], 'act', sh`rm -f ${record}`),
  } satisfies CommandSet;
}

export async function readMaintenanceRecord(ctx: StepContext, config: ClusterConfig, node: string): Promise<MaintenanceRecord | null> {
  const text = (await ctx.run(maintenanceCommands(config, node).readRecord)).stdout.trim();
  if (!text) return null;
  try {
    return JSON.parse(text) as MaintenanceRecord;
  } catch {
    return null; // a record nobody can read asks for nothing to come back
  }
}

export async function readHaPlacement(ctx: StepContext, config: ClusterConfig, node: string): Promise<HaPlacement> {
  const status = parseHaManagerStatus(await ctx.output(haStatusCommand(config)));
  const ours = status.services.filter((s) => config.ha.resources.some((r) => r.sid === s.sid));
  const guestsStarted = ours.length === config.ha.resources.length && ours.every((s) => s.state === 'started');
  return {
    status,
    lrm: status.lrms.find((l) => l.node === node)?.status ?? null,
    guests: Object.fromEntries(ours.map((s) => [s.sid, `${s.state} on ${s.node}`])),
    guestsStarted,
    guestsOffNode: guestsStarted && ours.every((s) => s.node !== node),
    awayFromHome: config.ha.resources
      .filter((r) => r.preferred_node === node && !ours.some((s) => s.sid === r.sid && s.node === node && s.state === 'started'))
      .map((r) => r.sid),
  };
}

/** A configured guest the HA stack gave up on (`error`): no wait brings it back, so a wait stops at once, saying how. */
export function failIfInError(p: HaPlacement, config: ClusterConfig): void {
  const failed = p.status.services.find((s) => s.state === 'error' && config.ha.resources.some((r) => r.sid === s.sid));
  if (failed) throw postconditionFailed(serviceInError(failed), { guests: p.guests });
}

export function describeGuests(p: HaPlacement): string {
  return (
    Object.entries(p.guests)
      .map(([sid, where]) => `${sid} ${where}`)
      .join(', ') || 'no HA guests'
  );
}
