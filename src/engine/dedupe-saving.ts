// What sharing a group of identical ranges would free (dedupe-find.ts): read from the physical
// offsets of the files' extent maps, so data that is already shared counts zero (a clone of a
// file gives nothing), destinations that share blocks with one another count once, and blocks
// that other files keep are left out. btrfs's whole-extent rules are in dedupe-extents.ts and dedupe-extent-sizes.ts.
// (Just over 400 lines: one question, what a group frees, with its lower and upper bounds.)

import type { DedupeGroup, DedupeRange } from './dedupe-types';
import { EXTENT_FLAG, linearPhysical } from './map-format';
import { keepsExtent } from './dedupe-extent-pieces';
import type { FileData } from './dedupe-file-data';
import { bytesNotCovered, mergeRanges } from './space-scan';
import { LeftOut } from './dedupe-left-out';
import { sharesNoBlocks } from './space-fs';
import { keptWhole, type HeldOutside, type OwnerLookup } from './dedupe-owners';
import { readOnlyKeptText } from './dedupe-read-only';
import { blockEndAtEof, dataBytes, physEnd, placeKey, sameBytes, segments, type Segment } from './dedupe-segments';

const compare = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** A range's bytes in compressed (encoded) extents. */
const compressedBytes = (segs: Segment[]): bigint => segs.reduce((t, x) => (x.encoded ? t + x.len : t), 0n);

/** Where a range's data starts on disk (its first piece with a known place; none: last). */
const firstPlace = (segs: Segment[]): bigint => segs.find((x) => x.phys >= 0n)?.phys ?? 1n << 64n;

/**
 * The group for identical ranges (`length` bytes at `offsets[i]` of `files[i]`): the source is
 * the range most others already share (fewest changes), the net saving is the union of the
 * other ranges' physical bytes that are not the source's. Files in `readOnly` (a read-only
 * snapshot or file system, an immutable file, another user's file without write permission:
 * the kernel refuses to change them; dedupe-read-only.ts) can only be
 * the source; the group leaves out any other range of theirs, and says so (a group left with
 * one range has nothing to share: the caller drops it).
 *
 * `copiesOf(f)`: files that are whole copies of `f` and kept out of the groups of ranges (the
 * destinations of its whole-file group: dedupe-find.ts). Where such a copy already shares a
 * destination's blocks over the range, it moves with it (one more destination, never the source):
 * blocks are freed only when every reference to them moves.
 *
 * `held`: bytes of a range that files outside the selection keep (the file system's owners, as
 * root: dedupe-owners.ts); such a range's blocks stay allocated anyway, so it is a source as good
 * as a range whose file keeps its extents.
 */
export function groupSaving(
  originals: FileData[],
  originalOffsets: bigint[],
  length: bigint,
  wholeFiles: boolean,
  readOnly: { has(path: string): boolean } = new Set<string>(),
  copiesOf?: (f: FileData) => readonly FileData[] | undefined,
  held?: HeldOutside,
): DedupeGroup {
  const files = [...originals];
  const offsets = [...originalOffsets];
  const segs = files.map((f, i) => segments(f, offsets[i], length));
  const fixed = files.map((f) => readOnly.has(f.path));
  // The source: a range that cannot change, if any; then one whose extents stay allocated
  // anyway (btrfs: the file references them outside the range too; any file system that names
  // owners: a file outside the selection references them, `held`); for both, its blocks stay
  // whatever we do, so the others should move to them. Then the range physically identical to
  // the most others; on a tie, the one with the most bytes in blocks other files also
  // reference (a clone outside the selection keeps them allocated, likewise); then the one with
  // the most compressed data (btrfs: kept as the source, the other copies are freed whole and
  // exactly; moved, a compressed copy frees only its size on disk, which is not known); then the
  // one in the fewest pieces (FIEMAP extents, physically contiguous ones joined: the copy every
  // file keeps is the least fragmented); then the one first on disk (copies are usually written
  // after their original: the space freed is then one stretch, and btrfs's checksum tree ends
  // ~5% smaller, bench/NOTES.md); then the first by path and offset.
  const staysAnyway = (i: number): boolean =>
    keepsExtent(files[i], offsets[i], length) || (held !== undefined && held(files[i], offsets[i], length) > 0n);
  const rank = files.map((_, i) => (fixed[i] ? 2 : staysAnyway(i) ? 1 : 0));
  // The ranges of a group hold data at the same offsets (their keys include where the holes
  // are), so a range is physically identical to another exactly where their places are equal.
  const keys = segs.map(placeKey);
  const samePlace = new Map<string, number>();
  for (const k of keys) if (k !== undefined) samePlace.set(k, (samePlace.get(k) ?? 0) + 1);
  /** The last rules, in order (negative: i before j): more compressed, fewer pieces, first on disk, path, offset. */
  const tie = (i: number, j: number): number =>
    compare(compressedBytes(segs[j]), compressedBytes(segs[i])) ||
    segs[i].length - segs[j].length ||
    compare(firstPlace(segs[i]), firstPlace(segs[j])) ||
    (files[i].path < files[j].path ? -1 : files[i].path > files[j].path ? 1 : compare(offsets[i], offsets[j]));
  let src = 0;
  let best = -1;
  let bestShared = -1n;
  for (let i = 0; i < files.length; i++) {
    if (rank[i] < rank[src]) continue;
    const key = keys[i];
    const n = key === undefined ? 0 : samePlace.get(key)! - 1;
    const shared = segs[i].reduce((t, x) => (x.shared ? t + x.len : t), 0n);
    const better = rank[i] > rank[src] || n > best || (n === best && (shared > bestShared || (shared === bestShared && tie(i, src) < 0)));
    if (better) {
      best = n;
      bestShared = shared;
      src = i;
    }
  }
  const leftOut = files.map((_, i) => i).filter((i) => fixed[i] && i !== src);
  const order = [src, ...files.map((_, i) => i).filter((i) => i !== src && !fixed[i])];
  if (copiesOf)
    for (const i of order.slice(1)) {
      const data = dataBytes(segs[i]);
      for (const c of copiesOf(files[i]) ?? []) {
        if (readOnly.has(c.path)) continue; // it keeps the blocks: the saving rules see that
        const cs = segments(c, offsets[i], length);
        if (data === 0n || sameBytes(segs[i], cs) !== data) continue;
        order.push(files.length);
        files.push(c);
        offsets.push(offsets[i]);
        segs.push(cs);
      }
    }
  const s = segs[src];
  const start: bigint[] = [];
  const end: bigint[] = [];
  let unknown = 0n;
  // bytes with no physical place at all (smb://: only allocated ranges are known): whether they
  // are already shared is unknown, so they may free nothing
  let unplaced = 0n;
  // compressed bytes (not the source's): what they free on disk is unknown, at most their length
  let encodedBytes = 0n;
  // destination bytes flagged shared, not at the source's place: by place (destinations that
  // share with one another count once), and encoded pieces apart
  const sharedStart: bigint[] = [];
  const sharedEnd: bigint[] = [];
  let sharedEncoded = 0n;
  let candidateBytes = 0n;
  let alreadySharedBytes = 0n;
  const ranges: DedupeRange[] = order.map((i, k) => {
    const r: DedupeRange = { path: files[i].path, offset: offsets[i] };
    if (k === 0) {
      if (fixed[i]) r.readOnly = true;
      return r;
    }
    const d = segs[i];
    candidateBytes += dataBytes(d);
    const same = sameBytes(s, d);
    alreadySharedBytes += same;
    if (same === dataBytes(d)) r.alreadyShared = true;
    for (const x of d) {
      // no place, or an encoded extent's: counted in full (an upper bound), unless the source's
      if (x.phys < 0n) {
        unknown += x.len;
        // (tmpfs and ramfs share no blocks at all: their data cannot already be the source's)
        if (!sharesNoBlocks(files[i].filesystem)) unplaced += x.len;
      } else if (x.encoded) {
        const notSource = x.len - sameBytes(s, [x]);
        unknown += notSource;
        encodedBytes += notSource;
        if (x.shared) sharedEncoded += notSource;
      } else {
        const e = physEnd(files[i], offsets[i], x);
        start.push(x.phys);
        end.push(e);
        if (x.shared) {
          sharedStart.push(x.phys);
          sharedEnd.push(e);
        }
      }
    }
    return r;
  });
  const placed = s.filter((x) => x.phys >= 0n && !x.encoded);
  const source = mergeRanges(
    placed.map((x) => x.phys),
    placed.map((x) => physEnd(files[src], offsets[src], x)),
  );
  const netSaving = bytesNotCovered(mergeRanges(start, end), source) + unknown;
  const sharedElsewhere = bytesNotCovered(mergeRanges(sharedStart, sharedEnd), source) + sharedEncoded;
  const warnings: string[] = [];
  // A read-only copy already on the source's blocks (a snapshot of the source's subvolume, or of
  // one that shares them) keeps nothing allocated of its own: no warning for it (a trial: a
  // subvolume and two of its read-only snapshots listed 1,466 groups of net saving 0, each warning so).
  const keepsOwnBlocks = leftOut.filter((i) => sameBytes(s, segs[i]) !== dataBytes(segs[i]));
  if (keepsOwnBlocks.length > 0)
    warnings.push(
      `${keepsOwnBlocks.length} more ${keepsOwnBlocks.length === 1 ? 'range is' : 'ranges are'} in files the kernel will not change for this user (a read-only snapshot or file system, an immutable file, another user's file without write permission): listed as read-only, left as they are, and their blocks stay allocated: ${readOnlyKeptText(
        keepsOwnBlocks.map((i) => ({ file: files[i], offset: offsets[i], segs: segs[i] })),
        s,
        source,
      )}.`,
    );
  const elsewhere =
    sharedElsewhere > 0n && netSaving > 0n
      ? `${sharedElsewhere} bytes of the other ranges are already shared with other files: they are freed only once nothing else references them.`
      : undefined;
  if (elsewhere) warnings.push(elsewhere);
  // The lower bound: those shared bytes may all be held by files outside the selection,
  // compressed data may take next to nothing on disk, and data with no known place may already
  // be the source's (a clone on an SMB share).
  const notSure = sharedElsewhere + encodedBytes - sharedEncoded + unplaced;
  const netSavingMin = netSaving > notSure ? netSaving - notSure : 0n;
  const g: DedupeGroup = { length, ranges, netSaving, netSavingMin, candidateBytes, alreadySharedBytes, wholeFiles, warnings };
  // every file holding the data is named: those that cannot change too (never shared, never counted)
  if (leftOut.length > 0) g.readOnly = leftOut.map((i) => ({ path: files[i].path, offset: offsets[i], readOnly: true }));
  if (encodedBytes > 0n) g.compressed = true;
  if (unplaced > 0n) g.placeUnknown = true;
  if (elsewhere) elsewhereWarning.set(g, elsewhere);
  return g;
}

/** A group's warning that some bytes are shared with other files, unnamed (dropped once owners name them). */
const elsewhereWarning = new WeakMap<DedupeGroup, string>();

/**
 * Data bytes of `dst`'s range and how many of them already sit at the source range's physical
 * place (engine.dedupe checks this just before each call: an already-shared range needs none).
 */
export function sharedWithSource(
  src: FileData,
  srcOffset: bigint,
  dst: FileData,
  dstOffset: bigint,
  length: bigint,
): { data: bigint; same: bigint } {
  const d = segments(dst, dstOffset, length);
  return { data: dataBytes(d), same: sameBytes(segments(src, srcOffset, length), d) };
}

/** A selection file's reference to shared physical blocks: [phys, phys + len) at logical `off`. */
interface SharedRef {
  phys: bigint;
  len: bigint;
  off: bigint;
  path: string;
}

/**
 * A destination's blocks that other files also reference (the SHARED flag) are freed only when
 * every reference to them moves too. Per group, the bytes of its destinations whose blocks some
 * range of the selection still references after the plan (a file that is no destination there:
 * a reflinked copy left as it is, or a group's source) are taken out of the saving, with a
 * warning. References from outside the selection cannot be seen in the maps: where `owners`
 * (dedupe-owners.ts) can name them, the blocks they keep are taken out too and the saving is
 * exact (netSavingMin = netSaving) unless a destination is compressed (its size on disk is
 * unknown: returned, for compressedSavings); elsewhere the saving assumes none, and its lower
 * bound none freed. The places taken out go to `leftOut`, for the rules after it.
 */
export function sharedBlockSavings(
  groups: DedupeGroup[],
  files: Map<string, FileData>,
  owners = new Map<string, OwnerLookup>(),
  leftOut = new LeftOut(),
): ReadonlySet<DedupeGroup> {
  /** Groups whose only unknown is how much their compressed data takes on disk (dedupe-extent-sizes.ts compressedSavings). */
  const onlyCompression = new Set<DedupeGroup>();
  // Where the plan moves data: every destination range, per file, merged. Not a range that
  // already shares its source's blocks, nor a group that frees nothing: apply leaves both alone.
  const starts = new Map<string, bigint[]>();
  const ends = new Map<string, bigint[]>();
  for (const g of groups)
    for (const r of g.ranges.slice(1)) {
      if (r.alreadyShared || g.netSaving === 0n) continue;
      (starts.get(r.path) ?? starts.set(r.path, []).get(r.path)!).push(r.offset);
      (ends.get(r.path) ?? ends.set(r.path, []).get(r.path)!).push(blockEndAtEof(files.get(r.path), r.offset + g.length));
    }
  const moved = new Map<string, { start: bigint[]; end: bigint[] }>();
  for (const [p, s] of starts) moved.set(p, mergeRanges(s, ends.get(p)!));
  // Every reference to shared blocks, per address space, in physical order.
  const refs = new Map<string, SharedRef[]>();
  for (const f of files.values())
    for (let i = 0; i < f.off.length; i++)
      if ((f.flags[i] & EXTENT_FLAG.SHARED) !== 0 && linearPhysical(f.phys[i], f.flags[i]))
        (refs.get(f.fsKey) ?? refs.set(f.fsKey, []).get(f.fsKey)!).push({ phys: f.phys[i], len: f.len[i], off: f.off[i], path: f.path });
  for (const list of refs.values()) list.sort((a, b) => (a.phys < b.phys ? -1 : a.phys > b.phys ? 1 : 0));
  // Per list, the furthest end among the references up to each one: a reference that reaches a
  // place starts at or after the first whose running end passes it (one long extent elsewhere
  // no longer makes every piece scan all the short ones near it).
  const reach = new Map<string, bigint[]>();
  for (const [k, list] of refs) {
    const ends: bigint[] = [];
    let m = 0n;
    for (const r of list) ends.push((m = r.phys + r.len > m ? r.phys + r.len : m));
    reach.set(k, ends);
  }

  for (const g of groups) {
    if (g.netSaving === 0n) continue;
    const srcFile = files.get(g.ranges[0].path);
    if (!srcFile) continue;
    const src = segments(srcFile, g.ranges[0].offset, g.length).filter((x) => x.phys >= 0n);
    // (a piece that ends the file holds its whole last block, as groupSaving counted it)
    const source = mergeRanges(
      src.map((x) => x.phys),
      src.map((x) => (x.encoded ? x.phys + x.len : physEnd(srcFile, g.ranges[0].offset, x))),
    );
    const stuckStart: bigint[] = [];
    const stuckEnd: bigint[] = [];
    const keptStart: bigint[] = [];
    const keptEnd: bigint[] = [];
    let keptBy = '';
    const seenPieces = new Set<string>();
    // every shared destination byte's owners named (none shared: nothing to name)
    let named = true;
    // some destination data compressed: what it takes on disk is not known here
    let compressed = false;
    for (const r of g.ranges.slice(1)) {
      const f = files.get(r.path);
      if (!f || r.alreadyShared) continue;
      const list = refs.get(f.fsKey);
      const lookup = owners.get(f.fsKey);
      for (const x of segments(f, r.offset, g.length)) {
        if (x.encoded) compressed = true;
        if (x.phys < 0n) named = false; // no place (smb://): whether it is shared at all is not known
        if (!x.shared) continue;
        // compressed: no physical range to weigh here; kept whole by a file outside the plan it
        // frees nothing, which compressedSavings takes out; otherwise what keeps it is not known
        if (x.encoded) {
          if (keptWhole(lookup, f, r.offset + x.rel, x.len, x.phys) === undefined && !lookup?.referencingFiles?.(x.phys)) named = false;
          continue;
        }
        if (x.phys < 0n || !list) {
          named = false;
          continue;
        }
        // where it ends the file, its whole last block (the saving counted it so)
        const xEnd = physEnd(f, r.offset, x);
        const kept = lookup?.keptOutside(f, r.offset + x.rel, x.len, x.phys);
        if (!kept) named = false;
        else
          for (const k of kept) {
            keptStart.push(x.phys + (k.start - r.offset - x.rel));
            keptEnd.push(k.end - r.offset - x.rel === x.len ? xEnd : x.phys + (k.end - r.offset - x.rel));
            keptBy ||= lookup!.ownerName(k.owner);
          }
        // What keeps these blocks depends only on where they are: clones of one file moving
        // together bring the same blocks once per clone, and are looked at once.
        const piece = `${f.fsKey}\0${x.phys}\0${x.len}`;
        if (seenPieces.has(piece)) continue;
        seenPieces.add(piece);
        const ends = reach.get(f.fsKey)!;
        // the first reference that can reach x: none before the running end passes x.phys
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ends[mid] <= x.phys) lo = mid + 1;
          else hi = mid;
        }
        for (let k = lo; k < list.length && list[k].phys < xEnd; k++) {
          const ref = list[k];
          const a = ref.phys > x.phys ? ref.phys : x.phys;
          const b = ref.phys + ref.len < xEnd ? ref.phys + ref.len : xEnd;
          if (b <= a) continue;
          // The logical bytes of this reference over [a, b): those the plan does not move keep the blocks.
          const logA = ref.off + (a - ref.phys);
          const cov = moved.get(ref.path) ?? { start: [], end: [] };
          let at = logA;
          const logB = logA + (b - a);
          // the first moved range that ends after `at` (they are merged: in order, apart)
          let c = 0;
          for (let top = cov.end.length; c < top;) {
            const mid = (c + top) >> 1;
            if (cov.end[mid] <= at) c = mid + 1;
            else top = mid;
          }
          for (; c <= cov.start.length && at < logB; c++) {
            const cs = c < cov.start.length ? cov.start[c] : logB;
            const ce = c < cov.start.length ? cov.end[c] : logB;
            if (ce <= at) continue;
            if (cs > at) {
              const stop = cs < logB ? cs : logB;
              stuckStart.push(a + (at - logA));
              stuckEnd.push(a + (stop - logA));
            }
            at = ce > at ? ce : at;
          }
        }
      }
    }
    const stuck = bytesNotCovered(mergeRanges(stuckStart, stuckEnd), source);
    leftOut.addPlaces(g, [...stuckStart, ...keptStart], [...stuckEnd, ...keptEnd]);
    // kept by files outside the plan, beyond what the plan's own files keep
    const kept =
      keptStart.length === 0 ? 0n : bytesNotCovered(mergeRanges([...stuckStart, ...keptStart], [...stuckEnd, ...keptEnd]), source) - stuck;
    if (stuck > 0n) {
      const taken = stuck < g.netSaving ? stuck : g.netSaving;
      g.netSaving -= taken;
      g.warnings.push(
        `${taken} bytes of the other ranges share their blocks with data the plan leaves in place (a clone, a copy in a read-only snapshot, or a group's source): ` +
          'sharing them frees nothing, so they are left out of the saving.',
      );
    }
    if (kept > 0n) {
      const taken = kept < g.netSaving ? kept : g.netSaving;
      g.netSaving -= taken;
      g.warnings.push(
        `${taken} bytes of the other ranges share their blocks with files outside the selection (e.g. ${keptBy}): ` +
          'they stay allocated, so they are left out of the saving.',
      );
    }
    // flagged shared, so already out of the lower bound: it only has to stay below the saving
    if (g.netSavingMin !== undefined && g.netSavingMin > g.netSaving) g.netSavingMin = g.netSaving;
    // every reference is known, or the bytes it spoke of are out of the saving (one figure left):
    // the unnamed warning says too little, or of bytes not counted
    if (named || g.netSavingMin === g.netSaving) {
      const w = elsewhereWarning.get(g);
      if (w) g.warnings = g.warnings.filter((x) => x !== w);
    }
    if (named) {
      // with nothing compressed the saving is exact
      if (compressed) onlyCompression.add(g);
      else g.netSavingMin = g.netSaving;
    }
  }
  return onlyCompression;
}

/**
 * Repeated data inside one file (a pattern, zeros written as data): sharing it points the file at
 * the same blocks again and again, so a file in one extent becomes many. Said on each group that
 * would still be applied (after the other saving rules), since it is a cost the saving does not show.
 */
export function fragmentationWarnings(groups: DedupeGroup[]): void {
  for (const g of groups) {
    if (g.netSaving <= 0n) continue;
    const perFile = new Map<string, number>();
    for (const r of g.ranges) perFile.set(r.path, (perFile.get(r.path) ?? 0) + 1);
    const repeated = [...perFile].filter(([, n]) => n > 1);
    if (repeated.length === 0) continue;
    const [p, n] = repeated[0];
    g.warnings.push(
      `${n} of these ranges are in one file (${p}${repeated.length > 1 ? ` and ${repeated.length - 1} more` : ''}): ` +
        'sharing them splits it into more extents, which can make reading it in order slower.',
    );
  }
}
