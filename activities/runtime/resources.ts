/**
 * What a worker's activities share across attempts: the SSH connection pool and the read caches. The worker makes one
 * and passes it into createActivities (the dependency injection of Temporal's samples), so nothing here is a module
 * singleton: a CLI command, a test or a benchmark makes its own, with or without a pool, and two never share.
 */
import type { SshPool } from '../../src/ssh/pool';
import { setBounded } from '../../src/bounded-map';
import { ReusedReads } from './reused-reads';

export interface SharedRead {
  host: string;
  command: string;
  timeoutMs?: number;
}

/** A guard watching many clusters keeps one entry each (per cluster and step set). */
const REMEMBERED_PASSES = 256;

export class WorkerResources {
  /** Reads a pass may take as still true for a while (HostCommand.reuseForMs). */
  readonly reads = new ReusedReads();
  private readonly passReads = new Map<string, SharedRead[]>();

  /** @param pool the worker's connections, kept across activities; null: every attempt connects afresh. */
  constructor(readonly pool: SshPool | null = null) {}

  /** The reads the last pass of this cluster and step set asked, for the next one to ask at its start. */
  lastPassReads(key: string): SharedRead[] {
    return this.passReads.get(key) ?? [];
  }

  rememberPassReads(key: string, reads: SharedRead[]): void {
    setBounded(this.passReads, key, reads, REMEMBERED_PASSES);
  }
}
