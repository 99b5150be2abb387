/** The rehearsal lab from tests: lab/lab.sh as root, its hosts' audit logs, faults. */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after } from 'node:test';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import type { ClusterConfig } from '../../src/config/schema';
import assert from 'node:assert/strict';
import { parsePvecmStatus } from '../../src/parsers/pvecm-status';
import { batchedCommands } from '../../src/ssh/batch';
import type { Transcript } from './real-pvecm';
import { stop, type Proc } from './processes';

export const LAB_DIR = '/var/lib/pve-twonode-lab';
const script = join(__dirname, '..', '..', 'lab', 'lab.sh');

/** Why the lab tests cannot run here, or false when they can. */
export function labUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'the rehearsal lab needs root';
  if (!existsSync('/usr/sbin/corosync') || !existsSync('/usr/bin/corosync-qnetd')) return 'corosync packages missing: run scripts/install-system-packages.sh';
  // The lab's PVE nodes run the real Proxmox VE code, built from the sources PVE_TWONODE_PVE_SRC names.
  const sources = spawnSync('bash', [join(__dirname, '..', '..', 'scripts', 'build-pve.sh'), '--check'], { encoding: 'utf8' });
  if (sources.status !== 0) return `no Proxmox VE sources (${sources.stdout.trim()}): scripts/fetch-pve-sources.sh clones them (docs/lab.md)`;
  return false;
}

export function lab(...args: string[]): string {
  return execFileSync('bash', [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * lab.sh without blocking this process: a fault that takes half a minute to inject (expected-low) must not stall a
 * webhook receiver running here (a stalled receiver makes the guard retry its alert, and it arrives twice).
 */
export async function labAsync(...args: string[]): Promise<string> {
  return (await promisify(execFile)('bash', [script, ...args], { encoding: 'utf8' })).stdout;
}

/**
 * A lab suite's scratch directory and the processes it starts (dev servers, workers, CLIs); call it inside describe():
 * after the suite every process is SIGKILLed, the lab taken down and the directory removed.
 */
export function labSuiteResources(prefix: string): { dir: string; procs: (Proc | undefined)[] } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const procs: (Proc | undefined)[] = [];
  after(async () => {
    for (const p of procs) await stop(p, 'SIGKILL');
    lab('down');
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, procs };
}

/** A fresh lab and its cluster.yaml. */
export function freshLab(env: Record<string, string> = {}): { config: ClusterConfig; path: string } {
  spawnSync('bash', [script, 'down'], { stdio: 'ignore' });
  execFileSync('bash', [script, 'up'], { stdio: 'ignore', env: { ...process.env, ...env } });
  const path = join(LAB_DIR, 'cluster.yaml');
  return { config: loadConfig(path), path };
}

/**
 * Commands received over SSH by a host so far (the lab's sshd ForceCommand logs each one, "<start> <command>", a
 * command's later lines as they are). A batch of reads (src/ssh/batch.ts) counts as the commands it carried.
 */
export function audit(host: string): string[] {
  const file = join(LAB_DIR, 'hosts', host, 'var-log', 'lab-audit.log');
  if (!existsSync(file)) return [];
  const received: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\d+\.\d+ /.test(line)) received.push(line.slice(line.indexOf(' ') + 1));
    else if (received.length > 0) received[received.length - 1] += `\n${line}`;
  }
  return received.map((c) => c.replace(/\n$/, '')).flatMap((c) => batchedCommands(c) ?? [c]);
}

/**
 * Resolves as soon as a host's audit log shows a command matching `pattern` (polled every 20 ms), so a fault lands while
 * the step that sent it is still running; `signal` gives up.
 */
export async function whenAudited(host: string, pattern: RegExp, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    if (audit(host).some((c) => pattern.test(c))) return true;
    await delay(20);
  }
  return false;
}

export interface HostCommandTime {
  host: string;
  startMs: number;
  endMs: number;
  exitCode: number;
  command: string;
}

/** Commands the hosts finished, as they logged them (lab-audit: start end exit command); a command cut off mid-way has no line. */
export function hostCommandTimes(hosts: string[]): HostCommandTime[] {
  return hosts.flatMap((host) => {
    const file = join(LAB_DIR, 'hosts', host, 'var-log', 'lab-timing.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [start, end, code, ...command] = line.split(' ');
        return { host, startMs: Number(start) * 1000, endMs: Number(end) * 1000, exitCode: Number(code), command: command.join(' ') };
      });
  });
}

/** The power commands the lab received from the command line (the failover test's), as "off pve1", in order. */
export function powerLog(): string[] {
  const file = join(LAB_DIR, 'power.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(l.indexOf(' ') + 1));
}

/** Runs a command inside a lab host (its own namespaces), not over SSH. */
export function inHost(host: string, command: string): string {
  return lab('x', host, 'bash', '-c', command);
}

/** Runs a command on a lab host as the owner does: over SSH with the owner's key, no TTY, stdin as given. */
export function runOverSsh(ip: string, command: string, stdin = ''): Transcript {
  const keys = join(LAB_DIR, 'keys');
  const r = spawnSync(
    'ssh',
    [
      '-i',
      join(keys, 'id_ed25519'),
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${join(keys, 'known_hosts')}`,
      '-o',
      'StrictHostKeyChecking=yes',
      `root@${ip}`,
      command,
    ],
    { input: stdin, encoding: 'utf8', timeout: 120_000 },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** corosync's own view from inside the node: 3 of 3 votes with the QDevice. */
export function assertThreeVotes(host: string): void {
  const status = parsePvecmStatus(inHost(host, 'corosync-quorumtool -s'));
  assert.deepEqual([status.expectedVotes, status.totalVotes, status.flags], [3, 3, ['Quorate', 'Qdevice']], `${host}: ${JSON.stringify(status)}`);
}
