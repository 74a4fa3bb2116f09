// The Linux backend's file operations for the engine: positional I/O with exact 64-bit offsets
// (sparse-copy, dig-holes), stat, a rename that never replaces, remove and read. One layer of
// LinuxBackend (see base.ts).

import * as fs from 'node:fs';
import type { PathInfo, PositionalIo } from '../../backend-ext';
import { errnoName } from '../../errno';
import { AT_FDCWD, big, RENAME_NOREPLACE } from './libc';
import { closeQuietly, kindOf, openRegular, unlinkQuietly } from './files';
import { EINVAL, ENOSYS, EOPNOTSUPP } from './base';
import { LinuxCopies } from './copy';

export class LinuxIo extends LinuxCopies {
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
}
