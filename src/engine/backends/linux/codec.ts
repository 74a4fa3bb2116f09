// Pure encode/decode of the Linux ioctl buffers (FACTS §4). No koffi, no fs: bytes in, values
// out, so the layouts are tested byte for byte without a kernel.
//
// struct fiemap (32-byte header)        struct fiemap_extent (56 bytes)
//   @0  u64 fm_start                      @0  u64 fe_logical
//   @8  u64 fm_length                     @8  u64 fe_physical
//   @16 u32 fm_flags                      @16 u64 fe_length
//   @20 u32 fm_mapped_extents             @24 u64 fe_reserved64[2]
//   @24 u32 fm_extent_count               @40 u32 fe_flags
//   @28 u32 fm_reserved                   @44 u32 fe_reserved[3]
//
// struct file_clone_range (32 bytes): s64 src_fd @0, u64 src_offset @8, u64 src_length @16,
// u64 dest_offset @24.

import type { Extent, ExtentFlag } from '../../types';

export const FIEMAP_HEADER_SIZE = 32;
export const FIEMAP_EXTENT_SIZE = 56;
export const FIEMAP_FLAG_SYNC = 0x1;
export const FIEMAP_MAX_OFFSET = 0xffffffffffffffffn;
export const FILE_CLONE_RANGE_SIZE = 32;

export const FIEMAP_EXTENT = {
  LAST: 0x1,
  UNKNOWN: 0x2,
  DELALLOC: 0x4,
  ENCODED: 0x8,
  DATA_ENCRYPTED: 0x80,
  NOT_ALIGNED: 0x100,
  DATA_INLINE: 0x200,
  DATA_TAIL: 0x400,
  UNWRITTEN: 0x800,
  MERGED: 0x1000,
  SHARED: 0x2000,
} as const;

const FLAG_NAMES: ReadonlyArray<[number, ExtentFlag]> = [
  [FIEMAP_EXTENT.LAST, 'last'],
  [FIEMAP_EXTENT.UNKNOWN, 'unknown'],
  [FIEMAP_EXTENT.DELALLOC, 'delalloc'],
  [FIEMAP_EXTENT.ENCODED, 'encoded'],
  [FIEMAP_EXTENT.DATA_ENCRYPTED, 'encrypted'],
  [FIEMAP_EXTENT.NOT_ALIGNED, 'not-aligned'],
  [FIEMAP_EXTENT.DATA_INLINE, 'inline'],
  [FIEMAP_EXTENT.DATA_TAIL, 'tail'],
  [FIEMAP_EXTENT.UNWRITTEN, 'unwritten'],
  [FIEMAP_EXTENT.MERGED, 'merged'],
  [FIEMAP_EXTENT.SHARED, 'shared'],
];

// Maps of a million extents use a handful of distinct flag sets; sharing one frozen array per
// set keeps decoding allocation-free for the flags.
const flagCache = new Map<number, ExtentFlag[]>();

/** FIEMAP fe_flags bits -> names (a shared, frozen array per distinct bit set: do not mutate). */
export function fiemapFlagNames(bits: number): ExtentFlag[] {
  let names = flagCache.get(bits);
  if (!names) {
    names = Object.freeze(FLAG_NAMES.filter(([bit]) => (bits & bit) !== 0).map(([, n]) => n)) as ExtentFlag[];
    flagCache.set(bits, names);
  }
  return names;
}

/** Names -> FIEMAP fe_flags bits (for packing maps across threads). */
export function fiemapFlagBits(names: readonly ExtentFlag[]): number {
  let bits = 0;
  for (const n of names) {
    const hit = FLAG_NAMES.find(([, name]) => name === n);
    if (hit) bits |= hit[0];
  }
  return bits;
}

/** A struct fiemap request with room for `extentCount` extents (the kernel fills the rest). */
export function encodeFiemapRequest(start: bigint, length: bigint, flags: number, extentCount: number): Uint8Array {
  const buf = new Uint8Array(FIEMAP_HEADER_SIZE + extentCount * FIEMAP_EXTENT_SIZE);
  writeFiemapHeader(buf, start, length, flags, extentCount);
  return buf;
}

/** Rewrite the header of a reused request buffer (the extents area is output only). */
export function writeFiemapHeader(buf: Uint8Array, start: bigint, length: bigint, flags: number, extentCount: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, FIEMAP_HEADER_SIZE);
  dv.setBigUint64(0, BigInt.asUintN(64, start), true);
  dv.setBigUint64(8, BigInt.asUintN(64, length), true);
  dv.setUint32(16, flags >>> 0, true);
  dv.setUint32(20, 0, true);
  dv.setUint32(24, extentCount >>> 0, true);
  dv.setUint32(28, 0, true);
}

export interface FiemapHeader {
  start: bigint;
  length: bigint;
  flags: number;
  mappedExtents: number;
  extentCount: number;
}

export function decodeFiemapHeader(buf: Uint8Array): FiemapHeader {
  const dv = new DataView(buf.buffer, buf.byteOffset, FIEMAP_HEADER_SIZE);
  return {
    start: dv.getBigUint64(0, true),
    length: dv.getBigUint64(8, true),
    flags: dv.getUint32(16, true),
    mappedExtents: dv.getUint32(20, true),
    extentCount: dv.getUint32(24, true),
  };
}

/** One raw fiemap_extent. */
export interface RawFiemapExtent {
  logical: bigint;
  physical: bigint;
  length: bigint;
  flags: number;
}

/** Decode extent `i` of a fiemap buffer. */
export function decodeFiemapExtent(buf: Uint8Array, i: number): RawFiemapExtent {
  const dv = new DataView(buf.buffer, buf.byteOffset + FIEMAP_HEADER_SIZE + i * FIEMAP_EXTENT_SIZE, FIEMAP_EXTENT_SIZE);
  return {
    logical: dv.getBigUint64(0, true),
    physical: dv.getBigUint64(8, true),
    length: dv.getBigUint64(16, true),
    flags: dv.getUint32(40, true),
  };
}

/** Encode one fiemap_extent at index `i` (tests and fakes use this to build kernel-like replies). */
export function encodeFiemapExtent(buf: Uint8Array, i: number, e: RawFiemapExtent): void {
  const dv = new DataView(buf.buffer, buf.byteOffset + FIEMAP_HEADER_SIZE + i * FIEMAP_EXTENT_SIZE, FIEMAP_EXTENT_SIZE);
  dv.setBigUint64(0, e.logical, true);
  dv.setBigUint64(8, e.physical, true);
  dv.setBigUint64(16, e.length, true);
  dv.setBigUint64(24, 0n, true);
  dv.setBigUint64(32, 0n, true);
  dv.setUint32(40, e.flags >>> 0, true);
  dv.setUint32(44, 0, true);
  dv.setUint32(48, 0, true);
  dv.setUint32(52, 0, true);
}

/** Physical offsets mean nothing for these extents (FIEMAP documents them as unknown). */
const NO_PHYSICAL = FIEMAP_EXTENT.UNKNOWN | FIEMAP_EXTENT.DELALLOC | FIEMAP_EXTENT.DATA_INLINE | FIEMAP_EXTENT.ENCODED;

/**
 * Columnar extents: the form maps take inside the backend and across threads (a million extents
 * cross postMessage as four transferable arrays instead of a million objects). `physical` is -1
 * when unknown; `flags` are raw FIEMAP bits.
 */
export interface PackedExtents {
  count: number;
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
 * that changes after build() first moves to columns of its own).
 */
export class PackedExtentsBuilder {
  count = 0;
  private offset = new BigInt64Array(1024);
  private length = new BigInt64Array(1024);
  private physical = new BigInt64Array(1024);
  private flags = new Uint32Array(1024);
  /** The columns are also seen through a built PackedExtents: copy before changing them. */
  private shared = false;

  /** New columns with room for at least `need` extents (4x the old size or more), holding the current ones. */
  private grow(need = this.offset.length * 4): void {
    let n = Math.max(1024, this.offset.length * 4);
    while (n < need) n *= 2;
    this.realloc(n);
  }

  private realloc(n: number): void {
    const o = new BigInt64Array(n), l = new BigInt64Array(n), p = new BigInt64Array(n), f = new Uint32Array(n);
    const c = this.count;
    o.set(this.offset.subarray(0, c)); l.set(this.length.subarray(0, c)); p.set(this.physical.subarray(0, c)); f.set(this.flags.subarray(0, c));
    this.offset = o; this.length = l; this.physical = p; this.flags = f;
    this.shared = false;
  }

  /** Before changing a column in place: leave what build() returned untouched. */
  private own(): void {
    if (this.shared) this.realloc(this.offset.length);
  }

  push(offset: bigint, length: bigint, physical: bigint, flags: number): void {
    if (this.count === this.offset.length) this.grow();
    else this.own();
    const i = this.count++;
    this.offset[i] = offset;
    this.length[i] = length;
    this.physical[i] = physical;
    this.flags[i] = flags;
  }

  /**
   * Drop extents at index >= `from` that end at or before `prevEnd`, and trim one that starts
   * before it: a page must never repeat what an earlier page returned (defensive: file systems
   * that merge extents may report a boundary differently from one call to the next).
   */
  dropRepeated(from: number, prevEnd: bigint): void {
    this.own();
    let w = from;
    for (let r = from; r < this.count; r++) {
      const o = this.offset[r];
      const e = o + this.length[r];
      if (e <= prevEnd) continue;
      if (o < prevEnd) {
        const cut = prevEnd - o;
        this.offset[w] = prevEnd;
        this.length[w] = e - prevEnd;
        this.physical[w] = this.physical[r] >= 0n ? this.physical[r] + cut : -1n;
      } else if (w !== r) {
        this.offset[w] = o;
        this.length[w] = this.length[r];
        this.physical[w] = this.physical[r];
      }
      this.flags[w] = this.flags[r];
      w++;
    }
    this.count = w;
  }

  /** The offset of extent `i` (for paging checks). */
  offsetAt(i: number): bigint {
    return this.offset[i];
  }

  /** Make room for `n` more extents (and own the columns: the caller is about to write). */
  reserve(n: number): void {
    if (this.count + n > this.offset.length) this.grow(this.count + n);
    else this.own();
  }

  /**
   * Append `mapped` raw fiemap_extents from `src` (the 32-bit words of a FIEMAP reply after the
   * header) by copying 32-bit halves: no BigInt is created per extent, which keeps paging a
   * million-extent map cheap. Little-endian hosts only (x86_64, arm64).
   */
  appendRaw(src: Uint32Array, mapped: number): void {
    this.reserve(mapped);
    const o = new Uint32Array(this.offset.buffer);
    const l = new Uint32Array(this.length.buffer);
    const p = new Uint32Array(this.physical.buffer);
    const f = this.flags;
    let j = this.count;
    // Count first: the loop is then the last thing here, so the code V8 optimises while in
    // the loop (on-stack replacement) has nothing after it that it has not seen run yet.
    this.count = j + mapped;
    for (let i = 0; i < mapped; i++, j++) {
      const w = i * 14;
      const flags = src[w + 10];
      const d = j * 2;
      o[d] = src[w];
      o[d + 1] = src[w + 1];
      l[d] = src[w + 4];
      l[d + 1] = src[w + 5];
      if ((flags & NO_PHYSICAL) !== 0) {
        p[d] = 0xffffffff;
        p[d + 1] = 0xffffffff;
      } else {
        p[d] = src[w + 2];
        p[d + 1] = src[w + 3];
      }
      f[j] = flags;
    }
  }

  /** Offset + length of the last extent pushed (where the next FIEMAP page starts). */
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
    // both builders now see these columns: whichever changes first copies them
    this.shared = other.shared = true;
  }

  /** Exact-length views of the columns (no copy; see the class comment). */
  build(): PackedExtents {
    const n = this.count;
    this.shared = true;
    return {
      count: n,
      offset: this.offset.subarray(0, n),
      length: this.length.subarray(0, n),
      physical: this.physical.subarray(0, n),
      flags: this.flags.subarray(0, n),
    };
  }
}

/**
 * Append the `mapped` extents of a FIEMAP reply to `out`. Uses aligned typed-array views (the
 * header is 32 bytes and each extent 56 = 7 x 8 bytes, so every u64 field is 8-byte aligned
 * when the buffer is), which is several times faster than a DataView for big maps.
 */
export function appendFiemapExtents(buf: Uint8Array, mapped: number, out: PackedExtentsBuilder): void {
  if ((buf.byteOffset & 7) !== 0 || !littleEndian) {
    for (let i = 0; i < mapped; i++) {
      const e = decodeFiemapExtent(buf, i);
      out.push(BigInt.asIntN(64, e.logical), BigInt.asIntN(64, e.length), physicalOf(e.physical, e.flags), e.flags);
    }
    return;
  }
  out.appendRaw(new Uint32Array(buf.buffer, buf.byteOffset + FIEMAP_HEADER_SIZE, mapped * 14), mapped);
}

function physicalOf(physical: bigint, flags: number): bigint {
  return (flags & NO_PHYSICAL) !== 0 ? -1n : BigInt.asIntN(64, physical);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** PackedExtents -> Extent objects (offsets as unsigned 64-bit, physical null when unknown). */
export function unpackExtents(p: PackedExtents): Extent[] {
  const out: Extent[] = new Array(p.count);
  const { offset, length, physical, flags } = p;
  // Each typed-array read allocates a BigInt: read every field exactly once.
  for (let i = 0; i < p.count; i++) {
    const o = offset[i];
    const l = length[i];
    const phys = physical[i];
    out[i] = {
      offset: o < 0n ? BigInt.asUintN(64, o) : o,
      length: l < 0n ? BigInt.asUintN(64, l) : l,
      physical: phys < 0n ? null : phys,
      flags: flagCache.get(flags[i]) ?? fiemapFlagNames(flags[i]),
    };
  }
  return out;
}

/** Extent objects -> PackedExtents. */
export function packExtents(extents: readonly Extent[]): PackedExtents {
  const b = new PackedExtentsBuilder();
  for (const e of extents) b.push(BigInt.asIntN(64, e.offset), BigInt.asIntN(64, e.length), e.physical ?? -1n, fiemapFlagBits(e.flags));
  return b.build();
}

/** struct file_clone_range for ioctl(dest, FICLONERANGE, &range). */
export function encodeFileCloneRange(srcFd: number, srcOffset: bigint, srcLength: bigint, destOffset: bigint): Uint8Array {
  const buf = new Uint8Array(FILE_CLONE_RANGE_SIZE);
  const dv = new DataView(buf.buffer);
  dv.setBigInt64(0, BigInt(srcFd), true);
  dv.setBigUint64(8, BigInt.asUintN(64, srcOffset), true);
  dv.setBigUint64(16, BigInt.asUintN(64, srcLength), true);
  dv.setBigUint64(24, BigInt.asUintN(64, destOffset), true);
  return buf;
}

export function decodeFileCloneRange(buf: Uint8Array): { srcFd: number; srcOffset: bigint; srcLength: bigint; destOffset: bigint } {
  const dv = new DataView(buf.buffer, buf.byteOffset, FILE_CLONE_RANGE_SIZE);
  return {
    srcFd: Number(dv.getBigInt64(0, true)),
    srcOffset: dv.getBigUint64(8, true),
    srcLength: dv.getBigUint64(16, true),
    destOffset: dv.getBigUint64(24, true),
  };
}

/** struct statfs on 64-bit Linux (x86_64, arm64): the fields the engine reads. */
export interface StatfsInfo {
  type: bigint;
  bsize: bigint;
  blocks: bigint;
  bfree: bigint;
  bavail: bigint;
  frsize: bigint;
}

export const STATFS_SIZE = 120;

export function decodeStatfs(buf: Uint8Array): StatfsInfo {
  const dv = new DataView(buf.buffer, buf.byteOffset, STATFS_SIZE);
  return {
    type: dv.getBigUint64(0, true),
    bsize: dv.getBigInt64(8, true),
    blocks: dv.getBigUint64(16, true),
    bfree: dv.getBigUint64(24, true),
    bavail: dv.getBigUint64(32, true),
    frsize: dv.getBigInt64(72, true),
  };
}

const FS_NAMES: Record<string, string> = {
  ef53: 'ext4',
  '58465342': 'xfs',
  '9123683e': 'btrfs',
  '1021994': 'tmpfs',
  '794c7630': 'overlayfs',
  '6969': 'nfs',
  fe534d42: 'smb2',
  ff534d42: 'cifs',
  '517b': 'smb',
  '4d44': 'vfat',
  '2011bab0': 'exfat',
  '5346544e': 'ntfs',
  '7366746e': 'ntfs3',
  f2f52010: 'f2fs',
  '2fc12fc1': 'zfs',
  '65735546': 'fuse',
  '858458f6': 'ramfs',
  '9fa0': 'proc',
  '62656572': 'sysfs',
  '1373': 'devfs',
  '73717368': 'squashfs',
  '9660': 'iso9660',
  ca451a4e: 'bcachefs',
};

/** f_type -> file system name (ext4, xfs, btrfs, tmpfs, ...) or the magic in hex. */
export function filesystemName(fType: bigint): string {
  const hex = (fType & 0xffffffffn).toString(16);
  return FS_NAMES[hex] ?? `0x${hex}`;
}

/** File systems that store every byte (no holes): SEEK_HOLE reports only the implicit one at EOF. */
export const NON_SPARSE_FILESYSTEMS: ReadonlySet<string> = new Set(['vfat', 'exfat', 'iso9660', 'squashfs']);
