# Shared by the lab's remaining Proxmox stand-ins (ha-manager, qm, the HA agent; pve-ha-manager is not built yet). Runs inside a lab host (own mount/PID/net namespaces).
LAB=$(cat /run/lab/lab-dir)
ME=$(hostname)
PVE_CONF=/etc/pve/corosync.conf
COROSYNC_CONF=/etc/corosync/corosync.conf
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Errors as the PVE CLI tools print them: the message on stderr, exit 255.
die() { printf '%s\n' "$*" >&2; exit 255; }
quorate() { corosync-quorumtool -s >/dev/null 2>&1; }
in_cluster() { [[ -s $COROSYNC_CONF && -s /etc/corosync/authkey ]]; }
# "name nodeid ip" per node of the cluster config
conf_nodes() {
  awk '/^[ \t]*node \{/ {n=""; id=""; ip=""} /^[ \t]*name:/ {n=$2} /^[ \t]*nodeid:/ {id=$2} /^[ \t]*ring0_addr:/ {ip=$2} /^[ \t]*\}/ && n != "" {print n, id, ip; n=""}' "${1:-$PVE_CONF}" 2>/dev/null
}
# Names of the nodes in the current membership, lowest node id first (corosync-quorumtool -l prints nodelist names;
# a Qdevice flags column appears once a QDevice is registered).
members() {
  corosync-quorumtool -l 2>/dev/null |
    awk '$1 ~ /^(0x)?[0-9a-f]+$/ && $1 != "0" && $1 != "0x00000000" {name = ($NF == "(local)") ? $(NF-1) : $NF; if (name != "Qdevice") print $1, name}' |
    sort -n | awk '{print $2}'
}

vm_conf_dir() { echo "/etc/pve/nodes/$1/qemu-server"; }
