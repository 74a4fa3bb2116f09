// The Linux backend's clones: whole files (FICLONE) and ranges (FICLONERANGE). One layer of
// LinuxBackend (see base.ts). (Just over 400 lines: both clones share the opens, the checks
// and the error rules below; split, each would carry half of them.)
//
// Every whole-file clone goes through one synchronous core, cloneNew, and then gets its name
// from PendingClone.place; the engine (operations.ts) decides the name in between (folder or
// new path, and the fail / rename / overwrite policy on a name that exists):
//   1. the source's type is read before any open (statx): a FIFO or a device is never opened;
//   2. the source is opened O_NONBLOCK, so one swapped in after the check cannot block either
//      (and FICLONE refuses anything but a regular file);
//   3. the new file is an unnamed inode in the destination folder (open(dir, O_TMPFILE)); where
//      the kernel or the file system has no O_TMPFILE, a new temporary name made with O_EXCL;
//   4. FICLONE;
//   5. the new file's exact size is read back. Its mode is cp's for a new file: the source's
//      permission bits (0777, so set-user-ID, set-group-ID and sticky are dropped), created
//      with that mode so the kernel applies the umask (or the folder's default ACL) itself;
//   6. place(): linkat gives the unnamed inode its name and fails with EEXIST rather than
//      replace; a temporary name is renamed with renameat2(RENAME_NOREPLACE) (link + unlink on
//      kernels without it). Only an overwrite the engine has decided on replaces.
// Until place() succeeds the clone has no name but the temporary one, which close() removes:
// an unnamed inode dies with its descriptor, so a failure, a cancel or even a killed process
// leaves nothing behind.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OpContext } from '../../backend';
import type { NewFileTarget, PendingClone } from '../../backend-ext';
import { tempName } from '../../destination';
import { FsctlError, isCancelled } from '../../errors';
import { inPlaceFailure } from '../../in-place-error';
import { encodeFileCloneRange } from './codec';
import { errnoError, nodeFsError } from '../../errno';
import { kindOfMode, notRegularError } from '../../file-kind';
import { osPath } from '../../os-path';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_FOLLOW,
  FICLONERANGE,
  O_CLOEXEC,
  O_TMPFILE,
  RENAME_NOREPLACE,
  STATX_MODE,
  STATX_MODE_OFFSET,
  STATX_SIZE,
  STATX_SIZE_OFFSET,
  STATX_TYPE,
} from './libc';
import { closeQuietly, openRegular, type OpenFile, unlinkQuietly } from './files';
import type { Operation, OperationReport } from '../../types';
import { EACCES, EINVAL, elapsed, ENOENT, ENOSYS, EOPNOTSUPP, now, yieldIfInThread } from './base';
import { LinuxVolumes } from './volume';
import { takeOnReplaced } from './replaced-file';

/**
 * The mode of a new file made from a source of mode `mode`, as cp (without --preserve) makes
 * it: the permission bits only (S_ISUID, S_ISGID and S_ISVTX dropped); passed to open() so the
 * kernel takes the umask away, or applies the folder's default ACL instead.
 */
export function newFileMode(mode: number | bigint): number {
  return Number(mode) & 0o777;
}

/** FICLONERANGE chunk: the kernel takes any length, chunks only give progress and cancel points. */
const CLONE_CHUNK = 1n << 30n;
/** FICLONERANGE failures that can come after part of the range was already remapped. */
const REMAP_PARTIAL = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'ENOMEM', 'EINTR', 'EFBIG']);
/** open(dir, O_TMPFILE) on a kernel (< 3.11) that does not know the flag. */
const EISDIR = 21;
const EPERM = 1;

const { O_RDONLY, O_RDWR, O_NONBLOCK, O_CREAT, O_EXCL } = fs.constants;
const OPEN_SOURCE = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
const OPEN_UNNAMED = O_TMPFILE | O_RDWR | O_CLOEXEC;
const OPEN_TEMP = O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC;

/** What a clone whose nodatacow flag was made to match its source's (matchNoCow) says. */
function noCowNote(source: string, noCow: boolean): string {
  return noCow
    ? `${source} is nodatacow (chattr +C), so its clone is too: btrfs shares blocks only between files alike in that.`
    : `New files in this folder are nodatacow (chattr +C) but ${source} is not, so its clone is not either: btrfs shares blocks only between files alike in that.`;
}

export class LinuxClones extends LinuxVolumes {
  /**
   * How linkat names an O_TMPFILE inode: 'empty' = linkat(fd, "", AT_EMPTY_PATH) (root, or
   * any caller on Linux >= 6.10), 'proc' = linkat("/proc/self/fd/N", AT_SYMLINK_FOLLOW),
   * 'none' = neither works here (no /proc: a chroot or a sandbox), so clones take the
   * temporary name from the start. Learnt on first use.
   */
  private linkMode: 'empty' | 'proc' | 'none' | undefined;
  /** statx buffer, reused (the core and stat are synchronous: one call at a time per thread). */
  protected readonly statxBuf = new Uint8Array(256);
  protected readonly statxView = new DataView(this.statxBuf.buffer);

  /**
   * The whole-file clone core (steps 1-5 in the header): `source` cloned into a new file in
   * `to.dir`, unnamed, or named `to.temp` where unnamed files are not supported. Errors name
   * `to.final`. Throws a named FsctlError, having left nothing; otherwise the caller must
   * place() it (or not) and then close() it.
   */
  cloneNew(source: string, to: NewFileTarget, ctx: OpContext): PendingClone {
    ctx.checkCancelled();
    const destination = to.final;
    const libc = this.libc;
    const perm = newFileMode(this.regularSourceMode(source));
    const src = libc.open(source, OPEN_SOURCE, 0);
    if (src < 0) throw this.fail('clone', 'open', [source]);
    let fd = -1;
    let named = false; // the new file has the temporary name
    let size: bigint;
    let notes: string[] | undefined;
    try {
      ({ fd, named } = this.createNew('clone', to, perm, true));
      const noCow = this.ficloneNew(src, fd, [source, destination]);
      size = this.newFileSize(fd, destination);
      notes = this.notCarried(src, fd, source, size, ctx);
      if (noCow !== undefined) (notes ??= []).push(noCowNote(source, noCow));
    } catch (e) {
      if (fd >= 0) libc.close(fd);
      if (named) unlinkQuietly(to.temp);
      throw e;
    } finally {
      libc.close(src);
    }
    ctx.progress({ done: size, total: size });
    const p = this.pending('clone', fd, named, to, perm, size);
    return notes ? Object.assign(p, { notes }) : p;
  }

  /**
   * Preallocated (unwritten) extents of the source that the clone did not get: XFS clones only
   * written data, so the clone of a fallocated file has holes there and none of that space
   * reserved, though both read the same. Looked for only where the clone holds fewer blocks
   * than the source (two fstat calls): then the maps say how much, within the `size` bytes
   * cloned. XFS also preallocates past the end of a file being appended to (speculative
   * preallocation, freed later): not content, and a trial's note counted 13 MiB of it.
   */
  private notCarried(src: number, dst: number, source: string, size: bigint, ctx: OpContext): string[] | undefined {
    const blocks = (fd: number): bigint => fs.fstatSync(fd, { bigint: true }).blocks;
    if (blocks(dst) >= blocks(src)) return undefined;
    let from: { unwritten: bigint } | undefined;
    let into: { unwritten: bigint } | undefined;
    try {
      from = this.extentBytesIn(src, source, 0n, size, ctx);
      into = this.extentBytesIn(dst, source, 0n, size, ctx);
    } catch (e) {
      if (isCancelled(e)) throw e;
      return undefined; // the clone is made: a map that cannot be read leaves only the note out
    }
    if (!from || !into || into.unwritten >= from.unwritten) return undefined;
    const lost = from.unwritten - into.unwritten;
    return [
      `${lost} bytes of the source are preallocated (unwritten) extents, which this file system does not clone: ` +
        'the clone reads the same (zeros there) but has holes in their place, so that space is not reserved for it ' +
        '(fallocate the clone to reserve it again)',
    ];
  }

  /**
   * Step 3: a new file in `to.dir` with the mode `perm` (the kernel applies the umask or the
   * folder's default ACL, as for cp): unnamed (O_TMPFILE) where the kernel and the file system
   * allow it and this process can name it later, else `to.temp` made with O_EXCL. With
   * `cloneable` false (a copy) an unnamed file is made only where it is known that it can be
   * named without cloning it again (cloneUnder).
   */
  protected createNew(operation: Operation, to: NewFileTarget, perm: number, cloneable: boolean): { fd: number; named: boolean } {
    const libc = this.libc;
    const unnamed = this.linkMode !== 'none' && (cloneable || this.linkMode !== undefined || fs.existsSync('/proc/self/fd'));
    if (unnamed) {
      const fd = libc.open(to.dir, OPEN_UNNAMED, perm);
      if (fd >= 0) return { fd, named: false };
      const e = libc.errno();
      // EPERM/EACCES: a named file says what the folder refuses (/proc/PID: ENOENT, below)
      if (![EOPNOTSUPP, EISDIR, EINVAL, EPERM, EACCES].includes(e)) throw errnoError(operation, e, 'open(O_TMPFILE)', [to.final]);
    }
    const fd = libc.open(to.temp, OPEN_TEMP, perm);
    if (fd < 0) {
      const e = libc.errno();
      // The folder was resolved, yet a new name in it "does not exist": /proc and kin take no new
      // files ("open failed on /proc/x: … check the path" read as a wrong path: a trial).
      if (e === ENOENT && fs.existsSync(osPath(to.dir)))
        throw new FsctlError({
          operation,
          code: 'ENOENT',
          errno: e,
          paths: [to.final],
          syscall: 'open(O_CREAT)',
          message: `${operation}: cannot create ${to.final}: its folder takes no new files (ENOENT from open with O_CREAT, as on /proc); choose a destination on a file system that holds files.`,
        });
      throw this.fail(operation, 'open(O_CREAT)', [to.final], undefined, e);
    }
    return { fd, named: true };
  }

  /** The new file's name step and cleanup (step 6). */
  protected pending(operation: Operation, fd: number, named: boolean, target: NewFileTarget, perm: number, bytes: bigint): PendingClone {
    let placed = false;
    return {
      bytes,
      place: (to, replace) => {
        if (placed || fd < 0) throw new Error(`${operation}: this file was placed or closed already`);
        // Owner, mode and attributes before the file has a name: killed after it, a complete file
        // would be left under the temporary name (a trial forced that with strace).
        let said = replace ? takeOnReplaced(this.libc, operation, fd, to) : [];
        if (!named) {
          const e = this.linkTmpfile(fd, replace ? target.temp : to);
          if (e === 0 && !replace) {
            placed = true;
            return;
          }
          if (e > 0) throw errnoError(operation, e, 'linkat', [to]);
          // The temporary name, then a replacing rename; or, where this process cannot name an
          // unnamed inode at all (e = -1), a clone of the clone under the temporary name.
          if (e === -1) {
            fd = this.cloneUnder(fd, target.temp, perm, to);
            if (replace) said = takeOnReplaced(this.libc, operation, fd, to);
          }
          named = true;
        }
        const e = replace ? this.renameReplacing(target.temp, to) : this.renameNoReplace(target.temp, to);
        if (e !== 0) throw errnoError(operation, e, replace ? 'rename' : 'renameat2(RENAME_NOREPLACE)', [to]);
        placed = true;
        return said;
      },
      close: () => {
        if (fd < 0) return;
        this.libc.close(fd);
        fd = -1;
        if (named && !placed) unlinkQuietly(target.temp);
      },
    };
  }

  /** Step 1: the source's mode, read before any open; anything but a regular file is refused. */
  private regularSourceMode(source: string): number {
    let mode: number;
    if (this.libc.statx) {
      if (this.libc.statx(AT_FDCWD, source, 0, STATX_TYPE | STATX_MODE, this.statxBuf) !== 0) throw this.fail('clone', 'statx', [source]);
      mode = this.statxView.getUint16(STATX_MODE_OFFSET, true);
    } else {
      try {
        mode = fs.statSync(osPath(source)).mode; // glibc < 2.28 has no statx()
      } catch (e) {
        throw nodeFsError('clone', e, [source]);
      }
    }
    const kind = kindOfMode(mode);
    if (kind !== 'file') throw notRegularError('clone', source, kind);
    return mode;
  }

  /** Step 5: the exact size that was cloned, read back from the new file. */
  private newFileSize(fd: number, destination: string): bigint {
    if (!this.libc.statx) return fs.fstatSync(fd, { bigint: true }).size;
    if (this.libc.statx(fd, '', AT_EMPTY_PATH, STATX_SIZE, this.statxBuf) !== 0) throw this.fail('clone', 'statx', [destination]);
    return this.statxView.getBigUint64(STATX_SIZE_OFFSET, true);
  }

  /**
   * Where an unnamed inode cannot be named here: the clone cloned again (no data copied) into a
   * new file named `temp`, which replaces it. Returns the new descriptor; `fd` is closed.
   */
  private cloneUnder(fd: number, temp: string, perm: number, destination: string): number {
    const libc = this.libc;
    const t = libc.open(temp, OPEN_TEMP, perm);
    if (t < 0) throw this.fail('clone', 'open', [destination]);
    try {
      this.ficloneNew(fd, t, [destination]);
    } catch (e) {
      libc.close(t);
      unlinkQuietly(temp);
      throw e;
    }
    libc.close(fd);
    return t;
  }

  /**
   * Give the O_TMPFILE inode `fd` the name `to`: 0 on success, an errno, or -1 when this
   * process can name such inodes by neither method.
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

  /**
   * rename that never replaces: renameat2(RENAME_NOREPLACE), or where the kernel, the file
   * system or glibc has no such flag, link() (which fails with EEXIST) then unlink. 0 or errno.
   */
  protected renameNoReplace(from: string, to: string): number {
    if (this.libc.renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) === 0) return 0;
    const e = this.libc.errno();
    if (e !== EINVAL && e !== ENOSYS && e !== EOPNOTSUPP) return e;
    if (this.libc.linkat(AT_FDCWD, from, AT_FDCWD, to, 0) !== 0) return this.libc.errno();
    unlinkQuietly(from);
    return 0;
  }

  /** A rename that replaces `to` (only for an overwrite the engine has decided on). 0 or errno. */
  private renameReplacing(from: string, to: string): number {
    if (this.libc.renameat2(AT_FDCWD, from, AT_FDCWD, to, 0) === 0) return 0;
    const e = this.libc.errno();
    if (e !== ENOSYS) return e;
    try {
      fs.renameSync(osPath(from), osPath(to)); // glibc < 2.28: no renameat2()
      return 0;
    } catch (err) {
      return Math.abs((err as NodeJS.ErrnoException).errno ?? -5);
    }
  }

  /**
   * Backend.cloneFile: `source` cloned to `target`, a path that must not exist, through the
   * core above (the engine itself uses cloneNew and places the clone by its policy).
   */
  async cloneFile(source: string, target: string, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    const dir = path.dirname(target);
    const p = this.cloneNew(source, { dir, final: target, temp: tempName(dir, path.basename(target)) }, ctx);
    try {
      p.place(target, false);
    } finally {
      p.close();
    }
    return { operation: 'clone', method: 'FICLONE', source, destination: target, bytes: p.bytes, calls: 1, durationMs: elapsed(t0) };
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
    let done = 0n;
    let touchedEnd = targetOffset;
    try {
      dst = openRegular('clone-range', target, 'read-write');
      // length 0 = to the source's end (FICLONERANGE's own convention), resolved here so the
      // report says how many bytes were shared.
      const total = length === 0n ? src.stat.size - sourceOffset : length;
      let calls = 0;
      while (done < total) {
        ctx.checkCancelled();
        const chunk = total - done > CLONE_CHUNK ? CLONE_CHUNK : total - done;
        const arg = encodeFileCloneRange(src.fd, sourceOffset + done, chunk, targetOffset + done);
        touchedEnd = targetOffset + done + chunk; // a failed remap may have shared part of it
        const rc = this.libc.ioctlPtr(dst.fd, FICLONERANGE, arg);
        calls++;
        if (rc !== 0) {
          const err = this.cloneFail('clone-range', 'ioctl(FICLONERANGE)', [source, target], src.fd, dst.fd);
          // Refusals (EXDEV, EOPNOTSUPP, EINVAL, ETXTBSY, ...) are decided before anything is shared.
          if (!REMAP_PARTIAL.has(err.code)) touchedEnd = targetOffset + done;
          throw err;
        }
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
    } catch (e) {
      // Chunks already shared stay shared (growth past the old end cut off again): say which bytes changed.
      throw inPlaceFailure(e, target, dst, targetOffset, done, touchedEnd, "the source's blocks (shared)", (fd, n) => {
        if (this.libc.ftruncate(fd, n) !== 0) throw this.fail('clone-range', 'ftruncate', [target]);
      });
    } finally {
      closeQuietly(src);
      closeQuietly(dst);
    }
  }
}
