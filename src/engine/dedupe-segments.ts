// A range of a file as dedupe's saving rules see it (dedupe-saving.ts): its data as pieces with
// their physical places, and the comparisons of places those rules make (which bytes of two
// ranges already sit on the same blocks; a key equal for ranges whose data lies in one place;
// where a piece ends on disk, a file's last partial block counted whole).

import { EXTENT_FLAG } from './map-format';
import type { FileData } from './dedupe-file-data';

export interface Segment {
  rel: bigint;
  len: bigint;
  /** -1: unknown. Encoded: the encoded extent's address (it names the extent, maps no byte). */
  phys: bigint;
  shared: boolean;
  encoded: boolean;
}

/** The data of `f` in [offset, offset + length), relative to `offset`, contiguous pieces joined. */
export function segments(f: FileData, offset: bigint, length: bigint): Segment[] {
  const end = offset + length;
  const out: Segment[] = [];
  // The extents are in file order and do not overlap: start at the first that ends after
  // `offset` (a chunk of a file with thousands of extents is asked for thousands of times).
  let lo = 0;
  let hi = f.off.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f.off[mid] + f.len[mid] <= offset) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < f.off.length && f.off[i] < end; i++) {
    const a = f.off[i] > offset ? f.off[i] : offset;
    const b = f.off[i] + f.len[i] < end ? f.off[i] + f.len[i] : end;
    if (b <= a) continue;
    const encoded = f.phys[i] >= 0n && (f.flags[i] & EXTENT_FLAG.ENCODED) !== 0;
    const phys = f.phys[i] < 0n ? -1n : encoded ? f.phys[i] : f.phys[i] + (a - f.off[i]);
    const shared = (f.flags[i] & EXTENT_FLAG.SHARED) !== 0;
    const last = out[out.length - 1];
    if (
      last &&
      !encoded &&
      !last.encoded &&
      last.phys >= 0n &&
      phys >= 0n &&
      last.rel + last.len === a - offset &&
      last.phys + last.len === phys &&
      last.shared === shared
    )
      last.len += b - a;
    else out.push({ rel: a - offset, len: b - a, phys, shared, encoded });
  }
  return out;
}

/**
 * Bytes of `d` that sit at the same physical place as `s` at the same relative offset. Encoded
 * (compressed) pieces are the same where both reference the same encoded extent: if their places
 * inside it differed, their bytes are equal anyway (the group's ranges are), and sharing them
 * would free nothing while `s` keeps that extent.
 */
export function sameBytes(s: Segment[], d: Segment[]): bigint {
  let n = 0n;
  let j = 0;
  for (const x of d) {
    if (x.phys < 0n) continue;
    while (j < s.length && s[j].rel + s[j].len <= x.rel) j++;
    for (let k = j; k < s.length && s[k].rel < x.rel + x.len; k++) {
      const y = s[k];
      if (y.phys < 0n || x.encoded !== y.encoded) continue;
      if (x.encoded ? y.phys !== x.phys : y.phys - y.rel !== x.phys - x.rel) continue;
      const a = x.rel > y.rel ? x.rel : y.rel;
      const b = x.rel + x.len < y.rel + y.len ? x.rel + x.len : y.rel + y.len;
      if (b > a) n += b - a;
    }
  }
  return n;
}

export const dataBytes = (s: Segment[]): bigint => s.reduce((t, x) => t + x.len, 0n);

/**
 * Where a range's data lies, as a string: equal for two ranges with data at the same offsets
 * exactly when sameBytes says every byte is at the same place (pieces that continue one another
 * joined, whatever their flags; an encoded piece by its extent's address). Undefined when some
 * byte has no known place, or there is no data: such a range is the same as no other.
 */
export function placeKey(s: Segment[]): string | undefined {
  if (s.length === 0) return undefined;
  const parts: string[] = [];
  let rel = 0n;
  let len = 0n;
  let at = 0n;
  let encoded = false;
  const flush = (): number => (len > 0n ? parts.push(`${rel}+${len}${encoded ? '@e' : '@'}${at}`) : 0);
  for (const x of s) {
    if (x.phys < 0n) return undefined;
    const place = x.encoded ? x.phys : x.phys - x.rel;
    if (len > 0n && x.encoded === encoded && place === at && rel + len === x.rel) len += x.len;
    else {
      flush();
      rel = x.rel;
      len = x.len;
      at = place;
      encoded = x.encoded;
    }
  }
  flush();
  return parts.join(' ');
}

/** `v` rounded up to a multiple of the file system's block (as it is where there is none). */
function toBlockEnd(v: bigint, blockSize: number): bigint {
  if (blockSize <= 0) return v;
  const bs = BigInt(blockSize);
  return ((v + bs - 1n) / bs) * bs;
}

/**
 * Where a piece of the range at `offset` of `f` ends on disk: a piece that ends the file inside a
 * block holds that whole block (what sharing frees, and what deleting frees), so its end is
 * rounded up to the file system's block.
 */
export function physEnd(f: FileData, offset: bigint, x: Segment): bigint {
  const e = x.phys + x.len;
  return offset + x.rel + x.len === f.size ? toBlockEnd(e, f.blockSize) : e;
}

/** A range's end in `f`, where it ends the file: the end of its last block (the block moves with it). */
export function blockEndAtEof(f: FileData | undefined, end: bigint): bigint {
  return f && end >= f.size ? toBlockEnd(end, f.blockSize) : end;
}

/** The length of the chunk at `offset` of `f` (the last one may be short). */
export function chunkLength(f: FileData, offset: bigint, chunk: bigint): bigint {
  return f.size - offset < chunk ? f.size - offset : chunk;
}

/** Ranges whose data all lies at one physical place already (clones, snapshots): not duplicates to speak of. */
export function onePlace(files: FileData[], offsets: bigint[], length: bigint): boolean {
  const keys = files.map((f, i) => placeKey(segments(f, offsets[i], length)));
  return keys[0] !== undefined && keys.every((k) => k === keys[0]);
}
