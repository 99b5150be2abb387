/** One SSH connection to one host, reused for all commands of an activity attempt. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Client, type ConnectConfig } from 'ssh2';
import { resolveSecret } from '../secrets';
import type { HostConfig } from '../config/schema';
import { AuthenticationError, CommandAbortedError, CommandTimeoutError, ConnectionError, HostKeyMismatchError } from './errors';

export interface CommandResult {
  command: string;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

export interface RunOptions {
  /** Written to the command's stdin, then closed; the only way a secret reaches a host. */
  stdin?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function authOptions(host: HostConfig): Partial<ConnectConfig> {
  const { auth } = host.ssh;
  if ('agent' in auth) return { agent: process.env.SSH_AUTH_SOCK };
  return {
    privateKey: readFileSync(auth.key_file),
    passphrase: auth.passphrase ? resolveSecret(auth.passphrase) : undefined,
  };
}

export class SshSession {
  private constructor(
    readonly host: HostConfig,
    private readonly client: Client,
    private readonly socket: Socket,
  ) {}

  /**
   * Connects with the host key pinned in the config, or, for `init`, with a verifier that decides (asks a person,
   * compares with a fingerprint given on the command line) before any credential is sent.
   */
  static open(host: HostConfig, connectTimeoutMs = 10_000, verify?: (fingerprint: string) => Promise<boolean>): Promise<SshSession> {
    const client = new Client();
    // Our own socket, so close() can destroy it: ssh2's destroy() does nothing once the socket is half-closed.
    const socket = connect(host.ssh.port, host.ip);
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
        ...authOptions(host),
      });
    });
  }

  /** Runs one command; resolves with its output and exit code whatever the code (callers judge state, not codes). */
  run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (options.signal?.aborted) return Promise.reject(new CommandAbortedError(this.host.name, command));
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) return reject(new ConnectionError(this.host.name, `exec failed: ${err.message}`));
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
        channel.on('data', (d: Buffer) => stdout.push(d));
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
        else channel.end();
      });
    });
  }

  /** Ends the connection; a host that died (power cut) never answers the FIN, so the socket is destroyed after 1 s. */
  close(): void {
    this.client.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }
}
