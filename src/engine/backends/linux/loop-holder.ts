// Loop devices and the files behind them: /sys/block/loopN/loop/backing_file names the file
// each attached loop device reads and writes (util-linux's `losetup -j FILE` and `losetup -l`
// read the same). Asked when a write lease is refused (dig-holes: the kernel's loop driver
// holds the file open, so fuser and lsof, which the refusal would point to, name no process),
// and when `map` is given a loop device (a device node has no extents; its backing file does).

import * as fs from 'node:fs';
import { FsctlError } from '../../errors';
import { fromOsBytes, osPath } from '../../os-path';
import { shellQuoted } from '../../shell-quoted';

const SYS_BLOCK = '/sys/block';

/** A sysfs file's bytes without the newline the kernel ends it with; undefined where unreadable. */
function sysBytes(file: string): Buffer | undefined {
  try {
    const b = fs.readFileSync(file);
    return b.subarray(0, b.at(-1) === 0x0a ? -1 : b.length);
  } catch {
    return undefined; // (a loop device not attached has no loop/ folder)
  }
}

/** The loop devices (`/dev/loopN`) attached to the file with this device and inode number, in name order; [] where none or unreadable. */
export function loopDevicesBacking(dev: bigint, ino: bigint): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(SYS_BLOCK).filter((n) => /^loop\d+$/.test(n));
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const n of names.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))) {
    // (bytes: the kernel writes the name as it is, which need not be UTF-8)
    const backing = sysBytes(`${SYS_BLOCK}/${n}/loop/backing_file`);
    if (!backing) continue;
    // (the kernel writes a path, " (deleted)" after it once the name is gone: no name to stat then)
    const st = fs.statSync(backing, { bigint: true, throwIfNoEntry: false });
    if (st && st.dev === dev && st.ino === ino) found.push(`/dev/${n}`);
  }
  return found;
}

/** What a loop device shows of its backing file. */
export interface LoopBacking {
  /** The backing file as the kernel names it (os-path.ts's string for its bytes). */
  file: string;
  /** The file's name is gone (the kernel adds " (deleted)"): it can no longer be opened by name. */
  deleted: boolean;
  /** Where the device's first byte is in the file (losetup --offset). */
  offset: bigint;
  /**
   * How many bytes of the file the device shows, where that is not the rest of the file from
   * `offset` (undefined): a --sizelimit, or a file grown since it was attached. The device's own
   * size, not the limit: a limit past the end of the file shows only what is there.
   */
  length: bigint | undefined;
  /** The device's own size (what it shows). */
  shows: bigint;
}

/** The sysfs folder of the block device `rdev` (st_rdev): /sys/dev/block/MAJ:MIN. */
function sysDevBlock(rdev: bigint): string {
  // glibc's gnu_dev_major/gnu_dev_minor: the 64-bit dev_t's split major and minor bits
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `/sys/dev/block/${major}:${minor}`;
}

/** The size of the file (or device: a loop device's backing may be one) named `file`; undefined where it cannot be read. */
function fileSizeOf(file: string): bigint | undefined {
  const st = fs.statSync(osPath(file), { bigint: true, throwIfNoEntry: false });
  if (!st?.isBlockDevice()) return st?.size;
  const sectors = sysBytes(`${sysDevBlock(st.rdev)}/size`);
  return sectors ? BigInt(sectors.toString('latin1')) * 512n : undefined;
}

/** The length to give for a device showing `shows` bytes from `offset` of a file of `size`: undefined where that is the rest of it. */
function windowLength(shows: bigint, offset: bigint, size: bigint | undefined): bigint | undefined {
  const rest = size === undefined ? undefined : size > offset ? size - offset : 0n;
  return rest !== undefined && shows >= rest ? undefined : shows;
}

/**
 * The file behind the block device `rdev` (st_rdev) where it is an attached loop device
 * (/sys/dev/block/MAJ:MIN/loop/); undefined for any other block device. (A partition of a loop
 * device, loopNp1, is not followed to its disk's file: partition scanning could not be tried here.)
 */
export function loopBackingOf(rdev: bigint): LoopBacking | undefined {
  const loopDir = `${sysDevBlock(rdev)}/loop`;
  const backing = sysBytes(`${loopDir}/backing_file`);
  if (!backing) return undefined;
  const DELETED = Buffer.from(' (deleted)');
  const deleted = backing.length > DELETED.length && backing.subarray(-DELETED.length).equals(DELETED);
  const file = fromOsBytes(deleted ? backing.subarray(0, -DELETED.length) : backing);
  const number = (f: string): bigint => BigInt(sysBytes(f)?.toString('latin1') || '0');
  const offset = number(`${loopDir}/offset`);
  // (the device's size in 512-byte sectors, set when it was attached or by losetup -c)
  const shows = number(`${loopDir}/../size`) * 512n;
  const length = number(`${loopDir}/sizelimit`) > 0n ? shows : windowLength(shows, offset, deleted ? undefined : fileSizeOf(file));
  return { file, deleted, offset, shows, length };
}

/**
 * `map`'s refusal of a loop device, with the file behind it named: a device node has no extents,
 * and its blocks are the backing file's, so the map a person wants is that file's, over the part
 * the device shows. Mapping it in the device's place would print another path's map under this
 * one, so the command to run is given instead. Any other error is returned as it is.
 */
export function loopDeviceRefusal(e: unknown, path: string): unknown {
  if (!(e instanceof FsctlError) || e.code !== 'E_NOT_REGULAR') return e;
  const st = fs.statSync(osPath(path), { bigint: true, throwIfNoEntry: false });
  const first = st?.isBlockDevice() ? loopBackingOf(st.rdev) : undefined;
  if (!first) return e;
  // a loop device over another (losetup over /dev/loopM): its blocks are that one's file's,
  // further in by its offset, so the command names the file at the end of the chain (mapping
  // /dev/loopM would only be refused again); the window is what the outermost device shows
  let loop = first;
  const over = [first.file];
  for (let hop = 0; hop < 8 && !loop.deleted; hop++) {
    const stIn = fs.statSync(osPath(loop.file), { bigint: true, throwIfNoEntry: false });
    const inner = stIn?.isBlockDevice() ? loopBackingOf(stIn.rdev) : undefined;
    if (!inner) break;
    const rest = inner.deleted ? undefined : fileSizeOf(inner.file);
    const offset = inner.offset + loop.offset;
    const shows = first.shows;
    loop = { ...inner, offset, shows, length: windowLength(shows, offset, rest) };
    over.push(inner.file);
  }
  const window =
    loop.offset > 0n || loop.length !== undefined
      ? (loop.offset > 0n ? ` --offset ${loop.offset}` : '') + (loop.length !== undefined ? ` --length ${loop.length}` : '')
      : '';
  const part = window ? ' (the part of it the device shows)' : '';
  const what = loop.deleted
    ? `; its name has been deleted since it was attached, so no name is left to map it by ` +
      `(the loop device keeps the file until losetup -d ${shellQuoted(over.length > 1 ? over[over.length - 2] : path)} detaches it)`
    : `; its extents are that file's: extent-lens map ${shellQuoted(loop.file)}${window}${part}`;
  return new FsctlError({
    operation: e.operation,
    code: e.code,
    paths: e.paths,
    message: `${e.message.replace(/; choose a regular file\.$/, '')}: a loop device over ${over.join(', a loop device over ')}${what}.`,
  });
}
