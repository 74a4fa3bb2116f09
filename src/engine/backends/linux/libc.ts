// The libc functions the Linux backend calls, declared once through koffi (with libxxhash.ts,
// which loads libxxhash, the only Linux files that load native code). Every function returns the raw C result; callers read
// `errno()` immediately after a failure (a later call may reset it, docs/facts/koffi.md#errno).
//
// ioctl is variadic: it is declared twice with fixed prototypes for the same symbol (one with a
// pointer argument for FIEMAP/FICLONERANGE, one with an int for FICLONE), which is what the
// x86_64 and arm64 calling conventions allow (docs/facts/koffi.md#variadic-functions).
//
// Paths: every `const char *` path goes through cPath (src/engine/os-path.ts) here, in the
// wrappers, so callers pass the engine's strings: a name that is not UTF-8 (its bytes carried as
// lone surrogates) reaches the kernel as those exact bytes, in a NUL-terminated Buffer (koffi
// would encode a string as UTF-8, turning each such byte into U+FFFD: another name).

import koffi = require('koffi');
import { cPath } from '../../os-path';

export interface Libc {
  lseek(fd: number, offset: bigint, whence: number): number | bigint;
  ioctlPtr(fd: number, request: number, arg: Uint8Array): number;
  ioctlInt(fd: number, request: number, arg: number): number;
  copyFileRange(fdIn: number, offIn: BigInt64Array, fdOut: number, offOut: BigInt64Array, len: bigint, flags: number): number | bigint;
  fallocate(fd: number, mode: number, offset: bigint, len: bigint): number;
  ftruncate(fd: number, len: bigint): number;
  fstatfs(fd: number, buf: Uint8Array): number;
  /** syncfs(2): write out the file system of `fd`, so that statfs counts what was freed (dedupe). */
  syncfs(fd: number): number;
  /** fdatasync(2): a copy's data on the disk before the copy gets its name (copy.ts). */
  fdatasync(fd: number): number;
  pread(fd: number, buf: Uint8Array, count: number, offset: bigint): number | bigint;
  pwrite(fd: number, buf: Uint8Array, count: number, offset: bigint): number | bigint;
  renameat2(oldDirFd: number, oldPath: string, newDirFd: number, newPath: string, flags: number): number;
  /** linkat(2): gives an O_TMPFILE inode its name; fails with EEXIST rather than replace. */
  linkat(oldDirFd: number, oldPath: string, newDirFd: number, newPath: string, flags: number): number;
  /** open(2) and close(2) without node:fs's wrappers (~5 µs each, most of a clone's fixed cost). */
  open(path: string, flags: number, mode: number): number;
  close(fd: number): number;
  /** fchmod(2), for the clone core, which reports its own errors. */
  fchmod(fd: number, mode: number): number;
  /** statx(2) into a 256-byte buffer (STATX_*_OFFSET); undefined where glibc has no statx (< 2.28). */
  statx?(dirFd: number, path: string, flags: number, mask: number, buf: Uint8Array): number;
  /** openat(2): `path` relative to the folder open as `dirFd` (the space walk: no path lookup from /). */
  openat(dirFd: number, path: string, flags: number, mode: number): number;
  /**
   * getdents64(2): the entries of the folder open as `fd` into `buf` (struct linux_dirent64);
   * 0 at the end. Undefined where glibc has none (< 2.30).
   */
  getdents64?(fd: number, buf: Uint8Array, count: number): number;
  /**
   * listxattr(2) / getxattr(2) of a path (links followed), fsetxattr(2) / fremovexattr(2) of a
   * descriptor: an overwrite gives the new file the replaced one's (replaced-file.ts). Names are the
   * kernel's bytes, NUL-terminated.
   */
  listxattr?(path: string, list: Uint8Array, size: number): number;
  getxattr?(path: string, name: Uint8Array, value: Uint8Array, size: number): number;
  fsetxattr?(fd: number, name: Uint8Array, value: Uint8Array, size: number, flags: number): number;
  fremovexattr?(fd: number, name: Uint8Array): number;
  /** fcntl(2) with an int argument (leases: F_SETSIG, F_SETLEASE, F_GETLEASE); undefined in stand-ins. */
  fcntl?(fd: number, cmd: number, arg: number): number;
  errno(): number;
  /**
   * Native memory for an ioctl argument that holds a pointer to another buffer (btrfs
   * LOGICAL_INO_V2's `inodes`): its address and a view of its bytes. free() it when done.
   */
  nativeBuffer?(length: number): { address: bigint; bytes: Uint8Array; free(): void };
}

export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;
export const FS_IOC_FIEMAP = 0xc020660b;
export const FICLONE = 0x40049409;
export const FICLONERANGE = 0x4020940d;
/** _IOWR(0x94, 54, struct file_dedupe_range): compare ranges and share them when equal (docs/facts/linux.md#fideduperange). */
export const FIDEDUPERANGE = 0xc0189436;
/** _IOR('f', 1, long): the inode's flags (chattr); the kernel reads and writes an int. */
export const FS_IOC_GETFLAGS = 0x80086601;
/** _IOW('f', 2, long): set the inode's flags (chattr); the kernel reads an int. */
export const FS_IOC_SETFLAGS = 0x40086602;
/** chattr +a: the file may only be appended to (and not renamed over, nor removed). */
export const FS_APPEND_FL = 0x00000020;
/** btrfs nodatacow (chattr +C): such files share extents only with files that are so too. */
export const FS_NOCOW_FL = 0x00800000;
/** ext4: the file maps its blocks with extents (lsattr 'e'); without it, with indirect blocks (ext2, ext3). */
export const FS_EXTENT_FL = 0x00080000;
/** fcntl(2) leases (docs/facts/linux.md#leases): who is told when another opens the file, and how. */
export const F_SETSIG = 10;
export const F_SETLEASE = 1024;
export const F_GETLEASE = 1025;
export const F_WRLCK = 1;
/** Told of a lease break by SIGURG, whose default action is to ignore it: never a kill. */
export const SIGURG = 23;
export const FALLOC_FL_KEEP_SIZE = 0x1;
export const FALLOC_FL_PUNCH_HOLE = 0x2;
export const FALLOC_FL_ZERO_RANGE = 0x10;
export const AT_FDCWD = -100;
export const RENAME_NOREPLACE = 0x1;
/**
 * open(dir, O_TMPFILE | O_RDWR): an unnamed regular file in `dir`. O_TMPFILE is __O_TMPFILE |
 * O_DIRECTORY, and O_DIRECTORY differs by architecture: 0o200000 on x86_64, 0o40000 on arm64
 * (where 0o200000 is O_DIRECT, which the kernel refuses here with EINVAL).
 * See docs/facts/linux.md#o_tmpfile-and-linkat.
 */
export const O_TMPFILE = 0o20000000 | (process.arch === 'arm64' || process.arch === 'arm' ? 0o40000 : 0o200000);
/**
 * open(p, O_PATH): a descriptor that names the file without opening it for reading, so it needs
 * no read permission (only search on the folders) and never opens a device or waits on a FIFO;
 * fstatfs accepts it (Linux 3.12+). The same value on x86_64, arm and arm64.
 */
export const O_PATH = 0o10000000;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_EMPTY_PATH = 0x1000;
/** x86_64 and arm64 values (node:fs does not export O_CLOEXEC; its own opens add it). */
export const O_CLOEXEC = 0o2000000;
export const STATX_TYPE = 0x1;
export const STATX_MODE = 0x2;
export const STATX_INO = 0x100;
export const STATX_SIZE = 0x200;
export const STATX_NLINK = 0x4;
export const STATX_BTIME = 0x800;
/** The mount's ID (Linux 5.8), which a later mount may reuse; STATX_MNT_ID_UNIQUE (6.8): never reused. */
export const STATX_MNT_ID = 0x1000;
export const STATX_MNT_ID_UNIQUE = 0x4000;
/** struct statx is the same on every architecture (include/uapi/linux/stat.h): 256 bytes,
 * stx_mask (u32) at 0, stx_nlink (u32) at 16, stx_mode (u16) at 28, stx_ino (u64) at 32, stx_size (u64) at 40,
 * stx_btime (s64 seconds, u32 ns) at 80, stx_dev_major and stx_dev_minor (u32) at 136 and 140, stx_mnt_id (u64) at 144. */
export const STATX_MASK_OFFSET = 0;
export const STATX_NLINK_OFFSET = 16;
export const STATX_MODE_OFFSET = 28;
export const STATX_INO_OFFSET = 32;
export const STATX_SIZE_OFFSET = 40;
export const STATX_BTIME_OFFSET = 80;
export const STATX_DEV_MAJOR_OFFSET = 136;
export const STATX_DEV_MINOR_OFFSET = 140;
export const STATX_MNT_ID_OFFSET = 144;

let libc: Libc | undefined;

export function loadLibc(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  const lseek = lib.func('int64_t lseek(int fd, int64_t offset, int whence)');
  const ioctlPtr = lib.func('int ioctl(int fd, unsigned long request, void *arg)');
  const ioctlInt = lib.func('int ioctl(int fd, unsigned long request, int arg)');
  const copyFileRange = lib.func(
    'int64_t copy_file_range(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out, size_t len, unsigned int flags)',
  );
  const fallocate = lib.func('int fallocate(int fd, int mode, int64_t offset, int64_t len)');
  const ftruncate = lib.func('int ftruncate(int fd, int64_t length)');
  const fstatfs = lib.func('int fstatfs(int fd, void *buf)');
  const syncfs = lib.func('int syncfs(int fd)');
  const fdatasync = lib.func('int fdatasync(int fd)');
  const pread = lib.func('int64_t pread(int fd, void *buf, size_t count, int64_t offset)');
  const pwrite = lib.func('int64_t pwrite(int fd, const void *buf, size_t count, int64_t offset)');
  // glibc >= 2.28; older systems fall back to link()+unlink() in the engine.
  let renameat2: Libc['renameat2'];
  try {
    const f = lib.func('int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)');
    renameat2 = (a, b, c, d, e) => f(a, cPath(b), c, cPath(d), e) as number;
  } catch {
    renameat2 = () => {
      koffi.errno(38); // ENOSYS: the engine falls back to link()+unlink()
      return -1;
    };
  }
  const linkat = lib.func('int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)');
  // open is variadic like ioctl: a fixed int mode is what the x86_64 and arm64 Linux calling
  // conventions pass for it (docs/facts/koffi.md#variadic-functions).
  const open = lib.func('int open(const char *path, int flags, int mode)');
  const close = lib.func('int close(int fd)');
  // variadic too: an int third argument, as for open
  const fcntl = lib.func('int fcntl(int fd, int cmd, int arg)');
  const fchmod = lib.func('int fchmod(int fd, unsigned int mode)');
  const listxattr = lib.func('int64_t listxattr(const char *path, void *list, size_t size)');
  const getxattr = lib.func('int64_t getxattr(const char *path, const void *name, void *value, size_t size)');
  const fsetxattr = lib.func('int fsetxattr(int fd, const void *name, const void *value, size_t size, int flags)');
  const fremovexattr = lib.func('int fremovexattr(int fd, const void *name)');
  const openat = lib.func('int openat(int dirfd, const char *path, int flags, int mode)');
  let getdents64: Libc['getdents64'];
  try {
    const f = lib.func('int64_t getdents64(int fd, void *buf, size_t count)');
    getdents64 = (fd, buf, count) => Number(c(f(fd, buf, count) as number | bigint));
  } catch {
    getdents64 = undefined; // glibc < 2.30: the space walk takes node:fs's path (src/engine/space.ts)
  }
  let statx: Libc['statx'];
  try {
    const f = lib.func('int statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)');
    statx = (a, b, d, e, g) => c(f(a, cPath(b), d, e, g) as number);
  } catch {
    statx = undefined; // glibc < 2.28: node:fs's stat calls instead
  }
  // errno is captured the moment a call returns -1, before any other JavaScript runs (an
  // allocation could trigger a GC whose own syscalls overwrite errno); errno() returns it.
  let last = 0;
  const c = <T extends number | bigint>(r: T): T => {
    if (r === -1 || r === -1n) last = koffi.errno();
    return r;
  };
  libc = {
    lseek: (fd, offset, whence) => c(lseek(fd, offset, whence) as number | bigint),
    ioctlPtr: (fd, request, arg) => c(ioctlPtr(fd, request, arg) as number),
    ioctlInt: (fd, request, arg) => c(ioctlInt(fd, request, arg) as number),
    copyFileRange: (fdIn, offIn, fdOut, offOut, len, flags) => c(copyFileRange(fdIn, offIn, fdOut, offOut, len, flags) as number | bigint),
    fallocate: (fd, mode, offset, len) => c(fallocate(fd, mode, offset, len) as number),
    ftruncate: (fd, len) => c(ftruncate(fd, len) as number),
    fcntl: (fd, cmd, arg) => c(fcntl(fd, cmd, arg) as number),
    fstatfs: (fd, buf) => c(fstatfs(fd, buf) as number),
    syncfs: (fd) => c(syncfs(fd) as number),
    fdatasync: (fd) => c(fdatasync(fd) as number),
    pread: (fd, buf, count, offset) => c(pread(fd, buf, count, offset) as number | bigint),
    pwrite: (fd, buf, count, offset) => c(pwrite(fd, buf, count, offset) as number | bigint),
    renameat2: (a, b, d, e, f) => c(renameat2(a, b, d, e, f)),
    linkat: (a, b, d, e, f) => c(linkat(a, cPath(b), d, cPath(e), f) as number),
    open: (p, flags, mode) => c(open(cPath(p), flags, mode) as number),
    openat: (dirFd, p, flags, mode) => c(openat(dirFd, cPath(p), flags, mode) as number),
    getdents64,
    close: (fd) => c(close(fd) as number),
    fchmod: (fd, mode) => c(fchmod(fd, mode) as number),
    listxattr: (p, list, size) => Number(c(listxattr(cPath(p), list, size) as number | bigint)),
    getxattr: (p, name, value, size) => Number(c(getxattr(cPath(p), name, value, size) as number | bigint)),
    fsetxattr: (fd, name, value, size, flags) => c(fsetxattr(fd, name, value, size, flags) as number),
    fremovexattr: (fd, name) => c(fremovexattr(fd, name) as number),
    statx,
    errno: () => last,
    nativeBuffer: (length) => {
      const ptr = koffi.alloc('uint8_t', length);
      return {
        address: koffi.address(ptr),
        bytes: new Uint8Array(koffi.view(ptr, length)),
        free: () => koffi.free(ptr),
      };
    },
  };
  return libc;
}

/** koffi returns 64-bit integers as number up to 2^53 and bigint above: always bigint here. */
export function big(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}
