// Pure encode/decode of the Linux ioctl buffers (docs/facts/linux.md#fiemap,
// docs/facts/linux.md#ficlone-and-ficlonerange). No koffi, no fs: bytes in, values out, so the
// layouts are tested byte for byte without a kernel.
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

import { EXTENT_FLAG_ALL, type PackedExtentsBuilder } from '../../map-format';

const FIEMAP_HEADER_SIZE = 32;
const FIEMAP_EXTENT_SIZE = 56;
export const FIEMAP_FLAG_SYNC = 0x1;
/** Map the file's extended attributes instead of its data. */
export const FIEMAP_FLAG_XATTR = 0x2;
export const FIEMAP_MAX_OFFSET = 0xffffffffffffffffn;
const FILE_CLONE_RANGE_SIZE = 32;

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

/**
 * FIEMAP fe_flags -> the engine's flag bits (src/engine/map-format.ts EXTENT_FLAG): the engine
 * chose its bit values equal to FIEMAP's, so the conversion at this edge is a mask (bits the
 * engine does not name, and any the kernel adds later, are dropped).
 */
export function engineFlagsOfFiemap(feFlags: number): number {
  return feFlags & EXTENT_FLAG_ALL;
}

/** A struct fiemap request with room for `extentCount` extents (the kernel fills the rest). */
export function encodeFiemapRequest(start: bigint, length: bigint, flags: number, extentCount: number): Uint8Array {
  const buf = new Uint8Array(FIEMAP_HEADER_SIZE + extentCount * FIEMAP_EXTENT_SIZE);
  writeFiemapHeader(buf, start, length, flags, extentCount);
  return buf;
}

/** Rewrite the header of a reused request buffer (the extents area is output only). */
export function writeFiemapHeader(buf: Uint8Array, start: bigint, length: bigint, flags: number, extentCount: number): void {
  const dv = dataView(buf.buffer);
  const at = buf.byteOffset;
  dv.setBigUint64(at, BigInt.asUintN(64, start), true);
  dv.setBigUint64(at + 8, BigInt.asUintN(64, length), true);
  dv.setUint32(at + 16, flags >>> 0, true);
  dv.setUint32(at + 20, 0, true);
  dv.setUint32(at + 24, extentCount >>> 0, true);
  dv.setUint32(at + 28, 0, true);
}

// Views of whole buffers, made once per buffer: the request buffer and the builder's columns
// are reused for every FIEMAP call of a walk, and a new view per call was measurable garbage.
const u32Views = new WeakMap<ArrayBufferLike, Uint32Array>();
const dataViews = new WeakMap<ArrayBufferLike, DataView>();

function u32View(b: ArrayBufferLike): Uint32Array {
  let v = u32Views.get(b);
  if (!v) u32Views.set(b, (v = new Uint32Array(b, 0, b.byteLength >>> 2)));
  return v;
}

function dataView(b: ArrayBufferLike): DataView {
  let v = dataViews.get(b);
  if (!v) dataViews.set(b, (v = new DataView(b)));
  return v;
}

interface FiemapHeader {
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

/** fm_mapped_extents of a reply, read without decoding the header (once per FIEMAP call of a walk). */
export function fiemapMappedExtents(buf: Uint8Array): number {
  return (buf[20] | (buf[21] << 8) | (buf[22] << 16)) + buf[23] * 0x1000000;
}

/** One raw fiemap_extent. */
interface RawFiemapExtent {
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

/**
 * Physical offsets mean nothing for these extents (FIEMAP documents them as unknown). ENCODED
 * extents (btrfs: compressed) keep theirs, as filefrag shows it: the encoded extent's address
 * on disk. It names the extent (two references with the same one share it) but does not map it
 * byte for byte: code that adds an offset to a physical asks linearPhysical (map-format.ts).
 */
const NO_PHYSICAL = FIEMAP_EXTENT.UNKNOWN | FIEMAP_EXTENT.DELALLOC | FIEMAP_EXTENT.DATA_INLINE;

/**
 * Append the `mapped` extents of a FIEMAP reply to `out`, flags converted to engine bits
 * (engineFlagsOfFiemap). Reads aligned 32-bit views (the header is 32 bytes and each extent
 * 56 = 14 x 4 bytes) and copies 32-bit halves into the columns: no BigInt is created per
 * extent, which keeps paging a million-extent map cheap (several times faster than a
 * DataView). Little-endian hosts only (x86_64, arm64); others take the DataView decoder.
 */
export function appendFiemapExtents(buf: Uint8Array, mapped: number, out: PackedExtentsBuilder): void {
  if ((buf.byteOffset & 7) !== 0 || !littleEndian) {
    for (let i = 0; i < mapped; i++) {
      const e = decodeFiemapExtent(buf, i);
      out.push(BigInt.asIntN(64, e.logical), BigInt.asIntN(64, e.length), physicalOf(e.physical, e.flags), engineFlagsOfFiemap(e.flags));
    }
    return;
  }
  const src = u32View(buf.buffer);
  const base = (buf.byteOffset + FIEMAP_HEADER_SIZE) / 4;
  const cols = out.appendColumns(mapped);
  const o = u32View(cols.offset.buffer);
  const l = u32View(cols.length.buffer);
  const p = u32View(cols.physical.buffer);
  const f = cols.flags;
  // The loop is the last thing here, so the code V8 optimises while in it (on-stack
  // replacement) has nothing after it that it has not seen run yet.
  for (let i = 0, j = cols.at; i < mapped; i++, j++) {
    const w = base + i * 14;
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
    f[j] = flags & EXTENT_FLAG_ALL; // engineFlagsOfFiemap, inline
  }
}

function physicalOf(physical: bigint, flags: number): bigint {
  return (flags & NO_PHYSICAL) !== 0 ? -1n : BigInt.asIntN(64, physical);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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
  /** Inodes: the most there can be, and those free. */
  files: bigint;
  ffree: bigint;
  frsize: bigint;
  /** f_flags: mount flags (ST_RDONLY = 1: mounted read-only). */
  flags: bigint;
}

/** statfs f_flags: the file system is mounted read-only. */
export const ST_RDONLY = 1n;

export const STATFS_SIZE = 120;

export function decodeStatfs(buf: Uint8Array): StatfsInfo {
  const dv = new DataView(buf.buffer, buf.byteOffset, STATFS_SIZE);
  return {
    type: dv.getBigUint64(0, true),
    bsize: dv.getBigInt64(8, true),
    blocks: dv.getBigUint64(16, true),
    bfree: dv.getBigUint64(24, true),
    bavail: dv.getBigUint64(32, true),
    files: dv.getBigUint64(40, true),
    ffree: dv.getBigUint64(48, true),
    frsize: dv.getBigInt64(72, true),
    flags: dv.getBigUint64(80, true),
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
  // the kernel's own file systems (no stored data), so that volume names them rather than a magic number
  '27e0eb': 'cgroup',
  '63677270': 'cgroup2',
  '1cd1': 'devpts',
  '64626720': 'debugfs',
  '74726163': 'tracefs',
  '73636673': 'securityfs',
  cafe4a11: 'bpf',
  '6165676c': 'pstore',
  de5e81e4: 'efivarfs',
  '42494e4d': 'binfmt_misc',
  '6e736673': 'nsfs',
  '187': 'autofs',
  f97cff8c: 'selinuxfs',
};

/** f_type -> file system name (ext4, xfs, btrfs, tmpfs, ...) or the magic in hex. */
export function filesystemName(fType: bigint): string {
  const hex = (fType & 0xffffffffn).toString(16);
  return FS_NAMES[hex] ?? `0x${hex}`;
}

/**
 * The kernel's own file systems: files made by the kernel when read (their size says 0 or a
 * page, whatever they hold), no data stored, no blocks, and no files of one's own can be made.
 */
export const PSEUDO_FILESYSTEMS: ReadonlySet<string> = new Set([
  'proc',
  'sysfs',
  'devfs',
  'cgroup',
  'cgroup2',
  'devpts',
  'debugfs',
  'tracefs',
  'securityfs',
  'bpf',
  'pstore',
  'efivarfs',
  'binfmt_misc',
  'nsfs',
  'autofs',
  'selinuxfs',
]);

/**
 * File systems (statfs names) whose Linux driver has no block cloning at all (no
 * remap_file_range: FICLONE fails with EOPNOTSUPP whoever asks), so there is nothing to probe.
 * ext4 stands for ext2 and ext3 too (one magic number); tmpfs for devtmpfs. Not here: file systems
 * that clone on some volumes or servers only (XFS without reflink, NFS, SMB, overlayfs, FUSE, ZFS).
 */
export const NEVER_CLONE_FILESYSTEMS: ReadonlySet<string> = new Set([
  'ext4',
  'tmpfs',
  'ramfs',
  'vfat',
  'exfat',
  'iso9660',
  'squashfs',
  ...PSEUDO_FILESYSTEMS,
]);

/** File systems that store every byte (no holes): SEEK_HOLE reports only the implicit one at EOF. */
export const NON_SPARSE_FILESYSTEMS: ReadonlySet<string> = new Set(['vfat', 'exfat', 'iso9660', 'squashfs']);

/** struct file_dedupe_range (24 bytes) and file_dedupe_range_info (32 bytes each), linux/fs.h. */
const FILE_DEDUPE_RANGE_SIZE = 24;
const FILE_DEDUPE_RANGE_INFO_SIZE = 32;
/** file_dedupe_range_info.status: the ranges were equal and are now shared; they differed and nothing changed. */
export const FILE_DEDUPE_RANGE_SAME = 0;
export const FILE_DEDUPE_RANGE_DIFFERS = 1;

/** The FIDEDUPERANGE argument: the source range, then one info per destination (fd, offset). */
export function encodeFileDedupeRange(srcOffset: bigint, srcLength: bigint, dests: { fd: number; offset: bigint }[]): Uint8Array {
  const buf = new Uint8Array(FILE_DEDUPE_RANGE_SIZE + dests.length * FILE_DEDUPE_RANGE_INFO_SIZE);
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(0, BigInt.asUintN(64, srcOffset), true);
  dv.setBigUint64(8, BigInt.asUintN(64, srcLength), true);
  dv.setUint16(16, dests.length, true);
  dests.forEach((d, i) => {
    const at = FILE_DEDUPE_RANGE_SIZE + i * FILE_DEDUPE_RANGE_INFO_SIZE;
    dv.setBigInt64(at, BigInt(d.fd), true);
    dv.setBigUint64(at + 8, BigInt.asUintN(64, d.offset), true);
  });
  return buf;
}

/** Each destination's outcome: status (SAME, DIFFERS, or a negative errno) and bytes_deduped. */
export function decodeFileDedupeInfos(buf: Uint8Array, count: number): { status: number; bytes: bigint }[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: { status: number; bytes: bigint }[] = [];
  for (let i = 0; i < count; i++) {
    const at = FILE_DEDUPE_RANGE_SIZE + i * FILE_DEDUPE_RANGE_INFO_SIZE;
    out.push({ status: dv.getInt32(at + 24, true), bytes: dv.getBigUint64(at + 16, true) });
  }
  return out;
}
