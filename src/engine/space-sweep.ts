// The sweep of engine.space (src/engine/space.ts): the shared ranges of one file system in
// physical order, for the union (`unique`), who overlaps whom, and what is freed.
//
// Who overlaps whom is kept as the distinct sets of files present together on a stretch, with
// the bytes of those stretches, not as pairs: k clones of a file are one set of k files however
// many extents they have, where pairs would be k²/2 entries updated on every extent (301 clones
// of a 1,000-extent file took 2.3 s of sweep that way, 3,000 clones would take minutes and
// gigabytes). The pairs are formed one file at a time when the rows are written (partnersOf).

import type { PartSweep } from './space-alone';
import { sortedBy, type Group, type Intervals, type SharedRanges } from './space-table';

/** Files present together on some stretches of shared ranges, and those stretches' bytes. */
export interface OwnerSet {
  /** File indices, ascending. */
  files: Uint32Array;
  bytes: bigint;
}

/**
 * Sweep the shared ranges of one file system in physical order: the union of them; each
 * distinct set of files present together on a stretch (appended to `sets`, in the physical
 * order of its first stretch) with the bytes of its stretches; and, where reference counts are
 * given, the bytes all of whose references are in the selection. With `parts` (several paths
 * given: space-alone.ts), per part the bytes of stretches its files cover and of those only its
 * files reference.
 * Memory: the ranges, the ranges open at one point, and the distinct sets.
 */
export function sweep(
  g: Group,
  sets: OwnerSet[],
  fileCount: number,
  parts?: PartSweep,
): { union: bigint; reclaimableShared: bigint; refUnknown: bigint; outside: Intervals } {
  const { count: n, start, end, file, ref } = g.ranges;
  const byStart = sortedBy([start], n);
  const byEnd = sortedBy([end], n);
  const open = new Set<number>();
  /** The distinct files of the open ranges at one stretch (reused), and which are in it. */
  const ids: number[] = [];
  const inIds = new Uint8Array(fileCount);
  /** The sets met so far in this sweep by their files, and the last stretch's set. */
  const byFiles = new Map<string, OwnerSet>();
  let last: OwnerSet | undefined;
  let union = 0n;
  let reclaimableShared = 0n;
  let refUnknown = 0n;
  const outside: Intervals = { start: [], end: [] };
  let i = 0;
  let j = 0;
  let prev = 0n;
  while (j < n) {
    // (each read of a BigInt64Array makes a BigInt: read once per step)
    const s = i < n ? start[byStart[i]] : 0n;
    const e = end[byEnd[j]];
    const next = i < n && s < e ? s : e;
    if (open.size > 0 && next > prev) {
      const len = next - prev;
      union += len;
      ids.length = 0;
      let maxRef = 0;
      let unknownRef = false;
      let inside = false;
      let alonePart = -1;
      for (const r of open) {
        const f = file[r];
        if (inIds[f] === 0) {
          inIds[f] = 1;
          ids.push(f);
        }
        if (g.inside?.[r]) inside = true;
        if (parts?.insidePart && parts.insidePart[r] >= 0) alonePart = parts.insidePart[r];
        if (ref[r] === 0) unknownRef = true;
        else if (ref[r] > maxRef) maxRef = ref[r];
      }
      for (const f of ids) inIds[f] = 0;
      if (parts) {
        const step = ++parts.step;
        for (const f of ids) {
          const p = parts.partOf[f];
          if (p >= 0 && parts.stamp[p] !== step) {
            parts.stamp[p] = step;
            parts.union[p] += len;
          }
        }
        if (inside && alonePart >= 0) parts.freed[alonePart] += len;
        else if (parts.outside) {
          // (exact scan: the stretch is one part's when all its files are; less what outside holds)
          let only = -1;
          for (const f of ids) {
            const p = parts.partOf[f];
            if (p < 0 || (only >= 0 && p !== only)) {
              only = -1;
              break;
            }
            only = p;
          }
          if (only >= 0) parts.freed[only] += len - covered(parts.outside, prev, next);
        }
      }
      // Owners known: every range over this stretch has the same owners (btrfs: one extent), freed or not.
      if (g.inside) {
        if (inside) reclaimableShared += len;
        else pushMerged(outside, prev, next);
      } else if (unknownRef) refUnknown += len;
      else if (open.size >= maxRef) reclaimableShared += len;
      else pushMerged(outside, prev, next);
      if (ids.length > 1) {
        ids.sort((a, b) => a - b);
        // Stretches in a row with the same files (a clone's extents one after another) need no lookup.
        if (last === undefined || !sameFiles(last.files, ids)) {
          const key = ids.join(',');
          last = byFiles.get(key);
          if (last === undefined) {
            last = { files: Uint32Array.from(ids), bytes: 0n };
            byFiles.set(key, last);
            sets.push(last);
          }
        }
        last.bytes += len;
      }
    }
    while (j < n && end[byEnd[j]] === next) open.delete(byEnd[j++]);
    while (i < n && start[byStart[i]] === next) open.add(byStart[i++]);
    prev = next;
  }
  return { union, reclaimableShared, refUnknown, outside };
}

/** Append [s, e) to intervals met in physical order, merged with the last where they touch. */
function pushMerged(iv: Intervals, s: bigint, e: bigint): void {
  const n = iv.start.length;
  if (n > 0 && s <= iv.end[n - 1]) {
    if (e > iv.end[n - 1]) iv.end[n - 1] = e;
  } else {
    iv.start.push(s);
    iv.end.push(e);
  }
}

/** Bytes of [s, e) that the intervals cover. */
function covered(iv: Intervals, s: bigint, e: bigint): bigint {
  let lo = 0;
  let hi = iv.start.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (iv.end[mid] <= s) lo = mid + 1;
    else hi = mid;
  }
  let sum = 0n;
  for (let k = lo; k < iv.start.length && iv.start[k] < e; k++) {
    const a = iv.start[k] > s ? iv.start[k] : s;
    const b = iv.end[k] < e ? iv.end[k] : e;
    sum += b - a;
  }
  return sum;
}

/**
 * Each file's shared bytes that deleting the selection frees (every reference to them is in
 * the selection), added to `out` by file index: the bytes of its shared ranges that `outside`
 * (the places some reference outside the selection still holds) does not cover. `encoded`
 * ranges (btrfs compressed extents, placed by address·scale) are the extent's whole or nothing.
 */
export function sharedInsideOf(
  ranges: SharedRanges,
  outside: Intervals,
  out: BigUint64Array,
  encoded?: { ranges: SharedRanges; scale: bigint },
): void {
  for (let r = 0; r < ranges.count; r++) {
    const s = ranges.start[r];
    const e = ranges.end[r];
    out[ranges.file[r]] += e - s - covered(outside, s, e);
  }
  if (!encoded) return;
  const { ranges: enc, scale } = encoded;
  for (let r = 0; r < enc.count; r++) {
    const address = enc.start[r] / scale;
    if (covered(outside, address, address + 1n) === 0n) out[enc.file[r]] += enc.end[r] - enc.start[r];
  }
}

function sameFiles(a: Uint32Array, b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Who each file shares with, one file at a time: `each(i, partners, bytes, count)` for every
 * file index in 0..fileCount-1, in order, with at most `limit` partners (most bytes in common
 * first; equal ones in the physical order the sweep met them) and the count of all of them.
 * The arrays are reused between calls. Work: for a file in one set, at most `limit` steps; for
 * the others, the sizes of their sets, and their partners times at most `limit`; memory: one
 * slot per file and set membership.
 */
export function partnersOf(
  sets: readonly OwnerSet[],
  fileCount: number,
  limit: number,
  each: (file: number, partners: readonly number[], bytes: readonly bigint[], count: number) => void,
): void {
  // Each file's sets, as adjacency lists in typed arrays (sets in the order they were met).
  const first = new Uint32Array(fileCount + 1);
  for (const s of sets) for (const f of s.files) first[f + 1]++;
  for (let f = 0; f < fileCount; f++) first[f + 1] += first[f];
  const fill = first.slice(0, fileCount);
  const member = new Uint32Array(first[fileCount]);
  for (let s = 0; s < sets.length; s++) for (const f of sets[s].files) member[fill[f]++] = s;

  // Bytes in common with the current file, per partner, as exact 32-bit halves in doubles (no
  // BigInt per step: this loop runs once per pair); `met` lists the partners in the order met.
  const setHi = new Float64Array(sets.length);
  const setLo = new Float64Array(sets.length);
  for (let s = 0; s < sets.length; s++) {
    setHi[s] = Number(sets[s].bytes >> 32n);
    setLo[s] = Number(sets[s].bytes & 0xffffffffn);
  }
  const hi = new Float64Array(fileCount);
  const lo = new Float64Array(fileCount);
  const isMet = new Uint8Array(fileCount);
  const met: number[] = [];
  const top: number[] = [];
  const topBytes: bigint[] = [];
  /** Does partner x come before y: more bytes (exact: the halves are normalised), or as many and met earlier. */
  const before = (x: number, y: number): boolean => (hi[x] !== hi[y] ? hi[x] > hi[y] : lo[x] > lo[y]);
  for (let f = 0; f < fileCount; f++) {
    if (first[f + 1] - first[f] === 1) {
      // In one set only (a clone of a file, or one of k clones of it): every partner has the
      // set's bytes, so the first `limit` of the set are the answer, without a step per partner
      // (k clones of one file would otherwise cost k² steps: 20,000 clones took 17 s).
      const { files, bytes } = sets[member[first[f]]];
      top.length = 0;
      topBytes.length = 0;
      for (let k = 0; k < files.length && top.length < limit; k++) {
        if (files[k] === f) continue;
        top.push(files[k]);
        topBytes.push(bytes);
      }
      each(f, top, topBytes, files.length - 1);
      continue;
    }
    met.length = 0;
    for (let m = first[f]; m < first[f + 1]; m++) {
      const s = member[m];
      const h = setHi[s];
      const l = setLo[s];
      for (const p of sets[s].files) {
        if (p === f) continue;
        if (isMet[p] === 0) {
          isMet[p] = 1;
          met.push(p);
          hi[p] = h;
          lo[p] = l;
        } else {
          const low = lo[p] + l;
          if (low >= 0x100000000) {
            lo[p] = low - 0x100000000;
            hi[p] += h + 1;
          } else {
            lo[p] = low;
            hi[p] += h;
          }
        }
      }
    }
    // The first `limit` in order, by insertion: a partner joins only if it comes before the
    // last kept one (later ones among equals never do), so k equal clones cost k steps, not k log k.
    top.length = 0;
    for (const p of met) {
      isMet[p] = 0;
      if (top.length === limit && !before(p, top[limit - 1])) continue;
      let k = top.length === limit ? limit - 1 : top.length;
      for (; k > 0 && before(p, top[k - 1]); k--) top[k] = top[k - 1];
      top[k] = p;
    }
    topBytes.length = 0;
    for (const p of top) {
      const v = hi[p] * 0x100000000 + lo[p];
      topBytes.push(Number.isSafeInteger(v) ? BigInt(v) : (BigInt(hi[p]) << 32n) | BigInt(lo[p]));
    }
    each(f, top, topBytes, met.length);
  }
}
