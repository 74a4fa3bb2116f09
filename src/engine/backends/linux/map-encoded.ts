// What a btrfs file's compressed data takes on disk, for its map. FIEMAP flags compressed
// extents ENCODED and gives their length uncompressed (what the file references); the size on
// disk is in the file's extent items (disk_num_bytes), which BTRFS_IOC_TREE_SEARCH_V2 reads as
// root (btrfs-owners.ts diskExtents: what compsize reads). btrfs frees a compressed extent only
// whole, so each is counted once and whole, however little of it the file still references.

import { EXTENT_FLAG, type PackedExtentMap } from '../../map-format';
import { FsctlError } from '../../errors';
import { btrfsOwnerQuery } from './btrfs-owners';
import type { Libc } from './libc';

/**
 * Bytes of the map's extents flagged encoded (FIEMAP_EXTENT_ENCODED), not inline: compressed data
 * kept inline in the metadata has no extent on disk (compsize counts it apart, as "inline").
 */
export function encodedBytes(m: PackedExtentMap): bigint {
  const { count, length, flags } = m.packed;
  let sum = 0n;
  for (let i = 0; i < count; i++)
    if ((flags[i] & (EXTENT_FLAG.ENCODED | EXTENT_FLAG.INLINE)) === EXTENT_FLAG.ENCODED) sum += BigInt.asUintN(64, length[i]);
  return sum;
}

/**
 * Sets `m.encodedOnDisk` for a whole btrfs file's map (`dev`, `ino`: the open file's) with
 * encoded extents, or adds a note saying why their size on disk is not given (not root).
 */
export function addEncodedOnDisk(libc: Libc, m: PackedExtentMap, dev: bigint, ino: bigint): void {
  const encoded = encodedBytes(m);
  if (encoded === 0n) return;
  let onDisk = 0n;
  try {
    const q = btrfsOwnerQuery(libc, m.path);
    try {
      const seen = new Set<bigint>();
      q.diskExtents!(m.path, dev, BigUint64Array.of(ino), (itemIno, bytenr, bytes, _off, _fileBytes, compressed) => {
        if (itemIno !== ino || !compressed || seen.has(bytenr)) return;
        seen.add(bytenr);
        onDisk += bytes;
      });
    } finally {
      q.close();
    }
  } catch (e) {
    const why =
      e instanceof FsctlError && e.code === 'EPERM' ? 'reading them needs root' : `they could not be read: ${(e as Error).message}`;
    (m.notes ??= []).push(
      `${encoded} bytes of this file are compressed (flag encoded, given at their uncompressed length); ` +
        `their size on disk is in btrfs's extent items (BTRFS_IOC_TREE_SEARCH_V2, what compsize reads), and ${why}.`,
    );
    return;
  }
  m.encodedOnDisk = onDisk;
}

/**
 * A window of a btrfs file's map with encoded extents: their size on disk is read for a whole
 * file only (its extent items, each counted once and whole: a window would cut extents it only
 * partly shows), so the note says so rather than leaving the figure out without a word.
 */
export function addWindowEncodedNote(m: PackedExtentMap): void {
  const encoded = encodedBytes(m);
  if (encoded === 0n) return;
  (m.notes ??= []).push(
    `${encoded} bytes of this window are compressed (flag encoded, given at their uncompressed length); ` +
      'their size on disk is given for the whole file only (map it without --offset and --length).',
  );
}
