/**
 * What the `nodes` health fact reads, all read-only, on each node that answers: the membership and corosync's
 * configuration and runtime as that node sees them, when each node's HA agent last wrote its status into /etc/pve,
 * what /etc/pve still keeps of nodes (their folders, root keys), and the node's own keys and what it knows of its
 * peer's host key.
 */
import type { ClusterConfig, HostConfig } from '../../src/config/schema';
import { peerOf } from '../../src/plan/quorum-override';
import { sh } from '../../src/ssh/quote';
import { on, template, type CommandSet } from '../../src/step-kit/commands';

export function nodesCommands(config: ClusterConfig, node: HostConfig) {
  const peer = peerOf(config, node.name);
  return {
    status: on(node, 'check', 'pvecm status'),
    corosyncConf: on(node, 'check', 'cat /etc/pve/corosync.conf 2>/dev/null || true'),
    // corosync's runtime: quorum.device.* gone while corosync.conf keeps the device is an override (quorum-override's).
    runtimeQuorum: on(node, 'check', 'corosync-cmapctl quorum. 2>/dev/null || true'),
    nodeDirs: on(node, 'check', 'ls -1 /etc/pve/nodes'),
    clock: on(node, 'check', 'date +%s'),
    // pve-ha-lrm rewrites it every 5 to 10 s while it runs on a quorate node (its "timestamp"): when it stopped, the node did.
    lrmStatus: template('<node>', (name) => on(node, 'check', sh`cat /etc/pve/nodes/${name}/lrm_status 2>/dev/null || true`)),
    authorizedKeys: on(node, 'check', 'cat /etc/pve/priv/authorized_keys 2>/dev/null || true'),
    // pvecm hard-codes /root/.ssh/id_rsa; its .pub is the root@<node> line the cluster should hold.
    rootKey: on(node, 'check', 'cat /root/.ssh/id_rsa.pub 2>/dev/null || true'),
    hostKeys: on(node, 'check', 'cat /etc/ssh/ssh_host_*_key.pub 2>/dev/null || true'),
    // Plain ssh's file: pvecm's own ssh reads /etc/pve/nodes/<peer>/ssh_known_hosts, but an owner's `ssh <peer>` this one.
    knownPeer: on(
      node,
      'check',
      sh`for k in ${peer.name} ${peer.ip}; do ssh-keygen -F "$k" -f /root/.ssh/known_hosts; done 2>/dev/null | grep -v '^#' || true`,
    ),
  } satisfies CommandSet;
}
