/**
 * What the words of the real HA state machine (pve-ha-manager 5.2.0: HA/LRM.pm, HA/Manager.pm, API2/HA/Status.pm)
 * mean for a 2-node cluster, and what the owner does about each. Seen on the real stack in the lab and in captures of a
 * real failover (docs/proxmox-contract.md, "HA states").
 */
import type { ClusterConfig } from '../config/schema';
import type { HaManagerStatus, HaService } from '../parsers/ha-manager-status';

// LRM states that manage guests: `idle` is a node with no HA guest on it; a bare `maintenance` (not `maintenance mode`)
// is a node whose maintenance was ended while HA guests were assigned back to it: the LRM keeps that state word as long
// as it has active services, holding its lock and watchdog and managing them (HA/LRM.pm, the 'maintenance' branches).
export const LRM_WORKING = new Set(['active', 'idle', 'maintenance']);
// Where the state machine passes on its way to working again: an LRM that came back waits for its agent lock while a
// guest is assigned to it.
export const LRM_SETTLING = new Set(['wait_for_agent_lock']);
// A guest on its way to started: starting, moving (a node back from a failover gets its guest back when a rule prefers
// it), or a failover in progress (`fence`: waiting until the dead node's lock has expired, so it has surely reset;
// `recovery`: being placed on a surviving node).
export const SERVICE_SETTLING = new Set(['starting', 'migrate', 'relocate', 'request_start', 'fence', 'recovery']);

/** The words for a guest the HA stack gave up on, with the way back the Proxmox docs give ("Error Recovery"). */
export function serviceInError(service: HaService): string {
  return (
    `${service.sid} is in the HA error state on ${service.node}: its restarts and relocations failed and HA will not touch it ` +
    `again by itself ("needs manual intervention"); fix why it cannot start (journalctl -u pve-ha-lrm on ${service.node}), ` +
    `then: ha-manager set ${service.sid} --state disabled && ha-manager set ${service.sid} --state started`
  );
}

/** The words for an LRM that lost its lock: its node lost quorum and, holding HA guests, resets by its watchdog. */
export function lrmLostLock(node: string): string {
  return (
    `${node}'s LRM lost its agent lock (lost_agent_lock): ${node} lost quorum, and with HA guests on it its watchdog ` +
    `resets it within about 60 s unless quorum comes back; see the votes: pvecm status on ${node}`
  );
}

/**
 * The HA stack at rest: both nodes' LRMs working and every guest of the config started where it will stay, on its
 * preferred node when it has one. A node just back from an outage shows `idle` before the CRM has decided to move its
 * guest back (its rule prefers it): started on the other node is not at rest yet then.
 */
export function haSettled(config: ClusterConfig, status: HaManagerStatus): boolean {
  if (!config.nodes.every((n) => LRM_WORKING.has(status.lrms.find((l) => l.node === n.name)?.status ?? ''))) return false;
  return config.ha.resources.every((r) => {
    const service = status.services.find((s) => s.sid === r.sid);
    return service?.state === 'started' && (r.preferred_node === undefined || service.node === r.preferred_node);
  });
}

/** One phase of a real failover as the survivor's `ha-manager status` shows it, in the order they come. */
export type FailoverPhase = 'silent' | 'takeover' | 'fence' | 'recovery' | 'starting' | 'started';

export const FAILOVER_PHASE_WORDS: Record<FailoverPhase, string> = {
  silent: 'node silent (old timestamp - dead?)',
  takeover: 'survivor is HA master',
  fence: 'fence',
  recovery: 'recovery',
  starting: 'starting on the survivor',
  started: 'started on the survivor',
};

/**
 * Where a failover stands, from the survivor's view: the dead node's master or LRM goes silent (`old timestamp -
 * dead?`, ~30 s), the survivor takes the manager lock once its lease ends (~2 min), the guest is fenced until the dead
 * node's agent lock has expired, then recovered and started on the survivor. Null before the loss is seen.
 */
export function failoverPhase(status: HaManagerStatus, victim: string, survivor: string, sid: string): FailoverPhase | null {
  const service = status.services.find((s) => s.sid === sid);
  if (service?.node === survivor && service.state === 'started') return 'started';
  if (service?.node === survivor && service.state === 'starting') return 'starting';
  if (service?.state === 'recovery') return 'recovery';
  if (service?.state === 'fence') return 'fence';
  const silent = (s: string | undefined) => s?.includes('dead') ?? false;
  const victimSilent = silent(status.lrms.find((l) => l.node === victim)?.status) || (status.master?.node === victim && silent(status.master.status));
  if (!victimSilent) return null;
  return status.master?.node === survivor && !silent(status.master.status) ? 'takeover' : 'silent';
}
