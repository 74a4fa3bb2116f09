// The Linux backend's clones: whole files (FICLONE) and ranges (FICLONERANGE). One layer of
// LinuxBackend (see base.ts).
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
//   5. the new file's mode and exact size are read back, and the source's permission bits set
//      (fchmod only when they differ: it is a logged transaction on XFS);
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
import { encodeFileCloneRange } from './codec';
import { errnoError, nodeFsError } from '../../errno';
import { kindOfMode, notRegularError } from '../../file-kind';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_FOLLOW,
  FICLONE,
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
import type { OperationReport } from '../../types';
import { EINVAL, elapsed, ENOENT, ENOSYS, EOPNOTSUPP, now, yieldIfInThread } from './base';
import { LinuxVolumes } from './volume';

/** FICLONERANGE chunk: the kernel takes any length, chunks only give progress and cancel points. */
const CLONE_CHUNK = 1n << 30n;
/** open(dir, O_TMPFILE) on a kernel (< 3.11) that does not know the flag. */
const EISDIR = 21;

const { O_RDONLY, O_RDWR, O_NONBLOCK, O_CREAT, O_EXCL } = fs.constants;
const OPEN_SOURCE = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
const OPEN_UNNAMED = O_TMPFILE | O_RDWR | O_CLOEXEC;
const OPEN_TEMP = O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC;

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
    const perm = this.regularSourceMode(source) & 0o7777;
    const createMode = (perm & 0o777) | 0o600;
    const src = libc.open(source, OPEN_SOURCE, 0);
    if (src < 0) throw this.fail('clone', 'open', [source]);
    let fd = -1;
    let named = false; // the new file has the temporary name
    let size: bigint;
    try {
      if (this.linkMode !== 'none') {
        fd = libc.open(to.dir, OPEN_UNNAMED, createMode);
        if (fd < 0) {
          const e = libc.errno();
          if (e !== EOPNOTSUPP && e !== EISDIR && e !== EINVAL) throw errnoError('clone', e, 'open(O_TMPFILE)', [destination]);
        }
      }
      if (fd < 0) {
        fd = libc.open(to.temp, OPEN_TEMP, createMode);
        if (fd < 0) throw this.fail('clone', 'open', [destination]);
        named = true;
      }
      if (libc.ioctlInt(fd, FICLONE, src) !== 0) throw this.fail('clone', 'ioctl(FICLONE)', [source, destination], src);
      size = this.keepPermissions(fd, perm, destination);
    } catch (e) {
      if (fd >= 0) libc.close(fd);
      if (named) unlinkQuietly(to.temp);
      throw e;
    } finally {
      libc.close(src);
    }
    ctx.progress({ done: size, total: size });
    return this.pending(fd, named, to, perm, size);
  }

  /** The new file's name step and cleanup (step 6). */
  private pending(fd: number, named: boolean, target: NewFileTarget, perm: number, bytes: bigint): PendingClone {
    let placed = false;
    return {
      bytes,
      place: (to, replace) => {
        if (placed || fd < 0) throw new Error('clone: this clone was placed or closed already');
        if (!named) {
          const e = this.linkTmpfile(fd, replace ? target.temp : to);
          if (e === 0 && !replace) {
            placed = true;
            return;
          }
          if (e > 0) throw errnoError('clone', e, 'linkat', [to]);
          // The temporary name, then a replacing rename; or, where this process cannot name an
          // unnamed inode at all (e = -1), a clone of the clone under the temporary name.
          if (e === -1) fd = this.cloneUnder(fd, target.temp, perm, to);
          named = true;
        }
        const e = replace ? this.renameReplacing(target.temp, to) : this.renameNoReplace(target.temp, to);
        if (e !== 0) throw errnoError('clone', e, replace ? 'rename' : 'renameat2(RENAME_NOREPLACE)', [to]);
        placed = true;
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
        mode = fs.statSync(source).mode; // glibc < 2.28 has no statx()
      } catch (e) {
        throw nodeFsError('clone', e, [source]);
      }
    }
    const kind = kindOfMode(mode);
    if (kind !== 'file') throw notRegularError('clone', source, kind);
    return mode;
  }

  /**
   * Step 5: the source's permission bits on the new file (like cp --reflink), not the umask's
   * or a default ACL's, and the exact size that was cloned. The mode read back is what the
   * kernel actually made, after FICLONE, which may clear set-id bits (the open mode never has
   * them, so a set-id source always gets the fchmod).
   */
  private keepPermissions(fd: number, perm: number, destination: string): bigint {
    let mode: number;
    let size: bigint;
    if (this.libc.statx) {
      if (this.libc.statx(fd, '', AT_EMPTY_PATH, STATX_MODE | STATX_SIZE, this.statxBuf) !== 0)
        throw this.fail('clone', 'statx', [destination]);
      mode = this.statxView.getUint16(STATX_MODE_OFFSET, true);
      size = this.statxView.getBigUint64(STATX_SIZE_OFFSET, true);
    } else {
      const st = fs.fstatSync(fd, { bigint: true });
      mode = Number(st.mode);
      size = st.size;
    }
    if ((mode & 0o7777) !== perm && this.libc.fchmod(fd, perm) !== 0) throw this.fail('clone', 'fchmod', [destination]);
    return size;
  }

  /**
   * Where an unnamed inode cannot be named here: the clone cloned again (no data copied) into a
   * new file named `temp`, which replaces it. Returns the new descriptor; `fd` is closed.
   */
  private cloneUnder(fd: number, temp: string, perm: number, destination: string): number {
    const libc = this.libc;
    const t = libc.open(temp, OPEN_TEMP, (perm & 0o777) | 0o600);
    if (t < 0) throw this.fail('clone', 'open', [destination]);
    try {
      if (libc.ioctlInt(t, FICLONE, fd) !== 0) throw this.fail('clone', 'ioctl(FICLONE)', [destination], fd);
      this.keepPermissions(t, perm, destination);
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
      fs.renameSync(from, to); // glibc < 2.28: no renameat2()
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
}
