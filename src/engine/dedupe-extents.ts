// btrfs frees an extent only when no file references any part of it (XFS frees block by block).
// FIEMAP lists a file's references, not its extents, so the pieces of one extent are found here
// (dedupe-saving.ts picks sources with keepsExtent; dedupe-find.ts runs partialExtentWarnings
// over the plan): a range whose extent stays anyway is a good source, and bytes in an extent a
// plan would share only in part (or that, as root, a file the plan leaves in place is seen to
// reference too) are taken out of the saving, with a warning. As root, the
// extents' sizes on disk add what a partly overwritten extent frees (bookendGains) and size what
// compressed data frees (compressedSavings), and the extent items tell extents FIEMAP joins apart.
// Past 400 lines on purpose: the four rules are one question (which extents a plan frees whole)
// over the same per-file pieces, item cache and plan cover; apart, each would export them.

import { isApplied, type DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import { EXTENT_FLAG, linearPhysical } from './map-format';
import { keptWhole, type ExtentRef, type OwnerLookup } from './dedupe-owners';
import { bytesNotCovered, mergeRanges, unionOf } from './space-scan';
import type { Intervals } from './space-table';
import { LeftOut } from './dedupe-left-out';
import { blockEndAtEof, physEnd, sameBytes, segments, type Segment } from './dedupe-segments';

/** One reference to an extent: [start, end) of the file (clamped to its end), `len` as mapped; `phys` where it has a linear place. */
interface Piece {
  start: bigint;
  end: bigint;
  len: bigint;
  phys?: bigint;
  /** A preallocated piece: it reads as zeros and never moves (dedupe shares data only), so its extent stays. */
  unwritten?: true;
  /** The extent's address, where its extent items were read (itemPieces). */
  bytenr?: bigint;
}

/**
 * btrfs: the pieces of `f` that reference one on-disk extent, so that the extent is freed only
 * when all of them move. FIEMAP lists a file's references, not its extents: a partly overwritten
 * extent ("bookend") shows as pieces on both sides of the new data whose physical minus logical
 * offset is the same (the extent's address), a preallocated extent written in part shows its
 * rest as unwritten pieces with that same address (they never move: dedupe never shares what
 * reads as zeros), and every piece of a compressed extent shows the extent's address. Pieces are
 * grouped by that key; elsewhere each data piece is its own extent. Cached per file.
 */
function extentPieces(f: FileData): Piece[][] {
  let out = piecesCache.get(f);
  if (out) return out;
  out = [];
  // The last extent's block runs past the end of the file; a range that reaches the end shares
  // that whole block (the kernel takes an unaligned length that ends at both files' ends), so
  // bytes past the end never count as left out.
  const piece = (off: bigint, len: bigint): Piece => ({ start: off, end: off + len < f.size ? off + len : f.size, len });
  if (f.filesystem !== 'btrfs') for (let i = 0; i < f.off.length; i++) out.push([piece(f.off[i], f.len[i])]);
  else {
    const byKey = new Map<string, Piece[]>();
    const add = (key: string, p: Piece): void => {
      const list = byKey.get(key);
      if (list) list.push(p);
      else {
        const fresh = [p];
        byKey.set(key, fresh);
        out!.push(fresh);
      }
    };
    for (let i = 0; i < f.off.length; i++) {
      if (f.phys[i] < 0n) out.push([piece(f.off[i], f.len[i])]);
      else if (!linearPhysical(f.phys[i], f.flags[i])) add(`e${f.phys[i]}`, piece(f.off[i], f.len[i]));
      else add(`l${f.phys[i] - f.off[i]}`, { ...piece(f.off[i], f.len[i]), phys: f.phys[i] });
    }
    // only where they join a data piece's extent (a wholly unwritten extent holds nothing to
    // share); not clamped: preallocated past the end (fallocate --keep-size) still keeps it
    const u = f.unwritten;
    for (let i = 0; u && i < u.off.length; i++) {
      const list = byKey.get(`l${u.phys[i] - u.off[i]}`);
      if (list) list.push({ start: u.off[i], end: u.off[i] + u.len[i], len: u.len[i], unwritten: true });
    }
  }
  piecesCache.set(f, out);
  return out;
}
const piecesCache = new WeakMap<FileData, Piece[][]>();

/**
 * btrfs as root: the pieces of `f` per on-disk extent, from its extent items. FIEMAP cannot tell
 * them apart where extents lie side by side on disk: it joins them into one record (a file
 * written in pieces, every file over btrfs's 128 MiB extent limit), and extentPieces would take
 * them for one extent. An item is all preallocated or all written: one inside the file's
 * unwritten ranges is preallocated (not clamped, as above). Cached per file.
 */
function itemPieces(f: FileData, byExtent: Map<bigint, ExtentRef[]>): Piece[][] {
  let out = itemPiecesCache.get(f);
  if (out) return out;
  const u = f.unwritten;
  const piece = (x: ExtentRef): Piece =>
    u?.off.some((o, i) => o < x.end && o + u.len[i] > x.off)
      ? { start: x.off, end: x.end, len: x.end - x.off, unwritten: true, bytenr: x.bytenr }
      : { start: x.off, end: x.end < f.size ? x.end : f.size, len: x.end - x.off, bytenr: x.bytenr };
  itemPiecesCache.set(f, (out = [...byExtent.values()].map((refs) => refs.map(piece))));
  return out;
}
const itemPiecesCache = new WeakMap<FileData, Piece[][]>();

/**
 * btrfs: whether an extent referenced in [offset, offset + length) of `f` is also referenced
 * outside that range by `f` itself: sharing the range then frees nothing of that extent, so the
 * range had better be the group's source (its blocks stay whatever happens).
 */
export function keepsExtent(f: FileData, offset: bigint, length: bigint): boolean {
  if (f.filesystem !== 'btrfs') return false;
  const end = offset + length;
  for (const pieces of extentPieces(f)) {
    let inside = false;
    let outside = false;
    for (const { start: a, end: b, unwritten } of pieces) {
      if (unwritten)
        outside = true; // stays wherever it lies
      else if (b > offset && a < end) inside = true;
      if (a < offset || b > end) outside = true;
    }
    if (inside && outside) return true;
  }
  return false;
}

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
 * places this rule takes out are added to it, for countPlacesOnce.
 */
export function partialExtentWarnings(
  groups: DedupeGroup[],
  files: Map<string, FileData>,
  owners?: Map<string, OwnerLookup>,
  leftOut = new LeftOut(),
): void {
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
      for (const [g, places] of taken) leftOut.addPlaces(g, places.start, places.end);
      return;
    }
    covering = still;
  }
}

/**
 * partialExtentWarnings's one pass: each group's destinations against those the `covering`
 * groups share, with its own (it is judged as if applied). Returns the places it took out of
 * each group's saving.
 */
function takePartialExtents(
  groups: DedupeGroup[],
  covering: Set<DedupeGroup>,
  files: Map<string, FileData>,
  owners: Map<string, OwnerLookup> | undefined,
  leftOut: LeftOut,
): Map<DedupeGroup, Intervals> {
  const takenPlaces = new Map<DedupeGroup, Intervals>();
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
  return takenPlaces;
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
 * Parts of files ([start, end) of each) counted where they lie on disk, each byte once: through
 * the file's map where its place is linear, as they are elsewhere (compressed data: FIEMAP does
 * not say where in its extent a piece lies).
 */
class PhysicalParts {
  private readonly start: bigint[] = [];
  private readonly end: bigint[] = [];
  private unplaced = 0n;

  /** [a, b) of `f`, but for compressed data at `notEncoded` (file offsets: an earlier rule took it out already). */
  add(f: FileData, a: bigint, b: bigint, notEncoded?: Intervals): void {
    let placed = 0n;
    for (const x of segments(f, a, b - a)) {
      if (x.encoded && notEncoded) {
        // (counted by its file range, less what was taken out already)
        placed += x.len - bytesNotCovered({ start: [a + x.rel], end: [a + x.rel + x.len] }, notEncoded);
        continue;
      }
      if (x.phys < 0n || x.encoded) continue; // (no linear place: counted as it is, below)
      this.start.push(x.phys);
      this.end.push(x.phys + x.len);
      placed += x.len;
    }
    this.unplaced += b - a - placed;
  }

  /** Their places on disk (those with one), merged. */
  places(): Intervals {
    return mergeRanges(this.start, this.end);
  }

  /** Their bytes, each once, but for those at the places `except`. */
  bytes(except: Intervals = { start: [], end: [] }): bigint {
    return this.unplaced + bytesNotCovered(mergeRanges(this.start, this.end), except);
  }
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

/** Whether the plan moves every one of `f`'s references `refs` to an extent (`cover`: its destination ranges). */
function allMoved(refs: ExtentRef[] | undefined, f: FileData, cover: { start: bigint[]; end: bigint[] } | undefined): boolean {
  if (!refs || refs.length === 0 || !cover) return false;
  return !refs.some((e) => bytesNotCovered({ start: [e.off], end: [e.end < f.size ? e.end : f.size] }, cover) > 0n);
}

/**
 * btrfs as root: the file's references to its data extents (its extent items), by extent address;
 * undefined where they cannot be read. Made once per file (a compressed file has an extent per
 * 128 KiB, asked about once per piece).
 */
function refsByExtent(f: FileData, owners: Map<string, OwnerLookup>): Map<bigint, ExtentRef[]> | undefined {
  let cache = refsCaches.get(owners);
  if (!cache) refsCaches.set(owners, (cache = new WeakMap()));
  if (cache.has(f)) return cache.get(f);
  const refs = owners.get(f.fsKey)?.extentsOf?.(f);
  let byExtent: Map<bigint, ExtentRef[]> | undefined;
  if (refs) {
    byExtent = new Map();
    for (const x of refs) (byExtent.get(x.bytenr) ?? byExtent.set(x.bytenr, []).get(x.bytenr)!).push(x);
  }
  cache.set(f, byExtent);
  return byExtent;
}
/** Per owner lookups (one search's), per file. */
const refsCaches = new WeakMap<Map<string, OwnerLookup>, WeakMap<FileData, Map<bigint, ExtentRef[]> | undefined>>();

/**
 * Every destination range the plan moves on btrfs, per file, merged. Not a range that already
 * shares its source's blocks: the apply leaves it as it is, so its references stay (a trial: a
 * file's middle already shared with the source, its two ends moved to it, "frees 32768, exact",
 * freed 0).
 */
function destinationCover(groups: DedupeGroup[], files: Map<string, FileData>): Map<string, { start: bigint[]; end: bigint[] }> {
  const starts = new Map<string, bigint[]>();
  const ends = new Map<string, bigint[]>();
  for (const g of groups)
    for (const r of g.ranges.slice(1)) {
      if (r.alreadyShared || files.get(r.path)?.filesystem !== 'btrfs') continue;
      (starts.get(r.path) ?? starts.set(r.path, []).get(r.path)!).push(r.offset);
      (ends.get(r.path) ?? ends.set(r.path, []).get(r.path)!).push(r.offset + g.length);
    }
  const covered = new Map<string, { start: bigint[]; end: bigint[] }>();
  for (const [p, s] of starts) covered.set(p, mergeRanges(s, ends.get(p)!));
  return covered;
}
