/**
 * A health fact beside the guide's steps (`check` and the guard read it; no run acts on it): which of cluster.yaml's
 * nodes are cluster members and for how long the missing ones have been silent, a quorum override standing, and what
 * removing a node by hand leaves behind. Read from the first node that answers, so a dead node 1 does not hide it;
 * the judgement is steps/health/nodes-verdict.ts.
 */
import { bothNodes } from '../../src/plan/step-plan';
import { parseCorosyncConf } from '../../src/parsers/corosync-conf';
import { parseKeyLines } from '../../src/parsers/ssh-keys';
import { durationMs } from '../../src/duration';
import { DEFAULT_UNKNOWN_AFTER } from '../../src/health/report';
import type { ClusterConfig, HostConfig } from '../../src/config/schema';
import { memberNodeName, readClusterStatus } from '../../src/step-kit/cluster-state';
import { defineStep, type StepContext } from '../../src/step-kit/descriptor';
import { degraded, postconditionFailed } from '../../src/step-kit/failures';
import { runtimeHasDevice } from '../override/commands';
import { nodesCommands } from './nodes-commands';
import { judgeNodes, type NodesReading, type NodeView } from './nodes-verdict';

async function readView(ctx: StepContext, config: ClusterConfig, node: HostConfig): Promise<NodeView> {
  const c = nodesCommands(config, node);
  const [cmap, rootKey, hostKeys, knownPeer] = await Promise.all([c.runtimeQuorum, c.rootKey, c.hostKeys, c.knownPeer].map((cmd) => ctx.output(cmd)));
  return {
    name: node.name,
    runtimeDevice: runtimeHasDevice(cmap),
    rootKey: parseKeyLines(rootKey)[0] ?? null,
    hostKeys: parseKeyLines(hostKeys),
    knownPeer: parseKeyLines(knownPeer),
  };
}

/** When pve-ha-lrm last wrote the node's status (its JSON "timestamp", seconds), or null without one. */
function lastHeard(lrmStatus: string): number | null {
  try {
    const timestamp = (JSON.parse(lrmStatus) as { timestamp?: unknown }).timestamp;
    return typeof timestamp === 'number' ? timestamp * 1000 : null;
  } catch {
    return null;
  }
}

async function readFrom(ctx: StepContext, config: ClusterConfig, reader: HostConfig, views: NodeView[]): Promise<NodesReading> {
  const c = nodesCommands(config, reader);
  const [status, [confText, nodeDirs, clock, authorized]] = await Promise.all([
    readClusterStatus(ctx, c.status),
    Promise.all([c.corosyncConf, c.nodeDirs, c.clock, c.authorizedKeys].map((cmd) => ctx.output(cmd))),
  ]);
  const conf = confText.trim() ? parseCorosyncConf(confText) : null;
  const members = status?.members.map((m) => memberNodeName(config, m.name)) ?? [];
  const missing = config.nodes.filter((n) => !members.includes(n.name));
  const heard: NodesReading['lastHeard'] = {};
  for (const node of missing) heard[node.name] = lastHeard(await ctx.output(c.lrmStatus(node.name)));
  return {
    reader: reader.name,
    status,
    conf,
    deviceConfigured: /^\s*device\s*\{/m.test(confText),
    nodeDirs: nodeDirs.split('\n').filter(Boolean),
    now: Number(clock.trim()) * 1000,
    lastHeard: heard,
    authorizedKeys: parseKeyLines(authorized),
    views,
  };
}

export const nodes = defineStep({
  name: 'nodes',
  activity: null,
  kind: 'quick',
  gatedByDefault: false,
  acts: 'nothing (a health fact only)',
  verifiedBy: 'both nodes corosync members; none silent past notify.unknown_after; no override; nothing left of removed nodes',
  health: 'critical',
  hosts: bothNodes,
  summary: () => 'cluster members, silent nodes, overrides and what removed nodes leave (read-only)',
  commands: (config) => config.nodes.map((n) => nodesCommands(config, n)),
  async check(ctx, config) {
    // Each node that answers, side by side; the first one reads the cluster. None answering: the SSH error `check` reports.
    const settled = await Promise.allSettled(config.nodes.map((node) => readView(ctx, config, node)));
    const views = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const reader = config.nodes.find((n) => views.some((v) => v.name === n.name));
    if (!reader) throw (settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
    return { done: true, state: await readFrom(ctx, config, reader, views) };
  },
  verify(_ctx, config, { state }) {
    const verdict = judgeNodes(config, state, durationMs(config.notify?.unknown_after ?? DEFAULT_UNKNOWN_AFTER));
    const facts = { reader: state.reader };
    if (verdict.critical.length > 0) return Promise.reject(postconditionFailed([...verdict.critical, ...verdict.warning].join('; '), facts));
    if (verdict.warning.length > 0) return Promise.reject(degraded(verdict.warning.join('; '), facts));
    return Promise.resolve({ summary: verdict.summary, facts });
  },
});
