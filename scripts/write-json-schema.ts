/** Writes schema/cluster.schema.json from the zod schema, for editors (yaml-language-server). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { clusterConfigSchema } from '../src/config/schema';
import { projectRoot } from '../src/paths';

export function clusterJsonSchema(): string {
  return `${JSON.stringify({ title: 'pve-twonode cluster.yaml', ...z.toJSONSchema(clusterConfigSchema, { io: 'input', unrepresentable: 'any' }) }, null, 2)}\n`;
}

if (require.main === module) {
  const path = join(projectRoot(), 'schema', 'cluster.schema.json');
  writeFileSync(path, clusterJsonSchema());
  console.log(`wrote ${path}`);
}
