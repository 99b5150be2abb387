/**
 * SSH connections kept per worker and host across activities, so a step or a health check does not pay a handshake
 * per host each time. A connection is handed out only while it stands (ssh2 reports a close at once and a silent peer
 * after its keepalives); an unused one is closed after the idle time. A failed connect (host key mismatch,
 * authentication, no answer) is never kept, and drops the host's other connections too. Secrets stay in this process:
 * the pool holds open connections, never credentials.
 */
import type { HostConfig } from '../config/schema';
import { SshSession } from './session';

/** Longer than the guard's minute between checks, so a guarded cluster keeps its connections warm. */
export const DEFAULT_IDLE_MS = 120_000;

interface Entry {
  session: Promise<SshSession>;
  users: number;
  idle?: NodeJS.Timeout;
}

export type Opener = (host: HostConfig) => Promise<SshSession>;

/** The same host reached the same way: address, user, pinned key and credential source. */
function keyOf(host: HostConfig): string {
  const auth = 'agent' in host.ssh.auth ? 'agent' : host.ssh.auth.key_file;
  return `${host.ssh.user}@${host.ip}:${host.ssh.port} ${host.ssh.host_key} ${auth}`;
}

export class SshPool {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly idleMs = DEFAULT_IDLE_MS,
    private readonly open: Opener = (host) => SshSession.open(host),
  ) {}

  /** A standing connection to the host, or a new one; give it back with release(). */
  acquire(host: HostConfig): Promise<SshSession> {
    const key = keyOf(host);
    const entry = this.entries.get(key);
    if (entry) {
      const reusable = entry.session.then((s) => (s.alive ? s : null)).catch(() => null);
      return reusable.then((s) => {
        if (s && this.entries.get(key) === entry) {
          entry.users++;
          clearTimeout(entry.idle);
          return s;
        }
        this.forget(key, entry);
        return this.connect(host, key);
      });
    }
    return this.connect(host, key);
  }

  private connect(host: HostConfig, key: string): Promise<SshSession> {
    const entry: Entry = { session: this.open(host), users: 1 };
    this.entries.set(key, entry);
    entry.session.catch(() => {
      // Never keep a failed connect; a refused key or login also ends the host's other connections.
      this.forget(key, entry);
      this.drop(host);
    });
    return entry.session;
  }

  /** Gives a connection back: it stays open for the next activity until the idle time passes unused. */
  release(host: HostConfig, session: SshSession): void {
    const key = keyOf(host);
    const entry = this.entries.get(key);
    if (!entry) return session.close();
    void entry.session.then((pooled) => {
      if (pooled !== session) return session.close();
      entry.users = Math.max(0, entry.users - 1);
      if (entry.users > 0) return;
      clearTimeout(entry.idle);
      entry.idle = setTimeout(() => this.forget(key, entry), this.idleMs);
      entry.idle.unref();
    });
  }

  /** Closes every connection to the host now (it was powered off, or refused us): none is handed out again. */
  drop(host: Pick<HostConfig, 'ip'>): void {
    for (const [key, entry] of this.entries) if (key.includes(`@${host.ip}:`)) this.forget(key, entry);
  }

  /** Open connections (the benchmark prints them; a flat count over many passes shows nothing leaks). */
  get size(): number {
    return this.entries.size;
  }

  close(): void {
    for (const [key, entry] of this.entries) this.forget(key, entry);
  }

  private forget(key: string, entry: Entry): void {
    clearTimeout(entry.idle);
    if (this.entries.get(key) === entry) this.entries.delete(key);
    void entry.session.then(
      (s) => s.close(),
      () => undefined,
    );
  }
}
