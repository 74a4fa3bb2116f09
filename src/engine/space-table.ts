// What engine.space keeps while it walks (src/engine/space.ts): per file system a Group (sums and
// the shared ranges, which the sweep reads), and per file a row of typed columns (FileTable).
// Memory grows with the shared ranges (~24 bytes each, SharedRanges) and ~50 bytes plus the path
// per file.

import type { SpaceFile, SpaceOverlap, SpaceTotals } from './space-types';

/**
 * Group.encoded: a compressed extent references at most 128 KiB (btrfs's BTRFS_MAX_UNCOMPRESSED)
 * and starts at a block (4 KiB at least), so address·32 + length never reaches the next one's.
 */
export const MAX_ENCODED_LENGTH = 128n * 1024n;
export const ENCODED_SCALE = 32n;
/** Above it address·32 would not fit the columns' 64 bits (2^58: far beyond any btrfs address seen). */
export const MAX_ENCODED_ADDRESS = 1n << 58n;

export interface Group {
  id: string;
  dev: bigint;
  filesystem?: string;
  /** Where it is mounted (Linux), for people: the id is a key. */
  mountPoint?: string;
  totals: SpaceTotals;
  /** Bytes not shared, with a physical offset: disjoint from every other range. */
  own: bigint;
  /** Bytes whose physical place is unknown (SEEK-only maps, shared extents without an offset). */
  unplaced: bigint;
  sharingUnknownFiles: number;
  /** Files with compressed (encoded) extents: their bytes are counted uncompressed. */
  compressedFiles: number;
  /** Of the files' allocated bytes, those in compressed (encoded) extents (uncompressed lengths, as FIEMAP gives them). */
  encodedBytes: bigint;
  /** Bytes files' block counts hold that their SEEK-only maps cannot place (tmpfs's reserved pages), and in how many files. */
  heldOutside: bigint;
  heldOutsideFiles: number;
  /**
   * XFS: bytes files' block counts hold beyond their FIEMAP extents (copy-on-write staging,
   * extent-tree and attribute blocks), each file's alone, so freed with it: in reclaimable.
   */
  beyondExtents: bigint;
  beyondExtentsFiles: number;
  /** Of beyondExtents, what files with a hard link outside the selection hold (they stay). */
  beyondKept: bigint;
  /**
   * ext4: the files' attribute blocks, by where each lies (bytes), and how many files have one.
   * A block may be shared with files outside the selection (ext4 keeps its count where userspace
   * cannot read it), so only the upper bound of what deleting frees counts them.
   */
  attrBlocks: Map<bigint, bigint>;
  attrBlocksFiles: number;
  /** Bytes files' ranges claim beyond their allocation size (SMB files not marked sparse: holes not shown), and in how many files. */
  hiddenHoles: bigint;
  hiddenHolesFiles: number;
  /** The shared ranges: physical start and end, file index, refcount (0 = not given). */
  ranges: SharedRanges;
  /**
   * References to shared compressed (encoded) extents, which FIEMAP places only by the extent's
   * address: [address·32, address·32 + length), so references to one extent overlap and to two
   * never do (addresses 4 KiB apart, lengths at most 128 KiB). Swept apart from `ranges`, for
   * `unique` (in uncompressed bytes, each extent once) and who shares with whom. They are not
   * places: nothing compares them with `ranges` or with files outside the selection.
   */
  encoded: SharedRanges;
  /** Exclusive bytes of files with a hard link outside the selection (deleting the selection keeps them). */
  kept: bigint;
  /** How many such files (said in this file system's notes). */
  keptFiles: number;
  /** Of keptFiles, those only in an overlay's lower layer (deleting the merged name makes a whiteout). */
  lowerOnlyFiles?: number;
  /** Per shared range: every reference to its bytes is a file of the selection (owner queries). */
  inside?: boolean[];
  /** Several paths given: per shared range, the path given all of its owners are files of, else -1 (space-alone.ts). */
  insidePart?: Int32Array;
  /** btrfs as root, several paths given: per path, what deleting its files alone frees (space-btrfs.ts). */
  diskAlone?: bigint[];
  /** btrfs as root: what deleting the selection frees, whole extents at their size on disk (space-btrfs.ts diskFreed). */
  disk?: bigint;
  /** btrfs as root: the shared extents a reference outside the selection holds, by disk address. */
  diskOutside?: Intervals;
  /**
   * btrfs as root: the files outside the selection that keep its extents allocated, most bytes
   * first (at most HOLDERS_NAMED, named by a path where one leads to them), and the bytes on disk
   * of the extents they keep.
   */
  heldOutsideBy?: { holders: { name: string; bytes: bigint }[]; bytes: bigint; more: number };
  /** The owner query that gave `inside` or `disk` (ExtentOwnerQuery.method). */
  ownersBy?: string;
  /**
   * With exactScan: shared bytes of the selection no file outside references, how the scan went,
   * and the places files outside (and files kept by a hard link outside) hold. `hidden`: shared
   * bytes only one reference of the selection holds and the scan found no other for: their other
   * owner is out of its reach (a folder under another mount, a deleted file still open), so the
   * scan is not exact.
   */
  scan?: {
    reclaimableShared: bigint;
    files: number;
    unreadable: number;
    /** A few of them with the OS error (space-scan.ts OutsideScan). */
    unreadableExamples: string[];
    outside: Intervals;
    hidden: bigint;
    /** Inodes out of the scan's reach (space-scan.ts unreachedInodes); undefined: not known, but folders were mounted over. */
    unreached: bigint | undefined;
    mountedOver: string[];
  };
}

/** Physical intervals, merged and in order. */
export interface Intervals {
  start: bigint[];
  end: bigint[];
}

/**
 * The shared ranges of one file system, in typed columns grown 2x as they fill: physical start
 * and end (bytes, below 2^63 as FIEMAP gives them), the file's index and the reference count.
 * ~24 bytes a range: as bigint[] and number[] they took ~130 (a BigInt is an object of its own),
 * 260 MB for the 2 million ranges of 2,000 clones of a 1,000-extent file.
 */
export class SharedRanges {
  count = 0;
  start = new BigInt64Array(16);
  end = new BigInt64Array(16);
  file = new Uint32Array(16);
  ref = new Uint32Array(16);

  push(start: bigint, end: bigint, file: number, ref: number): void {
    if (this.count === this.start.length) {
      this.start = doubled(this.start);
      this.end = doubled(this.end);
      this.file = doubled(this.file);
      this.ref = doubled(this.ref);
    }
    const i = this.count++;
    this.start[i] = start;
    this.end[i] = end;
    this.file[i] = file;
    this.ref[i] = ref;
  }
}

type Column = BigInt64Array | BigUint64Array | Int32Array | Uint32Array | Uint8Array;

/** A typed column twice as long, its values kept (the columns here grow 2x as they fill). */
function doubled<T extends Column>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  (b as unknown as { set(from: T): void }).set(a);
  return b;
}

/**
 * The indices of the first `n` ranges in ascending order of `keys[0]`, then `keys[1]`, ...
 * (stable among equal ones). Compared as doubles first (Number() rounds monotonically, so a
 * smaller double means a smaller value) and exactly only where the doubles are equal and may
 * round (from 2^53): a BigInt comparison, or a read of a column (each makes a BigInt), for every
 * step of a sort of millions of ranges was most of its time.
 */
export function sortedBy(keys: readonly BigInt64Array[], n: number): Uint32Array {
  const approx = keys.map((v) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = Number(v[i]);
    return a;
  });
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return idx.sort((x, y) => {
    for (let k = 0; k < keys.length; k++) {
      const a = approx[k];
      const d = a[x] - a[y] || (a[x] < 2 ** 53 ? 0 : keys[k][x] < keys[k][y] ? -1 : keys[k][x] > keys[k][y] ? 1 : 0);
      if (d !== 0) return d;
    }
    return x - y;
  });
}

export function emptyTotals(): SpaceTotals {
  return {
    files: 0,
    size: 0n,
    allocated: 0n,
    shared: 0n,
    exclusive: 0n,
    unique: 0n,
    reclaimable: 0n,
    reclaimableExact: true,
    reclaimableMax: 0n,
    reclaimableBounds: true,
  };
}

/**
 * What is kept per file until the rows are made: the path and a few numbers in typed columns
 * (~50 bytes and the path per file, instead of a SpaceFile with its BigInts and sharesWith).
 */
export class FileTable {
  count = 0;
  readonly path: string[] = [];
  size = new BigUint64Array(1024);
  allocated = new BigUint64Array(1024);
  shared = new BigUint64Array(1024);
  inline = new BigUint64Array(1024);
  ino = new BigUint64Array(1024);
  dev = new BigUint64Array(1024);
  fileSystem = new Int32Array(1024);
  /** 1: sharing unknown (no physical offsets); 2: inline bytes present; 4: encoded bytes present (in `encoded`). */
  bits = new Uint8Array(1024);
  /** Bytes in compressed (encoded) extents, of files with bit 4 only (few files have any). */
  private readonly encoded = new Map<number, bigint>();

  /** Of files met through an overlay, the layer file's path (few files have one). */
  private readonly layerPaths = new Map<number, string>();

  /** File i is the layer file `p` seen through an overlay's merged view (space.ts). */
  setLayerPath(i: number, p: string): void {
    this.layerPaths.set(i, p);
  }

  /** File i's path on its own file system, which queries of that file system take: the layer's where met through an overlay. */
  pathOnFileSystem(i: number): string {
    return this.layerPaths.get(i) ?? this.path[i];
  }

  setEncoded(i: number, bytes: bigint): void {
    this.encoded.set(i, bytes);
    this.bits[i] |= 4;
  }

  /** The first file of file-system group `gi` (-1: none), whose path (pathOnFileSystem) names the group to its backend. */
  firstOf(gi: number): number {
    for (let i = 0; i < this.count; i++) if (this.fileSystem[i] === gi) return i;
    return -1;
  }

  add(
    p: string,
    size: bigint,
    allocated: bigint,
    shared: bigint,
    inline: bigint,
    ino: bigint,
    dev: bigint,
    fileSystem: number,
    bits: number,
  ): number {
    const i = this.count++;
    if (i === this.size.length) this.grow();
    this.path.push(p);
    this.size[i] = size;
    this.allocated[i] = allocated;
    this.shared[i] = shared;
    this.inline[i] = inline;
    this.ino[i] = ino;
    this.dev[i] = dev;
    this.fileSystem[i] = fileSystem;
    this.bits[i] = bits;
    return i;
  }

  private grow(): void {
    this.size = doubled(this.size);
    this.allocated = doubled(this.allocated);
    this.shared = doubled(this.shared);
    this.inline = doubled(this.inline);
    this.ino = doubled(this.ino);
    this.dev = doubled(this.dev);
    this.fileSystem = doubled(this.fileSystem);
    this.bits = doubled(this.bits);
  }

  exclusive(i: number): bigint {
    return this.allocated[i] - this.shared[i];
  }

  /** File i's share of what deleting frees, at most its shared bytes (`inside`: the sweep's figure). */
  sharedInside(i: number, inside: bigint): bigint {
    return inside < this.shared[i] ? inside : this.shared[i];
  }

  /** Row i; `sharesWithCount` is given once the sweep has run (rows streamed while mapping have none). */
  row(i: number, sharesWith: SpaceOverlap[], sharesWithCount?: number, sharedInside?: bigint): SpaceFile {
    const f: SpaceFile = {
      path: this.path[i],
      size: this.size[i],
      allocated: this.allocated[i],
      shared: this.shared[i],
      exclusive: this.exclusive(i),
      fileSystem: this.fileSystem[i],
      sharesWith,
    };
    if (sharesWithCount !== undefined) f.sharesWithCount = sharesWithCount;
    if (sharedInside !== undefined) f.sharedInside = sharedInside;
    if (this.bits[i] & 1) f.sharingUnknown = true;
    if (this.bits[i] & 2) f.inline = this.inline[i];
    if (this.bits[i] & 4) f.encoded = this.encoded.get(i);
    return f;
  }
}
