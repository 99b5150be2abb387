/** A real OpenSSH sshd on 127.0.0.1 with throwaway host and client keys, for tests of the SSH module. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { HostConfig } from '../../src/config/schema';
import { SshSession } from '../../src/ssh/session';

export interface TestSshd {
  host: HostConfig;
  dir: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

function keygen(path: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

export function fingerprintOfKeyFile(pub: string): string {
  return execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1];
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-sshd-'));
  keygen(join(dir, 'host_key'), 'test-host');
  keygen(join(dir, 'client_key'), 'test-client');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const port = await freePort();
  const user = userInfo().username;
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      `PidFile ${dir}/sshd.pid`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'UseDNS no',
      '',
    ].join('\n'),
  );
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 100 && !(await listening(port)); i++) await delay(50);
  if (!(await listening(port))) throw new Error(`sshd did not start: ${log}`);
  return {
    dir,
    host: {
      name: 'loopback',
      ip: '127.0.0.1',
      // The SSH layer takes any user (this sshd runs as whoever runs the tests); cluster.yaml allows only root.
      ssh: { port, user: user as 'root', host_key: fingerprintOfKeyFile(join(dir, 'host_key.pub')), auth: { key_file: join(dir, 'client_key') } },
    },
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ready = <T>(value: T | undefined): T => value ?? assert.fail('the suite’s sshd is not started yet');

/** For a suite: a real sshd and one session open to it, from its `before` to its `after`. */
export function sshdWithSession(): { sshd: () => TestSshd; session: () => SshSession } {
  let sshd: TestSshd | undefined;
  let session: SshSession | undefined;
  before(async () => {
    sshd = await startSshd();
    session = await SshSession.open(sshd.host);
  });
  after(() => {
    session?.close();
    sshd?.stop();
  });
  return { sshd: () => ready(sshd), session: () => ready(session) };
}

/** For a suite: a real sshd and a scratch directory for the files its commands use, from `before` to `after`. */
export function sshdWithDir(prefix: string): { sshd: () => TestSshd; dir: () => string } {
  let sshd: TestSshd | undefined;
  let dir: string | undefined;
  before(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => {
    sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return { sshd: () => ready(sshd), dir: () => ready(dir) };
}
