// Who references XFS data blocks: FS_IOC_GETFSMAP over the reverse-mapping btree (rmapbt), one
// call for many records, paged. Only with CAP_SYS_ADMIN and rmapbt does the kernel name inodes;
// otherwise it still answers, but every used block's owner is "unknown" (it reads the free-space
// btree instead), so the file system's features are read first (XFS_IOC_FSGEOMETRY_V1, no
// privilege needed) to tell the two apart. Layouts: linux/fsmap.h, xfs/xfs_fs.h (include/uapi);
// docs/facts/linux.md#fs_ioc_getfsmap-who-owns-xfs-blocks-space-accounting.
//
//   struct fsmap      { u32 device, flags; u64 physical, owner, offset, length, reserved[3]; }  64 bytes
//   struct fsmap_head { u32 iflags, oflags, count, entries; u64 reserved[6];
//                       struct fsmap keys[2]; struct fsmap recs[count]; }                      192 + 64 * count
//   struct xfs_fsop_geom_v1: ... u32 flags at 92 (XFS_FSOP_GEOM_FLAGS_RMAPBT 1 << 19); 112 bytes
//
// Physical addresses are bytes on one device (the data device here; the realtime device and an
// external log are separate key spaces), the same bytes FIEMAP's fe_physical gives on XFS.

import * as fs from 'node:fs';
import type { ExtentOwnerQuery, OwnedStretch } from '../../backend-ext';
import { errnoName, nodeFsError } from '../../errno';
import { FsctlError } from '../../errors';
import type { Libc } from './libc';
import { osPath } from '../../os-path';

/** _IOWR('X', 59, struct fsmap_head) */
export const FS_IOC_GETFSMAP = 0xc0c0583b;
/** _IOR('X', 100, struct xfs_fsop_geom_v1) */
const XFS_IOC_FSGEOMETRY_V1 = 0x80705864;
const XFS_FSOP_GEOM_FLAGS_RMAPBT = 1 << 19;
const XFS_SUPER_MAGIC = 0x58465342n;

const HEAD = 192;
const REC = 64;
/** Records per call: 512 (32 KiB); a call returns whatever it found up to that. */
const RECS_PER_CALL = 512;
/** How far past the range asked for one call reads (the next ranges are usually near). */
const READ_AHEAD = 64n * 1024n * 1024n;
const FMR_OF_ATTR_FORK = 0x2;
const FMR_OF_EXTENT_MAP = 0x4;
const FMR_OF_SPECIAL_OWNER = 0x10;
const FMR_OF_LAST = 0x20;
/** FMR_OWNER(0, 2): the owner is not known (no rmapbt, or no CAP_SYS_ADMIN). */
const FMR_OWN_UNKNOWN = 2n;
const ALL_ONES = (1n << 64n) - 1n;

/** True when `p` lives on XFS (statfs f_type XFS_SUPER_MAGIC); false when unsure. */
export function isXfs(p: string): boolean {
  try {
    return BigInt.asUintN(32, fs.statfsSync(osPath(p), { bigint: true }).type) === XFS_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/** One GETFSMAP record of a data fork: its physical bytes and who holds them. */
interface Rec {
  start: bigint;
  end: bigint;
  owner: string;
}

function noteError(code: string, message: string, paths: string[], errno?: number): FsctlError {
  return new FsctlError({ operation: 'space', code, errno, paths, message, syscall: 'ioctl(FS_IOC_GETFSMAP)' });
}

const needsRoot = (code: string): string =>
  'the exact figure needs root: FS_IOC_GETFSMAP names who references each shared block only with CAP_SYS_ADMIN ' +
  `(without it XFS reports every owner as unknown) (${code}).`;

export function xfsOwnerQuery(libc: Libc, anyPath: string): ExtentOwnerQuery {
  let fd: number;
  let dev: bigint;
  try {
    fd = fs.openSync(osPath(anyPath), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    dev = fs.fstatSync(fd, { bigint: true }).dev;
  } catch (e) {
    throw nodeFsError('space', e, [anyPath]);
  }
  const geom = new Uint8Array(112);
  if (libc.ioctlPtr(fd, XFS_IOC_FSGEOMETRY_V1, geom) !== 0) {
    const code = errnoName(libc.errno());
    fs.closeSync(fd);
    throw noteError(code, `the features of this XFS could not be read (ioctl XFS_IOC_FSGEOMETRY_V1: ${code}).`, [anyPath]);
  }
  if ((new DataView(geom.buffer).getUint32(92, true) & XFS_FSOP_GEOM_FLAGS_RMAPBT) === 0) {
    fs.closeSync(fd);
    throw noteError(
      'EOPNOTSUPP',
      'this XFS has no reverse-mapping btree (rmapbt=0; mkfs.xfs -m rmapbt=1 makes one), so FS_IOC_GETFSMAP cannot ' +
        'name who references each shared block (EOPNOTSUPP).',
      [anyPath],
    );
  }
  // fmr_device is a dev_t (FMH_OF_DEV_T) in the kernel's 32-bit encoding, which is st_dev here.
  const device = Number(BigInt.asUintN(32, dev));
  const head = new Uint8Array(HEAD + REC * RECS_PER_CALL);
  const hv = new DataView(head.buffer);

  /**
   * Read the records from the physical byte `lo` on, in the kernel's key order (physical first),
   * into `out`: the search reaches READ_AHEAD bytes past `lo` (the next ranges asked for are
   * usually near, so one call of RECS_PER_CALL records answers many), and pages on only until
   * [lo, want) is complete. Returns `done`: every record that starts before it is in `out`
   * (records over `lo` come back whole).
   */
  const fetch = (lo: bigint, want: bigint, out: Rec[], skipBefore: boolean): bigint => {
    const high = (want - lo > READ_AHEAD ? want : lo + READ_AHEAD) - 1n;
    head.fill(0, 0, HEAD);
    hv.setUint32(8, RECS_PER_CALL, true);
    // low key: (device, lo, 0, 0); high key: (device, high, all ones; length 0, as the kernel wants)
    hv.setUint32(64, device, true);
    hv.setBigUint64(72, lo, true);
    hv.setUint32(128, device, true);
    hv.setUint32(132, 0xffffffff, true);
    hv.setBigUint64(136, high, true);
    hv.setBigUint64(144, ALL_ONES, true);
    hv.setBigUint64(152, ALL_ONES, true);
    for (;;) {
      if (libc.ioctlPtr(fd, FS_IOC_GETFSMAP, head) !== 0) {
        const errno = libc.errno();
        const code = errnoName(errno);
        if (code === 'EPERM' || code === 'EACCES') throw noteError(code, needsRoot(code), [anyPath], errno);
        throw noteError(
          code,
          `FS_IOC_GETFSMAP failed on this XFS (${code}): the owners of the shared blocks are unknown.`,
          [anyPath],
          errno,
        );
      }
      const entries = hv.getUint32(12, true);
      let flags = 0;
      let last = lo;
      for (let i = 0; i < entries; i++) {
        const at = HEAD + i * REC;
        flags = hv.getUint32(at + 4, true);
        const start = hv.getBigUint64(at + 8, true);
        last = start;
        // A record over `lo` that an earlier call already gave (the caller says so).
        if (hv.getUint32(at, true) !== device || (skipBefore && start < lo)) continue;
        const owner = hv.getBigUint64(at + 16, true);
        const end = start + hv.getBigUint64(at + 32, true);
        if (flags & FMR_OF_SPECIAL_OWNER) {
          if (owner === FMR_OWN_UNKNOWN) throw noteError('EPERM', needsRoot('EPERM'), [anyPath]);
          // Free space, metadata, CoW staging: no file's data. Named so it can never match a file.
          out.push({ start, end, owner: `special:${owner.toString(16)}` });
        } else if ((flags & (FMR_OF_ATTR_FORK | FMR_OF_EXTENT_MAP)) === 0) out.push({ start, end, owner: owner.toString() });
      }
      if (entries < RECS_PER_CALL || flags & FMR_OF_LAST) return high + 1n;
      // A full call: every record starting before the last one's start is in. Go on (the last
      // record becomes the low key: fsmap_advance) until that covers what was asked for.
      if (last >= want) return last;
      head.copyWithin(64, HEAD + (entries - 1) * REC, HEAD + entries * REC);
    }
  };

  // The records read so far, sorted by start: complete for records starting before `done`
  // (and, from `first` on, every record overlapping `from`). The ranges are asked in ascending
  // order of start (every file sharing an extent asks for it), so most are answered from here.
  let cache: Rec[] = [];
  let first = 0;
  let from = -1n;
  let done = -1n;

  const owners = (start: bigint, end: bigint): OwnedStretch[] => {
    if (start < from || start > done) {
      cache = [];
      first = 0;
      from = done = start;
    }
    while (end > done) done = fetch(done, end, cache, done > from);
    // Forget what ends before `start` (records are sorted by start; a long one stops this early,
    // which only costs a longer scan below).
    while (first < cache.length && cache[first].end <= start) first++;
    if (first > 4096) {
      cache = cache.slice(first);
      first = 0;
    }
    from = start;
    // Split [start, end) where any record begins or ends; each piece has one set of owners.
    const over: Rec[] = [];
    for (let i = first; i < cache.length && cache[i].start < end; i++) if (cache[i].end > start) over.push(cache[i]);
    const cuts = new Set<bigint>([start, end]);
    for (const r of over) {
      if (r.start > start) cuts.add(r.start);
      if (r.end < end) cuts.add(r.end);
    }
    const points = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: OwnedStretch[] = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const s = points[i];
      const e = points[i + 1];
      out.push({ start: s, end: e, owners: new Set(over.filter((r) => r.start < e && r.end > s).map((r) => r.owner)) });
    }
    return out;
  };

  return {
    method: 'FS_IOC_GETFSMAP (the XFS reverse-mapping btree)',
    fileKey: (_path, _dev, ino) => ino.toString(),
    owners,
    close: () => fs.closeSync(fd),
  };
}
