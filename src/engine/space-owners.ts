// Who owns the shared extents of a space accounting's selection, where the file system can say
// (btrfs; XFS with the reverse-mapping btree; as root): each shared range, split where its owners
// change, is inside when every owner is a file of the selection. The file's own name among them
// checks the answer. On btrfs as root the extents' sizes on disk come too (space-btrfs.ts).

import type { ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import { FsctlError, isCancelled } from './errors';
import { commonPart, type AloneParts } from './space-alone';
import { diskFreed } from './space-btrfs';
import { SharedRanges, sortedBy, type FileTable, type Group } from './space-table';

/** Files outside the selection named as keeping its extents (btrfs as root): the first, by bytes kept. */
const HOLDERS_NAMED = 3;

export interface OwnerAnswers {
  /** Per file system, why its owners are not known (a privilege, a query that failed). */
  notes: Map<Group, string>;
  /** File systems whose owner query failed for a reason other than privilege (a file removed during the scan, say). */
  failed: Set<Group>;
}

/**
 * Ask each file system's owners of the selection's shared extents, filling in its group
 * (`inside`, `ownersBy`; on btrfs as root `disk`, `diskOutside`, `heldOutsideBy`). `keptFiles`
 * (kept by a hard link outside the selection) count as outside. `say` reports the step. With
 * `alone` (several paths given), also what each path alone frees: on btrfs `diskAlone`, on XFS
 * `insidePart` (space-alone.ts), from the same answers.
 */
export async function askOwners(
  groups: Group[],
  table: FileTable,
  keptFiles: ReadonlySet<number>,
  resolve: (p: string) => Promise<ExtendedBackend>,
  ctx: EngineContext,
  say: (message: string) => void,
  alone?: AloneParts,
): Promise<OwnerAnswers> {
  const notes = new Map<Group, string>();
  /** Groups whose owner query failed for a reason other than privilege (a file removed during the scan, say). */
  const failed = new Set<Group>();
  for (const [gi, g] of groups.entries()) {
    // btrfs: asked even with nothing shared (an extent a file references only in part frees whole)
    const rs = g.ranges;
    if (rs.count === 0 && g.filesystem !== 'btrfs') continue;
    say(`who else references ${rs.count} shared ranges`);
    const first = table.pathOnFileSystem(table.firstOf(gi));
    const b = await resolve(first);
    if (!b.extentOwners) continue;
    let q;
    try {
      q = b.extentOwners(first);
      if (!q) continue;
      const key: string[] = [];
      const selected = new Set<string>();
      /** Each selected file's part (several paths given; -1: no part alone frees it). */
      const keyPart = new Map<string, number>();
      for (let i = 0; i < table.count; i++) {
        if (groups[table.fileSystem[i]] !== g) continue;
        key[i] = q.fileKey(table.pathOnFileSystem(i), table.dev[i], table.ino[i]);
        if (!keptFiles.has(i)) selected.add(key[i]);
        if (alone) keyPart.set(key[i], alone.partOf[i]);
      }
      if (q.diskExtents && q.referencesTo) {
        const d = diskFreed(table, g, q, key, selected, ctx, alone && { partOf: alone.partOf, keyPart, count: alone.count });
        g.disk = d.freed;
        g.diskAlone = d.alone;
        g.diskOutside = d.outside;
        if (d.heldBy.size > 0) {
          // named now, while the query is open: the files outside that keep the most
          const top = [...d.heldBy].sort((a, b) => (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : 0)).slice(0, HOLDERS_NAMED);
          let held = 0n;
          for (let k = 0; k < d.outside.start.length; k++) held += d.outside.end[k] - d.outside.start[k];
          g.heldOutsideBy = {
            // (as dedupe names them: a path, else where it lies in the file system, else the subvolume and inode)
            holders: top.map(([k, bytes]) => ({ name: q!.nameOf?.(k) ?? `subvolume ${k.replace(':', ', inode ')}`, bytes })),
            bytes: held,
            more: d.heldBy.size - top.length,
          };
        }
        g.ownersBy = `${q.method} and BTRFS_IOC_TREE_SEARCH_V2`;
        continue;
      }
      if (!q.owners) continue;
      const split = new SharedRanges();
      const inside: boolean[] = [];
      const insidePart: number[] = [];
      // In physical order, equal ranges together: k clones of a file bring each of its ranges k
      // times, asked once.
      const order = sortedBy([rs.start, rs.end], rs.count);
      let asked: { start: bigint; end: bigint; owners: ReadonlySet<string>; inside: boolean; part: number }[] = [];
      let askedStart = -1n;
      let askedEnd = -1n;
      for (const r of order) {
        ctx.checkCancelled();
        if (rs.start[r] !== askedStart || rs.end[r] !== askedEnd) {
          askedStart = rs.start[r];
          askedEnd = rs.end[r];
          asked = Array.from(q.owners(askedStart, askedEnd), (s) => ({
            ...s,
            inside: [...s.owners].every((o) => selected.has(o)),
            part: alone ? commonPart(s.owners, keyPart) : -1,
          }));
        }
        for (const s of asked) {
          if (!s.owners.has(key[rs.file[r]]))
            throw new Error(
              `${q.method} did not name ${table.path[rs.file[r]]} among the owners of its bytes at ${s.start}..${s.end} (did it change during the scan?).`,
            );
          split.push(s.start, s.end, rs.file[r], rs.ref[r]);
          inside.push(s.inside);
          insidePart.push(s.part);
        }
      }
      Object.assign(g, { ranges: split, inside, ownersBy: q.method });
      if (alone) g.insidePart = Int32Array.from(insidePart);
    } catch (e) {
      if (isCancelled(e)) throw e;
      notes.set(g, e instanceof FsctlError ? e.message : `the owners of the shared extents could not be read: ${(e as Error).message}`);
      if (!(e instanceof FsctlError && (e.code === 'EPERM' || e.code === 'EACCES'))) failed.add(g);
    } finally {
      q?.close();
    }
  }

  return { notes, failed };
}
