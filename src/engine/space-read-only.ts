// Files of a space selection that lie where nothing can be deleted (space.ts): a read-only btrfs
// snapshot or a file system mounted read-only (EROFS). What deleting frees counts them as if
// they could be deleted; the note beside it (space-figures.ts) says what that takes. Where the
// selection holds the snapshot itself, that is deleting the snapshot; where it names only files
// in it, deleting the snapshot frees what its other files hold too (a trial: "frees 1 MiB" for
// one file of a snapshot, said to count "as if the snapshot were deleted", which freed 3 MiB).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { osPath } from './os-path';
import { isSmbPath } from './smb-path';
import { shellQuoted } from './shell-quoted';
import { isBtrfs, mountOf, readMounts, type Mount } from './space-fs';
import { realPath } from './real-path';

/** Per file system (index): the files that lie where nothing can be deleted. */
export interface UndeletableReadOnly {
  files: number;
  /** Of those, the files in a read-only btrfs snapshot whose top folder is not in the selection (only files in it are). */
  inPart: number;
  /** Where each such subvolume or mount begins (its top folder), as the kernel resolves it. */
  partTops: string[];
}

/** A path as the kernel resolves it, or undefined. */
function resolved(p: string): string | undefined {
  try {
    return realPath(p);
  } catch {
    return undefined;
  }
}

/** The inode of a btrfs subvolume's top folder (BTRFS_FIRST_FREE_OBJECTID). */
const SUBVOLUME_TOP_INO = 256n;

/**
 * The top folder of the subvolume or mount holding the file `file` (on `dev`): its folder, then
 * each parent while it has the same st_dev (a btrfs subvolume has its own). Undefined when unsure,
 * and on btrfs where that folder is not a subvolume's top (a bind mount of a folder inside one).
 */
function topOf(file: string, dev: bigint): string | undefined {
  let top = resolved(path.dirname(file));
  if (top === undefined) return undefined;
  try {
    if (fs.statSync(osPath(top), { bigint: true }).dev !== dev) return undefined;
    for (let up = path.dirname(top); up !== top; top = up, up = path.dirname(up))
      if (fs.statSync(osPath(up), { bigint: true }).dev !== dev) break;
    if (isBtrfs(top) && fs.statSync(osPath(top), { bigint: true }).ino !== SUBVOLUME_TOP_INO) return undefined;
  } catch {
    return undefined;
  }
  return top;
}

/** Whether the file `p` (EROFS) lies on a read-only btrfs subvolume: btrfs, on a mount that is not read-only. */
function onReadOnlySnapshot(p: string, mounts: Mount[]): boolean {
  try {
    if (!isBtrfs(p)) return false;
    const at = resolved(p);
    const m = at === undefined ? undefined : mountOf(at, mounts);
    return m !== undefined && !m.options.includes('ro');
  } catch {
    return false;
  }
}

/**
 * Per group, how many files lie where nothing can be deleted: one access(W_OK) per st_dev, on a
 * file there, which says EROFS; and of those, the ones on a read-only btrfs snapshot that is not
 * itself in the selection (`named`, the paths given; only files in it are). Unsure where the
 * snapshot begins: counted so.
 */
export function undeletableReadOnly(
  devs: ReadonlyMap<bigint, { path: string; group: number; files: number }>,
  named: readonly string[],
): Map<number, UndeletableReadOnly> {
  const out = new Map<number, UndeletableReadOnly>();
  let roots: string[] | undefined;
  let mounts: Mount[] | undefined;
  for (const [dev, d] of devs) {
    if (isSmbPath(d.path)) continue;
    try {
      fs.accessSync(osPath(d.path), fs.constants.W_OK);
      continue;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EROFS') continue;
    }
    let r = out.get(d.group);
    if (!r) out.set(d.group, (r = { files: 0, inPart: 0, partTops: [] }));
    r.files += d.files;
    // a read-only mount: remounting it read-write lets each file be deleted, so the figure is theirs
    // however many of its files are named; a read-only btrfs snapshot is deleted whole, or made writable
    mounts ??= readMounts();
    if (!onReadOnlySnapshot(d.path, mounts)) continue;
    roots ??= named.filter((p) => !isSmbPath(p)).flatMap((p) => resolved(p) ?? []);
    const top = topOf(d.path, dev);
    const whole = top !== undefined && roots.some((n) => top === n || top.startsWith(n.endsWith('/') ? n : `${n}/`));
    if (whole) continue;
    r.inPart += d.files;
    if (top !== undefined) r.partTops.push(top);
  }
  return out;
}

/**
 * What the figure assumes of files that cannot be deleted as they are: the snapshot deleted, where
 * the selection holds it; where it names only files in a snapshot, their deletion (deleting the
 * snapshot frees its other files' data too).
 */
export function readOnlyNote(ro: UndeletableReadOnly, name: string): string {
  const n = ro.files;
  const lie =
    `${n === 1 ? 'One file' : `${n} files`} of the selection on ${name} ${n === 1 ? 'lies' : 'lie'} on a read-only snapshot or ` +
    `file system (EROFS): ${n === 1 ? 'it cannot be deleted as it is' : 'they cannot be deleted as they are'}; ` +
    `what deleting frees counts ${n === 1 ? 'it' : 'them'} `;
  // (only btrfs has snapshots: an XFS or ext4 mounted read-only was told of "btrfs subvolume delete")
  if (name !== 'btrfs') return `${lie}as if the file system were remounted read-write (mount -o remount,rw).`;
  if (ro.inPart === 0) return `${lie}as if the snapshot were deleted (btrfs subvolume delete) or the file system remounted read-write.`;
  const tops = [...new Set(ro.partTops)];
  const named =
    tops.length === 0 ? 'the snapshot' : tops.length === 1 ? shellQuoted(tops[0]) : `${shellQuoted(tops[0])} and ${tops.length - 1} more`;
  const part =
    ro.inPart === n
      ? `The selection names files in ${named}, not the snapshot itself`
      : `${ro.inPart} of them ${ro.inPart === 1 ? 'lies' : 'lie'} in ${named}, whose files the selection names, not the snapshot itself`;
  return (
    `${lie}as if ${n === 1 ? 'it' : 'they'} could be, once the snapshot is made writable ` +
    `(btrfs property set ${tops.length === 1 ? named : 'SNAPSHOT'} ro false). ` +
    `${part}: deleting the whole snapshot (btrfs subvolume delete) frees what its other files hold too, if any.`
  );
}
