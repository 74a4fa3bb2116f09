// The Linux backend's deduplication: FIDEDUPERANGE (the kernel compares the bytes and shares them
// only when equal, atomically per range; docs/facts/linux.md#fideduperange), the up-front support
// probe, and free space measured after syncfs. One layer of LinuxBackend (see base.ts).

import * as fs from 'node:fs';
import type { OpContext } from '../../backend';
import type { DedupeOutcome } from '../../backend-ext';
import { errnoError, errnoName, nodeFsError } from '../../errno';
import { FsctlError } from '../../errors';
import { osPath } from '../../os-path';
import {
  decodeFileDedupeInfos,
  decodeStatfs,
  encodeFileDedupeRange,
  FILE_DEDUPE_RANGE_DIFFERS,
  FILE_DEDUPE_RANGE_SAME,
  STATFS_SIZE,
  type StatfsInfo,
} from './codec';
import { FIDEDUPERANGE, O_CLOEXEC } from './libc';
import { closeQuietly, openRegular } from './files';
import { LinuxIo } from './io';
import { EOPNOTSUPP } from './base';

/** The size of the open file `fd` now. */
const ends = (fd: number): bigint => fs.fstatSync(fd, { bigint: true }).size;

/** _IOR(0x94, 60, struct btrfs_ioctl_get_subvol_info_args): 504 bytes, the root item's flags at 288, received_uuid at 328. */
const BTRFS_IOC_GET_SUBVOL_INFO = 0x81f8943c;
const SUBVOL_INFO_SIZE = 504;
const SUBVOL_INFO_FLAGS = 288;
const SUBVOL_INFO_RECEIVED_UUID = 328;
const BTRFS_ROOT_SUBVOL_RDONLY = 1n;
/** A link or a FIFO put in a file's place since the search is neither followed nor waited on. */
const NOCOW_OPEN = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | O_CLOEXEC;

/** Opening a destination read-write can fail where the kernel would still dedupe into it read-only (root, the owner). */
const TRY_READ_ONLY = new Set(['EACCES', 'EPERM', 'ETXTBSY']);

export class LinuxDedupe extends LinuxIo {
  dedupeSupport(p: string): void {
    const f = openRegular('dedupe', p, 'read');
    try {
      // No destinations, no bytes: the kernel answers EOPNOTSUPP where the file system has no
      // remap_file_range (ext4, tmpfs) and 0 where it can dedupe (vfs_dedupe_file_range).
      const arg = encodeFileDedupeRange(0n, 0n, []);
      if (this.libc.ioctlPtr(f.fd, FIDEDUPERANGE, arg) !== 0) {
        const e = this.fail('dedupe', 'ioctl(FIDEDUPERANGE)', [p], f.fd);
        throw e;
      }
      // XFS made without reflink has the call but no sharing: only a range with a destination
      // reaches the file system, which then says EOPNOTSUPP for it (a trial's plan promised 2 MiB
      // there). Its first block onto itself, which no file system shares (the ranges are one:
      // EINVAL where it can dedupe), so nothing changes.
      if (f.stat.size > 0n) {
        const one = encodeFileDedupeRange(0n, f.stat.size < 4096n ? f.stat.size : 4096n, [{ fd: f.fd, offset: 0n }]);
        if (this.libc.ioctlPtr(f.fd, FIDEDUPERANGE, one) === 0 && decodeFileDedupeInfos(one, 1)[0].status === -EOPNOTSUPP)
          throw errnoError('dedupe', EOPNOTSUPP, 'ioctl(FIDEDUPERANGE)', [p], this.errnoContextOf(f.fd));
      }
    } finally {
      closeQuietly(f);
    }
  }

  dedupeRange(
    source: string,
    srcOffset: bigint,
    length: bigint,
    dests: { path: string; offset: bigint }[],
    ctx: OpContext,
  ): DedupeOutcome[] {
    ctx.checkCancelled();
    const src = openRegular('dedupe', source, 'read');
    const fds: number[] = [];
    const out: (DedupeOutcome | undefined)[] = dests.map(() => undefined);
    try {
      const open: { fd: number; offset: bigint; index: number }[] = [];
      dests.forEach((d, i) => {
        const fd = this.openDestination(d.path);
        if (typeof fd === 'number') {
          fds.push(fd);
          open.push({ fd, offset: d.offset, index: i });
        } else out[i] = fd;
      });
      if (open.length > 0) {
        const arg = encodeFileDedupeRange(srcOffset, length, open);
        if (this.libc.ioctlPtr(src.fd, FIDEDUPERANGE, arg) !== 0) {
          const e = this.fail('dedupe', 'ioctl(FIDEDUPERANGE)', [source, ...open.map((o) => dests[o.index].path)], src.fd);
          // the source's range now runs past its end: it shrank since the scan, not a refusal
          if (e.code === 'EINVAL' && ends(src.fd) < srcOffset + length)
            throw new FsctlError({
              operation: 'dedupe',
              code: 'E_CHANGED',
              paths: [source],
              message: `dedupe: ${source}, the source, is shorter than when it was scanned (it shrank); left alone (E_CHANGED).`,
            });
          throw e;
        }
        decodeFileDedupeInfos(arg, open.length).forEach((r, k) => {
          const i = open[k].index;
          if (r.status === FILE_DEDUPE_RANGE_SAME) out[i] = { status: 'same', bytes: r.bytes };
          else if (r.status === FILE_DEDUPE_RANGE_DIFFERS) out[i] = { status: 'differs', bytes: r.bytes, differedBy: 'kernel' };
          else if (errnoName(-r.status) === 'EINVAL' && (ends(src.fd) < srcOffset + length || ends(open[k].fd) < open[k].offset + length))
            // the range now runs past the end of one of the files: it shrank since the scan
            out[i] = {
              status: 'E_CHANGED',
              bytes: r.bytes,
              message: `dedupe: ${dests[i].path} or ${source} is shorter than when it was scanned (it shrank); left alone (E_CHANGED).`,
            };
          else if (errnoName(-r.status) === 'EINVAL' && this.noCowOf(src.fd) !== this.noCowOf(open[k].fd))
            out[i] = {
              status: 'EINVAL',
              bytes: r.bytes,
              message:
                `dedupe: ${source} and ${dests[i].path} cannot share blocks: one is nodatacow (chattr +C) and the other is not, ` +
                'and btrfs shares extents only between files alike in that (EINVAL); left alone.',
            };
          else {
            // (the file system's name: overlayfs's EPERM has its own reason)
            const e = errnoError('dedupe', -r.status, 'ioctl(FIDEDUPERANGE)', [source, dests[i].path], this.errnoContextOf(src.fd));
            out[i] = { status: e.code, bytes: r.bytes, message: e.message };
          }
        });
      }
    } finally {
      closeQuietly(src);
      for (const fd of fds) closeQuietly(fd);
    }
    return out as DedupeOutcome[];
  }

  /**
   * Whether `p` is nodatacow (btrfs, chattr +C: FS_NOCOW_FL); false where that cannot be read.
   * Asked by the search of files it has already mapped and read, once each: open, ioctl and close
   * through koffi, without node:fs's stat and bigint fstat (~8 µs a file here, on the calling thread).
   */
  noCow(p: string): boolean {
    const fd = this.libc.open(p, NOCOW_OPEN, 0);
    if (fd < 0) return false; // the search or the apply reports why it cannot be opened
    try {
      return this.noCowOf(fd);
    } finally {
      this.libc.close(fd);
    }
  }

  /**
   * Of the btrfs subvolume holding `p`: read-only (the root item's BTRFS_ROOT_SUBVOL_RDONLY flag)
   * and received (a received UUID not all zero), from BTRFS_IOC_GET_SUBVOL_INFO (any user, any file
   * in it; docs/facts/linux.md). Undefined where that cannot be read (not btrfs, a kernel before 4.18).
   */
  subvolumeInfo(p: string): { readOnly: boolean; received: boolean } | undefined {
    const fd = this.libc.open(p, NOCOW_OPEN, 0);
    if (fd < 0) return undefined;
    try {
      const info = new Uint8Array(SUBVOL_INFO_SIZE);
      // (it can answer 1, not 0, for a subvolume whose name it did not look up: still filled in)
      if (this.libc.ioctlPtr(fd, BTRFS_IOC_GET_SUBVOL_INFO, info) < 0) return undefined;
      return {
        readOnly: (new DataView(info.buffer).getBigUint64(SUBVOL_INFO_FLAGS, true) & BTRFS_ROOT_SUBVOL_RDONLY) !== 0n,
        received: info.subarray(SUBVOL_INFO_RECEIVED_UUID, SUBVOL_INFO_RECEIVED_UUID + 16).some((b) => b !== 0),
      };
    } finally {
      this.libc.close(fd);
    }
  }

  freeBytesSynced(p: string): bigint {
    const s = this.statfsSynced(p, 'dedupe');
    return s.bfree * (s.frsize > 0n ? s.frsize : s.bsize);
  }

  /**
   * Inodes in use on the file system of `p` after syncfs (XFS: which also finishes inactivating
   * inodes deleted a moment ago, which statfs would otherwise still count).
   */
  inodesInUseSynced(p: string): bigint {
    const s = this.statfsSynced(p, 'space');
    return s.files - s.ffree;
  }

  private statfsSynced(p: string, operation: 'dedupe' | 'space'): StatfsInfo {
    let fd: number;
    try {
      fd = fs.openSync(osPath(p), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      throw nodeFsError(operation, e, [p]);
    }
    try {
      if (this.libc.syncfs(fd) !== 0) throw this.fail(operation, 'syncfs', [p], fd);
      const buf = new Uint8Array(STATFS_SIZE + 8);
      if (this.libc.fstatfs(fd, buf) !== 0) throw this.fail(operation, 'fstatfs', [p], fd);
      return decodeStatfs(buf);
    } finally {
      closeQuietly(fd);
    }
  }

  /** A destination descriptor, read-write where allowed, else read-only; or the reason it could not be opened. */
  private openDestination(p: string): number | DedupeOutcome {
    try {
      return openRegular('dedupe', p, 'read-write').fd;
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'EIO';
      if (TRY_READ_ONLY.has(code))
        try {
          return openRegular('dedupe', p, 'read').fd;
        } catch {
          /* the read-write error is the one to report */
        }
      return { status: code, bytes: 0n, message: (e as Error).message };
    }
  }
}
