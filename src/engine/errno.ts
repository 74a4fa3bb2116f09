// errno numbers <-> names for Linux and macOS, and the sentence a person can act on for each.
// Backends turn every failed libc call into an FsctlError through `errnoError` so that the
// OS code reaches the user by NAME (EXDEV, EOPNOTSUPP) together with what to do about it.

import { FsctlError } from './errors';
import { isExtFamily } from './ext-family';
import type { Operation } from './types';

/** 1-34 are the same on Linux and macOS (both inherit them from V7 Unix) except 11. */
const COMMON: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  5: 'EIO',
  6: 'ENXIO',
  7: 'E2BIG',
  8: 'ENOEXEC',
  9: 'EBADF',
  10: 'ECHILD',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  15: 'ENOTBLK',
  16: 'EBUSY',
  17: 'EEXIST',
  18: 'EXDEV',
  19: 'ENODEV',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  23: 'ENFILE',
  24: 'EMFILE',
  25: 'ENOTTY',
  26: 'ETXTBSY',
  27: 'EFBIG',
  28: 'ENOSPC',
  29: 'ESPIPE',
  30: 'EROFS',
  31: 'EMLINK',
  32: 'EPIPE',
  33: 'EDOM',
  34: 'ERANGE',
};

const LINUX: Record<number, string> = {
  ...COMMON,
  11: 'EAGAIN',
  35: 'EDEADLK',
  36: 'ENAMETOOLONG',
  37: 'ENOLCK',
  38: 'ENOSYS',
  39: 'ENOTEMPTY',
  40: 'ELOOP',
  61: 'ENODATA',
  74: 'EBADMSG',
  75: 'EOVERFLOW',
  95: 'EOPNOTSUPP',
  107: 'ENOTCONN',
  110: 'ETIMEDOUT',
  116: 'ESTALE',
  117: 'EUCLEAN',
  122: 'EDQUOT',
  125: 'ECANCELED',
};

const DARWIN: Record<number, string> = {
  ...COMMON,
  11: 'EDEADLK',
  35: 'EAGAIN',
  45: 'ENOTSUP',
  62: 'ELOOP',
  63: 'ENAMETOOLONG',
  66: 'ENOTEMPTY',
  69: 'EDQUOT',
  70: 'ESTALE',
  78: 'ENOSYS',
  84: 'EOVERFLOW',
  89: 'ECANCELED',
  102: 'EOPNOTSUPP',
};

function table(platform: string = process.platform): Record<number, string> {
  return platform === 'darwin' ? DARWIN : LINUX;
}

/** errno number -> name ('EXDEV'); unknown numbers become 'E<n>'. */
export function errnoName(errno: number, platform?: string): string {
  return table(platform)[errno] ?? `E${errno}`;
}

/** name -> errno number, or undefined when this platform has no such name. */
function errnoNumber(name: string, platform?: string): number | undefined {
  for (const [n, v] of Object.entries(table(platform))) if (v === name) return Number(n);
  return undefined;
}

/** Extra facts that make a sentence precise (the file system name, the block size). */
export interface ErrnoContext {
  filesystem?: string;
  blockSize?: number;
  /** Whose advice (Node's libuv gives Windows errors errno names too); process.platform by default. */
  platform?: string;
}

/**
 * ext4's largest file, as a parenthesis in an EFBIG sentence: its extents address at most
 * (2^32 - 1) blocks (fs/ext4/super.c, ext4_max_size), so the bytes depend on the block size (a
 * trial's ext4 of 1 KiB blocks was said to hold 16 TiB, the figure for 4 KiB; it holds 4 TiB - 1 KiB).
 * '' for ext2 and ext3, which map blocks indirectly and hold less (ext4_max_bitmap_size).
 */
function extLargestFile(fs: string | undefined, blockSize: number | undefined): string {
  if (fs !== 'ext4') return '';
  const head = ' (at most (2^32 - 1) blocks per file: ';
  return blockSize
    ? `${head}${(2n ** 32n - 1n) * BigInt(blockSize)} bytes with its ${blockSize}-byte blocks)`
    : `${head}16 TiB - 4 KiB with 4 KiB blocks)`;
}

const CLONE_OPS: ReadonlySet<Operation> = new Set<Operation>(['clone', 'clone-range']);
/** Operations that only read what they are given (dedupe's writes are refused with EPERM, not EACCES). */
const READ_ONLY_OPS: ReadonlySet<Operation> = new Set<Operation>(['ranges', 'map', 'volume', 'space']);
/** Operations that make a new file in the destination's folder (a clone or copy of a whole file). */
const NEW_FILE_OPS: ReadonlySet<Operation> = new Set<Operation>(['clone', 'copy']);
/** Operations that change the one file they are given, in place. */
const IN_PLACE_OPS: ReadonlySet<Operation> = new Set<Operation>(['punch', 'zero', 'dig-holes', 'set-sparse']);

/** One sentence for `code` in the context of `operation`; it names what to do. */
export function errnoSentence(code: string, operation: Operation, ctx: ErrnoContext = {}): string {
  const fs = ctx.filesystem;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory; check the path';
    case 'EACCES':
      return READ_ONLY_OPS.has(operation)
        ? 'permission denied; you need read access to the file and search (x) access to every folder on its path'
        : IN_PLACE_OPS.has(operation)
          ? 'permission denied; you need write access to the file'
          : operation === 'clone-range'
            ? // it writes into the destination in place: its folder does not matter
              'permission denied; you need read access to the source and write access to the destination'
            : 'permission denied; you need read access to the source and write access to the destination and its folder';
    case 'EPERM':
      return operation === 'dedupe'
        ? fs === 'overlayfs'
          ? // (ovl_remap_file_range: no copy-up for a dedupe, which would duplicate the data instead)
            "overlayfs refuses it if either file is only in a lower layer (it shares blocks only between files both in its upper layer, and copies nothing up for it); run dedupe on the layers' own folders"
          : 'operation not permitted; only the file’s owner, a user who may write it, or root may deduplicate it, and not when it is immutable (see lsattr)'
        : (ctx.platform ?? process.platform) === 'win32'
          ? // libuv's EPERM on Windows: ERROR_ACCESS_DENIED and kin (a read-only file, one in use)
            'operation not permitted; the file may be read-only (clear it with attrib -r) or open in another program, or you lack the permission'
          : NEW_FILE_OPS.has(operation)
            ? // a new name in the destination's folder: an immutable folder refuses it (open(O_CREAT) there
              // said "the file may be immutable" of a file that did not exist)
              'operation not permitted; the destination folder, or a file of that name, may be immutable or append-only (see lsattr -d FOLDER, chattr -i) or you lack the privilege'
            : 'operation not permitted; the file may be immutable or append-only (see lsattr, chattr -i) or you lack the privilege';
    case 'EROFS':
      // (not "make the snapshot writable": a read-only btrfs snapshot is what incremental send/receive relies on)
      return operation === 'dedupe'
        ? // the search reads such files only as sources: this one became read-only after it (a trial said "choose a destination")
          'the file system is read-only (mounted read-only, or a read-only btrfs snapshot), so this file was left as it is; if it became read-only after the search, search again: files that cannot change are then only sources'
        : IN_PLACE_OPS.has(operation) || operation === 'clone-range'
          ? 'the file system is read-only (mounted read-only, or a read-only btrfs snapshot); work on a copy on a writable file system, or remount it read-write if it is meant to be'
          : 'the file system is read-only (mounted read-only, or a read-only btrfs snapshot); choose a destination on a writable file system, or remount it read-write if it is meant to be';
    case 'EXDEV':
      return CLONE_OPS.has(operation)
        ? 'source and destination are on different file systems; block cloning needs both on one file system'
        : 'source and destination are on different file systems';
    case 'EOPNOTSUPP':
    case 'ENOTSUP':
    case 'ENOTTY':
    case 'ENOSYS':
      if (CLONE_OPS.has(operation)) {
        if (isExtFamily(fs)) return `${fs} cannot share blocks; use XFS (mkfs.xfs -m reflink=1) or btrfs, or allow a copy`;
        return `${fs ?? 'this file system'} cannot share blocks (no reflink support); use XFS (mkfs.xfs -m reflink=1) or btrfs, or allow a copy`;
      }
      if (operation === 'dedupe')
        return `${fs ?? 'this file system'} cannot share identical data between files (no FIDEDUPERANGE); deduplication needs btrfs or XFS (mkfs.xfs -m reflink=1); nothing was changed`;
      if (operation === 'punch' || operation === 'zero' || operation === 'dig-holes')
        return `${fs ?? 'this file system'} cannot deallocate ranges (no hole punching)`;
      if (operation === 'map') return `${fs ?? 'this file system'} does not support FIEMAP extent maps`;
      return `${fs ?? 'this file system'} does not support this operation`;
    case 'EINVAL':
      if (operation === 'dedupe')
        return `the file system refused the range: offsets must be multiples of the block size${ctx.blockSize ? ` (${ctx.blockSize} bytes)` : ''}, the length too unless it ends at both files' ends`;
      if (operation === 'clone-range' || operation === 'clone')
        return `the file system refused the range: offsets must be multiples of the block size${ctx.blockSize ? ` (${ctx.blockSize} bytes)` : ''}, the length too unless the range ends at the source's end, and ranges in one file must not overlap`;
      return 'the file system rejected an argument (invalid offset, length or flags)';
    case 'EISDIR':
      return 'is a directory; a regular file is needed';
    case 'ENOTDIR':
      return 'a part of the path is not a directory (a file named where a folder is needed); check each folder on the path';
    case 'ENOSPC':
      // an in-place change has no destination to choose (a trial's zero --keep-allocated filled a tmpfs)
      return IN_PLACE_OPS.has(operation)
        ? 'no space left on the device; free space on it (writing zeros or keeping a range allocated needs blocks for the whole range)'
        : 'no space left on the device; free space or choose another destination';
    case 'EDQUOT':
      return 'the disk quota is exhausted; free space under the quota or ask for a larger one';
    case 'EFBIG':
      // in place (punch at 100 TiB on ext4): no destination to choose, the offset is past what the file can hold
      if (IN_PLACE_OPS.has(operation))
        return `the offset lies beyond the largest file ${fs ?? 'the file system'} allows${extLargestFile(fs, ctx.blockSize)}, so nothing there can be changed; choose a range inside it`;
      return isExtFamily(fs)
        ? `the result would be larger than ${fs} allows${extLargestFile(fs, ctx.blockSize) || ' for one file'}; choose a destination on XFS or btrfs`
        : `the result would be larger than ${fs ?? 'the file system'} allows for one file (or than the process's file size limit, ulimit -f); choose another destination`;
    case 'ETXTBSY':
      return 'the file is busy (a running program or an active swap file); stop using it first';
    case 'EBADF':
      return 'the file is not open for the access this needs (read for the source, write for the destination)';
    case 'EAGAIN':
      return 'the file is locked or busy; try again later';
    case 'EBUSY':
      return 'the file or device is busy; try again when nothing else is using it';
    case 'EEXIST':
      return 'the destination already exists';
    case 'ENXIO':
      return 'no data past this offset';
    case 'EIO':
      return 'an I/O error occurred on the device; check the device and its kernel log';
    // XFS's EFSCORRUPTED and EFSBADCRC, ext4's and btrfs's corrupted metadata (a trial's FIEMAP
    // of a file whose XFS extent btree block was damaged said "failed with E117")
    case 'EUCLEAN':
      return 'the file system found its own records damaged (structure needs cleaning); check its kernel log, then unmount it and repair it (xfs_repair, e2fsck, btrfs check)';
    case 'EBADMSG':
      return 'the file system found a checksum mismatch in its records (damaged on the disk); check its kernel log, then unmount it and repair it (xfs_repair, e2fsck, btrfs check)';
    case 'EOVERFLOW':
      return 'an offset or size is too large for this call';
    case 'ENAMETOOLONG':
      return 'a name is too long (at most 255 bytes per name, 4096 per path); choose a shorter name';
    case 'ELOOP':
      return 'too many symbolic links in the path (a loop of links, or more than 40 in a row); check the links on it with readlink -f';
    case 'EMLINK':
      return 'too many links (the file or folder has as many hard links or subfolders as its file system allows)';
    case 'EINTR':
      return 'the call was interrupted; try again';
    // libuv's UV_UNKNOWN: an OS error it has no name for, its code dropped (under Wine, Node's
    // realpath of a folder whose path is longer than 260 characters fails so: Wine's
    // GetFinalPathNameByHandleW answers ERROR_MORE_DATA whatever the buffer)
    case 'UNKNOWN':
      return (ctx.platform ?? process.platform) === 'win32'
        ? "an error Node.js could not name (libuv's UNKNOWN: the Windows error code is not passed on); check that the path opens in Explorer or with dir, and try a shorter one if it is longer than 260 characters (Wine fails so there)"
        : "an error Node.js could not name (libuv's UNKNOWN: the OS error code is not passed on); check that the path opens (ls -ld) and try again";
    default:
      return `the operation failed with ${code}`;
  }
}

/** The FsctlError for a failed libc call, with the OS code by name and a sentence. */
export function errnoError(operation: Operation, errno: number, syscall: string, paths: string[], ctx: ErrnoContext = {}): FsctlError {
  return osError(operation, errnoName(errno), errno, syscall, paths, ctx);
}

/** The FsctlError for a Node fs error (which already carries the code name). */
export function nodeFsError(operation: Operation, e: unknown, paths: string[], ctx: ErrnoContext = {}): FsctlError {
  if (e instanceof FsctlError) return e;
  const err = e as NodeJS.ErrnoException;
  // Not an OS error at all (a TypeError, a RangeError): a fault of ours, never "check the device"
  // (a trial's dedupe said EIO for a RangeError in its hashing thread; dmesg was clean).
  if (typeof err?.code !== 'string' && typeof err?.errno !== 'number')
    return new FsctlError({
      operation,
      code: 'E_INTERNAL',
      paths,
      message: `${operation}: ${err instanceof Error ? err.message : String(e)}, on ${paths.map(shownPath).join(' -> ')} (E_INTERNAL); this is a fault in Extent Lens, not in the file or the device: try again, and report it (Output › Extent Lens has the details) if it repeats.`,
      cause: e,
    });
  const code = typeof err?.code === 'string' ? err.code : 'EIO';
  const errno = typeof err?.errno === 'number' ? Math.abs(err.errno) : errnoNumber(code);
  return osError(operation, code, errno, err?.syscall ?? 'fs', paths, ctx, e);
}

/** One wording for every OS error: what failed, on which paths, what to do, the code by name. */
function osError(
  operation: Operation,
  code: string,
  errno: number | undefined,
  syscall: string,
  paths: string[],
  ctx: ErrnoContext,
  cause?: unknown,
): FsctlError {
  return new FsctlError({
    operation,
    code,
    errno,
    paths,
    syscall,
    message: `${operation}: ${syscall} failed on ${paths.map(shownPath).join(' -> ')}: ${errnoSentence(code, operation, ctx)} (${code}).`,
    cause,
  });
}

/** A path as a sentence shows it: an empty one (an argument '') as such, not as nothing. */
export function shownPath(p: string): string {
  return p === '' ? "'' (an empty name)" : p;
}
