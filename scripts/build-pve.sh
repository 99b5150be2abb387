#!/usr/bin/env bash
# Builds the real Proxmox VE cluster code for the rehearsal lab, out of tree, from the source trees in
# $PVE_TWONODE_PVE_SRC (laid out as scripts/fetch-pve-sources.sh leaves them: one folder per repository).
# Nothing is copied into this repository and the sources are never written to (they may be read-only).
#
# The result is a file tree laid out as the Debian packages install it (usr/bin/pmxcfs, usr/bin/pvecm,
# usr/share/perl5/PVE/..., the IPCC XS module, the systemd units), which the lab lays over /usr of its PVE nodes.
# Cached in .cache/pve-build/<key>/root, the key a hash of the sources' commits (or contents), this script and the
# lab's stubs; prints that root's path on stdout. What is built, what is stubbed and why: docs/lab.md.
#
#   scripts/build-pve.sh            build if needed, print the root
#   scripts/build-pve.sh --check    exit 0 if the sources are there (prints nothing), 1 with the reason otherwise
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${PVE_TWONODE_CACHE:-$repo/.cache}
src=${PVE_TWONODE_PVE_SRC:-}
stubs=$repo/lab/pve/stubs
log() { printf '[build-pve] %s\n' "$*" >&2; }

# The repositories whose code runs in the lab: pmxcfs and pvecm (pve-cluster) with the Perl modules they load, and on
# node 1 pveproxy/pvedaemon (pve-manager, pve-http-server) with everything those load.
REPOS=(pve-cluster pve-common pve-apiclient pve-access-control pve-manager pve-http-server pve-guest-common
  pve-storage qemu-server pve-container pve-ha-manager pve-firewall pve-network)

missing_reason() {
  [[ -n $src ]] || { echo "PVE_TWONODE_PVE_SRC is not set"; return; }
  [[ -d $src ]] || { echo "PVE_TWONODE_PVE_SRC=$src is not a folder"; return; }
  local r
  for r in "${REPOS[@]}"; do [[ -d $src/$r ]] || { echo "$src/$r is missing"; return; }; done
}

if [[ ${1:-} == --check ]]; then
  reason=$(missing_reason)
  [[ -z $reason ]] && exit 0
  echo "$reason"; exit 1
fi
reason=$(missing_reason)
[[ -z $reason ]] || { log "$reason: scripts/fetch-pve-sources.sh clones the sources (docs/lab.md)"; exit 1; }

# The cache key: what the sources are (their commits, from SOURCES.md or git) and how they are built.
source_id() {
  if [[ -f $src/SOURCES.md ]]; then grep -E '^\| [a-z-]+ \| [0-9a-f]{40} ' "$src/SOURCES.md"
  else
    local r
    for r in "${REPOS[@]}"; do
      printf '%s %s\n' "$r" "$(git -C "$src/$r" rev-parse HEAD 2>/dev/null || find "$src/$r" -type f -newer "$0" -print -quit)"
    done
  fi
}
key=$( { source_id; cat "$0"; find "$stubs" -type f | sort | xargs cat; } | sha256sum | cut -c1-16)
out=$cache/pve-build/$key
if [[ -f $out/.done ]]; then echo "$out/root"; exit 0; fi

t0=$SECONDS
log "building the Proxmox VE code from $src into $out (first time: about a minute)"
rm -rf "$out"; mkdir -p "$out/work"
root=$out/root
perl5=$root/usr/share/perl5
vendorarch=$root$(perl -MConfig -e 'print $Config{vendorarch}')
mkdir -p "$perl5" "$root/usr/bin" "$root/usr/lib/systemd/system" "$vendorarch"

# A repository's Perl modules, as its package installs them into /usr/share/perl5 (only *.pm files; its Makefiles
# also build man pages with pve-doc-generator, which is not needed to run the code).
install_modules() {
  local tree=$1
  rsync -a -m --chmod=u+w,Du+w --include='*/' --include='*.pm' --exclude='*' "$tree/PVE/" "$perl5/PVE/"
}
commit_of() { grep -E "^\| $1 \|" "$src/SOURCES.md" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $3); print $3}'; }
version_of() { sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$src/$1/debian/changelog"; }

# pve-cluster: pmxcfs (C), the PVE::IPCC XS module, IPCConst.pm generated from pmxcfs's header, pvecm.
cp -r "$src/pve-cluster" "$out/work/"
chmod -R u+w "$out/work/pve-cluster"
cluster=$out/work/pve-cluster/src
compat=()
# Debian 12's glib (2.74) lacks g_string_free_and_steal (glib 2.76); the same call without the steal is equivalent here
# (pmxcfs returns the buffer and never uses the GString again).
if ! pkg-config --atleast-version=2.76 glib-2.0; then
  printf '#define g_string_free_and_steal(s) g_string_free((s), FALSE)\n' >"$out/work/glib-compat.h"
  compat=(CFLAGS="-include $out/work/glib-compat.h")
fi
env "${compat[@]}" make -s -C "$cluster/pmxcfs" -j2 pmxcfs >"$out/work/pmxcfs.log" 2>&1 || { tail -20 "$out/work/pmxcfs.log" >&2; exit 1; }
make -s -C "$cluster/PVE" IPCC.so >"$out/work/ipcc.log" 2>&1 || { tail -20 "$out/work/ipcc.log" >&2; exit 1; }
make -s -C "$cluster/PVE/Cluster" IPCConst.pm >>"$out/work/ipcc.log" 2>&1
install -m 0755 "$cluster/pmxcfs/pmxcfs" "$root/usr/bin/pmxcfs"
install -m 0755 "$cluster/PVE/pvecm" "$root/usr/bin/pvecm"
install -D -m 0644 "$cluster/PVE/IPCC.so" "$vendorarch/auto/PVE/IPCC/IPCC.so"
install -m 0644 "$src/pve-cluster/debian/pve-cluster.service" "$root/usr/lib/systemd/system/"

for r in pve-common pve-apiclient pve-access-control pve-http-server pve-guest-common pve-storage qemu-server \
  pve-container pve-ha-manager pve-firewall pve-network; do
  install_modules "$src/$r/src"
done
install_modules "$cluster"
install_modules "$src/pve-manager"

# pve-manager: PVE::pvecfg from its template (version from debian/changelog, repoid the commit's first 16 digits, as
# its Makefile does from git), its daemons and pveversion, the units of pveproxy and pvedaemon.
manager_version=$(version_of pve-manager)
repoid=$(commit_of pve-manager | cut -c1-16)
sed -e "s/@PACKAGE@/pve-manager/; s/@VERSION@/${manager_version}/g; s/@PVERELEASE@/${manager_version%.*}/g; s/@REPOID@/${repoid:-unknown}/g" \
  "$src/pve-manager/PVE/pvecfg.pm.in" >"$perl5/PVE/pvecfg.pm"
for b in pveproxy pvedaemon pveversion; do install -m 0755 "$src/pve-manager/bin/$b" "$root/usr/bin/$b"; done
install -m 0644 "$src/pve-manager/services/pveproxy.service" "$src/pve-manager/services/pvedaemon.service" "$root/usr/lib/systemd/system/"

# pve-ha-manager: the HA daemons and their CLI as the package installs them (/usr/sbin), watchdog-mux built from its C
# source, their units; qemu-server's qm (the LRM starts and stops guests through PVE::QemuServer, an offline migration
# runs `qm` on the target over SSH) and the files a guest's start reads.
ha_src=$src/pve-ha-manager/src
mkdir -p "$root/usr/sbin" "$root/usr/share/qemu-server"
for b in pve-ha-crm pve-ha-lrm ha-manager; do install -m 0755 "$ha_src/$b" "$root/usr/sbin/$b"; done
gcc "$ha_src/watchdog-mux.c" -o "$root/usr/sbin/watchdog-mux" -Wall -Wl,-z,relro 2>"$out/work/watchdog-mux.log" ||
  { tail -20 "$out/work/watchdog-mux.log" >&2; exit 1; }
for u in pve-ha-crm pve-ha-lrm watchdog-mux; do install -m 0644 "$src/pve-ha-manager/debian/$u.service" "$root/usr/lib/systemd/system/"; done
install -m 0755 "$src/qemu-server/src/bin/qm" "$root/usr/sbin/qm"
install -m 0755 "$src/pve-container/src/pct" "$root/usr/sbin/pct"
install -m 0644 "$src/qemu-server/src/usr/"{pve-q35.cfg,pve-q35-4.0.cfg,pve-usb.cfg,bootsplash.jpg} "$root/usr/share/qemu-server/"

# The lab's stubs for what cannot be built or run here (Rust bindings and the like), each a marked file (docs/lab.md):
# those that must answer are files of their own; those that only load and die are written from one template.
rsync -a "$stubs/perl/" "$perl5/"
while IFS=$'\t' read -r module why; do
  [[ -z $module || $module == \#* ]] && continue
  stub=$perl5/${module//:://}.pm
  mkdir -p "$(dirname "$stub")"
  cat >"$stub" <<PERL
package $module;
# LAB STUB (pve-twonode rehearsal lab; written by scripts/build-pve.sh from lab/pve/stubs/dying.tsv): $why.
# Loading it works; calling anything in it dies, so a code path the lab does not cover fails loudly. docs/lab.md.
use strict;
use warnings;

our \$AUTOLOAD;

sub AUTOLOAD {
    my \$name = \$AUTOLOAD;
    return if \$name =~ /::DESTROY\$/;
    die "lab stub: \$name called; $module is not in the lab ($why)\\n";
}

1;
PERL
done <"$stubs/dying.tsv"

# The lab's stand-ins for what the machine lacks under the HA stack (docs/lab.md), each a marked file: QEMU (/usr/bin/kvm
# answering qemu-server), the hardware watchdog (preloaded into the real watchdog-mux), and pve-common's PVE::Systemd
# with its D-Bus calls replaced, from Perl's site directory (before /usr/share/perl5 in @INC).
install -m 0755 "$stubs/bin/kvm" "$root/usr/bin/kvm"
mkdir -p "$root/usr/lib/pve-twonode-lab"
gcc -shared -fPIC -Wall -o "$root/usr/lib/pve-twonode-lab/watchdog-hw.so" "$stubs/watchdog-hw.c" -ldl 2>"$out/work/watchdog-hw.log" ||
  { tail -20 "$out/work/watchdog-hw.log" >&2; exit 1; }
sitelib=$root$(perl -MConfig -e 'print $Config{sitelib}')
mkdir -p "$sitelib"
rsync -a "$stubs/site-perl/" "$sitelib/"

# Loads, as the lab runs it: every stub is loaded and never called on these paths.
for b in usr/bin/pvecm usr/bin/pveproxy usr/bin/pvedaemon usr/sbin/pve-ha-crm usr/sbin/pve-ha-lrm usr/sbin/ha-manager usr/sbin/qm usr/sbin/pct; do
  perl -T -I"$perl5" -I"$vendorarch" -c "$root/$b" >"$out/work/check-${b##*/}.log" 2>&1 ||
    { log "the built $b does not load:"; tail -5 "$out/work/check-${b##*/}.log" >&2; exit 1; }
done
: rm -rf "$out/work"
touch "$out/.done"
log "built in $((SECONDS - t0)) s: pve-cluster $(version_of pve-cluster), pve-manager $manager_version"
echo "$root"
