/**
 * The host commands of quorum-override, on the survivor, its peer's address and the QDevice VM. The real code's
 * behaviour behind them (docs/proxmox-contract.md, "Node loss and replacement"): with the peer and the QDevice gone,
 * `pvecm expected 1` exits 0 and changes nothing while corosync's runtime keeps `quorum.device`; deleting that key
 * (runtime only, corosync.conf untouched) and then `expected 1` makes the survivor quorate; `corosync-cfgtool -R`
 * reads corosync.conf again, which brings the device back, and corosync-qdevice is started again.
 */
import type { ClusterConfig } from '../../src/config/schema';
import { peerOf } from '../../src/plan/quorum-override';
import { hostByName, on, template } from '../../src/step-kit/commands';

const WRITE_TEST = '/etc/pve/.pve-twonode-write-test';

export function overrideCommands(config: ClusterConfig, survivor: string) {
  const node = hostByName(config, survivor);
  return {
    probePeer: on(peerOf(config, survivor), 'check', 'true', { timeoutMs: 15_000 }),
    status: on(node, 'check', 'pvecm status'),
    corosyncConf: on(node, 'check', 'cat /etc/pve/corosync.conf'),
    runtimeQuorum: on(node, 'check', 'corosync-cmapctl quorum.'),
    qnetdClients: on(config.qdevice, 'check', 'corosync-qnetd-tool -l'),
    dropDevice: on(node, 'act', 'corosync-cmapctl -D quorum.device'),
    // A corosync-qdevice that outlives the key's removal stays registered and its vote counted (the restore starts it).
    stopQdevice: on(node, 'act', 'systemctl stop corosync-qdevice'),
    // Runtime only, like the device's removal; `corosync-cfgtool -R` (the restore) deletes it again.
    expectedKey: on(node, 'act', 'corosync-cmapctl -s quorum.expected_votes u32 1'),
    expectedOne: on(node, 'act', 'pvecm expected 1'),
    expected: template('<votes>', (votes) => on(node, 'act', `pvecm expected ${Number(votes)}`)),
    reload: on(node, 'act', 'corosync-cfgtool -R'),
    startQdevice: on(node, 'act', 'systemctl start corosync-qdevice'),
    writeTest: on(node, 'verify', `touch ${WRITE_TEST} && rm -f ${WRITE_TEST} && echo writable`),
  };
}

/** Whether corosync's runtime still has the QDevice (`quorum.device.*` keys), from `corosync-cmapctl quorum.`. */
export const runtimeHasDevice = (cmap: string) => /^quorum\.device\./m.test(cmap);
