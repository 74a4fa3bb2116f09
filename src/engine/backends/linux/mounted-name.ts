// The name of a file system as its mount says it (`df -T`, `findmnt`). ext2, ext3 and ext4 share
// one statfs magic (0xEF53), so statfs calls all three ext4; the mount says which the file
// system is (the kernel's ext4 driver mounts ext2 and ext3 under those names). A storage engineer
// wants the real one: ext2 and ext3 map blocks without extents, and a note or error that says
// "ext4" on an ext3 mount sends them looking for features it does not have. Other names are
// statfs's: the mount table is read only for this magic.
//
// Per-file messages (map notes, error sentences) ask for every file, so the answer is kept per
// file system instance and mount: st_dev, statfs's f_fsid (which ext derives from the file
// system's UUID: a loop device reused for another file system gets a new key) and the mount's
// statx ID (the same file system unmounted and mounted again as another of the family, ext3 then
// ext4, keeps its device and UUID but is a new mount). The mount table is read once per key.

import { devName, readMounts, type Mount } from '../../space-fs';

/** `mountedName` over its own cache and mount-table reader (tests count the reads). */
export function mountedNames(
  read: () => Mount[] = readMounts,
): (statfsName: string, dev: bigint, fsid: string, mountId?: bigint) => string {
  const byInstance = new Map<string, string>();
  return (statfsName, dev, fsid, mountId) => {
    if (statfsName !== 'ext4') return statfsName;
    const key = `${dev}:${fsid}:${mountId ?? ''}`;
    let name = byInstance.get(key);
    if (name === undefined) {
      // where the mount is not found, ext4
      const type = read().find((m) => m.dev === devName(dev))?.fsType;
      name = type === 'ext2' || type === 'ext3' ? type : 'ext4';
      byInstance.set(key, name);
    }
    return name;
  };
}

/**
 * The mount's name for the file system whose statfs name is `statfsName`, on device `dev`
 * (st_dev of a path on it) with statfs f_fsid `fsid`, reached through the mount with statx ID
 * `mountId` (where known): ext2 or ext3 where mounted so, else `statfsName`. One cache for the process.
 */
export const mountedName = mountedNames();
