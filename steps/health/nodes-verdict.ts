/**
 * The `nodes` health fact's judgement, pure: from what the nodes that answer show (steps/health/nodes.ts reads it),
 * the states that break a 2-node cluster after a node loss, each with the command that fixes it. Critical: a node
 * out of the cluster longer than `notify.unknown_after` (the guard's own patience), a node cluster.yaml names but
 * corosync.conf no longer lists, a quorum override standing. Warning: a node out for less, and what removing a node
 * by hand leaves (real pvecm delnode keeps /etc/pve/nodes/<node> and its root key; a reinstall adds a second key; a
 * node's old host key in its peer's known_hosts breaks plain ssh).
 */
import type { ClusterConfig } from '../../src/config/schema';
import { durationWords } from '../../src/duration';
import type { CorosyncConf } from '../../src/parsers/corosync-conf';
import type { PvecmStatus } from '../../src/parsers/pvecm-status';
import { keyFingerprint, type SshKey } from '../../src/parsers/ssh-keys';
import { memberNodeName } from '../../src/step-kit/cluster-state';

/** What one node that answered shows of itself. */
export interface NodeView {
  name: string;
  /** corosync's runtime still has quorum.device.* (false: removed at runtime, or never configured). */
  runtimeDevice: boolean;
  /** /root/.ssh/id_rsa.pub, when it has one. */
  rootKey: SshKey | null;
  hostKeys: SshKey[];
  /** Its /root/.ssh/known_hosts entries for its peer's name and address. */
  knownPeer: SshKey[];
}

/** The cluster as the first node that answered (the reader) sees it, and each node that answered. */
export interface NodesReading {
  reader: string;
  status: PvecmStatus | null;
  conf: CorosyncConf | null;
  /** corosync.conf configures a QDevice (a quorum { device { ... } } section). */
  deviceConfigured: boolean;
  nodeDirs: string[];
  /** The reader's clock, ms since the epoch. */
  now: number;
  /** For each node out of the membership: when its HA agent last wrote its status (ms since the epoch), or null. */
  lastHeard: Record<string, number | null>;
  authorizedKeys: SshKey[];
  views: NodeView[];
}

export interface NodesVerdict {
  critical: string[];
  warning: string[];
  summary: string;
}

const CLEAN_AUTHORIZED = (blob: string) =>
  `grep -vF '${blob.slice(-24)}' /etc/pve/priv/authorized_keys > /tmp/keys && cat /tmp/keys > /etc/pve/priv/authorized_keys`;

function missingNode(r: NodesReading, name: string, unknownAfterMs: number, critical: string[], warning: string[]): void {
  const replace = `pve-twonode replace-node <cluster.yaml> ${name}`;
  if (!r.conf?.nodes.some((n) => n.name === name)) {
    const left = r.nodeDirs.includes(name) ? ' (removed with pvecm delnode: /etc/pve/nodes/' + name + ' is still there)' : '';
    critical.push(
      `${name} is named in cluster.yaml but corosync.conf no longer lists it${left}: ${replace} clears what is left of it and joins it again once reinstalled (or, before the first join, pve-twonode run <cluster.yaml>)`,
    );
    return;
  }
  const heard = r.lastHeard[name];
  if (heard === null || heard === undefined) {
    warning.push(
      `${name} is no cluster member (since when is unknown: no HA status from it in /etc/pve/nodes/${name}/lrm_status): power it on; if it died for good, ${replace}`,
    );
    return;
  }
  const silentMs = r.now - heard;
  const since = `silent since ${new Date(heard).toISOString()} (${durationWords(silentMs)})`;
  if (silentMs >= unknownAfterMs)
    critical.push(
      `${name} is no cluster member, ${since}, longer than notify.unknown_after (${durationWords(unknownAfterMs)}): if it died for good, ${replace}; if not, power it on`,
    );
  else warning.push(`${name} is no cluster member, ${since}: power it on; if it died for good, ${replace}`);
}

/** Root keys the cluster still trusts for a node that no longer holds them: old installs, or nodes removed. */
function staleRootKeys(r: NodesReading, leftoverNames: string[]): string[] {
  const found: string[] = [];
  for (const view of r.views) {
    if (!view.rootKey) continue;
    const old = r.authorizedKeys.filter((k) => k.comment === `root@${view.name}` && k.blob !== view.rootKey!.blob);
    if (old.length === 0) continue;
    found.push(
      `/etc/pve/priv/authorized_keys still trusts ${old.length} old root@${view.name} key(s) (${old.map(keyFingerprint).join(', ')}; a reinstall adds a line, delnode removes none): on either node: ${old.map((k) => CLEAN_AUTHORIZED(k.blob)).join(' && ')}`,
    );
  }
  for (const name of leftoverNames) {
    const keys = r.authorizedKeys.filter((k) => k.comment === `root@${name}`);
    if (keys.length > 0)
      found.push(
        `/etc/pve/priv/authorized_keys still trusts root@${name}, a node no longer in the cluster: on either node: ${keys.map((k) => CLEAN_AUTHORIZED(k.blob)).join(' && ')}`,
      );
  }
  return found;
}

/** A node's known_hosts entry for its peer with a key type the peer has, but another key: plain ssh there fails. */
function staleKnownHosts(config: ClusterConfig, r: NodesReading): string[] {
  const found: string[] = [];
  for (const view of r.views) {
    const peer = config.nodes.find((n) => n.name !== view.name)!;
    const peerView = r.views.find((v) => v.name === peer.name);
    if (!peerView || peerView.hostKeys.length === 0) continue;
    const stale = view.knownPeer.filter((k) => peerView.hostKeys.some((h) => h.type === k.type) && !peerView.hostKeys.some((h) => h.blob === k.blob));
    if (stale.length === 0) continue;
    found.push(
      `${view.name}'s /root/.ssh/known_hosts holds an old host key of ${peer.name} (${stale.map((k) => `${k.type} ${keyFingerprint(k)}`).join(', ')}; plain ssh from ${view.name} fails with REMOTE HOST IDENTIFICATION HAS CHANGED): on ${view.name}: ssh-keygen -f /root/.ssh/known_hosts -R ${peer.name}; ssh-keygen -f /root/.ssh/known_hosts -R ${peer.ip}`,
    );
  }
  return found;
}

export function judgeNodes(config: ClusterConfig, r: NodesReading, unknownAfterMs: number): NodesVerdict {
  const critical: string[] = [];
  const warning: string[] = [];
  const status = r.status;
  if (!status) return { critical, warning, summary: `${r.reader} is in no cluster yet (pvecm status)` };
  const members = new Set(status.members.map((m) => memberNodeName(config, m.name)));
  for (const node of config.nodes) if (!members.has(node.name)) missingNode(r, node.name, unknownAfterMs, critical, warning);
  for (const view of r.views)
    if (r.deviceConfigured && !view.runtimeDevice)
      critical.push(
        `a quorum override stands on ${view.name}: corosync.conf configures the QDevice, corosync's runtime there has none (corosync-cmapctl -D quorum.device; expected votes ${status.expectedVotes} on ${r.reader}); while it stands a cut-off node may count itself quorate. pve-twonode quorum-override puts it back by itself once the peer or the QDevice returns; by hand, with both nodes members: corosync-cfgtool -R, then systemctl start corosync-qdevice on ${view.name}`,
      );
  const listed = new Set([...(r.conf?.nodes.map((n) => n.name) ?? []), ...config.nodes.map((n) => n.name)]);
  const leftovers = r.nodeDirs.filter((d) => !listed.has(d));
  for (const name of leftovers)
    warning.push(
      `/etc/pve/nodes/${name} is left from a node no longer in the cluster (pvecm delnode keeps it): on either node: tar -C /etc/pve/nodes -czf /root/pve-node-${name}.tar.gz ${name} && rm -rf /etc/pve/nodes/${name}`,
    );
  warning.push(...staleRootKeys(r, leftovers), ...staleKnownHosts(config, r));
  const names = config.nodes.map((n) => n.name).join(' and ');
  return { critical, warning, summary: `${names} members (as ${r.reader} sees it); nothing left of removed nodes, no stale root or host keys` };
}
