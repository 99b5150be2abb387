/** `server`: the local Temporal dev server (Web UI, SQLite file) with the search attributes the workflow upserts. */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';
import { cacheDir } from '../src/paths';
import { temporalCli } from '../src/temporal/servers';

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  dbFile?: string;
}

export function devServerArgs({ port = 7233, uiPort = port + 1000, dbFile }: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--db-filename',
    dbFile ?? join(cacheDir(), 'state', 'temporal.db'),
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=Keyword`]),
  ];
}

export function temporalCliPath(): string {
  const cli = temporalCli();
  if (cli.type !== 'existing-path') throw new Error('the Temporal CLI is not installed: run "npm run setup" (scripts/install-temporal.sh)');
  return cli.path;
}

export function runDevServer(options: DevServerOptions): Promise<number> {
  const args = devServerArgs(options);
  mkdirSync(join(args[args.indexOf('--db-filename') + 1], '..'), { recursive: true });
  const child = spawn(temporalCliPath(), args, { stdio: 'inherit' });
  // Stopping `pve-twonode server` stops the dev server too, not leaving it orphaned on its port.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => child.kill(signal));
  console.log(`Temporal dev server: localhost:${options.port ?? 7233}, Web UI http://localhost:${options.uiPort ?? (options.port ?? 7233) + 1000}`);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
