// The space accounting's walk on Linux (BackendExtensions.spaceWalk; the accounting itself is
// src/engine/space.ts, which this only feeds; the dedupe search walks named folders with it
// too, dedupe-find.ts): one synchronous loop of system calls relative to
// open folders, so a file costs four calls and no path lookup from the root:
//   openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)  (a link is never followed; a FIFO
//          that slips in between the folder read and the open cannot block)
//   statx(fd, "", AT_EMPTY_PATH)                          (type, size, inode, links, device)
//   FIEMAP into a reused buffer and builder (map.ts's fiemapPages: the one decode)
//   close
// plus, for a file changed in the last seconds, one statx after the map, which tells a file
// being written (E_CHANGED). Folders are read
// with getdents64 into one buffer; their entries' d_type says what to open, so a symbolic link, a
// FIFO or a device is reported without being opened (DT_UNKNOWN: one statx without following).
// Names are sorted per folder and visited depth first: the same order as walk.ts, the general walk.

import * as fs from 'node:fs';
import type { OpContext } from '../../backend';
import type { PathKind, SpaceSink, SpaceWalk } from '../../backend-ext';
import type { Operation } from '../../types';
import { errnoError } from '../../errno';
import { isCancelled } from '../../errors';
import { kindOfMode } from '../../file-kind';
import { heldOutsideExtents, PackedExtentsBuilder } from '../../map-format';
import { childPath, fromOsBytesAt } from '../../os-path';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  O_CLOEXEC,
  STATX_DEV_MAJOR_OFFSET,
  STATX_DEV_MINOR_OFFSET,
  STATX_INO,
  STATX_INO_OFFSET,
  STATX_MODE_OFFSET,
  STATX_NLINK,
  STATX_NLINK_OFFSET,
  STATX_SIZE,
  STATX_SIZE_OFFSET,
  STATX_TYPE,
  type Libc,
} from './libc';

const AT_SYMLINK_NOFOLLOW = 0x100;
const ELOOP = 40;
const c = fs.constants;
const OPEN_FILE = c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK | O_CLOEXEC;
const OPEN_DIR = c.O_RDONLY | c.O_DIRECTORY | c.O_NOFOLLOW | O_CLOEXEC;
const STATX_CTIME = 0x80;
/** stx_ctime.tv_sec (s64). */
const STATX_CTIME_OFFSET = 96;
const STATX_BLOCKS = 0x400;
/** stx_blksize (u32) and stx_blocks (u64, 512-byte units): what a file holds that its map does not show. */
const STATX_BLKSIZE_OFFSET = 4;
const STATX_BLOCKS_OFFSET = 48;
const STATX_MASK = STATX_TYPE | STATX_NLINK | STATX_INO | STATX_SIZE | STATX_CTIME | STATX_BLOCKS;
/**
 * A file whose inode changed less than this long before the walk began (or since) may be
 * being written: it is asked its size again after the map. Older files are not (a second
 * statx for every file was ~5% of a walk); a file whose first write in a long while falls
 * exactly between its statx and its map is then counted as mapped without the note.
 */
const RECENT_SECONDS = 5;
/** d_type values (dirent.h). */
const DT_UNKNOWN = 0;
const DT_DIR = 4;
const DT_REG = 8;
const DT_LNK = 10;
const DT_KIND: Record<number, PathKind> = { 1: 'fifo', 2: 'char-device', 6: 'block-device', 12: 'socket' };
/** Cancel checks every this many entries (an Atomics.load in the worker; a flag read in-thread). */
const CHECK_EVERY = 64;

/** How a file open as `fd` is mapped whole into `out` (LinuxMaps.mapFdInto). */
type MapFd = (
  fd: number,
  path: string,
  size: bigint,
  out: PackedExtentsBuilder,
  ctx: OpContext,
  blockCount: { bytes: bigint; blockSize: number },
) => 'fiemap' | 'seek';

/** One folder being visited: its descriptor, its path with a '/' to put names after, its names sorted. */
interface Frame {
  fd: number;
  prefix: string;
  names: string[];
  types: Uint8Array;
  next: number;
}

export class LinuxSpaceWalk implements SpaceWalk {
  private readonly stack: Frame[] = [];
  private readonly stx = new Uint8Array(256);
  private readonly stxv = new DataView(this.stx.buffer);
  private readonly dents = Buffer.alloc(64 * 1024);
  private readonly map = new PackedExtentsBuilder();
  private lastMajor = -1;
  private lastMinor = -1;
  private lastDev = 0n;
  private sinceCheck = 0;
  /** ctime (seconds) from which a file is checked again after its map (RECENT_SECONDS). */
  private readonly recent = Math.floor(Date.now() / 1000) - RECENT_SECONDS;

  constructor(
    private readonly libc: Libc,
    private readonly mapFd: MapFd,
    dir: string,
    private readonly sink: SpaceSink,
    private readonly ctx: OpContext,
  ) {
    this.op = ctx.operation ?? 'space';
    this.openDir(AT_FDCWD, dir, dir);
  }

  /** The operation its errors name (space, or the dedupe search). */
  private readonly op: Operation;

  step(entries: number): boolean {
    for (let n = 0; n < entries; n++) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return true;
      if (++this.sinceCheck >= CHECK_EVERY) {
        this.sinceCheck = 0;
        this.ctx.checkCancelled();
      }
      if (top.next === top.names.length) {
        this.stack.pop();
        this.libc.close(top.fd);
        continue;
      }
      const i = top.next++;
      const name = top.names[i];
      const p = top.prefix + name;
      let type = top.types[i];
      if (type === DT_UNKNOWN) {
        // Some file systems leave d_type out: ask without following.
        if (this.libc.statx!(top.fd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, this.stx) !== 0) {
          this.sink.error(p, errnoError(this.op, this.libc.errno(), 'statx', [p]));
          continue;
        }
        const mode = this.stxv.getUint16(STATX_MODE_OFFSET, true);
        const kind = kindOfMode(mode);
        if ((mode & 0o170000) === 0o120000) type = DT_LNK;
        else if (kind === 'directory') type = DT_DIR;
        else if (kind === 'file') type = DT_REG;
        else {
          this.sink.notRegular(p, kind);
          continue;
        }
      }
      if (type === DT_DIR) {
        if (this.sink.enter?.(p) !== false) this.openDir(top.fd, name, p);
      } else if (type === DT_REG) this.file(top.fd, name, p);
      else if (type === DT_LNK) this.sink.symlink(p);
      else this.sink.notRegular(p, DT_KIND[type] ?? 'other');
    }
    return this.stack.length === 0;
  }

  close(): void {
    for (const f of this.stack) this.libc.close(f.fd);
    this.stack.length = 0;
  }

  /** Open the folder `name` of `dirFd`, read all its names, and put it on the stack. */
  private openDir(dirFd: number, name: string, p: string): void {
    const fd = this.libc.openat(dirFd, name, OPEN_DIR, 0);
    if (fd < 0) {
      const e = this.libc.errno();
      if (e === ELOOP)
        this.sink.symlink(p); // it became a link since the folder was read
      else this.sink.error(p, errnoError(this.op, e, 'openat', [p]));
      return;
    }
    const names: string[] = [];
    const types: number[] = [];
    const buf = this.dents;
    for (;;) {
      const n = this.libc.getdents64!(fd, buf, buf.length);
      if (n < 0) {
        this.sink.error(p, errnoError(this.op, this.libc.errno(), 'getdents64', [p]));
        this.libc.close(fd);
        return;
      }
      if (n === 0) break;
      for (let at = 0; at < n;) {
        const reclen = buf[at + 16] | (buf[at + 17] << 8);
        const type = buf[at + 18];
        let end = at + 19;
        while (buf[end] !== 0) end++;
        // Skip "." and "..".
        const len = end - at - 19;
        if (!(buf[at + 19] === 0x2e && (len === 1 || (len === 2 && buf[at + 20] === 0x2e)))) {
          names.push(fromOsBytesAt(buf, at + 19, end));
          types.push(type);
        }
        at += reclen;
      }
    }
    const order = names.map((_, k) => k).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    const frame: Frame = {
      fd,
      prefix: childPath(p, ''),
      names: new Array(names.length),
      types: new Uint8Array(names.length),
      next: 0,
    };
    for (let k = 0; k < order.length; k++) {
      frame.names[k] = names[order[k]];
      frame.types[k] = types[order[k]];
    }
    this.stack.push(frame);
  }

  /** Map the regular file `name` of `dirFd` and give it to the sink. */
  private file(dirFd: number, name: string, p: string): void {
    const libc = this.libc;
    const fd = libc.openat(dirFd, name, OPEN_FILE, 0);
    if (fd < 0) {
      const e = libc.errno();
      if (e === ELOOP)
        this.sink.symlink(p); // it became a link since the folder was read
      else this.sink.error(p, errnoError(this.op, e, 'openat', [p]));
      return;
    }
    try {
      const stx = this.stx;
      const v = this.stxv;
      if (libc.statx!(fd, '', AT_EMPTY_PATH, STATX_MASK, stx) !== 0) {
        this.sink.error(p, errnoError(this.op, libc.errno(), 'statx', [p]));
        return;
      }
      const mode = v.getUint16(STATX_MODE_OFFSET, true);
      if ((mode & 0o170000) !== 0o100000) {
        // It was replaced since the folder was read.
        const kind = kindOfMode(mode);
        if (kind === 'directory') this.sink.error(p, errnoError(this.op, 21, 'openat', [p]));
        else this.sink.notRegular(p, kind);
        return;
      }
      const major = v.getUint32(STATX_DEV_MAJOR_OFFSET, true);
      const minor = v.getUint32(STATX_DEV_MINOR_OFFSET, true);
      if (major !== this.lastMajor || minor !== this.lastMinor) {
        this.lastMajor = major;
        this.lastMinor = minor;
        this.lastDev = makedev(major, minor);
      }
      const dev = this.lastDev;
      const ino = v.getBigUint64(STATX_INO_OFFSET, true);
      const size = v.getBigUint64(STATX_SIZE_OFFSET, true);
      if (!this.sink.meet(dev, ino, v.getUint32(STATX_NLINK_OFFSET, true), size, p)) return;
      const out = this.map;
      out.clear();
      const blockBytes = v.getBigUint64(STATX_BLOCKS_OFFSET, true) * 512n;
      const blockSize = v.getUint32(STATX_BLKSIZE_OFFSET, true);
      let source: 'fiemap' | 'seek';
      try {
        source = this.mapFd(fd, p, size, out, this.ctx, { bytes: blockBytes, blockSize });
      } catch (e) {
        if (isCancelled(e)) throw e;
        this.sink.error(p, e);
        return;
      }
      const k = out.peek();
      // The block count holds what no map shows: reserved-but-unwritten space (tmpfs: SEEK_DATA),
      // XFS's copy-on-write staging blocks (FIEMAP); the accounting decides what to make of it
      const held = heldOutsideExtents(blockBytes, k, blockSize);
      this.sink.file(p, dev, ino, size, k, source, held);
      // Changed in the last seconds (or dated in the future): maybe being written; look again.
      const ctime = v.getUint32(STATX_CTIME_OFFSET, true) + v.getInt32(STATX_CTIME_OFFSET + 4, true) * 2 ** 32;
      if (ctime >= this.recent && libc.statx!(fd, '', AT_EMPTY_PATH, STATX_SIZE, stx) === 0) {
        const after = v.getBigUint64(STATX_SIZE_OFFSET, true);
        if (after !== size) this.sink.changed(p, size, after);
      }
    } finally {
      libc.close(fd);
    }
  }
}

/** st_dev as glibc's makedev encodes it (what node:fs reports as `dev`). */
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}
