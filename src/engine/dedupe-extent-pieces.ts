// btrfs frees an extent only when no file references any part of it (XFS frees block by block).
// FIEMAP lists a file's references, not its extents: here a file's pieces are grouped per
// extent (from FIEMAP, or as root from the file's extent items), with what the saving rules
// ask of them (dedupe-extents.ts, extents shared only in part; dedupe-extent-sizes.ts, what whole
// extents free): whether a range's extent stays anyway (keepsExtent, for choosing a source),
// where a plan moves references (destinationCover, allMoved), and parts counted where they lie.

import type { DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import { linearPhysical } from './map-format';
import type { ExtentRef, OwnerLookup } from './dedupe-owners';
import { bytesNotCovered, mergeRanges } from './space-scan';
import type { Intervals } from './space-table';
import { segments } from './dedupe-segments';

/** One reference to an extent: [start, end) of the file (clamped to its end), `len` as mapped; `phys` where it has a linear place. */
export interface Piece {
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
export function extentPieces(f: FileData): Piece[][] {
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
export function itemPieces(f: FileData, byExtent: Map<bigint, ExtentRef[]>): Piece[][] {
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
 * Parts of files ([start, end) of each) counted where they lie on disk, each byte once: through
 * the file's map where its place is linear, as they are elsewhere (compressed data: FIEMAP does
 * not say where in its extent a piece lies).
 */
export class PhysicalParts {
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

/** Whether the plan moves every one of `f`'s references `refs` to an extent (`cover`: its destination ranges). */
export function allMoved(refs: ExtentRef[] | undefined, f: FileData, cover: { start: bigint[]; end: bigint[] } | undefined): boolean {
  if (!refs || refs.length === 0 || !cover) return false;
  return !refs.some((e) => bytesNotCovered({ start: [e.off], end: [e.end < f.size ? e.end : f.size] }, cover) > 0n);
}

/**
 * btrfs as root: the file's references to its data extents (its extent items), by extent address;
 * undefined where they cannot be read. Made once per file (a compressed file has an extent per
 * 128 KiB, asked about once per piece).
 */
export function refsByExtent(f: FileData, owners: Map<string, OwnerLookup>): Map<bigint, ExtentRef[]> | undefined {
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
export function destinationCover(groups: DedupeGroup[], files: Map<string, FileData>): Map<string, { start: bigint[]; end: bigint[] }> {
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
