/** Reads cluster.yaml, validates it with the zod schema and reports every bad field with its fix. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { clusterConfigSchema, type ClusterConfig } from './schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function pathOf(path: PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '') || '(top level)'
  );
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `${pathOf(issue.path)}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove them or check the spelling against examples/cluster.yaml`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `${pathOf(issue.path)}: required but missing; ${issue.message}`;
  }
  return `${pathOf(issue.path)}: ${issue.message}`;
}

export function validateConfig(raw: unknown, file = 'config'): ClusterConfig {
  const result = clusterConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(file, result.error.issues.map(describe));
  return result.data;
}

export function parseConfigText(text: string, file = 'config'): ClusterConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new ConfigError(
      file,
      doc.errors.map((e) => `YAML syntax: ${e.message}`),
    );
  return validateConfig(doc.toJS(), file);
}

export function loadConfig(file: string): ClusterConfig {
  return parseConfigText(readFileSync(file, 'utf8'), file);
}
