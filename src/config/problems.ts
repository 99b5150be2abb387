/**
 * The schema's verdict on a config in words: one line per bad field, its path, the reason and a good value. Pure (no
 * file access), so the workflows check their own input with it inside the sandbox, as the CLI checks the file.
 */
import type { z } from 'zod';
import { clusterConfigSchema, type ClusterConfig } from './schema';

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

export function configProblems(raw: unknown): { config: ClusterConfig } | { problems: string[] } {
  const result = clusterConfigSchema.safeParse(raw);
  return result.success ? { config: result.data } : { problems: result.error.issues.map(describe) };
}
