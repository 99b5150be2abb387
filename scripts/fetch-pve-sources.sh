#!/usr/bin/env bash
# Clones the Proxmox VE repositories the rehearsal lab runs (lab/pve/sources.tsv) from Proxmox's public git, each at
# its pinned commit, into a folder laid out as scripts/build-pve.sh reads it; then point PVE_TWONODE_PVE_SRC at it.
# Needs internet (git.proxmox.com). The sources are AGPL-3.0-or-later and are never copied into this repository.
#
#   scripts/fetch-pve-sources.sh [DIR]      default: .cache/pve-src (git-ignored); prints DIR
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$repo/.cache/pve-src}
base=${PVE_TWONODE_PVE_GIT:-https://git.proxmox.com/git}
log() { printf '[fetch-pve-sources] %s\n' "$*" >&2; }
command -v git >/dev/null || { log "git is required: apt-get install git"; exit 1; }
mkdir -p "$dest"
{
  echo "# Proxmox VE sources, as published (fetched by pve-twonode's scripts/fetch-pve-sources.sh)"
  echo
  echo "| package | commit | version (debian/changelog) |"
  echo "|---|---|---|"
} >"$dest/SOURCES.md.new"
while IFS=$'\t' read -r name commit version; do
  [[ -z $name || $name == \#* ]] && continue
  if [[ $(git -C "$dest/$name" rev-parse HEAD 2>/dev/null) != "$commit" ]]; then
    log "$name at ${commit:0:12} ($version)"
    rm -rf "$dest/$name"
    git init -q "$dest/$name"
    git -C "$dest/$name" fetch -q --depth 1 "$base/$name.git" "$commit" 2>/dev/null ||
      git -C "$dest/$name" fetch -q "$base/$name.git"   # servers that refuse a fetch by commit: the whole history
    git -C "$dest/$name" checkout -q "$commit"
  fi
  printf '| %s | %s | %s |\n' "$name" "$commit" "$version" >>"$dest/SOURCES.md.new"
done <"$repo/lab/pve/sources.tsv"
mv "$dest/SOURCES.md.new" "$dest/SOURCES.md"
log "done: export PVE_TWONODE_PVE_SRC=$dest"
echo "$dest"
