// Bytes in an extent a plan would share only in part are freed by nothing on btrfs: it frees an
// extent only when no file references any part of it. partialExtentWarnings takes them out of
// the groups' savings, with a warning, where the plan leaves some reference in place: a piece of
// the destination's own file that no group moves, a range already sharing the source, or (as
// root) another file of the plan that keeps its reference. The pieces per extent are
// dedupe-extent-pieces.ts's; what whole extents free is dedupe-extent-sizes.ts's.

import { isApplied, type DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import type { OwnerLookup } from './dedupe-owners';
import { bytesNotCovered, unionOf } from './space-scan';
import type { Intervals } from './space-table';
import { LeftOut } from './dedupe-left-out';
import { blockEndAtEof, physEnd, segments, type Segment } from './dedupe-segments';
import { PhysicalParts, allMoved, destinationCover, extentPieces, itemPieces, refsByExtent, type Piece } from './dedupe-extent-pieces';

/**
 * btrfs frees a data extent only when no file references any part of it: where a group would
 * share only part of a destination's extent (and no group that is applied covers the rest of
 * it), those bytes are taken out of the group's saving and the group says why. Taking them out
 * can leave a group with no saving, which is then not applied, so the rest of its extents is
 * not covered either: the rule runs again, from the savings it was given, until the groups it
 * counts on are those it leaves applied (each pass leaves fewer; a plan of hundreds of groups
 * settles in one or two).
 *
 * The extents are the files' extent items where `owners` can read them (as root). Elsewhere
 * FIEMAP's records stand in, and a record may be several extents side by side on disk: bytes
 * that would be shared with only part of a record are then left out of the lower bound only.
 *
 * What earlier rules left out of a group's saving (`leftOut`) is not taken out again; the
 * places this rule takes out are added to it, for countPlacesOnce. Returns the bytes it took out
 * of the savings (for the note on the chunk size: dedupe-find.ts), and adds the groups it took
 * them from to `affected`.
 */
export function partialExtentWarnings(
  groups: DedupeGroup[],
  files: Map<string, FileData>,
  owners?: Map<string, OwnerLookup>,
  leftOut = new LeftOut(),
  affected?: Set<DedupeGroup>,
): bigint {
  const given = groups.map((g) => ({ netSaving: g.netSaving, netSavingMin: g.netSavingMin, warnings: g.warnings.length }));
  let covering = groups.filter(isApplied);
  for (;;) {
    groups.forEach((g, i) => {
      g.netSaving = given[i].netSaving;
      if (given[i].netSavingMin === undefined) delete g.netSavingMin;
      else g.netSavingMin = given[i].netSavingMin;
      g.warnings.length = given[i].warnings;
    });
    const taken = takePartialExtents(groups, new Set(covering), files, owners, leftOut);
    const still = covering.filter(isApplied);
    if (still.length === covering.length) {
      for (const [g, places] of taken.places) {
        leftOut.addPlaces(g, places.start, places.end);
        affected?.add(g);
      }
      return taken.bytes;
    }
    covering = still;
  }
}

/**
 * partialExtentWarnings's one pass: each group's destinations against those the `covering`
 * groups share, with its own (it is judged as if applied). Returns the places it took out of
 * each group's saving, and how many bytes it took out in all.
 */
function takePartialExtents(
  groups: DedupeGroup[],
  covering: Set<DedupeGroup>,
  files: Map<string, FileData>,
  owners: Map<string, OwnerLookup> | undefined,
  leftOut: LeftOut,
): { places: Map<DedupeGroup, Intervals>; bytes: bigint } {
  const takenPlaces = new Map<DedupeGroup, Intervals>();
  let takenBytes = 0n;
  const covered = destinationCover([...covering], files);
  for (const g of groups) {
    // (a group with nothing to take says nothing: "0 bytes left out" of a saving already 0)
    if (g.netSaving === 0n) continue;
    const own = covering.has(g) ? covered : destinationCover([g, ...covering], files);
    // The bytes are counted where they lie on disk, once: the saving counts ranges that share
    // blocks (a snapshot's copy and its original, reflinked copies) once, so taking each such
    // range's bytes out would take them out twice (a trial: 256 KiB less than freed, "exact").
    const known = { parts: new PhysicalParts(), example: '' };
    const maybe = { parts: new PhysicalParts(), example: '' };
    let leftAlone = 0;
    const srcFile = files.get(g.ranges[0].path);
    // (to the end of its last block where it ends the file, as the rule below counts the ranges)
    const src = srcFile
      ? segments(srcFile, g.ranges[0].offset, blockEndAtEof(srcFile, g.ranges[0].offset + g.length) - g.ranges[0].offset)
      : [];
    for (const r of g.ranges.slice(1)) {
      const f = files.get(r.path);
      const cov = own.get(r.path);
      if (!f || !cov || r.alreadyShared) continue;
      const fromFiemap = partOfExtents(f, extentPieces(f), r.offset, g.length, cov);
      // Items are read only for a file FIEMAP suggests a partial extent in (they can only split
      // records), or whose data some other file references too (flagged shared): another file's
      // reference to any part of the extent that the plan leaves in place keeps it all.
      const shared = f.filesystem === 'btrfs' && owners !== undefined && segments(f, r.offset, g.length).some((x) => x.shared);
      if (fromFiemap.bytes === 0n && !shared) continue;
      const refs = f.filesystem === 'btrfs' && owners ? refsByExtent(f, owners) : undefined;
      const keptBy = shared ? keptByOthers(f, owners!, own) : undefined;
      const found = refs ? partOfExtents(f, itemPieces(f, refs), r.offset, g.length, cov, keptBy) : fromFiemap;
      const to = refs ? known : maybe;
      const notEncoded = encodedNotCounted(f, r.offset, g.length, src, leftOut.encodedOf(g, f.path));
      for (const [a, b] of found.parts) to.parts.add(f, a, b, notEncoded);
      to.example ||= found.example;
      // wholly in such extents: sharing it frees nothing, and would split its file's extents (a trial: fragmented for no gain)
      if (refs && found.bytes >= g.length) {
        r.freesNothing = true;
        leftAlone++;
      }
    }
    // (bytes at the source's place, or already left out as shared with files the plan leaves in
    // place, are not in the saving: they are not taken out again)
    const knownBytes = known.parts.bytes(notInSaving(g, files, leftOut.places(g)));
    if (knownBytes > 0n) {
      // (said as what the group still frees, not as a second byte count)
      const taken = knownBytes < g.netSaving ? knownBytes : g.netSaving;
      g.netSaving -= taken;
      takenBytes += taken;
      takeFromMin(g, taken);
      takenPlaces.set(g, known.parts.places());
      g.warnings.push(
        `${knownBytes} bytes of these ranges lie in extents that would be shared only in part (e.g. ${known.example}): btrfs frees ` +
          'an extent only when nothing references any of it, so sharing them frees nothing' +
          (g.netSaving === 0n
            ? ': this group frees nothing, and is left alone.'
            : `; the saving is ${taken} bytes less for it.` +
              (leftAlone === 0
                ? ''
                : leftAlone === 1
                  ? ' The range wholly in such extents is left alone: sharing it would only split its file’s extents.'
                  : ` The ${leftAlone} ranges wholly in such extents are left alone: sharing them would only split their files’ extents.`)),
      );
    }
    const maybeBytes = maybe.parts.bytes();
    if (maybeBytes > 0n && g.netSaving > 0n) {
      takeFromMin(g, maybeBytes);
      g.warnings.push(
        `${maybeBytes} bytes lie in what FIEMAP shows as extents that would be shared only in part (e.g. ${maybe.example}): btrfs ` +
          'frees an extent only when nothing references any of it, but FIEMAP also joins extents that lie side by side on disk, and ' +
          'only their extent items, readable as root, tell the two apart. These bytes may free nothing: the lower bound leaves them out.',
      );
    }
  }
  return { places: takenPlaces, bytes: takenBytes };
}

/**
 * The bytes of [offset, offset + length) of `f` in extents (`extents`: each extent's pieces) that
 * the plan's destination ranges `cov` would share only in part, with an example for a person.
 */
function partOfExtents(
  f: FileData,
  extents: Piece[][],
  offset: bigint,
  length: bigint,
  cov: { start: bigint[]; end: bigint[] },
  keptBy?: (bytenr: bigint) => string | undefined,
): { bytes: bigint; parts: [bigint, bigint][]; example: string } {
  const end = offset + length;
  let bytes = 0n;
  const parts: [bigint, bigint][] = [];
  let example = '';
  const mine: [bigint, bigint][] = [];
  for (const pieces of extents) {
    let here = 0n;
    let rest = 0n;
    for (const p of pieces) {
      // The extent is freed only if every piece of it is shared by some group of the plan
      // (an unwritten piece never is, even inside a whole-file group's range: only data moves).
      rest += p.unwritten ? p.end - p.start : bytesNotCovered({ start: [p.start], end: [p.end] }, cov);
      if (p.unwritten) continue;
      const a = p.start > offset ? p.start : offset;
      const b = p.end < end ? p.end : end;
      if (b > a) {
        here += b - a;
        mine.push([a, b]);
      }
    }
    // every piece of this file moves: another file may still keep the extent
    const other = here > 0n && rest === 0n && keptBy && pieces[0].bytenr !== undefined ? keptBy(pieces[0].bytenr) : undefined;
    if (here === 0n || (rest === 0n && other === undefined)) {
      mine.length = 0;
      continue;
    }
    // a range that ends the file moves its last block whole, and the saving counted all of
    // it: the part past the end is not freed either
    if (end >= f.size && pieces.some((p) => !p.unwritten && p.end === f.size)) {
      here += blockEndAtEof(f, f.size) - f.size;
      mine.push([f.size, blockEndAtEof(f, f.size)]);
    }
    bytes += here;
    parts.push(...mine);
    mine.length = 0;
    example ||=
      other !== undefined
        ? `${f.path} at ${pieces[0].start}, whose extent ${other} also references where the plan leaves it in place`
        : `${f.path} at ${pieces[0].start} (${pieces.reduce((t, p) => t + p.len, 0n)} bytes in ${pieces.length === 1 ? 'one piece' : `${pieces.length} pieces`}, ${rest} byte${rest === 1n ? '' : 's'} of them not shared by the plan)`;
  }
  return { bytes, parts, example };
}

/**
 * The compressed data of [offset, offset + length) of `f` (file offsets; where it ends the file,
 * to the end of its last block) that a group's saving
 * does not count: in the source's extent at the same offset in the range (groupSaving counts it
 * as the source's: sameBytes), or taken out by an earlier rule (`out`).
 */
function encodedNotCounted(f: FileData, offset: bigint, length: bigint, src: Segment[], out: Intervals | undefined): Intervals {
  const start: bigint[] = [];
  const end: bigint[] = [];
  for (const x of segments(f, offset, blockEndAtEof(f, offset + length) - offset)) {
    if (!x.encoded) continue;
    for (const y of src) {
      if (!y.encoded || y.phys !== x.phys) continue;
      const a = x.rel > y.rel ? x.rel : y.rel;
      const b = x.rel + x.len < y.rel + y.len ? x.rel + x.len : y.rel + y.len;
      if (b > a) {
        start.push(offset + a);
        end.push(offset + b);
      }
    }
  }
  return unionOf({ start, end }, out);
}

/**
 * Where a group's other ranges lie on disk that its saving never counted: the source's own
 * places (groupSaving) and those sharedBlockSavings left out (blocks that files the plan leaves in
 * place keep). Taken out again, they would count twice: a group with other savings would be said
 * to free less than it does.
 */
function notInSaving(g: DedupeGroup, files: Map<string, FileData>, out: Intervals | undefined): Intervals {
  const start: bigint[] = [];
  const end: bigint[] = [];
  const src = files.get(g.ranges[0].path);
  if (src)
    for (const x of segments(src, g.ranges[0].offset, g.length))
      if (x.phys >= 0n && !x.encoded) {
        start.push(x.phys);
        end.push(physEnd(src, g.ranges[0].offset, x));
      }
  return unionOf({ start, end }, out);
}

/**
 * btrfs as root: for an extent of `f` whose every piece the plan moves, another file of the plan
 * that references some part of it and keeps that reference (it is no destination there: a
 * group's source, a clone left as it is), by path; undefined where none does, or where a file
 * outside the plan references it (sharedBlockSavings left all of its bytes out already) or the
 * owners cannot be named.
 */
function keptByOthers(
  f: FileData,
  owners: Map<string, OwnerLookup>,
  cover: Map<string, { start: bigint[]; end: bigint[] }>,
): (bytenr: bigint) => string | undefined {
  const lookup = owners.get(f.fsKey);
  return (bytenr) => {
    for (const s of lookup?.referencingFiles?.(bytenr) ?? [])
      if (s.path !== f.path && !allMoved(refsByExtent(s, owners)?.get(bytenr), s, cover.get(s.path))) return s.path;
    return undefined;
  };
}

/** Bytes known not to be freed, out of the lower bound too (it may count them twice: still a lower bound). */
function takeFromMin(g: DedupeGroup, taken: bigint): void {
  if (g.netSavingMin === undefined) return;
  g.netSavingMin = g.netSavingMin > taken ? g.netSavingMin - taken : 0n;
  if (g.netSavingMin > g.netSaving) g.netSavingMin = g.netSaving;
}
