/** The dev server and the worker as real, separate processes, so tests can kill and restart them. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { devServerArgs, temporalCliPath } from '../../cli/server';

const root = join(__dirname, '..', '..');

export interface Proc {
  child: ChildProcess;
  output: () => string;
}

function start(command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

/**
 * With PVE_TWONODE_RECORD_HISTORIES=<dir> (npm run record-history), every dev server of a test file keeps its
 * database there, named by the file, so the histories of real runs on the lab can be harvested afterwards.
 */
function recordedDb(dbFile: string): string {
  const dir = process.env.PVE_TWONODE_RECORD_HISTORIES;
  if (!dir) return dbFile;
  mkdirSync(dir, { recursive: true });
  return join(dir, `${basename(process.argv[1] ?? 'test', '.test.ts')}-${basename(dbFile)}`);
}

export async function startDevServer(port: number, dbFile: string): Promise<Proc> {
  const server = start(temporalCliPath(), devServerArgs({ port, dbFile: recordedDb(dbFile) }), {});
  const address = `127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (spawnSync(temporalCliPath(), ['operator', 'cluster', 'health', '--address', address], { encoding: 'utf8' }).stdout.includes('SERVING')) return server;
    await delay(200);
  }
  throw new Error(`dev server did not become healthy: ${server.output()}`);
}

export function startWorker(port: number, taskQueue?: string): Proc {
  return start(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'worker', ...(taskQueue ? ['--task-queue', taskQueue] : [])], {
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
  });
}

export function cli(port: number, ...args: string[]): Proc {
  return cliWithEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` }, ...args);
}

export function cliWithEnv(env: Record<string, string>, ...args: string[]): Proc {
  return start(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], env);
}

export function exited(proc: Proc): Promise<number | null> {
  return proc.child.exitCode !== null ? Promise.resolve(proc.child.exitCode) : new Promise((resolve) => proc.child.once('exit', (code) => resolve(code)));
}

export async function stop(proc: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  await exited(proc);
}
