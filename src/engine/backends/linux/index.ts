// The Linux backend: SEEK_DATA/SEEK_HOLE, FS_IOC_FIEMAP, FICLONE, FICLONERANGE,
// copy_file_range, fallocate and fstatfs on libc through koffi (libc.ts; the only other Linux
// file that loads koffi is libxxhash.ts, for dedupe's chunk keys). LinuxBackend is assembled
// from one layer per job, each in its own file: base.ts (libc, errors, statfs, the SEEK_DATA
// walk), map.ts, holes.ts, volume.ts, clone.ts, copy.ts, io.ts and dedupe.ts.

import type { Backend } from '../../backend';
import type { BackendExtensions, ExtentOwnerQuery, Xxh128Hasher } from '../../backend-ext';
import { btrfsOwnerQuery } from './btrfs-owners';
import { isBtrfs } from '../../space-fs';
import { LinuxDedupe } from './dedupe';
import { nativeXxh128 } from './libxxhash';
import { isXfs, xfsOwnerQuery } from './xfs-owners';

export class LinuxBackend extends LinuxDedupe implements Backend, BackendExtensions {
  /** btrfs (BTRFS_IOC_LOGICAL_INO_V2; btrfs-owners.ts) and XFS (FS_IOC_GETFSMAP; xfs-owners.ts), as root. */
  extentOwners(p: string): ExtentOwnerQuery | undefined {
    if (isBtrfs(p)) return btrfsOwnerQuery(this.libc, p);
    return isXfs(p) ? xfsOwnerQuery(this.libc, p) : undefined;
  }

  /** XXH3-128 from libxxhash (libxxhash.ts), ~4x the WebAssembly build's speed; undefined without the library. */
  xxh128(): Xxh128Hasher | undefined {
    return nativeXxh128();
  }
}

let backend: LinuxBackend | undefined;

export function createLinuxBackend(): LinuxBackend {
  return (backend ??= new LinuxBackend());
}
