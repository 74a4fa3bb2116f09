// The inspector's host-side model of one extent map: it answers the webview's windowed
// questions (requestWindow, requestRows, the overview strip) and exports the map.
//
// Pure: no `vscode`, no Node APIs. The extension's inspector panel owns one MapModel per shown
// file and forwards parsed webview messages to `answer()`; the Chromium tests use the same
// class through a bridge, so what the tests see is what VS Code shows.
//
// A map may hold a million extents. They are stored packed, each 64-bit value split into two
// uint32 halves (hi, lo), so that
//   - binary search over sorted offsets compares plain numbers (no BigInt allocation), and
//   - binning computes positions relative to the window in doubles exactly
//     ((hi - Whi) * 2^32 + (lo - Wlo) is exact whenever the result is below 2^53, and a
//     result above 2^53 only happens in a window longer than 2^53, where a relative error of
//     2^-53 of the window is far below one pixel).
// Values that leave the model (extents, rows, exports) are rebuilt as exact bigints.

import type { Extent, ExtentFlag, ExtentMap, OperationReport, VolumeInfo } from '../engine/types';
// The pure FIEMAP codec (no koffi, no fs): the packed map's layout and flag names.
import { fiemapFlagNames, unpackExtents, type PackedExtents } from '../engine/backends/linux/codec';
import {
  EXTENT_CLASSES,
  MAX_BINS,
  toWire,
  type CloneResultsData,
  type CloneSide,
  type HostMessage,
  type WebviewMessage,
  type WireExtent,
  type WireSummary,
  type WireWindow,
} from '../protocol/messages';

/** Flag names in bit order (bit i of a packed flag word = FLAG_NAMES[i]). */
const FLAG_NAMES: readonly ExtentFlag[] = [
  'last',
  'unknown',
  'delalloc',
  'encoded',
  'encrypted',
  'not-aligned',
  'inline',
  'tail',
  'unwritten',
  'merged',
  'shared',
];
const FLAG_BIT = new Map<string, number>(FLAG_NAMES.map((f, i) => [f, 1 << i]));
const bit = (f: ExtentFlag): number => FLAG_BIT.get(f)!;
const SHARED_BIT = bit('shared');
const UNWRITTEN_BIT = bit('unwritten');
const INLINE_BITS = bit('inline') | bit('tail');
const ENCODED_BITS = bit('encoded') | bit('encrypted');
const DELALLOC_BIT = bit('delalloc');
const CLASS_IDX = Object.fromEntries(EXTENT_CLASSES.map((c, i) => [c, i])) as Record<(typeof EXTENT_CLASSES)[number], number>;

/** classOf() (src/protocol/extent-class.ts) on packed flag bits: same precedence. */
function classFromBits(bits: number, shared: boolean): number {
  if (bits & INLINE_BITS) return CLASS_IDX.inline;
  if (bits & ENCODED_BITS) return CLASS_IDX.encoded;
  if (bits & DELALLOC_BIT) return CLASS_IDX.delalloc;
  if (shared) return CLASS_IDX.shared;
  if (bits & UNWRITTEN_BIT) return CLASS_IDX.unwritten;
  return CLASS_IDX.data;
}

const TWO32 = 4294967296;
const MASK32 = 0xffffffffn;
const NCLASS = EXTENT_CLASSES.length;

/** Bin by prefix sums instead of scanning when a window holds more extents per bin than this. */
const PREFIX_THRESHOLD = 4;

/** Default number of bins when the webview does not say: enough for a 4K-wide canvas. */
const DEFAULT_BINS = 4096;

const hiOf = (v: bigint): number => Number(v >> 32n);
const loOf = (v: bigint): number => Number(v & MASK32);
const join = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

export interface ExportOptions {
  /** Strings per yielded chunk when streaming (the host writes each chunk to the file). */
  batch?: number;
}

export class MapModel {
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

  private readonly offHi: Uint32Array;
  private readonly offLo: Uint32Array;
  private readonly endHi: Uint32Array;
  private readonly endLo: Uint32Array;
  private readonly physHi: Uint32Array;
  private readonly physLo: Uint32Array;
  /** 1 when the physical offset is known. */
  private readonly physKnown: Uint8Array;
  private readonly flagBits: Uint16Array;
  private readonly cls: Uint8Array;
  /** Reference counts (0 = not given), only allocated when some extent has one. */
  private readonly refcounts: Uint32Array | null;

  private readonly allocated: bigint;
  private readonly sharedBytes: bigint;
  private readonly unwrittenBytes: bigint;
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
    const c =
      'packed' in map
        ? // an unsorted packed map (never from the engine) takes the general path
          (packedColumns(map.packed, map.size) ?? extentColumns(unpackExtents(map.packed), map.size))
        : extentColumns(map.extents, map.size);
    this.count = c.count;
    this.offHi = c.offHi;
    this.offLo = c.offLo;
    this.endHi = c.endHi;
    this.endLo = c.endLo;
    this.physHi = c.physHi;
    this.physLo = c.physLo;
    this.physKnown = c.physKnown;
    this.flagBits = c.flagBits;
    this.cls = c.cls;
    this.refcounts = c.refcounts;
    this.allocated = c.allocated;
    this.sharedBytes = c.sharedBytes;
    this.unwrittenBytes = c.unwrittenBytes;
    // Holes of the part read: a truncated map says nothing about the rest of the file.
    this.holeBytes = (this.truncatedAt !== undefined && this.truncatedAt < this.size ? this.truncatedAt : this.size) - c.inFile;
  }

  /** The model of an engine packed map (engine.mapPacked); same as `new MapModel(packed)`. */
  static fromPacked(map: PackedMapInput, volume?: VolumeInfo): MapModel {
    return new MapModel(map, volume);
  }

  /** Bytes in shared extents (flag or refcount > 1). */
  get sharedTotal(): bigint {
    return this.sharedBytes;
  }

  // ---- single extents ---------------------------------------------------------------------

  offsetAt(i: number): bigint {
    return join(this.offHi[i], this.offLo[i]);
  }

  endAt(i: number): bigint {
    return join(this.endHi[i], this.endLo[i]);
  }

  extentAt(i: number): Extent {
    const offset = this.offsetAt(i);
    const e: Extent = {
      offset,
      length: this.endAt(i) - offset,
      physical: this.physKnown[i] ? join(this.physHi[i], this.physLo[i]) : null,
      flags: this.flagsAt(i),
    };
    if (this.refcounts && this.refcounts[i] !== 0) e.refcount = this.refcounts[i];
    return e;
  }

  wireExtentAt(i: number): WireExtent {
    const offset = this.offsetAt(i);
    const w: WireExtent = {
      offset: toWire(offset),
      length: toWire(this.endAt(i) - offset),
      physical: this.physKnown[i] ? toWire(join(this.physHi[i], this.physLo[i])) : null,
      flags: this.flagsAt(i),
      index: i,
    };
    if (this.refcounts && this.refcounts[i] !== 0) w.refcount = this.refcounts[i];
    return w;
  }

  private flagsAt(i: number): ExtentFlag[] {
    const bits = this.flagBits[i];
    if (bits === 0) return [];
    const out: ExtentFlag[] = [];
    for (let b = 0; b < FLAG_NAMES.length; b++) if (bits & (1 << b)) out.push(FLAG_NAMES[b]);
    return out;
  }

  // ---- search -----------------------------------------------------------------------------

  /** Index of the first extent whose end is after `offset` (count when none). */
  firstEndingAfter(offset: bigint): number {
    const h = hiOf(offset);
    const l = loOf(offset);
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const eh = this.endHi[mid];
      // end > offset ?
      if (eh > h || (eh === h && this.endLo[mid] > l)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Index of the first extent starting at or after `offset` (count when none). */
  firstStartingAtOrAfter(offset: bigint): number {
    const h = hiOf(offset);
    const l = loOf(offset);
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const oh = this.offHi[mid];
      if (oh > h || (oh === h && this.offLo[mid] >= l)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
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
    const ratio = span > 0n ? Number((clampBig(this.holeBytes, 0n, span) * 1_000_000n) / span) / 1_000_000 : 0;
    const s: WireSummary = {
      path: this.path,
      name: this.name,
      size: toWire(this.size),
      allocated: toWire(this.allocated),
      sparseRatio: ratio,
      extentCount: this.count,
      sharedBytes: toWire(this.sharedBytes),
      unwrittenBytes: toWire(this.unwrittenBytes),
      filesystem: v?.filesystem ?? 'unknown',
      blockSize: this.blockSize,
      supportsClone: v?.supportsClone ?? false,
      supportsSparse: v?.supportsSparse ?? false,
      source: this.source,
      cloneEvidence: v?.cloneEvidence ?? 'The volume was not queried.',
    };
    if (this.truncatedAt !== undefined) s.truncatedAt = toWire(this.truncatedAt);
    return s;
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
    w.bins = this.binRange(offset, length, i0, i1, bins);
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
        return { type: 'rows', requestId: msg.requestId, start: Math.min(msg.start, this.count), total: this.count, rows: this.rows(msg.start, msg.count) };
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

  // ---- binning ----------------------------------------------------------------------------

  /**
   * Per-class coverage of `binCount` equal slices of the window. Two strategies with the same
   * result: scanning the k intersecting extents (O(k + bins)), or, when there are many
   * extents per bin, differences of per-class prefix sums at the bin boundaries
   * (O(bins x log n)): zoomed-out views of a million extents cost microseconds, not a scan.
   */
  private binRange(offset: bigint, length: bigint, i0: number, i1: number, binCount: number): number[] {
    const acc = i1 - i0 > PREFIX_THRESHOLD * binCount ? this.binsByPrefix(offset, length, binCount) : this.binsByScan(offset, length, i0, i1, binCount);
    const out = new Array<number>(acc.length);
    for (let j = 0; j < acc.length; j++) {
      // round to 4 decimals: fractions only shade pixels, and short numbers keep messages small
      const v = acc[j] > 1 ? 1 : acc[j] < 0 ? 0 : acc[j];
      out[j] = Math.round(v * 10000) / 10000;
    }
    return out;
  }

  /**
   * prefix[c][i] = bytes of class-c extents among extents [0, i), as doubles (exact while the
   * total is below 2^53 bytes, i.e. 8 PiB allocated). Only classes present get an array.
   */
  private prefix: (Float64Array | null)[] | undefined;

  private prefixes(): (Float64Array | null)[] {
    if (this.prefix) return this.prefix;
    const n = this.count;
    const present = new Array<boolean>(NCLASS).fill(false);
    for (let i = 0; i < n; i++) present[this.cls[i]] = true;
    const out = present.map((p) => (p ? new Float64Array(n + 1) : null));
    const classes = present.flatMap((p, c) => (p ? [c] : []));
    const arrays = classes.map((c) => out[c]!);
    const run = new Float64Array(NCLASS);
    for (let i = 0; i < n; i++) {
      run[this.cls[i]] += (this.endHi[i] - this.offHi[i]) * TWO32 + (this.endLo[i] - this.offLo[i]);
      for (let k = 0; k < arrays.length; k++) arrays[k][i + 1] = run[classes[k]];
    }
    this.prefix = out;
    return out;
  }

  private binsByPrefix(offset: bigint, length: bigint, binCount: number): Float64Array {
    const P = this.prefixes();
    const B = BigInt(binCount);
    // cum[j][c] = bytes of class c below boundary j (from the file start)
    const cum = new Float64Array((binCount + 1) * NCLASS);
    const width = new Float64Array(binCount);
    let prev = offset;
    for (let j = 0; j <= binCount; j++) {
      const x = offset + (length * BigInt(j)) / B;
      if (j > 0) width[j - 1] = Number(x - prev);
      prev = x;
      const i = this.firstEndingAfter(x);
      for (let c = 0; c < NCLASS; c++) {
        const a = P[c];
        if (a) cum[j * NCLASS + c] = a[i];
      }
      if (i < this.count) {
        const xh = hiOf(x);
        const xl = loOf(x);
        const rel = (xh - this.offHi[i]) * TWO32 + (xl - this.offLo[i]);
        if (rel > 0) cum[j * NCLASS + this.cls[i]] += rel; // x falls inside extent i
      }
    }
    const acc = new Float64Array(binCount * NCLASS);
    for (let j = 0; j < binCount; j++) {
      const w = width[j];
      if (w <= 0) continue;
      for (let c = 0; c < NCLASS; c++) acc[j * NCLASS + c] = (cum[(j + 1) * NCLASS + c] - cum[j * NCLASS + c]) / w;
    }
    return acc;
  }

  private binsByScan(offset: bigint, length: bigint, i0: number, i1: number, binCount: number): Float64Array {
    const acc = new Float64Array(binCount * NCLASS);
    const wh = hiOf(offset);
    const wl = loOf(offset);
    const lenNum = Number(length); // only a scale factor: rounding here is far below a pixel
    const scale = binCount / lenNum;
    for (let i = i0; i < i1; i++) {
      // positions relative to the window start, in bins (see the header comment on exactness)
      let a = ((this.offHi[i] - wh) * TWO32 + (this.offLo[i] - wl)) * scale;
      let b = ((this.endHi[i] - wh) * TWO32 + (this.endLo[i] - wl)) * scale;
      if (a < 0) a = 0;
      if (b > binCount) b = binCount;
      if (b <= a) continue;
      const c = this.cls[i];
      let k = Math.floor(a);
      if (k >= binCount) continue;
      const kEnd = Math.min(binCount - 1, Math.ceil(b) - 1);
      if (k === kEnd) {
        acc[k * NCLASS + c] += b - a;
        continue;
      }
      acc[k * NCLASS + c] += k + 1 - a;
      for (k = k + 1; k < kEnd; k++) acc[k * NCLASS + c] += 1;
      acc[kEnd * NCLASS + c] += b - kEnd;
    }
    return acc;
  }

  // ---- export -----------------------------------------------------------------------------

  /**
   * The map as JSON text, in chunks (a million extents is ~100 MB of text: the host writes
   * the chunks to the file one by one). Offsets and sizes are decimal strings, exact above
   * 2^53; the shape matches `extent-lens map --json` plus the volume facts.
   */
  *exportJsonChunks(opts: ExportOptions = {}): Generator<string> {
    const batch = opts.batch ?? 4096;
    const v = this.volume;
    let head =
      '{"path":' +
      JSON.stringify(this.path) +
      ',"size":"' +
      this.size.toString() +
      '","blockSize":' +
      this.blockSize +
      ',"source":' +
      JSON.stringify(this.source) +
      ',"window":{"offset":"' +
      this.mapWindow.offset.toString() +
      '","length":"' +
      this.mapWindow.length.toString() +
      '"}';
    if (v) head += ',"filesystem":' + JSON.stringify(v.filesystem);
    head +=
      ',"allocated":"' +
      this.allocated.toString() +
      '","sharedBytes":"' +
      this.sharedBytes.toString() +
      '","unwrittenBytes":"' +
      this.unwrittenBytes.toString() +
      '","extentCount":' +
      this.count +
      ',"extents":[';
    yield head;
    for (let s = 0; s < this.count; s += batch) {
      const e = Math.min(this.count, s + batch);
      const parts: string[] = new Array(e - s);
      for (let i = s; i < e; i++) parts[i - s] = this.extentJson(i);
      yield (s === 0 ? '' : ',') + parts.join(',');
    }
    yield ']}\n';
  }

  private extentJson(i: number): string {
    const off = this.offsetAt(i);
    const end = this.endAt(i);
    const flags = this.flagsAt(i);
    let s =
      '{"index":' +
      i +
      ',"offset":"' +
      off.toString() +
      '","end":"' +
      end.toString() +
      '","length":"' +
      (end - off).toString() +
      '","physical":' +
      (this.physKnown[i] ? '"' + join(this.physHi[i], this.physLo[i]).toString() + '"' : 'null') +
      ',"flags":' +
      (flags.length === 0 ? '[]' : '["' + flags.join('","') + '"]');
    if (this.refcounts && this.refcounts[i] !== 0) s += ',"refcount":' + this.refcounts[i];
    return s + '}';
  }

  /** The map as CSV (RFC 4180, CRLF-free: one "\n" per row), in chunks. */
  *exportCsvChunks(opts: ExportOptions = {}): Generator<string> {
    const batch = opts.batch ?? 8192;
    yield CSV_HEADER;
    for (let s = 0; s < this.count; s += batch) {
      const e = Math.min(this.count, s + batch);
      const parts: string[] = new Array(e - s);
      for (let i = s; i < e; i++) parts[i - s] = this.csvRow(i);
      yield parts.join('');
    }
  }

  private csvRow(i: number): string {
    const off = this.offsetAt(i);
    const end = this.endAt(i);
    const rc = this.refcounts && this.refcounts[i] !== 0 ? String(this.refcounts[i]) : '';
    return (
      i +
      ',' +
      off.toString() +
      ',' +
      end.toString() +
      ',' +
      (end - off).toString() +
      ',' +
      (this.physKnown[i] ? join(this.physHi[i], this.physLo[i]).toString() : '') +
      ',' +
      this.flagsAt(i).join('|') +
      ',' +
      rc +
      '\n'
    );
  }

  exportText(format: 'json' | 'csv'): string {
    return [...(format === 'json' ? this.exportJsonChunks() : this.exportCsvChunks())].join('');
  }

  /** Rows [start, start+count) as tab-separated text with a header (for copyText). */
  rowsAsText(start: number, count: number): string {
    return rowsToText(this.rows(start, count));
  }
}

/** A map as the engine's packed form: PackedExtentMap (src/engine/backend-ext.ts). */
export type PackedMapInput = Omit<ExtentMap, 'extents'> & { packed: PackedExtents };

/** The model's columns and totals, built once by one of the two constructors below. */
interface Columns {
  count: number;
  offHi: Uint32Array;
  offLo: Uint32Array;
  endHi: Uint32Array;
  endLo: Uint32Array;
  physHi: Uint32Array;
  physLo: Uint32Array;
  physKnown: Uint8Array;
  flagBits: Uint16Array;
  cls: Uint8Array;
  refcounts: Uint32Array | null;
  allocated: bigint;
  sharedBytes: bigint;
  unwrittenBytes: bigint;
  /** Bytes of extents inside [0, size): for the sparse ratio. */
  inFile: bigint;
}

/** Columns from Extent objects. */
function extentColumns(input: readonly Extent[], size: bigint): Columns {
  // The engine returns extents in offset order; sort defensively (a copy, never the caller's).
  let extents = input;
  for (let i = 1; i < extents.length; i++) {
    if (extents[i].offset < extents[i - 1].offset) {
      extents = [...extents].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
      break;
    }
  }
  const n = extents.length;
  // Each 64-bit value is stored through a BigUint64Array view and read back as two uint32
  // halves (little-endian: lo at 2i, hi at 2i+1): no shifts or Number() per value, which
  // matters at a million extents.
  const off = new Uint32Array(2 * n);
  const end = new Uint32Array(2 * n);
  const phys = new Uint32Array(2 * n);
  const off64 = new BigUint64Array(off.buffer);
  const end64 = new BigUint64Array(end.buffer);
  const phys64 = new BigUint64Array(phys.buffer);
  const physKnown = new Uint8Array(n);
  const flagBits = new Uint16Array(n);
  const cls = new Uint8Array(n);
  let refcounts: Uint32Array | null = null;

  let allocated = 0n;
  let shared = 0n;
  let unwritten = 0n;
  let inFile = 0n;
  let prevFlags: readonly string[] | undefined;
  let prevBits = 0;
  for (let i = 0; i < n; i++) {
    const e = extents[i];
    const eEnd = e.offset + e.length;
    off64[i] = e.offset;
    end64[i] = eEnd;
    if (e.physical !== null) {
      phys64[i] = e.physical;
      physKnown[i] = 1;
    }
    let bits = 0;
    // engines often share one flags array between extents; skip the lookups then
    if (e.flags === prevFlags) bits = prevBits;
    else {
      for (const f of e.flags) bits |= FLAG_BIT.get(f) ?? 0;
      prevFlags = e.flags;
      prevBits = bits;
    }
    flagBits[i] = bits;
    const isShared = (bits & SHARED_BIT) !== 0 || (e.refcount !== undefined && e.refcount > 1);
    cls[i] = classFromBits(bits, isShared);
    if (e.refcount !== undefined) {
      refcounts ??= new Uint32Array(n);
      refcounts[i] = e.refcount;
    }
    allocated += e.length;
    if (isShared) shared += e.length;
    if (bits & UNWRITTEN_BIT) unwritten += e.length;
    if (eEnd <= size) inFile += e.length;
    else if (e.offset < size) inFile += size - e.offset;
  }
  // de-interleave into hi/lo arrays for the search and binning loops
  const offHi = new Uint32Array(n);
  const offLo = new Uint32Array(n);
  const endHi = new Uint32Array(n);
  const endLo = new Uint32Array(n);
  const physHi = new Uint32Array(n);
  const physLo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    offLo[i] = off[2 * i];
    offHi[i] = off[2 * i + 1];
    endLo[i] = end[2 * i];
    endHi[i] = end[2 * i + 1];
    physLo[i] = phys[2 * i];
    physHi[i] = phys[2 * i + 1];
  }
  return { count: n, offHi, offLo, endHi, endLo, physHi, physLo, physKnown, flagBits, cls, refcounts, allocated, sharedBytes: shared, unwrittenBytes: unwritten, inFile };
}

/** Little-endian uint32 halves (lo at 2i, hi at 2i+1) of a 64-bit typed array, without copying. */
function halves(a: BigInt64Array | BigUint64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
}

/**
 * Columns straight from the engine's packed arrays (offset/length/physical as int64 columns,
 * FIEMAP flag words): no BigInt per value. Offsets and lengths are the unsigned reading of the
 * int64 bits and a negative physical means unknown, exactly as unpackExtents() reads them.
 * Undefined when the extents are not in offset order (the caller then sorts Extent objects).
 */
function packedColumns(p: PackedExtents, size: bigint): Columns | undefined {
  const n = p.count;
  const o32 = halves(p.offset);
  const l32 = halves(p.length);
  const p32 = halves(p.physical);
  const fiemapFlags = p.flags;
  const offHi = new Uint32Array(n);
  const offLo = new Uint32Array(n);
  const endHi = new Uint32Array(n);
  const endLo = new Uint32Array(n);
  const physHi = new Uint32Array(n);
  const physLo = new Uint32Array(n);
  const physKnown = new Uint8Array(n);
  const flagBits = new Uint16Array(n);
  const cls = new Uint8Array(n);
  const sH = hiOf(size);
  const sL = loOf(size);
  // Byte totals: per chunk of 2^20 extents the 32-bit halves are summed in doubles (at most
  // 2^20 x 2^32 = 2^52: exact), then folded into bigints: one BigInt operation per chunk
  // instead of one per extent.
  let allocated = 0n;
  let shared = 0n;
  let unwritten = 0n;
  let inFile = 0n;
  const fold = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) + BigInt(lo);
  // FIEMAP flag word -> the model's bits, by the names unpackExtents would give
  const bitsOf = new Map<number, number>();
  let prevF = -1;
  let prevBits = 0;
  let prevOH = 0;
  let prevOL = 0;
  const CHUNK = 1 << 20;
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const c1 = Math.min(n, c0 + CHUNK);
    let aH = 0, aL = 0, shH = 0, shL = 0, uH = 0, uL = 0, fH = 0, fL = 0;
    for (let i = c0; i < c1; i++) {
      const oL = o32[2 * i];
      const oH = o32[2 * i + 1];
      if (oH < prevOH || (oH === prevOH && oL < prevOL)) return undefined;
      prevOH = oH;
      prevOL = oL;
      const lL = l32[2 * i];
      const lH = l32[2 * i + 1];
      let eL = oL + lL;
      let eH = oH + lH;
      if (eL >= TWO32) {
        eL -= TWO32;
        eH += 1;
      }
      eH = eH >>> 0; // the end wraps at 2^64, as a BigUint64Array store of offset + length does
      offLo[i] = oL;
      offHi[i] = oH;
      endLo[i] = eL;
      endHi[i] = eH;
      const pH = p32[2 * i + 1];
      if (pH < 0x80000000) {
        physLo[i] = p32[2 * i];
        physHi[i] = pH;
        physKnown[i] = 1;
      }
      const f = fiemapFlags[i];
      if (f !== prevF) {
        let b = bitsOf.get(f);
        if (b === undefined) {
          b = 0;
          for (const name of fiemapFlagNames(f)) b |= FLAG_BIT.get(name) ?? 0;
          bitsOf.set(f, b);
        }
        prevF = f;
        prevBits = b;
      }
      const bits = prevBits;
      flagBits[i] = bits;
      const isShared = (bits & SHARED_BIT) !== 0;
      cls[i] = classFromBits(bits, isShared);
      aH += lH;
      aL += lL;
      if (isShared) {
        shH += lH;
        shL += lL;
      }
      if (bits & UNWRITTEN_BIT) {
        uH += lH;
        uL += lL;
      }
      if (eH < sH || (eH === sH && eL <= sL)) {
        fH += lH;
        fL += lL;
      } else if (oH < sH || (oH === sH && oL < sL)) inFile += size - join(oH, oL); // straddles EOF (rare)
    }
    allocated += fold(aH, aL);
    shared += fold(shH, shL);
    unwritten += fold(uH, uL);
    inFile += fold(fH, fL);
  }
  return {
    count: n,
    offHi,
    offLo,
    endHi,
    endLo,
    physHi,
    physLo,
    physKnown,
    flagBits,
    cls,
    refcounts: null,
    allocated,
    sharedBytes: shared,
    unwrittenBytes: unwritten,
    inFile,
  };
}

export const CSV_HEADER = 'index,offset,end,length,physical,flags,refcount\n';

/** Tab-separated text of wire rows with a header: pastes into spreadsheets as columns. */
export function rowsToText(rows: readonly WireExtent[]): string {
  let s = '#\tstart\tend\tlength\tphysical\tflags\n';
  for (const r of rows) {
    const end = BigInt(r.offset) + BigInt(r.length);
    s += `${r.index ?? ''}\t${r.offset}\t${end}\t${r.length}\t${r.physical ?? ''}\t${r.flags.join(',')}\n`;
  }
  return s;
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

const clampBig = (v: bigint, lo: bigint, hi: bigint): bigint => (v < lo ? lo : v > hi ? hi : v);
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

// ---- clone results --------------------------------------------------------------------------

export interface CloneMaps {
  source: { before?: ExtentMap; after: ExtentMap };
  destination: { before?: ExtentMap; after: ExtentMap };
}

/**
 * The clone-results view's data from an engine report and the maps read before and after the
 * operation. Each map is sent whole when it has at most `bins` extents, else as `bins` bins.
 * Space saved = the destination's shared bytes gained by the operation (0 after a fallback
 * copy, which shares nothing).
 */
export function cloneResultsData(report: OperationReport, maps: CloneMaps, bins = 1024): CloneResultsData {
  const side = (s: { before?: ExtentMap; after: ExtentMap }): CloneSide & { shared: bigint; sharedBefore: bigint } => {
    const after = new MapModel(s.after);
    const before = s.before ? new MapModel(s.before) : undefined;
    const out: CloneSide & { shared: bigint; sharedBefore: bigint } = {
      path: s.after.path,
      size: toWire(s.after.size),
      after: after.overview(bins),
      sharedBytes: toWire(after.sharedTotal),
      shared: after.sharedTotal,
      sharedBefore: before?.sharedTotal ?? 0n,
    };
    if (before) out.before = before.overview(bins);
    return out;
  };
  const { shared: _s1, sharedBefore: _b1, ...source } = side(maps.source);
  const { shared, sharedBefore, ...destination } = side(maps.destination);
  const gained = report.fellBack ? 0n : shared > sharedBefore ? shared - sharedBefore : 0n;
  const data: CloneResultsData = {
    operation: report.operation,
    method: report.method,
    fellBack: report.fellBack ?? false,
    bytes: toWire(report.bytes),
    calls: report.calls,
    durationMs: report.durationMs,
    spaceSaved: toWire(gained),
    source,
    destination,
    notes: report.notes ?? [],
  };
  if (report.fallbackReason) data.fallbackReason = report.fallbackReason;
  return data;
}
