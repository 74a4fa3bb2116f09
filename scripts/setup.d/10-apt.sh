#!/usr/bin/env bash
# Debian packages: file system tools for the loop-mounted test images, the tools we cross-check
# against (filefrag, xfs_io, duperemove, compsize), Chromium for webview/UI tests, Samba for the SMB2 FSCTL tests,
# libxxhash0 for the dedupe find's native XXH3-128 (without it the engine hashes in WebAssembly).
set -euo pipefail
pkgs=(xfsprogs btrfs-progs acl attr libcap2-bin btrfs-compsize e2fsprogs util-linux duperemove libxxhash0 chromium samba samba-vfs-modules smbclient tshark python3-impacket libkrb5-dev build-essential python3 curl)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "setup: need root to install: ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
