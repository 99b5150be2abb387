/**
 * Parses `corosync-qnetd-tool -l` (corosync-qdevice qnetd/qnetd-ipc-cmd.c, qnetd-cluster-list output): each cluster
 * the daemon serves and each connected node with its vote. A cluster with no node connected is not listed.
 */
export interface QnetdNode {
  nodeId: number;
  clientAddress: string;
  /** e.g. "ACK (ACK)", "No change (ACK)", "NACK (NACK)". */
  vote: string;
}

export interface QnetdCluster {
  name: string;
  algorithm: string;
  nodes: QnetdNode[];
}

export function parseQnetdList(text: string): QnetdCluster[] {
  const clusters: QnetdCluster[] = [];
  let node: QnetdNode | null = null;
  for (const line of text.split('\n')) {
    const cluster = /^Cluster "(.*)":\s*$/.exec(line);
    if (cluster) {
      clusters.push({ name: cluster[1], algorithm: '', nodes: [] });
      node = null;
      continue;
    }
    const current = clusters.at(-1);
    if (!current) continue;
    const nodeId = /^\s+Node ID (\d+):\s*$/.exec(line);
    if (nodeId) {
      node = { nodeId: Number(nodeId[1]), clientAddress: '', vote: '' };
      current.nodes.push(node);
      continue;
    }
    const field = /^\s+([A-Za-z -]+):\s+(.*?)\s*$/.exec(line);
    if (!field) continue;
    const [, key, value] = field;
    if (key === 'Algorithm') current.algorithm = value;
    else if (node && key === 'Client address') node.clientAddress = value;
    else if (node && key === 'Vote') node.vote = value;
  }
  return clusters;
}

/** ACK in the vote's own reply: qnetd gives this node its vote. */
export function votesFor(node: QnetdNode): boolean {
  return /\(ACK\)$/.test(node.vote);
}
