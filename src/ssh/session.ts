/**
 * One SSH connection to one host: for all commands of an activity attempt, or kept by the worker's pool
 * (src/ssh/pool.ts) across activities. Commands may run concurrently, each on its own channel.
 */
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Client, type ConnectConfig, type PublicKeyAuthMethod } from 'ssh2';
import type { HostConfig } from '../config/schema';
import { Batcher } from './batcher';
import { privateKeyFor } from './private-key';
import { AuthenticationError, ChannelOpenError, CommandAbortedError, CommandTimeoutError, ConnectionError, HostKeyMismatchError } from './errors';
import { DEFAULT_COMMAND_TIMEOUT_MS, type CommandResult, type RunOptions } from './command';

export { DEFAULT_COMMAND_TIMEOUT_MS, type CommandResult, type RunOptions } from './command';

/** OpenSSH's sshd allows 10 sessions per connection (MaxSessions); more concurrent commands wait their turn. */
const MAX_CHANNELS = 8;

/** A channel request is answered in milliseconds; a connection that leaves one unanswered this long is dead. */
const CHANNEL_OPEN_TIMEOUT_MS = 5_000;

export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function authOptions(host: HostConfig): Partial<ConnectConfig> {
  const { auth } = host.ssh;
  if ('agent' in auth) return { agent: process.env.SSH_AUTH_SOCK };
  // An already decrypted key goes through authHandler: ssh2's privateKey option takes only the file's bytes.
  const method: PublicKeyAuthMethod = { type: 'publickey', username: host.ssh.user, key: privateKeyFor(host, auth) };
  return { authHandler: [method] };
}

export class SshSession {
  /** Completed SSH handshakes in this process (the benchmark prints them per step). */
  static handshakes = 0;
  private open = true;
  private channels = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly batcher: Batcher;

  private constructor(
    readonly host: HostConfig,
    private readonly client: Client,
    private readonly socket: Socket,
  ) {
    SshSession.handshakes++;
    this.batcher = new Batcher(host.name, (command, options) => this.run(command, options));
    // ssh2 reports a closed connection at once, and a silent peer after its keepalives (every 5 s, 3 missed).
    const closed = () => (this.open = false);
    client.on('close', closed).on('end', closed).on('error', closed);
  }

  /** Whether the connection still stands: a dead one is never handed out again. */
  get alive(): boolean {
    return this.open && !this.socket.destroyed;
  }

  /**
   * Connects with the host key pinned in the config, or, for `init`, with a verifier that decides (asks a person,
   * compares with a fingerprint given on the command line) before any credential is sent.
   */
  static open(host: HostConfig, connectTimeoutMs = 10_000, verify?: (fingerprint: string) => Promise<boolean>): Promise<SshSession> {
    let auth: Partial<ConnectConfig>;
    try {
      auth = authOptions(host);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const client = new Client();
    // Our own socket, so close() can destroy it: ssh2's destroy() does nothing once the socket is half-closed.
    // No Nagle: a command is several small packets (channel open, exec, EOF), and Nagle held each behind the
    // delayed ACK of the one before, about 50 ms a round trip on the lab.
    const socket = connect({ port: host.ssh.port, host: host.ip, noDelay: true });
    let seenKey: string | null = null;
    let accepted = false;
    return new Promise((resolve, reject) => {
      client
        .once('ready', () => resolve(new SshSession(host, client, socket)))
        .once('error', (err: Error & { level?: string }) => {
          socket.destroy();
          if (seenKey !== null && !accepted) reject(new HostKeyMismatchError(host.name, host.ssh.host_key, seenKey));
          else if (err.level === 'client-authentication') reject(new AuthenticationError(host.name, host.ssh.user));
          else reject(new ConnectionError(host.name, `cannot connect to ${host.ip}:${host.ssh.port}: ${err.message}`));
        });
      client.connect({
        sock: socket,
        username: host.ssh.user,
        readyTimeout: connectTimeoutMs,
        keepaliveInterval: 5_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer, done: (ok: boolean) => void) => {
          const seen = (seenKey = fingerprintOf(key));
          (verify ? verify(seen) : Promise.resolve(seen === host.ssh.host_key)).then(
            (ok) => done((accepted = ok)),
            () => done(false),
          );
        },
        ...auth,
      });
    });
  }

  /**
   * The fingerprint a host presents, read in the key exchange and refused there: no credential is sent or even read
   * (`approve ... --host-key` compares a person's fingerprint with it). Null when the host does not answer.
   */
  static presentedKey(ip: string, port: number, connectTimeoutMs = 10_000): Promise<string | null> {
    const client = new Client();
    const socket = connect({ port, host: ip, noDelay: true });
    let seen: string | null = null;
    return new Promise((resolve) => {
      client.once('error', () => {
        socket.destroy();
        resolve(seen);
      });
      client.connect({
        sock: socket,
        username: 'root',
        readyTimeout: connectTimeoutMs,
        hostVerifier: (key: Buffer) => {
          seen = fingerprintOf(key);
          return false;
        },
      });
    });
  }

  /** Runs one command; resolves with its output and exit code whatever the code (callers judge state, not codes). */
  async run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    if (options.batch && options.stdin === undefined && !options.holdStdin && !options.onStdout) return this.batcher.add(command, options);
    if (this.channels >= MAX_CHANNELS) await new Promise<void>((turn) => this.waiting.push(turn));
    this.channels++;
    try {
      return await this.exec(command, options);
    } finally {
      this.channels--;
      this.waiting.shift()?.();
    }
  }

  private exec(command: string, options: RunOptions): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (options.signal?.aborted) return Promise.reject(new CommandAbortedError(this.host.name, command));
    if (!this.alive) return Promise.reject(new ChannelOpenError(this.host.name, `connection closed before "${command}" was sent`));
    return new Promise((resolve, reject) => {
      // A peer that went away silently (power cut, cable) never answers the channel request: the connection is
      // given up after CHANNEL_OPEN_TIMEOUT_MS instead of ssh2's keepalive verdict 15 s later.
      let opened = false;
      const openTimer = setTimeout(() => {
        if (opened) return;
        opened = true;
        this.giveUp();
        reject(new ChannelOpenError(this.host.name, `no answer to the channel request for "${command}" within ${CHANNEL_OPEN_TIMEOUT_MS} ms`));
      }, CHANNEL_OPEN_TIMEOUT_MS);
      this.client.exec(command, (err, channel) => {
        clearTimeout(openTimer);
        if (opened) return void channel?.close(); // given up on already
        opened = true;
        if (err) return reject(new ChannelOpenError(this.host.name, `exec failed: ${err.message}`));
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let settled = false;
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const timer = setTimeout(() => finish(() => (channel.close(), reject(new CommandTimeoutError(this.host.name, command, timeoutMs)))), timeoutMs);
        const onAbort = () => finish(() => (channel.close(), reject(new CommandAbortedError(this.host.name, command))));
        options.signal?.addEventListener('abort', onAbort, { once: true });
        channel.on('data', (d: Buffer) => {
          stdout.push(d);
          options.onStdout?.(d);
        });
        channel.stderr.on('data', (d: Buffer) => stderr.push(d));
        let exit: { code: number | null; signal: string | null } | null = null;
        channel.on('exit', (code: number | null, signal?: string) => (exit = { code, signal: signal ?? null }));
        channel.once('close', () =>
          finish(() =>
            exit
              ? resolve({ command, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), ...exit })
              : reject(new ConnectionError(this.host.name, `connection closed before "${command}" finished`)),
          ),
        );
        if (options.stdin !== undefined) channel.end(options.stdin);
        else if (!options.holdStdin) channel.end();
      });
    });
  }

  /** Ends the connection; a host that died (power cut) never answers the FIN, so the socket is destroyed after 1 s. */
  /** The connection is dead: never used again, its socket destroyed now (no FIN would be answered). */
  private giveUp(): void {
    this.open = false;
    this.socket.destroy();
  }

  close(): void {
    this.open = false;
    this.client.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }
}
