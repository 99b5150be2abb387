/** Step 0, preflight: read-only checks on all three hosts; any blocker stops the run before anything changes. */
import type { ClusterConfig } from '../src/config/schema';
import { parsePveversion } from '../src/parsers/pveversion';
import { readClusterStatus } from '../src/step-kit/cluster-state';
import { on, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { preconditionFailed } from '../src/step-kit/failures';
import { preflightPlan } from '../src/plan/guide';

const VERSION_REUSE_MS = 10 * 60_000;

export function preflightCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  const vm = config.qdevice;
  return {
    // The real pveversion loads Proxmox's APT API before it prints one line (about 1.5 s of CPU on the lab's nodes)
    // and its answer changes only with an update: the health check asks again every VERSION_REUSE_MS, a guide run
    // or repair always asks.
    node1Version: on(node1, 'check', 'pveversion', { reuseForMs: VERSION_REUSE_MS }),
    node2Version: on(node2, 'check', 'pveversion', { reuseForMs: VERSION_REUSE_MS }),
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

/** Every read at once: the hosts answer in parallel, and each connection carries several commands side by side. */
async function readAll(ctx: StepContext, config: ClusterConfig) {
  const c = preflightCommands(config);
  const [node1Version, node2Version, node1Hostname, node2Hostname, vmHostname, node1Status, node2Status, node2Guests, vmOs] = await Promise.all([
    ctx.output(c.node1Version),
    ctx.output(c.node2Version),
    ctx.output(c.node1Hostname),
    ctx.output(c.node2Hostname),
    ctx.output(c.vmHostname),
    readClusterStatus(ctx, c.node1Status),
    readClusterStatus(ctx, c.node2Status),
    ctx.output(c.node2Guests),
    ctx.output(c.vmOs),
  ]);
  return {
    versions: [node1Version, node2Version],
    hostnames: [node1Hostname, node2Hostname, vmHostname],
    statuses: [node1Status, node2Status],
    node2Guests,
    vmOs,
  };
}

async function findings(ctx: StepContext, config: ClusterConfig): Promise<{ blockers: string[]; facts: PreflightFacts }> {
  const read = await readAll(ctx, config);
  const [node1, node2] = config.nodes;
  const blockers: string[] = [];
  const versions = read.versions.map(parsePveversion);
  for (const v of versions) if (v.major < 8 || v.major > 9) blockers.push(`Proxmox VE ${v.version} is not supported (8.x or 9.x)`);
  if (versions[0].major !== versions[1].major)
    blockers.push(`nodes run different majors (${versions[0].version} vs ${versions[1].version}); upgrade one first`);
  const names = [node1.name, node2.name, config.qdevice.name];
  names.forEach((want, i) => {
    const got = read.hostnames[i].trim();
    if (want !== got)
      blockers.push(`host configured as ${want} calls itself ${got}; node names cannot change after clustering, fix the config or the hostname`);
  });
  read.statuses.forEach((s, i) => {
    const name = s?.cluster?.name;
    if (name && name !== config.cluster.name) blockers.push(`${config.nodes[i].name} is already in cluster "${name}", not "${config.cluster.name}"`);
  });
  const node2InCluster = read.statuses[1]?.cluster?.name === config.cluster.name;
  const guests = read.node2Guests.split('\n').filter(Boolean);
  if (!node2InCluster && guests.length > 0)
    blockers.push(`${node2.name} has guests (${guests.join(', ')}); pvecm add refuses a node with guests: back them up with vzdump, join, restore`);
  const vmOs = read.vmOs.trim();
  if (!vmOs.startsWith('debian')) blockers.push(`${config.qdevice.name} runs "${vmOs}", the guide expects Debian`);
  return { blockers, facts: { pveVersions: versions.map((v) => v.version), pveMajor: versions[0].major, qdeviceOs: vmOs, node2Guests: guests } };
}

export const preflight = defineStep({
  ...preflightPlan,
  acts: 'nothing',
  verifiedBy: 'pinned SSH keys, `pveversion` (same major, 8 or 9), hostnames, no other cluster, no guests on node 2, Debian on the VM',
  health: 'warning',
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
