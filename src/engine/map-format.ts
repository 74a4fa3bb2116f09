// The engine's one map format, the same on every OS: extents in columns (PackedExtents), their
// flags as ENGINE bits (EXTENT_FLAG below) and, where the OS gives them, reference counts.
// Every backend converts what its OS reports once, at its edge (Linux: FIEMAP fe_flags in
// backends/linux/codec.ts; Windows and SMB: the retrieval pointers in nt/extents.ts); above the
// backends nothing knows an OS flag.
//
// Dependency-free on purpose (it imports only types): the CLI and the extension's views import
// it directly instead of through src/engine/index.ts, whose value import would evaluate the
// whole engine (operations, destination, context, ...) at start-up or activation, before any
// map is read. index.ts re-exports only part of it (the PackedExtents and PackedExtentMap types,
// EXTENT_FLAG, EXTENT_FLAG_ALL, extentFlagBits, extentFlagNames, packExtents, unpackExtents);
// the rest is imported from here. (About 450 lines: the format, its flag bits and the few
// functions every layer reads it with, kept as the one file those layers import.)

import type { Extent, ExtentFlag, ExtentMap } from './types';

/**
 * Engine flag bits of an extent (PackedExtents.flags). The values were chosen equal to Linux's
 * FIEMAP_EXTENT_* bits (linux/fiemap.h), so that the Linux backend converts with a mask
 * (`fe_flags & EXTENT_FLAG_ALL`) in its hottest loop. That is the Linux backend's business
 * only: everything else uses these names, never the numbers, and another backend sets them by
 * name (ReFS: refcount > 1 sets SHARED).
 */
export const EXTENT_FLAG = {
  /** The last extent of the file (only when the map reaches its end). */
  LAST: 0x1,
  /** Where the data lives is not known (the physical offset means nothing). */
  UNKNOWN: 0x2,
  /** Delayed allocation: no blocks yet. */
  DELALLOC: 0x4,
  /** Stored in another form (compressed, ...): not plain blocks. */
  ENCODED: 0x8,
  ENCRYPTED: 0x80,
  NOT_ALIGNED: 0x100,
  /** Kept inside metadata (inline data). */
  INLINE: 0x200,
  /** Packed with other files' tails. */
  TAIL: 0x400,
  /** Allocated but never written: reads as zeros. */
  UNWRITTEN: 0x800,
  /** Merged by the file system from several (for reporting). */
  MERGED: 0x1000,
  /** Shares its blocks with another file or extent (a clone, a snapshot, ReFS refcount > 1). */
  SHARED: 0x2000,
} as const;

/** Flag names in bit order: the order in which a flag word's names are listed everywhere. */
const FLAG_TABLE: ReadonlyArray<readonly [number, ExtentFlag]> = [
  [EXTENT_FLAG.LAST, 'last'],
  [EXTENT_FLAG.UNKNOWN, 'unknown'],
  [EXTENT_FLAG.DELALLOC, 'delalloc'],
  [EXTENT_FLAG.ENCODED, 'encoded'],
  [EXTENT_FLAG.ENCRYPTED, 'encrypted'],
  [EXTENT_FLAG.NOT_ALIGNED, 'not-aligned'],
  [EXTENT_FLAG.INLINE, 'inline'],
  [EXTENT_FLAG.TAIL, 'tail'],
  [EXTENT_FLAG.UNWRITTEN, 'unwritten'],
  [EXTENT_FLAG.MERGED, 'merged'],
  [EXTENT_FLAG.SHARED, 'shared'],
];

/**
 * Whether `physical` maps its extent byte for byte (the k-th byte lives at physical + k): known,
 * and not ENCODED, whose physical only names where the encoded (compressed) extent starts.
 */
export function linearPhysical(physical: bigint, flags: number): boolean {
  return physical >= 0n && (flags & EXTENT_FLAG.ENCODED) === 0;
}

/** Every engine flag bit (a flag word never holds others; the Linux edge masks with it). */
export const EXTENT_FLAG_ALL: number = FLAG_TABLE.reduce((all, [bit]) => all | bit, 0);

// Maps of a million extents use a handful of distinct flag words; one frozen array per word
// keeps unpacking free of allocations for the flags.
const namesCache = new Map<number, ExtentFlag[]>();

/** Engine flag bits -> names in bit order (a shared, frozen array per distinct word: do not mutate). */
export function extentFlagNames(bits: number): ExtentFlag[] {
  let names = namesCache.get(bits);
  if (!names) {
    names = Object.freeze(FLAG_TABLE.filter(([bit]) => (bits & bit) !== 0).map(([, n]) => n)) as ExtentFlag[];
    namesCache.set(bits, names);
  }
  return names;
}

/** Names -> engine flag bits (unknown names are ignored). */
export function extentFlagBits(names: readonly ExtentFlag[]): number {
  let bits = 0;
  for (const n of names) {
    const hit = FLAG_TABLE.find(([, name]) => name === n);
    if (hit) bits |= hit[0];
  }
  return bits;
}

/**
 * Columnar extents: the form maps take inside the engine, across threads (a million extents
 * cross postMessage as a few transferable arrays instead of a million objects) and to the CLI
 * and the inspector. Offsets and lengths are unsigned 64-bit values stored as int64 bits
 * (BigInt.asUintN(64, v) reads them); `physical` is -1 when unknown; `flags` are EXTENT_FLAG
 * bits; `refcounts`, present only when the OS gives reference counts (ReFS), holds one per
 * extent, 0 meaning "not given" for that extent.
 */
export interface PackedExtents {
  count: number;
  offset: BigInt64Array;
  length: BigInt64Array;
  physical: BigInt64Array;
  flags: Uint32Array;
  refcounts?: Uint32Array;
}

/** An ExtentMap whose extents travel in columnar form (fast across threads). */
export interface PackedExtentMap extends Omit<ExtentMap, 'extents'> {
  packed: PackedExtents;
}

/** The columns a builder hands out for direct writes (see PackedExtentsBuilder.appendColumns). */
interface PackedColumns {
  /** Index of the first extent to write. */
  at: number;
  offset: BigInt64Array;
  length: BigInt64Array;
  physical: BigInt64Array;
  flags: Uint32Array;
}

/**
 * A growable PackedExtents builder.
 *
 * Memory is what a big map costs most here, more than copying: every fresh page the process
 * touches is a page fault (measured ~3 us each in a virtual machine, so a 100,000-extent map's
 * ~10 MB of scratch cost more time than decoding it). So the columns grow 4x at a time, in one
 * step to the size needed, and build() hands out views of them instead of copies (a builder
 * that changes after build() first moves to columns of its own). The refcount column exists
 * only once an extent with a reference count is pushed.
 */
export class PackedExtentsBuilder {
  count = 0;
  // Most files have a few extents (a space walk maps thousands of them), so the columns start
  // small and grow 4x: a million-extent map costs ~8 reallocations, a small file 0.5 KiB, not 28.
  private offset = new BigInt64Array(16);
  private length = new BigInt64Array(16);
  private physical = new BigInt64Array(16);
  private flags = new Uint32Array(16);
  private refcounts: Uint32Array | undefined;
  /** The columns are also seen through a built PackedExtents: copy before changing them. */
  private shared = false;

  /** New columns with room for at least `need` extents (4x the old size or more), holding the current ones. */
  private grow(need = this.offset.length * 4): void {
    let n = Math.max(64, this.offset.length * 4);
    while (n < need) n *= 2;
    this.realloc(n);
  }

  private realloc(n: number): void {
    const c = this.count;
    const o = new BigInt64Array(n),
      l = new BigInt64Array(n),
      p = new BigInt64Array(n),
      f = new Uint32Array(n);
    o.set(this.offset.subarray(0, c));
    l.set(this.length.subarray(0, c));
    p.set(this.physical.subarray(0, c));
    f.set(this.flags.subarray(0, c));
    if (this.refcounts) {
      const r = new Uint32Array(n);
      r.set(this.refcounts.subarray(0, c));
      this.refcounts = r;
    }
    this.offset = o;
    this.length = l;
    this.physical = p;
    this.flags = f;
    this.shared = false;
  }

  /** Before changing a column in place: leave what build() returned untouched. */
  private own(): void {
    if (this.shared) this.realloc(this.offset.length);
  }

  /** One extent; `refcount` only where the OS gives one (undefined: none). */
  push(offset: bigint, length: bigint, physical: bigint, flags: number, refcount?: number): void {
    if (this.count === this.offset.length) this.grow();
    else this.own();
    const i = this.count++;
    this.offset[i] = offset;
    this.length[i] = length;
    this.physical[i] = physical;
    this.flags[i] = flags;
    if (refcount !== undefined) {
      // zeros (not given) for the extents before the first one with a count
      this.refcounts ??= new Uint32Array(this.offset.length);
      this.refcounts[i] = refcount;
    } else if (this.refcounts) this.refcounts[i] = 0;
  }

  /**
   * Room for `n` more extents, counted as added at once: the caller writes extents
   * [at, at + n) of the returned columns (a decoder's loop with no call per extent; Linux
   * fills them from FIEMAP replies). Their reference counts, if the column exists, are 0.
   */
  appendColumns(n: number): PackedColumns {
    if (this.count + n > this.offset.length) this.grow(this.count + n);
    else this.own();
    const at = this.count;
    this.count += n;
    this.refcounts?.fill(0, at, at + n);
    return { at, offset: this.offset, length: this.length, physical: this.physical, flags: this.flags };
  }

  /**
   * Drop extents at index >= `from` that end at or before `prevEnd`, and trim one that starts
   * before it: a page must never repeat what an earlier page returned (defensive: file systems
   * that merge extents may report a boundary differently from one call to the next).
   */
  dropRepeated(from: number, prevEnd: bigint): void {
    this.own();
    const rc = this.refcounts;
    let w = from;
    for (let r = from; r < this.count; r++) {
      const o = this.offset[r];
      const e = o + this.length[r];
      if (e <= prevEnd) continue;
      if (o < prevEnd) {
        const cut = prevEnd - o;
        this.offset[w] = prevEnd;
        this.length[w] = e - prevEnd;
        this.physical[w] = linearPhysical(this.physical[r], this.flags[r]) ? this.physical[r] + cut : this.physical[r];
      } else if (w !== r) {
        this.offset[w] = o;
        this.length[w] = this.length[r];
        this.physical[w] = this.physical[r];
      }
      this.flags[w] = this.flags[r];
      if (rc) rc[w] = rc[r];
      w++;
    }
    this.count = w;
  }

  /** The offset of extent `i` (for paging checks). */
  offsetAt(i: number): bigint {
    return this.offset[i];
  }

  /** Offset + length of the last extent pushed (where the next page starts). */
  lastEnd(): bigint {
    const i = this.count - 1;
    return BigInt.asUintN(64, this.offset[i]) + BigInt.asUintN(64, this.length[i]);
  }

  lastFlags(): number {
    return this.count === 0 ? 0 : this.flags[this.count - 1];
  }

  /** Take over the contents of another builder (used after clipping). */
  replaceWith(other: PackedExtentsBuilder): void {
    this.count = other.count;
    this.offset = other.offset;
    this.length = other.length;
    this.physical = other.physical;
    this.flags = other.flags;
    this.refcounts = other.refcounts;
    // both builders now see these columns: whichever changes first copies them
    this.shared = other.shared = true;
  }

  /**
   * Empty it, keeping its columns, to map the next file into them (the space walk maps
   * thousands of files into one builder). Nothing built from it before may still be in use.
   */
  clear(): void {
    this.count = 0;
    this.refcounts = undefined;
    this.shared = false;
  }

  /** The columns as they are (full length; `count` extents are valid), for a reader that keeps nothing (see clear). */
  peek(): PackedExtents {
    return {
      count: this.count,
      offset: this.offset,
      length: this.length,
      physical: this.physical,
      flags: this.flags,
      refcounts: this.refcounts,
    };
  }

  /** Exact-length views of the columns (no copy; see the class comment). */
  build(): PackedExtents {
    const n = this.count;
    this.shared = true;
    const p: PackedExtents = {
      count: n,
      offset: this.offset.subarray(0, n),
      length: this.length.subarray(0, n),
      physical: this.physical.subarray(0, n),
      flags: this.flags.subarray(0, n),
    };
    if (this.refcounts) p.refcounts = this.refcounts.subarray(0, n);
    return p;
  }
}

/** PackedExtents -> Extent objects (offsets as unsigned 64-bit, physical null when unknown, refcount when given). */
export function unpackExtents(p: PackedExtents): Extent[] {
  const out: Extent[] = new Array(p.count);
  const { offset, length, physical, flags, refcounts } = p;
  // Each typed-array read allocates a BigInt: read every field exactly once.
  for (let i = 0; i < p.count; i++) {
    const o = offset[i];
    const l = length[i];
    const phys = physical[i];
    const e: Extent = {
      offset: o < 0n ? BigInt.asUintN(64, o) : o,
      length: l < 0n ? BigInt.asUintN(64, l) : l,
      physical: phys < 0n ? null : phys,
      flags: namesCache.get(flags[i]) ?? extentFlagNames(flags[i]),
    };
    if (refcounts && refcounts[i] !== 0) e.refcount = refcounts[i];
    out[i] = e;
  }
  return out;
}

/** Extent objects -> PackedExtents (a `refcount` becomes the refcount column). */
export function packExtents(extents: readonly Extent[]): PackedExtents {
  const n = extents.length;
  const p: PackedExtents = {
    count: n,
    offset: new BigInt64Array(n),
    length: new BigInt64Array(n),
    physical: new BigInt64Array(n),
    flags: new Uint32Array(n),
  };
  // maps often share one flags array between extents (unpackExtents does): skip the lookups then
  let prevFlags: readonly ExtentFlag[] | undefined;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const e = extents[i];
    if (e.flags !== prevFlags) {
      prevFlags = e.flags;
      bits = extentFlagBits(e.flags);
    }
    // a BigInt64Array store wraps modulo 2^64: unsigned values >= 2^63 keep their bits
    p.offset[i] = e.offset;
    p.length[i] = e.length;
    p.physical[i] = e.physical ?? -1n;
    p.flags[i] = bits;
    if (e.refcount !== undefined) (p.refcounts ??= new Uint32Array(n))[i] = e.refcount;
  }
  return p;
}

/** The buffers of a packed map's columns: what a worker transfers (moves, not copies) with it. */
export function packedBuffers(p: PackedExtents): ArrayBuffer[] {
  const out = [p.offset.buffer, p.length.buffer, p.physical.buffer, p.flags.buffer] as ArrayBuffer[];
  if (p.refcounts) out.push(p.refcounts.buffer as ArrayBuffer);
  return out;
}

/** The first `n` extents of `p`, in columns of their own. */
function slicePacked(p: PackedExtents, n: number): PackedExtents {
  const out: PackedExtents = {
    count: n,
    offset: p.offset.slice(0, n),
    length: p.length.slice(0, n),
    physical: p.physical.slice(0, n),
    flags: p.flags.slice(0, n),
  };
  if (p.refcounts) out.refcounts = p.refcounts.slice(0, n);
  return out;
}

/**
 * Apply a `maxExtents` bound to a map read in full (backends whose paging cannot stop early):
 * keep the first `maxExtents` extents and mark where the exact part ends.
 */
export function limitPackedMap(m: PackedExtentMap, maxExtents: number | undefined): PackedExtentMap {
  const p = m.packed;
  if (maxExtents === undefined || p.count <= maxExtents) return m;
  const n = maxExtents;
  const end = BigInt.asUintN(64, p.offset[n - 1]) + BigInt.asUintN(64, p.length[n - 1]);
  return { ...m, packed: slicePacked(p, n), truncatedAt: end };
}

/**
 * Data ranges (SEEK_DATA, SMB's allocated ranges) end at end-of-file, but a file's last block is
 * held whole (what FIEMAP shows and `du` counts): the bytes from end-of-file to its block's end,
 * where the last range ends at an end-of-file inside a block and `heldBytes` (the block count,
 * SMB's AllocationSize) holds that block beyond the ranges' bytes; 0n otherwise.
 */
export function lastBlockTail(
  ranges: readonly { offset: bigint; length: bigint }[],
  size: bigint,
  blockSize: number,
  heldBytes: bigint,
): bigint {
  const last = ranges[ranges.length - 1];
  const block = BigInt(blockSize);
  if (!last || block <= 1n || last.offset + last.length !== size || size % block === 0n) return 0n;
  const tail = block - (size % block);
  let data = 0n;
  for (const r of ranges) data += r.length;
  return heldBytes >= data + tail ? tail : 0n;
}

/**
 * What a file holds (`blockBytes`: its block count x 512) beyond the whole blocks its extents
 * touch: for a SEEK_DATA-only map, space the map cannot place (tmpfs counts pages fallocate
 * reserved, and huge pages whole, but SEEK_DATA reports unwritten pages as holes). 0n when none.
 */
export function heldOutsideExtents(blockBytes: bigint, p: PackedExtents, blockSize: number): bigint {
  const block = BigInt(blockSize > 0 ? blockSize : 1);
  let touched = 0n;
  for (let i = 0; i < p.count; i++) {
    const start = BigInt.asUintN(64, p.offset[i]);
    const end = start + BigInt.asUintN(64, p.length[i]);
    touched += ((end + block - 1n) / block) * block - (start / block) * block;
  }
  return blockBytes > touched ? blockBytes - touched : 0n;
}

/**
 * Bytes of extents past the end of the file's last block (it is allocated whole): space
 * preallocated beyond EOF (fallocate --keep-size, XFS speculative preallocation). Extents in
 * offset order, read through `offsetAt`/`endAt` so the CLI's packed columns and the inspector's
 * model count them the same way. `counts` picks which extents count (default: all).
 */
export function bytesPastEof(
  size: bigint,
  blockSize: number,
  count: number,
  offsetAt: (i: number) => bigint,
  endAt: (i: number) => bigint,
  counts: (i: number) => boolean = () => true,
): bigint {
  const bs = BigInt(blockSize > 0 ? blockSize : 1);
  const eof = ((size + bs - 1n) / bs) * bs;
  let past = 0n;
  // sorted by offset: only the last extents can reach past it
  for (let i = count - 1; i >= 0; i--) {
    const o = offsetAt(i);
    const end = endAt(i);
    if (end <= eof) break;
    if (counts(i)) past += end - (o > eof ? o : eof);
  }
  return past;
}
