// Whole-file clones made with bare system calls through koffi, no engine: the kernel's floor for
// each way of creating the destination, to tell what the kernel charges for a way (and for the
// engine's safety rules) from what the engine's JavaScript adds. Used by bench/clone-file.ts
// ('core', in every `npm run bench`) and bench/clone-syscalls.ts (all ways, by hand).
//
//   creat     open(dst, O_CREAT|O_EXCL), FICLONE: no temporary name (NOT what the engine may do)
//   tmpfile   open(dir, O_TMPFILE), FICLONE, linkat(AT_EMPTY_PATH): the clone core's way
//   rename    open(.tmp, O_CREAT|O_EXCL), FICLONE, renameat2(RENAME_NOREPLACE): the core's way
//             where O_TMPFILE is unsupported
//   core      exactly the calls of an engine clone to a new name on Linux: statx of the
//             destination and of its folder (destination.ts), then LinuxBackend.cloneNew's: statx
//             of the source (its type, before any open), open(O_NONBLOCK), open(dir, O_TMPFILE),
//             FICLONE, statx of the clone (its mode and exact size), then place(): linkat; close x2

import koffi = require('koffi');
import * as fs from 'node:fs';
import * as path from 'node:path';

export type RawWay = 'creat' | 'tmpfile' | 'rename' | 'core';

const C = fs.constants;
const FICLONE = 0x40049409;
const O_TMPFILE = 0o20000000 | 0o200000;
const O_CLOEXEC = 0o2000000;
const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const STATX_TYPE_MODE = 0x3;
const STATX_MODE_SIZE = 0x202;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
/** What the engine's stat asks for (type, mode, inode, size). */
const STATX_DEST = 0x303;

/** A cloner for `src` into `dst` (same folder) by one raw way; throws on any failure. */
export function rawCloner(way: RawWay, src: string, dst: string): () => void {
  const lib = koffi.load('libc.so.6');
  const open = lib.func('int open(const char *p, int flags, int mode)');
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, int arg)');
  const close = lib.func('int close(int fd)');
  const linkat = lib.func('int linkat(int a, const char *b, int c, const char *d, int f)');
  const renameat2 = lib.func('int renameat2(int a, const char *b, int c, const char *d, unsigned int f)');
  const statx = lib.func('int statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)');
  const dir = path.dirname(dst);
  const tmp = path.join(dir, `.${path.basename(dst)}.tmp`);
  const buf = new Uint8Array(256);
  const view = new DataView(buf.buffer);
  const fail = (what: string): never => {
    throw new Error(`${way}: ${what} failed (errno ${koffi.errno()})`);
  };
  return () => {
    if (way === 'core') {
      // The engine's destination checks: the name is free, the folder is a folder.
      if (statx(AT_FDCWD, dst, 0, STATX_DEST, buf) === 0) fail('statx of the destination (it exists)');
      if (statx(AT_FDCWD, dir, 0, STATX_DEST, buf) !== 0 || (view.getUint16(28, true) & S_IFMT) !== S_IFDIR) fail('statx of the folder');
      if (statx(AT_FDCWD, src, 0, STATX_TYPE_MODE, buf) !== 0 || (view.getUint16(28, true) & S_IFMT) !== S_IFREG) fail('statx');
    }
    const s = open(src, C.O_RDONLY | C.O_NONBLOCK | O_CLOEXEC, 0) as number;
    const d = (
      way === 'tmpfile' || way === 'core'
        ? open(dir, O_TMPFILE | C.O_RDWR | O_CLOEXEC, 0o644)
        : open(way === 'rename' ? tmp : dst, C.O_RDWR | C.O_CREAT | C.O_EXCL | O_CLOEXEC, 0o644)
    ) as number;
    if (s < 0 || d < 0) fail('open');
    if (ioctl(d, FICLONE, s) !== 0) fail('FICLONE');
    if (way === 'core' && statx(d, '', AT_EMPTY_PATH, STATX_MODE_SIZE, buf) !== 0) fail('statx of the clone');
    // linkat(AT_EMPTY_PATH) needs root before Linux 6.10.
    if ((way === 'tmpfile' || way === 'core') && linkat(d, '', AT_FDCWD, dst, AT_EMPTY_PATH) !== 0) fail('linkat');
    close(s);
    close(d);
    if (way === 'rename' && renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, 1) !== 0) fail('renameat2');
  };
}
