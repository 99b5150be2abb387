/** The rehearsal lab from tests: the driver (lab/driver/lab.ts) and what only tests need (suite cleanup, assertions). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { parsePvecmStatus } from '../../src/parsers/pvecm-status';
import { audit, freshLab, inHost, lab, labAsync, LAB_DIR } from '../../lab/driver/lab';
import { buildLabCluster } from '../../lab/driver/guard';
import { startDevServer, startWorker, stop, type Proc } from '../../lab/driver/processes';
import type { ClusterConfig } from '../../src/config/schema';
import type { Transcript } from './real-pvecm';

export * from '../../lab/driver/lab';

/** Audit lines of a host received since `from` (an index into its log) that match. */
export function auditSince(host: string, from: number, pattern: RegExp): string[] {
  return audit(host)
    .slice(from)
    .filter((l) => pattern.test(l));
}

export interface BuiltLab {
  config: ClusterConfig;
  /** The lab's cluster.yaml. */
  path: string;
  /** The dev server, then the worker (a test may replace it), and anything else to stop after the suite. */
  procs: Proc[];
}

/**
 * A suite on a cluster the guide's steps built (call inside describe): a dev server on `port` keeping its database in
 * the lab's directory, and a worker; after the suite every process is SIGKILLed and the lab taken down.
 */
export function builtLabWithWorker(port: number, dbFile: string): BuiltLab {
  const suite: BuiltLab = { config: undefined as unknown as ClusterConfig, path: '', procs: [] };
  before(async () => {
    ({ config: suite.config, path: suite.path } = freshLab());
    await buildLabCluster(suite.config);
    suite.procs.push(await startDevServer(port, join(LAB_DIR, dbFile)));
    suite.procs.push(startWorker(port));
  });
  after(async () => {
    for (const p of suite.procs) await stop(p, 'SIGKILL');
    await labAsync('down');
  });
  return suite;
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
