/**
 * Parses corosync.conf (corosync.conf(5): `key: value` lines and `name {` ... `}` sections, `#` comments), as
 * pvecm writes it to /etc/pve/corosync.conf. Enough for what the checks compare with cluster.yaml: the node list,
 * the QDevice's host and the cluster name.
 */
export interface CorosyncSection {
  values: Record<string, string>;
  sections: Record<string, CorosyncSection[]>;
}

export interface CorosyncNode {
  name: string;
  nodeid: number;
  ring0Addr: string;
  quorumVotes: number;
}

export interface CorosyncConf {
  clusterName: string | null;
  configVersion: number | null;
  nodes: CorosyncNode[];
  /** quorum.device.net.host, when a QDevice is configured. */
  qdeviceHost: string | null;
}

function emptySection(): CorosyncSection {
  return { values: {}, sections: {} };
}

export function parseCorosyncSections(text: string): CorosyncSection {
  const root = emptySection();
  const stack = [root];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const open = /^([\w.-]+)\s*\{$/.exec(line);
    if (open) {
      const child = emptySection();
      (stack.at(-1)!.sections[open[1]] ??= []).push(child);
      stack.push(child);
    } else if (line === '}') {
      if (stack.length > 1) stack.pop();
    } else {
      const kv = /^([\w.-]+)\s*:\s*(.*)$/.exec(line);
      if (kv) stack.at(-1)!.values[kv[1]] = kv[2];
    }
  }
  return root;
}

const first = (s: CorosyncSection | undefined, name: string) => s?.sections[name]?.[0];

export function parseCorosyncConf(text: string): CorosyncConf {
  const root = parseCorosyncSections(text);
  const totem = first(root, 'totem');
  const nodes = (first(root, 'nodelist')?.sections.node ?? []).map((n) => ({
    name: n.values.name ?? '',
    nodeid: Number(n.values.nodeid ?? NaN),
    ring0Addr: n.values.ring0_addr ?? '',
    quorumVotes: Number(n.values.quorum_votes ?? 1),
  }));
  const version = totem?.values.config_version;
  return {
    clusterName: totem?.values.cluster_name ?? null,
    configVersion: version === undefined ? null : Number(version),
    nodes,
    qdeviceHost: first(first(first(root, 'quorum'), 'device'), 'net')?.values.host ?? null,
  };
}
