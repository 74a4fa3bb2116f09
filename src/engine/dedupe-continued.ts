// Whether a search in smaller chunks would match more next to the groups' ranges: the data on
// either side of each destination range, block by block, against its source's at the same
// distance. Chunks match only whole, at multiples of the chunk size, so duplicate data that
// continues past a matched range into a chunk with other data is never matched (a trial: qcow2
// images with the same guest data, their 64 KiB clusters shifted, in 128 KiB chunks); data that
// does not continue is unique there, and a smaller chunk would find nothing more (a trial: the
// note said it might where the rest of each extent was each file's own data).

import * as fs from 'node:fs';
import type { DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import { openForReading } from './dedupe-hash';
import { isSmbPath } from './smb-path';
import { mergeRanges } from './space-scan';
import type { Intervals } from './space-table';

/**
 * Bytes on either side of the destination ranges of `groups` that equal their source's at the
 * same distance, up to one chunk less a block on each side (a whole chunk more would have
 * matched already), read a block at a time and compared byte for byte. All-zero blocks are not
 * counted (holes read as zeros, and the search leaves holes alone). Each block of a file counts
 * once, and a block in a range of any group of `all` not at all: it is matched already (a
 * trial: a file's two neighbouring ranges in two groups, each counted as the other's
 * continuation, said 806912 bytes where 4 KiB chunks matched 299008 more). Local files only; a
 * file that cannot be read counts nothing.
 */
export function continuedBytes(
  groups: Iterable<DedupeGroup>,
  all: Iterable<DedupeGroup>,
  files: Map<string, FileData>,
  chunk: bigint,
  block: bigint,
): bigint {
  // each file's ranges in any group, merged and in order: looked up by binary search (an image
  // can be in thousands of groups, and each block next to a range is looked up)
  const given = new Map<string, { start: bigint[]; end: bigint[] }>();
  for (const g of all)
    for (const r of [...g.ranges, ...(g.readOnly ?? [])]) {
      const list = given.get(r.path) ?? { start: [], end: [] };
      list.start.push(r.offset);
      list.end.push(r.offset + g.length);
      given.set(r.path, list);
    }
  const matched = new Map([...given].map(([p, l]) => [p, mergeRanges(l.start, l.end)]));
  const counted = new Map<string, Set<bigint>>();
  /** Whether the block at `at` of `p` is in no group's range. */
  const unmatched = (p: string, at: bigint): boolean => {
    const m = matched.get(p);
    return !m || !overlaps(m, at, at + block);
  };
  const count = (p: string, at: bigint): void => {
    const seen = counted.get(p) ?? new Set<bigint>();
    seen.add(at);
    counted.set(p, seen);
  };
  const fds = new Map<string, number | undefined>();
  const fdOf = (p: string): number | undefined => {
    if (!fds.has(p)) {
      let fd: number | undefined;
      try {
        fd = isSmbPath(p) ? undefined : openForReading(p);
      } catch {
        fd = undefined;
      }
      fds.set(p, fd);
    }
    return fds.get(p);
  };
  const n = Number(block);
  const a = Buffer.alloc(n);
  const b = Buffer.alloc(n);
  /** Whether the blocks at `pa` in `fa` and `pb` in `fb` are whole, equal and not all zeros. */
  const same = (fa: number, pa: bigint, fb: number, pb: bigint): boolean => {
    try {
      if (fs.readSync(fa, a, 0, n, pa) !== n || fs.readSync(fb, b, 0, n, pb) !== n) return false;
    } catch {
      return false;
    }
    return a.equals(b) && a.some((x) => x !== 0);
  };
  try {
    for (const g of groups) {
      const src = g.ranges[0];
      const sf = files.get(src.path);
      const sfd = fdOf(src.path);
      if (!sf || sfd === undefined) continue;
      for (const r of g.ranges.slice(1)) {
        const df = files.get(r.path);
        const dfd = fdOf(r.path);
        if (!df || dfd === undefined) continue;
        // before the range, then after it, block by block until one differs or is matched already
        const goesOn = (at: bigint, srcAt: bigint): boolean => unmatched(r.path, at) && same(dfd, at, sfd, srcAt);
        for (let d = block; d < chunk && d <= r.offset && d <= src.offset && goesOn(r.offset - d, src.offset - d); d += block)
          count(r.path, r.offset - d);
        const [de, se] = [r.offset + g.length, src.offset + g.length];
        const fits = (d: bigint): boolean => d + block < chunk && de + d + block <= df.size && se + d + block <= sf.size;
        for (let d = 0n; fits(d) && goesOn(de + d, se + d); d += block) count(r.path, de + d);
      }
    }
  } finally {
    for (const fd of fds.values()) if (fd !== undefined) fs.closeSync(fd);
  }
  let total = 0n;
  for (const seen of counted.values()) total += BigInt(seen.size) * block;
  return total;
}

/**
 * Duplicates the groups share only part of a btrfs extent of free nothing (dedupe-extents.ts). A
 * chunk straddles the edges of an extent that does not start on a chunk boundary, so the rest of
 * it is never matched (a trial: two qcow2 images with the same guest data, their 64 KiB clusters
 * at other places, 28 MiB duplicate and 264 KiB net saving in 128 KiB chunks, all 32 MiB in 64 KiB
 * ones): said, as smaller chunks may free them; not where the chunk is already the block size.
 */
export function smallerChunkNote(
  chunk: bigint,
  files: FileData[],
  partial: Set<DedupeGroup>,
  all: DedupeGroup[],
  byPath: Map<string, FileData>,
): string | undefined {
  const blocks = files.filter((f) => f.filesystem === 'btrfs').map((f) => BigInt(f.blockSize));
  const block = blocks.reduce((a, b) => (b < a ? b : a), chunk);
  if (block >= chunk) return undefined;
  // only where the duplicate data goes on past the ranges (dedupe-continued.ts): elsewhere the
  // rest of those extents is each file's own, and a smaller chunk finds nothing more there
  const continued = continuedBytes(partial, all, byPath, chunk, block);
  if (continued === 0n) return undefined;
  return (
    `Some duplicate data lies in btrfs extents that the groups would share only in part, which frees nothing (the groups' ` +
    `warnings say how much). Chunks of ${chunk} bytes match only whole chunks at multiples of ${chunk} bytes, and ${continued} ` +
    `bytes next to those groups' ranges are the same in each copy and its source (compared block by block) but lie in chunks ` +
    `with other data: searching again in smaller chunks (down to the block size, ${block} bytes) matches them, and may share ` +
    'those extents whole and free them (it hashes more pieces, and splits files into more extents).'
  );
}

/** Whether merged, ordered ranges `m` overlap [from, to): the last range starting before `to` ends after `from`. */
function overlaps(m: Intervals, from: bigint, to: bigint): boolean {
  let lo = 0;
  let hi = m.start.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (m.start[mid] < to) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && m.end[lo - 1] > from;
}
