/**
 * The host commands of replace-node, on the survivor (the node that stays), the QDevice VM and the dead node's address.
 * Facts behind each (real pvecm 9.1.6 with a QDevice, docs/proxmox-contract.md "Node loss and replacement").
 */
import type { ClusterConfig, HostConfig } from '../../src/config/schema';
import { quote, sh } from '../../src/ssh/quote';
import { backup, hostByName, on, template, type CommandSet } from '../../src/step-kit/commands';

/** The node that stays: the other one of cluster.yaml's two. */
export function survivorOf(config: ClusterConfig, dead: string): HostConfig {
  const other = config.nodes.find((n) => n.name !== dead);
  if (!other || other.name === dead || !config.nodes.some((n) => n.name === dead)) throw new Error(`${dead} is not a node of ${config.cluster.name}`);
  return other;
}

const WRITE_TEST = '/etc/pve/.pve-twonode-write-test';

export function replaceCommands(config: ClusterConfig, dead: string, backupDir: string) {
  const survivor = survivorOf(config, dead);
  const gone = hostByName(config, dead);
  const vm = config.qdevice;
  const keyLine = ` root@${dead}$`;
  // A file in /etc/pve is backed up into this run's folder (pmxcfs refuses cp -a's modes beside it); others beside it.
  const saveFirst = (file: string) =>
    file.startsWith('/etc/pve/')
      ? `{ f=${quote(file)}; mkdir -p ${quote(backupDir)} && cp "$f" ${quote(`${backupDir}/${file.slice(1).replaceAll('/', '_')}`)}; }`
      : backup(file);
  const knownHosts = (host: HostConfig, file: string) => ({
    where: `${host.name}:${file}`,
    find: on(host, 'check', sh`for k in ${dead} ${gone.ip}; do ssh-keygen -F "$k" -f ${file}; done 2>/dev/null | grep -v '^#' || true`),
    // ssh-keygen -R edits a copy (it renames and links beside the file, which pmxcfs refuses); the copy goes back in
    // place with cat, after a backup; hashed entries are found too.
    remove: on(
      host,
      'act',
      `test ! -e ${quote(file)} || { ${saveFirst(file)} && cp "$f" /tmp/pve-twonode-kh && ssh-keygen -R ${quote(dead)} -f /tmp/pve-twonode-kh && ssh-keygen -R ${quote(gone.ip)} -f /tmp/pve-twonode-kh && cat /tmp/pve-twonode-kh > "$f" && rm -f /tmp/pve-twonode-kh /tmp/pve-twonode-kh.old; }`,
    ),
  });
  return {
    // The dead node's address: any answer at all (its sshd) is a sign of life.
    probe: on(gone, 'check', 'true', { timeoutMs: 15_000 }),
    status: on(survivor, 'check', 'pvecm status'),
    corosyncConf: on(survivor, 'check', 'cat /etc/pve/corosync.conf'),
    qnetdClients: on(vm, 'check', 'corosync-qnetd-tool -l'),
    haStatus: on(survivor, 'check', 'ha-manager status'),
    // The dead node's guests, as pmxcfs keeps their configs, and which of them HA manages (it recovers only those).
    deadGuests: on(survivor, 'check', sh`find /etc/pve/nodes/${dead}/qemu-server /etc/pve/nodes/${dead}/lxc -name '*.conf' 2>/dev/null || true`),
    haResources: on(survivor, 'check', 'cat /etc/pve/ha/resources.cfg 2>/dev/null || true'),
    replicationJobs: on(survivor, 'check', 'pvesr list'),
    listBackup: on(survivor, 'check', sh`ls ${backupDir} 2>/dev/null || true`),
    backup: on(
      survivor,
      'act',
      // corosync.conf as the cluster and the node run it, /etc/pve whole, and pmxcfs's database by sqlite's own backup
      // (a consistent copy of a database in use); the node's directory follows later as its own archive.
      sh`umask 077 && mkdir -p ${backupDir} && cp /etc/pve/corosync.conf ${backupDir}/corosync.conf && cp /etc/corosync/corosync.conf ${backupDir}/corosync.conf.local && tar -C /etc -czf ${backupDir}/etc-pve.tar.gz pve && sqlite3 /var/lib/pve-cluster/config.db ${`.backup ${backupDir}/config.db`}`,
      { timeoutMs: 120_000 },
    ),
    checkBackup: on(
      survivor,
      'verify',
      sh`tar -tzf ${backupDir}/etc-pve.tar.gz | grep -qx pve/corosync.conf && grep -q totem ${backupDir}/corosync.conf && sqlite3 ${backupDir}/config.db 'PRAGMA integrity_check'`,
    ),
    deleteJob: template('<job>', (job) => on(survivor, 'act', sh`pvesr delete ${job} --force`)),
    delnode: on(survivor, 'act', sh`pvecm delnode ${dead}`, { timeoutMs: 120_000 }),
    qdeviceRemove: on(survivor, 'act', 'pvecm qdevice remove', { timeoutMs: 120_000 }),
    writeTest: on(survivor, 'verify', `touch ${WRITE_TEST} && rm -f ${WRITE_TEST} && echo writable`),
    nodeDir: on(survivor, 'check', sh`test -d /etc/pve/nodes/${dead} && echo present || true`),
    moveNodeDir: on(
      survivor,
      'act',
      sh`umask 077 && mkdir -p ${backupDir} && tar -C /etc/pve/nodes -czf ${backupDir}/node-${dead}.tar.gz ${dead} && rm -rf /etc/pve/nodes/${dead}`,
    ),
    authorizedKeys: on(survivor, 'check', sh`grep -c -- ${keyLine} /etc/pve/priv/authorized_keys || true`),
    // pmxcfs takes a rewrite in place; grep -v exits 1 when no line is left, which is not an error here.
    dropAuthorizedKeys: on(
      survivor,
      'act',
      `${saveFirst('/etc/pve/priv/authorized_keys')} && { grep -v -- ${quote(keyLine)} "$f" > /tmp/pve-twonode-keys || true; } && cat /tmp/pve-twonode-keys > "$f" && rm -f /tmp/pve-twonode-keys`,
    ),
    knownHosts: [knownHosts(survivor, '/root/.ssh/known_hosts'), knownHosts(survivor, '/etc/pve/priv/known_hosts'), knownHosts(vm, '/root/.ssh/known_hosts')],
  };
}

/** The commands as `plan` lists them. */
export function replaceCommandSets(config: ClusterConfig, dead: string, backupDir: string): CommandSet[] {
  const { knownHosts, ...rest } = replaceCommands(config, dead, backupDir);
  return [rest, ...knownHosts.map(({ find, remove }) => ({ find, remove }))];
}
