// Which file system a path lives on, for space accounting (src/engine/space.ts): the physical
// offsets of two files can be compared only when both are on one file system. Usually that is
// st_dev. btrfs gives every subvolume (and snapshot) its own anonymous st_dev and folds the
// subvolume into f_fsid too, yet all of them share one address space of physical offsets, so a
// btrfs path is keyed by the device its file system was mounted from (/proc/self/mountinfo).

import * as fs from 'node:fs';
import { fromOsBytes, osPath, osPathBytes } from './os-path';
import { isSmbPath, smbShareOf } from './smb-path';
import { realPath } from './real-path';

/**
 * File systems with no way to share a block between files (no reflink, no dedupe): their maps
 * carry no physical offsets, yet what a file holds is known to be its own.
 */
export function sharesNoBlocks(filesystem: string | undefined): boolean {
  return filesystem === 'tmpfs' || filesystem === 'ramfs';
}

/** statfs f_type of btrfs (linux/magic.h BTRFS_SUPER_MAGIC). */
const BTRFS_SUPER_MAGIC = 0x9123683en;

/** True when `p` lives on btrfs (statfs f_type BTRFS_SUPER_MAGIC); false when unsure. */
export function isBtrfs(p: string): boolean {
  try {
    return BigInt.asUintN(32, fs.statfsSync(osPath(p), { bigint: true }).type) === BTRFS_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/** One line of /proc/self/mountinfo. */
export interface Mount {
  /** The device as major:minor. */
  dev: string;
  /** The folder of the file system mounted here ('/': its own root). */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  /** The mount's options and its file system's (super) options. */
  options: string[];
}

/**
 * A path field of /proc/self/mountinfo or /proc/swaps (the kernel writes both with the same
 * escapes): its octal escapes (space, tab, newline and backslash as \040, \011, \012, \134)
 * decoded as the bytes they stand for, then the bytes as the engine keeps paths (fromOsBytes: a
 * byte not part of valid UTF-8 as a lone surrogate), so that a folder named in any bytes matches
 * the same folder from realpath. `latin1`: the field's bytes, one character each (fields are
 * split at ' ' and '\t' only: in latin1, \s would also split at byte 0xA0, part of "à" in UTF-8).
 */
export function procPathField(latin1: string): string {
  return fromOsBytes(
    Buffer.from(
      latin1.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8) & 0xff)),
      'latin1',
    ),
  );
}

/** Decode the octal escapes mountinfo uses for space, tab, newline and backslash (as bytes: see procPathField). */
export function unescapeMount(s: string): string {
  return procPathField(osPathBytes(s).toString('latin1'));
}

/**
 * A mountinfo options field (one character per byte) as its options. They keep their escapes, as
 * written: a value is unescaped where it is read (unescapeMount).
 */
function mountOptions(latin1: string): string[] {
  return latin1.split(',').map((x) => fromOsBytes(Buffer.from(x, 'latin1')));
}

/**
 * Every mount this process sees (none where /proc/self/mountinfo cannot be read). Read as bytes,
 * not UTF-8: a mount folder whose name is not valid UTF-8 read as U+FFFD and matched no path.
 */
export function readMounts(): Mount[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo').toString('latin1'); // one character per byte: procPathField decodes
  } catch {
    return [];
  }
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const right = line.slice(dash + 3).split(' ');
    if (left.length < 5 || right.length < 2) continue;
    out.push({
      dev: left[2],
      root: procPathField(left[3]),
      mountPoint: procPathField(left[4]),
      fsType: right[0],
      source: procPathField(right[1]),
      options: [...mountOptions(left[5]), ...mountOptions(right[2] ?? '')],
    });
  }
  return out;
}

/** st_dev as mountinfo writes it, major:minor (Linux's encoding of dev_t: glibc gnu_dev_major / gnu_dev_minor). */
export function devName(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** The mount holding `real` (a resolved path): the longest mount point that contains it; the last mounted wins. */
export function mountOf(real: string, mounts: Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const inside = real === mp || mp === '/' || real.startsWith(mp.endsWith('/') ? mp : mp + '/');
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/**
 * Whether a walk of `paths` (local, named by the caller) may meet one file by two names of which
 * neither is a hard link: a mount inside a named folder that shows a file system (a btrfs
 * subvolume: its own major:minor) also shown by another mount the selection reaches, the
 * named paths' own included (a bind mount of a subfolder inside the folder, one file system
 * mounted twice). Its files then have one link and two paths, so the walk must remember every
 * file by dev:ino, not only those with several links. False where the mounts cannot be read.
 */
export function mountsRepeatInside(paths: string[], mounts?: Mount[]): boolean {
  if (process.platform !== 'linux') return false;
  const local = paths.filter((p) => !isSmbPath(p));
  if (local.length === 0) return false;
  const devs = new Set<string>();
  for (const m of mountsReached(local, mounts ?? readMounts())) {
    if (devs.has(m.dev)) return true;
    devs.add(m.dev);
  }
  return false;
}

/** The mounts a walk of the local `paths` reaches: the one holding each path, and every one mounted inside one. */
export function mountsReached(paths: readonly string[], mounts: Mount[]): Set<Mount> {
  const reached = new Set<Mount>();
  for (const p of paths) {
    let real: string;
    try {
      real = realPath(p);
    } catch {
      continue; // (the walk reports it)
    }
    const holder = mountOf(real, mounts);
    if (holder) reached.add(holder);
    const under = real.endsWith('/') ? real : real + '/';
    for (const m of mounts) if (m.mountPoint.startsWith(under)) reached.add(m);
  }
  return reached;
}

/** Where the file system holding `p` (an existing path) is mounted, as the kernel resolves `p`; undefined where unknown. */
export function mountPointOf(p: string): string | undefined {
  if (isSmbPath(p) || process.platform !== 'linux') return undefined;
  try {
    return mountOf(realPath(p), readMounts())?.mountPoint;
  } catch {
    return undefined;
  }
}

/**
 * A key naming the file system of `p` (an existing path, st_dev `dev`): equal keys = one space
 * of physical offsets. Never throws: when anything is unclear the key is the st_dev.
 */
export function fileSystemKey(p: string, dev: bigint): string {
  if (isSmbPath(p)) return smbShareOf(p); // one per share (walk.ts)
  if (process.platform !== 'linux') return `dev:${dev}`;
  try {
    const st = fs.statfsSync(osPath(p), { bigint: true });
    if (BigInt.asUintN(32, st.type) !== BTRFS_SUPER_MAGIC) return `dev:${dev}`;
    // `p` is a file or folder reached without following a link at its end: the kernel resolves
    // it whole (`l/..` after a link `l` is the target's parent, which text cannot know).
    const real = realPath(p);
    const m = mountOf(real, readMounts());
    if (m && m.fsType === 'btrfs' && m.source.startsWith('/')) return `btrfs:${m.source}`;
  } catch {
    /* the st_dev then */
  }
  return `dev:${dev}`;
}
