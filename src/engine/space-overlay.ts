// Files of an overlayfs merged view that deleting does not free (space.ts): a file that lies
// only in a lower layer is hidden by a whiteout when its merged name is deleted, and the lower
// layer keeps every block (a trial: "deleting it frees 1.3 MiB", exact, and rm freed nothing).
// A file in the upper layer (made there, or copied up) is freed with its upper copy; with
// metacopy=on a copied-up file may hold only its metadata there (no blocks), its data still the
// lower file's. Which layer holds a file: its name under the mount's upperdir (mountinfo), the
// merged path as the kernel resolves it (realpath), never simplified as text. An overlay mounted
// with a relative upperdir (mountinfo shows it as given) cannot be told apart this way: its files
// count as any other's.

import * as fs from 'node:fs';
import { fromOsBytes, osPath } from './os-path';
import { mountOf, readMounts, type Mount } from './space-fs';
import type { FileTable } from './space-table';

/** statfs f_type of overlayfs (linux/magic.h OVERLAYFS_SUPER_MAGIC). */
const OVERLAYFS_SUPER_MAGIC = 0x794c7630n;

/**
 * Whether `p` (a file, `allocated` bytes by its map, or undefined when unknown) lies only in a
 * lower layer of the overlay it is seen through (false for other file systems or when unclear).
 */
export function lowerOnly(p: string, allocated: bigint | undefined, mounts: () => Mount[]): boolean {
  let real: string;
  try {
    if (BigInt.asUintN(32, fs.statfsSync(osPath(p), { bigint: true }).type) !== OVERLAYFS_SUPER_MAGIC) return false;
    real = fromOsBytes(fs.realpathSync.native(osPath(p), { encoding: 'buffer' }));
  } catch {
    return false; // (gone since: nothing to say of it)
  }
  const m = mountOf(real, mounts());
  if (!m || m.fsType !== 'overlay' || m.mountPoint === '/') return false;
  const option = m.options.find((o) => o.startsWith('upperdir='));
  if (option === undefined) return false; // (no upper layer: nothing can be changed, EROFS says so)
  // (mountinfo writes a space, tab, newline, backslash or comma of a path as \ooo)
  const upper = option.slice('upperdir='.length).replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  // A path relative to where `mount` ran is what mountinfo shows of one given so, and where that
  // was is not known: the layer cannot be told (the file is then counted as any other).
  if (!upper.startsWith('/')) return false;
  let st: fs.BigIntStats;
  try {
    st = fs.lstatSync(osPath(upper + real.slice(m.mountPoint.length)), { bigint: true });
  } catch (e) {
    return (e as { code?: string }).code === 'ENOENT';
  }
  // metacopy=on: the upper file holds the metadata only, the data is the lower file's
  return st.blocks === 0n && (allocated === undefined ? st.size > 0n : allocated > 0n);
}

/** The indices of the files of `table` on overlayfs groups (`overlay(gi)`) that lie only in a lower layer. */
export function lowerOnlyFiles(table: FileTable, overlay: (group: number) => boolean): number[] {
  const out: number[] = [];
  let mounts: Mount[] | undefined;
  const all = (): Mount[] => (mounts ??= readMounts());
  for (let i = 0; i < table.count; i++) if (overlay(table.fileSystem[i]) && lowerOnly(table.path[i], table.allocated[i], all)) out.push(i);
  return out;
}
