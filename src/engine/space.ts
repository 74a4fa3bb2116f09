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
// Kept apart: the per-file columns and groups (space-table.ts), the sweep (space-sweep.ts), btrfs's
// whole-extent count (space-btrfs.ts), the
// file-system grouping (space-fs.ts), the exact scan (space-scan.ts), the walk (walk.ts) and the
// Linux walk (backends/linux/space-walk.ts). (Over 400 lines: spaceOf is one closure over
// the walk's state: the sink the walks feed, the owner queries, the totals and notes per file
// system, and the rows; split further it would pass that state around in a dozen parameters.)

import * as fs from 'node:fs';
import type { ExtendedBackend, SpaceSink } from './backend-ext';
import type { EngineContext } from './context';
import { FsctlError, isCancelled } from './errors';
import { EXTENT_FLAG, linearPhysical, type PackedExtentMap } from './map-format';
import { fileSystemKey, mountPointOf, mountsRepeatInside, sharesNoBlocks } from './space-fs';
import { bytesNotCovered, heldOnce, mergeRanges, mountRootOf, scanOutside, unreachedInodes } from './space-scan';
import { isSmbPath } from './smb-path';
import { osPath } from './os-path';
import { diskFreed } from './space-btrfs';
import { undeletableNote, undeletableOnShares } from './space-deletable';
import { partnersOf, sharedInsideOf, sweep, type OwnerSet } from './space-sweep';
import { emptyTotals, FileTable, SharedRanges, sortedBy, type Group, type Intervals } from './space-table';
import type { SpaceError, SpaceFile, SpaceFileSystem, SpaceOverlap, SpaceResult, SpaceSharing } from './space-types';
import {
  backendFolderWalk,
  FilesMet,
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

/** Files outside the selection named as keeping its extents (btrfs as root): the first, by bytes kept. */
const HOLDERS_NAMED = 3;

/** Extents with no data blocks of their own (what `btrfs filesystem du` skips too). */
const NO_BLOCKS = EXTENT_FLAG.INLINE | EXTENT_FLAG.DELALLOC;

/**
 * Group.encoded: a compressed extent references at most 128 KiB (btrfs's BTRFS_MAX_UNCOMPRESSED)
 * and starts at a block (4 KiB at least), so address·32 + length never reaches the next one's.
 */
const MAX_ENCODED_LENGTH = 128n * 1024n;
const ENCODED_SCALE = 32n;
/** Above it address·32 would not fit the columns' 64 bits (2^58: far beyond any btrfs address seen). */
const MAX_ENCODED_ADDRESS = 1n << 58n;

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
  /**
   * Hard links once (walk.ts), for both walks; and the index of each file remembered there, once
   * mapped. Every file is remembered where one may be met twice with one link: several named
   * paths, or a mount inside the selection showing a file system it reaches elsewhere too (a bind
   * mount of a subfolder).
   */
  const met = new FilesMet(paths.length > 1 || mountsRepeatInside(paths));
  const indexOf = new Map<FileMet, number>();
  /** Files whose block count holds more than their FIEMAP extents (Group.beyondExtents), by index: few, so a Map. */
  const beyondOf = new Map<number, bigint>();
  /** Per st_dev (a btrfs subvolume has its own): a file there, its group and how many files (readOnlyDevs). */
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

  // The accounting of each file, fed by either walk (the backend's spaceWalk or walk.ts).
  const sink: SpaceSink = {
    meet: (dev, ino, nlink, _size, path) => met.meet(dev, ino, nlink, path),
    file(p, dev, ino, size, k, source, held, allocationSize) {
      const gi = groupFor(p, dev);
      const g = groups[gi];
      if (dev !== lastDevId || !lastDev) {
        lastDevId = dev;
        lastDev = devs.get(dev);
        if (!lastDev) devs.set(dev, (lastDev = { path: p, group: gi, files: 0 }));
      }
      lastDev.files++;
      const index = table.count;
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

  /** One regular file met by walk.ts (met once): mapped through its Backend and accounted. */
  const accountFile = async (p: string, st: WalkedFile): Promise<void> => {
    let m: PackedExtentMap;
    try {
      m = await wholeMap(await resolve(p), p, ctx);
    } catch (e) {
      sink.error(p, e);
      return;
    }
    sink.file(p, st.dev, st.ino, m.size, m.packed, m.source, m.heldOutsideExtents, m.allocationSize);
    if (m.size !== st.size) sink.changed(p, st.size, m.size);
    await nameFileSystems();
  };

  /** A named local folder the backend walks itself, where it has its own walk (Linux: space-walk.ts). */
  const backendWalk = async (p: string): Promise<boolean> =>
    backendFolderWalk(await resolve(p), p, sink, ctx, async () => {
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
  const readOnly = readOnlyDevs(devs);
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
  // XFS's and ext4's blocks beyond the extents (elsewhere the block count means other things:
  // btrfs counts referenced bytes). ext4's include an attribute block that files may share: that
  // is asked for (FIEMAP_FLAG_XATTR) and kept apart; the rest is the file's extent tree, its own.
  for (const [index, all] of beyondOf) {
    const g = groups[table.fileSystem[index]];
    let held = all;
    if (g.filesystem === 'ext4') {
      const p = table.path[index];
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
    if (keptFiles.has(index)) g.beyondKept += held;
  }

  // Who owns the shared extents, where the file system can say (btrfs; XFS with the reverse-mapping
  // btree; as root): each shared range, split where its owners change, is inside when every owner
  // is a file of the selection. The file's own name among them checks the answer.
  const ownerNotes = new Map<Group, string>();
  /** Groups whose owner query failed for a reason other than privilege (a file removed during the scan, say). */
  const ownersFailed = new Set<Group>();
  for (const [gi, g] of groups.entries()) {
    // btrfs: asked even with nothing shared (an extent a file references only in part frees whole)
    const rs = g.ranges;
    if (rs.count === 0 && g.filesystem !== 'btrfs') continue;
    ctx.progress({ done: mappedBytes, total: 0n, files: table.count, message: `who else references ${rs.count} shared ranges` });
    const first = table.path[table.firstOf(gi)];
    const b = await resolve(first);
    if (!b.extentOwners) continue;
    let q;
    try {
      q = b.extentOwners(first);
      if (!q) continue;
      const key: string[] = [];
      const selected = new Set<string>();
      for (let i = 0; i < table.count; i++) {
        if (groups[table.fileSystem[i]] !== g) continue;
        key[i] = q.fileKey(table.path[i], table.dev[i], table.ino[i]);
        if (!keptFiles.has(i)) selected.add(key[i]);
      }
      if (q.diskExtents && q.referencesTo) {
        const d = diskFreed(table, g, q, key, selected, ctx);
        g.disk = d.freed;
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
      // In physical order, equal ranges together: k clones of a file bring each of its ranges k
      // times, asked once.
      const order = sortedBy([rs.start, rs.end], rs.count);
      let asked: { start: bigint; end: bigint; owners: ReadonlySet<string>; inside: boolean }[] = [];
      let askedStart = -1n;
      let askedEnd = -1n;
      for (const r of order) {
        ctx.checkCancelled();
        if (rs.start[r] !== askedStart || rs.end[r] !== askedEnd) {
          askedStart = rs.start[r];
          askedEnd = rs.end[r];
          asked = Array.from(q.owners(askedStart, askedEnd), (s) => ({ ...s, inside: [...s.owners].every((o) => selected.has(o)) }));
        }
        for (const s of asked) {
          if (!s.owners.has(key[rs.file[r]]))
            throw new Error(
              `${q.method} did not name ${table.path[rs.file[r]]} among the owners of its bytes at ${s.start}..${s.end} (did it change during the scan?).`,
            );
          split.push(s.start, s.end, rs.file[r], rs.ref[r]);
          inside.push(s.inside);
        }
      }
      Object.assign(g, { ranges: split, inside, ownersBy: q.method });
    } catch (e) {
      if (isCancelled(e)) throw e;
      ownerNotes.set(
        g,
        e instanceof FsctlError ? e.message : `the owners of the shared extents could not be read: ${(e as Error).message}`,
      );
      if (!(e instanceof FsctlError && (e.code === 'EPERM' || e.code === 'EACCES'))) ownersFailed.add(g);
    } finally {
      q?.close();
    }
  }

  /** The file system's own count of inodes in use (after syncfs), where its backend gives one. */
  const inodesInUse = async (root: string): Promise<bigint | undefined> => {
    try {
      return await (await resolve(root)).inodesInUseSynced?.(root);
    } catch {
      return undefined; // then only folders mounted over are known
    }
  };
  // The exact scan: every other file of the file system, for references outside the selection.
  /** Where an exact scan can help: shared ranges, all placed, no owner answer, not btrfs (whole extents). */
  const scanApplies = (g: Group): boolean =>
    g.ranges.count > 0 && !g.inside && g.filesystem !== 'btrfs' && g.unplaced === 0n && g.encoded.count === 0;
  if (opts.exactScan)
    for (const g of groups) {
      if (g.filesystem === 'btrfs' && g.disk === undefined && g.ranges.count > 0) {
        // (asked for, and not run: say so rather than leave the option without effect)
        const why =
          'The exact scan does not run on btrfs: btrfs frees an extent only whole, and only its extent items (as root) say ' +
          'which extents that is; run as root for the exact figure.';
        ownerNotes.set(g, ownerNotes.has(g) ? `${ownerNotes.get(g)} ${why}` : why);
      }
      if (!scanApplies(g)) continue;
      const root = mountRootOf(g.dev);
      if (root === undefined) {
        ownerNotes.set(g, 'the exact scan needs the file system mounted with its own root visible (none found in /proc/self/mountinfo).');
        continue;
      }
      const selected = new Set<bigint>();
      for (let i = 0; i < table.count; i++) if (groups[table.fileSystem[i]] === g && !keptFiles.has(i)) selected.add(table.ino[i]);
      const out = await scanOutside(resolve, root, g.dev, selected, ctx, (n) =>
        ctx.progress({ done: mappedBytes, total: 0n, files: table.count, message: `exact scan: ${n} other files of ${root}` }),
      );
      const outside = union(
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
  const unread = errors.filter((e) => !HOLDS_NOTHING_UNCOUNTED.has(e.code)).length;
  const exact = unread > 0 ? 'exact for the files that were read: ' : 'exact: ';
  const inUse = await smbBytesInUse(groups, table, resolve);
  // (files on a share the server would not delete: left out of what deleting frees, space-deletable.ts)
  const undeletable = await undeletableOnShares(table, (gi) => groups[gi].filesystem === 'smb', resolve, ctx);
  const fileSystems: SpaceFileSystem[] = groups.map((g, gi) => {
    ctx.checkCancelled();
    const s = sweep(g, sets, table.count);
    /** Where the figure is exact: the shared places some reference outside the selection holds. */
    let outside: Intervals | undefined;
    /** Shared bytes only files kept by a hard link outside the selection hold: in no upper bound. */
    const keptOnly = keptFiles.size === 0 ? 0n : sharedHeldOnlyBy(g.ranges, keptFiles);
    // compressed extents: who shares them with whom, and each counted once (uncompressed)
    const encodedUnion = g.encoded.count > 0 ? sweep({ ...g, ranges: g.encoded }, sets, table.count).union : 0n;
    const t = g.totals;
    t.unique = g.own + s.union + encodedUnion + g.unplaced;
    const fsNotes: string[] = [];
    const name = g.filesystem ?? 'this file system';
    /** One file is spoken of as one ("Deleting these files frees between 0 bytes …" for one, a trial). */
    const one = t.files === 1;
    const deleting = one ? 'Deleting this file' : 'Deleting these files';
    // Over SMB the server may share blocks (btrfs, XFS, ReFS behind the share) and cannot say which.
    const smb = g.filesystem === 'smb';
    if (smb && g.sharingUnknownFiles > 0)
      fsNotes.push(
        `${g.sharingUnknownFiles === 1 ? 'One file is' : `${g.sharingUnknownFiles} files are`} on an SMB share. The server tells ` +
          'only which ranges are allocated (FSCTL_QUERY_ALLOCATED_RANGES), not where their blocks lie, so whether they share ' +
          'blocks with each other or with other files on the server is not known: their shared, exclusive and unique bytes ' +
          'are unknown.',
      );
    else if (g.sharingUnknownFiles > 0)
      fsNotes.push(
        `${g.sharingUnknownFiles === 1 ? 'One file' : `${g.sharingUnknownFiles} files`} on ${name} ` +
          `${g.sharingUnknownFiles === 1 ? 'has' : 'have'} no physical offsets in ${g.sharingUnknownFiles === 1 ? 'its map' : 'their maps'} ` +
          `(a SEEK-only map, or extents without an address), so ${g.sharingUnknownFiles === 1 ? 'its' : 'their'} sharing is not known` +
          (g.disk !== undefined
            ? ' (for the columns; what deleting frees is counted from the extents themselves, below).'
            : '; what deleting them frees is counted as their allocated bytes, assuming they share nothing.'),
      );
    if (g.compressedFiles > 0)
      fsNotes.push(
        `${g.compressedFiles === 1 ? 'One file' : `${g.compressedFiles} files`} on ${name} ${g.compressedFiles === 1 ? 'holds' : 'hold'} ` +
          'compressed data: allocated, shared, exclusive and unique count it uncompressed, as FIEMAP gives it (on disk it takes ' +
          'less; shared compressed extents are matched by their address and counted once)' +
          (g.disk !== undefined ? '; what deleting the selection frees counts it compressed, as it is on disk.' : '.'),
      );
    if (g.disk !== undefined) {
      t.reclaimable = g.disk;
      t.reclaimableMax = g.disk;
      outside = g.diskOutside;
      fsNotes.push(
        `${exact}${g.ownersBy} gave the size on disk of every extent of the selection (whole, however little of it is ` +
          'still referenced, and compressed where it is) and every reference to the shared ones; an extent is counted as ' +
          'freed, whole, when all of its references are in the selection.',
      );
      // who keeps the rest: the first question after "frees 0 bytes" (a trial: which snapshot?)
      const h = g.heldOutsideBy;
      if (h)
        fsNotes.push(
          `${h.bytes} bytes of the selection's extents on ${name} stay allocated: files outside the selection reference them too, ` +
            `most of all ${h.holders.map((x) => `${x.name} (${x.bytes} bytes)`).join(', ')}` +
            (h.more > 0 ? ` and ${h.more} more file${h.more === 1 ? '' : 's'}` : '') +
            ' (bytes on disk of the extents each keeps; an extent two of them reference counts for both).',
        );
    } else if (g.filesystem === 'btrfs') {
      // Not root: FIEMAP gives only the bytes each file references, uncompressed.
      t.reclaimableExact = false;
      t.reclaimableBounds = false;
      t.reclaimable = g.own > g.kept ? g.own - g.kept : 0n;
      t.reclaimableMax = (t.unique > t.exclusive ? t.unique : t.exclusive) - g.kept - keptOnly;
      const why = ownerNotes.get(g);
      if (why) fsNotes.push(why);
      // not root (the query's EPERM), or root and the query failed otherwise (files removed during the scan, say)
      const denied = !ownersFailed.has(g);
      fsNotes.push(
        `${deleting} frees about ${t.reclaimable} bytes` +
          (t.reclaimableMax !== t.reclaimable ? ` to ${t.reclaimableMax} bytes` : '') +
          `, by the bytes ${one ? 'it references' : 'they reference'}: btrfs frees an extent only whole (a partly overwritten or partly cloned one frees ` +
          'more than is referenced) and a compressed one takes less than its length, ' +
          (denied
            ? 'and only root can read extent sizes and owners (BTRFS_IOC_TREE_SEARCH_V2, BTRFS_IOC_LOGICAL_INO_V2). Run as root for the exact figure.'
            : 'and extent sizes and owners (BTRFS_IOC_TREE_SEARCH_V2, BTRFS_IOC_LOGICAL_INO_V2) could not be read (above). ' +
              'Run it again once nothing is changing the files for the exact figure.'),
      );
    } else if (t.shared === 0n && g.sharingUnknownFiles === 0) {
      t.reclaimable = t.exclusive - g.kept;
      t.reclaimableMax = t.reclaimable;
      outside = { start: [], end: [] };
      // (a file with a hard link outside the selection stays: said in its own note)
      const linked = g.kept > 0n ? ', less the files that keep a hard link outside it' : '';
      // (attribute blocks, which ext4 may share, make it a range: their own note, below)
      const exactFirst = g.attrBlocksFiles > 0 ? '' : exact;
      fsNotes.push(
        sharesNoBlocks(g.filesystem)
          ? `${exactFirst}${name} cannot share blocks between files, so deleting the selection frees what it holds${linked}.`
          : `${exactFirst}no extent of the selection on ${name} is shared, so deleting the selection frees its exclusive bytes${linked}` +
              (g.attrBlocksFiles > 0 ? ', and its attribute blocks where no other file uses them (below).' : '.'),
      );
    } else if (g.scan && g.scan.unreadable === 0 && g.scan.hidden === 0n && g.scan.unreached === 0n) {
      t.reclaimable = g.own - g.kept + g.scan.reclaimableShared;
      t.reclaimableMax = t.reclaimable;
      outside = g.scan.outside;
      fsNotes.push(
        g.scan.files === 0
          ? `${exact}the selection holds every file of ${name}, so nothing outside it references its shared bytes (as the file system was during the scan).`
          : `${exact}a scan of the ${g.scan.files === 1 ? 'one other file' : `${g.scan.files} other files`} of ${name} found which shared bytes are also ` +
              'referenced outside the selection (as the file system was during the scan).',
      );
    } else if (
      g.scan &&
      !smb &&
      g.sharingUnknownFiles === 0 &&
      g.unplaced === 0n &&
      g.encoded.count === 0 &&
      g.scan.reclaimableShared === 0n
    ) {
      // The scan missed something, but what it missed can only add references: it found every
      // shared byte of the selection referenced outside it, so only the exclusive bytes are freed.
      t.reclaimable = t.exclusive - g.kept;
      t.reclaimableMax = t.reclaimable;
      const rs = g.ranges;
      outside = mergeRanges(rs.start.subarray(0, rs.count), rs.end.subarray(0, rs.count));
      fsNotes.push(
        `${exact}the scan found every shared byte of the selection on ${name} referenced outside it as well, so deleting the ` +
          'selection frees its exclusive bytes. What the scan could not see could only add references.',
      );
    } else if (s.refUnknown === 0n && g.unplaced === 0n && g.encoded.count === 0 && t.shared > 0n) {
      t.reclaimable = g.own - g.kept + s.reclaimableShared;
      t.reclaimableMax = t.reclaimable;
      outside = s.outside;
      fsNotes.push(
        g.inside
          ? `${exact}${g.ownersBy} named every file referencing each shared extent; ` +
              `${g.filesystem === 'btrfs' ? 'an extent' : 'a block'} is counted as freed when all of its references are in the selection.`
          : `${exact}every shared extent on ${name} carries its reference count, compared with the references in the selection.`,
      );
    } else if (!smb && g.sharingUnknownFiles === 0 && g.unplaced === 0n && g.encoded.count === 0 && t.unique - t.exclusive === keptOnly) {
      // the bounds meet: every shared byte is a kept file's (it stays), the rest is exclusive
      t.reclaimable = t.exclusive - g.kept;
      t.reclaimableMax = t.reclaimable;
      const rs = g.ranges;
      outside = mergeRanges(rs.start.subarray(0, rs.count), rs.end.subarray(0, rs.count));
      fsNotes.push(
        `${exact}every shared extent of the selection on ${name} is held by files with hard links outside it, which ` +
          'deleting the selection leaves; it frees the exclusive bytes of the other files.',
      );
    } else {
      t.reclaimableExact = false;
      // over SMB nothing is proven unshared: the lower bound leaves out the bytes of unknown place
      t.reclaimable = t.exclusive - g.kept - (smb ? g.unplaced : 0n);
      if (t.reclaimable < 0n) t.reclaimable = 0n;
      t.reclaimableMax = (t.unique > t.exclusive ? t.unique : t.exclusive) - g.kept - keptOnly;
      const refused = smb ? undeletable.get(gi) : undefined;
      if (refused) t.reclaimableMax = t.reclaimableMax > refused.bytes ? t.reclaimableMax - refused.bytes : 0n;
      if (t.reclaimable > t.reclaimableMax) t.reclaimable = t.reclaimableMax;
      // an incomplete scan still bounds it: what it could not see can only add references
      const scanMax = g.scan && !smb ? g.own + g.unplaced - g.kept + g.scan.reclaimableShared : undefined;
      if (scanMax !== undefined && scanMax < t.reclaimableMax) t.reclaimableMax = scanMax;
      if (smb) t.reclaimableBounds = false; // (said "about", below: how the server's file system frees is not known)
      // (a share holding snapshots counts their data once per copy: no more than the volume holds, though)
      const used = inUse.get(g);
      const capped = used !== undefined && used < t.reclaimableMax;
      if (capped) t.reclaimableMax = used < t.reclaimable ? t.reclaimable : used;
      const why = ownerNotes.get(g);
      if (why) fsNotes.push(why);
      if (smb && refused?.files === t.files)
        fsNotes.push(
          `${deleting} frees nothing: the server would not let this user delete ${one ? 'it' : 'any of them'} (below).`,
          undeletableNote(refused, one),
        );
      else if (smb)
        fsNotes.push(
          `${deleting} frees about ${t.reclaimable} bytes to ${t.reclaimableMax} bytes, by the bytes ${one ? 'it holds' : 'they hold'}: the SMB ` +
            `server does not say which of ${one ? 'its' : 'their'} blocks are shared, nor how the file system behind it frees them (btrfs frees ` +
            'an extent only whole, so a partly overwritten file frees more than it holds, and compressed data less). ' +
            "Run 'extent-lens space' on the server itself for the exact figure." +
            (capped
              ? ` The higher figure is the bytes the volume has in use (its size less its free space), less than what the files hold: ` +
                'they share blocks (snapshots, clones) or are compressed on the server.'
              : ''),
          ...(refused ? [undeletableNote(refused, one)] : []),
        );
      else if (g.scan?.unreadable) {
        // (what it could not read may hold the owners it missed: this comes before the other reasons)
        const n = g.scan.unreadable;
        const more = n > g.scan.unreadableExamples.length ? ` and ${n - g.scan.unreadableExamples.length} more` : '';
        fsNotes.push(
          `The exact scan is not exact here: it could not read ${n} path${n === 1 ? '' : 's'} of ${name} ` +
            `(${g.scan.unreadableExamples.join(', ')}${more}), where files may reference shared blocks. ` +
            'Run it as root, or as a user who can read them, for the exact figure.',
        );
      } else if (g.scan?.hidden)
        fsNotes.push(
          `The exact scan is not exact here: ${g.scan.hidden} bytes that ${name} flags shared are held by one file of the ` +
            'selection and by nothing the scan could reach, so another owner is out of its sight (a folder hidden under ' +
            'another mount, or a deleted file a program still holds open).',
        );
      else if (g.scan && g.scan.unreached !== 0n) {
        const over = g.scan.mountedOver;
        const folders = `${over.slice(0, 3).join(', ')}${over.length > 3 ? ` and ${over.length - 3} more` : ''}`;
        const n = g.scan.unreached;
        fsNotes.push(
          'The exact scan is not exact here: ' +
            (n === undefined
              ? `it cannot see under folders of ${name} that other file systems are mounted on (${folders}), where files may reference shared blocks.`
              : `${n} inode${n === 1n ? '' : 's'} of ${name} ${n === 1n ? 'was' : 'were'} out of its reach and may reference shared blocks: ` +
                (over.length > 0
                  ? `under folders that other file systems are mounted on (${folders}), or `
                  : 'under a folder another mount hides, ') +
                'deleted files that programs still hold open, or files made during the scan.') +
            ' For the exact figure, unmount what hides them, or scan again when nothing holds deleted files open.',
        );
      }
      // the figures as the totals give them: with the blocks beyond the extents (XFS), added below
      const beyond = g.beyondExtents - g.beyondKept;
      const andBeyond = beyond > 0n ? `, with the ${beyond} bytes beyond their extents (below)` : '';
      if (!smb && t.shared === 0n)
        // nothing reported shared: only files with no physical offsets keep it from being exact
        fsNotes.push(
          `${deleting} frees ${t.reclaimableMax + beyond} bytes${andBeyond} if, as assumed, ${one ? 'it shares' : 'they share'} no blocks.`,
        );
      else if (!smb) {
        fsNotes.push(
          `${deleting} frees between ${t.reclaimable + beyond} bytes (${one ? 'its' : 'their'} exclusive bytes, which nothing else references${andBeyond}) and ` +
            (scanMax !== undefined && t.reclaimableMax === scanMax
              ? `${t.reclaimableMax + beyond} bytes (adding the shared bytes the scan found no other reference to; what it could not see may hold some): `
              : `${t.reclaimableMax + beyond} bytes (${one ? 'its' : 'their'} unique bytes, if nothing outside the selection references the shared ones): `) +
            `here ${name} does not say who else references a shared extent. An exact answer needs its owners ` +
            '(BTRFS_IOC_LOGICAL_INO_V2 on btrfs, FS_IOC_GETFSMAP on XFS with the reverse-mapping btree, both as root)' +
            (g.scan ? '.' : ' or an exact scan of every file of the file system (Exact scan in VS Code, --exact-scan in the CLI).'),
        );
      }
    }
    if (g.beyondExtentsFiles > 0) {
      // (every branch above left them out; a file kept by a hard link outside keeps its own)
      t.reclaimable += g.beyondExtents - g.beyondKept;
      t.reclaimableMax += g.beyondExtents - g.beyondKept;
      fsNotes.push(
        `${g.beyondExtentsFiles === 1 ? 'One file holds' : `${g.beyondExtentsFiles} files hold`} ${g.beyondExtents} bytes beyond ` +
          `the blocks of ${g.beyondExtentsFiles === 1 ? 'its extents' : 'their extents'} (${name} counts them in the block count, du too): ` +
          (g.filesystem === 'ext4'
            ? 'extent-tree blocks (files in many extents). '
            : 'extent-tree blocks (files in many extents), attribute blocks, or copy-on-write staging blocks. Staging blocks are ' +
              'most of it after writes into shared (reflinked) data: XFS reserves them for more writes and gives them back by ' +
              'itself (its background reclaim, every fs.xfs.speculative_prealloc_lifetime seconds, 300 by default), so a file ' +
              'written a few minutes ago can count far more here than it will. ') +
          "No map shows them and they are no file's data, so allocated, shared, " +
          "exclusive and unique leave them out; they are each file's alone, so what deleting frees counts them" +
          (g.beyondKept > 0n ? ` (not the ${g.beyondKept} bytes of files that a hard link outside the selection keeps).` : '.'),
      );
    }
    if (g.attrBlocksFiles > 0) {
      let attr = 0n;
      for (const b of g.attrBlocks.values()) attr += b;
      t.reclaimableMax += attr;
      t.reclaimableExact = false;
      fsNotes.push(
        `${g.attrBlocksFiles === 1 ? 'One file keeps' : `${g.attrBlocksFiles} files keep`} extended attributes in ` +
          `${g.attrBlocks.size === 1 ? 'a block' : `${g.attrBlocks.size} blocks`} of their own (${attr} bytes; ${name} counts ` +
          'them in the block count, du too). ext4 shares such a block between files whose attributes are the same, and ' +
          'keeps its count of them where no program can read it: deleting frees it only if no file outside the selection ' +
          'uses it, so only the higher figure counts it.',
      );
    }
    if (g.heldOutsideFiles > 0)
      fsNotes.push(
        `${g.heldOutsideFiles === 1 ? 'One file holds' : `${g.heldOutsideFiles} files hold`} ${g.heldOutside} bytes more than ` +
          `${g.heldOutsideFiles === 1 ? 'its map shows' : 'their maps show'}: ${smb ? 'the server' : name} counts them on disk (` +
          (smb ? 'the allocation size' : 'the block count, du too') +
          '), but reports them as holes (space reserved that nothing has written yet, as by ' +
          'fallocate or a fixed-size disk image, or the rest of a huge page). They are counted as allocated, as preallocated ' +
          'data is; no map shows where they are.',
      );
    if (g.hiddenHolesFiles > 0)
      fsNotes.push(
        `${g.hiddenHolesFiles === 1 ? 'One file is' : `${g.hiddenHolesFiles} files are`} not marked sparse, and the server gives ` +
          `${g.hiddenHolesFiles === 1 ? 'it' : 'each'} as allocated throughout (FSCTL_QUERY_ALLOCATED_RANGES looks for holes only in sparse files); ` +
          `${g.hiddenHolesFiles === 1 ? 'its allocation size says it holds' : 'their allocation sizes say they hold'} ${g.hiddenHoles} bytes less, ` +
          'so allocated counts the allocation size (what the server counts as held) and the rest as holes. Marking a file sparse ' +
          '(extent-lens set-sparse, or Set Sparse in VS Code) makes the server show where its holes are.',
      );
    if (outside) {
      // a file kept by a hard link outside the selection holds its shared ranges too
      const held =
        keptFiles.size === 0
          ? outside
          : union(
              outside,
              placesOf(g.ranges, (f) => keptFiles.has(f)),
            );
      sharedInsideOf(g.ranges, held, insideOf, g.disk !== undefined ? { ranges: g.encoded, scale: ENCODED_SCALE } : undefined);
      insideKnown[gi] = 1;
    }
    const exactScan = g.scan
      ? ('ran' as const)
      : !t.reclaimableExact && scanApplies(g) && mountRootOf(g.dev) !== undefined
        ? ('possible' as const)
        : undefined;
    // deleting frees this only once the snapshot goes or the file system is writable (a trial: "frees 12 MiB", and rm said EROFS)
    const ro = readOnly.get(gi) ?? 0;
    if (ro > 0)
      fsNotes.push(
        `${ro === 1 ? 'One file' : `${ro} files`} of the selection on ${name} ${ro === 1 ? 'lies' : 'lie'} on a read-only snapshot or file system ` +
          `(EROFS): ${ro === 1 ? 'it cannot be deleted' : 'they cannot be deleted'} as ${ro === 1 ? 'it is' : 'they are'}; what deleting frees counts ${ro === 1 ? 'it' : 'them'} ` +
          'as if the snapshot were deleted (btrfs subvolume delete) or the file system remounted read-write.',
      );
    // beside the figure it explains (a hard link outside keeps the data, though the file's bytes read as exclusive)
    if (g.keptFiles > 0 && !fsNotes.some((n) => n.includes('hard link')))
      fsNotes.push(
        `${g.keptFiles === 1 ? 'One file' : `${g.keptFiles} files`} of the selection on ${name} ` +
          `${g.keptFiles === 1 ? 'has a hard link' : 'have hard links'} outside it: deleting the selection would not free ` +
          `${g.keptFiles === 1 ? 'it' : 'them'} (the other name keeps the data, though its bytes count as exclusive), so what deleting frees leaves ${g.keptFiles === 1 ? 'it' : 'them'} out.`,
      );
    return {
      ...t,
      filesystem: g.filesystem ?? 'unknown',
      id: g.id,
      ...(g.mountPoint ? { mountPoint: g.mountPoint } : {}),
      notes: fsNotes,
      ...(exactScan ? { exactScan } : {}),
      ...(g.encodedBytes > 0n ? { encoded: g.encodedBytes } : {}),
      ...(g.sharingUnknownFiles > 0 ? { sharingUnknownFiles: g.sharingUnknownFiles } : {}),
    };
  });

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
  if (symlinks > 0) notes.push(`${symlinks} symbolic link${symlinks === 1 ? ' was' : 's were'} not followed.`);
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
  if (fileSystems.length > 1) notes.push(`the selection spans ${fileSystems.length} file systems, each accounted apart (fileSystems).`);
  const durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
  return { files, total, fileSystems, errors, symlinks, hardLinks, notes, durationMs };
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

/**
 * Per group, how many files lie where nothing can be deleted (a read-only btrfs snapshot, a file
 * system mounted read-only): one access(W_OK) per st_dev, on a file there, which says EROFS.
 */
function readOnlyDevs(devs: ReadonlyMap<bigint, { path: string; group: number; files: number }>): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of devs.values()) {
    if (isSmbPath(d.path)) continue;
    try {
      fs.accessSync(osPath(d.path), fs.constants.W_OK);
    } catch (e) {
      if ((e as { code?: string }).code === 'EROFS') out.set(d.group, (out.get(d.group) ?? 0) + d.files);
    }
  }
  return out;
}

/** Bytes of the shared ranges that only files in `kept` cover (deleting the rest cannot free them). */
function sharedHeldOnlyBy(rs: SharedRanges, kept: ReadonlySet<number>): bigint {
  return bytesNotCovered(
    placesOf(rs, (f) => kept.has(f)),
    placesOf(rs, (f) => !kept.has(f)),
  );
}

/** The places of the shared ranges of the files `which` picks, merged. */
function placesOf(rs: SharedRanges, which: (file: number) => boolean): Intervals {
  const start: bigint[] = [];
  const end: bigint[] = [];
  for (let r = 0; r < rs.count; r++)
    if (which(rs.file[r])) {
      start.push(rs.start[r]);
      end.push(rs.end[r]);
    }
  return mergeRanges(start, end);
}

/** The places of both, merged (they need not be merged or in order). */
const union = (a: Intervals, b: Intervals): Intervals => mergeRanges([...a.start, ...b.start], [...a.end, ...b.end]);
