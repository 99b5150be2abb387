/** Where the project and its download cache are on disk, from a checkout (tsx) or from dist/. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file with a package.json. */
export function projectRoot(): string {
  let dir = resolve(__dirname);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the pve-twonode project root');
    dir = parent;
  }
  return dir;
}

/** Downloads and local state (Temporal servers, dev server database); git-ignored. */
export function cacheDir(): string {
  return process.env.PVE_TWONODE_CACHE ?? join(projectRoot(), '.cache');
}
