/** Step 1, hosts: /etc/hosts on both nodes maps all three names to their LAN IPs (pvecm needs a non-loopback own address, docs/proxmox-contract.md). */
import type { ClusterConfig, HostConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { allHosts, on, replaceFile, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { postconditionFailed } from '../src/step-kit/failures';
import { hostsPlan } from '../src/plan/guide';

const MARK_BEGIN = '# BEGIN pve-twonode cluster hosts';
const MARK_END = '# END pve-twonode cluster hosts';

export function hostsCommands(config: ClusterConfig, node: HostConfig) {
  const names = allHosts(config).map((h) => h.name);
  return {
    // Run again after the write, as the verify.
    resolve: on(node, 'check', names.map((n) => sh`echo ${n} $(getent ahostsv4 ${n} | awk 'NR==1{print $1}')`).join(' ; ')),
    read: on(node, 'check', 'cat /etc/hosts'),
    write: replaceFile(node, '/etc/hosts'),
  } satisfies CommandSet;
}

function hostLine(config: ClusterConfig, host: HostConfig): string {
  const fqdn = config.cluster.domain ? `${host.name}.${config.cluster.domain} ` : '';
  return `${host.ip}\t${fqdn}${host.name}`;
}

/** Drops our old block and any other line naming one of our hosts (e.g. Debian's "127.0.1.1 proxmox1"), then appends the block. */
export function desiredHostsFile(config: ClusterConfig, current: string): string {
  const names = new Set(allHosts(config).map((h) => h.name));
  const kept: string[] = [];
  let inBlock = false;
  for (const line of current.split('\n')) {
    if (line === MARK_BEGIN) inBlock = true;
    const fields = line.replace(/#.*/, '').trim().split(/\s+/).slice(1);
    const namesOurHost = fields.some((f) => names.has(f) || names.has(f.split('.')[0]));
    if (!inBlock && !namesOurHost) kept.push(line);
    if (line === MARK_END) inBlock = false;
  }
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  return [...kept, MARK_BEGIN, ...allHosts(config).map((h) => hostLine(config, h)), MARK_END, ''].join('\n');
}

async function resolvedIps(ctx: StepContext, config: ClusterConfig, node: HostConfig): Promise<Record<string, string>> {
  const out = await ctx.output(hostsCommands(config, node).resolve);
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string]),
  );
}

function mismatches(config: ClusterConfig, resolved: Record<string, string>): string[] {
  return allHosts(config)
    .filter((h) => resolved[h.name] !== h.ip)
    .map((h) => `${h.name} -> ${resolved[h.name] || 'nothing'} (want ${h.ip})`);
}

export interface HostsFacts extends Record<string, unknown> {
  /** Per node: each cluster host's name -> the IPv4 it resolves to there. */
  resolved: Record<string, Record<string, string>>;
}

export const hosts = defineStep({
  ...hostsPlan,
  acts: '`/etc/hosts` block (backup kept)',
  verifiedBy: '`getent ahostsv4` gives the LAN IPs',
  health: 'warning',
  commands: (config) => config.nodes.map((n) => hostsCommands(config, n)),
  async check(ctx, config) {
    const resolved = await Promise.all(config.nodes.map((node) => resolvedIps(ctx, config, node)));
    const stale = config.nodes.filter((_, i) => mismatches(config, resolved[i]).length > 0);
    return { done: stale.length === 0, state: stale };
  },
  async act(ctx, config, stale) {
    // Each node's file is its own: both are written at the same time.
    await Promise.all(
      stale.map(async (node) => {
        const c = hostsCommands(config, node);
        await ctx.run(c.write, desiredHostsFile(config, await ctx.output(c.read)));
      }),
    );
    return { changes: [`updated on ${stale.map((n) => n.name).join(', ')}, backup kept`] };
  },
  async verify(ctx, config) {
    const answers = await Promise.all(config.nodes.map((node) => resolvedIps(ctx, config, node)));
    const resolved = Object.fromEntries(config.nodes.map((node, i) => [node.name, answers[i]]));
    for (const node of config.nodes) {
      const wrong = mismatches(config, resolved[node.name]);
      if (wrong.length > 0)
        throw postconditionFailed(`${node.name}: names still resolve wrongly: ${wrong.join(', ')} (check /etc/hosts and /etc/nsswitch.conf)`, { resolved });
    }
    return { summary: `all three names resolve to their LAN IPs on ${config.nodes.map((n) => n.name).join(' and ')}`, facts: { resolved } };
  },
});
