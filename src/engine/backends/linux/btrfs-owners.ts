// Who references a btrfs data extent: BTRFS_IOC_LOGICAL_INO_V2 with
// BTRFS_LOGICAL_INO_ARGS_IGNORE_OFFSET (every reference to the extent, from every subvolume
// and snapshot; CAP_SYS_ADMIN), and the subvolume of a file: BTRFS_IOC_INO_LOOKUP with
// treeid 0 and objectid 256 (unprivileged). Layouts: linux/btrfs.h (include/uapi).
//
//   struct btrfs_ioctl_logical_ino_args { u64 logical, size, reserved[3], flags, inodes; } 56 bytes
//   struct btrfs_data_container { u32 bytes_left, bytes_missing, elem_cnt, elem_missed; u64 val[]; }
//     val: (inum, offset, root) triples; elem_cnt counts u64 values
//   struct btrfs_ioctl_ino_lookup_args { u64 treeid, objectid; char name[4080]; } 4096 bytes
//   struct btrfs_ioctl_search_key { u64 tree_id, min_objectid, max_objectid, min_offset, max_offset,
//     min_transid, max_transid; u32 min_type, max_type, nr_items, unused; u64 unused1..4; } 104 bytes,
//     then u64 buf_size and the buffer: items as { u64 transid, objectid, offset; u32 type, len; } + data
//   struct btrfs_file_extent_item (packed) { u64 generation, ram_bytes; u8 compression, encryption;
//     u16 other_encoding; u8 type (0 inline, 1 regular, 2 preallocated); u64 disk_bytenr,
//     disk_num_bytes, offset, num_bytes; } (disk_bytenr at 21; 0 = a hole)
// BTRFS_IOC_TREE_SEARCH_V2 (CAP_SYS_ADMIN) reads a file's extent items from its subvolume's tree:
// what compsize reads. FIEMAP gives only the bytes a file references, uncompressed.
// A reference found outside the selection is named by a path where one leads to it (`nameOf`,
// what `btrfs inspect-internal subvolid-resolve` and `inode-resolve` do): the subvolume's
// ROOT_BACKREF in the tree of trees (tree 1) gives its parent, the folder and its name there,
//   struct btrfs_root_ref { u64 dirid, sequence; u16 name_len; } then the name,
// BTRFS_IOC_INO_LOOKUP with a treeid (CAP_SYS_ADMIN) the path of an inode inside a subvolume,
// and /proc/self/mountinfo where that part of the file system is mounted.

import * as fs from 'node:fs';
import type { ExtentOwnerQuery } from '../../backend-ext';
import { errnoError, errnoName, nodeFsError } from '../../errno';
import { FsctlError } from '../../errors';
import type { Libc } from './libc';
import { fromOsBytes, osPath } from '../../os-path';
import { mountOf, readMounts, type Mount } from '../../space-fs';
import { shellQuoted } from '../../shell-quoted';
import { realPath } from '../../real-path';

/** _IOWR(0x94, 59, struct btrfs_ioctl_logical_ino_args) */
export const BTRFS_IOC_LOGICAL_INO_V2 = 0xc038943b;
/** _IOWR(0x94, 18, struct btrfs_ioctl_ino_lookup_args) */
export const BTRFS_IOC_INO_LOOKUP = 0xd0009412;
/** _IOWR(0x94, 17, struct btrfs_ioctl_search_args_v2): the 112-byte header, the result buffer after it. */
export const BTRFS_IOC_TREE_SEARCH_V2 = 0xc0709411;
/** The key type of a file's extent items (struct btrfs_file_extent_item), keyed (inode, 108, file offset). */
const EXTENT_DATA_KEY = 108;
const U64_MAX = (1n << 64n) - 1n;
/** Room for ~3,000 extent items per call (32-byte header + 53-byte item each). */
const SEARCH_BUF = 256 * 1024;
/** A header and the largest extent item: an inline one holds at most a page of data (64 KiB pages are the most Linux has). */
const ROOM_FOR_ANY_ITEM = 32 + 21 + 65536;
/** Selected inodes at most this far apart are read in one key range (what lies between is a few items per inode). */
const RUN_GAP = 64n;
const IGNORE_OFFSET = 1n;
const FIRST_FREE_OBJECTID = 256n;
/** The tree of trees, where each subvolume's ROOT_BACKREF item (key type 144) names its parent. */
const ROOT_TREE_OBJECTID = 1n;
const ROOT_BACKREF_KEY = 144;
/** The objectid (-5) and key type of the orphan items a deleted subvolume leaves in the tree of trees until it is dropped. */
const ORPHAN_OBJECTID = U64_MAX - 4n;
const ORPHAN_ITEM_KEY = 48;
/** The top-level subvolume. */
const FS_TREE_OBJECTID = 5n;
/** The kernel's cap for the V2 container. */
const MAX_CONTAINER = 16 * 1024 * 1024;

export function btrfsOwnerQuery(libc: Libc, anyPath: string): ExtentOwnerQuery {
  if (!libc.nativeBuffer) throw new Error('btrfs owner queries need native buffers');
  let fd: number;
  try {
    fd = fs.openSync(osPath(anyPath), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw nodeFsError('space', e, [anyPath]);
  }
  /**
   * The error of a privileged query that failed: EPERM says the exact figure needs root; ENOENT
   * says `whenMissing` where given; anything else is named as it is.
   */
  const failed = (ioctl: string, path: string, what: string, whenMissing?: string): never => {
    const errno = libc.errno();
    const code = errnoName(errno);
    const message =
      code === 'EPERM'
        ? `the exact figure needs root: ${ioctl} (${what}) was refused (EPERM).`
        : code === 'ENOENT'
          ? whenMissing
          : undefined;
    if (message) throw new FsctlError({ operation: 'space', code, errno, paths: [path], syscall: `ioctl(${ioctl})`, message });
    throw errnoError('space', errno, `ioctl(${ioctl})`, [path]);
  };

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
      if (libc.ioctlPtr(fd, BTRFS_IOC_LOGICAL_INO_V2, args) !== 0)
        failed(
          'BTRFS_IOC_LOGICAL_INO_V2',
          anyPath,
          'who references each shared extent',
          // Seen for extents written since btrfs last committed (FIEMAP_FLAG_SYNC writes the
          // data, not the transaction): the query finds no references to them yet.
          `btrfs named no owner of the shared extent at physical offset ${physical} (ENOENT): data written since its last ` +
            'commit (up to 30 s) is not yet in its extent tree. Run `sync` (or `btrfs filesystem sync` on the mount) and ask again.',
        );
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

  const search = new Uint8Array(112 + SEARCH_BUF);
  const searchv = new DataView(search.buffer);
  /**
   * TREE_SEARCH_V2 in tree `tree` from key (minObj, minType, minOff) to (maxObj, maxType, any
   * offset), at most `items` items: into `search` (the count at 64, the items from 112). False
   * when the kernel refused (errno says why).
   */
  const searchTree = (
    tree: bigint,
    minObj: bigint,
    minType: number,
    minOff: bigint,
    maxObj: bigint,
    maxType: number,
    items: number,
  ): boolean => {
    search.fill(0, 0, 112);
    searchv.setBigUint64(0, tree, true);
    searchv.setBigUint64(8, minObj, true);
    searchv.setBigUint64(16, maxObj, true);
    searchv.setBigUint64(24, minOff, true);
    searchv.setBigUint64(32, U64_MAX, true);
    searchv.setBigUint64(48, U64_MAX, true);
    searchv.setUint32(56, minType, true);
    searchv.setUint32(60, maxType, true);
    searchv.setUint32(64, items, true);
    searchv.setBigUint64(104, BigInt(SEARCH_BUF), true);
    return libc.ioctlPtr(fd, BTRFS_IOC_TREE_SEARCH_V2, search) === 0;
  };
  /**
   * The data extents of the inodes `inos` (ascending) of subvolume `root`, item by item in key
   * order (by inode, then file offset): `each(ino, logical address, size on disk, file offset,
   * bytes of the extent the file references there)`, also for the
   * inodes between them that a key range takes in (the caller skips those). Inodes close
   * together are read in one key range, (first, EXTENT_DATA, 0) .. (last, EXTENT_DATA, max): the
   * range holds every item of the inodes between (their inode items, names, other files' extents),
   * which are skipped, and costs a few calls per thousand files instead of one per file.
   */
  const diskExtents = (
    path: string,
    root: bigint,
    inos: BigUint64Array,
    each: (ino: bigint, bytenr: bigint, bytes: bigint, fileOffset: bigint, fileBytes: bigint, compressed: boolean) => void,
  ): void => {
    for (let k = 0; k < inos.length;) {
      let end = k;
      while (end + 1 < inos.length && inos[end + 1] - inos[end] <= RUN_GAP) end++;
      let obj = inos[k];
      let type = EXTENT_DATA_KEY;
      let off = 0n;
      for (;;) {
        if (!searchTree(root, obj, type, off, inos[end], EXTENT_DATA_KEY, 0xffffffff))
          failed('BTRFS_IOC_TREE_SEARCH_V2', path, 'the extents of each file and their size on disk');
        const n = searchv.getUint32(64, true);
        if (n === 0) break;
        let at = 112;
        let lastAt = at;
        for (let i = 0; i < n; i++) {
          const len = searchv.getUint32(at + 28, true);
          const item = at + 32;
          lastAt = at;
          // other items (inode items, names) skipped first; inline data lives in the metadata
          // (no extent); disk_bytenr 0 is a hole
          if (searchv.getUint32(at + 24, true) === EXTENT_DATA_KEY && len >= 37 && search[item + 20] !== 0) {
            const ino = searchv.getBigUint64(at + 8, true);
            const bytenr = searchv.getBigUint64(item + 21, true);
            // the key's offset is the file offset; num_bytes how much of the extent the file references there
            if (bytenr !== 0n) {
              const fileBytes = len >= 53 ? searchv.getBigUint64(item + 45, true) : 0n;
              // (compression: the byte after ram_bytes; 0 none, else zlib, lzo, zstd)
              const compressed = search[item + 16] !== 0;
              each(ino, bytenr, searchv.getBigUint64(item + 29, true), searchv.getBigUint64(at + 16, true), fileBytes, compressed);
            }
          }
          at = item + len;
        }
        obj = searchv.getBigUint64(lastAt + 8, true);
        off = searchv.getBigUint64(lastAt + 16, true);
        type = searchv.getUint32(lastAt + 24, true);
        // The kernel stops early only when the next item would not fit (the largest, an inline
        // extent, is under a page of data): with that much room left every item has come.
        if (at - 112 <= SEARCH_BUF - ROOM_FOR_ANY_ITEM) break;
        // on from the key after the last one
        if (off < U64_MAX) off++;
        else if (type < 255) {
          type++;
          off = 0n;
        } else {
          obj++;
          type = 0;
          off = 0n;
        }
        if (obj > inos[end]) break;
      }
      k = end + 1;
    }
  };

  /** The path of inode `ino` inside subvolume `root` ('' for the subvolume's own root); undefined when btrfs cannot say. */
  const inSubvolume = (root: bigint, ino: bigint): string | undefined => {
    lookup.fill(0);
    lookupv.setBigUint64(0, root, true);
    lookupv.setBigUint64(8, ino, true);
    if (libc.ioctlPtr(fd, BTRFS_IOC_INO_LOOKUP, lookup) !== 0) return undefined;
    const end = lookup.indexOf(0, 16);
    // "folder/file/" (each name followed by a slash)
    return fromOsBytes(lookup.subarray(16, end < 0 ? lookup.length : end)).replace(/\/$/, '');
  };

  /** Where subvolume `root` lies below the top-level subvolume ('' for that one); undefined when btrfs cannot say. */
  const subvolumePath = (root: bigint): string | undefined => {
    const parts: string[] = [];
    for (let r = root, depth = 0; r !== FS_TREE_OBJECTID; depth++) {
      if (depth > 4096) return undefined;
      if (!searchTree(ROOT_TREE_OBJECTID, r, ROOT_BACKREF_KEY, 0n, r, ROOT_BACKREF_KEY, 1) || searchv.getUint32(64, true) === 0)
        return undefined;
      const parent = searchv.getBigUint64(112 + 16, true);
      const item = 112 + 32;
      const dirid = searchv.getBigUint64(item, true);
      const nameLen = searchv.getUint16(item + 16, true);
      const folder = inSubvolume(parent, dirid);
      if (folder === undefined) return undefined;
      const name = fromOsBytes(search.subarray(item + 18, item + 18 + nameLen));
      parts.unshift(folder === '' ? name : `${folder}/${name}`);
      r = parent;
    }
    return parts.join('/');
  };

  /**
   * Whether subvolume `root` was deleted and btrfs has yet to drop it: `btrfs subvolume delete`
   * leaves an orphan item keyed (ORPHAN, ORPHAN_ITEM, root) in the tree of trees until the cleaner
   * has freed the subvolume's tree and extents (what `btrfs subvolume sync` waits for).
   */
  const isBeingDeleted = (root: bigint): boolean =>
    searchTree(ROOT_TREE_OBJECTID, ORPHAN_OBJECTID, ORPHAN_ITEM_KEY, root, ORPHAN_OBJECTID, ORPHAN_ITEM_KEY, 1) &&
    searchv.getUint32(64, true) > 0 &&
    searchv.getBigUint64(112 + 16, true) === root;

  /** The mounts of this file system, the one holding `anyPath` first (read once per query). */
  let fsMounts: Mount[] | undefined;
  const mountsOfThisFs = (): Mount[] => {
    if (fsMounts) return fsMounts;
    fsMounts = [];
    try {
      const mounts = readMounts();
      const holding = mountOf(realPath(anyPath), mounts);
      if (holding?.fsType === 'btrfs')
        fsMounts = [holding, ...mounts.filter((m) => m !== holding && m.fsType === 'btrfs' && m.source === holding.source)];
    } catch {
      /* no path then */
    }
    return fsMounts;
  };

  /**
   * What to call the file `key` (a fileKey: subvolume:inode): a path that leads to it through a
   * mount of this file system, checked (the same inode of the same subvolume, nothing mounted
   * over it); where none does (a snapshot not mounted anywhere: the file system is mounted with
   * subvol=, or something is mounted over it), its path from the top level with its subvolume,
   * which a storage engineer reaches with `mount -o subvolid=5`; where btrfs cannot say (a
   * deleted file still open, not root), the subvolume and inode. Each file is looked for once
   * (many groups can be kept by the same snapshot file).
   */
  const named = new Map<string, string>();
  const nameOf = (key: string): string => {
    let name = named.get(key);
    if (name === undefined) named.set(key, (name = findName(key)));
    return name;
  };
  const findName = (key: string): string => {
    const colon = key.indexOf(':');
    const root = BigInt(key.slice(0, colon));
    const ino = BigInt(key.slice(colon + 1));
    const sub = subvolumePath(root);
    const inside = sub === undefined ? undefined : inSubvolume(root, ino);
    if (sub === undefined && isBeingDeleted(root)) {
      const mount = mountsOfThisFs()[0]?.mountPoint;
      // (a trial: "stay allocated: … subvolume 258, inode 258 (16 MiB)", read just after deleting the oldest snapshot)
      return (
        `subvolume ${root}, inode ${ino} [a deleted subvolume btrfs is still cleaning up: its extents are freed in the background; ` +
        `btrfs subvolume sync ${mount === undefined ? 'MOUNTPOINT' : shellQuoted(mount)} waits for that, then ask again]`
      );
    }
    if (sub === undefined || inside === undefined) return `subvolume ${root}, inode ${ino}`;
    const full = `/${[sub, inside].filter((x) => x !== '').join('/')}`;
    for (const m of mountsOfThisFs()) {
      const rel = m.root === '/' ? full : full === m.root ? '' : full.startsWith(`${m.root}/`) ? full.slice(m.root.length) : undefined;
      if (rel === undefined) continue;
      const p = m.mountPoint === '/' ? rel || '/' : m.mountPoint + rel;
      try {
        if (fs.lstatSync(osPath(p), { bigint: true }).ino === ino && rootOf(p) === root) return p;
      } catch {
        /* not this way */
      }
    }
    // (brackets: the name goes inside the notes' own parentheses and comma-separated lists)
    return `${full} [subvolume ${root}, not mounted; the path is from the top level]`;
  };

  // The root per st_dev (each subvolume has its own). The caller asks about each extent once.
  const rootByDev = new Map<bigint, bigint>();
  const rootFor = (path: string, dev: bigint): bigint => {
    let root = rootByDev.get(dev);
    if (root === undefined) rootByDev.set(dev, (root = rootOf(path)));
    return root;
  };
  return {
    method: 'BTRFS_IOC_LOGICAL_INO_V2',
    fileKey: (path, dev, ino) => `${rootFor(path, dev)}:${ino}`,
    diskExtents: (path, dev, inos, each) => diskExtents(path, rootFor(path, dev), inos, each),
    referencesTo: referencing,
    nameOf,
    close: () => {
      container.free();
      fs.closeSync(fd);
    },
  };
}
