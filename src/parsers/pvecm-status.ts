/** Parses `pvecm status` (and plain `corosync-quorumtool -s[iH]`) text; formats from corosync's tools/corosync-quorumtool.c. */
import { ParseError, fieldsOf, intField, requiredField } from './fields';

export interface ClusterInfo {
  name: string;
  configVersion: number;
  transport: string;
  secureAuth: boolean;
}

export interface Member {
  nodeId: number;
  votes: number;
  qdeviceFlags: string | null;
  name: string;
  local: boolean;
}

export interface PvecmStatus {
  cluster: ClusterInfo | null;
  quorate: boolean;
  nodes: number;
  nodeId: number;
  ringId: string;
  expectedVotes: number;
  highestExpected: number;
  totalVotes: number;
  quorum: number;
  activityBlocked: boolean;
  flags: string[];
  members: Member[];
  qdevice: { votes: number } | null;
}

// Node ids print as 0x%08x with -H and as decimal without it.
const NODE_ID = String.raw`(0x[0-9a-fA-F]+|\d+)`;
const MEMBER_ROW = new RegExp(String.raw`^\s*${NODE_ID}\s+(\d+)\s+(.*?)\s*$`);
const QDEVICE_FLAGS = /^(NR|N?A,N?V,N?MW)$/;

export function parseNodeId(text: string): number {
  return text.startsWith('0x') ? parseInt(text, 16) : parseInt(text, 10);
}

function parseCluster(fields: Map<string, string>): ClusterInfo | null {
  if (!fields.has('Name')) return null;
  return {
    name: requiredField(fields, 'Name'),
    configVersion: intField(fields, 'Config Version'),
    transport: requiredField(fields, 'Transport'),
    secureAuth: requiredField(fields, 'Secure auth') === 'on',
  };
}

function parseMembers(lines: string[]): Pick<PvecmStatus, 'members' | 'qdevice'> {
  const start = lines.findIndex((l) => /^\s+Nodeid\s+Votes\s/.test(l));
  // An empty or cut-off membership section (a node mid-start, output cut by a timeout) is a report: no members.
  if (start < 0) return { members: [], qdevice: null };
  // With a QDevice every member row has a flags column; a row without it was cut off mid-line.
  const flagsColumn = /\sQdevice\s+Name/.test(lines[start]);
  const members: Member[] = [];
  let qdevice: PvecmStatus['qdevice'] = null;
  for (const line of lines.slice(start + 1)) {
    const row = MEMBER_ROW.exec(line);
    if (!row) continue;
    const [, id, votes, rest] = row;
    const nodeId = parseNodeId(id);
    if (nodeId === 0 && rest.startsWith('Qdevice')) {
      qdevice = { votes: Number(votes) };
      continue;
    }
    const [first, ...others] = rest.split(/\s+/);
    const hasFlags = others.length > 0 && QDEVICE_FLAGS.test(first);
    if (flagsColumn && !hasFlags) continue;
    const nameAndLocal = hasFlags ? others.join(' ') : rest;
    const local = nameAndLocal.endsWith(' (local)');
    members.push({
      nodeId,
      votes: Number(votes),
      qdeviceFlags: hasFlags ? first : null,
      name: local ? nameAndLocal.slice(0, -' (local)'.length) : nameAndLocal,
      local,
    });
  }
  return { members, qdevice };
}

export function parsePvecmStatus(text: string): PvecmStatus {
  const lines = text.split('\n');
  if (!lines.some((l) => l.startsWith('Quorum information'))) {
    throw new ParseError(`not pvecm/corosync-quorumtool status output: ${text.trim().split('\n')[0] ?? '(empty)'}`);
  }
  const fields = fieldsOf(lines);
  const quorumField = requiredField(fields, 'Quorum');
  const flags = (fields.get('Flags') ?? '').split(/\s+/).filter(Boolean);
  return {
    cluster: parseCluster(fields),
    quorate: requiredField(fields, 'Quorate') === 'Yes',
    nodes: intField(fields, 'Nodes'),
    nodeId: parseNodeId(requiredField(fields, 'Node ID')),
    ringId: requiredField(fields, 'Ring ID'),
    expectedVotes: intField(fields, 'Expected votes'),
    highestExpected: intField(fields, 'Highest expected'),
    totalVotes: intField(fields, 'Total votes'),
    quorum: parseInt(quorumField, 10),
    activityBlocked: quorumField.includes('Activity blocked'),
    flags,
    ...parseMembers(lines),
  };
}
