// What whole btrfs extents free, as root, from the files' extent items (their sizes on disk):
// a partly overwritten ("bookend") extent frees its overwritten part too once every reference
// goes (bookendGains), and compressed data frees its extent's size on disk, not the bytes it
// holds (compressedSavings). The pieces per extent are dedupe-extent-pieces.ts's.

import { isApplied, type DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import { EXTENT_FLAG } from './map-format';
import { keptWhole, type OwnerLookup } from './dedupe-owners';
import { bytesNotCovered, mergeRanges } from './space-scan';
import { LeftOut } from './dedupe-left-out';
import { blockEndAtEof, sameBytes, segments } from './dedupe-segments';
import { allMoved, destinationCover, refsByExtent } from './dedupe-extent-pieces';

/**
 * btrfs: a partly overwritten extent ("bookend") keeps its overwritten part on disk, referenced by
 * nothing, until its last reference goes; then all of it is freed. Where a plan moves every
 * reference of a destination to one of its extents, and of every other file referencing it (a
 * snapshot's copy of the file, a clone: flagged shared, named by `OwnerLookup.referencingFiles`;
 * none outside the plan), and nothing of it is unwritten or compressed, the extent's bytes on
 * disk that no piece of those files references are freed too: added once, to the group of the
 * range holding the destination's first reference, with a line that says so. The extent's size
 * on disk comes from the file's extent items (`OwnerLookup.extentsOf`, root only); without them
 * nothing is added (FIEMAP lists references, not extents, and two extents can look like one there).
 */
export function bookendGains(groups: DedupeGroup[], files: Map<string, FileData>, owners: Map<string, OwnerLookup>): void {
  // (only the groups that are applied move references)
  const covered = destinationCover(groups.filter(isApplied), files);
  const counted = new Set<string>();
  for (const g of groups) {
    if (g.netSaving === 0n) continue;
    let gained = 0n;
    let example = '';
    for (const r of g.ranges.slice(1)) {
      const f = files.get(r.path);
      const cov = covered.get(r.path);
      if (!f || !cov || r.alreadyShared || f.unwritten) continue;
      const byExtent = refsByExtent(f, owners);
      if (!byExtent) continue;
      for (const [bytenr, list] of byExtent) {
        const first = list.reduce((m, x) => (x.off < m ? x.off : m), list[0].off);
        const key = `${f.fsKey}\0${bytenr}`;
        if (first < r.offset || first >= r.offset + g.length || counted.has(key) || !allMoved(list, f, cov)) continue;
        const end = bytenr + list[0].bytes;
        // the files on this extent: this one, and where a piece is shared, every file referencing it, each moved whole
        let holders: FileData[] | undefined = [f];
        if (f.off.some((_, i) => (f.flags[i] & EXTENT_FLAG.SHARED) !== 0 && f.phys[i] < end && f.phys[i] + f.len[i] > bytenr)) {
          holders = owners.get(f.fsKey)?.referencingFiles?.(bytenr);
          if (!holders?.every((s) => allMoved(refsByExtent(s, owners)?.get(bytenr), s, covered.get(s.path)))) continue;
        }
        // their pieces on this extent: their places (none compressed or without one)
        const start: bigint[] = [];
        const stop: bigint[] = [];
        let plain = true;
        for (const h of holders)
          for (let i = 0; i < h.off.length && plain; i++) {
            if (h.phys[i] < 0n || h.phys[i] + h.len[i] <= bytenr || h.phys[i] >= end) continue;
            if ((h.flags[i] & EXTENT_FLAG.ENCODED) !== 0) plain = false;
            start.push(h.phys[i] > bytenr ? h.phys[i] : bytenr);
            stop.push(h.phys[i] + h.len[i] < end ? h.phys[i] + h.len[i] : end);
          }
        if (!plain || start.length === 0) continue;
        const held = mergeRanges(start, stop);
        const referenced = held.start.reduce((t, a, k) => t + held.end[k] - a, 0n);
        if (list[0].bytes <= referenced) continue;
        counted.add(key);
        gained += list[0].bytes - referenced;
        example ||= `${r.path} at ${first}`;
      }
    }
    if (gained === 0n) continue;
    g.netSaving += gained;
    if (g.netSavingMin !== undefined) g.netSavingMin += gained;
    g.warnings.push(
      `${gained} bytes more are freed: extents of the other ranges were partly overwritten (e.g. ${example}), and btrfs keeps ` +
        'an overwritten part on disk, referenced by nothing, until the whole extent goes, which this group makes happen.',
    );
  }
}

/**
 * btrfs: whether the file's extent items (root only) can make its saving exact: any file with
 * data, since a FIEMAP record may be several extents side by side (partialExtentWarnings), an
 * extent may be partly overwritten (bookendGains) and compressed data is smaller on disk
 * (compressedSavings). They are read only for the files those rules ask about.
 */
export function wantsExtentItems(f: FileData): boolean {
  return f.filesystem === 'btrfs' && f.off.length > 0;
}

/**
 * btrfs: a compressed extent takes less on disk than the bytes it holds, so groupSaving counted
 * compressed destination data in full (an upper bound) and the lower bound none of it. Where a
 * plan moves every reference of a destination to a compressed extent that no other file
 * references (no piece flagged shared), the extent is freed whole: its size on disk, from the
 * file's extent items (`OwnerLookup.extentsOf`, root only), replaces the bytes counted. An extent
 * moved by several groups is shared out among them by the bytes each moves (each group's saving
 * stays above 0: the apply leaves a group that frees nothing alone, and the extent needs them
 * all). An extent moved only in part frees nothing (partialExtentWarnings took its bytes out), nor
 * does one that a file outside the plan also references (a snapshot's copy, as root: the owners
 * name it), whatever its size: its bytes come out of the saving, with a warning. A
 * group whose every other byte is known (`onlyCompression`, from sharedBlockSavings) and whose
 * compressed extents are all sized gets one figure. Returns how many groups were sized.
 */
export function compressedSavings(
  groups: DedupeGroup[],
  files: Map<string, FileData>,
  owners: Map<string, OwnerLookup>,
  onlyCompression: ReadonlySet<DedupeGroup>,
  leftOut = new LeftOut(),
): number {
  const covered = destinationCover(groups, files);
  /** Per extent (fsKey, address): its size on disk and the bytes each group moves of it. */
  const extents = new Map<string, { disk: bigint; moves: { g: DedupeGroup; bytes: bigint }[] }>();
  /** Per group: the compressed bytes it counted in full that are now sized, and whether all were. */
  const sized = new Map<
    DedupeGroup,
    { inFull: bigint; onDisk: bigint; all: boolean; kept: bigint; keptBy: string; stuck: bigint; stuckBy: string }
  >();
  for (const g of groups) {
    if (!g.compressed || g.netSaving === 0n) continue;
    const srcFile = files.get(g.ranges[0].path);
    const src = srcFile ? segments(srcFile, g.ranges[0].offset, g.length) : [];
    const mine = { inFull: 0n, onDisk: 0n, all: true, kept: 0n, keptBy: '', stuck: 0n, stuckBy: '' };
    for (const r of g.ranges.slice(1)) {
      const f = files.get(r.path);
      const cov = covered.get(r.path);
      if (!f || r.alreadyShared) continue;
      for (const x of segments(f, r.offset, g.length)) {
        if (!x.encoded) continue;
        const notSource = x.len - sameBytes(src, [x]); // what groupSaving counted for it
        if (notSource === 0n) continue;
        if (x.shared) {
          // kept whole by a file outside the plan: counted in full, frees nothing
          const lookup = owners.get(f.fsKey);
          const by = keptWhole(lookup, f, r.offset + x.rel, x.len, x.phys);
          if (by !== undefined) {
            mine.inFull += notSource;
            mine.kept += notSource;
            leftOut.addEncoded(g, f.path, r.offset + x.rel, blockEndAtEof(f, r.offset + x.rel + x.len));
            mine.keptBy ||= by;
            continue;
          }
          // shared only with the plan's files: freed whole (sized below, once however many of
          // them move it) if every reference of theirs to it moves; else it frees nothing
          const sharers = cov ? lookup?.referencingFiles?.(x.phys) : undefined;
          if (!sharers) {
            mine.all = false;
            continue;
          }
          const staying = sharers.find((s) => !allMoved(refsByExtent(s, owners)?.get(x.phys), s, covered.get(s.path)));
          if (staying) {
            mine.inFull += notSource;
            mine.stuck += notSource;
            leftOut.addEncoded(g, f.path, r.offset + x.rel, blockEndAtEof(f, r.offset + x.rel + x.len));
            mine.stuckBy ||= staying.path;
            continue;
          }
        }
        const refs = cov ? refsByExtent(f, owners)?.get(x.phys) : undefined;
        if (!refs || refs.length === 0) {
          mine.all = false;
          continue;
        }
        if (refs.some((e) => bytesNotCovered({ start: [e.off], end: [e.end < f.size ? e.end : f.size] }, cov!) > 0n)) continue;
        mine.inFull += notSource;
        const key = `${f.fsKey}\0${x.phys}`;
        const e = extents.get(key) ?? extents.set(key, { disk: refs[0].bytes, moves: [] }).get(key)!;
        const same = e.moves.find((m) => m.g === g);
        if (same) same.bytes += notSource;
        else e.moves.push({ g, bytes: notSource });
      }
    }
    if (mine.inFull > 0n) sized.set(g, mine);
  }
  for (const { disk, moves } of extents.values()) {
    const total = moves.reduce((t, m) => t + m.bytes, 0n);
    let left = disk;
    for (const m of moves) {
      const share = (disk * m.bytes) / total;
      sized.get(m.g)!.onDisk += share;
      left -= share;
    }
    // what rounding left: to the group moving the most of it
    sized.get(moves.reduce((a, m) => (m.bytes > a.bytes ? m : a)).g)!.onDisk += left;
  }
  for (const [g, { inFull, onDisk, all, kept, keptBy, stuck, stuckBy }] of sized) {
    g.netSaving = g.netSaving > inFull ? g.netSaving - inFull + onDisk : onDisk;
    if (stuck > 0n)
      g.warnings.push(
        `${stuck} bytes of the other ranges are in compressed extents that files the plan leaves in place also reference (e.g. ${stuckBy}): ` +
          'btrfs frees an extent only once nothing references it, so they are left out of the saving.',
      );
    if (kept > 0n)
      g.warnings.push(
        `${kept} bytes of the other ranges are in compressed extents that files outside the selection also reference (e.g. ${keptBy}): ` +
          'btrfs frees an extent only once nothing references it, so they are left out of the saving.',
      );
    if (all && onlyCompression.has(g)) g.netSavingMin = g.netSaving;
    else if (g.netSavingMin !== undefined) g.netSavingMin = g.netSavingMin + onDisk < g.netSaving ? g.netSavingMin + onDisk : g.netSaving;
  }
  // (a group whose compressed data is all kept by other files was not sized by its size on disk)
  return [...sized.values()].filter((m) => m.inFull > m.kept + m.stuck).length;
}
