/**
 * Reads a read-only pass may take as still true for a while (HostCommand.reuseForMs): a success is kept per cluster,
 * host and command in this worker; a failure never is, so a broken state is asked again at the next pass.
 */
import { setBounded } from '../../src/bounded-map';
import type { CommandResult } from '../../src/ssh/session';

const KEPT = 1_024;
const proven = new Map<string, { result: CommandResult; until: number }>();

const keyOf = (cluster: string, host: string, command: string) => `${cluster}\n${host}\n${command}`;

/** The kept success of this read, if it is younger than the read allows. */
export function reusedRead(cluster: string, host: string, command: string): CommandResult | undefined {
  const key = keyOf(cluster, host, command);
  const kept = proven.get(key);
  if (kept && kept.until > Date.now()) return kept.result;
  proven.delete(key);
  return undefined;
}

export function keepRead(cluster: string, host: string, result: CommandResult, reuseForMs: number): void {
  if (result.code !== 0) return;
  setBounded(proven, keyOf(cluster, host, result.command), { result, until: Date.now() + reuseForMs }, KEPT);
}

/** Forgets every kept success: the next pass asks everything (`npm run bench` times such passes too). */
export function forgetReusedReads(): void {
  proven.clear();
}
