// The inspector's host-side model of one extent map: it answers the webview's windowed
// questions (requestWindow, requestRows, the overview strip) and exports the map.
//
// Pure: no `vscode`, no Node APIs. The extension's inspector panel owns one MapModel per shown
// file and forwards parsed webview messages to `answer()`; the Chromium tests use the same
// class through a bridge, so what the tests see is what VS Code shows.
//
// A map may hold a million extents. They are stored packed (src/views/map-columns.ts), each
// 64-bit value split into two uint32 halves (hi, lo), so that
//   - binary search over sorted offsets compares plain numbers (no BigInt allocation), and
//   - binning (src/views/map-bins.ts) computes positions relative to the window in doubles
//     exactly ((hi - Whi) * 2^32 + (lo - Wlo) is exact whenever the result is below 2^53, and a
//     result above 2^53 only happens in a window longer than 2^53, where a relative error of
//     2^-53 of the window is far below one pixel).
// Values that leave the model (extents, rows, exports) are rebuilt as exact bigints.
// Exports are in src/views/map-export.ts, the clone-results data in src/views/clone-results-data.ts.

// map-format.ts directly: see the note in src/views/map-columns.ts.
import { bytesPastEof, EXTENT_FLAG, extentFlagNames } from '../engine/map-format';
import type { Extent, ExtentFlag, ExtentMap, VolumeInfo } from '../engine';
import { MAX_BINS, toWire } from '../protocol/messages';
import { fractionOf } from '../protocol/format';
import type { HostMessage, WebviewMessage, WireExtent, WireSummary, WireWindow } from '../protocol/messages';
import { Binner } from './map-bins';
import { columnsOf, firstEndingAfter, firstStartingAtOrAfter, join, type Columns, type PackedMapInput } from './map-columns';
import { exportCsvChunks, exportJsonChunks, rowsToText, type ExportOptions, type ExportSource } from './map-export';

export type { PackedMapInput } from './map-columns';

/** Default number of bins when the webview does not say: enough for a 4K-wide canvas. */
const DEFAULT_BINS = 4096;

export class MapModel implements ExportSource {
  readonly path: string;
  readonly name: string;
  readonly size: bigint;
  readonly blockSize: number;
  readonly source: string;
  readonly count: number;
  readonly volume: VolumeInfo | undefined;
  readonly mapWindow: { offset: bigint; length: bigint };
  /**
   * The map was read only up to here (an extent limit: ExtentMap.truncatedAt). The model is
   * exact before it and knows nothing after it; its totals cover the part read.
   */
  readonly truncatedAt: bigint | undefined;
  /** What the map cannot show (ExtentMap.notes). */
  readonly notes: readonly string[];
  /**
   * What the file holds where its ranges say more (ExtentMap.allocationSize: an SMB file not
   * marked sparse, given as one range over holes and all): the summary's allocated and holes.
   */
  readonly allocationSize: bigint | undefined;

  /** The packed columns (src/views/map-columns.ts) and the bins over them. */
  private readonly col: Columns;
  private readonly binner: Binner;
  private readonly holeBytes: bigint;
  private overviewCache = new Map<number, WireWindow>();

  /**
   * From Extent objects (any caller), or from the engine's packed map (`engine.mapPacked`:
   * typed arrays, no object per extent), which is what the inspector reads: for a million
   * extents this skips creating a million objects and four million BigInts.
   */
  constructor(map: ExtentMap | PackedMapInput, volume?: VolumeInfo) {
    this.path = map.path;
    this.name = baseName(map.path);
    this.size = map.size;
    this.blockSize = map.blockSize;
    this.source = map.source;
    this.volume = volume;
    this.mapWindow = { offset: map.window.offset, length: map.window.length };
    this.truncatedAt = map.truncatedAt;
    this.notes = map.notes ?? [];
    this.allocationSize = map.allocationSize;
    const c = columnsOf(map);
    this.col = c;
    this.binner = new Binner(c);
    this.count = c.count;
    // Holes of the part read: a truncated map says nothing about the rest of the file. Where the
    // ranges overstate (allocationSize), the file's holes are what it does not hold.
    this.holeBytes =
      this.allocationSize !== undefined
        ? this.size - this.allocationSize
        : (this.truncatedAt !== undefined && this.truncatedAt < this.size ? this.truncatedAt : this.size) - c.inFile;
  }

  /** The model of an engine packed map (engine.mapPacked); same as `new MapModel(packed)`. */
  static fromPacked(map: PackedMapInput, volume?: VolumeInfo): MapModel {
    return new MapModel(map, volume);
  }

  /** Bytes in shared extents (flag or refcount > 1). */
  get sharedTotal(): bigint {
    return this.col.sharedBytes;
  }

  /** Bytes in all extents of the map (the part read). */
  get allocatedTotal(): bigint {
    return this.col.allocated;
  }

  /** Bytes in unwritten extents. */
  get unwrittenTotal(): bigint {
    return this.col.unwrittenBytes;
  }

  // ---- single extents ---------------------------------------------------------------------

  offsetAt(i: number): bigint {
    return join(this.col.offHi[i], this.col.offLo[i]);
  }

  endAt(i: number): bigint {
    return join(this.col.endHi[i], this.col.endLo[i]);
  }

  /** The physical offset of extent `i`, or null when unknown. */
  physicalAt(i: number): bigint | null {
    return this.col.physKnown[i] ? join(this.col.physHi[i], this.col.physLo[i]) : null;
  }

  /** The flag names of extent `i` (a fresh array). */
  flagsAt(i: number): ExtentFlag[] {
    const bits = this.col.flagBits[i];
    return bits === 0 ? [] : extentFlagNames(bits).slice();
  }

  /** The reference count of extent `i` where the OS gave one. */
  refcountAt(i: number): number | undefined {
    const rc = this.col.refcounts;
    return rc && rc[i] !== 0 ? rc[i] : undefined;
  }

  extentAt(i: number): Extent {
    const offset = this.offsetAt(i);
    const e: Extent = { offset, length: this.endAt(i) - offset, physical: this.physicalAt(i), flags: this.flagsAt(i) };
    const rc = this.refcountAt(i);
    if (rc !== undefined) e.refcount = rc;
    return e;
  }

  wireExtentAt(i: number): WireExtent {
    const offset = this.offsetAt(i);
    const phys = this.physicalAt(i);
    const w: WireExtent = {
      offset: toWire(offset),
      length: toWire(this.endAt(i) - offset),
      physical: phys === null ? null : toWire(phys),
      flags: this.flagsAt(i),
      index: i,
    };
    const rc = this.refcountAt(i);
    if (rc !== undefined) w.refcount = rc;
    return w;
  }

  // ---- search -----------------------------------------------------------------------------

  /** Index of the first extent whose end is after `offset` (count when none). */
  firstEndingAfter(offset: bigint): number {
    return firstEndingAfter(this.col, offset);
  }

  /** Index of the first extent starting at or after `offset` (count when none). */
  firstStartingAtOrAfter(offset: bigint): number {
    return firstStartingAtOrAfter(this.col, offset);
  }

  /** Index of the extent containing `offset`, or -1 when it falls in a hole. */
  indexAt(offset: bigint): number {
    const i = this.firstEndingAfter(offset);
    return i < this.count && this.offsetAt(i) <= offset ? i : -1;
  }

  // ---- answers ----------------------------------------------------------------------------

  summary(): WireSummary {
    const v = this.volume;
    const span = this.truncatedAt !== undefined && this.truncatedAt < this.size ? this.truncatedAt : this.size;
    const ratio = fractionOf(clampBig(this.holeBytes, 0n, span), span);
    const s: WireSummary = {
      path: this.path,
      name: this.name,
      size: toWire(this.size),
      allocated: toWire(this.allocationSize ?? this.col.allocated),
      sparseRatio: ratio,
      extentCount: this.count,
      sharedBytes: toWire(this.col.sharedBytes),
      unwrittenBytes: toWire(this.col.unwrittenBytes),
      filesystem: v?.filesystem ?? 'unknown',
      blockSize: this.blockSize,
      supportsClone: v?.supportsClone,
      supportsSparse: v?.supportsSparse ?? false,
      source: this.source,
      cloneEvidence: v?.cloneEvidence ?? 'The volume was not queried.',
    };
    if (this.truncatedAt !== undefined) s.truncatedAt = toWire(this.truncatedAt);
    const past = this.pastEofBytes();
    if (past > 0n) s.pastEof = toWire(past);
    const pastData = past > 0n ? this.pastEofBytes(false) : 0n;
    if (pastData > 0n) s.pastEofData = toWire(pastData);
    if (this.allInline()) s.inline = true;
    const notes = [...this.notes];
    if (past > 0n) notes.push(pastEofNote(past, this.size));
    const enc = encodedNote(this.col.encodedBytes, this.col.encodedCount);
    if (enc) notes.push(enc);
    if (notes.length) s.notes = notes;
    return s;
  }

  /** Every extent is inline (btrfs keeps a small file's data in its metadata), as the CLI's map says. */
  private allInline(): boolean {
    for (let i = 0; i < this.count; i++) if ((this.col.flagBits[i] & EXTENT_FLAG.INLINE) === 0) return false;
    return this.count > 0;
  }

  /**
   * Bytes of extents past the end of the file's last block (it is allocated whole), as the CLI's
   * map counts them (src/cli/commands/map-packed.ts, pastEndOfFile): preallocated beyond EOF.
   */
  pastEofBytes(unwritten?: boolean): bigint {
    return bytesPastEof(
      this.size,
      this.blockSize,
      this.count,
      (i) => this.offsetAt(i),
      (i) => this.endAt(i),
      // undefined: every extent; false: those not unwritten (delalloc, written), which
      // `allocated - unwrittenBytes` would otherwise count as data
      unwritten === undefined ? undefined : (i) => ((this.col.flagBits[i] & EXTENT_FLAG.UNWRITTEN) !== 0) === unwritten,
    );
  }

  /** The span the map should show: the whole file, or past EOF when extents reach beyond it. */
  fullSpan(): bigint {
    let span = this.size;
    if (this.count > 0) {
      const lastEnd = this.endAt(this.count - 1);
      if (lastEnd > span) span = lastEnd;
    }
    return span > 0n ? span : 1n;
  }

  /**
   * The window [offset, offset + length): the intersecting extents exactly when at most
   * `maxExtents` intersect, otherwise `binCount` bins of per-class coverage.
   */
  window(offset: bigint, length: bigint, maxExtents: number, binCount?: number): WireWindow {
    const end = offset + length;
    const i0 = length > 0n ? this.firstEndingAfter(offset) : this.firstStartingAtOrAfter(offset);
    const i1 = length > 0n ? Math.max(i0, this.firstStartingAtOrAfter(end)) : i0;
    const count = i1 - i0;
    const w: WireWindow = {
      offset: toWire(offset),
      length: toWire(length),
      extentCount: count,
      prevEnd: toWire(i0 > 0 ? this.endAt(i0 - 1) : 0n),
      nextStart: toWire(i1 < this.count ? this.offsetAt(i1) : maxBig(this.size, end)),
      firstIndex: i0,
    };
    if (count <= maxExtents) {
      const extents: WireExtent[] = new Array(count);
      for (let i = i0; i < i1; i++) extents[i - i0] = this.wireExtentAt(i);
      w.extents = extents;
      return w;
    }
    const bins = Math.max(1, Math.min(binCount ?? Math.min(maxExtents, DEFAULT_BINS), MAX_BINS));
    w.binCount = bins;
    w.bins = this.binner.binRange(offset, length, i0, i1, bins);
    const st = this.binner.binStats(offset, length, bins);
    w.binExtents = st.extents;
    w.binBytes = st.bytes;
    w.binFirst = st.first;
    return w;
  }

  /** The whole file in `binCount` bins (or exactly, when it has few extents); cached. */
  overview(binCount = 2048): WireWindow {
    const bins = Math.max(1, Math.min(binCount, MAX_BINS));
    let w = this.overviewCache.get(bins);
    if (!w) {
      w = this.window(0n, this.fullSpan(), bins, bins);
      this.overviewCache.set(bins, w);
    }
    return w;
  }

  /** Rows [start, start + count) of the table, clipped to the map. */
  rows(start: number, count: number): WireExtent[] {
    const s = Math.max(0, Math.min(start, this.count));
    const e = Math.max(s, Math.min(start + count, this.count));
    const out: WireExtent[] = new Array(e - s);
    for (let i = s; i < e; i++) out[i - s] = this.wireExtentAt(i);
    return out;
  }

  /**
   * Answer a parsed webview message that only needs the map (requestWindow, requestRows).
   * Anything else (ready, refresh, export, copyText, compareWithCopy) is the panel's job:
   * undefined.
   */
  answer(msg: WebviewMessage): HostMessage | undefined {
    switch (msg.type) {
      case 'requestWindow':
        return {
          type: 'window',
          requestId: msg.requestId,
          window: this.window(BigInt(msg.offset), BigInt(msg.length), msg.maxExtents, msg.binCount),
        };
      case 'requestRows':
        return {
          type: 'rows',
          requestId: msg.requestId,
          start: Math.min(msg.start, this.count),
          total: this.count,
          rows: this.rows(msg.start, msg.count),
        };
      default:
        return undefined;
    }
  }

  /** The messages that open an inspector: summary, then the overview strip. */
  initialMessages(overviewBins = 2048): HostMessage[] {
    return [
      { type: 'summary', summary: this.summary() },
      { type: 'overview', window: this.overview(overviewBins) },
    ];
  }

  // ---- export (src/views/map-export.ts) ---------------------------------------------------

  *exportJsonChunks(opts: ExportOptions = {}): Generator<string> {
    yield* exportJsonChunks(this, opts);
  }

  *exportCsvChunks(opts: ExportOptions = {}): Generator<string> {
    yield* exportCsvChunks(this, opts);
  }

  /** Rows [start, start+count) as tab-separated text with a header (for copyText). */
  rowsAsText(start: number, count: number): string {
    return rowsToText(this.rows(start, count));
  }
}

/** The file's name as the summary's heading shows it: the last part of its path. */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

const clampBig = (v: bigint, lo: bigint, hi: bigint): bigint => (v < lo ? lo : v > hi ? hi : v);
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * The note on extents past the end of the file (the CLI's map says the same in its summary line):
 * they are drawn after the end-of-file marker, and Allocated counts them, as du does.
 */
function pastEofNote(past: bigint, size: bigint): string {
  return (
    `The file is ${size} bytes long and ${past} bytes of its extents lie past that end (preallocated, as fallocate ` +
    "--keep-size or XFS's speculative preallocation does): the map shows them after the end-of-file line and the table " +
    'flags them "past EOF" (an extent across the end "partly past EOF"); Allocated counts them, as du does; Sparse covers only the ' +
    'logical size.'
  );
}

/**
 * What the map cannot say about encoded (compressed) extents: FIEMAP gives their length before
 * compression (the logical length), not what they take on disk, so the inspector's sizes count
 * them uncompressed. One sentence for the summary's notes (exact bytes; the webview adds sizes).
 */
export function encodedNote(bytes: bigint, extents: number): string | undefined {
  if (bytes <= 0n) return undefined;
  return (
    `${bytes} bytes in ${extents} ${extents === 1 ? 'extent are' : 'extents are'} encoded (compressed): ` +
    'sizes here are before compression, so on disk they may take less; FIEMAP does not report how much.'
  );
}
