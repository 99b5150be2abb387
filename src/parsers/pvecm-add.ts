/**
 * What a failed `pvecm add` printed. pvecm runs the join in a forked worker and exits 0 whatever happens in it, so
 * these texts (real pvecm of pve-cluster 9.1.6, docs/proxmox-contract.md) are the only sure sign of a join that cannot
 * come; each maps to what a person has to do.
 */
export interface JoinFailure {
  /** pvecm's own line, verbatim. */
  said: string;
  /** What to do about it. */
  fix: string;
  /** The same join may work when tried again shortly (node 1's pmxcfs not quorate yet right after create). */
  transient?: boolean;
}

const KNOWN: { pattern: RegExp; fix: (m: RegExpExecArray, details: string) => string; transient?: boolean }[] = [
  {
    pattern: /^Check if node may join a cluster failed!$/m,
    fix: (_m, details) =>
      `node 2 must be a fresh node: ${details || 'no guests, no /etc/corosync/authkey, no /etc/pve/corosync.conf, corosync not running'} (move or remove its guests first; pvecm add --force is not used)`,
  },
  {
    pattern: /^unable to copy ssh ID: .*$/m,
    fix: () =>
      "node 1 does not trust node 2's /root/.ssh/id_rsa, or node 2 does not know node 1's host key; the join-prereqs step sets up both (see its result)",
  },
  {
    pattern: /Host key verification failed\.?/m,
    fix: () => "node 2's /root/.ssh/known_hosts lacks node 1's host key (or holds an old one); the join-prereqs step pins it",
  },
  { pattern: /^EOF while reading password$/m, fix: () => 'pvecm add read no password on stdin: join.password must resolve to the root password of node 1' },
  { pattern: /authentication failure/m, fix: () => "node 1 refused the root password: join.password must resolve to node 1's root password" },
  {
    pattern: /Can't connect to (\S+:8006)(?: \(([^)]*)\))?/m,
    fix: (m) =>
      `node 2 cannot reach node 1's API at ${m[1]}${m[2] ? ` (${m[2]})` : ''}: pveproxy must run on node 1 and TCP 8006 be open, and join.fingerprint must match its certificate`,
  },
  {
    // Right after `pvecm create` this is pmxcfs on node 1 not quorate yet (it lags corosync by seconds): tried again.
    pattern: /cluster not ready - no quorum\??/m,
    fix: () => "node 1's cluster file system (pmxcfs) has no quorum: corosync must run and be quorate there (pvecm status on node 1)",
    transient: true,
  },
  {
    pattern: /^fingerprint '([0-9A-Fa-f:]+)' not verified, abort!$/m,
    fix: (m) =>
      `node 1's API presents a certificate with fingerprint ${m[1]}, not join.fingerprint: check it on node 1 (pvenode cert info) and put it in join.fingerprint`,
  },
  {
    pattern: /^can't rsync data from host '([^']+)'$/m,
    fix: (m, details) =>
      `node 2 could not copy the cluster's files from node 1 (${m[1]}) with rsync${/Can't exec "rsync"|rsync: command not found/.test(details) ? ': rsync is not installed on node 2 (apt-get install rsync; every Proxmox VE node has it)' : ''}; node 1 may now list node 2 without it being a member: run the guide again, its create step takes it out first`,
  },
  {
    // "! <why>" lines follow on stdout; stderr says "Cluster join aborted!".
    pattern: /^An error occurred on the cluster node: (.+)$/m,
    fix: (m, details) =>
      /invalid corosync\.conf|no nodes found/.test(`${m[1]} ${details}`)
        ? 'node 1 is not in a cluster (its corosync.conf lists no nodes): the create step must have run on node 1'
        : `node 1 refused the join (${m[1]}); see pvecm's output on node 2 and node 1's syslog (pvedaemon)`,
  },
  {
    pattern: /^(?:500 )?can't add existing node '[^']+'$/m,
    fix: () => 'node 1 already lists a node with that name: remove the stale node (pvecm delnode) first',
  },
  {
    pattern: /already used on link ring0_addr by node '[^']+'/m,
    fix: () => "another node in node 1's cluster has node 2's address: remove it (pvecm delnode) first",
  },
];

export function joinFailure(stdout: string, stderr: string): JoinFailure | null {
  const text = `${stdout}\n${stderr}`;
  // assert_joinable lists its reasons as "* ..." lines on stdout, the join API its as "! ..." lines; rsync's own error
  // comes from Perl ("Can't exec ...") or the shell ("...: command not found").
  const details = [...text.matchAll(/^(?:[*!] (.+)|(Can't exec .+|.*: command not found))$/gm)].map((m) => m[1] ?? m[2]).join('; ');
  for (const { pattern, fix, transient } of KNOWN) {
    const m = pattern.exec(text);
    if (m) return { said: m[0].trim(), fix: fix(m, details), ...(transient ? { transient } : {}) };
  }
  return null;
}
