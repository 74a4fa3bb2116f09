// The Linux backend's clones: whole files (FICLONE) and ranges (FICLONERANGE). One layer of
// LinuxBackend (see base.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OpContext } from '../../backend';
import { encodeFileCloneRange } from './codec';
import { errnoName } from '../../errno';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_FOLLOW,
  FICLONE,
  FICLONERANGE,
  O_CLOEXEC,
  O_TMPFILE,
  statxBuffer,
  STATX_MODE,
  STATX_MODE_OFFSET,
  STATX_SIZE,
  STATX_SIZE_OFFSET,
  STATX_TYPE,
} from './libc';
import { closeQuietly, intoNewLocalFile, openRegular, type OpenFile } from './files';
import type { OperationReport } from '../../types';
import { EEXIST, elapsed, ENOENT, now, yieldIfInThread } from './base';
import { LinuxVolumes } from './volume';

/** FICLONERANGE chunk: the kernel takes any length, chunks only give progress and cancel points. */
const CLONE_CHUNK = 1n << 30n;
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

const { O_RDONLY, O_RDWR, O_NONBLOCK } = fs.constants;
/** The clone fast path's source (never blocks on a FIFO swapped in after the type check). */
const OPEN_SOURCE = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
/** The clone fast path's unnamed inode in the destination folder. */
const OPEN_UNNAMED = O_TMPFILE | O_RDWR | O_CLOEXEC;

export class LinuxClones extends LinuxVolumes {
  /**
   * How linkat names an O_TMPFILE inode: 'empty' = linkat(fd, "", AT_EMPTY_PATH) (root, or
   * any caller on Linux >= 6.10), 'proc' = linkat("/proc/self/fd/N", AT_SYMLINK_FOLLOW),
   * 'none' = neither works here. Learnt on first use.
   */
  private linkMode: 'empty' | 'proc' | 'none' | undefined;
  /** Reused by cloneToNewName (one synchronous call at a time per thread). */
  private readonly statx = statxBuffer();


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
}
