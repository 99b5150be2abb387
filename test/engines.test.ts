/** Every installed package runs on the oldest Node the project supports (package.json engines): npm ci stays free of EBADENGINE. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import semver from 'semver';

const root = join(__dirname, '..');
const read = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, unknown>;

it('every package in package-lock.json accepts the oldest supported Node and the running one', () => {
  const supported = (read('package.json').engines as { node: string }).node;
  const oldest = semver.minVersion(supported)!.version;
  const packages = read('package-lock.json').packages as Record<string, { engines?: { node?: string } | string[] }>;
  const refusing = Object.entries(packages).flatMap(([path, meta]) => {
    const range = !Array.isArray(meta.engines) ? meta.engines?.node : undefined;
    if (!range) return [];
    return [oldest, process.version]
      .filter((v) => !semver.satisfies(v, range))
      .map((v) => `${path.replace(/^node_modules\//, '')} needs node ${range} (not ${v})`);
  });
  assert.deepEqual(refusing, [], `engines.node is "${supported}" but:\n${refusing.join('\n')}`);
});
