/**
 * Reads a read-only pass may take as still true for a while (HostCommand.reuseForMs): a success is kept per cluster,
 * host and command for the life of its owner (the worker's resources); a failure never is, so a broken state is asked
 * again at the next pass.
 */
import { setBounded } from '../../src/bounded-map';
import type { CommandResult } from '../../src/ssh/session';

const KEPT = 1_024;

const keyOf = (cluster: string, host: string, command: string) => `${cluster}\n${host}\n${command}`;

export class ReusedReads {
  private readonly proven = new Map<string, { result: CommandResult; until: number }>();

  /** The kept success of this read, if it is younger than the read allows. */
  get(cluster: string, host: string, command: string): CommandResult | undefined {
    const key = keyOf(cluster, host, command);
    const kept = this.proven.get(key);
    if (kept && kept.until > Date.now()) return kept.result;
    this.proven.delete(key);
    return undefined;
  }

  keep(cluster: string, host: string, result: CommandResult, reuseForMs: number): void {
    if (result.code !== 0) return;
    setBounded(this.proven, keyOf(cluster, host, result.command), { result, until: Date.now() + reuseForMs }, KEPT);
  }

  /** Forgets every kept success: the next pass asks everything (`npm run bench` times such passes too). */
  clear(): void {
    this.proven.clear();
  }
}
