// A mapped file as dedupe sees it: its data extents, holes and unwritten extents left out
// (dedupe-walk.ts makes them, dedupe-saving.ts and the dedupe-extent*.ts rules read them).

import { EXTENT_FLAG, type PackedExtentMap } from './map-format';

/** A mapped file: its data extents (holes are the gaps), in order. */
export interface FileData {
  path: string;
  size: bigint;
  filesystem: string;
  /** Which address space its physical offsets are in (space-fs.ts). */
  fsKey: string;
  blockSize: number;
  /** st_dev and st_ino (who-else-references queries name files by them: dedupe-owners.ts); absent when unknown. */
  dev?: bigint;
  ino?: bigint;
  off: bigint[];
  len: bigint[];
  /** -1: unknown. */
  phys: bigint[];
  flags: number[];
  /**
   * Its map gives holes as data (an SMB file not marked sparse whose allocation size is less than
   * its ranges: ExtentMap.allocationSize): all-zero chunks may be holes, so they are not taken
   * as data (dedupe-hash.ts).
   */
  zerosMayBeHoles?: boolean;
  /**
   * The unwritten (preallocated) extents left out of off/len/phys, where they have a place.
   * btrfs: writing into a preallocated extent leaves the rest of it referenced as unwritten, and
   * btrfs frees the extent only when no reference is left (dedupe-extent-pieces.ts).
   */
  unwritten?: { off: bigint[]; len: bigint[]; phys: bigint[] };
}

/**
 * A file's data from its map: the extents that hold data. Unwritten (preallocated) extents read
 * as zeros, so, like holes, they are left out: never read, hashed, counted or shared (kept aside
 * in `unwritten`: on btrfs they can keep a written extent allocated).
 */
export function fileDataOf(
  path: string,
  m: Pick<PackedExtentMap, 'size' | 'packed' | 'allocationSize'>,
  fs: { filesystem: string; fsKey: string; blockSize: number },
  id?: { dev: bigint; ino: bigint },
): FileData {
  const k = m.packed;
  const f: FileData = { path, size: m.size, ...fs, ...id, off: [], len: [], phys: [], flags: [] };
  if (m.allocationSize !== undefined) f.zerosMayBeHoles = true;
  for (let i = 0; i < k.count; i++) {
    const len = BigInt.asUintN(64, k.length[i]);
    if (len === 0n) continue;
    if ((k.flags[i] & EXTENT_FLAG.UNWRITTEN) !== 0) {
      // (the file system may be named only later, dedupe-walk.ts: kept wherever there is a place)
      if (k.physical[i] >= 0n) {
        const u = (f.unwritten ??= { off: [], len: [], phys: [] });
        u.off.push(k.offset[i]);
        u.len.push(len);
        u.phys.push(k.physical[i]);
      }
      continue;
    }
    f.off.push(k.offset[i]);
    f.len.push(len);
    f.phys.push(k.physical[i]);
    f.flags.push(k.flags[i]);
  }
  return f;
}

/** The bytes of a file's data extents before its end (what reading it costs). */
export function dataBytesOf(f: FileData): bigint {
  let n = 0n;
  for (let i = 0; i < f.off.length; i++) {
    const end = f.off[i] + f.len[i] < f.size ? f.off[i] + f.len[i] : f.size;
    if (end > f.off[i]) n += end - f.off[i];
  }
  return n;
}
