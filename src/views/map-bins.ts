// Per-class coverage of bins: how much of each slice of a window each extent class covers.
// The map model (src/views/map-model.ts) answers zoomed-out windows and the overview strip with
// it. Pure: no `vscode`, no Node APIs.

import { EXTENT_CLASSES } from '../protocol/messages';
import { firstEndingAfter, firstStartingAtOrAfter, hiOf, loOf, TWO32, type Columns } from './map-columns';

const NCLASS = EXTENT_CLASSES.length;

/** Bin by prefix sums instead of scanning when a window holds more extents per bin than this. */
const PREFIX_THRESHOLD = 4;

/** Bins over one model's columns (the prefix sums are built on first use and kept). */
export class Binner {
  constructor(private readonly col: Columns) {}

  /**
   * Per-class coverage of `binCount` equal slices of the window. Two strategies with the same
   * result: scanning the k intersecting extents (O(k + bins)), or, when there are many
   * extents per bin, differences of per-class prefix sums at the bin boundaries
   * (O(bins x log n)): zoomed-out views of a million extents cost microseconds, not a scan.
   */
  binRange(offset: bigint, length: bigint, i0: number, i1: number, binCount: number): number[] {
    const byPrefix = i1 - i0 > PREFIX_THRESHOLD * binCount;
    const acc = byPrefix ? this.binsByPrefix(offset, length, binCount) : this.binsByScan(offset, length, i0, i1, binCount);
    const out = new Array<number>(acc.length);
    for (let j = 0; j < acc.length; j++) {
      // round to 4 decimals: fractions only shade pixels, and short numbers keep messages small;
      // any allocation stays above 0, so that the view draws it (its minimum mark)
      const v = acc[j] > 1 ? 1 : acc[j] < 0 ? 0 : acc[j];
      const r = Math.round(v * 10000) / 10000;
      out[j] = r === 0 && v > 0 ? 0.0001 : r;
    }
    return out;
  }

  /**
   * Per bin of the same slices: the extents intersecting it, its allocated bytes and the index
   * of the first extent ending after its start (O(bins x log n), from the prefix sums).
   */
  binStats(offset: bigint, length: bigint, binCount: number): { extents: number[]; bytes: number[]; first: number[] } {
    const P = this.prefixes();
    const B = BigInt(binCount);
    const below = new Float64Array(binCount + 1); // allocated bytes below boundary j
    const firstEnd = new Array<number>(binCount + 1); // first extent ending after boundary j
    const firstStart = new Array<number>(binCount + 1); // first extent starting at or after boundary j
    const edges = new Array<bigint>(binCount + 1);
    for (let j = 0; j <= binCount; j++) {
      const x = offset + (length * BigInt(j)) / B;
      edges[j] = x;
      const i = firstEndingAfter(this.col, x);
      firstEnd[j] = i;
      firstStart[j] = firstStartingAtOrAfter(this.col, x);
      let sum = 0;
      for (let c = 0; c < NCLASS; c++) {
        const a = P[c];
        if (a) sum += a[i];
      }
      if (i < this.col.count) {
        const rel = (hiOf(x) - this.col.offHi[i]) * TWO32 + (loOf(x) - this.col.offLo[i]);
        if (rel > 0) sum += rel; // x falls inside extent i
      }
      below[j] = sum;
    }
    const extents = new Array<number>(binCount);
    const bytes = new Array<number>(binCount);
    const first = new Array<number>(binCount);
    for (let j = 0; j < binCount; j++) {
      const empty = edges[j + 1] <= edges[j];
      extents[j] = empty ? 0 : Math.max(0, firstStart[j + 1] - firstEnd[j]);
      bytes[j] = empty ? 0 : below[j + 1] - below[j];
      first[j] = firstEnd[j];
    }
    return { extents, bytes, first };
  }

  /**
   * prefix[c][i] = bytes of class-c extents among extents [0, i), as doubles (exact while the
   * total is below 2^53 bytes, i.e. 8 PiB allocated). Only classes present get an array.
   */
  private prefix: (Float64Array | null)[] | undefined;

  private prefixes(): (Float64Array | null)[] {
    if (this.prefix) return this.prefix;
    const n = this.col.count;
    const present = new Array<boolean>(NCLASS).fill(false);
    for (let i = 0; i < n; i++) present[this.col.cls[i]] = true;
    const out = present.map((p) => (p ? new Float64Array(n + 1) : null));
    const classes = present.flatMap((p, c) => (p ? [c] : []));
    const arrays = classes.map((c) => out[c]!);
    const run = new Float64Array(NCLASS);
    for (let i = 0; i < n; i++) {
      run[this.col.cls[i]] += (this.col.endHi[i] - this.col.offHi[i]) * TWO32 + (this.col.endLo[i] - this.col.offLo[i]);
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
      const i = firstEndingAfter(this.col, x);
      for (let c = 0; c < NCLASS; c++) {
        const a = P[c];
        if (a) cum[j * NCLASS + c] = a[i];
      }
      if (i < this.col.count) {
        const xh = hiOf(x);
        const xl = loOf(x);
        const rel = (xh - this.col.offHi[i]) * TWO32 + (xl - this.col.offLo[i]);
        if (rel > 0) cum[j * NCLASS + this.col.cls[i]] += rel; // x falls inside extent i
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
      let a = ((this.col.offHi[i] - wh) * TWO32 + (this.col.offLo[i] - wl)) * scale;
      let b = ((this.col.endHi[i] - wh) * TWO32 + (this.col.endLo[i] - wl)) * scale;
      if (a < 0) a = 0;
      if (b > binCount) b = binCount;
      if (b <= a) continue;
      const c = this.col.cls[i];
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
}
