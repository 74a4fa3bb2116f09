// The Linux backend's maps: FS_IOC_FIEMAP paged into columnar PackedExtents (with the
// SEEK_DATA/SEEK_HOLE view where a file system has no FIEMAP), whole-file, windowed and bounded
// (maxExtents). One layer of LinuxBackend (see base.ts).
// (Just over 400 lines: one map's steps in order, from the open to its notes; the pieces that
// stand alone are apart already: map-notes.ts, map-encoded.ts, codec.ts, loop-holder.ts.)

import { quietContext, type OpContext } from '../../backend';
import type { MapLimit, SpaceSink, SpaceWalk } from '../../backend-ext';
import { LinuxSpaceWalk } from './space-walk';
import { beyondExtentsNote, heldNote } from './map-notes';
import {
  EXTENT_FLAG,
  heldOutsideExtents,
  lastBlockTail,
  limitPackedMap,
  linearPhysical,
  PackedExtentsBuilder,
  unpackExtents,
  type PackedExtentMap,
} from '../../map-format';
import {
  appendFiemapExtents,
  encodeFiemapRequest,
  FIEMAP_FLAG_SYNC,
  FIEMAP_FLAG_XATTR,
  FIEMAP_MAX_OFFSET,
  fiemapMappedExtents,
  writeFiemapHeader,
} from './codec';
import { errnoError } from '../../errno';
import { FS_IOC_FIEMAP, type Libc } from './libc';
import { closeQuietly, openRegular, type OpenFile } from './files';
import { loopDeviceRefusal } from './loop-holder';
import { addEncodedOnDisk, addWindowEncodedNote } from './map-encoded';
import type { ByteRange, ExtentMap } from '../../types';
import { EBADR, EFBIG, EINVAL, elapsed, ENOSYS, ENOTTY, EOPNOTSUPP, LinuxBase, now, type StatfsResult } from './base';
import { LINUX_CALL, type CallCount } from '../../call-count';

/**
 * Extents per FIEMAP call: 4096 x 56 bytes = 224 KiB, reused for every page (16384 per call
 * measured within noise of it: the kernel's cost is per extent).
 */
const FIEMAP_PAGE_EXTENTS = 4096;

/** The file to map, opened; a loop device is refused with the file behind it named (loop-holder.ts). */
function openForMap(p: string): OpenFile {
  try {
    return openRegular('map', p, 'read');
  } catch (e) {
    throw loopDeviceRefusal(e, p);
  }
}

export class LinuxMaps extends LinuxBase {
  /** The FIEMAP request buffer, reused by every map this backend reads (copies' included). */
  protected fiemapBuf: Uint8Array | undefined;

  /**
   * Bytes of the open file's extents inside [start, end) (data, unwritten and delayed: what a
   * punch there can deallocate), how many of them are shared and how many unwritten, from
   * FIEMAP without a flush;
   * undefined where the file system has no FIEMAP. Unlike the block count (st_blocks) it never
   * counts the file system's records of the extents (XFS's extent tree), which a punch that
   * splits extents makes grow and one that removes them makes shrink. Its FIEMAP calls are
   * counted in `count` (a report's otherCalls), where given.
   */
  protected extentBytesIn(
    fd: number,
    p: string,
    start: bigint,
    end: bigint,
    ctx: OpContext,
    count?: CallCount,
  ): { allocated: bigint; shared: bigint; unwritten: bigint } | undefined {
    if (end <= start) return { allocated: 0n, shared: 0n, unwritten: 0n };
    const out = new PackedExtentsBuilder();
    const quiet = quietContext(ctx);
    const buf = (this.fiemapBuf ??= newFiemapBuffer());
    const r = fiemapPages(this.libc, fd, p, 0n, buf, { start, end }, out, quiet, undefined, false);
    count?.other(LINUX_CALL.fiemap, r.calls);
    if (r.unsupported) return undefined;
    const m = out.build();
    let allocated = 0n;
    let shared = 0n;
    let unwritten = 0n;
    for (let i = 0; i < m.count; i++) {
      const len = BigInt.asUintN(64, m.length[i]);
      allocated += len;
      if ((m.flags[i] & EXTENT_FLAG.SHARED) !== 0) shared += len;
      if ((m.flags[i] & EXTENT_FLAG.UNWRITTEN) !== 0) unwritten += len;
    }
    return { allocated, shared, unwritten };
  }

  /**
   * extentBytesIn where only a note's figures depend on it (after a punch or zeroing already
   * made): a map that cannot be read gives undefined, not a failure of what was done.
   */
  protected extentBytesForNote(...args: Parameters<LinuxMaps['extentBytesIn']>): ReturnType<LinuxMaps['extentBytesIn']> {
    try {
      return this.extentBytesIn(...args);
    } catch {
      return undefined;
    }
  }

  /**
   * The file's attribute blocks (FIEMAP_FLAG_XATTR): the extents that are not inline in the
   * inode, with where they lie. ext4 keeps attributes that do not fit in the inode in a block of
   * their own, counted in the file's block count, which files with the same attributes may
   * share. undefined where the file system does not map attributes (btrfs: EBADR) or the file
   * cannot be opened now.
   */
  attributeBlocks(p: string): Array<{ at: bigint; bytes: bigint }> | undefined {
    let f: OpenFile;
    try {
      f = openRegular('space', p, 'read');
    } catch {
      return undefined;
    }
    try {
      const buf = (this.fiemapBuf ??= newFiemapBuffer());
      writeFiemapHeader(buf, 0n, FIEMAP_MAX_OFFSET, FIEMAP_FLAG_XATTR, 16);
      if (this.libc.ioctlPtr(f.fd, FS_IOC_FIEMAP, buf) !== 0) return undefined;
      const out = new PackedExtentsBuilder();
      appendFiemapExtents(buf, fiemapMappedExtents(buf), out);
      const m = out.build();
      const blocks: Array<{ at: bigint; bytes: bigint }> = [];
      for (let i = 0; i < m.count; i++)
        // (inline in the inode: no block of its own)
        if ((m.flags[i] & EXTENT_FLAG.INLINE) === 0) blocks.push({ at: m.physical[i], bytes: BigInt.asUintN(64, m.length[i]) });
      return blocks;
    } finally {
      closeQuietly(f);
    }
  }

  async extentMap(p: string, window: ByteRange | undefined, ctx: OpContext): Promise<ExtentMap> {
    const { packed, ...rest } = await this.extentMapPacked(p, window, ctx);
    const t0 = now();
    const extents = unpackExtents(packed);
    return { ...rest, extents, durationMs: rest.durationMs + elapsed(t0) };
  }

  async extentMapPacked(p: string, window: ByteRange | undefined, ctx: OpContext, limit: MapLimit = {}): Promise<PackedExtentMap> {
    const f = openForMap(p);
    try {
      return this.mapOpenFile(f, this.statfsFd('map', f.fd, p), window, ctx, limit);
    } finally {
      closeQuietly(f);
    }
  }

  /**
   * Bounded maps of many windows of one file: opened and statfs'ed once, then one FIEMAP read
   * per window (an open, three stats and a close per window were most of the time).
   */
  async extentMapPackedMany(p: string, windows: ByteRange[], ctx: OpContext, limit: MapLimit = {}): Promise<PackedExtentMap[]> {
    const f = openForMap(p);
    try {
      const info = this.statfsFd('map', f.fd, p);
      const out: PackedExtentMap[] = [];
      for (const w of windows) {
        ctx.checkCancelled();
        out.push(this.mapOpenFile(f, info, w, ctx, limit));
      }
      return out;
    } finally {
      closeQuietly(f);
    }
  }

  /**
   * The space walk (space-walk.ts): its own loop of openat/statx/FIEMAP/close, each file mapped
   * by mapFdInto. Undefined where glibc has no getdents64 or statx (then space.ts walks with node:fs).
   */
  spaceWalk(dir: string, sink: SpaceSink, ctx: OpContext): SpaceWalk | undefined {
    if (!this.libc.getdents64 || !this.libc.statx) return undefined;
    return new LinuxSpaceWalk(
      this.libc,
      (fd, p, size, out, c, blockCount) => this.mapFdInto(fd, p, size, out, c, blockCount),
      dir,
      sink,
      ctx,
    );
  }

  /** The whole map of a file open as `fd` into `out`: FIEMAP, or SEEK_DATA/SEEK_HOLE where there is none. */
  mapFdInto(
    fd: number,
    p: string,
    size: bigint,
    out: PackedExtentsBuilder,
    ctx: OpContext,
    blockCount: { bytes: bigint; blockSize: number },
  ): 'fiemap' | 'seek' {
    const fiemap = fiemapPages(this.libc, fd, p, size, (this.fiemapBuf ??= newFiemapBuffer()), undefined, out, ctx);
    if (!fiemap.unsupported) return 'fiemap';
    const f = { fd, path: p, stat: { size } } as OpenFile;
    pushSeekRanges(out, this.seekRanges(f, 0n, size, 'map', ctx).ranges, size, blockCount);
    return 'seek';
  }

  /** The (bounded, windowed) map of a file already open. */
  private mapOpenFile(f: OpenFile, info: StatfsResult, window: ByteRange | undefined, ctx: OpContext, limit: MapLimit): PackedExtentMap {
    const t0 = now();
    const p = f.path;
    const size = f.stat.size;
    const w = this.resolveWindow(window, size, 'map', p);
    const out = new PackedExtentsBuilder();
    const fiemap = this.fiemapPages(f, window ? w : undefined, out, ctx, limit.maxExtents);
    if (fiemap.unsupported) {
      // tmpfs and others: no FIEMAP, but SEEK_DATA/SEEK_HOLE works. Data ranges, no flags.
      const seek = this.seekRanges(f, w.start, w.end, 'map', ctx);
      const b = new PackedExtentsBuilder();
      pushSeekRanges(b, seek.ranges, size, { bytes: f.stat.blocks * 512n, blockSize: info.blockSize });
      const seekMap: PackedExtentMap = {
        path: p,
        size,
        blockSize: info.blockSize,
        window: { offset: w.start, length: w.end - w.start },
        packed: b.build(),
        source: 'seek',
        calls: fiemap.calls + seek.calls,
        durationMs: elapsed(t0),
      };
      const held = window ? 0n : heldOutsideExtents(f.stat.blocks * 512n, seekMap.packed, info.blockSize);
      if (held > 0n) {
        seekMap.heldOutsideExtents = held;
        seekMap.notes = [
          heldNote(f.stat.blocks * 512n, held, this.mountedNameOf(info, f.fd), info.filesystem === 'ext4' && this.indirectOf(f.fd)),
        ];
      }
      return limitPackedMap(seekMap, limit.maxExtents);
    }
    const m: PackedExtentMap = {
      path: p,
      size,
      blockSize: info.blockSize,
      window: { offset: w.start, length: w.end - w.start },
      packed: out.build(),
      source: 'fiemap',
      calls: fiemap.calls,
      durationMs: elapsed(t0),
    };
    if (fiemap.truncatedAt !== undefined) m.truncatedAt = fiemap.truncatedAt;
    else if (info.filesystem === 'btrfs') {
      if (window) addWindowEncodedNote(m);
      else addEncodedOnDisk(this.libc, m, f.stat.dev, f.stat.ino);
    } else if (!window && (info.filesystem === 'xfs' || info.filesystem === 'ext4')) {
      // XFS and ext4 count blocks no FIEMAP extent shows (extent-tree and attribute blocks; XFS's
      // copy-on-write staging) in the block count (space accounting tells ext4's shared
      // attribute blocks apart: space.ts)
      const held = heldOutsideExtents(f.stat.blocks * 512n, m.packed, info.blockSize);
      if (held > 0n) {
        m.heldOutsideExtents = held;
        m.notes = [beyondExtentsNote(info.filesystem, held, info.filesystem === 'ext4' && this.indirectOf(f.fd))];
      }
    }
    return m;
  }

  private fiemapPages(
    f: OpenFile,
    window: { start: bigint; end: bigint } | undefined,
    out: PackedExtentsBuilder,
    ctx: OpContext,
    maxExtents?: number,
  ): FiemapPagesResult {
    this.fiemapBuf ??= newFiemapBuffer();
    return fiemapPages(this.libc, f.fd, f.path, f.stat.size, this.fiemapBuf, window, out, ctx, maxExtents);
  }
}

/** A request buffer for fiemapPages, reused for every page and file (224 KiB). */
export function newFiemapBuffer(): Uint8Array {
  return encodeFiemapRequest(0n, 0n, 0, FIEMAP_PAGE_EXTENTS);
}

interface FiemapPagesResult {
  calls: number;
  /** No FIEMAP here (tmpfs, ...): nothing was read. */
  unsupported: boolean;
  truncatedAt?: bigint;
  /**
   * The first page was asked with FIEMAP_FLAG_SYNC (the file's dirty data written first), so an
   * extent flagged unwritten held no data then; false where the file system refused the flag.
   */
  synced: boolean;
}

/**
 * FIEMAP paged with a bounded buffer until an extent carries FIEMAP_EXTENT_LAST, continuing
 * at the end of the last extent. Whole file (no window): fm_length = ~0 like filefrag, so
 * extents past EOF (preallocation) are included and extents are reported as the file system
 * gives them. With a window, extents are clipped to it. With `maxExtents`, it stops once that
 * many are read (asking the kernel for no more than that): the map is then exact up to
 * `truncatedAt` and says nothing after it (the inspector's bounded queries of huge files).
 * Progress counts bytes of the file walked through (total: the window, or the file size).
 * Shared by the maps (LinuxMaps) and the space walk (space-walk.ts): one FIEMAP decode.
 */
export function fiemapPages(
  libc: Libc,
  fd: number,
  path: string,
  size: bigint,
  buf: Uint8Array,
  window: { start: bigint; end: bigint } | undefined,
  out: PackedExtentsBuilder,
  ctx: OpContext,
  maxExtents?: number,
  firstSync = true,
): FiemapPagesResult {
  const start = window ? window.start : 0n;
  const end = window ? window.end : FIEMAP_MAX_OFFSET;
  let pos = start;
  let calls = 0;
  let pages = 0;
  // SYNC only on the first page: it flushes delayed allocation so the map is real (`firstSync`
  // false: no flush, where only shared extents are counted and delayed ones may stay so).
  let sync = firstSync ? FIEMAP_FLAG_SYNC : 0;
  const firstIndex = out.count;
  const progressEnd = window ? end : size;
  let truncatedAt: bigint | undefined;
  while (pos < end) {
    ctx.checkCancelled();
    const want =
      maxExtents === undefined ? FIEMAP_PAGE_EXTENTS : Math.max(1, Math.min(FIEMAP_PAGE_EXTENTS, maxExtents - (out.count - firstIndex)));
    writeFiemapHeader(buf, pos, end - pos, pages === 0 ? sync : 0, want);
    const rc = libc.ioctlPtr(fd, FS_IOC_FIEMAP, buf);
    calls++;
    if (rc !== 0) {
      const e = libc.errno();
      if (pages === 0 && (e === EOPNOTSUPP || e === ENOTTY || e === ENOSYS)) return { calls, unsupported: true, synced: false };
      // EFBIG: pos is at or past the largest file the file system allows (fiemap_prep; ext4: 16 TiB
      // - 4 KiB with 4 KiB blocks), so no extent lies there or after it. A trial's `map --offset
      // 16T` and `punch FILE 16T 4K` (its measuring map) said "choose another destination".
      if (e === EFBIG) break;
      // EINVAL at exactly that size on ext4 (ext4_fiemap_check_ranges: EFBIG only past it, so a
      // start there leaves a length of 0, refused); EFBIG one byte further says it is that size.
      if (e === EINVAL && pos > 0n && startsPastLargestSize(libc, fd, buf, pos + 1n)) {
        calls++;
        break;
      }
      // EBADR: the file system does not accept FIEMAP_FLAG_SYNC; ask again without it.
      if (pages === 0 && e === EBADR && sync !== 0) {
        sync = 0;
        continue;
      }
      throw errnoError('map', e, 'ioctl(FS_IOC_FIEMAP)', [path]);
    }
    pages++;
    const mapped = fiemapMappedExtents(buf);
    if (mapped === 0) break;
    const before = out.count;
    appendFiemapExtents(buf, mapped, out);
    if (pages > 1 && out.offsetAt(before) < pos) {
      out.dropRepeated(before, pos);
      if (out.count === before) break; // nothing new: stop rather than loop
    }
    if ((out.lastFlags() & EXTENT_FLAG.LAST) !== 0) break;
    const next = out.lastEnd();
    if (next <= pos) break; // no progress: stop rather than loop
    pos = next;
    if (maxExtents !== undefined && out.count - firstIndex >= maxExtents) {
      if (pos < end) truncatedAt = pos;
      break;
    }
    const done = pos - start;
    const total = progressEnd - start;
    ctx.progress({ done: done < total ? done : total, total: total > 0n ? total : 0n, message: `${out.count - firstIndex} extents` });
  }
  if (window) clipPacked(out, firstIndex, window.start, window.end, window.end >= size);
  return { calls, unsupported: false, truncatedAt, synced: sync !== 0 };
}

/** Whether a FIEMAP starting at `start` fails with EFBIG: past the largest file the file system allows. */
function startsPastLargestSize(libc: Libc, fd: number, buf: Uint8Array, start: bigint): boolean {
  writeFiemapHeader(buf, start, 1n, 0, 0);
  return libc.ioctlPtr(fd, FS_IOC_FIEMAP, buf) !== 0 && libc.errno() === EFBIG;
}

/**
 * Clip extents [from, count) of `b` to [start, end), in place, adjusting physical offsets.
 * LAST is the file's last extent (map-format.ts): XFS marks the last extent of any range asked
 * for, ext4 and btrfs the file's last, so it is kept only where the window reaches the file's
 * end (`toEnd`).
 */
function clipPacked(b: PackedExtentsBuilder, from: number, start: bigint, end: bigint, toEnd: boolean): void {
  const p = b.build();
  const kept = new PackedExtentsBuilder();
  for (let i = 0; i < from; i++) kept.push(p.offset[i], p.length[i], p.physical[i], p.flags[i]);
  for (let i = from; i < p.count; i++) {
    let o = p.offset[i];
    let e = o + p.length[i];
    let phys = p.physical[i];
    let flags = p.flags[i];
    if (e <= start || o >= end) continue;
    if (o < start) {
      if (linearPhysical(phys, flags)) phys += start - o;
      o = start;
    }
    if (e > end) e = end;
    if (!toEnd) flags &= ~EXTENT_FLAG.LAST;
    kept.push(o, e - o, phys, flags);
  }
  b.replaceWith(kept);
}

/** SEEK_DATA/SEEK_HOLE's data ranges into `out`, the last one to its block's end where the block count holds it. */
function pushSeekRanges(
  out: PackedExtentsBuilder,
  ranges: readonly { offset: bigint; length: bigint }[],
  size: bigint,
  blockCount: { bytes: bigint; blockSize: number },
): void {
  const tail = lastBlockTail(ranges, size, blockCount.blockSize, blockCount.bytes);
  ranges.forEach((r, i) => out.push(r.offset, i === ranges.length - 1 ? r.length + tail : r.length, -1n, 0));
}
