// Files of an overlayfs merged view that deleting does not free (space.ts): a file that lies
// only in a lower layer is hidden by a whiteout when its merged name is deleted, and the lower
// layer keeps every block (a trial: "deleting it frees 1.3 MiB", exact, and rm freed nothing).
// A file in the upper layer (made there, or copied up) is freed with its upper copy; with
// metacopy=on a copied-up file may hold only its metadata there (no blocks), its data still the
// lower file's. Which layer holds a file: its name under the mount's upperdir (mountinfo), the
// merged path as the kernel resolves it (realpath), never simplified as text.

import * as fs from 'node:fs';
import { fromOsBytes, osPath } from './os-path';
import { mountOf, readMounts, type Mount } from './space-fs';
import type { FileTable } from './space-table';

/** The indices of the files of `table` on overlayfs groups (`overlay(gi)`) that lie only in a lower layer. */
export function lowerOnlyFiles(table: FileTable, overlay: (group: number) => boolean): number[] {
  const out: number[] = [];
  let mounts: Mount[] | undefined;
  for (let i = 0; i < table.count; i++) {
    if (!overlay(table.fileSystem[i])) continue;
    mounts ??= readMounts();
    let real: string;
    try {
      real = fromOsBytes(fs.realpathSync.native(osPath(table.path[i]), { encoding: 'buffer' }));
    } catch {
      continue; // (gone since: nothing to say of it)
    }
    const m = mountOf(real, mounts);
    if (!m || m.fsType !== 'overlay' || m.mountPoint === '/') continue;
    const option = m.options.find((o) => o.startsWith('upperdir='));
    // (mountinfo writes a space, tab, newline, backslash or comma of a path as \ooo)
    const upper = option?.slice('upperdir='.length).replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (upper === undefined) continue; // (no upper layer: nothing can be deleted, EROFS says so)
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(osPath(upper + real.slice(m.mountPoint.length)), { bigint: true });
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') out.push(i);
      continue;
    }
    // metacopy=on: the upper file holds the metadata only, the data is the lower file's
    if (st.blocks === 0n && table.allocated[i] > 0n) out.push(i);
  }
  return out;
}
