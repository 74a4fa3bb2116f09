// Space accounting (engine.space): what a selection of files costs on disk and what deleting it
// would free, from every file's extent map (physical offsets and the SHARED flag), written once
// over the Backend. Definitions: docs/ENGINE.md, "Space accounting".
//
// The walk: folders recursively, symbolic links never followed, hard links once (by dev:ino),
// one group per file system (space-fs.ts). A path that cannot be read is reported in `errors`
// and the walk goes on. Per file only its sums are kept; the physical ranges kept are the shared
// ones (memory grows with shared extents, not with files), swept at the end for the union
// (`unique`) and for which files overlap which.

import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { ExtendedBackend } from './backend-ext';
import type { EngineContext } from './context';
import { nodeFsError } from './errno';
import { isCancelled } from './errors';
import { EXTENT_FLAG, packExtents, type PackedExtentMap } from './map-format';
import { fileSystemKey } from './space-fs';
import { bytesNotCovered, mergeRanges, mountRootOf, scanOutside } from './space-scan';
import { isSmbPath } from './smb-path';
import type { SpaceError, SpaceFile, SpaceFileSystem, SpaceResult, SpaceTotals } from './space-types';
import { fromOsBytes, osPath } from './os-path';

/** Extents with no data blocks of their own (what `btrfs filesystem du` skips too). */
const NO_BLOCKS = EXTENT_FLAG.INLINE | EXTENT_FLAG.DELALLOC;

interface Group {
  id: string;
  dev: bigint;
  filesystem?: string;
  totals: SpaceTotals;
  /** Bytes not shared, with a physical offset: disjoint from every other range. */
  own: bigint;
  /** Bytes whose physical place is unknown (SEEK-only maps, shared extents without an offset). */
  unplaced: bigint;
  sharingUnknownFiles: number;
  /** The shared ranges: start, end, file index, refcount (0 = not given). */
  start: bigint[];
  end: bigint[];
  file: number[];
  ref: number[];
  /** Exclusive bytes of files with a hard link outside the selection (deleting the selection keeps them). */
  kept: bigint;
  /** Per shared range: every reference to its extent is a file of the selection (btrfs owner queries). */
  inside?: boolean[];
  /** With exactScan: shared bytes of the selection no file outside references, and how the scan went. */
  scan?: { reclaimableShared: bigint; files: number; unreadable: number };
}

function emptyTotals(): SpaceTotals {
  return {
    files: 0,
    size: 0n,
    allocated: 0n,
    shared: 0n,
    exclusive: 0n,
    unique: 0n,
    reclaimable: 0n,
    reclaimableExact: true,
    reclaimableMax: 0n,
  };
}

function errorOf(p: string, e: unknown): SpaceError {
  const f = nodeFsError('space', e, [p]);
  if (f.code === 'EACCES')
    return { path: p, code: f.code, message: `space: cannot read ${p}: permission denied; it was skipped (EACCES).` };
  return { path: p, code: f.code, message: f.message };
}

function kindWord(st: fs.BigIntStats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

async function mapOf(b: ExtendedBackend, p: string, ctx: EngineContext): Promise<PackedExtentMap> {
  if (b.extentMapPacked) return b.extentMapPacked(p, undefined, ctx);
  const { extents, ...rest } = await b.extentMap(p, undefined, ctx);
  return { ...rest, packed: packExtents(extents) };
}

export interface SpaceOptions {
  /** Where owners cannot be asked, map every other file of the file system (exact on XFS). */
  exactScan?: boolean;
}

export async function spaceOf(
  resolve: (p: string) => Promise<ExtendedBackend>,
  paths: string[],
  ctx: EngineContext,
  opts: SpaceOptions = {},
): Promise<SpaceResult> {
  const t0 = performance.now();
  const files: SpaceFile[] = [];
  const errors: SpaceError[] = [];
  const notes: string[] = [];
  const groups: Group[] = [];
  const groupByDev = new Map<bigint, number>();
  /** Hard-linked files met: the file's index (once mapped), the names met, its link count. */
  const seenLinks = new Map<string, { index?: number; names: bigint; nlink: bigint }>();
  const fileIno: bigint[] = [];
  let symlinks = 0;
  let hardLinks = 0;
  let mappedBytes = 0n;

  const groupFor = (p: string, dev: bigint): number => {
    const known = groupByDev.get(dev);
    if (known !== undefined) return known;
    const id = fileSystemKey(p, dev);
    let g = groups.findIndex((x) => x.id === id);
    if (g < 0) {
      g = groups.length;
      groups.push({
        id,
        dev,
        totals: emptyTotals(),
        own: 0n,
        unplaced: 0n,
        sharingUnknownFiles: 0,
        start: [],
        end: [],
        file: [],
        ref: [],
        kept: 0n,
      });
    }
    groupByDev.set(dev, g);
    return g;
  };

  const account = async (p: string, st: fs.BigIntStats): Promise<void> => {
    let link: { index?: number; names: bigint; nlink: bigint } | undefined;
    // Several paths may overlap (a folder and a file in it): then every file is remembered.
    if (st.nlink > 1n || paths.length > 1) {
      const key = `${st.dev}:${st.ino}`;
      const seen = seenLinks.get(key);
      if (seen) {
        if (st.nlink > 1n) hardLinks++;
        seen.names++;
        return;
      }
      link = { names: 1n, nlink: st.nlink };
      seenLinks.set(key, link);
    }
    let m: PackedExtentMap;
    try {
      m = await mapOf(await resolve(p), p, ctx);
    } catch (e) {
      if (isCancelled(e)) throw e;
      errors.push(errorOf(p, e));
      return;
    }
    const gi = groupFor(p, st.dev);
    const g = groups[gi];
    if (g.filesystem === undefined) {
      const b = await resolve(p);
      g.filesystem = b.fsInfo
        ? await b.fsInfo(p).then(
            (i) => i.filesystem,
            () => undefined,
          )
        : undefined;
    }
    const index = files.length;
    const k = m.packed;
    let allocated = 0n;
    let shared = 0n;
    let inline = 0n;
    let unknown = false;
    for (let i = 0; i < k.count; i++) {
      const flags = k.flags[i];
      const len = BigInt.asUintN(64, k.length[i]);
      if (len === 0n) continue;
      if ((flags & NO_BLOCKS) !== 0 || (m.source === 'fiemap' && (flags & EXTENT_FLAG.UNKNOWN) !== 0)) {
        inline += len;
        continue;
      }
      allocated += len;
      const phys = k.physical[i];
      const ref = k.refcounts?.[i] ?? 0;
      if ((flags & EXTENT_FLAG.SHARED) !== 0 || ref > 1) {
        shared += len;
        if (phys >= 0n) {
          g.start.push(phys);
          g.end.push(phys + len);
          g.file.push(index);
          g.ref.push(ref);
        } else g.unplaced += len;
      } else if (phys >= 0n) g.own += len;
      else {
        g.unplaced += len;
        unknown = true;
      }
    }
    const f: SpaceFile = { path: p, size: m.size, allocated, shared, exclusive: allocated - shared, fileSystem: gi, sharesWith: [] };
    if (unknown) {
      f.sharingUnknown = true;
      g.sharingUnknownFiles++;
    }
    if (inline > 0n) f.inline = inline;
    files.push(f);
    fileIno.push(st.ino);
    if (link) link.index = index;
    const t = g.totals;
    t.files++;
    t.size += f.size;
    t.allocated += allocated;
    t.shared += shared;
    t.exclusive += f.exclusive;
    if (m.size !== st.size)
      errors.push({
        path: p,
        code: 'E_CHANGED',
        message: `space: ${p} changed during the scan (size ${st.size}, then ${m.size}); it is counted as it was when mapped (E_CHANGED).`,
      });
    mappedBytes += allocated;
    ctx.progress({ done: mappedBytes, total: 0n, files: files.length, message: `${files.length} files, ${mappedBytes} bytes allocated` });
  };

  // Depth first, names in order; a stack of paths still to visit (one folder's names at a time).
  const visit = async (p: string, top: boolean): Promise<void> => {
    ctx.checkCancelled();
    await ctx.maybeYield();
    if (isSmbPath(p)) {
      const message = `space: ${p}: smb:// paths cannot be accounted yet (folders are not listed over SMB) (E_UNSUPPORTED).`;
      errors.push({ path: p, code: 'E_UNSUPPORTED', message });
      return;
    }
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(osPath(p), { bigint: true });
    } catch (e) {
      errors.push(errorOf(p, e));
      return;
    }
    if (st.isSymbolicLink()) {
      symlinks++;
      if (top)
        errors.push({
          path: p,
          code: 'E_NOT_REGULAR',
          message: `space: ${p} is a symbolic link; links are not followed, name what it points to instead (E_NOT_REGULAR).`,
        });
      return;
    }
    if (st.isFile()) return account(p, st);
    if (!st.isDirectory()) {
      errors.push({
        path: p,
        code: 'E_NOT_REGULAR',
        message: `space: ${p} is ${kindWord(st)}, not a regular file; skipped (E_NOT_REGULAR).`,
      });
      return;
    }
    let names: string[];
    try {
      names = fs.readdirSync(osPath(p), { encoding: 'buffer' }).map(fromOsBytes);
    } catch (e) {
      errors.push(errorOf(p, e));
      return;
    }
    names.sort();
    for (const n of names) await visit(nodePath.join(p, n), false);
  };

  for (const p of paths) await visit(p, true);

  // A file with a name outside the selection stays when the selection is deleted.
  const keptFiles = new Set<number>();
  for (const l of seenLinks.values())
    if (l.index !== undefined && l.names < l.nlink) {
      keptFiles.add(l.index);
      groups[files[l.index].fileSystem].kept += files[l.index].exclusive;
    }
  if (keptFiles.size > 0)
    notes.push(
      `${keptFiles.size} file${keptFiles.size === 1 ? ' has' : 's have'} hard links outside the selection: deleting the selection ` +
        'would not free ' +
        (keptFiles.size === 1 ? 'it' : 'them') +
        ', so reclaimable leaves them out.',
    );

  // Who owns the shared extents, where the file system can say (btrfs, as root).
  const ownerNotes = new Map<Group, string>();
  for (const g of groups) {
    if (g.filesystem !== 'btrfs' || g.start.length === 0) continue;
    ctx.progress({ done: mappedBytes, total: 0n, files: files.length, message: `who else references ${g.start.length} shared ranges` });
    const first = files[g.file[0]].path;
    const b = await resolve(first);
    if (!b.extentOwners) continue;
    let q;
    try {
      q = b.extentOwners(first);
      if (!q) continue;
      const rootByDev = new Map<bigint, bigint>();
      const selected = new Set<string>();
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        if (groups[f.fileSystem] !== g || keptFiles.has(i)) continue;
        const dev = fs.lstatSync(osPath(f.path), { bigint: true }).dev;
        let root = rootByDev.get(dev);
        if (root === undefined) rootByDev.set(dev, (root = q.rootOf(f.path)));
        selected.add(`${root}:${fileIno[i]}`);
      }
      const byPhysical = new Map<bigint, boolean>();
      const inside: boolean[] = [];
      for (let r = 0; r < g.start.length; r++) {
        ctx.checkCancelled();
        let v = byPhysical.get(g.start[r]);
        if (v === undefined) {
          v = q.owners(g.start[r]).every((o) => selected.has(`${o.root}:${o.ino}`));
          byPhysical.set(g.start[r], v);
        }
        inside.push(v);
      }
      g.inside = inside;
    } catch (e) {
      if (isCancelled(e)) throw e;
      const code = (e as { code?: string }).code;
      ownerNotes.set(
        g,
        code === 'EPERM'
          ? 'the exact figure needs root: BTRFS_IOC_LOGICAL_INO_V2 (who references each shared extent) was refused (EPERM).'
          : `the owners of the shared extents could not be read: ${(e as Error).message}`,
      );
    } finally {
      q?.close();
    }
  }

  // The exact scan: every other file of the file system, for references outside the selection.
  if (opts.exactScan)
    for (const g of groups) {
      if (g.start.length === 0 || g.inside || g.filesystem === 'btrfs' || g.unplaced > 0n) continue;
      const root = mountRootOf(g.dev);
      if (root === undefined) {
        ownerNotes.set(g, 'the exact scan needs the file system mounted with its own root visible (none found in /proc/self/mountinfo).');
        continue;
      }
      const selected = new Set<bigint>();
      const keptStart: bigint[] = [];
      const keptEnd: bigint[] = [];
      for (let i = 0; i < files.length; i++) if (groups[files[i].fileSystem] === g && !keptFiles.has(i)) selected.add(fileIno[i]);
      for (let r = 0; r < g.start.length; r++)
        if (keptFiles.has(g.file[r])) {
          keptStart.push(g.start[r]);
          keptEnd.push(g.end[r]);
        }
      const out = await scanOutside(resolve, root, g.dev, selected, ctx, (n) =>
        ctx.progress({ done: mappedBytes, total: 0n, files: files.length, message: `exact scan of ${root}: ${n} other files` }),
      );
      const outside = mergeRanges([...out.start, ...keptStart], [...out.end, ...keptEnd]);
      g.scan = { reclaimableShared: bytesNotCovered(mergeRanges(g.start, g.end), outside), files: out.files, unreadable: out.unreadable };
    }

  // The sweep, one file system at a time.
  const pairs = new Map<string, bigint>();
  const fileSystems: SpaceFileSystem[] = groups.map((g) => {
    ctx.checkCancelled();
    const s = sweep(g, pairs);
    const t = g.totals;
    t.unique = g.own + s.union + g.unplaced;
    const fsNotes: string[] = [];
    const name = g.filesystem ?? 'this file system';
    if (g.sharingUnknownFiles > 0)
      fsNotes.push(
        `${g.sharingUnknownFiles} file${g.sharingUnknownFiles === 1 ? '' : 's'} on ${name} have no physical offsets in their maps ` +
          '(a SEEK-only map): their sharing is unknown; they are counted as allocated and assumed to share nothing.',
      );
    if (t.shared === 0n && g.sharingUnknownFiles === 0) {
      t.reclaimable = t.exclusive - g.kept;
      t.reclaimableMax = t.reclaimable;
      fsNotes.push(`exact: no extent on ${name} is shared, so deleting the selection frees its exclusive bytes.`);
    } else if (g.scan && g.scan.unreadable === 0) {
      t.reclaimable = g.own - g.kept + g.scan.reclaimableShared;
      t.reclaimableMax = t.reclaimable;
      fsNotes.push(
        `exact: a scan of the ${g.scan.files} other files of ${name} found which shared bytes are also referenced outside ` +
          'the selection (as the file system was during the scan).',
      );
    } else if (s.refUnknown === 0n && g.unplaced === 0n && t.shared > 0n) {
      t.reclaimable = g.own - g.kept + s.reclaimableShared;
      t.reclaimableMax = t.reclaimable;
      fsNotes.push(
        g.inside
          ? 'exact: BTRFS_IOC_LOGICAL_INO_V2 named every file referencing each shared extent; ' +
              'an extent is counted as freed when all of its references are in the selection.'
          : `exact: every shared extent on ${name} carries its reference count, compared with the references in the selection.`,
      );
    } else {
      t.reclaimableExact = false;
      t.reclaimable = t.exclusive - g.kept;
      t.reclaimableMax = (t.unique > t.exclusive ? t.unique : t.exclusive) - g.kept;
      const why = ownerNotes.get(g);
      if (why) fsNotes.push(why);
      if (g.scan)
        fsNotes.push(`the exact scan could not read ${g.scan.unreadable} paths of ${name}, so it cannot be exact; run it as root.`);
      fsNotes.push(
        `bounds: between ${t.reclaimable} (the exclusive bytes: no other reference) and ${t.reclaimableMax} (the unique bytes, ` +
          `if no reference to the shared ones lies outside the selection); ${name} does not say here who else shares ` +
          'a shared extent (an exact answer needs its owners: BTRFS_IOC_LOGICAL_INO_V2 on btrfs as root; elsewhere ' +
          'FS_IOC_GETFSMAP or a scan of every file of the file system, not done yet).',
      );
    }
    if (g.filesystem === 'btrfs')
      fsNotes.push('btrfs frees an extent only whole: an extent the selection references in part may free more than the bytes referenced.');
    return { ...t, filesystem: g.filesystem ?? 'unknown', id: g.id, notes: fsNotes };
  });

  // Who shares with whom, most bytes first.
  for (const [key, bytes] of pairs) {
    const comma = key.indexOf(',');
    const a = Number(key.slice(0, comma));
    const b = Number(key.slice(comma + 1));
    files[a].sharesWith.push({ path: files[b].path, bytes });
    files[b].sharesWith.push({ path: files[a].path, bytes });
  }
  for (const f of files) if (f.sharesWith.length > 1) f.sharesWith.sort((x, y) => (x.bytes > y.bytes ? -1 : x.bytes < y.bytes ? 1 : 0));

  const total = emptyTotals();
  for (const s of fileSystems) {
    total.files += s.files;
    total.size += s.size;
    total.allocated += s.allocated;
    total.shared += s.shared;
    total.exclusive += s.exclusive;
    total.unique += s.unique;
    total.reclaimable += s.reclaimable;
    total.reclaimableMax += s.reclaimableMax;
    total.reclaimableExact &&= s.reclaimableExact;
  }
  if (symlinks > 0) notes.push(`${symlinks} symbolic link${symlinks === 1 ? ' was' : 's were'} not followed.`);
  if (hardLinks > 0)
    notes.push(
      `${hardLinks} hard link${hardLinks === 1 ? '' : 's'} to files already counted ${hardLinks === 1 ? 'was' : 'were'} not counted again.`,
    );
  if (fileSystems.length > 1) notes.push(`the selection spans ${fileSystems.length} file systems, each accounted apart (fileSystems).`);
  const durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
  return { files, total, fileSystems, errors, symlinks, hardLinks, notes, durationMs };
}

/**
 * Sweep the shared ranges of one file system in physical order: the union of them; for every
 * pair of files both present on a stretch, the stretch's length (into `pairs`, "a,b" with
 * a < b); and, where reference counts are given, the bytes all of whose references are in the
 * selection. Memory: the ranges, and the set of ranges open at one point.
 */
function sweep(g: Group, pairs: Map<string, bigint>): { union: bigint; reclaimableShared: bigint; refUnknown: bigint } {
  const n = g.start.length;
  const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
  const byStart = Array.from({ length: n }, (_, i) => i).sort((x, y) => cmp(g.start[x], g.start[y]));
  const byEnd = Array.from({ length: n }, (_, i) => i).sort((x, y) => cmp(g.end[x], g.end[y]));
  const open = new Set<number>();
  let union = 0n;
  let reclaimableShared = 0n;
  let refUnknown = 0n;
  let i = 0;
  let j = 0;
  let prev = 0n;
  while (j < n) {
    const next = i < n && g.start[byStart[i]] < g.end[byEnd[j]] ? g.start[byStart[i]] : g.end[byEnd[j]];
    if (open.size > 0 && next > prev) {
      const len = next - prev;
      union += len;
      const perFile = new Map<number, number>();
      let maxRef = 0;
      let unknownRef = false;
      let inside = false;
      for (const r of open) {
        perFile.set(g.file[r], (perFile.get(g.file[r]) ?? 0) + 1);
        if (g.inside?.[r]) inside = true;
        if (g.ref[r] === 0) unknownRef = true;
        else if (g.ref[r] > maxRef) maxRef = g.ref[r];
      }
      // Owners known (btrfs): every range over this stretch is in one extent, freed or not.
      if (g.inside) {
        if (inside) reclaimableShared += len;
      } else if (unknownRef) refUnknown += len;
      else if (open.size >= maxRef) reclaimableShared += len;
      if (perFile.size > 1) {
        const ids = [...perFile.keys()].sort((a, b) => a - b);
        for (let a = 0; a < ids.length; a++)
          for (let b = a + 1; b < ids.length; b++) {
            const key = `${ids[a]},${ids[b]}`;
            pairs.set(key, (pairs.get(key) ?? 0n) + len);
          }
      }
    }
    while (j < n && g.end[byEnd[j]] === next) open.delete(byEnd[j++]);
    while (i < n && g.start[byStart[i]] === next) open.add(byStart[i++]);
    prev = next;
  }
  return { union, reclaimableShared, refUnknown };
}
