/** `lab ...`: the rehearsal lab (lab/lab.sh) from the CLI; root only, since it makes namespaces and mounts. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/paths';

export function labScript(): string {
  return join(projectRoot(), 'lab', 'lab.sh');
}

export function runLab(args: string[]): number {
  if (process.getuid?.() !== 0) throw new Error('the rehearsal lab needs root (network namespaces, mounts): run it with sudo');
  return spawnSync('bash', [labScript(), ...args], { stdio: 'inherit' }).status ?? 1;
}
