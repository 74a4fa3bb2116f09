// What a space accounting can say of one file system: what deleting the selection frees, exact
// where the file system (or an exact scan) named who else references the shared extents, else
// the lower and upper bounds, with the notes that say which and why (engine.space: space.ts
// gathers the facts; docs/ENGINE.md, "Space accounting", defines the figures).

import { addAlone, partSweep, type AloneMode, type AloneParts } from './space-alone';
import type { EngineContext } from './context';
import { isExtFamily } from './ext-family';
import { undeletableNote, type Undeletable } from './space-deletable';
import { readOnlyNote, type UndeletableReadOnly } from './space-read-only';
import { sharesNoBlocks } from './space-fs';
import type { OwnerAnswers } from './space-owners';
import { bytesNotCovered, completeScan, mergeRanges, mountRootOf, placesOf, scanApplies, unionOf } from './space-scan';
import { sharedInsideOf, sweep, type OwnerSet } from './space-sweep';
import { ENCODED_SCALE, type FileTable, type Group, type Intervals, type SharedRanges } from './space-table';
import type { SpaceFileSystem } from './space-types';

/** What the figures of every file system draw on, gathered by spaceOf. */
export interface FigureInputs {
  table: FileTable;
  /** The sweep's sets of files sharing (each file system's sweep adds its own, for partnersOf). */
  sets: OwnerSet[];
  /** Files kept by a hard link outside the selection (deleting it leaves them). */
  keptFiles: ReadonlySet<number>;
  /** How an exact figure is introduced ("exact: ", or "exact for the files that were read: "). */
  exact: string;
  owners: OwnerAnswers;
  /** Per SMB file system, the bytes its volume has in use (caps the upper figure). */
  inUse: ReadonlyMap<Group, bigint>;
  /** Per file system (index), the files on shares the server would not let this user delete. */
  undeletable: ReadonlyMap<number, Undeletable>;
  /** Per file system (index), the files that lie where nothing can be deleted (EROFS). */
  readOnly: ReadonlyMap<number, UndeletableReadOnly>;
  /** Out: per file, of its shared bytes those deleting frees, where its file system's figure is exact. */
  insideOf: BigUint64Array;
  /** Out: per file system (index), 1 where insideOf is known. */
  insideKnown: Uint8Array;
  /** Several paths given: what each frees alone, added to per file system (space-alone.ts); each file's blocks beyond its extents (XFS). */
  alone?: AloneParts;
  beyondOf: ReadonlyMap<number, bigint>;
  ctx: EngineContext;
}

/** File system `gi` (`g`) of the selection: its totals, what deleting frees and the notes saying how that is known. */
export function fileSystemFigures(g: Group, gi: number, x: FigureInputs): SpaceFileSystem {
  const { table, sets, keptFiles, exact, inUse, undeletable, readOnly, insideOf, insideKnown, ctx } = x;
  const { notes: ownerNotes, failed: ownersFailed } = x.owners;
  ctx.checkCancelled();
  const swept = x.alone && partSweep(x.alone, g.insidePart, completeScan(g) ? g.scan.outside : undefined);
  const s = sweep(g, sets, table.count, swept);
  let mode: AloneMode = completeScan(g) ? 'owners' : 'bounds'; // how each path's alone is known (space-alone.ts; a complete exact scan placed every outside reference, as owners do)
  /** Where the figure is exact: the shared places some reference outside the selection holds. */
  let outside: Intervals | undefined;
  /** Shared bytes only files kept by a hard link outside the selection hold: in no upper bound. */
  const keptOnly = keptFiles.size === 0 ? 0n : sharedHeldOnlyBy(g.ranges, keptFiles);
  // compressed extents: who shares them with whom, and each counted once (uncompressed)
  const sweptEncoded = x.alone && partSweep(x.alone);
  const encodedUnion = g.encoded.count > 0 ? sweep({ ...g, ranges: g.encoded }, sets, table.count, sweptEncoded).union : 0n;
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
        `(a map of allocated ranges only, as SEEK_DATA or FSCTL_QUERY_ALLOCATED_RANGES gives it, or extents without an address), so ${g.sharingUnknownFiles === 1 ? 'its' : 'their'} sharing is not known` +
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
    mode = 'disk';
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
      // ("roughly A to B", as the CLI's total line words an estimate; "about A" where one figure)
      `${deleting} frees ${t.reclaimableMax !== t.reclaimable ? `roughly ${t.reclaimable} bytes to ${t.reclaimableMax} bytes` : `about ${t.reclaimable} bytes`}` +
        `, by the bytes ${one ? 'it references' : 'they reference'}: btrfs frees an extent only whole (a partly overwritten or partly cloned one frees ` +
        'more than is referenced) and a compressed one takes less than its length, ' +
        (denied
          ? 'and only root can read extent sizes and owners (BTRFS_IOC_TREE_SEARCH_V2, BTRFS_IOC_LOGICAL_INO_V2). Run as root for the exact figure.'
          : 'and extent sizes and owners (BTRFS_IOC_TREE_SEARCH_V2, BTRFS_IOC_LOGICAL_INO_V2) could not be read (above). ' +
            'Run it again once nothing is changing the files for the exact figure.'),
    );
  } else if (t.shared === 0n && g.sharingUnknownFiles === 0) {
    mode = 'exclusive';
    t.reclaimable = t.exclusive - g.kept;
    t.reclaimableMax = t.reclaimable;
    outside = { start: [], end: [] };
    // (a file with a hard link outside the selection stays: said in its own note)
    const linked = g.kept > 0n ? `, less the files that ${keptBy(g)}` : '';
    // (attribute blocks, which ext4 may share, make it a range: their own note, below)
    const exactFirst = g.attrBlocksFiles > 0 ? '' : exact;
    fsNotes.push(
      sharesNoBlocks(g.filesystem)
        ? `${exactFirst}${name} cannot share blocks between files, so deleting the selection frees what it holds${linked}.`
        : `${exactFirst}no extent of the selection on ${name} is shared, so deleting the selection frees its exclusive bytes${linked}` +
            (g.attrBlocksFiles > 0 ? ', and its attribute blocks where no other file uses them (below).' : '.'),
    );
  } else if (completeScan(g)) {
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
    mode = 'exclusive';
    t.reclaimable = t.exclusive - g.kept;
    t.reclaimableMax = t.reclaimable;
    const rs = g.ranges;
    outside = mergeRanges(rs.start.subarray(0, rs.count), rs.end.subarray(0, rs.count));
    fsNotes.push(
      `${exact}the scan found every shared byte of the selection on ${name} referenced outside it as well, so deleting the ` +
        'selection frees its exclusive bytes. What the scan could not see could only add references.',
    );
  } else if (s.refUnknown === 0n && g.unplaced === 0n && g.encoded.count === 0 && t.shared > 0n) {
    // (reference counts, ReFS, are not split per path: bounds there)
    if (g.inside) mode = 'owners';
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
    mode = 'exclusive';
    t.reclaimable = t.exclusive - g.kept;
    t.reclaimableMax = t.reclaimable;
    const rs = g.ranges;
    outside = mergeRanges(rs.start.subarray(0, rs.count), rs.end.subarray(0, rs.count));
    fsNotes.push(
      `${exact}every shared extent of the selection on ${name} is held by files ${g.lowerOnlyFiles ? `that ${keptBy(g)}` : 'with hard links outside it'}, which ` +
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
        `${deleting} frees roughly ${t.reclaimable} bytes to ${t.reclaimableMax} bytes, by the bytes ${one ? 'it holds' : 'they hold'}: the SMB ` +
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
          (g.scan
            ? '.'
            : g.filesystem === 'overlayfs'
              ? "; through an overlay, on the layers' own folders (an exact scan of the overlay would not see the other files of the file system beneath it)."
              : ' or an exact scan of every file of the file system (Exact scan in VS Code, --exact-scan in the CLI).'),
      );
    }
  }
  const attr = [...g.attrBlocks.values()].reduce((a, b) => a + b, 0n);
  if (g.beyondExtentsFiles > 0) {
    // (every branch above left them out; a file kept by a hard link outside keeps its own)
    t.reclaimable += g.beyondExtents - g.beyondKept;
    t.reclaimableMax += g.beyondExtents - g.beyondKept;
    fsNotes.push(
      `${g.beyondExtentsFiles === 1 ? 'One file holds' : `${g.beyondExtentsFiles} files hold`} ${g.beyondExtents} bytes beyond ` +
        `the blocks of ${g.beyondExtentsFiles === 1 ? 'its extents' : 'their extents'} (${name} counts them in the block count, du too): ` +
        (isExtFamily(g.filesystem)
          ? 'extent-tree blocks (files in many extents), or the indirect blocks of files without extents (ext2, ext3). '
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
        : unionOf(
            outside,
            placesOf(g.ranges, (f) => keptFiles.has(f)),
          );
    sharedInsideOf(g.ranges, held, insideOf, g.disk !== undefined ? { ranges: g.encoded, scale: ENCODED_SCALE } : undefined);
    insideKnown[gi] = 1;
  }
  const alone = { mode, disk: g.diskAlone, swept: swept!, sweptEncoded, beyond: x.beyondOf, attr, bounds: t.reclaimableBounds };
  if (x.alone) addAlone(x.alone, g, gi, table, alone);
  const exactScan = g.scan
    ? ('ran' as const)
    : !t.reclaimableExact && scanApplies(g) && mountRootOf(g.dev) !== undefined
      ? ('possible' as const)
      : undefined;
  // deleting frees this only once the snapshot goes or the file system is writable (a trial: "frees 12 MiB", and rm said EROFS)
  const ro = readOnly.get(gi);
  if (ro) fsNotes.push(readOnlyNote(ro, name));
  // beside the figure it explains (a hard link outside keeps the data, though the file's bytes read as exclusive)
  const lower = g.lowerOnlyFiles ?? 0;
  const linked = g.keptFiles - lower;
  if (linked > 0 && !fsNotes.some((n) => n.includes('hard link')))
    fsNotes.push(
      `${linked === 1 ? 'One file' : `${linked} files`} of the selection on ${name} ` +
        `${linked === 1 ? 'has a hard link' : 'have hard links'} outside it: deleting the selection would not free ` +
        `${linked === 1 ? 'it' : 'them'} (the other name keeps the data, though its bytes count as exclusive), so what deleting frees leaves ${linked === 1 ? 'it' : 'them'} out.`,
    );
  if (lower > 0)
    fsNotes.push(
      `${lower === 1 ? 'One file' : `${lower} files`} of the selection on ${name} ${lower === 1 ? 'lies' : 'lie'} only in a lower ` +
        `layer of the overlay (or ${lower === 1 ? 'has' : 'have'} only ${lower === 1 ? 'its' : 'their'} metadata copied up, metacopy=on): ` +
        `deleting ${lower === 1 ? 'it' : 'them'} in the merged view only hides ${lower === 1 ? 'it' : 'them'} behind a whiteout and frees ` +
        `nothing (the lower layer keeps the data, though the bytes count as exclusive), so what deleting frees leaves ${lower === 1 ? 'it' : 'them'} out.`,
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
}

/** Bytes of the shared ranges that only files in `kept` cover (deleting the rest cannot free them). */
function sharedHeldOnlyBy(rs: SharedRanges, kept: ReadonlySet<number>): bigint {
  return bytesNotCovered(
    placesOf(rs, (f) => kept.has(f)),
    placesOf(rs, (f) => !kept.has(f)),
  );
}

/** What keeps the kept files of `g` when the selection is deleted: a hard link outside it, or an overlay's lower layer. */
function keptBy(g: Group): string {
  const lower = g.lowerOnlyFiles ?? 0;
  if (lower === 0) return 'keep a hard link outside it';
  return lower === g.keptFiles
    ? "lie only in the overlay's lower layer"
    : "keep a hard link outside it or lie only in the overlay's lower layer";
}
