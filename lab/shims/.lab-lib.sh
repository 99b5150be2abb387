# Shared by the lab's Proxmox emulation shims. Runs inside a lab host (own mount/PID/net namespaces).
LAB=$(cat /run/lab/lab-dir)
ME=$(hostname)
PVE_CONF=/etc/pve/corosync.conf
COROSYNC_CONF=/etc/corosync/corosync.conf
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# pvecm's exit codes (real-pvecm contract, docs/proxmox-contract.md): errors before its forked worker exit 255; errors
# inside the worker (everything `pvecm add` does after parsing) print on stderr and exit 0.
die() { printf '%s\n' "$*" >&2; exit 255; }
worker_fail() { printf '%s\n' "$*" >&2; exit 0; }
quorate() { corosync-quorumtool -s >/dev/null 2>&1; }
in_cluster() { [[ -s $COROSYNC_CONF && -s /etc/corosync/authkey ]]; }
own_ip() { getent ahostsv4 "$ME" | awk 'NR==1 {print $1}'; }
conf_version() { awk '/config_version:/ {print $2}' "${1:-$PVE_CONF}" 2>/dev/null; }
cluster_name() { awk '/cluster_name:/ {print $2}' "${1:-$PVE_CONF}" 2>/dev/null; }
# "name nodeid ip" per node of the cluster config
conf_nodes() {
  awk '/^[ \t]*node \{/ {n=""; id=""; ip=""} /^[ \t]*name:/ {n=$2} /^[ \t]*nodeid:/ {id=$2} /^[ \t]*ring0_addr:/ {ip=$2} /^[ \t]*\}/ && n != "" {print n, id, ip; n=""}' "${1:-$PVE_CONF}" 2>/dev/null
}
conf_qdevice_host() { awk '/^[ \t]*host:/ {print $2}' "${1:-$PVE_CONF}" 2>/dev/null; }
# Names of the nodes in the current membership, lowest node id first (corosync-quorumtool -l prints nodelist names;
# a Qdevice flags column appears once a QDevice is registered).
members() {
  corosync-quorumtool -l 2>/dev/null |
    awk '$1 ~ /^(0x)?[0-9a-f]+$/ && $1 != "0" && $1 != "0x00000000" {name = ($NF == "(local)") ? $(NF-1) : $NF; if (name != "Qdevice") print $1, name}' |
    sort -n | awk '{print $2}'
}

# write_conf VERSION CLUSTER "name id ip"... [qdevice-ip]: corosync.conf as `pvecm create` writes it (keys sorted,
# 2-space indent, logging to syslog only).
write_conf() {
  local version=$1 cluster=$2; shift 2
  local qdevice="" n
  [[ ${!#} != *" "* ]] && { qdevice=${!#}; set -- "${@:1:$#-1}"; }
  {
    printf 'logging {\n  debug: off\n  to_syslog: yes\n}\n\nnodelist {\n'
    for n in "$@"; do
      set -- $n
      printf '  node {\n    name: %s\n    nodeid: %s\n    quorum_votes: 1\n    ring0_addr: %s\n  }\n' "$1" "$2" "$3"
    done
    printf '}\n\nquorum {\n'
    [[ -n $qdevice ]] && printf '  device {\n    model: net\n    net {\n      algorithm: ffsplit\n      host: %s\n      tls: on\n    }\n    votes: 1\n  }\n' "$qdevice"
    printf '  provider: corosync_votequorum\n}\n\ntotem {\n  cluster_name: %s\n  config_version: %s\n  interface {\n    linknumber: 0\n  }\n  ip_version: ipv4-6\n  link_mode: passive\n  secauth: on\n  token_coefficient: 125\n  version: 2\n}\n' "$cluster" "$version"
  } >"$PVE_CONF.new"
  mv "$PVE_CONF.new" "$PVE_CONF"
}

pve_readonly() { findmnt -no OPTIONS /etc/pve 2>/dev/null | grep -q '^ro'; }
# pmxcfs: /etc/pve is writable exactly while the node is quorate (the agent follows it once a second; a writer that
# finds quorum does not wait for that tick). corosync-quorumtool exits 0 quorate, 2 not quorate, 1 when it could not
# ask (a busy corosync): only a real answer flips the mount, as pmxcfs follows corosync's quorum events, not a tool.
pve_follow_quorum() {
  local rc=0
  corosync-quorumtool -s >/dev/null 2>&1 || rc=$?
  if ((rc == 1)) && pidof corosync >/dev/null; then ! pve_readonly; return; fi
  if ((rc == 0)); then pve_readonly && mount -o remount,bind,rw /etc/pve; return 0; fi
  pve_readonly || mount -o remount,bind,ro /etc/pve
  return 1
}

# How pvecm reaches a cluster member as root (PVE::SSHInfo): the member's host key from /etc/pve/nodes/<name>/ssh_known_hosts,
# root's own key; works once the join has merged both nodes' keys into /etc/pve/priv.
SSH_MEMBER_PREFIX="/usr/bin/ssh -e none -o 'BatchMode=yes' -o 'HostKeyAlias=%s' -o 'UserKnownHostsFile=/etc/pve/nodes/%s/ssh_known_hosts' -o 'GlobalKnownHostsFile=none' root@%s --"
ssh_member_line() { printf "$SSH_MEMBER_PREFIX %s" "$1" "$1" "$2" "$3"; }
ssh_member() {
  local name=$1 ip=$2; shift 2
  /usr/bin/ssh -e none -o BatchMode=yes -o "HostKeyAlias=$name" -o "UserKnownHostsFile=/etc/pve/nodes/$name/ssh_known_hosts" \
    -o GlobalKnownHostsFile=none -o ConnectTimeout=5 "root@$ip" -- "$@" </dev/null
}
# The lab's stand-in for what is not SSH on a real cluster: the HTTPS API on port 8006 (join requests) and pmxcfs
# (config replication). Its key lives outside every file root owns (lab.sh install_pve_node), so it grants no root trust
# the guide could lean on.
lab_api() {
  local ip=$1; shift
  ssh -i "$LAB/keys/lab_api" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$LAB/keys/known_hosts" -o GlobalKnownHostsFile=none -o LogLevel=ERROR "root@$ip" "$@"
}
vm_conf_dir() { echo "/etc/pve/nodes/$1/qemu-server"; }
