/**
 * The rehearsal lab driven from TypeScript, for the tests and the benchmarks: lab/lab.sh as root, a fresh lab and its
 * cluster.yaml, the hosts' audit and timing logs, the power log.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import type { ClusterConfig } from '../../src/config/schema';
import { batchedCommands } from '../../src/ssh/batch';

export const LAB_DIR = '/var/lib/pve-twonode-lab';
const script = join(__dirname, '..', 'lab.sh');

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
