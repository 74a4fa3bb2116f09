#!/usr/bin/env bash
# A demo workspace for Extent Lens: files whose bytes live in interesting places.
#
#   scripts/demo-workspace.sh DIR            create DIR (must not exist or be empty)
#   scripts/demo-workspace.sh --cleanup DIR  unmount/detach what DIR mounted, then delete DIR
#   scripts/demo-workspace.sh --unmount DIR  unmount/detach only (keep the files)
#
# DIR/
#   sparse-disk.img       64 MiB, four islands of data, the rest holes
#   many-extents.bin      128 MiB, 2048 data blocks 64 KiB apart (a long, virtualised table)
#   preallocated.bin      32 MiB fallocated (unwritten extents), the first 1 MiB written
#   clone-me.bin          8 MiB of data: right-click > Select for Block Clone, then a folder >
#                         Block Clone Here
#   reflink/              as root: an XFS (reflink=1) image on a loop device, mounted here,
#                         holding original.img and reflinked-copy.img (cp --reflink=always:
#                         the same physical blocks, "shared" in the inspector), clone-me.bin
#                         and an empty clone-target/ folder. Not root: a plain folder on the
#                         local file system with the same files (a reflinked pair only when
#                         that file system can clone, e.g. btrfs or XFS; otherwise a copy).
# The loop device and mount are recorded in DIR/.extent-lens-demo so --cleanup finds them (and
# scripts/start.sh, which then suggests a file on the XFS first: DIR itself may be on ext4 or tmpfs).
set -euo pipefail

KiB=1024; MiB=$((1024 * 1024))

unmount_demo() {
  local dir=$1 state=$1/.extent-lens-demo mnt dev
  if [ -f "$state" ]; then
    mnt=$(sed -n 's/^mount=//p' "$state"); dev=$(sed -n 's/^loop=//p' "$state")
    if [ -n "$mnt" ] && mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
    if [ -n "$dev" ] && losetup "$dev" >/dev/null 2>&1; then losetup -d "$dev" || true; fi
    sed -i '/^loop=/d; /^mount=/d' "$state"
  fi
}

cleanup_demo() {
  unmount_demo "$1"
  rm -rf "$1"
}

# Write pattern data at byte offsets: pwrite FILE OFFSET LENGTH [OFFSET LENGTH ...]
# (one node process: thousands of dd calls would take seconds). fsync so FIEMAP shows real
# extents rather than delayed allocation.
pwrite() {
  node -e '
    const fs = require("fs");
    const [file, ...nums] = process.argv.slice(1);
    const fd = fs.openSync(file, fs.existsSync(file) ? "r+" : "w");
    for (let i = 0; i < nums.length; i += 2) {
      const off = Number(nums[i]), len = Number(nums[i + 1]);
      const buf = Buffer.alloc(Math.min(len, 1 << 20));
      for (let j = 0; j < buf.length; j++) buf[j] = (j * 31 + i) & 0xff;
      for (let done = 0; done < len; done += buf.length) fs.writeSync(fd, buf, 0, Math.min(buf.length, len - done), off + done);
    }
    fs.fsyncSync(fd); fs.closeSync(fd);' "$@"
}

# A sized file first, then data inside it: no speculative preallocation past the old EOF.
sized() { truncate -s "$2" "$1"; }

make_files() {
  local d=$1
  sized "$d/sparse-disk.img" $((64 * MiB))
  pwrite "$d/sparse-disk.img" 0 $((1 * MiB)) $((10 * MiB)) $((3 * MiB)) $((33 * MiB)) $((512 * KiB)) $((60 * MiB)) $((2 * MiB))

  sized "$d/many-extents.bin" $((128 * MiB))
  local args=() i
  for ((i = 0; i < 2048; i++)); do args+=($((i * 64 * KiB)) 4096); done
  pwrite "$d/many-extents.bin" "${args[@]}"

  fallocate -l $((32 * MiB)) "$d/preallocated.bin"
  pwrite "$d/preallocated.bin" 0 $((1 * MiB))

  pwrite "$d/clone-me.bin" 0 $((8 * MiB))
}

make_reflink_dir() {
  local r=$1
  sized "$r/original.img" $((16 * MiB))
  pwrite "$r/original.img" 0 $((4 * MiB)) $((8 * MiB)) $((4 * MiB))
  if cp --reflink=always "$r/original.img" "$r/reflinked-copy.img" 2>/dev/null; then
    echo "  reflink/reflinked-copy.img shares its blocks with original.img"
  else
    cp --sparse=always "$r/original.img" "$r/reflinked-copy.img"
    echo "  $(stat -f -c %T "$r") cannot reflink: reflink/reflinked-copy.img is a plain (sparse) copy"
  fi
  pwrite "$r/clone-me.bin" 0 $((8 * MiB))
  mkdir -p "$r/clone-target"
}

if [ "${1:-}" = --unmount ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 --unmount DIR" >&2; exit 2; }
  unmount_demo "$2"
  exit 0
fi
if [ "${1:-}" = --cleanup ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 --cleanup DIR" >&2; exit 2; }
  cleanup_demo "$2"
  exit 0
fi
dir=${1:?usage: $0 DIR | --cleanup DIR}
mkdir -p "$dir"
[ -z "$(ls -A "$dir")" ] || { echo "demo-workspace: $dir is not empty" >&2; exit 1; }
dir=$(cd "$dir" && pwd)
: > "$dir/.extent-lens-demo"

echo "demo workspace: $dir"
make_files "$dir"
mkdir -p "$dir/reflink"
if [ "$(id -u)" = 0 ] && command -v mkfs.xfs >/dev/null && command -v losetup >/dev/null; then
  img=$dir/.xfs.img
  truncate -s 320M "$img"       # sparse; mkfs.xfs 6.x wants at least 300 MB
  mkfs.xfs -q -f -m reflink=1 "$img"
  dev=$(losetup -f --show "$img")
  echo "loop=$dev" >> "$dir/.extent-lens-demo"
  mount "$dev" "$dir/reflink"
  echo "mount=$dir/reflink" >> "$dir/.extent-lens-demo"
  echo "  reflink/ is an XFS (reflink=1) image on $dev"
else
  echo "  not root (or no xfsprogs): reflink/ is on the local file system"
fi
make_reflink_dir "$dir/reflink"
echo "  sparse-disk.img, many-extents.bin, preallocated.bin, clone-me.bin ready"
