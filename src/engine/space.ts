// Space accounting (engine.space): what a selection of files costs on disk and what deleting it
// would free, from every file's extent map (physical offsets and the SHARED flag), written once
// over the Backend. Definitions: docs/ENGINE.md, "Space accounting".
//
// The walk is the selection walk (walk.ts: folders recursively, symbolic links never followed,
// hard links once by dev:ino, smb:// folders over SMB), except a named local folder the backend
// walks itself (Linux: backends/linux/space-walk.ts, getdents64 + FIEMAP in one loop), which
// feeds the same accounting through a SpaceSink. One group per file system (space-fs.ts). A
// path that cannot be read is reported in `errors` and the walk goes on. Per file only its
// sums are kept; the physical ranges kept are the shared ones (memory grows with shared
// extents, not with files), swept at the end for the union (`unique`) and for which files
// overlap which.
// Kept apart: the per-file columns and groups (space-table.ts), the owner queries
// (space-owners.ts), btrfs's whole-extent count (space-btrfs.ts), the exact scan (space-scan.ts),
// each file system's figures and notes (space-figures.ts), the sweep (space-sweep.ts), the
// file-system grouping (space-fs.ts), overlays met (space-overlay.ts), the walk (walk.ts) and the Linux walk
// (backends/linux/space-walk.ts). (About 600 lines: spaceOf is one closure over the walk's state,
// which the sink the two walks feed updates per file: the table, the groups by st_dev, the hard
// links met, the rows still to stream. Split further, that sink would take it all as parameters.)

import { withProgress } from './backend';
import type { ExtendedBackend, SpaceSink } from './backend-ext';
import type { EngineContext } from './context';
import { isCancelled } from './errors';
import { isExtFamily } from './ext-family';
import { EXTENT_FLAG, linearPhysical, type PackedExtentMap } from './map-format';
import { fileSystemKey, mountPointOf, mountsRepeatInside, sharesNoBlocks } from './space-fs';
import { exactScans } from './space-scan';
import { isSmbPath } from './smb-path';
import { undeletableOnShares } from './space-deletable';
import { undeletableReadOnly } from './space-read-only';
import { activeSwapFiles } from './swap-files';
import { fileSystemFigures, type FigureInputs } from './space-figures';
import { lowerOnlyFiles } from './overlay-layers';
import { SpaceOverlays } from './space-overlay';
import { askOwners } from './space-owners';
import { aloneParts, onePathTotals, pathTotals } from './space-alone';
import { partnersOf, type OwnerSet } from './space-sweep';
import { emptyTotals, ENCODED_SCALE, FileTable, MAX_ENCODED_ADDRESS, MAX_ENCODED_LENGTH, SharedRanges, type Group } from './space-table';
import type { SpaceError, SpaceFile, SpaceFileSystem, SpaceOverlap, SpaceResult, SpaceSharing } from './space-types';
import {
  backendFolderWalk,
  FilesMet,
  foldersAgainNote,
  notRegularPathError,
  pathError,
  SMB_LINKS,
  walkSelection,
  wholeMap,
  type FileMet,
  type WalkedFile,
} from './walk';

/** The most partners a file's sharesWith lists (those with most bytes in common); sharesWithCount counts them all. */
export const SHARES_WITH_LIMIT = 100;

/** Extents with no data blocks of their own (what `btrfs filesystem du` skips too). */
const NO_BLOCKS = EXTENT_FLAG.INLINE | EXTENT_FLAG.DELALLOC;

export interface SpaceOptions {
  /** Where owners cannot be asked, map every other file of the file system (exact on XFS). */
  exactScan?: boolean;
  /**
   * Streaming: each file's row is given here (in the walk's order, once the sweep has said who
   * shares with whom) and not kept, so the result's `files` is empty. Without it the rows are
   * collected into `files`. The same rows either way.
   */
  onFile?: (f: SpaceFile) => void;
  /**
   * Streaming while the walk runs: each file's numbers as soon as it is mapped, with its place
   * among the rows (`index`: the same place onFile's row and `files` have later). `sharesWith`
   * is empty there: who shares with whom is known only after the sweep, in the final row.
   */
  onFileMapped?: (f: SpaceFile, index: number) => void;
  /**
   * Streaming after the sweep, for a consumer that keeps onFileMapped's rows: what the sweep adds
   * to the row at `index` (who it shares with, by place; sharedInside), in the walk's order. The
   * result's `files` is then empty (onFile, if given too, still gets the whole rows). Much less
   * than the whole rows to carry from the worker: no paths again.
   */
  onFileShared?: (index: number, s: SpaceSharing) => void;
}

/**
 * Over SMB the upper figure of what deleting frees counts every byte the files hold (the server
 * says nothing of sharing), which for a share of snapshots or clones can exceed the whole
 * volume: per SMB file system, the bytes its volume has in use (total less free, a query that
 * changes nothing), to cap it. Absent where the server does not say or the query fails.
 */
async function smbBytesInUse(
  groups: Group[],
  table: FileTable,
  resolve: (p: string) => Promise<ExtendedBackend>,
): Promise<Map<Group, bigint>> {
  const out = new Map<Group, bigint>();
  for (const [gi, g] of groups.entries()) {
    if (g.filesystem !== 'smb') continue;
    const i = table.firstOf(gi);
    if (i < 0) continue;
    try {
      const v = await (await resolve(table.path[i])).volume(table.path[i]);
      if (v.totalBytes !== undefined && v.freeBytes !== undefined) out.set(g, v.totalBytes - v.freeBytes);
    } catch {
      /* the figure stays as the files give it */
    }
  }
  return out;
}

export async function spaceOf(
  resolve: (p: string) => Promise<ExtendedBackend>,
  paths: string[],
  ctx: EngineContext,
  opts: SpaceOptions = {},
): Promise<SpaceResult> {
  const t0 = performance.now();
  const table = new FileTable();
  const errors: SpaceError[] = [];
  const notes: string[] = [];
  const groups: Group[] = [];
  const groupByDev = new Map<bigint, number>();
  // Through an overlay a file is its layer's own: met as that file, once (space-overlay.ts).
  const overlays = new SpaceOverlays(paths);
  /**
   * Hard links once (walk.ts), for both walks; and the index of each file remembered there, once
   * mapped. Every file is remembered where one may be met twice with one link: several named
   * paths, a mount inside the selection showing a file system it reaches elsewhere too (a bind
   * mount of a subfolder), or an overlay (a file met through it and in its layer).
   */
  const met = new FilesMet(paths.length > 1 || overlays.reached || mountsRepeatInside(paths), undefined, overlays.through);
  const indexOf = new Map<FileMet, number>();
  /** Files whose block count holds more than their FIEMAP extents (Group.beyondExtents), by index: few, so a Map. */
  const beyondOf = new Map<number, bigint>();
  /** Per st_dev (a btrfs subvolume has its own): a file there, its group and how many files (space-read-only.ts). */
  const devs = new Map<bigint, { path: string; group: number; files: number }>();
  let lastDev: { path: string; group: number; files: number } | undefined;
  let lastDevId = -1n;
  /** Links met by the backend's own walk (walk.ts counts its own). */
  let symlinks = 0;
  let mappedBytes = 0n;
  /** Groups whose file system is still to be named (fsInfo is async; the walks are not). */
  const unnamed: { g: Group; path: string }[] = [];
  /** Rows mapped while a file system was still to be named, streamed (in order) once it is. */
  const unstreamed: number[] = [];

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
        compressedFiles: 0,
        encodedBytes: 0n,
        heldOutside: 0n,
        heldOutsideFiles: 0,
        beyondExtents: 0n,
        beyondExtentsFiles: 0,
        beyondKept: 0n,
        attrBlocks: new Map(),
        attrBlocksFiles: 0,
        hiddenHoles: 0n,
        hiddenHolesFiles: 0,
        ranges: new SharedRanges(),
        encoded: new SharedRanges(),
        kept: 0n,
        keptFiles: 0,
      });
      unnamed.push({ g: groups[g], path: p });
    }
    groupByDev.set(dev, g);
    return g;
  };

  const nameFileSystems = async (): Promise<void> => {
    for (const { g, path: p } of unnamed.splice(0)) {
      const b = await resolve(p);
      // over SMB the server's file system is behind the share: named 'smb' (see the notes)
      g.filesystem = isSmbPath(p)
        ? 'smb'
        : b.fsInfo
          ? await b.fsInfo(p).then(
              (i) => i.filesystem,
              () => undefined,
            )
          : undefined;
      g.mountPoint = mountPointOf(p);
      // the files mapped before the name was known: nothing on tmpfs is shared after all
      if (sharesNoBlocks(g.filesystem) && g.sharingUnknownFiles > 0) {
        const gi = groups.indexOf(g);
        for (let i = 0; i < table.count; i++) if (table.fileSystem[i] === gi) table.bits[i] &= ~1;
        g.sharingUnknownFiles = 0;
      }
    }
    for (const i of unstreamed.splice(0)) opts.onFileMapped?.(table.row(i, []), i);
  };

  // Active swap files: the kernel will not delete one (EPERM) until swapoff (a note says so).
  const swaps = activeSwapFiles();
  let activeSwaps = 0;
  /** Files whose data has no blocks of its own (btrfs inline data), and their bytes (up to each size): a note says why 0. */
  let inlineFiles = 0;
  let inlineBytes = 0n;
  // The accounting of each file, fed by either walk (the backend's spaceWalk or walk.ts).
  const sink: SpaceSink = {
    meet: (dev, ino, nlink, _size, path) => met.meet(dev, ino, nlink, path),
    file(p, dev, ino, size, k, source, held, allocationSize) {
      if (swaps.size > 0 && swaps.has(`${dev}:${ino}`)) activeSwaps++;
      // a merged name: the layer's file, on its own file system (its path names that file system)
      const through = met.lastThrough?.path === p ? met.lastThrough.layer : undefined;
      if (through) ({ dev, ino } = through);
      const onFs = through?.path ?? p;
      const gi = groupFor(onFs, dev);
      const g = groups[gi];
      if (dev !== lastDevId || !lastDev) {
        lastDevId = dev;
        lastDev = devs.get(dev);
        if (!lastDev) devs.set(dev, (lastDev = { path: onFs, group: gi, files: 0 }));
      }
      lastDev.files++;
      const index = table.count;
      if (through?.lowerOnly) overlays.lowerOnly.add(index);
      if (through) table.setLayerPath(index, through.path);
      if (held && source === 'fiemap') beyondOf.set(index, held); // counted once the file system is named (XFS only)
      let allocated = 0n;
      let shared = 0n;
      let inline = 0n;
      // Over SMB no file's sharing is known, one with nothing allocated (empty, all holes) too:
      // else a share holding an empty file said "19 files are on an SMB share" of 20, and
      // "shared 0 bytes (of the 1 file whose sharing is known)".
      let unknown = isSmbPath(p);
      let compressed = false;
      let encoded = 0n;
      for (let i = 0; i < k.count; i++) {
        const flags = k.flags[i];
        const len = BigInt.asUintN(64, k.length[i]);
        if (len === 0n) continue;
        if ((flags & NO_BLOCKS) !== 0 || (source === 'fiemap' && (flags & EXTENT_FLAG.UNKNOWN) !== 0)) {
          inline += len;
          continue;
        }
        allocated += len;
        // an encoded (compressed) extent's physical names it but maps no bytes: no place here
        const phys = linearPhysical(k.physical[i], flags) ? k.physical[i] : -1n;
        const ref = k.refcounts?.[i] ?? 0;
        if ((flags & EXTENT_FLAG.SHARED) !== 0 || ref > 1) {
          shared += len;
          if (phys >= 0n) g.ranges.push(phys, phys + len, index, ref);
          else if (
            (flags & EXTENT_FLAG.ENCODED) !== 0 &&
            k.physical[i] >= 0n &&
            k.physical[i] < MAX_ENCODED_ADDRESS &&
            len <= MAX_ENCODED_LENGTH
          )
            g.encoded.push(k.physical[i] * ENCODED_SCALE, k.physical[i] * ENCODED_SCALE + len, index, ref);
          else g.unplaced += len;
        } else if (phys >= 0n) g.own += len;
        // an unshared encoded (btrfs compressed) extent with an address: the file's own
        // referenced bytes (uncompressed, as FIEMAP gives them), as exclusive counts them; btrfs
        // without root estimates what deleting frees from these (left out, a compressed VM image
        // read "about 568 KiB" for 30 MiB exclusive, 33 MiB freed)
        else if ((flags & EXTENT_FLAG.ENCODED) !== 0 && k.physical[i] >= 0n) g.own += len;
        else {
          g.unplaced += len;
          // a compressed extent has an address and FIEMAP's SHARED flag: known not shared; so
          // is everything on tmpfs, which cannot share
          if (k.physical[i] < 0n && !sharesNoBlocks(g.filesystem)) unknown = true;
        }
        if ((flags & EXTENT_FLAG.ENCODED) !== 0) {
          compressed = true;
          encoded += len;
        }
      }
      // Pages tmpfs holds for the file that SEEK_DATA calls holes (fallocate reserved them), or
      // what an SMB server's allocation size counts beyond its allocated ranges (Samba answers
      // from SEEK_DATA: preallocated extents): allocated, as du counts them, with no place (tmpfs
      // shares nothing; over SMB whether they are shared is not known).
      if (held && (source === 'seek' || source === 'allocated-ranges')) {
        allocated += held;
        g.unplaced += held;
        g.heldOutside += held;
        g.heldOutsideFiles++;
        if (!sharesNoBlocks(g.filesystem)) unknown = true;
      }
      // Ranges over holes the server does not show (an SMB file not marked sparse): count what it holds.
      if (allocationSize !== undefined && allocationSize < allocated - shared) {
        const over = allocated - shared - allocationSize;
        allocated -= over;
        g.unplaced -= over;
        g.hiddenHoles += over;
        g.hiddenHolesFiles++;
      }
      if (inline > 0n) {
        inlineFiles++;
        inlineBytes += inline < size ? inline : size;
      }
      if (unknown) g.sharingUnknownFiles++;
      if (compressed) g.compressedFiles++;
      g.encodedBytes += encoded;
      const at = table.add(p, size, allocated, shared, inline, ino, dev, gi, (unknown ? 1 : 0) | (inline > 0n ? 2 : 0));
      if (encoded > 0n) table.setEncoded(at, encoded);
      // (a row streams once its file system is named: whether its sharing is known depends on it)
      if (opts.onFileMapped) {
        if (unnamed.length > 0 || unstreamed.length > 0) unstreamed.push(index);
        else opts.onFileMapped(table.row(index, []), index);
      }
      if (met.last) indexOf.set(met.last, index);
      const t = g.totals;
      t.files++;
      t.size += size;
      t.allocated += allocated;
      t.shared += shared;
      t.exclusive += allocated - shared;
      mappedBytes += allocated;
      // The first file at once (a view shows life), then every 64 (the context throttles in time).
      if (table.count === 1 || (table.count & 63) === 0) progress();
    },
    changed(p, before, after) {
      errors.push({
        path: p,
        code: 'E_CHANGED',
        message: `space: ${p} changed during the scan (size ${before}, then ${after}); it is counted as it was when mapped (E_CHANGED).`,
      });
    },
    symlink() {
      symlinks++;
    },
    ...(overlays.enter ? { enter: overlays.enter } : {}),
    notRegular(p, kind) {
      errors.push(notRegularPathError('space', p, kind));
    },
    error(p, e) {
      if (isCancelled(e)) throw e;
      errors.push(pathError('space', p, e, true)); // (met already: ENOENT means removed since)
    },
  };
  // (no message while mapping: files and bytes say it; one names the later steps)
  const progress = (): void => ctx.progress({ done: mappedBytes, total: 0n, files: table.count });

  // A file of many extents: its map's progress is over its size, told as the scan's (files, bytes).
  const mapping = withProgress(ctx, (q) =>
    ctx.progress({ done: mappedBytes, total: 0n, files: table.count, message: `mapping a file: ${q.message ?? ''}` }),
  );

  /** One regular file met by walk.ts (met once): mapped through its Backend and accounted. */
  const accountFile = async (p: string, st: WalkedFile): Promise<void | { failed: unknown }> => {
    let m: PackedExtentMap;
    try {
      m = await wholeMap(await resolve(p), p, mapping);
    } catch (e) {
      sink.error(p, e);
      return { failed: e };
    }
    sink.file(p, st.dev, st.ino, m.size, m.packed, m.source, m.heldOutsideExtents, m.allocationSize);
    if (m.size !== st.size) sink.changed(p, st.size, m.size);
    await nameFileSystems();
  };

  /** A named local folder the backend walks itself, where it has its own walk (Linux: space-walk.ts). */
  const backendWalk = async (p: string): Promise<boolean> =>
    backendFolderWalk(await resolve(p), p, sink, mapping, async () => {
      await ctx.maybeYield();
      await nameFileSystems();
    });

  const walked = await walkSelection(
    paths,
    resolve,
    ctx,
    { file: accountFile, error: (e) => void errors.push(e), folder: backendWalk },
    met,
  );
  await nameFileSystems(); // (the last files' rows stream, if any waited)
  const readOnly = undeletableReadOnly(devs, paths);
  symlinks += walked.symlinks;
  const hardLinks = walked.hardLinks;
  progress();

  // A file with a name outside the selection stays when the selection is deleted.
  const keptFiles = new Set<number>();
  for (const l of met.all.values()) {
    const index = indexOf.get(l);
    if (index !== undefined && l.names < l.nlink) {
      keptFiles.add(index);
      const g = groups[table.fileSystem[index]];
      g.kept += table.exclusive(index);
      g.keptFiles++;
    }
  }
  // Deleting a merged name of a file only in an overlay's lower layer leaves a whiteout (overlay-layers.ts).
  // (those met as their layer's file: overlays.lowerOnly; the rest where the layers could not be looked in)
  for (const index of [...overlays.lowerOnly, ...lowerOnlyFiles(table, (gi) => groups[gi].filesystem === 'overlayfs')]) {
    if (keptFiles.has(index)) continue;
    keptFiles.add(index);
    const g = groups[table.fileSystem[index]];
    g.kept += table.exclusive(index);
    g.keptFiles++;
    g.lowerOnlyFiles = (g.lowerOnlyFiles ?? 0) + 1;
  }
  // XFS's and ext4's blocks beyond the extents (elsewhere the block count means other things:
  // btrfs counts referenced bytes). ext4's include an attribute block that files may share: that
  // is asked for (FIEMAP_FLAG_XATTR) and kept apart; the rest is the file's extent tree, its own.
  /** Of beyondOf, what each file's deletion frees (XFS, ext4's extent trees): for each path alone. */
  const beyondHeld = new Map<number, bigint>();
  for (const [index, all] of beyondOf) {
    const g = groups[table.fileSystem[index]];
    let held = all;
    if (isExtFamily(g.filesystem)) {
      const p = table.pathOnFileSystem(index);
      const attr = (await resolve(p)).attributeBlocks?.(p);
      if (attr === undefined) continue; // (cannot tell them apart: left out, as before)
      const bytes = attr.reduce((a, b) => a + b.bytes, 0n);
      held = all > bytes ? all - bytes : 0n;
      if (attr.length > 0) g.attrBlocksFiles++;
      for (const b of attr) g.attrBlocks.set(b.at, b.bytes); // (a block files share: once)
      if (held === 0n) continue;
    } else if (g.filesystem !== 'xfs') continue;
    g.beyondExtents += held;
    g.beyondExtentsFiles++;
    beyondHeld.set(index, held);
    if (keptFiles.has(index)) g.beyondKept += held;
  }

  // Several paths given: what each frees alone, from the same owners (space-alone.ts).
  const alone = paths.length > 1 ? aloneParts(paths, table, met, indexOf, keptFiles) : undefined;
  // Who owns the shared extents, where the file system can say (space-owners.ts).
  const owners = await askOwners(
    groups,
    table,
    keptFiles,
    resolve,
    ctx,
    (message) => ctx.progress({ done: mappedBytes, total: 0n, files: table.count, message }),
    alone,
  );
  // The exact scan: every other file of the file system, for references outside the selection.
  if (opts.exactScan)
    await exactScans(groups, table, keptFiles, resolve, ctx, owners.notes, (message) =>
      ctx.progress({ done: mappedBytes, total: 0n, files: table.count, message }),
    );

  // The sweep, one file system at a time.
  const sets: OwnerSet[] = [];
  /** Per file, of its shared bytes those deleting the selection frees, where its file system's figure is exact. */
  const insideOf = new BigUint64Array(table.count);
  const insideKnown = new Uint8Array(groups.length);
  // A path that could not be read (permission denied, an I/O error) may hold data the figures do
  // not count, on any of the file systems (a folder that cannot be listed may have mounts under
  // it): the total is then no more than a floor (below), and each file system's figures are
  // exact, or bounds, for the files that were read, which its notes say (a trial read "exact:"
  // beside an EACCES). Gone, special and changed files hold nothing uncounted.
  // (paths, not errors: a file whose map failed as its SMB server went is named again by the walk's stop)
  const unreadErrors = errors.filter((e) => !HOLDS_NOTHING_UNCOUNTED.has(e.code));
  const unread = new Set(unreadErrors.map((e) => e.path)).size;
  const exact = unread > 0 ? 'exact for the files that were read: ' : 'exact: ';
  const inUse = await smbBytesInUse(groups, table, resolve);
  // (files on a share the server would not delete: left out of what deleting frees, space-deletable.ts)
  const undeletable = await undeletableOnShares(table, (gi) => groups[gi].filesystem === 'smb', resolve, ctx);
  const figures: FigureInputs = {
    table,
    sets,
    keptFiles,
    exact,
    owners,
    inUse,
    undeletable,
    readOnly,
    insideOf,
    insideKnown,
    alone,
    beyondOf: beyondHeld,
    ctx,
  };
  const fileSystems: SpaceFileSystem[] = groups.map((g, gi) => fileSystemFigures(g, gi, figures));

  // The rows, in the walk's order, each with who it shares with (most bytes first).
  const files: SpaceFile[] = [];
  const { onFileShared } = opts;
  const emit = opts.onFile ?? (onFileShared ? undefined : (f: SpaceFile) => void files.push(f));
  partnersOf(sets, table.count, SHARES_WITH_LIMIT, (i, partners, bytes, count) => {
    const inside = insideKnown[table.fileSystem[i]] === 1 ? table.sharedInside(i, insideOf[i]) : undefined;
    if (emit) {
      const sharesWith: SpaceOverlap[] = [];
      for (let k = 0; k < partners.length; k++) sharesWith.push({ path: table.path[partners[k]], index: partners[k], bytes: bytes[k] });
      emit(table.row(i, sharesWith, count, inside));
    }
    if (onFileShared) {
      const s: SpaceSharing = { sharesWith: partners.map((index, k) => ({ index, bytes: bytes[k] })), sharesWithCount: count };
      if (inside !== undefined) s.sharedInside = inside;
      onFileShared(i, s);
    }
  });
  sets.length = 0;

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
    total.reclaimableBounds &&= s.reclaimableBounds;
    if (s.sharingUnknownFiles) total.sharingUnknownFiles = (total.sharingUnknownFiles ?? 0) + s.sharingUnknownFiles;
  }
  if (unread > 0) {
    total.reclaimableExact = false;
    total.reclaimableBounds = false;
    notes.push(
      `${unread === 1 ? 'One path' : `${unread} paths`} of the selection could not be read (errors): what ` +
        `${unread === 1 ? 'it holds is' : 'they hold is'} in none of the figures, so what deleting the selection frees ` +
        'is known only for the files that were read (at least that much, with them).',
    );
  }
  if (inlineFiles > 0)
    notes.push(
      `${inlineFiles === 1 ? 'One file keeps its' : `${inlineFiles} files keep their`} data, ${inlineBytes} bytes, inline in the ` +
        `file system's metadata (small btrfs files) or not yet placed: no data blocks of ${inlineFiles === 1 ? 'its' : 'their'} own, ` +
        `so allocated counts 0 for ${inlineFiles === 1 ? 'it' : 'them'}, as btrfs filesystem du does (compsize counts inline data), ` +
        'and deleting frees no data for them.',
    );
  if (activeSwaps > 0)
    notes.push(
      `${activeSwaps === 1 ? 'One file of the selection is an active swap file' : `${activeSwaps} files of the selection are active swap files`}: ` +
        `the kernel refuses to delete ${activeSwaps === 1 ? 'it' : 'them'} (EPERM) until swapoff; what deleting frees counts ` +
        `${activeSwaps === 1 ? 'it' : 'them'} as if swapped off.`,
    );
  if (symlinks > 0) notes.push(`${symlinks} symbolic link${symlinks === 1 ? ' was' : 's were'} not followed.`);
  if (walked.foldersAgain > 0) notes.push(foldersAgainNote(walked.foldersAgain));
  if (hardLinks > 0)
    notes.push(
      `${hardLinks} hard link${hardLinks === 1 ? '' : 's'} to files already counted ${hardLinks === 1 ? 'was' : 'were'} not counted again.` +
        (paths.some(isSmbPath) ? SMB_LINKS : ''),
    );
  if (met.mountedAgain > 0)
    notes.push(
      `${met.mountedAgain} file${met.mountedAgain === 1 ? ' was' : 's were'} met again under another name through a mount ` +
        'inside the selection (a bind mount of a folder it holds) and counted once.',
    );
  notes.push(...overlays.notes(met.layerAgain, fileSystems));
  if (alone?.spanning)
    notes.push(
      `${alone.spanning === 1 ? 'One file has' : `${alone.spanning} files have`} hard links under two of the paths given: ` +
        'deleting one of those paths alone leaves the other name, so what each path frees alone leaves them out.',
    );
  if (alone?.mounted.size)
    notes.push(
      `${alone.mounted.size === 1 ? 'One file is' : `${alone.mounted.size} files are`} reached under two of the paths given ` +
        `through a mount (one name, shown twice): deleting either path deletes ${alone.mounted.size === 1 ? 'it' : 'them'}, so what each of those paths frees alone ` +
        'is given as bounds.',
    );
  if (fileSystems.length > 1) notes.push(`the selection spans ${fileSystems.length} file systems, each accounted apart (fileSystems).`);
  const durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
  return {
    files,
    total,
    fileSystems,
    errors,
    paths: alone ? pathTotals(alone, errors, unreadErrors) : paths.map((p) => onePathTotals(p, total, errors, unreadErrors)),
    symlinks,
    hardLinks,
    ...(walked.foldersAgain > 0 ? { foldersAgain: walked.foldersAgain } : {}),
    ...(met.mountedAgain > 0 ? { mountedAgain: met.mountedAgain } : {}),
    notes,
    durationMs,
  };
}

/** Errors of paths that hold no data the figures miss: gone, a link loop, a special file, a file that changed (counted). */
const HOLDS_NOTHING_UNCOUNTED: ReadonlySet<string> = new Set([
  'ENOENT',
  'ENOTDIR',
  'ELOOP',
  'E_NOT_REGULAR',
  'E_CHANGED',
  'STATUS_OBJECT_NAME_NOT_FOUND',
  'STATUS_OBJECT_PATH_NOT_FOUND',
  'STATUS_NO_SUCH_FILE',
  'STATUS_DELETE_PENDING',
]);
