// The map model's columns, built once from the engine's packed map (the one column builder):
// each 64-bit value split into two uint32 halves (hi, lo), so that binary search over sorted
// offsets compares plain numbers (no BigInt allocation) and binning computes positions in
// doubles (see src/views/map-model.ts). A map of Extent objects is packed first
// (packExtents), so both inputs take the same path.
//
// Pure: no `vscode`, no Node APIs.

// map-format.ts directly, not the engine's index.ts: the views load at activation, and a value
// import of the index would evaluate the whole engine then; map-format.ts is dependency-free.
import { EXTENT_FLAG, extentFlagNames, packExtents, unpackExtents, type PackedExtents } from '../engine/map-format';
import type { ExtentMap } from '../engine';
import { classIndex, classOf } from '../protocol/extent-class';

/** A map as the engine's packed form: PackedExtentMap (src/engine/map-format.ts). */
export type PackedMapInput = Omit<ExtentMap, 'extents'> & { packed: PackedExtents };

/** The model's columns and totals. */
export interface Columns {
  count: number;
  offHi: Uint32Array;
  offLo: Uint32Array;
  endHi: Uint32Array;
  endLo: Uint32Array;
  physHi: Uint32Array;
  physLo: Uint32Array;
  /** 1 when the physical offset is known. */
  physKnown: Uint8Array;
  /** Engine flag bits (EXTENT_FLAG: every bit is below 2^16). */
  flagBits: Uint16Array;
  /** Class index (EXTENT_CLASSES) per extent. */
  cls: Uint8Array;
  /** Reference counts (0 = not given), only when the map has them. */
  refcounts: Uint32Array | null;
  allocated: bigint;
  sharedBytes: bigint;
  unwrittenBytes: bigint;
  /** Bytes in encoded (compressed) extents, at the length FIEMAP gives: before compression. */
  encodedBytes: bigint;
  /** Extents flagged encoded. */
  encodedCount: number;
  /** Bytes of extents inside [0, size): for the sparse ratio. */
  inFile: bigint;
}

export const TWO32 = 4294967296;
const MASK32 = 0xffffffffn;
export const hiOf = (v: bigint): number => Number(v >> 32n);
export const loOf = (v: bigint): number => Number(v & MASK32);
export const join = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

/** The columns of a map (packed, or Extent objects), sorted by offset. */
export function columnsOf(map: ExtentMap | PackedMapInput): Columns {
  const p = 'packed' in map ? map.packed : packExtents(map.extents);
  // The engine returns extents in offset order; anything else is sorted (a copy, never the caller's).
  return packedColumns(p, map.size) ?? packedColumns(sortedCopy(p), map.size)!;
}

function sortedCopy(p: PackedExtents): PackedExtents {
  const extents = unpackExtents(p).sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  return packExtents(extents);
}

/**
 * Class of a flag word, from the one flag -> class table (src/protocol/extent-class.ts), by
 * the names of its bits; `[plain, with a refcount above 1]`. Cached per distinct word: a map of
 * a million extents has a handful.
 */
const classCache = new Map<number, [number, number]>();
function classesOf(bits: number): [number, number] {
  let c = classCache.get(bits);
  if (!c) {
    const names = extentFlagNames(bits);
    c = [classIndex(classOf(names)), classIndex(classOf(names, 2))];
    classCache.set(bits, c);
  }
  return c;
}

/** Little-endian uint32 halves (lo at 2i, hi at 2i+1) of a 64-bit typed array, without copying. */
function halves(a: BigInt64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
}

/**
 * Columns straight from the engine's packed arrays: no BigInt per value. Offsets and lengths
 * are the unsigned reading of the int64 bits and a negative physical means unknown, exactly
 * as unpackExtents() reads them. An extent is shared when flagged SHARED or when its reference
 * count is above 1. Undefined when the extents are not in offset order.
 */
function packedColumns(p: PackedExtents, size: bigint): Columns | undefined {
  const n = p.count;
  const o32 = halves(p.offset);
  const l32 = halves(p.length);
  const p32 = halves(p.physical);
  const flags = p.flags;
  const rc = p.refcounts;
  const offHi = new Uint32Array(n);
  const offLo = new Uint32Array(n);
  const endHi = new Uint32Array(n);
  const endLo = new Uint32Array(n);
  const physHi = new Uint32Array(n);
  const physLo = new Uint32Array(n);
  const physKnown = new Uint8Array(n);
  const flagBits = new Uint16Array(n);
  const cls = new Uint8Array(n);
  const sH = hiOf(size);
  const sL = loOf(size);
  // Byte totals: per chunk of 2^20 extents the 32-bit halves are summed in doubles (at most
  // 2^20 x 2^32 = 2^52: exact), then folded into bigints: one BigInt operation per chunk
  // instead of one per extent.
  let allocated = 0n;
  let shared = 0n;
  let unwritten = 0n;
  let encoded = 0n;
  let encodedCount = 0;
  let inFile = 0n;
  const fold = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) + BigInt(lo);
  let prevF = -1;
  let prevCls: [number, number] = [0, 0];
  let prevOH = 0;
  let prevOL = 0;
  const CHUNK = 1 << 20;
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const c1 = Math.min(n, c0 + CHUNK);
    let aH = 0,
      aL = 0,
      shH = 0,
      shL = 0,
      uH = 0,
      uL = 0,
      encH = 0,
      encL = 0,
      fH = 0,
      fL = 0;
    for (let i = c0; i < c1; i++) {
      const oL = o32[2 * i];
      const oH = o32[2 * i + 1];
      if (oH < prevOH || (oH === prevOH && oL < prevOL)) return undefined;
      prevOH = oH;
      prevOL = oL;
      const lL = l32[2 * i];
      const lH = l32[2 * i + 1];
      let eL = oL + lL;
      let eH = oH + lH;
      if (eL >= TWO32) {
        eL -= TWO32;
        eH += 1;
      }
      eH = eH >>> 0; // the end wraps at 2^64, as a BigUint64Array store of offset + length does
      offLo[i] = oL;
      offHi[i] = oH;
      endLo[i] = eL;
      endHi[i] = eH;
      const pH = p32[2 * i + 1];
      if (pH < 0x80000000) {
        physLo[i] = p32[2 * i];
        physHi[i] = pH;
        physKnown[i] = 1;
      }
      const f = flags[i];
      if (f !== prevF) {
        prevF = f;
        prevCls = classesOf(f);
      }
      flagBits[i] = f;
      const manyRefs = rc !== undefined && rc[i] > 1;
      cls[i] = manyRefs ? prevCls[1] : prevCls[0];
      aH += lH;
      aL += lL;
      if ((f & EXTENT_FLAG.SHARED) !== 0 || manyRefs) {
        shH += lH;
        shL += lL;
      }
      if (f & EXTENT_FLAG.UNWRITTEN) {
        uH += lH;
        uL += lL;
      }
      if (f & EXTENT_FLAG.ENCODED) {
        encH += lH;
        encL += lL;
        encodedCount++;
      }
      if (eH < sH || (eH === sH && eL <= sL)) {
        fH += lH;
        fL += lL;
      } else if (oH < sH || (oH === sH && oL < sL)) inFile += size - join(oH, oL); // straddles EOF (rare)
    }
    allocated += fold(aH, aL);
    shared += fold(shH, shL);
    unwritten += fold(uH, uL);
    encoded += fold(encH, encL);
    inFile += fold(fH, fL);
  }
  const refcounts = rc ? rc.slice(0, n) : null;
  return {
    count: n,
    offHi,
    offLo,
    endHi,
    endLo,
    physHi,
    physLo,
    physKnown,
    flagBits,
    cls,
    refcounts,
    allocated,
    sharedBytes: shared,
    unwrittenBytes: unwritten,
    encodedBytes: encoded,
    encodedCount,
    inFile,
  };
}

/** The first index below `count` where `isPast` holds, for a test false then true along the sorted columns (count when none). */
function firstIndexWhere(count: number, isPast: (i: number) => boolean): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isPast(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Index of the first extent whose end is after `offset` (count when none). */
export function firstEndingAfter(c: Columns, offset: bigint): number {
  const h = hiOf(offset);
  const l = loOf(offset);
  // end > offset ?
  return firstIndexWhere(c.count, (i) => c.endHi[i] > h || (c.endHi[i] === h && c.endLo[i] > l));
}

/** Index of the first extent starting at or after `offset` (count when none). */
export function firstStartingAtOrAfter(c: Columns, offset: bigint): number {
  const h = hiOf(offset);
  const l = loOf(offset);
  return firstIndexWhere(c.count, (i) => c.offHi[i] > h || (c.offHi[i] === h && c.offLo[i] >= l));
}
