// The results of engine.findDuplicates and engine.dedupe (src/engine/dedupe*.ts): identical data
// across files, what sharing it would free, and what applying did. Every byte count and offset is
// a bigint (decimal strings in JSON). Definitions: docs/ENGINE.md, "Deduplication".
//
// Written before the implementation so the engine, the CLI and the view could be built side by
// side; the engine may add fields, never change these.

import { shellQuoted } from './shell-quoted';

/** One place of a group: `length` bytes of `path` from `offset`. */
export interface DedupeRange {
  path: string;
  offset: bigint;
  /** True when this range's physical extents are already the group's first range's (a clone). */
  alreadyShared?: boolean;
  /**
   * True when the kernel will not change this range's file for this user (a read-only snapshot or
   * file system, an immutable file, another user's file without write permission): only the
   * source can be one (it stays as it is), or a range of DedupeGroup.readOnly.
   */
  readOnly?: boolean;
  /**
   * True when every byte of this destination range lies in btrfs extents that other references
   * keep (known from the extent items, as root): sharing it would free nothing and only split its
   * file's extents, so the apply leaves it alone (the group's warning says so).
   */
  freesNothing?: boolean;
}

/** Ranges with identical bytes (compared by hash when found; by the kernel or a byte compare when applied). */
export interface DedupeGroup {
  /** Bytes per range (a multiple of the file system's block size, except a whole file's tail). */
  length: bigint;
  /** The first range is the one the others will share (the source). */
  ranges: DedupeRange[];
  /**
   * More ranges holding the same data in files the kernel will not change for this user (each
   * marked readOnly): left as they are, never shared, listed so that every file holding the data
   * is named. Absent: none.
   */
  readOnly?: DedupeRange[];
  /** Bytes that sharing would free: physical bytes not already the source's (already-shared data counts zero). */
  netSaving: bigint;
  /**
   * Bytes this group's sharing frees that an earlier group's saving counts already (a file and a
   * copy sharing its blocks, a snapshot's, in different groups: the blocks are freed once both
   * move, and counted once). The group is shared even where netSaving is 0. Absent: none.
   */
  countedElsewhere?: bigint;
  /**
   * The least it frees: netSaving less the bytes that other files already share (FIEMAP says
   * shared, not with whom), which stay allocated if those files lie outside the selection.
   * Equal to netSaving when nothing is shared elsewhere. Absent from plans made before it existed.
   */
  netSavingMin?: bigint;
  /** Allocated (data) bytes in the ranges beyond the first: holes and unwritten extents count zero. */
  candidateBytes: bigint;
  /**
   * Of candidateBytes, those already at the source's physical place (clones of it, or ranges a
   * dedupe shared in part before): they free nothing. Counts parts of ranges, where
   * DedupeRange.alreadyShared marks only ranges shared whole. Absent from plans made before it existed.
   */
  alreadySharedBytes?: bigint;
  /** True when the group is whole files (every range offset 0 and length = file size). */
  wholeFiles: boolean;
  /** Why part of the saving may not materialise (e.g. sharing part of an extent frees nothing until all of it is shared). */
  warnings: string[];
  /**
   * Some of the other ranges' data is compressed (btrfs): what it takes on disk, so what sharing
   * it frees, is not known, and netSavingMin counts none of it. Absent: none is.
   */
  compressed?: boolean;
  /**
   * Some of the other ranges' data has no known physical place (smb://: only allocated ranges
   * are known): it may already be the source's (a clone), so netSavingMin counts none of it.
   */
  placeUnknown?: boolean;
  /**
   * Why the file system holding the group cannot share blocks at all (ext4, tmpfs, XFS without
   * reflink: the sentence of DedupePlan.cannotApply, naming what to do). Such a group's
   * netSaving (and netSavingMin) is 0: the identical data is there (candidateBytes), but sharing
   * it cannot free anything here. Absent: it can, as far as the search's probe knows.
   */
  cannotShare?: string;
}

/**
 * Whether engine.dedupe shares the group: it frees something and some copy does not share the
 * source's blocks yet. The others are left alone (already shared, or btrfs parts of extents whose
 * sharing could only fragment), so the saving rules count on no range of theirs.
 */
export function isApplied(g: DedupeGroup): boolean {
  return (g.netSaving > 0n || (g.countedElsewhere ?? 0n) > 0n) && g.ranges.length > 1 && g.ranges.slice(1).some((r) => !r.alreadyShared);
}

/**
 * The totals a plan gives of its groups (the search's, and the part of a plan a person chose to
 * apply: the view's confirmation and estimate are these too, summed here only).
 */
export function groupTotals(groups: readonly DedupeGroup[]): {
  groups: number;
  candidateBytes: bigint;
  netSaving: bigint;
  netSavingMin: bigint;
} {
  let candidateBytes = 0n;
  let netSaving = 0n;
  let netSavingMin = 0n;
  for (const g of groups) {
    candidateBytes += g.candidateBytes;
    netSaving += g.netSaving;
    netSavingMin += g.netSavingMin ?? g.netSaving;
  }
  return { groups: groups.length, candidateBytes, netSaving, netSavingMin };
}

export interface DedupeFindOptions {
  /** Hash chunk size in bytes (default 128 KiB; a multiple of the block size). */
  chunk?: bigint;
  /** Files smaller than this are skipped (default 4 KiB, one block). */
  minSize?: bigint;
}

/** A path that could not be examined or deduplicated (the rest went on without it). */
export interface DedupeError {
  path: string;
  /** ENOENT, EACCES, E_NOT_REGULAR, E_CHANGED, EOPNOTSUPP, ... */
  code: string;
  message: string;
  /**
   * In DedupePlan.cannotApply only: the probe's verdict that this file system cannot share blocks
   * at all (ext4, tmpfs, XFS without reflink): its groups carry DedupeGroup.cannotShare and are
   * left alone by engine.dedupe. Absent: the probe failed otherwise (a permission, say), and
   * engine.dedupe would refuse the plan.
   */
  cannotShare?: true;
}

export interface DedupePlan {
  /** Largest net saving first. */
  groups: DedupeGroup[];
  total: {
    groups: number;
    /**
     * Data bytes in every range of every group beyond each group's first (what a tool that ignores
     * sharing would claim): allocated bytes only, so holes (and unwritten extents) inside a range count zero.
     */
    candidateBytes: bigint;
    /** Sum of the groups' netSaving. */
    netSaving: bigint;
    /** Sum of the groups' netSavingMin (the least the plan frees); absent: netSaving. */
    netSavingMin?: bigint;
    files: number;
    /** Bytes read and hashed (never a byte of a hole). */
    hashedBytes: bigint;
    /**
     * Sets of identical data found only in files this user may not change (read-only snapshots,
     * immutable files, ...): not groups, since nothing can be shared there; a note says so. Absent: 0.
     */
    lockedIn?: number;
    /**
     * Mounts (their folders) that are read-only, holding files of those sets (EROFS): remounting
     * them read-write lets the data be shared. Absent: none.
     */
    readOnlyMounts?: string[];
    /** Why the files of those sets may not change, each reason that applies once (lockedInAdvice). Absent: none. */
    lockedBy?: LockedBy[];
  };
  errors: DedupeError[];
  /**
   * File systems holding groups that cannot dedupe (ext4, tmpfs, XFS without reflink, macOS): one
   * entry each, from the same probe engine.dedupe makes. engine.dedupe shares the groups on the
   * other file systems and leaves those with cannotShare alone (a note says so); a plan with
   * nothing else to share it refuses by name, as it does an entry without cannotShare.
   */
  cannotApply?: DedupeError[];
  notes: string[];
  durationMs: number;
}

/** One range that was not shared when applying, and why. */
export interface DedupeSkipped {
  path: string;
  /** The part of the destination range left alone (parts before it may have been shared). */
  offset: bigint;
  length: bigint;
  /** 'differs' (changed since the scan: FILE_DEDUPE_RANGE_DIFFERS or the byte compare), or an errno / NT status name. */
  reason: string;
  message: string;
}

export interface DedupeReport {
  /**
   * Bytes the file system accepted as shared (FIDEDUPERANGE bytes_deduped, or the cloned lengths),
   * for ranges that were not already sharing the source's extents when applied.
   */
  deduped: bigint;
  /**
   * Data bytes of destination ranges that already shared the source's physical extents when
   * applied (mapped just before the call): no call was made for them. FIDEDUPERANGE would have
   * answered SAME with bytes_deduped = the length for them, though nothing changes.
   */
  alreadyShared: bigint;
  /** Ranges left alone because their bytes differed from the source's. */
  differed: number;
  skipped: DedupeSkipped[];
  /** Share requests made: FIDEDUPERANGE calls (Linux), FSCTL_DUPLICATE_EXTENTS_TO_FILE requests (Windows, SMB: one per piece cloned). */
  calls: number;
  /** Free space gained, measured from the file system's own accounting (statfs) before and after, after sync. */
  freed: bigint;
  /**
   * Where a file system may count the space freed only later (SMB shares and Windows volumes: a
   * server's file system commits on its own schedule, btrfs behind Samba up to 30 s later), how
   * to measure `freed` again: `settled` (what the volumes whose count is final gave: Linux, after
   * syncfs) plus, per other volume, engine.volume(path).freeBytes − freeBefore. Absent where
   * every volume's count is final.
   */
  remeasure?: { settled: bigint; volumes: { path: string; freeBefore: bigint }[] };
  /**
   * The run was cancelled part way (engine.dedupe then resolves with what was done, not an
   * E_CANCELLED error, once any group has been started): the counts are of the calls made, what
   * they shared stays shared, `freed` is measured as after a whole run, and the groups not reached
   * are as they were. `groupsDone` of `groups` (those with something to share) were tried to the end. `countsAtLeast`: a sharing thread did
   * not hand back its counts in time, or an SMB request was at the server when the cancel came
   * (the server may have shared it), so the counts are lower bounds (`freed` is still measured).
   * Absent: every group was tried.
   */
  cancelled?: { groupsDone: number; groups: number; countsAtLeast: boolean };
  /** The plan's netSaving, for comparison. */
  estimated: bigint;
  /** The plan's netSavingMin (bytes shared with files that may lie outside the selection not counted); absent: estimated. */
  estimatedMin?: bigint;
  /**
   * 'FIDEDUPERANGE', 'FSCTL_DUPLICATE_EXTENTS_TO_FILE (verified)', ...; 'none' when no group was
   * applied (nothing sent, nothing measured).
   */
  method: string;
  /**
   * The file systems the run measured, as mounted ('btrfs', 'xfs'): their own metadata is part of
   * `freed`, each in its own way; one a backend cannot name (SMB) is not listed. Absent: nothing was run.
   */
  fileSystems?: string[];
  notes: string[];
  durationMs: number;
}

/**
 * Why the kernel will not change a file for this user: its file system is mounted read-only
 * (EROFS; the mount is named), a read-only btrfs snapshot or other read-only file system (EROFS),
 * immutable (EPERM), another user's without write permission (EACCES), or on a share that does
 * not let this user write. `receivedSnapshot` goes with `readOnly`: some of those snapshots were
 * made by btrfs receive, which making them writable would unfit for incremental sends.
 */
export type LockedBy = 'readOnlyMount' | 'readOnly' | 'receivedSnapshot' | 'immutable' | 'otherUser' | 'share';

/**
 * What lets the sets of identical data in files this user may not change be shared: one remedy
 * for each reason that applies (every remedy where none is known), and the read-only mounts by
 * name. The one wording the plan's note and the CLI's refusal give.
 */
export function lockedInAdvice(lockedBy: readonly LockedBy[], readOnlyMounts: string[]): string {
  const by = new Set<LockedBy>(lockedBy.length > 0 ? lockedBy : ['readOnly', 'immutable', 'otherUser']);
  const remedies = [
    ...(by.has('readOnly')
      ? ['make the snapshot or file system writable (btrfs property set SNAPSHOT ro false, or mount -o remount,rw)']
      : []),
    ...(by.has('immutable') ? ['clear the immutable flag (chattr -i)'] : []),
    ...(by.has('otherUser') ? ["run as the files' owner or as root"] : []),
    ...(by.has('share') ? ['connect to the share as a user it lets write'] : []),
  ];
  const listed =
    remedies.length === 0
      ? ''
      : `To share them, ${remedies.length === 1 ? remedies[0] : `${remedies.slice(0, -1).join(', ')}${remedies.length > 2 ? ',' : ''} or ${remedies.at(-1)}`}.`;
  const mounts = readOnlyMounts.length > 0 ? readOnlyMountsSentence(readOnlyMounts) : '';
  // btrfs-progs: "cannot flip ro->rw with received_uuid set, use force if you really want that"
  const received = by.has('receivedSnapshot')
    ? 'Some are received snapshots (btrfs receive): btrfs property set refuses to make them writable without -f, ' +
      'and -f clears the received UUID that incremental btrfs send -p onto them relies on.'
    : '';
  return [listed, mounts, received].filter((x) => x !== '').join(' ');
}

/**
 * What the files on read-only mounts need, by name: the one sentence the plan's note and the
 * CLI's refusal give. Each folder as one shell word, as the command is pasted into a shell.
 */
export function readOnlyMountsSentence(mounts: string[]): string {
  const list = mounts.map(shellQuoted).join(', ');
  return (
    `${mounts.length === 1 ? `${list} is` : `${list} are`} mounted read-only (EROFS): nothing can be shared there until ` +
    `${mounts.length === 1 ? 'it is' : 'they are'} remounted read-write (mount -o remount,rw ${mounts.length === 1 ? list : 'MOUNTPOINT'}).`
  );
}
