/** Parses `ha-manager status`, old and new formats (pve-ha-manager src/PVE/API2/HA/Status.pm builds the lines); docs/proxmox-contract.md. */

export interface HaDaemon {
  node: string;
  status: string;
}

export interface HaService {
  sid: string;
  node: string;
  state: string;
}

export interface HaManagerStatus {
  quorumOk: boolean;
  master: HaDaemon | null;
  lrms: HaDaemon[];
  services: HaService[];
}

// "<kind> <name> (<first>, <more>...)<anything>": the state is the first item in the parentheses. Older releases print
// "master <node>" alone; status words vary (active, idle, "old timestamp - dead?", "detected time drift!", ...).
const LINE = /^(master|lrm|service) (\S+)(?: \(([^)]*)\))?/;

export function parseHaManagerStatus(text: string): HaManagerStatus {
  const status: HaManagerStatus = { quorumOk: false, master: null, lrms: [], services: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith('quorum ')) {
      status.quorumOk = line.trim() === 'quorum OK';
      continue;
    }
    const m = LINE.exec(line);
    if (!m) continue;
    const [, kind, name, inside = ''] = m;
    const items = inside.split(', ');
    if (kind === 'service') status.services.push({ sid: name, node: items[0], state: items[1] ?? '' });
    else if (kind === 'lrm') status.lrms.push({ node: name, status: items[0] });
    else status.master = { node: name, status: items[0] };
  }
  return status;
}
