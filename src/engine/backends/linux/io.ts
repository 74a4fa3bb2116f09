// The Linux backend's file operations for the engine: positional I/O with exact 64-bit offsets
// (sparse-copy, dig-holes), stat, a rename that never replaces, remove and read. One layer of
// LinuxBackend (see base.ts).

import * as fs from 'node:fs';
import type { OpContext } from '../../backend';
import type { PathInfo, PositionalIo } from '../../backend-ext';
import { errnoName } from '../../errno';
import { loopDevicesBacking } from './loop-holder';
import {
  AT_FDCWD,
  big,
  F_GETLEASE,
  F_SETLEASE,
  F_SETSIG,
  F_WRLCK,
  SIGURG,
  STATX_BTIME,
  STATX_BTIME_OFFSET,
  STATX_DEV_MAJOR_OFFSET,
  STATX_DEV_MINOR_OFFSET,
  STATX_INO,
  STATX_INO_OFFSET,
  STATX_MASK_OFFSET,
  STATX_MODE,
  STATX_MODE_OFFSET,
  STATX_SIZE,
  STATX_SIZE_OFFSET,
  STATX_TYPE,
} from './libc';
import { kindOfMode } from '../../file-kind';
import { osPath } from '../../os-path';
import { EACCES, EAGAIN, ENOENT } from './base';
import { closeQuietly, kindOf, openRegular, unlinkQuietly } from './files';
import { LinuxCopies } from './copy';

/**
 * glibc's makedev(): the st_dev number node:fs reports (engine.volume's volumeId is made of it),
 * in exact Number arithmetic while it stays below 2^53 (major < 4096: every usual device).
 */
function makedev(major: number, minor: number): string {
  if (major < 0x1000) return (major * 0x100 + (minor & 0xff) + (minor - (minor & 0xff)) * 0x1000).toString();
  const M = BigInt(major);
  const m = BigInt(minor);
  return (((M & 0xfffff000n) << 32n) | ((M & 0xfffn) << 8n) | ((m & 0xffffff00n) << 12n) | (m & 0xffn)).toString();
}

/** A u64 at `offset` as a decimal string (Number arithmetic below 2^53). */
function u64String(v: DataView, offset: number): string {
  const hi = v.getUint32(offset + 4, true);
  return hi < 0x200000 ? (hi * 0x100000000 + v.getUint32(offset, true)).toString() : v.getBigUint64(offset, true).toString();
}

const UNCANCELLED: OpContext = { checkCancelled: () => undefined, progress: () => undefined };

export class LinuxIo extends LinuxCopies {
  /** pread/pwrite/ftruncate/punch with exact 64-bit offsets, for sparse-copy and dig-holes. */
  override readonly io: PositionalIo = {
    pread: (fd, buf, length, offset, p, operation = 'copy') => {
      const n = big(this.libc.pread(fd, buf, length, offset));
      if (n < 0n) throw this.fail(operation, 'pread', [p]);
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
    punch: (fd, offset, length, p, operation) => this.punchFd(fd, offset, length, p, operation),
    blockSize: (fd, p) => this.blockSizeOf(fd, p),
    // between a caller's own cancel checks: one FIEMAP over one punched run
    extentBytes: (fd, offset, length, p, count) => this.extentBytesIn(fd, p, offset, offset + length, UNCANCELLED, count),
    holdAlone: (fd) => this.holdAlone(fd),
    stillAlone: (fd) => this.libc.fcntl?.(fd, F_GETLEASE, 0) === F_WRLCK,
  };

  /**
   * A write lease on `fd` (docs/facts/linux.md#leases): granted only while no other open file
   * refers to the file (EAGAIN otherwise); a later open() elsewhere waits until it is let go
   * (closing `fd`) or the kernel's lease-break-time (45 s) passes, and F_GETLEASE then no
   * longer says F_WRLCK. The break is signalled with SIGURG, ignored by default, so a process
   * that does not poll is never killed by it (SIGIO, the default signal, would end it).
   */
  private holdAlone(fd: number): { inUse: boolean; why: string; loopDevices?: string[] } | undefined {
    const libc = this.libc;
    if (!libc.fcntl) return { inUse: false, why: 'this libc has no fcntl' };
    if (libc.fcntl(fd, F_SETSIG, SIGURG) === 0 && libc.fcntl(fd, F_SETLEASE, F_WRLCK) === 0) return undefined;
    const e = libc.errno();
    const name = errnoName(e);
    if (e === EAGAIN) {
      const st = fs.fstatSync(fd, { bigint: true });
      const loops = loopDevicesBacking(st.dev, st.ino);
      return { inUse: true, why: `${name} from fcntl(F_SETLEASE)`, ...(loops.length ? { loopDevices: loops } : {}) };
    }
    return {
      inUse: false,
      why:
        e === EACCES
          ? `a lease needs the file's owner or CAP_LEASE (${name} from fcntl(F_SETLEASE))`
          : `this file system or kernel gives no leases (${name} from fcntl(F_SETLEASE))`,
    };
  }

  /**
   * What is at `p`, following symlinks, as node:fs's stat says it; a missing name (ENOENT) is kind
   * 'missing', not an error: it is the common case when choosing a destination. Through statx
   * into a reused buffer: a clone stats its destination and folder, and node:fs's bigint Stats
   * objects cost more than the system call.
   */
  async stat(p: string): Promise<PathInfo> {
    if (!this.libc.statx) {
      const st = fs.statSync(osPath(p), { bigint: true, throwIfNoEntry: false });
      if (!st) return { kind: 'missing', size: 0n };
      const born = st.birthtimeNs > 0n ? { born: st.birthtimeNs.toString() } : {};
      return { kind: kindOf(st), size: st.size, fileId: `${st.dev}:${st.ino}`, ...born, volumeId: st.dev.toString() };
    }
    const v = this.statxView;
    if (this.libc.statx(AT_FDCWD, p, 0, STATX_TYPE | STATX_MODE | STATX_INO | STATX_SIZE | STATX_BTIME, this.statxBuf) !== 0) {
      const e = this.libc.errno();
      if (e === ENOENT) return { kind: 'missing', size: 0n };
      const err: NodeJS.ErrnoException = new Error(`stat ${p}: ${errnoName(e)}`);
      err.code = errnoName(e);
      err.errno = -e;
      err.syscall = 'stat';
      throw err;
    }
    const dev = makedev(v.getUint32(STATX_DEV_MAJOR_OFFSET, true), v.getUint32(STATX_DEV_MINOR_OFFSET, true));
    // the birth time, where the file system keeps one: an inode number alone is reused at once (ext4)
    const born =
      (v.getUint32(STATX_MASK_OFFSET, true) & STATX_BTIME) !== 0
        ? { born: `${v.getBigInt64(STATX_BTIME_OFFSET, true)}.${v.getUint32(STATX_BTIME_OFFSET + 8, true)}` }
        : {};
    return {
      kind: kindOfMode(v.getUint16(STATX_MODE_OFFSET, true)),
      size: v.getBigUint64(STATX_SIZE_OFFSET, true),
      fileId: `${dev}:${u64String(v, STATX_INO_OFFSET)}`,
      ...born,
      volumeId: dev,
    };
  }

  /** renameat2(RENAME_NOREPLACE) when not replacing: no window where an existing file is lost. */
  async rename(from: string, to: string, replace: boolean): Promise<void> {
    if (replace) {
      fs.renameSync(osPath(from), osPath(to));
      return;
    }
    const e = this.renameNoReplace(from, to);
    if (e === 0) return;
    const err: NodeJS.ErrnoException = new Error(`rename ${from} -> ${to}: ${errnoName(e)}`);
    err.code = errnoName(e);
    err.errno = -e;
    err.syscall = 'renameat2';
    throw err;
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
}
