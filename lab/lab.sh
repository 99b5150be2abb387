#!/usr/bin/env bash
# The rehearsal lab: three Linux "hosts" (pve1, pve2, qnetd) on this machine, each a network namespace on a lab
# bridge plus its own mount/UTS/IPC/PID namespaces, real OpenSSH, real corosync/corosync-qdevice/corosync-qnetd,
# and the real Proxmox VE code on pve1/pve2 (stand-ins only for what the machine lacks, docs/lab.md). Design and pitfalls: the README section "The rehearsal lab".
#
#   lab.sh up | down | status
#   lab.sh add-qnetd2                        the optional fourth host: a fresh Debian VM at .14 (repair move-qnetd moves
#                                            the QDevice there); writes cluster-qnetd2.yaml, the lab's cluster.yaml naming it
#   lab.sh poweroff HOST | poweron HOST      hard power cut (cable pulled, every process killed) / boot, disk kept
#   lab.sh fault HOST NAME on|off            no-rsync (rsync not installed: pvecm add --use_ssh fails half-way, exit 0), guest (a VM on the host),
#                                            day-2 failures of a built cluster: qdevice-dead, qdevice-certs, qnetd-stopped,
#                                            unplugged, qdevice-half, qnetd-rebuilt, expected-low, ha-maintenance, clock-skew (see cmd_fault);
#                                            updates: hook-fails, slow-hook (a package script fails / takes 30 s), no-boot (a reboot stays off)
#   lab.sh publish-updates                   newer packages for every host in the lab's apt repository, a new kernel among them
#   lab.sh rekey HOST                        the host reinstalled: power cycled with a new SSH host key (cluster.yaml keeps the old pin)
#   lab.sh reinstall HOST                    the host's disk wiped and installed afresh, same name and address: new host keys,
#                                            a new root key, in no cluster; prints the new ed25519 fingerprint
#   lab.sh x HOST CMD...                     run CMD inside HOST (all its namespaces)
# Power commands given on the command line (the failover test's) are logged to $LAB/power.log, one line each.
set -Eeuo pipefail

LAB=${PVE_TWONODE_LAB:-/var/lib/pve-twonode-lab}
SUBNET=10.213.7                     # exists only inside the lab
HOSTS=(pve1 pve2 qnetd)
declare -A IP=([pve1]=$SUBNET.11 [pve2]=$SUBNET.12 [qnetd]=$SUBNET.13 [qnetd2]=$SUBNET.14)
SW=pvetn-sw                         # netns holding the bridge
BR=br0
ROOT_IF=pvetn0                      # root-namespace end of the uplink
JOIN=${PVE_TWONODE_LAB_JOIN:-api}     # how the cluster.yaml joins node 2: api (password + fingerprint) or use_ssh
SOURCE_SHIMS=$(cd "$(dirname "$0")/shims" && pwd)
REPO=$(cd "$(dirname "$0")/.." && pwd)
SHIMS=$LAB/shims                    # copied there: a checkout under /tmp is hidden inside the hosts
KEY=$LAB/keys/id_ed25519
RUN=$LAB/run
HOST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# qnetd2 is one of the lab's hosts once add-qnetd2 has made its disk.
[[ -e $LAB/hosts/qnetd2/.prepared ]] && HOSTS+=(qnetd2)

log() { printf '[lab %(%T)T] %s\n' -1 "$*" >&2; }
# shellcheck source=lab/apt-repo.sh
source "$(dirname "$0")/apt-repo.sh"
die() { log "ERROR: $*"; exit 1; }
need_root() { [[ $EUID -eq 0 ]] || die "the lab needs root (network namespaces, mounts): run it with sudo"; }
is_vm() { [[ $1 == qnetd || $1 == qnetd2 ]]; }
known_host() { [[ " ${HOSTS[*]} " == *" $1 "* ]] || die "unknown host '$1' (one of: ${HOSTS[*]})"; }

# The real Proxmox VE code on the PVE nodes (scripts/build-pve.sh: pmxcfs, pvecm, pveproxy, pvedaemon and the Perl
# modules they load, built from $PVE_TWONODE_PVE_SRC), laid over their /usr. Built at `lab up`, its path kept in
# $LAB/pve-root for later boots.
pve_root() { cat "$LAB/pve-root" 2>/dev/null || true; }
build_pve_code() {
  [[ -s $LAB/pve-root ]] && return 0
  local reason root
  reason=$(bash "$REPO/scripts/build-pve.sh" --check) ||
    die "the lab runs the real Proxmox VE code and has no sources: $reason; scripts/fetch-pve-sources.sh clones them (docs/lab.md)"
  root=$(bash "$REPO/scripts/build-pve.sh") || die "building the Proxmox VE code failed (see above)"
  printf '%s\n' "$root" >"$LAB/pve-root"
  log "PVE nodes run the Proxmox VE code built from $PVE_TWONODE_PVE_SRC"
}

# Never send a packet unless the lab subnet is routed to our own veth.
assert_lab_route() {
  local r; r=$(ip -4 route get "${IP[pve1]}" 2>/dev/null || true)
  [[ $r == *" dev $ROOT_IF "* ]] || die "lab subnet is not routed via $ROOT_IF ($r); refusing to send traffic"
}

# ------------------------------------------------------------------ processes
ns_exists() { [[ -e /run/netns/$1 ]]; }
cmdline() { tr '\0\n' '  ' 2>/dev/null <"/proc/$1/cmdline" || true; }
launcher_pid() { cat "$RUN/$1.pid" 2>/dev/null || true; }
is_launcher() { [[ -n $2 && $(cmdline "$2") == "unshare "*"lab-boot $1 "* ]]; }
# Root-namespace PID of the host's PID 1, verified by its command line; empty when the host is off.
init_pid() {
  local h=$1 u c
  u=$(launcher_pid "$h"); is_launcher "$h" "$u" || return 0
  for c in $(cat /proc/"$u"/task/"$u"/children 2>/dev/null); do
    [[ $(cmdline "$c") == "lab-init $h "* ]] && { echo "$c"; return 0; }
  done
  return 0
}
running() { [[ -n $(init_pid "$1") ]]; }
x() {
  local h=$1; shift; local p; p=$(init_pid "$h")
  [[ -n $p ]] || die "host $h is powered off"
  nsenter -t "$p" -a -- env -i PATH="$HOST_PATH" HOME=/root LANG=C.UTF-8 "$@"
}

# -------------------------------------------------------------------- network
net_up() {
  [[ -e /run/netns || -e $RUN/created-run-netns ]] || { mkdir -p "$RUN"; touch "$RUN/created-run-netns"; }
  ns_exists "$SW" || ip netns add "$SW"
  ip -n "$SW" link set lo up
  ip -n "$SW" link show "$BR" >/dev/null 2>&1 || ip -n "$SW" link add "$BR" type bridge stp_state 0
  ip -n "$SW" link set "$BR" up
  if ! ip link show "$ROOT_IF" >/dev/null 2>&1; then
    ip link add "$ROOT_IF" type veth peer name uplink netns "$SW"
    sysctl -qw net.ipv6.conf."$ROOT_IF".disable_ipv6=1
    ip addr add "$SUBNET.1/24" dev "$ROOT_IF"
    ip -n "$SW" link set uplink master "$BR" up
    ip link set "$ROOT_IF" up
  fi
  local h
  for h in "${HOSTS[@]}"; do
    ns_exists "$h" || ip netns add "$h"
    if ! ip -n "$h" link show eth0 >/dev/null 2>&1; then
      ip -n "$h" link add eth0 type veth peer name "$h" netns "$SW"
      ip netns exec "$h" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
      ip -n "$h" addr add "${IP[$h]}/24" dev eth0
      ip -n "$SW" link set "$h" master "$BR" up
    fi
    ip -n "$h" link set lo up
    ip -n "$h" link set eth0 up
  done
  assert_lab_route
}

# ---------------------------------------------------------------- host disks
# Each host's "disk" lives under $LAB/hosts/<h> and survives power cycles; a PVE node's /etc/pve is its own pmxcfs,
# whose database is on that disk.
prepare_disks() {
  mkdir -p "$LAB/keys" "$RUN"
  rm -rf "$SHIMS"; cp -a "$SOURCE_SHIMS" "$SHIMS"
  [[ -f $KEY ]] || ssh-keygen -q -t ed25519 -N '' -C lab-controller -f "$KEY"
  local h
  for h in "${HOSTS[@]}"; do prepare_host_disk "$h"; done
  write_lab_keys
}

# One host's disk as its installer leaves it (nothing when it has one already).
prepare_host_disk() {
  local h=$1 H=$LAB/hosts/$1
  [[ -f $H/.prepared ]] && return 0
  rm -rf "$H"
  mkdir -p "$H"/{etc-upper,etc-work,etc-corosync,etc-ssh,var-lib-corosync,var-log/corosync,root/.ssh,state/services,state/faults}
  # Its own installed software: /usr and the dpkg database as overlays on the machine's, apt's lists and cache, /boot.
  mkdir -p "$H"/{usr-upper,usr-work,dpkg-upper,dpkg-work,var-lib-apt/lists/partial,var-cache-apt/archives/partial,boot}
  # apt reaches no mirror from the lab: its one source is the lab's repository (lab/apt-repo.sh).
  mkdir -p "$H/etc-upper/apt/sources.list.d"
  echo '# LAB: no Debian mirror is reachable from the lab; see pve-twonode-lab.list' >"$H/etc-upper/apt/sources.list.d/debian.sources"
  echo 'deb [trusted=yes] file:/run/lab-repo ./' >"$H/etc-upper/apt/sources.list.d/pve-twonode-lab.list"
  [[ -d /etc/corosync/uidgid.d ]] && cp -a /etc/corosync/uidgid.d "$H/etc-corosync/"
  cp -a /etc/ssh/. "$H/etc-ssh/"
  new_host_keys "$h"
  mkdir -p "$H/etc-ssh/sshd_config.d"
  cat >"$H/etc-ssh/sshd_config.d/lab.conf" <<CONF
ListenAddress ${IP[$h]}:22
ListenAddress 127.0.0.1:22
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PidFile /run/sshd.pid
# Every command received over SSH is logged (the fault tests count acts from it), then run as asked.
ForceCommand /usr/local/sbin/lab-audit
CONF
  printf '%s\n' "$h" >"$H/etc-hostname"
  if ! is_vm "$h"; then
    # What the Proxmox VE installer writes: the node's name on its LAN address (pmxcfs refuses a loopback one).
    printf '127.0.0.1\tlocalhost.localdomain localhost\n%s\t%s.lab.internal %s\n\n::1\t\tip6-localhost ip6-loopback\n' "${IP[$h]}" "$h" "$h" >"$H/etc-hosts"
  else
    # Debian's installer default: the host's own name on 127.0.1.1 (the guide's hosts step fixes it).
    printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' "$h" >"$H/etc-hosts"
  fi
  chmod 700 "$H/root" "$H/root/.ssh"
  # Per-host package state: what `apt-get install` adds; binaries of missing packages are hidden at boot.
  case $h in
    pve1|pve2) printf '%s\n' openssh-server corosync chrony pve-manager rsync >"$H/state/packages"; touch "$H/state/services/chrony" "$H/state/services/pveproxy" ;;
    qnetd|qnetd2) printf '%s\n' openssh-server >"$H/state/packages" ;;
  esac
  printf '%s\n' "$LAB" >"$H/state/lab-dir"
  # /etc/pve: pve1's becomes the cluster's; pve2 keeps a local one until `pvecm add` replaces it.
  case $h in
    pve1|pve2)
      # The owner's key, which pve-cluster's first start (pvecm updatecerts) moves into /etc/pve/priv/authorized_keys.
      install -m 600 "$KEY.pub" "$H/root/.ssh/authorized_keys"; touch "$H/state/pve-node"
      mkdir -p "$H/var-lib-pve-cluster"
      install -d -m 0700 -o www-data -g www-data "$H/var-log/pveproxy" ;;   # as pve-manager's package installs it
    qnetd|qnetd2) install -m 600 "$KEY.pub" "$H/root/.ssh/authorized_keys" ;;   # the owner's key, nothing else
  esac
  if [[ -e $H/state/pve-node ]]; then
    # pve-ha-manager's own defaults file (the watchdog-mux unit's EnvironmentFile), with the hardware stand-in.
    mkdir -p "$H/etc-upper/default"
    printf '%s\n' '# select watchdog module (default is softdog)' '#WATCHDOG_MODULE=ipmi_watchdog' \
      '# LAB STAND-IN: the hardware watchdog, preloaded into the real watchdog-mux (lab/pve/stubs/watchdog-hw.c)' \
      'LD_PRELOAD=/usr/lib/pve-twonode-lab/watchdog-hw.so' >"$H/etc-upper/default/pve-ha-manager"
  fi
  touch "$H/.prepared"
}

# The controller's keys and the lab's own known_hosts (the hosts' current keys).
write_lab_keys() {
  local h
  # The worker's copy of the owner's key, encrypted: its passphrase is a secret the worker resolves from a file (the
  # lab's own ssh uses the plain key). The end-to-end test searches every trace of a run for it.
  [[ -f $LAB/keys/worker-key-passphrase ]] || (umask 077; head -c 18 /dev/urandom | base64 >"$LAB/keys/worker-key-passphrase")
  if [[ ! -f $LAB/keys/worker_ed25519 ]]; then
    install -m 600 "$KEY" "$LAB/keys/worker_ed25519"
    ssh-keygen -q -p -P '' -N "$(cat "$LAB/keys/worker-key-passphrase")" -f "$LAB/keys/worker_ed25519"
  fi
  # pve1's root password for the API join, readable only by root on the machine; the cluster.yaml references it.
  [[ -f $LAB/keys/pve1-root-password ]] || (umask 077; head -c 18 /dev/urandom | base64 >"$LAB/keys/pve1-root-password")
  install -m 600 "$LAB/keys/pve1-root-password" "$LAB/hosts/pve1/state/root-password"
  : >"$LAB/keys/known_hosts"
  for h in "${HOSTS[@]}"; do
    printf '%s,%s %s\n' "$h" "${IP[$h]}" "$(host_key "$h")" >>"$LAB/keys/known_hosts"
  done
}

host_key() { cut -d' ' -f1,2 "$LAB/hosts/$1/etc-ssh/ssh_host_ed25519_key.pub"; }

# The host keys a fresh Debian or Proxmox VE install has (openssh-server's postinst runs ssh-keygen -A): rsa, ecdsa and
# ed25519. The owner pins the ed25519 one; OpenSSH clients learn the others (UpdateHostKeys).
new_host_keys() {
  local h=$1 t
  rm -f "$LAB/hosts/$h"/etc-ssh/ssh_host_*
  for t in rsa ecdsa ed25519; do ssh-keygen -q -t "$t" -N '' -C "root@$h" -f "$LAB/hosts/$h/etc-ssh/ssh_host_${t}_key"; done
}

# ----------------------------------------------------------------------- boot
# PID 1 of the host's own PID namespace, inside its netns and new mount/UTS/IPC namespaces (propagation private).
host_init() {
  set -e
  local h=$1 LAB=$2 SHIMS=$3 PVE_ROOT=$4 H=$2/hosts/$1 tool
  hostname "$h"
  mount -n -t tmpfs -o nosuid,nodev,mode=0755,size=64m lab-run /run   # first, -n: libmount would write /run/mount in the machine's /run
  mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
  # Its own /dev: the device nodes a daemon uses, its own ptys, and /dev/log served by the host's syslog (below).
  mount -n -t tmpfs -o nosuid,mode=0755,size=1m lab-dev /dev
  mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5; mknod -m 666 /dev/full c 1 7
  mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9; mknod -m 666 /dev/tty c 5 0
  mknod -m 600 /dev/fuse c 10 229
  mkdir -p /dev/pts /dev/shm; mount -t devpts -o newinstance,ptmxmode=0666,mode=620 lab-pts /dev/pts; ln -s pts/ptmx /dev/ptmx
  ln -s /proc/self/fd /dev/fd; ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
  # A PVE node of the real code: the built Proxmox VE packages laid over the machine's /usr, read-only, as if installed.
  # Writable per host (upper on its disk), so the real dpkg installs into this host's /usr alone.
  local usr_lower=/usr; [[ -e $H/state/pve-node ]] && usr_lower=$PVE_ROOT/usr:/usr
  mount -n -t overlay lab-usr -o "lowerdir=$usr_lower,upperdir=$H/usr-upper,workdir=$H/usr-work" /usr
  mount -n -t overlay lab-dpkg -o "lowerdir=/var/lib/dpkg,upperdir=$H/dpkg-upper,workdir=$H/dpkg-work" /var/lib/dpkg
  mount --bind "$H/var-lib-apt" /var/lib/apt
  mount --bind "$H/var-cache-apt" /var/cache/apt
  mount --bind "$H/boot" /boot
  # The host's own /etc: an overlay on the machine's, so every write (backups, timesyncd.conf, /etc/pve's mount
  # point) lands on this host's disk and never in the machine's /etc.
  mount -n -t overlay lab-etc -o "lowerdir=/etc,upperdir=$H/etc-upper,workdir=$H/etc-work" /etc
  mount --bind "$H/etc-corosync" /etc/corosync
  mount --bind "$H/etc-ssh" /etc/ssh
  mount --bind "$H/var-lib-corosync" /var/lib/corosync
  mount --bind "$H/var-log" /var/log
  mount --bind "$H/root" /root
  mount --bind "$H/etc-hosts" /etc/hosts
  mount --bind "$H/etc-hostname" /etc/hostname
  mkdir -p /run/lab
  mount -t tmpfs -o size=1m lab-sbin /usr/local/sbin
  for tool in "$SHIMS"/*; do
    ln -s "$tool" "/usr/local/sbin/$(basename "$tool")"
  done
  # LAB STAND-IN: qemu-server reads the cgroup mode from /sys/fs/cgroup, which a fresh sysfs mount leaves empty; a
  # marked tmpfs there reads as cgroup v1 (a real PVE 9 node is v2; no guest here needs a cgroup).
  if [[ -e $H/state/pve-node ]]; then mount -t tmpfs -o size=1m lab-fake-cgroup /sys/fs/cgroup; fi
  ln -s "$SHIMS/apt-get" /usr/local/sbin/apt
  # Proxmox's Perl code runs systemctl by its full path (it sets PATH itself): the stand-in for systemd is there too.
  mount --bind "$SHIMS/systemctl" /usr/bin/systemctl
  mount --bind "$H/state" /run/lab   # host state (packages, services, faults) at a fixed path for the shims
  # The lab's package repository, read-only; and the kernel this boot runs: the newest in /boot (lab/shims/uname).
  mkdir -p /run/lab-repo; mount --bind -o ro "$LAB/repo" /run/lab-repo
  ls /boot/vmlinuz-* 2>/dev/null | sed 's#.*/vmlinuz-##' | sort -V | tail -n 1 >/run/lab-kernel-release
  # LAB STAND-IN: the hosts share the machine's kernel and so its boot id; each boot of a host gets one of its own.
  cat /proc/sys/kernel/random/uuid >/run/lab-boot-id; mount --bind -o ro /run/lab-boot-id /proc/sys/kernel/random/boot_id
  if [[ -e $H/state/pve-node ]]; then
    # pmxcfs mounts /etc/pve itself; its database lives on the node's disk.
    mkdir -p /etc/pve /var/lib/pve-cluster; mount --bind "$H/var-lib-pve-cluster" /var/lib/pve-cluster
  fi
  mount -t tmpfs -o nosuid,nodev,mode=1777,size=256m lab-shm /dev/shm
  mount -t tmpfs -o nosuid,nodev,mode=1777,size=256m lab-tmp /tmp
  mkdir -p /run/lock /run/sshd; chmod 1777 /run/lock
  # Binaries of packages this host has not installed are replaced by "command not found" (apt-get reveals them).
  local pkg tools
  while read -r pkg tools; do
    grep -qx "$pkg" /run/lab/packages && continue
    for tool in $tools; do mount --bind "$SHIMS/.not-installed" "$tool"; done
  done <"$SHIMS/.package-binaries"
  # syslog: /dev/log to /var/log/syslog (pmxcfs, corosync, the PVE daemons log there, as to the journal on a real host).
  setsid perl -MIO::Socket::UNIX -e 'unlink "/dev/log"; my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => "/dev/log") or die "/dev/log: $!";
    chmod 0666, "/dev/log"; $0 = "lab-syslog"; open(my $fh, ">>", "/var/log/syslog") or die; $fh->autoflush(1);
    while (defined $s->recv(my $m, 65536)) { $m =~ s/^<\d+>//; $m =~ s/
+$//; print $fh "$m
" }' </dev/null >/dev/null 2>&1 &
  : >/run/lab-ready
  exec -a "lab-init $h" perl -e '$SIG{TERM}=$SIG{INT}=$SIG{HUP}=sub{exit 0}; while (1) { my $p = waitpid(-1, 0); sleep 1 if $p <= 0 }'
}

boot() {
  local h=$1 i p
  running "$h" && return 0
  ns_exists "$h" || die "netns $h missing (run lab up)"
  rm -f "$RUN/$h.pid"
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$RUN/$h.pid" \
    nsenter --net=/run/netns/"$h" -- \
    unshare --mount --uts --ipc --pid --fork --kill-child --mount-proc --propagation private -- \
    bash -c "$(declare -f host_init); host_init \"\$@\"" lab-boot "$h" "$LAB" "$SHIMS" "$(pve_root)" \
    </dev/null >>"$RUN/$h.boot.log" 2>&1 &
  for i in $(seq 100); do
    p=$(init_pid "$h")
    [[ -n $p && -e /proc/$p/root/run/lab-ready ]] && break
    sleep 0.05
  done
  [[ -n ${p:-} && -e /proc/$p/root/run/lab-ready ]] || die "boot of $h timed out (see $RUN/$h.boot.log)"
  # The host's power line: the watchdog's reset and a reboot are asked inside the host and done from outside.
  setsid bash "$REPO/lab/lab.sh" watch-power "$h" </dev/null >>"$RUN/$h.power.log" 2>&1 &
}

# Runs while the host does. A watchdog that expired (lab/pve/stubs/watchdog-hw.c writes its state file) resets the host,
# as the hardware resets a node that fenced itself: its power cut (the lab's poweroff), logged to $LAB/watchdog.log.
# A reboot (the systemctl stand-in writes its request) is a power cycle, logged to $LAB/power.log.
watch_power() {
  local h=$1 reset=$LAB/hosts/$1/state/watchdog-reset reboot=$LAB/hosts/$1/state/reboot-request
  rm -f "$reset" "$reboot"
  while running "$h"; do
    if [[ -e $reset ]]; then
      rm -f "$reset"
      printf '%s reset %s\n' "$(date +%s.%N)" "$h" >>"$LAB/watchdog.log"
      poweroff "$h"
      log "$h: its watchdog expired: reset (powered off)"
      return 0
    fi
    if [[ -e $reboot ]]; then
      rm -f "$reboot"
      sleep 1   # systemd stops services first; the SSH session that asked ends with the host
      power_log reboot "$h"
      poweroff "$h"
      # Fault no-boot: the host does not come back from its reboot (a dead disk, a kernel that panics).
      if [[ -e $LAB/hosts/$h/state/faults/no-boot ]]; then log "$h: rebooted and did not come back (fault no-boot)"; return 0; fi
      poweron "$h"
      log "$h: rebooted (power cycle), running kernel $(x "$h" uname -r)"
      return 0
    fi
    sleep 0.2
  done
}

# What systemd would start at boot: ssh always; the cluster stack when configured; the lab agent on PVE nodes.
start_services() {
  local h=$1
  x "$h" systemctl start ssh >/dev/null
  x "$h" lab-boot-services
}

unplug() { ip -n "$SW" link set "$1" down; }
plug() { ip -n "$SW" link set "$1" up; }

# Power loss: the cable first (peers get no FIN/RST, as with a real power cut), then SIGKILL to the host's PID 1,
# which takes every process of its PID namespace and its tmpfs mounts with it. The disk stays.
poweroff() {
  local h=$1 p u i
  p=$(init_pid "$h"); u=$(launcher_pid "$h")
  ns_exists "$SW" && { unplug "$h" 2>/dev/null || true; }
  [[ -n $p ]] && kill -KILL "$p"
  for i in $(seq 100); do is_launcher "$h" "$u" || break; sleep 0.05; done
  rm -f "$RUN/$h.pid"
}
poweron() { plug "$1"; boot "$1"; start_services "$1"; wait_ssh "$1"; }

wait_ssh() {
  local i
  assert_lab_route
  for i in $(seq 100); do
    ssh -i "$KEY" -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=2 -o UserKnownHostsFile="$LAB/keys/known_hosts" -o StrictHostKeyChecking=yes -o LogLevel=ERROR "root@${IP[$1]}" true 2>/dev/null && return 0
    sleep 0.1
  done
  die "ssh to $1 not answering"
}

# A reinstalled host: powered off, a new SSH host key, powered on (connections made before are gone, as after a
# reinstall). The lab's own known_hosts follows (its power commands reach the host); cluster.yaml, the owner's pin, does not.
rekey() {
  local h=$1 H=$LAB/hosts/$1
  poweroff "$h"
  new_host_keys "$h"
  sed -i "/^$h,/d" "$LAB/keys/known_hosts"
  printf '%s,%s %s\n' "$h" "${IP[$h]}" "$(host_key "$h")" >>"$LAB/keys/known_hosts"
  poweron "$h"
}

# A host reinstalled from scratch: its disk wiped and installed again as at first (new host keys, a new root key made by
# a PVE node's first start, generation 1 of the packages), same name and address. cluster.yaml keeps the old pin.
reinstall() {
  local h=$1
  poweroff "$h"
  rm -rf "${LAB:?}/hosts/$h"
  prepare_host_disk "$h"
  write_lab_keys
  plug "$h"; boot "$h"; start_services "$h"; wait_ssh "$h"
  install_base_packages "$h"
  [[ $h != pve1 ]] || x pve1 chpasswd <<<"root:$(cat "$LAB/keys/pve1-root-password")"
}

power_log() { printf '%s %s %s\n' "$(date +%s.%N)" "$1" "$2" >>"$LAB/power.log"; }

# A guest's config in /etc/pve/nodes/<node>/qemu-server, written through the node's own /etc/pve.
write_guest_conf() {
  local h=$1 id=$2 name=$3 dir
  # No /dev/kvm here: the guest is configured as TCG (kvm: 0), as on a host without VT-x.
  x "$h" sh -c "mkdir -p /etc/pve/nodes/$h/qemu-server && printf 'name: $name\nmemory: 64\nkvm: 0\n' >/etc/pve/nodes/$h/qemu-server/$id.conf"
}
remove_guest_conf() {
  x "$1" rm -f "/etc/pve/nodes/$1/qemu-server/$2.conf"
}

fingerprint() { ssh-keygen -lf "$LAB/hosts/$1/etc-ssh/ssh_host_ed25519_key.pub" | cut -d' ' -f2; }
api_fingerprint() {
  x pve1 openssl x509 -noout -fingerprint -sha256 -in /etc/pve/nodes/pve1/pve-ssl.pem | cut -d= -f2
}

worker_auth() { printf '{ key_file: %s, passphrase: { file: %s } }' "$LAB/keys/worker_ed25519" "$LAB/keys/worker-key-passphrase"; }

# The lab as a cluster.yaml, its QDevice on VM $1 (qnetd, or qnetd2 after a move), written to $2.
write_cluster_yaml() {
  local vm=$1 out=$2 h
  {
    echo "# Written by 'pve-twonode lab up': the rehearsal lab as a cluster.yaml (host keys pinned, secrets by reference)."
    echo "cluster:"
    echo "  name: labclu"
    echo "nodes:"
    for h in pve1 pve2; do
      printf '  - name: %s\n    ip: %s\n    ssh:\n      host_key: %s\n      auth: %s\n' "$h" "${IP[$h]}" "$(fingerprint "$h")" "$(worker_auth)"
    done
    printf 'qdevice:\n  name: %s\n  ip: %s\n  ssh:\n    host_key: %s\n    auth: %s\n' "$vm" "${IP[$vm]}" "$(fingerprint "$vm")" "$(worker_auth)"
    echo "ntp:"
    echo "  servers: [0.debian.pool.ntp.org, 1.debian.pool.ntp.org]"
    echo "join:"
    if [[ $JOIN == use_ssh ]]; then
      echo "  method: use_ssh"
    else
      echo "  method: api"
      echo "  password: { file: $LAB/keys/pve1-root-password }"
      echo "  fingerprint: $(api_fingerprint)"
    fi
    echo "ha:"
    echo "  resources:"
    echo "    - { sid: vm:100, max_restart: 1, max_relocate: 1, preferred_node: pve1 }"
    echo "failover:"
    echo "  enabled: true"
    echo "  node: auto"
    echo "  power_off: { command: [$(cd "$(dirname "$0")" && pwd)/lab.sh, poweroff, '{node}'] }"
    echo "  power_on: { command: [$(cd "$(dirname "$0")" && pwd)/lab.sh, poweron, '{node}'] }"
    echo "  down_for: 30s"
    echo "  recovery_timeout: 6m"
  } >"$out"
}

# What the installer put there: generation 1 of the lab repository's packages, with the real dpkg. The kernel it
# installs is the one the host runs from its next boot on; the first boot already counts it (a fresh install booted it).
install_base_packages() {
  local h=$1 H=$LAB/hosts/$1 debs="" f
  [[ -e $H/.base-installed ]] && return 0
  for f in $(base_packages "$h"); do debs="$debs /run/lab-repo/pool/$f"; done
  # shellcheck disable=SC2086
  x "$h" dpkg -i $debs >>"$RUN/$h.boot.log" 2>&1 || die "installing $h's base packages failed (see $RUN/$h.boot.log)"
  x "$h" sh -c 'rm -f /run/reboot-required /run/reboot-required.pkgs; ls /boot/vmlinuz-* | sed "s#.*/vmlinuz-##" | sort -V | tail -n 1 >/run/lab-kernel-release'
  touch "$H/.base-installed"
}

cmd_up() {
  need_root
  local t0=$SECONDS h
  mkdir -p "$LAB" "$RUN"
  build_pve_code
  ensure_repo
  net_up
  prepare_disks
  for h in "${HOSTS[@]}"; do boot "$h"; done
  # The hosts boot side by side (each PVE node's pvedaemon and pveproxy take seconds to load Proxmox's API).
  local pids=() p
  for h in "${HOSTS[@]}"; do start_services "$h" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || die "a host's services did not start (see $RUN/*.boot.log and the host's /var/log)"; done
  for h in "${HOSTS[@]}"; do wait_ssh "$h"; done
  for h in "${HOSTS[@]}"; do install_base_packages "$h"; done
  # The HA guest: VM 100 on pve1 (a standalone node may have guests; the joining node may not).
  [[ -e $LAB/hosts/pve1/.guest-created ]] || {
    write_guest_conf pve1 100 homeassistant
    touch "$LAB/hosts/pve1/.guest-created"
  }
  # pve1's root password (the API join logs in with it through PAM), set as the installer sets it.
  x pve1 chpasswd <<<"root:$(cat "$LAB/keys/pve1-root-password")"
  write_cluster_yaml qnetd "$LAB/cluster.yaml"
  log "lab up in $((SECONDS - t0)) s; config: $LAB/cluster.yaml"
  echo "$LAB/cluster.yaml"
}

# A second Debian VM, fresh (sshd and the owner's key, nothing else), on the same lab network.
cmd_add_qnetd2() {
  need_root
  [[ -e $LAB/cluster.yaml ]] || die "the lab is not up (run lab up first)"
  [[ " ${HOSTS[*]} " == *" qnetd2 "* ]] || HOSTS+=(qnetd2)
  net_up
  prepare_disks
  boot qnetd2
  start_services qnetd2
  wait_ssh qnetd2
  write_cluster_yaml qnetd2 "$LAB/cluster-qnetd2.yaml"
  log "qnetd2 up at ${IP[qnetd2]}; config naming it: $LAB/cluster-qnetd2.yaml"
  echo "$LAB/cluster-qnetd2.yaml"
}

cmd_down() {
  need_root
  local h
  for h in "${HOSTS[@]}"; do poweroff "$h"; done
  for h in "${HOSTS[@]}" "$SW"; do ns_exists "$h" && ip netns del "$h"; done
  ip link show "$ROOT_IF" >/dev/null 2>&1 && ip link del "$ROOT_IF"
  if [[ -e $RUN/created-run-netns && -d /run/netns && -z $(ls -A /run/netns) ]]; then
    umount -n /run/netns 2>/dev/null || true; rmdir /run/netns 2>/dev/null || true
  fi
  rm -rf "$LAB"
  rmdir /var/lib/pve-cluster 2>/dev/null || true
  log "lab down"
}

cmd_status() {
  local h
  for h in "${HOSTS[@]}"; do
    if running "$h"; then
      echo "== $h ${IP[$h]}: on (init pid $(init_pid "$h"))"
      if is_vm "$h"; then x "$h" sh -c 'corosync-qnetd-tool -s 2>&1 | head -3' || true
      else x "$h" sh -c 'corosync-quorumtool -s 2>&1 | grep -E "Quorate|Total votes|Expected votes|Flags" || echo "not in a cluster"' || true; fi
    else echo "== $h ${IP[$h]}: off"; fi
  done
}

FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

fault_qdevice_certs() {
  local h=$1 state=$2 nssdb=/etc/corosync/qdevice/net/nssdb kept=/run/lab/faults/qdevice-nssdb
  if [[ $state == on ]]; then
    x "$h" test -d $nssdb || die "no QDevice certificate store on $h"
    # As after a reinstall: no certificates, corosync restarted, corosync-qdevice not running, so the node shows NR.
    # (A corosync-qdevice started without certificates registers, then dies: that shows NA,NV instead.)
    x "$h" sh -c "systemctl stop corosync-qdevice; mv $nssdb $kept && systemctl restart corosync" >/dev/null
  else
    x "$h" sh -c "test -d $kept && mv $kept $nssdb; systemctl start corosync-qdevice" >/dev/null
  fi
}

# The case bcleonard#26 describes (docs/proxmox-contract.md): the QDevice removed, corosync-qdevice "not installed" on
# this node (its binaries hidden again, as at boot), then `pvecm qdevice setup` on node 1 stops with exit 127 after node 1
# got its certificates. off installs the package on this node (the owner's fix), nothing more.
fault_qdevice_half() {
  local h=$1 state=$2 first=pve1 t
  if [[ $state == off ]]; then x "$h" apt-get install -y corosync-qdevice >/dev/null; return 0; fi
  x "$first" sh -c 'pvecm qdevice remove >/dev/null 2>&1; true'
  x "$h" sh -c "sed -i '/^corosync-qdevice\$/d' /run/lab/packages" 
  for t in $(awk '$1 == "corosync-qdevice" {$1 = ""; print}' "$SHIMS/.package-binaries"); do x "$h" mount --bind "$SHIMS/.not-installed" "$t"; done
  x "$first" sh -c "pvecm qdevice setup ${IP[qnetd]} >/dev/null 2>&1; true"
}

# As Debian's corosync-qnetd postinst does on a fresh install: a new certificate store, readable by coroqnetd.
# off puts the old store back (the VM restored from its backup).
fault_qnetd_rebuilt() {
  local h=$1 state=$2 db=/etc/corosync/qnetd/nssdb kept=/run/lab/faults/qnetd-nssdb
  if [[ $state == on ]]; then
    x "$h" sh -c "systemctl stop corosync-qnetd; mv $db $kept && corosync-qnetd-certutil -i >/dev/null 2>&1 &&
      chown root:coroqnetd $db $db/* && chmod 750 $db && systemctl start corosync-qnetd" >/dev/null
  else
    x "$h" sh -c "test -d $kept && { systemctl stop corosync-qnetd; rm -rf $db; mv $kept $db; systemctl start corosync-qnetd; }" >/dev/null
  fi
}

# SIGKILL to corosync-qdevice on a host; false when none ran. pidof also lists a corosync-qdevice-tool started meanwhile
# (both names cut to "corosync-qdevic"), which may be gone by the kill: a vanished PID is not a failure.
# Its unit has Restart=on-failure, so systemd would start it again within a second: the fault marks the unit failed
# first, as systemd leaves a unit that hit its start limit (the next `systemctl start` or `restart` clears it).
kill_qdevice() {
  x "$1" sh -c 'touch /run/lab-units/corosync-qdevice.failed; n=0; for p in $(pidof corosync-qdevice); do kill -KILL "$p" 2>/dev/null && n=$((n + 1)); done; [ "$n" -gt 0 ]'
}

votes_on() { x "$1" corosync-quorumtool -s 2>/dev/null | awk '/^Total votes:/ {print $3}'; }

# What an owner does with a node away: a `pvecm expected` override. corosync refuses an expected count below the votes
# present, so with this node and the QDevice voting (2) it takes `pvecm expected 2` (real pvecm: `expected 1` is
# refused with CS_ERR_INVALID_PARAM then, `expected 2` works); the override stays until the other node is back
# (corosync restores 3 then). Quorum is never lost on the way: with real HA a node holding a guest without quorum fences
# itself within a minute, which an earlier version of this fault (the QDevice killed to set expected 1) provoked.
fault_expected_low() {
  local h=$1 state=$2 other i
  other=$([[ $h == pve1 ]] && echo pve2 || echo pve1)
  if [[ $state == off ]]; then poweron "$other"; return 0; fi
  poweroff "$other"
  for i in $(seq 120); do [[ $(votes_on "$h") == 2 ]] && break; sleep 0.5; done
  [[ $(votes_on "$h") == 2 ]] || die "$h does not count its own vote and the QDevice's alone"
  x "$h" pvecm expected 2
}

cmd_fault() {
  local h=$1 name=$2 state=$3
  known_host "$h"
  case $name in
    guest) ;;
    # Updates (lab/apt-repo.sh): a package script that fails or takes 30 s on this host; a reboot it does not come back from.
    hook-fails) ;;
    slow-hook) ;;
    no-boot) ;;
    no-rsync)       # rsync not installed on the node (every PVE node has it): real `pvecm add --use_ssh` fails half-way, exit 0
      if [[ $state == on ]]; then
        x "$h" sh -c "sed -i '/^rsync\$/d' /run/lab/packages && mount --bind $SHIMS/.not-installed /usr/bin/rsync"
      else x "$h" apt-get install -y rsync >/dev/null; fi
      log "fault $name on $h: $state"; return 0 ;;
    qnetd-signing-broken) # the VM's corosync-qnetd-certutil fails (a full disk): a QDevice setup fails after its remove
      if [[ $state == on ]]; then x "$h" mount --bind "$SHIMS/.qnetd-signing-broken" /usr/bin/corosync-qnetd-certutil
      else x "$h" umount /usr/bin/corosync-qnetd-certutil; fi
      log "fault $name on $h: $state"; return 0 ;;
    # Day-2 failures of a built cluster (pve-twonode check must see them):
    qdevice-dead)   # corosync-qdevice dies on a node (the node's QDevice flags go NR/NA, the vote is lost)
      # pidof, not pkill -x: the process name is cut to 15 characters ("corosync-qdevic").
      if [[ $state == on ]]; then kill_qdevice "$h" || die "no corosync-qdevice running on $h"; else x "$h" systemctl start corosync-qdevice >/dev/null; fi
      log "fault $name on $h: $state"; return 0 ;;
    qnetd-stopped)  # corosync-qnetd stopped on the VM
      x "$h" systemctl "$([[ $state == on ]] && echo stop || echo start)" corosync-qnetd >/dev/null
      log "fault $name on $h: $state"; return 0 ;;
    unplugged)      # the host's cable pulled (it keeps running, nobody reaches it)
      if [[ $state == on ]]; then unplug "$h"; else plug "$h"; fi
      log "fault $name on $h: $state"; return 0 ;;
    qdevice-certs)  # a node's QDevice certificate store gone and corosync restarted (a reinstall): it shows NR
      fault_qdevice_certs "$h" "$state"; log "fault $name on $h: $state"; return 0 ;;
    qdevice-half)   # a QDevice setup that stopped half-way: corosync-qdevice not installed on this node (exit 127)
      fault_qdevice_half "$h" "$state"; log "fault $name on $h: $state"; return 0 ;;
    qnetd-rebuilt)  # the VM reinstalled: corosync-qnetd with a new CA, so the nodes' certificates no longer pass (A,NV)
      fault_qnetd_rebuilt "$h" "$state"; log "fault $name on $h: $state"; return 0 ;;
    expected-low)   # the other node away, the owner ran `pvecm expected 2` on this one (an override while it is gone)
      fault_expected_low "$h" "$state"; log "fault $name on $h: $state"; return 0 ;;
    ha-maintenance) # the node put into HA maintenance and left there
      x "$h" ha-manager crm-command node-maintenance "$([[ $state == on ]] && echo enable || echo disable)" "$h"
      log "fault $name on $h: $state"; return 0 ;;
    clock-skew)     # the host's clock 5 s ahead for everything run over SSH (libfaketime, see lab-audit); NTP still says synchronised
      [[ -e $FAKETIME_LIB ]] || die "clock-skew needs libfaketime ($FAKETIME_LIB): apt-get install libfaketime"
      if [[ $state == on ]]; then echo "+5s" >"$LAB/hosts/$h/state/faults/clock-skew"; else rm -f "$LAB/hosts/$h/state/faults/clock-skew"; fi
      log "fault $name on $h: $state"; return 0 ;;
    *) die "unknown fault '$name' (hook-fails, slow-hook, no-boot, no-rsync, qnetd-signing-broken, guest, qdevice-dead, qdevice-certs, qnetd-stopped, unplugged, qdevice-half, qnetd-rebuilt, expected-low, ha-maintenance, clock-skew)" ;;
  esac
  if [[ $name == guest ]]; then
    if [[ $state == on ]]; then write_guest_conf "$h" 900 stray; else remove_guest_conf "$h" 900; fi
  elif [[ $state == on ]]; then touch "$LAB/hosts/$h/state/faults/$name"; else rm -f "$LAB/hosts/$h/state/faults/$name"; fi
  log "fault $name on $h: $state"
}

case "${1:-}" in
  up) cmd_up ;;
  add-qnetd2) cmd_add_qnetd2 ;;
  down) cmd_down ;;
  status) cmd_status ;;
  poweroff) need_root; known_host "${2:-}"; power_log off "$2"; poweroff "$2"; log "$2 powered off" ;;
  poweron) need_root; known_host "${2:-}"; power_log on "$2"; poweron "$2"; log "$2 powered on" ;;
  rekey) need_root; known_host "${2:-}"; rekey "$2"; log "$2 has a new host key: $(fingerprint "$2")" ;;
  reinstall) need_root; known_host "${2:-}"; reinstall "$2"; log "$2 reinstalled: host key $(fingerprint "$2")"; fingerprint "$2" ;;
  fault) need_root; cmd_fault "${2:-}" "${3:-}" "${4:-on}" ;;
  x) need_root; shift; known_host "${1:-}"; x "$@" ;;
  watch-power) need_root; known_host "${2:-}"; watch_power "$2" ;;
  publish-updates) shift; cmd_publish_updates "$@" ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
