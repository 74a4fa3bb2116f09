// The Linux backend: SEEK_DATA/SEEK_HOLE, FS_IOC_FIEMAP, FICLONE, FICLONERANGE,
// copy_file_range, fallocate and fstatfs on libc through koffi (src/engine/backends/linux/libc.ts).
// Every loop is synchronous native calls with a cancellation check between them, so it runs
// fast in the worker thread and stops at once when the shared cancel flag is set.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend, OpContext } from '../../backend';
import type { EngineContext } from '../../context';
import type { BackendExtensions, MapLimit, PathInfo, PositionalIo } from '../../backend-ext';
import { EXTENT_FLAG, limitPackedMap, PackedExtentsBuilder, unpackExtents, type PackedExtentMap } from '../../map-format';
import {
  appendFiemapExtents,
  decodeFiemapHeader,
  decodeStatfs,
  encodeFileCloneRange,
  encodeFiemapRequest,
  FIEMAP_FLAG_SYNC,
  FIEMAP_MAX_OFFSET,
  filesystemName,
  NON_SPARSE_FILESYSTEMS,
  STATFS_SIZE,
  writeFiemapHeader,
} from './codec';
import { errnoError, errnoName, nodeFsError } from '../../errno';
import { FsctlError } from '../../errors';
import {
  big,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
  FICLONE,
  FICLONERANGE,
  FS_IOC_FIEMAP,
  loadLibc,
  type Libc,
  SEEK_DATA,
  SEEK_HOLE,
  AT_FDCWD,
  AT_EMPTY_PATH,
  AT_SYMLINK_FOLLOW,
  O_CLOEXEC,
  O_TMPFILE,
  RENAME_NOREPLACE,
  statxBuffer,
  STATX_MODE_OFFSET,
  STATX_SIZE_OFFSET,
  STATX_MODE,
  STATX_SIZE,
  STATX_TYPE,
} from './libc';
import { closeQuietly, intoNewLocalFile, kindOf, openRegular, type OpenFile, unlinkQuietly, statPath } from './files';
import type { ByteRange, ExtentMap, Operation, OperationReport, RangesResult, VolumeInfo } from '../../types';

/** Extents per FIEMAP call: 4096 x 56 bytes = 224 KiB, reused for every page (16384 per call measured within noise of it: the kernel's cost is per extent). */
const FIEMAP_PAGE_EXTENTS = 4096;
/** copy_file_range chunk: big enough to be cheap, small enough to cancel and report progress. */
const COPY_CHUNK = 64n * 1024n * 1024n;
/** FICLONERANGE chunk: the kernel takes any length, chunks only give progress and cancel points. */
const CLONE_CHUNK = 1n << 30n;
const MAX_OFF = (1n << 63n) - 1n;

const ENXIO = 6;
const EOPNOTSUPP = 95;
const ENOTTY = 25;
const ENOSYS = 38;
const EINVAL = 22;
const EBADR = 53;
const EEXIST = 17;
const ENOENT = 2;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/**
 * The destination's normalised path and its folder (exported for its test). A plain path (no
 * "//", "." or ".." segment) is its own normal form, and the folder is cut at the last slash.
 * The clone fast path runs this between system calls, so it is one scan of the characters in
 * the optimised code itself: a regex or path.normalize would each fetch more code that is cold
 * there (~1 µs measured, bench/NOTES.md).
 */
export function splitDestination(destination: string): { final: string; dir: string } {
  let slash = -1;
  for (let i = 0; i < destination.length; i++) {
    const c = destination.charCodeAt(i);
    const segmentStart = i === slash + 1;
    if (c === 0x2f) {
      if (segmentStart && i > 0) return splitNormalized(destination); // "//"
      slash = i;
    } else if (c === 0x2e && segmentStart && isDotSegment(destination, i)) {
      return splitNormalized(destination);
    }
  }
  return { final: destination, dir: slash > 0 ? destination.slice(0, slash) : slash === 0 ? '/' : '.' };
}

/** Whether the segment that starts at `i` with a "." is "." or ".." (not a hidden name like ".x"). */
function isDotSegment(p: string, i: number): boolean {
  let j = i + 1;
  if (j < p.length && p.charCodeAt(j) === 0x2e) j++;
  return j === p.length || p.charCodeAt(j) === 0x2f;
}

function splitNormalized(destination: string): { final: string; dir: string } {
  const final = path.normalize(destination);
  const slash = final.lastIndexOf('/');
  return { final, dir: slash > 0 ? final.slice(0, slash) : slash === 0 ? '/' : '.' };
}

// Read once: the global `performance` is an accessor (a getter call on every use), and in the
// bundle `fs.constants` is a getter of esbuild's module wrapper. The clone fast path reads them
// between system calls, where every extra call costs (its code is cold there; bench/NOTES.md).
const clock = performance;
const { O_RDONLY, O_RDWR, O_NONBLOCK } = fs.constants;
/** The clone fast path's source (never blocks on a FIFO swapped in after the type check). */
const OPEN_SOURCE = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
/** The clone fast path's unnamed inode in the destination folder. */
const OPEN_UNNAMED = O_TMPFILE | O_RDWR | O_CLOEXEC;

function now(): number {
  return clock.now();
}

function elapsed(t0: number): number {
  return Math.round((clock.now() - t0) * 1000) / 1000;
}

interface StatfsResult {
  filesystem: string;
  rawType: string;
  blockSize: number;
  totalBytes: bigint;
  freeBytes: bigint;
  fsid: string;
}

export class LinuxBackend implements Backend, BackendExtensions {
  readonly name = 'linux';
  private readonly libc: Libc;
  /** Clone probe results per file system instance (st_dev + f_type + f_fsid). */
  private readonly probeCache = new Map<string, { supportsClone: boolean; evidence: string }>();
  private fiemapBuf: Uint8Array | undefined;
  /**
   * How linkat names an O_TMPFILE inode: 'empty' = linkat(fd, "", AT_EMPTY_PATH) (root, or
   * any caller on Linux >= 6.10), 'proc' = linkat("/proc/self/fd/N", AT_SYMLINK_FOLLOW),
   * 'none' = neither works here. Learnt on first use.
   */
  private linkMode: 'empty' | 'proc' | 'none' | undefined;
  /** Reused by cloneToNewName (one synchronous call at a time per thread). */
  private readonly statx = statxBuffer();

  constructor(libc: Libc = loadLibc()) {
    this.libc = libc;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private fail(operation: Operation, syscall: string, paths: string[], fd?: number): FsctlError {
    const errno = this.libc.errno();
    const info = fd !== undefined ? this.tryStatfs(fd) : undefined;
    return errnoError(operation, errno, syscall, paths, { filesystem: info?.filesystem, blockSize: info?.blockSize });
  }

  private statfsFd(operation: Operation, fd: number, p: string): StatfsResult {
    const buf = new Uint8Array(STATFS_SIZE + 8);
    if (this.libc.fstatfs(fd, buf) !== 0) throw this.fail(operation, 'fstatfs', [p]);
    const s = decodeStatfs(buf);
    const frsize = s.frsize > 0n ? s.frsize : s.bsize;
    const dv = new DataView(buf.buffer);
    return {
      filesystem: filesystemName(s.type),
      rawType: `0x${s.type.toString(16)}`,
      blockSize: Number(s.bsize),
      totalBytes: s.blocks * frsize,
      freeBytes: s.bavail * frsize,
      fsid: `${dv.getUint32(56, true).toString(16)}:${dv.getUint32(60, true).toString(16)}`,
    };
  }

  private tryStatfs(fd: number): StatfsResult | undefined {
    try {
      return this.statfsFd('volume', fd, '');
    } catch {
      return undefined;
    }
  }

  private resolveWindow(window: ByteRange | undefined, size: bigint, operation: Operation, p: string): { start: bigint; end: bigint } {
    if (!window) return { start: 0n, end: size };
    if (window.offset < 0n || window.length < 0n || window.offset + window.length > MAX_OFF)
      throw new FsctlError({
        operation,
        code: 'E_RANGE',
        paths: [p],
        message: `${operation}: the window offset ${window.offset} length ${window.length} is negative or beyond 2^63-1 (E_RANGE).`,
      });
    return { start: window.offset, end: window.offset + window.length };
  }

  /** SEEK_DATA/SEEK_HOLE walk of [start, end) on an open file; returns the data ranges. */
  private seekRanges(f: OpenFile, start: bigint, end: bigint, operation: Operation, ctx: OpContext): { ranges: ByteRange[]; calls: number } {
    const size = f.stat.size;
    const stop = end < size ? end : size;
    const ranges: ByteRange[] = [];
    let calls = 0;
    let pos = start;
    while (pos < stop) {
      ctx.checkCancelled();
      const d = this.libc.lseek(f.fd, pos, SEEK_DATA);
      calls++;
      if (d === -1 || d === -1n) {
        const e = this.libc.errno();
        if (e === ENXIO) break; // no data after pos: the rest is a hole
        throw errnoError(operation, e, 'lseek(SEEK_DATA)', [f.path]);
      }
      const dataStart = big(d);
      if (dataStart >= stop) break;
      const h = this.libc.lseek(f.fd, dataStart, SEEK_HOLE);
      calls++;
      if (h === -1 || h === -1n) {
        const e = this.libc.errno();
        // ENXIO here means the file shrank under us; the data runs to the (old) end.
        if (e !== ENXIO) throw errnoError(operation, e, 'lseek(SEEK_HOLE)', [f.path]);
      }
      const holeStart = h === -1 || h === -1n ? stop : big(h);
      const rangeEnd = holeStart < stop ? holeStart : stop;
      if (rangeEnd > dataStart) ranges.push({ offset: dataStart, length: rangeEnd - dataStart });
      if (holeStart <= pos) break; // no progress: never loop forever on a confused file system
      pos = holeStart;
      if (ranges.length % 256 === 0) ctx.progress({ done: pos - start, total: stop - start });
    }
    return { ranges, calls };
  }

  // ---- Backend -------------------------------------------------------------------------------

  async allocatedRanges(p: string, window: ByteRange | undefined, ctx: OpContext): Promise<RangesResult> {
    const t0 = now();
    const f = openRegular('ranges', p, 'read');
    try {
      const w = this.resolveWindow(window, f.stat.size, 'ranges', p);
      const { ranges, calls } = this.seekRanges(f, w.start, w.end, 'ranges', ctx);
      return {
        path: p,
        size: f.stat.size,
        window: { offset: w.start, length: w.end - w.start },
        ranges,
        method: 'seek',
        calls,
        durationMs: elapsed(t0),
      };
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
    const f = openRegular('map', p, 'read');
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
    const f = openRegular('map', p, 'read');
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
      for (const r of seek.ranges) b.push(r.offset, r.length, -1n, 0);
      return limitPackedMap(
        {
          path: p,
          size,
          blockSize: info.blockSize,
          window: { offset: w.start, length: w.end - w.start },
          packed: b.build(),
          source: 'seek',
          calls: fiemap.calls + seek.calls,
          durationMs: elapsed(t0),
        },
        limit.maxExtents,
      );
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
    return m;
  }

  /**
   * FIEMAP paged with a bounded buffer until an extent carries FIEMAP_EXTENT_LAST, continuing
   * at the end of the last extent. Whole file (no window): fm_length = ~0 like filefrag, so
   * extents past EOF (preallocation) are included and extents are reported as the file system
   * gives them. With a window, extents are clipped to it. With `maxExtents`, it stops once that
   * many are read (asking the kernel for no more than that): the map is then exact up to
   * `truncatedAt` and says nothing after it (the inspector's bounded queries of huge files).
   * Progress counts bytes of the file walked through (total: the window, or the file size).
   */
  private fiemapPages(
    f: OpenFile,
    window: { start: bigint; end: bigint } | undefined,
    out: PackedExtentsBuilder,
    ctx: OpContext,
    maxExtents?: number,
  ): { calls: number; unsupported: boolean; truncatedAt?: bigint } {
    const buf = (this.fiemapBuf ??= encodeFiemapRequest(0n, 0n, 0, FIEMAP_PAGE_EXTENTS));
    const start = window ? window.start : 0n;
    const end = window ? window.end : FIEMAP_MAX_OFFSET;
    let pos = start;
    let calls = 0;
    let pages = 0;
    // SYNC only on the first page: it flushes delayed allocation so the map is real.
    let sync = FIEMAP_FLAG_SYNC;
    const firstIndex = out.count;
    const progressEnd = window ? end : f.stat.size;
    let truncatedAt: bigint | undefined;
    while (pos < end) {
      ctx.checkCancelled();
      const want = maxExtents === undefined ? FIEMAP_PAGE_EXTENTS : Math.max(1, Math.min(FIEMAP_PAGE_EXTENTS, maxExtents - (out.count - firstIndex)));
      writeFiemapHeader(buf, pos, end - pos, pages === 0 ? sync : 0, want);
      const rc = this.libc.ioctlPtr(f.fd, FS_IOC_FIEMAP, buf);
      calls++;
      if (rc !== 0) {
        const e = this.libc.errno();
        if (pages === 0 && (e === EOPNOTSUPP || e === ENOTTY || e === ENOSYS)) return { calls, unsupported: true };
        // EBADR: the file system does not accept FIEMAP_FLAG_SYNC; ask again without it.
        if (pages === 0 && e === EBADR && sync !== 0) {
          sync = 0;
          continue;
        }
        throw errnoError('map', e, 'ioctl(FS_IOC_FIEMAP)', [f.path]);
      }
      pages++;
      const mapped = decodeFiemapHeader(buf).mappedExtents;
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
    if (window) clipPacked(out, firstIndex, window.start, window.end);
    return { calls, unsupported: false, truncatedAt };
  }

  async volume(p: string): Promise<VolumeInfo> {
    const st = statPath('volume', p);
    const kind = kindOf(st);
    const dir = kind === 'directory' ? p : path.dirname(p);
    let fd: number;
    try {
      fd = fs.openSync(kind === 'file' || kind === 'directory' ? p : dir, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      throw nodeFsError('volume', e, [p]);
    }
    let info: StatfsResult;
    try {
      info = this.statfsFd('volume', fd, p);
    } finally {
      closeQuietly(fd);
    }
    const dirStat = kind === 'directory' ? st : statPath('volume', dir);
    const key = `${dirStat.dev}:${info.rawType}:${info.fsid}`;
    let probe = this.probeCache.get(key);
    if (!probe) {
      const r = this.probeClone(dir, info.filesystem);
      if (r.definite) this.probeCache.set(key, r);
      probe = r;
    }
    return {
      path: p,
      filesystem: info.filesystem,
      rawType: info.rawType,
      blockSize: info.blockSize,
      supportsSparse: !NON_SPARSE_FILESYSTEMS.has(info.filesystem),
      supportsClone: probe.supportsClone,
      cloneEvidence: probe.evidence,
      volumeId: st.dev.toString(),
      totalBytes: info.totalBytes,
      freeBytes: info.freeBytes,
    };
  }

  async fsInfo(p: string): Promise<{ filesystem: string; blockSize: number }> {
    const f = openRegular('clone-range', p, 'read');
    try {
      const info = this.statfsFd('clone-range', f.fd, p);
      return { filesystem: info.filesystem, blockSize: info.blockSize };
    } finally {
      closeQuietly(f);
    }
  }

  /** Clone a small non-empty temporary file with FICLONE in `dir`: real evidence, no guessing. */
  private probeClone(dir: string, filesystem: string): { supportsClone: boolean; evidence: string; definite: boolean } {
    // node:crypto is loaded only here: a CLI `map` or `clone` never pays for loading it.
    const tag = (require('node:crypto') as typeof import('node:crypto')).randomBytes(6).toString('hex');
    const a = path.join(dir, `.extent-lens-probe-${tag}.src`);
    const b = path.join(dir, `.extent-lens-probe-${tag}.dst`);
    let fa: number | undefined;
    let fb: number | undefined;
    try {
      try {
        fa = fs.openSync(a, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
        fs.writeSync(fa, Buffer.alloc(4096, 0x5a));
        fb = fs.openSync(b, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        return {
          supportsClone: false,
          evidence: `could not probe: creating a temporary file in ${dir} failed (${code}); clone support on ${filesystem} is unverified`,
          definite: false,
        };
      }
      const rc = this.libc.ioctlInt(fb, FICLONE, fa);
      if (rc === 0) {
        return { supportsClone: true, evidence: `a FICLONE probe in ${dir} cloned a 4 KiB temporary file on ${filesystem}`, definite: true };
      }
      const code = errnoName(this.libc.errno());
      return { supportsClone: false, evidence: `a FICLONE probe in ${dir} failed with ${code}: ${filesystem} cannot share blocks here`, definite: true };
    } finally {
      closeQuietly(fa);
      closeQuietly(fb);
      unlinkQuietly(a);
      unlinkQuietly(b);
    }
  }

  async cloneFile(source: string, target: string, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    ctx.checkCancelled();
    return intoNewLocalFile('clone', source, target, (src, dst) => {
      if (this.libc.ioctlInt(dst.fd, FICLONE, src.fd) !== 0) throw this.fail('clone', 'ioctl(FICLONE)', [source, target], src.fd);
      // Keep the source's permission bits (like cp --reflink), not the umask's.
      fs.fchmodSync(dst.fd, Number(src.stat.mode & 0o7777n));
      ctx.progress({ done: src.stat.size, total: src.stat.size });
      return { operation: 'clone', method: 'FICLONE', source, destination: target, bytes: src.stat.size, calls: 1, durationMs: elapsed(t0) };
    });
  }

  /**
   * The whole-file clone without a temporary name: FICLONE into an unnamed inode made with
   * open(dir, O_TMPFILE) in the destination folder, then `commit` gives it its final name with
   * linkat(2), which fails with EEXIST instead of replacing (the same no-overwrite rule as
   * renameat2(RENAME_NOREPLACE), and `commit` applies the fail/rename policy on EEXIST).
   * Until linkat succeeds the file has no name at all, so a failure, a cancel or even a killed
   * process leaves nothing behind. It is also one directory operation fewer than
   * create-temp + rename, which is most of the fixed cost of a clone.
   * Returns undefined when the kernel, the file system or the sandbox cannot do it (no
   * O_TMPFILE, no /proc): the engine then uses the temp-name + rename path.
   */
  async cloneFileAnonymous(
    source: string,
    dir: string,
    finalName: string,
    ctx: OpContext,
    /** Names the file through `link` (the policy on a taken name); undefined = not named. */
    commit: (link: (to: string) => Promise<void>) => Promise<string | undefined>,
  ): Promise<OperationReport | undefined> {
    const t0 = now();
    ctx.checkCancelled();
    if (this.linkMode === 'none') return undefined;
    const src = openRegular('clone', source, 'read');
    let fd = -1;
    try {
      const perm = Number(src.stat.mode & 0o7777n);
      try {
        fd = fs.openSync(dir, O_TMPFILE | fs.constants.O_RDWR, (perm & 0o777) | 0o600);
      } catch {
        return undefined; // no O_TMPFILE here (or the folder is unusable): the classic path reports it
      }
      if (this.libc.ioctlInt(fd, FICLONE, src.fd) !== 0) throw this.fail('clone', 'ioctl(FICLONE)', [source, finalName], src.fd);
      // Keep the source's permission bits (like cp --reflink), not the umask's (or a default
      // ACL's). fchmod is a logged transaction on XFS (~13 µs, a tenth of the whole clone), so
      // it runs only when the new inode's bits differ: fstat is cheap and reads what the kernel
      // actually made (umask and default ACLs included), after FICLONE, which may clear
      // set-id bits (the open mode never has them, so a set-id source always gets the fchmod).
      if ((fs.fstatSync(fd).mode & 0o7777) !== perm) fs.fchmodSync(fd, perm);
      ctx.checkCancelled(); // a cancel before the file has a name leaves nothing
      const tmpFd = fd;
      let unnamed = false;
      const destination = await commit(async (to) => {
        const e = this.linkTmpfile(tmpFd, to);
        if (e === 0) return;
        if (e === -1) {
          unnamed = true; // cannot name an O_TMPFILE inode here at all
          return;
        }
        const err: NodeJS.ErrnoException = new Error(`link ${to}: ${errnoName(e)}`);
        err.code = e === EEXIST ? 'EEXIST' : errnoName(e);
        err.errno = -e;
        err.syscall = 'linkat';
        throw err;
      });
      if (unnamed || destination === undefined) return undefined;
      ctx.progress({ done: src.stat.size, total: src.stat.size });
      return { operation: 'clone', method: 'FICLONE', source, destination, bytes: src.stat.size, calls: 1, durationMs: elapsed(t0) };
    } finally {
      closeQuietly(src);
      if (fd >= 0) closeQuietly(fd);
    }
  }

  /**
   * The plain whole-file clone in one synchronous pass: the unnamed-inode sequence of
   * cloneFileAnonymous (open(dir, O_TMPFILE), FICLONE, linkat, which never replaces) with no
   * await, no stat of the destination and every call straight to libc. A clone of 1 GiB on
   * XFS is ~65 µs of system calls, and node:fs's wrappers (~5 µs per call, a Stats object per
   * stat) plus the promise layers had made the engine ~1.8x Node's own copyFile.
   * Returns undefined whenever the case is not the plain one (the source is missing or not a
   * regular file, no O_TMPFILE or linkat here, the name is taken or is a folder, FICLONE
   * refused: another file system, no reflink support). Nothing is left then (an unnamed inode
   * dies with its descriptor), and the engine takes the full path, which applies the
   * destination policy and names every error.
   */
  cloneToNewName(source: string, destination: string, ctx: OpContext): OperationReport | undefined {
    const libc = this.libc;
    if (this.linkMode === 'none' || !libc.statx) return undefined;
    const t0 = now();
    ctx.checkCancelled();
    const { final, dir } = splitDestination(destination);
    // The type is checked before the open (a FIFO or a device is never opened), as openRegular
    // does; the source is not fstat'ed again: FICLONE refuses anything but a regular file
    // (EINVAL), which sends a path swapped in meanwhile to the full path, and the exact size
    // comes from the clone's own statx below (what was actually cloned).
    const { buf, view } = this.statx;
    if (libc.statx(AT_FDCWD, source, 0, STATX_TYPE | STATX_MODE, buf) !== 0) return undefined;
    const mode = view.getUint16(STATX_MODE_OFFSET, true);
    if ((mode & S_IFMT) !== S_IFREG) return undefined;
    const perm = mode & 0o7777;
    const srcFd = libc.open(source, OPEN_SOURCE, 0);
    if (srcFd < 0) return undefined;
    let fd = -1;
    try {
      fd = libc.open(dir, OPEN_UNNAMED, (perm & 0o777) | 0o600);
      if (fd < 0 || libc.ioctlInt(fd, FICLONE, srcFd) !== 0) return undefined;
      if (libc.statx(fd, '', AT_EMPTY_PATH, STATX_MODE | STATX_SIZE, buf) !== 0) return undefined;
      // As in cloneFileAnonymous: the source's permission bits, fchmod only when they differ
      // (a failure leaves nothing: the inode has no name yet, and the full path names the error).
      if ((view.getUint16(STATX_MODE_OFFSET, true) & 0o7777) !== perm && libc.fchmod(fd, perm) !== 0) return undefined;
      const size = view.getBigUint64(STATX_SIZE_OFFSET, true);
      ctx.checkCancelled();
      if (this.linkTmpfile(fd, final) !== 0) return undefined;
      ctx.progress({ done: size, total: size });
      return { operation: 'clone', method: 'FICLONE', source, destination: final, bytes: size, calls: 1, durationMs: elapsed(t0) };
    } finally {
      libc.close(srcFd);
      if (fd >= 0) libc.close(fd);
    }
  }

  /**
   * Give the O_TMPFILE inode `fd` the name `to`: 0 on success, an errno, or -1 when this
   * process can name such inodes by neither method (the caller then takes the temp-name path).
   */
  private linkTmpfile(fd: number, to: string): number {
    if (this.linkMode !== 'proc') {
      if (this.libc.linkat(fd, '', AT_FDCWD, to, AT_EMPTY_PATH) === 0) {
        this.linkMode = 'empty';
        return 0;
      }
      const e = this.libc.errno();
      // ENOENT without CAP_DAC_READ_SEARCH before Linux 6.10: try /proc. Other errors are real.
      if (e !== ENOENT || this.linkMode === 'empty') return e;
    }
    if (this.libc.linkat(AT_FDCWD, `/proc/self/fd/${fd}`, AT_FDCWD, to, AT_SYMLINK_FOLLOW) === 0) {
      this.linkMode = 'proc';
      return 0;
    }
    const e = this.libc.errno();
    if (e === ENOENT && this.linkMode === undefined && !fs.existsSync(`/proc/self/fd/${fd}`)) {
      this.linkMode = 'none'; // no /proc (a chroot or a sandbox): the ENOENT was about the fd link
      return -1;
    }
    return e;
  }

  async cloneRange(
    source: string,
    sourceOffset: bigint,
    target: string,
    targetOffset: bigint,
    length: bigint,
    _opts: { atomic?: boolean },
    ctx: OpContext,
  ): Promise<OperationReport> {
    const t0 = now();
    const src = openRegular('clone-range', source, 'read');
    let dst: OpenFile | undefined;
    try {
      dst = openRegular('clone-range', target, 'read-write');
      // length 0 = to the source's end (FICLONERANGE's own convention), resolved here so the
      // report says how many bytes were shared.
      const total = length === 0n ? src.stat.size - sourceOffset : length;
      let done = 0n;
      let calls = 0;
      while (done < total) {
        ctx.checkCancelled();
        const chunk = total - done > CLONE_CHUNK ? CLONE_CHUNK : total - done;
        const arg = encodeFileCloneRange(src.fd, sourceOffset + done, chunk, targetOffset + done);
        const rc = this.libc.ioctlPtr(dst.fd, FICLONERANGE, arg);
        calls++;
        if (rc !== 0) throw this.fail('clone-range', 'ioctl(FICLONERANGE)', [source, target], src.fd);
        done += chunk;
        ctx.progress({ done, total });
        await yieldIfInThread(ctx);
      }
      return {
        operation: 'clone-range',
        method: 'FICLONERANGE',
        source,
        destination: target,
        bytes: total,
        calls,
        durationMs: elapsed(t0),
      };
    } finally {
      closeQuietly(src);
      closeQuietly(dst);
    }
  }

  /**
   * In-kernel copy with copy_file_range over the source's DATA ranges only, then the size set
   * with ftruncate: holes stay holes (a plain copy_file_range of the whole file writes zeros
   * into them on file systems that cannot share blocks). On XFS/btrfs the kernel shares blocks.
   */
  async copyFile(source: string, target: string, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    return intoNewLocalFile('copy', source, target, async (src, dst) => {
      const size = src.stat.size;
      const { ranges, calls: seekCalls } = this.seekRanges(src, 0n, size, 'copy', ctx);
      const dataBytes = ranges.reduce((a, r) => a + r.length, 0n);
      const offIn = new BigInt64Array(1);
      const offOut = new BigInt64Array(1);
      let calls = 0;
      let done = 0n;
      for (const r of ranges) {
        offIn[0] = r.offset;
        offOut[0] = r.offset;
        const end = r.offset + r.length;
        while (offIn[0] < end) {
          ctx.checkCancelled();
          const want = end - offIn[0] > COPY_CHUNK ? COPY_CHUNK : end - offIn[0];
          const n = big(this.libc.copyFileRange(src.fd, offIn, dst.fd, offOut, want, 0));
          calls++;
          if (n < 0n) throw this.fail('copy', 'copy_file_range', [source, target], src.fd);
          if (n === 0n) break; // the source shrank while copying
          done += n;
          ctx.progress({ done, total: dataBytes });
          await yieldIfInThread(ctx);
        }
      }
      if (this.libc.ftruncate(dst.fd, size) !== 0) throw this.fail('copy', 'ftruncate', [target]);
      calls++;
      fs.fchmodSync(dst.fd, Number(src.stat.mode & 0o7777n));
      return {
        operation: 'copy',
        method: 'copy_file_range',
        source,
        destination: target,
        bytes: done,
        calls: calls + seekCalls,
        durationMs: elapsed(t0),
        notes: ranges.length === 0 && size > 0n ? ['the source is all hole; only its size was set'] : undefined,
      };
    });
  }

  async punchHole(p: string, range: ByteRange, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    ctx.checkCancelled();
    const f = openRegular('punch', p, 'read-write');
    try {
      if (range.length > 0n && this.libc.fallocate(f.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, range.offset, range.length) !== 0)
        throw this.fail('punch', 'fallocate(PUNCH_HOLE|KEEP_SIZE)', [p], f.fd);
      return { operation: 'punch', method: 'FALLOC_FL_PUNCH_HOLE', source: p, bytes: range.length, calls: 1, durationMs: elapsed(t0) };
    } finally {
      closeQuietly(f);
    }
  }

  /** Punch where possible; else FALLOC_FL_ZERO_RANGE; else write zeros. */
  async zeroRange(p: string, range: ByteRange, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    ctx.checkCancelled();
    const f = openRegular('zero', p, 'read-write');
    try {
      const notes: string[] = [];
      if (range.length === 0n)
        return { operation: 'zero', method: 'FALLOC_FL_PUNCH_HOLE', source: p, bytes: 0n, calls: 0, durationMs: elapsed(t0) };
      if (this.libc.fallocate(f.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, range.offset, range.length) === 0)
        return { operation: 'zero', method: 'FALLOC_FL_PUNCH_HOLE', source: p, bytes: range.length, calls: 1, durationMs: elapsed(t0) };
      let e = this.libc.errno();
      if (e !== EOPNOTSUPP) throw errnoError('zero', e, 'fallocate(PUNCH_HOLE|KEEP_SIZE)', [p]);
      notes.push('the file system cannot punch holes');
      if (this.libc.fallocate(f.fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, range.offset, range.length) === 0)
        return { operation: 'zero', method: 'FALLOC_FL_ZERO_RANGE', source: p, bytes: range.length, calls: 2, durationMs: elapsed(t0), notes };
      e = this.libc.errno();
      if (e !== EOPNOTSUPP && e !== EINVAL) throw errnoError('zero', e, 'fallocate(ZERO_RANGE|KEEP_SIZE)', [p]);
      notes.push('nor zero ranges; zeros were written');
      // Write zeros only inside the file: zeroing never extends it.
      const end = range.offset + range.length < f.stat.size ? range.offset + range.length : f.stat.size;
      const zeros = new Uint8Array(1 << 20);
      let pos = range.offset;
      let calls = 2;
      while (pos < end) {
        ctx.checkCancelled();
        const n = end - pos > BigInt(zeros.length) ? zeros.length : Number(end - pos);
        const w = big(this.libc.pwrite(f.fd, zeros, n, pos));
        calls++;
        if (w <= 0n) throw this.fail('zero', 'pwrite', [p]);
        pos += w;
        ctx.progress({ done: pos - range.offset, total: end - range.offset });
      }
      return { operation: 'zero', method: 'write-zeros', source: p, bytes: end > range.offset ? end - range.offset : 0n, calls, durationMs: elapsed(t0), notes };
    } finally {
      closeQuietly(f);
    }
  }

  async setSparse(p: string, sparse: boolean, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    ctx.checkCancelled();
    const f = openRegular('set-sparse', p, 'read');
    closeQuietly(f);
    return {
      operation: 'set-sparse',
      method: 'none',
      source: p,
      bytes: 0n,
      calls: 0,
      durationMs: elapsed(t0),
      notes: [
        sparse
          ? 'Linux has no sparse attribute: every file on a sparse-capable file system can hold holes already'
          : 'Linux has no sparse attribute to clear; holes stay until data is written over them',
      ],
    };
  }

  // ---- extensions -------------------------------------------------------------------------------

  /** pread/pwrite/ftruncate/punch with exact 64-bit offsets, for sparse-copy and dig-holes. */
  readonly io: PositionalIo = {
    pread: (fd, buf, length, offset, p) => {
      const n = big(this.libc.pread(fd, buf, length, offset));
      if (n < 0n) throw this.fail('copy', 'pread', [p]);
      return Number(n);
    },
    pwrite: (fd, buf, length, offset, p) => {
      const n = big(this.libc.pwrite(fd, buf, length, offset));
      if (n < 0n) throw this.fail('copy', 'pwrite', [p], fd);
      return Number(n);
    },
    ftruncate: (fd, size, p) => {
      if (this.libc.ftruncate(fd, size) !== 0) throw this.fail('copy', 'ftruncate', [p], fd);
    },
    punch: (fd, offset, length, p) => this.punchFd(fd, offset, length, p),
    blockSize: (fd, p) => this.blockSizeOf(fd, p),
  };

  async stat(p: string): Promise<PathInfo> {
    // throwIfNoEntry: a missing name is the common case when choosing a destination, and an
    // exception (with its stack) costs more than the stat itself.
    const st = fs.statSync(p, { bigint: true, throwIfNoEntry: false });
    if (!st) return { kind: 'missing', size: 0n };
    return { kind: kindOf(st), size: st.size, fileId: `${st.dev}:${st.ino}`, volumeId: st.dev.toString() };
  }

  /** renameat2(RENAME_NOREPLACE) when not replacing: no window where an existing file is lost. */
  async rename(from: string, to: string, replace: boolean): Promise<void> {
    if (replace) {
      fs.renameSync(from, to);
      return;
    }
    if (this.libc.renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) === 0) return;
    const e = this.libc.errno();
    if (e !== EINVAL && e !== ENOSYS && e !== EOPNOTSUPP) {
      const err: NodeJS.ErrnoException = new Error(`rename ${from} -> ${to}: ${errnoName(e)}`);
      err.code = errnoName(e);
      err.errno = -e;
      err.syscall = 'renameat2';
      throw err;
    }
    // No RENAME_NOREPLACE here: link() fails with EEXIST instead of replacing, then unlink.
    fs.linkSync(from, to);
    fs.unlinkSync(from);
  }

  async remove(p: string): Promise<void> {
    unlinkQuietly(p);
  }

  async read(p: string, offset: bigint, buf: Uint8Array): Promise<number> {
    const f = openRegular('dig-holes', p, 'read');
    try {
      return this.readFd(f.fd, offset, buf, p);
    } finally {
      closeQuietly(f);
    }
  }

  readFd(fd: number, offset: bigint, buf: Uint8Array, p: string): number {
    const n = big(this.libc.pread(fd, buf, buf.length, offset));
    if (n < 0n) throw this.fail('dig-holes', 'pread', [p]);
    return Number(n);
  }

  /** Punch on an already open descriptor (dig-holes punches many runs through one open). */
  punchFd(fd: number, offset: bigint, length: bigint, p: string): void {
    if (this.libc.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) !== 0)
      throw this.fail('dig-holes', 'fallocate(PUNCH_HOLE|KEEP_SIZE)', [p], fd);
  }

  blockSizeOf(fd: number, p: string): number {
    return this.statfsFd('dig-holes', fd, p).blockSize;
  }
}

/** Clip extents [from, count) of `b` to [start, end), in place, adjusting physical offsets. */
function clipPacked(b: PackedExtentsBuilder, from: number, start: bigint, end: bigint): void {
  const p = b.build();
  const kept = new PackedExtentsBuilder();
  for (let i = 0; i < from; i++) kept.push(p.offset[i], p.length[i], p.physical[i], p.flags[i]);
  for (let i = from; i < p.count; i++) {
    let o = p.offset[i];
    let e = o + p.length[i];
    let phys = p.physical[i];
    if (e <= start || o >= end) continue;
    if (o < start) {
      if (phys >= 0n) phys += start - o;
      o = start;
    }
    let flags = p.flags[i];
    if (e > end) {
      e = end;
      // The kernel marks the last extent of the requested range LAST; one that goes on past
      // the window is not the file's last.
      flags &= ~EXTENT_FLAG.LAST;
    }
    kept.push(o, e - o, phys, flags);
  }
  b.replaceWith(kept);
}

/**
 * In the caller's thread an AbortSignal can only fire when the event loop turns: long loops
 * yield now and then (EngineContext.maybeYield, ~every 20 ms). In the worker it is a no-op.
 */
async function yieldIfInThread(ctx: OpContext): Promise<void> {
  const y = (ctx as Partial<EngineContext>).maybeYield;
  if (y) await y.call(ctx);
}

let backend: LinuxBackend | undefined;

export function createLinuxBackend(): LinuxBackend {
  return (backend ??= new LinuxBackend());
}
