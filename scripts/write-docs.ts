/**
 * Writes the generated documentation: docs/steps.md (the step table, from the registry) and docs/config-reference.md
 * (every cluster.yaml key, from the zod schema). `npm run docs`; test/docs-generated.test.ts keeps both in step.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { renderStepTable } from '../cli/step-table';
import { loadConfig } from '../src/config/load';
import { clusterConfigSchema } from '../src/config/schema';
import { projectRoot } from '../src/paths';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
};

const code = (v: unknown) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``.replaceAll('|', '\\|');

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map(code).join(' \\| ');
  if (s.const !== undefined) return code(s.const);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map(typeOf).join(' or ');
  if (s.type === 'array') return `list${s.prefixItems ? ` of ${s.prefixItems.length}` : ''}`;
  if (s.type === 'object' && !s.properties) return 'object';
  // An alternative of objects (auth: a key file or the agent) is named by its keys.
  if (s.type === 'object' && s.properties)
    return `\`{ ${Object.keys(s.properties)
      .map((k) => `${k}${(s.required ?? []).includes(k) ? '' : '?'}`)
      .join(', ')} }\``;
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
}

function limits(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.format) parts.push(s.format);
  const max = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : s.maximum;
  if (s.minimum !== undefined || max !== undefined) parts.push(`${s.minimum ?? ''}..${max ?? ''}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) parts.push(`length ${s.minLength ?? 0}..${s.maxLength ?? ''}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) parts.push(`${s.minItems ?? 0}..${s.maxItems ?? ''} items`);
  if (s.pattern && !s.format) parts.push(code(s.pattern));
  return parts.join(', ');
}

function rows(s: JsonSchema, path: string, required: boolean, out: string[]): void {
  const leaf = !s.properties && !(s.type === 'array' && (s.items?.properties || s.prefixItems));
  if (path && leaf) {
    out.push(
      `| \`${path}\` | ${typeOf(s)} | ${required && s.default === undefined ? 'yes' : ''} | ${s.default === undefined ? '' : code(s.default)} | ${limits(s)} |`,
    );
    return;
  }
  if (path) out.push(`| \`${path}\` | ${typeOf(s)} | ${required && s.default === undefined ? 'yes' : ''} | | ${limits(s)} |`);
  for (const [key, child] of Object.entries(s.properties ?? {})) rows(child, path ? `${path}.${key}` : key, (s.required ?? []).includes(key), out);
  s.prefixItems?.forEach((item, i) => rows(item, `${path}[${i}]`, true, out));
  if (s.items?.properties) rows(s.items, `${path}[]`, true, out);
}

export function configReference(): string {
  const schema = z.toJSONSchema(clusterConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: string[] = [];
  rows(schema, '', true, out);
  return [
    '# cluster.yaml reference',
    '',
    'Generated from the zod schema (`src/config/schema.ts`) by `npm run docs`; what each key means, with examples:',
    '[examples/cluster.yaml](../examples/cluster.yaml) and [config.md](config.md). Unknown keys are errors.',
    '',
    '| key | type | required | default | limits |',
    '|---|---|---|---|---|',
    ...out,
    '',
  ].join('\n');
}

export function stepsDoc(): string {
  return [
    "# The guide's steps",
    '',
    'Generated from the step registry (`steps/guide-steps.ts`) by `npm run docs`; `pve-twonode steps` prints the same table.',
    "Every step checks the host's real state first, acts only when needed, and verifies after; `gate: yes` waits for",
    "approval unless cluster.yaml's `approvals.steps` says otherwise. `pve-twonode plan cluster.yaml` prints the",
    'exact commands per host.',
    '',
    renderStepTable(loadConfig(join(projectRoot(), 'examples', 'cluster.yaml'))),
    '',
  ].join('\n');
}

if (require.main === module) {
  for (const [file, text] of [
    ['steps.md', stepsDoc()],
    ['config-reference.md', configReference()],
  ] as const) {
    writeFileSync(join(projectRoot(), 'docs', file), text);
    console.log(`wrote docs/${file}`);
  }
}
