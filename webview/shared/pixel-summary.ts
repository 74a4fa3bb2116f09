// What one pixel of an exact map holds when it holds several extents (the whole file of a big
// map: 41 extents in one column): how many, the bytes the pixel covers, and the bytes of each
// class in it, all exact (bigint, offsets up to 2^64), classed by the one table (classOf) the map
// is drawn by. The tooltip said only the first extent's details there.
import { EXTENT_CLASSES, type ExtentClass, type WireExtent } from '../../src/protocol/messages';
import { classOf } from '../../src/protocol/extent-class';

/** Several extents under one pixel (or one mark's pixels, map-marks.ts): the bytes [offset, offset + length). */
export interface PixelHit {
  kind: 'pixel';
  offset: bigint;
  length: bigint;
  /** Device pixels the range spans (1, or a mark's columns). */
  columns: number;
  /** Extents meeting the range (each counted once, however little of it lies inside). */
  extents: number;
  /** Bytes of the range in each class, and in holes (the rest): they sum to `length`. */
  bytes: Record<ExtentClass | 'hole', bigint>;
  /** The first extent's row in the whole map, when the window gives it (N goes on from there). */
  firstIndex?: number;
}

/** The index of the last of `extents` (sorted by offset) starting at or before `offset`; -1 when none does. */
export function lastStartingAtOrBefore(extents: readonly WireExtent[], offset: bigint): number {
  let lo = 0;
  let hi = extents.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (BigInt(extents[mid].offset) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The extents of `extents` (sorted by offset, not overlapping, as a map window sends them) that
 * meet [a, b), summed by class; `columns`: the device pixels [a, b) spans.
 */
export function summarisePixel(extents: readonly WireExtent[], a: bigint, b: bigint, columns = 1): PixelHit {
  const bytes = Object.fromEntries([...EXTENT_CLASSES, 'hole'].map((c) => [c, 0n])) as Record<ExtentClass | 'hole', bigint>;
  // from the last extent starting at or before a (the only earlier one that can reach into [a, b))
  let i = Math.max(0, lastStartingAtOrBefore(extents, a));
  let count = 0;
  let firstIndex: number | undefined;
  let covered = 0n;
  for (; i < extents.length; i++) {
    const e = extents[i];
    const s = BigInt(e.offset);
    if (s >= b) break;
    const end = s + BigInt(e.length);
    if (end <= a) continue;
    const part = (end < b ? end : b) - (s > a ? s : a);
    if (count === 0) firstIndex = e.index;
    count++;
    bytes[classOf(e.flags, e.refcount)] += part;
    covered += part;
  }
  bytes.hole = b - a - covered;
  const hit: PixelHit = { kind: 'pixel', offset: a, length: b - a, columns, extents: count, bytes };
  if (firstIndex !== undefined) hit.firstIndex = firstIndex;
  return hit;
}
