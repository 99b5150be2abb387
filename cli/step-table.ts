/** The step table (docs/steps.md, `pve-twonode steps`), rendered from the step registry (test/docs-generated.test.ts keeps it in step). */
import type { ClusterConfig } from '../src/config/schema';
import type { AnyStep } from '../src/step-kit/descriptor';
import { GUIDE_STEPS } from '../steps';

/** Host names as the roles a reader knows: node 1, node 2, the VM. */
function roles(config: ClusterConfig, hosts: string[]): string {
  const [node1, node2] = config.nodes.map((n) => n.name);
  const set = new Set(hosts);
  if (set.size === 3) return 'all 3';
  if (set.size === 2 && set.has(node1) && set.has(node2)) return 'nodes';
  return hosts.map((h) => (h === node1 ? 'node 1' : h === node2 ? 'node 2' : 'VM')).join(', ');
}

export function renderStepTable(config: ClusterConfig, steps: readonly AnyStep[] = GUIDE_STEPS): string {
  const rows = steps.map((s, i) => `| ${i} | ${s.name} | ${roles(config, s.hosts(config))} | ${s.acts} | ${s.verifiedBy} | ${s.gatedByDefault ? 'yes' : ''} |`);
  return ['| # | step | hosts | acts | verified by | gate |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
