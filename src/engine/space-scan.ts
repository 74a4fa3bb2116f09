// The exact scan of space accounting (engine.space with exactScan): where the file system cannot
// name the owners of a shared extent, map every other file of the mounted file system and find
// which shared physical ranges of the selection are also referenced outside it. Exact where
// blocks are freed one by one as their last reference goes (XFS, whose refcount is per block);
// btrfs frees whole extents, and has owner queries as root instead (space.ts).

import * as fs from 'node:fs';
import type { ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import { isCancelled } from './errors';
import { EXTENT_FLAG, linearPhysical, packExtents, type PackedExtentMap } from './map-format';
import { childPath, fromOsBytes, osPath } from './os-path';
import { devName, readMounts } from './space-fs';
import type { FileTable, Group, Intervals, SharedRanges } from './space-table';

interface OutsideScan {
  /** Shared physical ranges referenced by files outside the selection, merged, in order. */
  start: bigint[];
  end: bigint[];
  files: number;
  /** Paths the scan could not read (then the answer cannot be exact). */
  unreadable: number;
  /** The first few of them, each with the OS error ("/a/b (EACCES)"), for a person. */
  unreadableExamples: string[];
  /** Inodes of the file system it reached (folders, files, links and the rest; hard links once). */
  inodes: number;
  /** Folders of the file system it could not look into: another file system is mounted on them. */
  mountedOver: string[];
}

/** Sort and merge half-open ranges. */
export function mergeRanges(start: ArrayLike<bigint>, end: ArrayLike<bigint>): Intervals {
  const idx = Array.from({ length: start.length }, (_, i) => i).sort((a, b) => (start[a] < start[b] ? -1 : start[a] > start[b] ? 1 : 0));
  const s: bigint[] = [];
  const e: bigint[] = [];
  for (const i of idx) {
    const n = s.length;
    if (n > 0 && start[i] <= e[n - 1]) {
      if (end[i] > e[n - 1]) e[n - 1] = end[i];
    } else {
      s.push(start[i]);
      e.push(end[i]);
    }
  }
  return { start: s, end: e };
}

/** The union of two sets of half-open ranges, merged (`b` absent: `a` merged). */
export function unionOf(a: Intervals, b: Intervals | undefined): Intervals {
  return b ? mergeRanges([...a.start, ...b.start], [...a.end, ...b.end]) : mergeRanges(a.start, a.end);
}

/**
 * Where exactly one of the ranges lies (merged, in order): for the exact scan, a block the file
 * system flags shared but that only one reference of the selection holds has another owner
 * somewhere, which the scan must have found.
 */
export function heldOnce(start: ArrayLike<bigint>, end: ArrayLike<bigint>, n: number): Intervals {
  const at: bigint[] = [];
  const step: number[] = [];
  for (let i = 0; i < n; i++) {
    at.push(start[i], end[i]);
    step.push(1, -1);
  }
  const order = at.map((_, i) => i).sort((x, y) => (at[x] < at[y] ? -1 : at[x] > at[y] ? 1 : 0));
  const out: Intervals = { start: [], end: [] };
  let depth = 0;
  for (let k = 0; k < order.length;) {
    const pos = at[order[k]];
    const was = depth;
    for (; k < order.length && at[order[k]] === pos; k++) depth += step[order[k]];
    if (was !== 1 && depth === 1) {
      out.start.push(pos);
      out.end.push(pos);
    } else if (was === 1 && depth !== 1) out.end[out.end.length - 1] = pos;
  }
  // join stretches that touch (a range ending where the next begins)
  return mergeRanges(out.start, out.end);
}

/** Bytes of the merged ranges `a` not covered by the merged ranges `b`. */
export function bytesNotCovered(a: Intervals, b: Intervals): bigint {
  let total = 0n;
  let j = 0;
  for (let i = 0; i < a.start.length; i++) {
    let pos = a.start[i];
    const end = a.end[i];
    while (j < b.start.length && b.end[j] <= pos) j++;
    let k = j;
    while (pos < end && k < b.start.length && b.start[k] < end) {
      if (b.start[k] > pos) total += b.start[k] - pos;
      if (b.end[k] > pos) pos = b.end[k];
      k++;
    }
    if (pos < end) total += end - pos;
  }
  return total;
}

/** The folder a file system of st_dev `dev` is mounted at with its own root ('/' in mountinfo), or undefined. */
export function mountRootOf(dev: bigint): string | undefined {
  const name = devName(dev);
  return readMounts().find((m) => m.dev === name && m.root === '/')?.mountPoint;
}

/**
 * Map every regular file under `root` on st_dev `dev` whose inode is not in `selected`, and
 * collect the physical ranges of its shared extents. Does not leave the file system (folders of
 * another st_dev are skipped), follows no link, and reports progress in files.
 */
async function scanOutside(
  resolve: (p: string) => Promise<ExtendedBackend>,
  root: string,
  dev: bigint,
  selected: Set<bigint>,
  ctx: EngineContext,
  progress: (files: number) => void,
): Promise<OutsideScan> {
  const start: bigint[] = [];
  const end: bigint[] = [];
  let files = 0;
  let unreadable = 0;
  const unreadableExamples: string[] = [];
  const cannotRead = (p: string, e: unknown): void => {
    unreadable++;
    const code = (e as NodeJS.ErrnoException).code;
    if (unreadableExamples.length < 3) unreadableExamples.push(code ? `${p} (${code})` : p);
  };
  let inodes = 0;
  const mountedOver: string[] = [];
  const seen = new Set<bigint>();
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    ctx.checkCancelled();
    await ctx.maybeYield();
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(osPath(p), { bigint: true });
    } catch (e) {
      cannotRead(p, e);
      continue;
    }
    if (st.dev !== dev) {
      // (the folder under it holds what the walk cannot see)
      if (st.isDirectory()) mountedOver.push(p);
      continue;
    }
    if (st.nlink > 1n && !st.isDirectory()) {
      if (seen.has(st.ino)) continue;
      seen.add(st.ino);
    }
    inodes++;
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = fs.readdirSync(osPath(p), { encoding: 'buffer' }).map(fromOsBytes);
      } catch (e) {
        cannotRead(p, e);
        continue;
      }
      for (const n of names) stack.push(childPath(p, n));
      continue;
    }
    if (!st.isFile() || selected.has(st.ino)) continue;
    let m: PackedExtentMap;
    try {
      const b = await resolve(p);
      if (b.extentMapPacked) m = await b.extentMapPacked(p, undefined, ctx);
      else {
        const { extents, ...rest } = await b.extentMap(p, undefined, ctx);
        m = { ...rest, packed: packExtents(extents) };
      }
    } catch (e) {
      if (isCancelled(e)) throw e;
      cannotRead(p, e);
      continue;
    }
    files++;
    const k = m.packed;
    for (let i = 0; i < k.count; i++) {
      if ((k.flags[i] & EXTENT_FLAG.SHARED) === 0 || !linearPhysical(k.physical[i], k.flags[i])) continue;
      start.push(k.physical[i]);
      end.push(k.physical[i] + BigInt.asUintN(64, k.length[i]));
    }
    progress(files);
  }
  const merged = mergeRanges(start, end);
  return { ...merged, files, unreadable, unreadableExamples, inodes, mountedOver };
}

/**
 * Inodes of the file system at `root` that the scan did not reach: what a folder hidden under
 * another mount holds, a deleted file a program still holds open, or a file made during the scan.
 * XFS counts its inodes in use exactly (`inodesInUse`: statfs f_files - f_ffree after syncfs, which
 * finishes inactivating inodes deleted a moment before; without it statfs still counts them), and two of them are its own
 * (the realtime bitmap and summary, always allocated); the rest must be ones the walk met.
 * Elsewhere, or with quotas (their inodes count too), only folders mounted over are known: then
 * undefined where there are some, 0n where there are none.
 */
export function unreachedInodes(
  root: string,
  filesystem: string | undefined,
  scan: OutsideScan,
  inodesInUse: bigint | undefined,
): bigint | undefined {
  const quotas = (readMounts().find((m) => m.mountPoint === root)?.options ?? []).some(
    (o) => o !== 'noquota' && /quota$|^[ugp]qnoenforce$/.test(o),
  );
  if (filesystem === 'xfs' && !quotas && inodesInUse !== undefined) {
    const missing = inodesInUse - 2n - BigInt(scan.inodes);
    return missing > 0n ? missing : 0n;
  }
  return scan.mountedOver.length > 0 ? undefined : 0n;
}

/**
 * Where an exact scan can help: shared ranges, all placed, no owner answer, not btrfs (whole
 * extents), not overlayfs (its maps place blocks on the file system beneath it, whose other files
 * a scan of the overlay never sees: "exact" would be a guess).
 */
export function scanApplies(g: Group): boolean {
  return (
    g.ranges.count > 0 &&
    !g.inside &&
    g.filesystem !== 'btrfs' &&
    g.filesystem !== 'overlayfs' &&
    g.unplaced === 0n &&
    g.encoded.count === 0
  );
}

/** Whether `g`'s exact scan ran and reached everything that could reference its shared blocks (its figure is exact). */
export function completeScan(g: Group): g is Group & { scan: NonNullable<Group['scan']> } {
  return g.scan !== undefined && g.scan.unreadable === 0 && g.scan.hidden === 0n && g.scan.unreached === 0n;
}

/**
 * The exact scans (engine.space with exactScan): for each file system where one can help, every
 * other file of it, for references outside the selection (Group.scan). `keptFiles` (kept by a
 * hard link outside) count as outside. Where none runs, `notes` says why. `say` reports the step.
 */
export async function exactScans(
  groups: Group[],
  table: FileTable,
  keptFiles: ReadonlySet<number>,
  resolve: (p: string) => Promise<ExtendedBackend>,
  ctx: EngineContext,
  notes: Map<Group, string>,
  say: (message: string) => void,
): Promise<void> {
  /** The file system's own count of inodes in use (after syncfs), where its backend gives one. */
  const inodesInUse = async (root: string): Promise<bigint | undefined> => {
    try {
      return await (await resolve(root)).inodesInUseSynced?.(root);
    } catch {
      return undefined; // then only folders mounted over are known
    }
  };
  for (const g of groups) {
    if (g.filesystem === 'btrfs' && g.disk === undefined && g.ranges.count > 0) {
      // (asked for, and not run: say so rather than leave the option without effect)
      const why =
        'The exact scan does not run on btrfs: btrfs frees an extent only whole, and only its extent items (as root) say ' +
        'which extents that is; run as root for the exact figure.';
      notes.set(g, notes.has(g) ? `${notes.get(g)} ${why}` : why);
    }
    if (g.filesystem === 'overlayfs' && g.ranges.count > 0) {
      const why =
        "The exact scan does not run through an overlay: its blocks lie on the file system beneath it, whose other files the overlay does not show; run space on the layers' own folders for that.";
      notes.set(g, notes.has(g) ? `${notes.get(g)} ${why}` : why);
    }
    if (!scanApplies(g)) continue;
    const root = mountRootOf(g.dev);
    if (root === undefined) {
      notes.set(g, 'the exact scan needs the file system mounted with its own root visible (none found in /proc/self/mountinfo).');
      continue;
    }
    const selected = new Set<bigint>();
    for (let i = 0; i < table.count; i++) if (groups[table.fileSystem[i]] === g && !keptFiles.has(i)) selected.add(table.ino[i]);
    const out = await scanOutside(resolve, root, g.dev, selected, ctx, (n) => say(`exact scan: ${n} other files of ${root}`));
    const outside = unionOf(
      out,
      placesOf(g.ranges, (f) => keptFiles.has(f)),
    );
    const n = g.ranges.count;
    const mine = mergeRanges(g.ranges.start.subarray(0, n), g.ranges.end.subarray(0, n));
    const hidden = bytesNotCovered(heldOnce(g.ranges.start, g.ranges.end, n), outside);
    g.scan = {
      reclaimableShared: bytesNotCovered(mine, outside),
      files: out.files,
      unreadable: out.unreadable,
      unreadableExamples: out.unreadableExamples,
      outside,
      hidden,
      unreached: unreachedInodes(root, g.filesystem, out, await inodesInUse(root)),
      mountedOver: out.mountedOver,
    };
  }
}

/** The places of the shared ranges of the files `which` picks, merged. */
export function placesOf(rs: SharedRanges, which: (file: number) => boolean): Intervals {
  const start: bigint[] = [];
  const end: bigint[] = [];
  for (let r = 0; r < rs.count; r++)
    if (which(rs.file[r])) {
      start.push(rs.start[r]);
      end.push(rs.end[r]);
    }
  return mergeRanges(start, end);
}
