// The Linux backend's shared layer: libc (libc.ts, the only Linux file that loads koffi), errno
// errors with the file system named, fstatfs, the window check and the SEEK_DATA/SEEK_HOLE walk
// that ranges, maps (where FIEMAP is missing) and copies all use.
//
// The backend is one class, LinuxBackend (index.ts), built up by job, one file per layer:
//   base.ts (this) <- map.ts (FIEMAP) <- holes.ts (ranges, punch, zero, sparse flag)
//   <- volume.ts (statfs, clone probe) <- clone.ts (whole-file and range clones)
//   <- copy.ts (copy_file_range) <- io.ts (positional I/O, stat, rename, remove, read)
//   <- dedupe.ts (FIDEDUPERANGE, free space after syncfs)
//   <- index.ts (LinuxBackend, createLinuxBackend).
// Every loop is synchronous native calls with a cancellation check between them, so it runs
// fast in the worker thread and stops at once when the shared cancel flag is set.

import * as fs from 'node:fs';
import type { OpContext } from '../../backend';
import type { EngineContext } from '../../context';
import { decodeStatfs, filesystemName, ST_RDONLY, STATFS_SIZE } from './codec';
import { errnoError, type ErrnoContext } from '../../errno';
import { mountedName } from './mounted-name';
import { FsctlError } from '../../errors';
import {
  AT_EMPTY_PATH,
  big,
  FICLONE,
  FS_APPEND_FL,
  FS_IOC_GETFLAGS,
  FS_IOC_SETFLAGS,
  FS_EXTENT_FL,
  FS_NOCOW_FL,
  loadLibc,
  O_CLOEXEC,
  type Libc,
  SEEK_DATA,
  SEEK_HOLE,
  STATX_MASK_OFFSET,
  STATX_MNT_ID,
  STATX_MNT_ID_OFFSET,
  STATX_MNT_ID_UNIQUE,
} from './libc';
import type { OpenFile } from './files';
import type { ByteRange, Operation } from '../../types';
import { LINUX_CALL, type CallCount } from '../../call-count';

const MAX_OFF = (1n << 63n) - 1n;

const ENXIO = 6;
export const EAGAIN = 11;
export const EACCES = 13;
export const EOPNOTSUPP = 95;
export const ENOTTY = 25;
export const ENOSYS = 38;
export const EINVAL = 22;
export const EBADR = 53;
export const EFBIG = 27;
export const ENOENT = 2;

export function now(): number {
  return performance.now();
}

export function elapsed(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}

export interface StatfsResult {
  filesystem: string;
  rawType: string;
  blockSize: number;
  totalBytes: bigint;
  freeBytes: bigint;
  fsid: string;
  /** Mounted read-only (ST_RDONLY); a read-only btrfs snapshot in a writable mount is not. */
  readOnlyMount: boolean;
}

export class LinuxBase {
  readonly name = 'linux';
  protected readonly libc: Libc;

  constructor(libc: Libc = loadLibc()) {
    this.libc = libc;
  }

  // ---- helpers -------------------------------------------------------------------------------

  protected fail(operation: Operation, syscall: string, paths: string[], fd?: number, errno = this.libc.errno()): FsctlError {
    return errnoError(operation, errno, syscall, paths, fd !== undefined ? this.errnoContextOf(fd) : {});
  }

  /** What an error sentence says of the open file's file system: its name as mounted, its block size. */
  protected errnoContextOf(fd: number): ErrnoContext {
    const info = this.tryStatfs(fd);
    return info ? { filesystem: this.mountedNameOf(info, fd), blockSize: info.blockSize } : {};
  }

  /**
   * The open file's file system as its mount names it (ext2 or ext3, not statfs's ext4:
   * mounted-name.ts), for what a person reads; rules keep statfs's name, which the family shares.
   */
  protected mountedNameOf(info: StatfsResult, fd: number): string {
    if (info.filesystem !== 'ext4') return info.filesystem; // (no fstat where the mount cannot differ)
    try {
      return mountedName(info.filesystem, fs.fstatSync(fd, { bigint: true }).dev, info.fsid, this.mountIdOf(fd));
    } catch {
      return info.filesystem;
    }
  }

  /**
   * Which mount the open file was reached through (statx): STATX_MNT_ID_UNIQUE where the kernel
   * has it (6.8), never reused; else STATX_MNT_ID, which a later mount may reuse; undefined where
   * statx says neither. Tells a file system mounted again (as ext3, then ext4) from its first mount.
   */
  private mountIdOf(fd: number): bigint | undefined {
    const buf = new Uint8Array(256);
    if (!this.libc.statx || this.libc.statx(fd, '', AT_EMPTY_PATH, STATX_MNT_ID | STATX_MNT_ID_UNIQUE, buf) !== 0) return undefined;
    const v = new DataView(buf.buffer);
    return (v.getUint32(STATX_MASK_OFFSET, true) & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE)) !== 0
      ? v.getBigUint64(STATX_MNT_ID_OFFSET, true)
      : undefined;
  }

  /** The open file's inode flags (chattr: FS_IOC_GETFLAGS); undefined where they cannot be read. */
  private flagsOf(fd: number): number | undefined {
    const flags = new Uint8Array(8);
    if (this.libc.ioctlPtr(fd, FS_IOC_GETFLAGS, flags) !== 0) return undefined;
    return new DataView(flags.buffer).getUint32(0, true);
  }

  /** Whether the open ext2/3/4 file maps its blocks indirectly (no FS_EXTENT_FL); false where that cannot be read. */
  protected indirectOf(fd: number): boolean {
    const flags = this.flagsOf(fd);
    return flags !== undefined && (flags & FS_EXTENT_FL) === 0;
  }

  /** Whether the open file is nodatacow (btrfs, chattr +C: FS_NOCOW_FL); false where that cannot be read. */
  protected noCowOf(fd: number): boolean {
    return ((this.flagsOf(fd) ?? 0) & FS_NOCOW_FL) !== 0;
  }

  /**
   * Whether the existing file `p` is append-only (chattr +a: FS_APPEND_FL), which access(W_OK)
   * does not tell: a rename over it fails (EPERM) only after all the work, so overwrite asks
   * first (destination.ts). False where it cannot be told (a link, no such flag there).
   */
  appendOnly(p: string): boolean {
    const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;
    const fd = this.libc.open(p, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) return false;
    try {
      return ((this.flagsOf(fd) ?? 0) & FS_APPEND_FL) !== 0;
    } finally {
      this.libc.close(fd);
    }
  }

  /**
   * Makes the new, still empty file `dstFd` nodatacow exactly when `srcFd` is, so a whole-file
   * clone can be made: btrfs clones only between files alike in that, and a new file takes +C
   * from its folder, not from the file it will share blocks with (cp --reflink=always fails
   * there, EINVAL). btrfs lets the flag change only while a file is empty. Returns the flag
   * set, or undefined where the two were alike already or the flag cannot be set.
   */
  private matchNoCow(srcFd: number, dstFd: number): boolean | undefined {
    const want = this.noCowOf(srcFd);
    const had = this.flagsOf(dstFd);
    if (had === undefined || ((had & FS_NOCOW_FL) !== 0 ? want : !want)) return undefined;
    const flags = new Uint8Array(8);
    new DataView(flags.buffer).setUint32(0, want ? had | FS_NOCOW_FL : had & ~FS_NOCOW_FL, true);
    return this.libc.ioctlPtr(dstFd, FS_IOC_SETFLAGS, flags) === 0 ? want : undefined;
  }

  /**
   * FICLONE of `srcFd` into the new, empty file `dstFd`. Where btrfs refuses it because the two
   * differ in nodatacow (EINVAL), `dstFd` is made like the source (matchNoCow) and the clone is
   * made then: asked only after that refusal, so other clones pay nothing for it. Returns the
   * flag so set (undefined: nothing was changed); throws the named failure (cloneFail).
   */
  protected ficloneNew(srcFd: number, dstFd: number, paths: string[]): boolean | undefined {
    if (this.libc.ioctlInt(dstFd, FICLONE, srcFd) === 0) return undefined;
    const errno = this.libc.errno();
    const noCow = errno === EINVAL ? this.matchNoCow(srcFd, dstFd) : undefined;
    if (noCow !== undefined && this.libc.ioctlInt(dstFd, FICLONE, srcFd) === 0) return noCow;
    throw this.cloneFail('clone', 'ioctl(FICLONE)', paths, srcFd, dstFd, noCow === undefined ? errno : undefined);
  }

  /**
   * A failed FICLONE / FICLONERANGE from `srcFd` into `dstFd`. btrfs answers EINVAL, as for a
   * misaligned range, when one file is nodatacow and the other is not (a new file inherits +C
   * from its folder): that is named (E_NODATACOW), so the person is not sent to check offsets,
   * and a copy may stand in for it as for any file system that cannot share the blocks.
   */
  protected cloneFail(operation: Operation, syscall: string, paths: string[], srcFd: number, dstFd: number, errno?: number): FsctlError {
    const err = this.fail(operation, syscall, paths, srcFd, errno);
    if (err.code !== 'EINVAL' || this.noCowOf(srcFd) === this.noCowOf(dstFd)) return err;
    const [source, destination] = paths.length > 1 ? paths : [paths[0], paths[0]];
    const which = this.noCowOf(srcFd)
      ? `${source} is nodatacow (chattr +C) and ${destination} is not`
      : `${destination} is nodatacow (chattr +C, as a file made in a +C folder is) and ${source} is not`;
    return new FsctlError({
      operation,
      code: 'E_NODATACOW',
      errno: err.errno,
      paths,
      syscall,
      message: `${operation}: ${which}, and btrfs shares blocks only between files alike in that (EINVAL from ${syscall}, E_NODATACOW); clone where both are alike (lsattr shows C), or allow a copy.`,
      cause: err,
    });
  }

  protected statfsFd(operation: Operation, fd: number, p: string): StatfsResult {
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
      readOnlyMount: (s.flags & ST_RDONLY) !== 0n,
    };
  }

  protected tryStatfs(fd: number): StatfsResult | undefined {
    try {
      return this.statfsFd('volume', fd, '');
    } catch {
      return undefined;
    }
  }

  protected resolveWindow(window: ByteRange | undefined, size: bigint, operation: Operation, p: string): { start: bigint; end: bigint } {
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

  /** SEEK_DATA/SEEK_HOLE walk of [start, end) on an open file; returns the data ranges (its calls counted in `count` as lseek too). */
  protected seekRanges(
    f: OpenFile,
    start: bigint,
    end: bigint,
    operation: Operation,
    ctx: OpContext,
    count?: CallCount,
  ): { ranges: ByteRange[]; calls: number } {
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
      // btrfs answers SEEK_HOLE for data that runs to 2^63 - 1 with -2^63 (its end overflows an
      // off_t; `xfs_io seek` calls it an invalid result): the only hole after it is end-of-file.
      const holeStart = h === -1 || h === -1n || big(h) < dataStart ? stop : big(h);
      const rangeEnd = holeStart < stop ? holeStart : stop;
      if (rangeEnd > dataStart) ranges.push({ offset: dataStart, length: rangeEnd - dataStart });
      if (holeStart <= pos) break; // no progress: never loop forever on a confused file system
      pos = holeStart;
      if (ranges.length % 256 === 0) ctx.progress({ done: pos - start, total: stop - start });
    }
    count?.other(LINUX_CALL.lseek, calls);
    return { ranges, calls };
  }
}

/**
 * In the caller's thread an AbortSignal can only fire when the event loop turns: long loops
 * yield now and then (EngineContext.maybeYield, ~every 20 ms). In the worker it is a no-op.
 */
export async function yieldIfInThread(ctx: OpContext): Promise<void> {
  const y = (ctx as Partial<EngineContext>).maybeYield;
  if (y) await y.call(ctx);
}
