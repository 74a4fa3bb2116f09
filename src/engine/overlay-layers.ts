// Which files of an overlayfs merged view lie only in a lower layer: deleting one there only
// hides it behind a whiteout (space.ts: the lower layer keeps every block; a trial: "deleting it
// frees 1.3 MiB", exact, and rm freed nothing), opening one for writing copies it up (fs-freed.ts:
// punch and dig-holes then work on the copy), and overlayfs refuses to dedupe it
// (dedupe-read-only.ts). A file in the upper layer (made there, or copied up) is the upper
// file's; with metacopy=on a copied-up file may hold only its metadata there (no blocks), its
// data still the lower file's. Which layer holds a file: its place under the mount's upperdir
// (mountinfo: the overlay's root, a bind-mounted folder of it, and the path as the kernel
// resolves it, realpath, never simplified as text). Where the layer cannot be looked in (a
// relative upperdir, or one from another mount namespace) the file counts as any other's.

import * as fs from 'node:fs';
import { osPath } from './os-path';
import { mountOf, readMounts, unescapeMount, type Mount } from './space-fs';
import type { FileTable } from './space-table';
import { realPath } from './real-path';

/** statfs f_type of overlayfs (linux/magic.h OVERLAYFS_SUPER_MAGIC). */
const OVERLAYFS_SUPER_MAGIC = 0x794c7630n;

/**
 * A lookup of whether a file (`allocated` bytes by its map, or undefined when unknown) lies only in
 * a lower layer of the overlay it is seen through (false for other file systems or when unclear).
 * mountinfo is read once per lookup, and each overlay's upper layer checked once.
 */
export function lowerLayerLookup(): (p: string, allocated?: bigint) => boolean {
  let mounts: Mount[] | undefined;
  const uppers = new Map<Mount, string | undefined>();
  return (p, allocated) => {
    let real: string;
    try {
      if (BigInt.asUintN(32, fs.statfsSync(osPath(p), { bigint: true }).type) !== OVERLAYFS_SUPER_MAGIC) return false;
      real = realPath(p);
    } catch {
      return false; // (gone since: nothing to say of it)
    }
    const m = mountOf(real, (mounts ??= readMounts()));
    if (!m || m.fsType !== 'overlay') return false;
    if (!uppers.has(m)) uppers.set(m, upperLayerOf(m));
    const upper = uppers.get(m);
    if (upper === undefined) return false;
    // the file's place under the overlay's root, which a bind mount of one of its folders names (root)
    const rest = m.mountPoint === '/' ? real : real.slice(m.mountPoint.length);
    const under = (m.root === '/' ? '' : m.root) + rest;
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(osPath(upper + under), { bigint: true });
    } catch (e) {
      return (e as { code?: string }).code === 'ENOENT';
    }
    // metacopy=on: the upper file holds the metadata only, the data is the lower file's
    return st.blocks === 0n && (allocated === undefined ? st.size > 0n : allocated > 0n);
  };
}

/**
 * The upper layer of overlay mount `m` to look in, or undefined where it cannot be: no upper layer
 * (nothing can be changed, EROFS says so); a path relative to where `mount` ran, which is what
 * mountinfo shows of one given so; layers that are not there to see (the overlay mounted from
 * another mount namespace: a container's own root). The layer of its files cannot be told then,
 * and they count as any other's.
 */
function upperLayerOf(m: Mount): string | undefined {
  const option = (key: string): string | undefined => {
    const o = m.options.find((x) => x.startsWith(`${key}=`));
    return o === undefined ? undefined : unescapeMount(o.slice(key.length + 1));
  };
  const upper = option('upperdir');
  const work = option('workdir');
  return upper !== undefined && work !== undefined && upper.startsWith('/') && isFolder(upper) && isFolder(work) ? upper : undefined;
}

/** The indices of the files of `table` on overlayfs groups (`overlay(gi)`) that lie only in a lower layer. */
export function lowerOnlyFiles(table: FileTable, overlay: (group: number) => boolean): number[] {
  const lower = lowerLayerLookup();
  const out: number[] = [];
  for (let i = 0; i < table.count; i++) if (overlay(table.fileSystem[i]) && lower(table.path[i], table.allocated[i])) out.push(i);
  return out;
}

/** Of `files`, those on overlayfs that lie only in a lower layer (no other file is looked at). */
export function onlyInLowerLayers<F extends { path: string; filesystem: string }>(files: readonly F[]): Set<F> {
  const lower = lowerLayerLookup();
  const out = new Set<F>();
  for (const f of files) if (f.filesystem === 'overlayfs' && lower(f.path)) out.add(f);
  return out;
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(osPath(p)).isDirectory();
  } catch {
    return false;
  }
}
