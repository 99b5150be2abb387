# The lab's Debian repository (sourced by lab.sh): real .deb packages built with dpkg-deb and indexed with
# dpkg-scanpackages into $LAB/repo, which every host mounts read-only at /run/lab-repo and names in its apt sources
# (`deb [trusted=yes] file:/run/lab-repo ./`). Hosts install from it with the real apt and dpkg, into their own /usr
# and dpkg database (overlays on the machine's, lab.sh host_init), so an update changes one host and never the machine.
#
# Generation 1 is what a fresh install has (installed at the first `lab up`); each `lab publish-updates` adds the next
# generation: newer versions of the same packages, and on each host a new kernel package, whose installation makes a
# reboot needed (a PVE node boots the newest kernel in /boot; the Debian VM's package also asks for a reboot as
# Debian's kernel hook does, /run/reboot-required).
#
# LAB STAND-IN: the kernels are empty files named as Proxmox's and Debian's are (/boot/vmlinuz-<release>); the lab's
# `uname -r` (lab/shims/uname) says which one a host booted.

REPO_DIR=$LAB/repo

# lab-base-files' postinst obeys two per-host faults (lab.sh fault <host> hook-fails|slow-hook): a package script
# that fails (as one does on a full disk), and one that takes 30 s (a window to cut the worker or the link mid-run).
# Fixing the cause is the fault turned off; `dpkg --configure -a` then succeeds.
LAB_HOOK='if [ -e /run/lab/faults/hook-fails ]; then echo "lab-base-files: configuration failed (lab fault hook-fails)" >&2; exit 1; fi
if [ -e /run/lab/faults/slow-hook ]; then sleep 30; fi'

# mkdeb NAME VERSION DEPENDS DESCRIPTION [POSTINST]: one package into the pool; its files come from the caller's
# staging directory $STAGE (cleared after).
mkdeb() {
  local name=$1 version=$2 depends=$3 description=$4 postinst=${5:-}
  mkdir -p "$STAGE/DEBIAN" "$REPO_DIR/pool"
  {
    printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: pve-twonode lab <lab@pve-twonode.invalid>\n' "$name" "$version"
    [[ -n $depends ]] && printf 'Depends: %s\n' "$depends"
    printf 'Priority: optional\nSection: admin\nDescription: %s\n LAB STAND-IN built by pve-twonode lab/apt-repo.sh.\n' "$description"
  } >"$STAGE/DEBIAN/control"
  if [[ -e $STAGE/etc/lab-release ]]; then echo /etc/lab-release >"$STAGE/DEBIAN/conffiles"; fi
  if [[ -n $postinst ]]; then printf '#!/bin/sh\nset -e\n%s\n' "$postinst" >"$STAGE/DEBIAN/postinst"; chmod 755 "$STAGE/DEBIAN/postinst"; fi
  dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$REPO_DIR/pool/${name}_${version}_all.deb" >/dev/null
  rm -rf "$STAGE"
}

# One generation of every host's packages.
build_generation() {
  local g=$1 STAGE
  STAGE=$(mktemp -d)
  # A Proxmox VE node's kernel: one package per kernel release, pulled in by the meta package (so `apt upgrade`, which
  # installs no new package, would miss it, and `apt dist-upgrade` does not).
  mkdir -p "$STAGE/boot"; echo "LAB STAND-IN kernel 6.8.12-$g-pve" >"$STAGE/boot/vmlinuz-6.8.12-$g-pve"
  mkdeb "proxmox-kernel-6.8.12-$g-pve" "6.8.12-$g" "" "Proxmox kernel image 6.8.12-$g-pve"
  STAGE=$(mktemp -d); mkdeb proxmox-default-kernel "1.$g" "proxmox-kernel-6.8.12-$g-pve" "Default Proxmox kernel"
  # The Debian VM's kernel, same pattern; Debian's kernel hook asks for a reboot.
  STAGE=$(mktemp -d); mkdir -p "$STAGE/boot"; echo "LAB STAND-IN kernel 6.1.0-$g-amd64" >"$STAGE/boot/vmlinuz-6.1.0-$g-amd64"
  mkdeb "linux-image-6.1.0-$g-amd64" "6.1.0-$g" "" "Linux 6.1 for 64-bit PCs" 'touch /run/reboot-required; echo "linux-image-6.1.0-'"$g"'-amd64" >>/run/reboot-required.pkgs'
  STAGE=$(mktemp -d); mkdeb linux-image-amd64 "1.$g" "linux-image-6.1.0-$g-amd64" "Linux for 64-bit PCs (meta-package)"
  # On every host: a package with a conffile (apt keeps a changed one: --force-confold).
  STAGE=$(mktemp -d); mkdir -p "$STAGE/etc" "$STAGE/usr/share/lab-base-files"
  echo "lab generation $g" >"$STAGE/etc/lab-release"; echo "$g" >"$STAGE/usr/share/lab-base-files/generation"
  mkdeb lab-base-files "1.$g" "" "Lab base files" "$LAB_HOOK"
  (cd "$REPO_DIR" && dpkg-scanpackages -m pool /dev/null 2>/dev/null >Packages.new && gzip -9nc Packages.new >Packages.gz && mv Packages.new Packages && write_release)
  echo "$g" >"$REPO_DIR/generation"
}

# A flat repository's Release file (what apt-ftparchive release writes): without it apt probes for one index after
# another and logs an error for each.
write_release() {
  local f
  {
    printf 'Origin: pve-twonode-lab\nLabel: pve-twonode-lab\nDate: %s\nSHA256:\n' "$(LC_ALL=C date -Ru)"
    for f in Packages Packages.gz; do printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"; done
  } >Release
}

# What a fresh host has installed from the repository: its kernel (and meta package) and the base files.
base_packages() {
  if is_vm "$1"; then echo "linux-image-amd64_1.1_all.deb linux-image-6.1.0-1-amd64_6.1.0-1_all.deb lab-base-files_1.1_all.deb"
  else echo "proxmox-default-kernel_1.1_all.deb proxmox-kernel-6.8.12-1-pve_6.8.12-1_all.deb lab-base-files_1.1_all.deb"; fi
}

ensure_repo() { [[ -s $REPO_DIR/generation ]] || build_generation 1; }

# lab publish-updates: the next generation, for every host.
cmd_publish_updates() {
  need_root; ensure_repo
  local g; g=$(($(cat "$REPO_DIR/generation") + 1))
  build_generation "$g"
  log "published generation $g (kernels 6.8.12-$g-pve and 6.1.0-$g-amd64, lab-base-files 1.$g)"
}
