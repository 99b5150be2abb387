/** Where scripts/install-temporal.sh put Temporal's servers; env vars override, the SDK's download is the last resort. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../paths';

export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

function locate(envVar: string, installed: string): ServerExecutable {
  const path = process.env[envVar] ?? installed;
  return existsSync(path) ? { type: 'existing-path', path } : { type: 'cached-download' };
}

export function temporalCli(): ServerExecutable {
  return locate('TEMPORAL_CLI_PATH', join(cacheDir(), 'bin', 'temporal'));
}

export function timeSkippingServer(): ServerExecutable {
  return locate('TEMPORAL_TEST_SERVER_PATH', join(cacheDir(), 'temporal-test-server', 'run.sh'));
}
