/** Reads cluster.yaml, validates it with the zod schema and reports every bad field with its fix. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { configProblems } from './problems';
import type { ClusterConfig } from './schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function validateConfig(raw: unknown, file = 'config'): ClusterConfig {
  const checked = configProblems(raw);
  if ('problems' in checked) throw new ConfigError(file, checked.problems);
  return checked.config;
}

/** A cluster.yaml is a few KB, five levels deep, with an alias or two at most: anything far beyond is not one. */
export const YAML_LIMITS = { bytes: 256 * 1024, depth: 16, aliases: 50 };

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    deepest = Math.max(deepest, d);
    if (deepest > YAML_LIMITS.depth) break;
    if (v && typeof v === 'object') for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** The YAML text as plain data, every resource problem (size, aliases, nesting) a config error, never a crash. */
function parseYaml(text: string, file: string): unknown {
  const bytes = Buffer.byteLength(text);
  if (bytes > YAML_LIMITS.bytes)
    throw new ConfigError(file, [`the file is ${bytes} bytes, more than ${YAML_LIMITS.bytes}: a cluster.yaml is a few KB; is it the right file?`]);
  let data: unknown;
  try {
    const doc = parseDocument(text);
    if (doc.errors.length > 0)
      throw new ConfigError(
        file,
        doc.errors.map((e) => `YAML syntax: ${e.message}`),
      );
    // yaml counts how much each alias expands; a "billion laughs" document stops here instead of filling memory.
    data = doc.toJS({ maxAliasCount: YAML_LIMITS.aliases });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const why =
      err instanceof ReferenceError ? 'its aliases expand too far (a YAML alias bomb?)' : err instanceof RangeError ? 'it nests too deep' : String(err);
    throw new ConfigError(file, [`YAML: not a usable cluster.yaml: ${why}; write each value out (see examples/cluster.yaml)`]);
  }
  if (depthOf(data) > YAML_LIMITS.depth)
    throw new ConfigError(file, [`YAML: nested more than ${YAML_LIMITS.depth} levels deep; a cluster.yaml needs five (see examples/cluster.yaml)`]);
  return data;
}

export function parseConfigText(text: string, file = 'config'): ClusterConfig {
  return validateConfig(parseYaml(text, file), file);
}

/** What reading the file failed with, as the one thing to fix (a path that is missing, a folder, unreadable). */
function unreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file: give the path of your cluster.yaml (pve-twonode init writes one)';
  if (code === 'EISDIR') return 'a folder, not a file: give the path of the cluster.yaml inside it';
  if (code === 'EACCES' || code === 'EPERM') return 'not readable by this user: run as a user that may read it (chmod or sudo)';
  return `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
}

export function loadConfig(file: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [unreadable(err)]);
  }
  return parseConfigText(text, file);
}
