/**
 * quorum-override's plan, pure (the workflow, the CLI and the steps share it): the peer of the survivor, the gate, and
 * the inputs it refuses before anything touches a host.
 */
import type { ClusterConfig, HostConfig } from '../config/schema';
import { durationMs } from '../duration';

/** How long the peer must stay silent by default (`quorum-override --dead-for`). */
export const OVERRIDE_DEAD_FOR = '1m';
/** How often a standing override looks whether the peer or the QDevice is back (a short read-only activity). */
export const OVERRIDE_WATCH_EVERY = '2m';

export function peerOf(config: ClusterConfig, survivor: string): HostConfig {
  const peer = config.nodes.find((n) => n.name !== survivor);
  if (!peer || !config.nodes.some((n) => n.name === survivor)) throw new Error(`${survivor} is not a node of ${config.cluster.name}`);
  return peer;
}

/** Why quorum-override cannot start with these inputs (one line naming the field and the fix), or null. */
export function quorumOverrideRefusal(config: ClusterConfig, survivor: string, deadFor: string, watchEvery = OVERRIDE_WATCH_EVERY): string | null {
  const names = config.nodes.map((n) => n.name);
  if (!names.includes(survivor)) return `survivor "${survivor}" is not a node of ${config.cluster.name}; one of: ${names.join(', ')}`;
  if (!/^\d+(s|m)$/.test(deadFor) || durationMs(deadFor) < 10_000 || durationMs(deadFor) > 10 * 60_000)
    return `--dead-for must be a duration from 10s to 10m (how long the other node must stay silent), not "${deadFor}"`;
  if (!/^\d+(s|m|h)$/.test(watchEvery) || durationMs(watchEvery) < 5_000)
    return `--watch-every must be a duration of 5s or more (like 2m), not "${watchEvery}"`;
  return null;
}
