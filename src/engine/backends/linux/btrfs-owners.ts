// Who references a btrfs data extent: BTRFS_IOC_LOGICAL_INO_V2 with
// BTRFS_LOGICAL_INO_ARGS_IGNORE_OFFSET (every reference to the extent, from every subvolume
// and snapshot; CAP_SYS_ADMIN), and the subvolume of a file: BTRFS_IOC_INO_LOOKUP with
// treeid 0 and objectid 256 (unprivileged). Layouts: linux/btrfs.h (include/uapi).
//
//   struct btrfs_ioctl_logical_ino_args { u64 logical, size, reserved[3], flags, inodes; } 56 bytes
//   struct btrfs_data_container { u32 bytes_left, bytes_missing, elem_cnt, elem_missed; u64 val[]; }
//     val: (inum, offset, root) triples; elem_cnt counts u64 values
//   struct btrfs_ioctl_ino_lookup_args { u64 treeid, objectid; char name[4080]; } 4096 bytes

import * as fs from 'node:fs';
import type { ExtentOwnerQuery, OwnedStretch } from '../../backend-ext';
import { errnoError, errnoName, nodeFsError } from '../../errno';
import { FsctlError } from '../../errors';
import type { Libc } from './libc';
import { osPath } from '../../os-path';

/** _IOWR(0x94, 59, struct btrfs_ioctl_logical_ino_args) */
export const BTRFS_IOC_LOGICAL_INO_V2 = 0xc038943b;
/** _IOWR(0x94, 18, struct btrfs_ioctl_ino_lookup_args) */
export const BTRFS_IOC_INO_LOOKUP = 0xd0009412;
const IGNORE_OFFSET = 1n;
const FIRST_FREE_OBJECTID = 256n;
/** The kernel's cap for the V2 container. */
const MAX_CONTAINER = 16 * 1024 * 1024;

/** True when `p` lives on btrfs (statfs f_type BTRFS_SUPER_MAGIC); false when unsure. */
export function isBtrfs(p: string): boolean {
  try {
    return BigInt.asUintN(32, fs.statfsSync(osPath(p), { bigint: true }).type) === 0x9123683en;
  } catch {
    return false;
  }
}

export function btrfsOwnerQuery(libc: Libc, anyPath: string): ExtentOwnerQuery {
  if (!libc.nativeBuffer) throw new Error('btrfs owner queries need native buffers');
  let fd: number;
  try {
    fd = fs.openSync(osPath(anyPath), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw nodeFsError('space', e, [anyPath]);
  }
  // Small at first: the kernel zeroes the whole container and copies all of it back on every
  // call (~24 bytes per reference; 4 KiB holds 168), so a large one costs every query. It grows
  // when the kernel says references were missed.
  let size = 4 * 1024;
  let container = libc.nativeBuffer(size);
  const args = new Uint8Array(56);
  const argv = new DataView(args.buffer);
  const lookup = new Uint8Array(4096);
  const lookupv = new DataView(lookup.buffer);

  /** Every subvolume:inode referencing the extent that holds `physical`. */
  const referencing = (physical: bigint): Set<string> => {
    for (;;) {
      args.fill(0);
      argv.setBigUint64(0, physical, true);
      argv.setBigUint64(8, BigInt(size), true);
      argv.setBigUint64(40, IGNORE_OFFSET, true);
      argv.setBigUint64(48, container.address, true);
      if (libc.ioctlPtr(fd, BTRFS_IOC_LOGICAL_INO_V2, args) !== 0) {
        const errno = libc.errno();
        if (errnoName(errno) === 'EPERM')
          throw new FsctlError({
            operation: 'space',
            code: 'EPERM',
            errno,
            paths: [anyPath],
            syscall: 'ioctl(BTRFS_IOC_LOGICAL_INO_V2)',
            message: 'the exact figure needs root: BTRFS_IOC_LOGICAL_INO_V2 (who references each shared extent) was refused (EPERM).',
          });
        throw errnoError('space', errno, 'ioctl(BTRFS_IOC_LOGICAL_INO_V2)', [anyPath]);
      }
      const v = new DataView(container.bytes.buffer, container.bytes.byteOffset, size);
      const missing = v.getUint32(4, true);
      const count = v.getUint32(8, true);
      if (missing > 0 && size < MAX_CONTAINER) {
        container.free();
        size = Math.min(MAX_CONTAINER, Math.max(size * 2, size + missing + 1024));
        container = libc.nativeBuffer!(size);
        continue;
      }
      if (missing > 0) throw new Error(`more than ${MAX_CONTAINER} bytes of references to the extent at ${physical}`);
      const out = new Set<string>();
      for (let i = 0; i + 2 < count; i += 3) out.add(`${v.getBigUint64(16 + (i + 2) * 8, true)}:${v.getBigUint64(16 + i * 8, true)}`);
      return out;
    }
  };

  const rootOf = (p: string): bigint => {
    let f: number;
    try {
      f = fs.openSync(osPath(p), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      throw nodeFsError('space', e, [p]);
    }
    try {
      lookup.fill(0);
      lookupv.setBigUint64(8, FIRST_FREE_OBJECTID, true);
      if (libc.ioctlPtr(f, BTRFS_IOC_INO_LOOKUP, lookup) !== 0) throw errnoError('space', libc.errno(), 'ioctl(BTRFS_IOC_INO_LOOKUP)', [p]);
      return lookupv.getBigUint64(0, true);
    } finally {
      fs.closeSync(f);
    }
  };

  // Every file sharing an extent asks for it: one ioctl per extent. The root per st_dev (each
  // subvolume has its own).
  const byPhysical = new Map<bigint, Set<string>>();
  const rootByDev = new Map<bigint, bigint>();
  return {
    method: 'BTRFS_IOC_LOGICAL_INO_V2',
    fileKey: (path, dev, ino) => {
      let root = rootByDev.get(dev);
      if (root === undefined) rootByDev.set(dev, (root = rootOf(path)));
      return `${root}:${ino}`;
    },
    owners: (start, end): OwnedStretch[] => {
      let owners = byPhysical.get(start);
      if (!owners) byPhysical.set(start, (owners = referencing(start)));
      return [{ start, end, owners }];
    },
    close: () => {
      container.free();
      fs.closeSync(fd);
    },
  };
}
