/** Step 0, preflight: read-only checks on all three hosts; any blocker stops the run before anything changes. */
import type { ClusterConfig } from '../src/config/schema';
import { parsePveversion } from '../src/parsers/pveversion';
import { readClusterStatus } from '../src/step-kit/cluster-state';
import { allHosts, on, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { preconditionFailed } from '../src/step-kit/failures';

export function preflightCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  const vm = config.qdevice;
  return {
    node1Version: on(node1, 'check', 'pveversion'),
    node2Version: on(node2, 'check', 'pveversion'),
    node1Hostname: on(node1, 'check', 'hostname'),
    node2Hostname: on(node2, 'check', 'hostname'),
    vmHostname: on(vm, 'check', 'hostname'),
    node1Status: on(node1, 'check', 'pvecm status'),
    node2Status: on(node2, 'check', 'pvecm status'),
    node2Guests: on(node2, 'check', "{ qm list 2>/dev/null; pct list 2>/dev/null; } | awk 'NR>0 && $1 ~ /^[0-9]+$/ {print $1}'"),
    vmOs: on(vm, 'check', '. /etc/os-release && echo "$ID $VERSION_ID"'),
  } satisfies CommandSet;
}

export interface PreflightFacts extends Record<string, unknown> {
  pveVersions: string[];
  pveMajor: number;
  qdeviceOs: string;
  node2Guests: string[];
}

async function findings(ctx: StepContext, config: ClusterConfig): Promise<{ blockers: string[]; facts: PreflightFacts }> {
  const c = preflightCommands(config);
  const [node1, node2] = config.nodes;
  const blockers: string[] = [];
  const versions = [parsePveversion(await ctx.output(c.node1Version)), parsePveversion(await ctx.output(c.node2Version))];
  for (const v of versions) if (v.major < 8 || v.major > 9) blockers.push(`Proxmox VE ${v.version} is not supported (8.x or 9.x)`);
  if (versions[0].major !== versions[1].major)
    blockers.push(`nodes run different majors (${versions[0].version} vs ${versions[1].version}); upgrade one first`);
  const hostnames = [
    [node1.name, (await ctx.output(c.node1Hostname)).trim()],
    [node2.name, (await ctx.output(c.node2Hostname)).trim()],
    [config.qdevice.name, (await ctx.output(c.vmHostname)).trim()],
  ];
  for (const [want, got] of hostnames)
    if (want !== got)
      blockers.push(`host configured as ${want} calls itself ${got}; node names cannot change after clustering, fix the config or the hostname`);
  const statuses = [await readClusterStatus(ctx, c.node1Status), await readClusterStatus(ctx, c.node2Status)];
  statuses.forEach((s, i) => {
    const name = s?.cluster?.name;
    if (name && name !== config.cluster.name) blockers.push(`${config.nodes[i].name} is already in cluster "${name}", not "${config.cluster.name}"`);
  });
  const node2InCluster = statuses[1]?.cluster?.name === config.cluster.name;
  const guests = (await ctx.output(c.node2Guests)).split('\n').filter(Boolean);
  if (!node2InCluster && guests.length > 0)
    blockers.push(`${node2.name} has guests (${guests.join(', ')}); pvecm add refuses a node with guests: back them up with vzdump, join, restore`);
  const vmOs = (await ctx.output(c.vmOs)).trim();
  if (!vmOs.startsWith('debian')) blockers.push(`${config.qdevice.name} runs "${vmOs}", the guide expects Debian`);
  return { blockers, facts: { pveVersions: versions.map((v) => v.version), pveMajor: versions[0].major, qdeviceOs: vmOs, node2Guests: guests } };
}

export const preflight = defineStep({
  name: 'preflight',
  activity: 'preflight',
  kind: 'quick',
  acts: 'nothing',
  verifiedBy: 'pinned SSH keys, `pveversion` (same major, 8 or 9), hostnames, no other cluster, no guests on node 2, Debian on the VM',
  gatedByDefault: false,
  health: 'warning',
  hosts: (config) => allHosts(config).map((h) => h.name),
  summary: () => 'read-only checks on all 3 hosts',
  commands: (config) => [preflightCommands(config)],
  async check(ctx, config) {
    const { blockers, facts } = await findings(ctx, config);
    if (blockers.length > 0) throw preconditionFailed(`preflight found ${blockers.length} blocker(s): ${blockers.join('; ')}`, facts);
    return { done: true, state: facts };
  },
  // Preflight only reads: its check is the whole verification.
  verify: (_ctx, config, { state }) =>
    Promise.resolve({
      summary: `3 hosts reachable with pinned keys; Proxmox VE ${state.pveVersions.join(' / ')}; ${config.qdevice.name} runs ${state.qdeviceOs}`,
      facts: state,
    }),
});
