// The range-map renderer shared by the inspector and the clone-results view: draws one
// WireWindow (exact extents or per-class bins) into a canvas for a bigint view window, and
// answers "what is at this byte" for tooltips and selection. devicePixelRatio aware: the
// canvas backing store is sized in device pixels, all drawing math is in device pixels.
import { EXTENT_CLASSES, type WireExtent, type WireWindow } from '../../src/protocol/messages';
import { classIndex, classOf } from '../../src/protocol/extent-class';
import { offsetAtPixel, pixelOfOffset, type ViewWindow } from './bigview';
import type { Palette } from './palette';
import { MIN_RUN_CSS, layoutMarks, type ColumnMarks } from './map-marks';
import { lastStartingAtOrBefore, summarisePixel, type PixelHit } from './pixel-summary';

/** Narrowest shared extent (CSS pixels) the clone-results maps outline (highlightShared). */
const HIGHLIGHT_MIN_CSS = 8;

interface Marks {
  selection?: ViewWindow;
  hover?: ViewWindow;
  /** Outline shared extents (the clone-results view): they are what the clone produced. */
  highlightShared?: boolean;
  /** Device pixels kept free at the top and bottom (the overview strip's viewport outline). */
  inset?: number;
  /**
   * The end of the file, where extents run past it (preallocated beyond EOF): a line there, so
   * that what lies after it does not read as part of the file. `label`: text beside the line.
   */
  eof?: { offset: bigint; label?: string };
}

/** What lies at one byte of the map. */
export type Hit =
  | { kind: 'extent'; offset: bigint; length: bigint; extent: WireExtent }
  /** `nextIndex`: the extent after the hole (its index in the whole map), when known. */
  | { kind: 'hole'; offset: bigint; length: bigint; nextIndex?: number }
  /**
   * One bin (one device pixel of a zoomed-out map): its own extent count, allocated bytes and
   * first extent index when the host gave them (not for sampled bins).
   */
  | {
      kind: 'bin';
      offset: bigint;
      length: bigint;
      fractions: number[];
      extents?: number;
      allocated?: number;
      firstIndex?: number;
      sampled: boolean;
    }
  /** Several exact extents under one pixel (or one mark): their count and bytes by class. */
  | PixelHit;

const NCLASS = EXTENT_CLASSES.length;
/** Opacity of the band above a raised mark (map-marks.ts). */
const RAISED_BAND_ALPHA = 0.3;

export class MapCanvas {
  readonly ctx: CanvasRenderingContext2D;
  width = 1;
  height = 1;
  dpr = 1;
  /** Device pixel x of the end-of-file line last drawn (Marks.eof), if one is in view. */
  eofX: number | undefined;
  /** The marks last drawn (hitAt reads them). */
  private marks: ColumnMarks | undefined;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('canvas 2d context unavailable');
    this.ctx = ctx;
    this.resize();
  }

  /** Match the backing store to the CSS size x devicePixelRatio. True when it changed. */
  resize(): boolean {
    const dpr = window.devicePixelRatio || 1;
    const r = this.canvas.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width * dpr));
    const h = Math.max(1, Math.round(r.height * dpr));
    if (w === this.width && h === this.height && dpr === this.dpr) return false;
    this.canvas.width = w;
    this.canvas.height = h;
    this.width = w;
    this.height = h;
    this.dpr = dpr;
    return true;
  }

  /** Device pixel x under a mouse event. */
  eventX(ev: MouseEvent): number {
    const r = this.canvas.getBoundingClientRect();
    return (ev.clientX - r.left) * (this.width / Math.max(1, r.width));
  }

  offsetAt(view: ViewWindow, x: number): bigint {
    return offsetAtPixel(view, this.width, x);
  }

  draw(view: ViewWindow, data: WireWindow | undefined, p: Palette, marks: Marks = {}): void {
    const { ctx, width: W, height: H } = this;
    ctx.globalAlpha = 1;
    ctx.fillStyle = p.hole;
    ctx.fillRect(0, 0, W, H);
    this.marks = undefined;
    if (data) this.drawWindow(view, data, p, marks.inset ?? 0);
    if (marks.highlightShared && data?.extents) {
      // An outline only around a shared extent wide enough to show its own colour inside it: a
      // narrow one's outline (two full-height lines in the focus blue) would hide the few pixels
      // of shared colour between them, and a trial read such a map as unshared data.
      const minPx = HIGHLIGHT_MIN_CSS * this.dpr;
      for (const e of data.extents) {
        const r = { offset: BigInt(e.offset), length: BigInt(e.length) };
        const s = classOf(e.flags, e.refcount) === 'shared' ? this.span(view, r.offset, r.length) : undefined;
        if (s && s[1] - s[0] >= minPx) this.strokeRange(view, r, p.selection, 1);
      }
    }
    this.eofX = marks.eof ? this.drawEof(view, marks.eof.offset, p, marks.eof.label) : undefined;
    // hover is an outline, not a fill: the colour under the cursor must stay readable
    if (marks.hover) this.strokeRange(view, marks.hover, p.hover, 1);
    if (marks.selection) {
      // the focus colour is often a blue much like data's: a line in the foreground colour just
      // inside it keeps the selection visible on any extent, in any theme
      this.strokeRange(view, marks.selection, p.selection);
      this.strokeRange(view, marks.selection, p.foreground, 1, Math.max(1, Math.round(2 * this.dpr)));
    }
  }

  private span(view: ViewWindow, offset: bigint, length: bigint): [number, number] | undefined {
    const x0 = pixelOfOffset(view, this.width, offset);
    const x1 = pixelOfOffset(view, this.width, offset + length);
    if (x1 < 0 || x0 > this.width) return undefined;
    const a = Math.max(0, Math.floor(x0));
    const b = Math.min(this.width, Math.max(a + 1, Math.ceil(x1)));
    return [a, b];
  }

  /**
   * The one rendering rule, for exact extents and bins alike: per device-pixel column, the
   * fraction of the column's bytes each class covers (cov[x * NCLASS + c], 0..1), and the
   * darkest refcount shade in it. A 4 KiB extent in a 64 KiB column covers 1/16 of it.
   */
  columns(view: ViewWindow, data: WireWindow): { cov: Float64Array; shade: Float64Array } {
    const W = this.width;
    const cov = new Float64Array(W * NCLASS);
    const shade = new Float64Array(W);
    // add `density` x the overlap of [x0, x1) with each column to class c
    const add = (x0: number, x1: number, c: number, density: number, sh = 0): void => {
      if (x1 <= 0 || x0 >= W || x1 <= x0) return;
      const a = Math.max(0, x0);
      const b = Math.min(W, x1);
      const k0 = Math.floor(a);
      const k1 = Math.min(W - 1, Math.ceil(b) - 1);
      for (let k = k0; k <= k1; k++) {
        const o = Math.min(b, k + 1) - Math.max(a, k);
        if (o <= 0) continue;
        cov[k * NCLASS + c] += o * density;
        if (sh > shade[k]) shade[k] = sh;
      }
    };
    if (data.extents) {
      for (const e of data.extents) {
        const off = BigInt(e.offset);
        const len = BigInt(e.length);
        const x0 = pixelOfOffset(view, W, off);
        const x1 = pixelOfOffset(view, W, off + len);
        // refcount shading: the more references, the darker the band (ReFS gives counts)
        const sh = e.refcount !== undefined && e.refcount > 2 ? Math.min(0.5, 0.08 * (e.refcount - 2)) : 0;
        const c = classIndex(classOf(e.flags, e.refcount));
        if (x1 > x0 || len === 0n) add(x0, x1, c, 1, sh);
        else if (x0 >= 0 && x0 < W) {
          // Narrower than pixelOfOffset's sub-pixel step (2^-20 px: a 4 KiB extent in a file of
          // 16 TiB or more): its share of the column in floating point, so that it is drawn.
          const k = Math.floor(x0);
          cov[k * NCLASS + c] += (Number(len) * W) / Number(view.length);
          if (sh > shade[k]) shade[k] = sh;
        }
      }
    } else if (data.bins && data.binCount) {
      const B = data.binCount;
      const bins = data.bins;
      const dOff = BigInt(data.offset);
      const dLen = BigInt(data.length);
      const same = dOff === view.offset && dLen === view.length;
      for (let i = 0; i < B; i++) {
        let x0: number;
        let x1: number;
        if (same) {
          x0 = (i * W) / B;
          x1 = ((i + 1) * W) / B;
        } else {
          x0 = pixelOfOffset(view, W, dOff + (dLen * BigInt(i)) / BigInt(B));
          x1 = pixelOfOffset(view, W, dOff + (dLen * BigInt(i + 1)) / BigInt(B));
          if (x1 < 0 || x0 > W) continue;
        }
        for (let c = 0; c < NCLASS; c++) {
          const f = bins[i * NCLASS + c];
          if (f > 0) add(x0, x1, c, f);
        }
      }
    }
    return { cov, shade };
  }

  /**
   * Draw the columns as bars from the bottom: a column's filled height is its allocated
   * fraction, stacked by class, so a file that is 6% allocated looks 6% allocated at every
   * zoom; data is never invisible: narrow runs are widened and small ones raised to a minimum
   * mark (layoutMarks in map-marks.ts), never a full bar.
   */
  private drawWindow(view: ViewWindow, data: WireWindow, p: Palette, inset: number): void {
    const { ctx, width: W } = this;
    const H = Math.max(1, this.height - 2 * inset);
    const bottom = this.height - inset;
    const c0 = this.columns(view, data);
    const marks = layoutMarks(c0.cov, c0.shade, W, H, this.dpr, inset);
    this.marks = marks;
    const { cov, shade, height, raised } = marks;
    const cum = new Float64Array(NCLASS);
    for (let x = 0; x < W; x++) {
      const hTotal = height[x];
      if (hTotal <= 0) continue;
      let total = 0;
      let top = 0;
      for (let c = 0; c < NCLASS; c++) {
        if (cov[x * NCLASS + c] > cov[x * NCLASS + top]) top = c;
        total += cov[x * NCLASS + c];
        cum[c] = total;
      }
      if (raised[x]) {
        // a small run raised to the minimum mark: a faint band of its colour marks the place
        ctx.globalAlpha = RAISED_BAND_ALPHA;
        ctx.fillStyle = p.classes[top];
        ctx.fillRect(x, bottom - H, 1, H - hTotal);
        ctx.globalAlpha = 1;
      }
      let prev = 0;
      for (let c = 0; c < NCLASS; c++) {
        const b = Math.round((cum[c] / total) * hTotal);
        if (b > prev) {
          ctx.fillStyle = p.classes[c];
          ctx.fillRect(x, bottom - b, 1, b - prev);
          prev = b;
        }
      }
      if (shade[x] > 0) {
        ctx.globalAlpha = shade[x];
        ctx.fillStyle = '#000';
        ctx.fillRect(x, bottom - hTotal, 1, hTotal);
        ctx.globalAlpha = 1;
      }
    }
  }

  /**
   * What is under device pixel x, as drawn: the byte there, except over a widened or raised
   * mark (map-marks.ts), where it is the data the mark stands for (its first extent, or its
   * bin), with that extent's exact offsets; and where the pixel (or the mark) holds several
   * exact extents, all of them summed (a PixelHit). Elsewhere the same as hitTest at the pixel's byte.
   */
  hitAt(view: ViewWindow, data: WireWindow | undefined, x: number): Hit | undefined {
    const at = hitTest(data, this.offsetAt(view, x));
    const col = Math.max(0, Math.min(this.width - 1, Math.floor(x)));
    const m = this.marks;
    if (!data) return at;
    const onMark = m !== undefined && m.runStart.length === this.width && m.runStart[col] >= 0;
    // the columns meant: the mark's (those holding its data), or the one under the pointer
    const r0 = onMark ? m.runStart[col] : col;
    const r1 = onMark ? m.runEnd[col] : col + 1;
    // their bytes, exactly
    const a = this.offsetAt(view, r0);
    const b = r1 >= this.width ? view.offset + view.length : this.offsetAt(view, r1);
    if (!data.extents) return onMark ? (hitTest(data, this.offsetAt(view, Math.max(r0, Math.min(r1 - 1, col)) + 0.5)) ?? at) : at;
    if (b > a) {
      const p = summarisePixel(data.extents, a, b, r1 - r0);
      if (p.extents > 1) return p;
    }
    if (!onMark) return at;
    // exact extents: the first one that meets [a, b)
    const inRun = (h: Hit | undefined): boolean => h?.kind === 'extent' && h.offset < b && h.offset + h.length > a;
    const first = hitTest(data, a);
    if (first?.kind === 'extent') return first;
    if (first?.kind === 'hole') {
      const next = hitTest(data, first.offset + first.length);
      if (inRun(next)) return next;
    }
    return at;
  }

  /**
   * The end-of-file line at `eof` (device pixel x returned; undefined when out of view): in the
   * foreground colour over a hole-coloured edge, so it reads on any extent colour and theme.
   */
  drawEof(view: ViewWindow, eof: bigint, p: Palette, label?: string): number | undefined {
    const x = Math.round(pixelOfOffset(view, this.width, eof));
    if (x <= 0 || x >= this.width) return undefined;
    const { ctx, height: H } = this;
    const lw = Math.max(1, Math.round(this.dpr));
    ctx.fillStyle = p.hole;
    ctx.fillRect(x - 2 * lw, 0, 4 * lw, H);
    ctx.fillStyle = p.foreground;
    ctx.fillRect(x - lw, 0, 2 * lw, H);
    if (label) {
      ctx.font = `${Math.round(10 * this.dpr)}px sans-serif`;
      const tw = ctx.measureText(label).width;
      const pad = Math.round(2 * this.dpr);
      // on the side with room: after the line, or before it near the right edge
      const lx = x + lw + pad + tw + pad <= this.width ? x + lw : x - lw - tw - 2 * pad;
      ctx.fillRect(lx, 0, tw + 2 * pad, Math.round(13 * this.dpr));
      ctx.fillStyle = p.hole;
      ctx.textBaseline = 'top';
      ctx.fillText(label, lx + pad, Math.round(1.5 * this.dpr));
    }
    return x;
  }

  fillRange(view: ViewWindow, r: ViewWindow, color: string): void {
    const s = this.span(view, r.offset, r.length);
    if (!s) return;
    this.ctx.fillStyle = color;
    this.ctx.fillRect(s[0], 0, s[1] - s[0], this.height);
  }

  /** Outline the range `r` (`insetPx`: that many device pixels inside its edges). */
  strokeRange(view: ViewWindow, r: ViewWindow, color: string, widthCss = 2, insetPx = 0): void {
    let s = this.span(view, r.offset, r.length);
    if (!s) return;
    const lw = Math.max(1, Math.round(widthCss * this.dpr));
    // a range inside a mark drawn wider than its bytes (map-marks.ts): outline around the mark,
    // so that the outline does not cover it
    const m = this.marks;
    const run = m && m.runStart.length === this.width && s[0] < this.width ? m.runStart[s[0]] : -1;
    if (m && run >= 0 && s[1] - s[0] <= Math.round(MIN_RUN_CSS * this.dpr)) {
      let [a, b] = s;
      while (a > 0 && m.runStart[a - 1] === run) a--;
      while (b < this.width && m.runStart[b] === run) b++;
      s = [a - lw, b + lw];
    }
    this.ctx.strokeStyle = color;
    this.ctx.lineWidth = lw;
    if (insetPx > 0 && s[1] - s[0] <= 2 * insetPx + lw) return; // too narrow for a line inside
    const i = insetPx;
    this.ctx.strokeRect(s[0] + i + lw / 2, i + lw / 2, Math.max(1, s[1] - s[0] - 2 * i - lw), this.height - 2 * i - lw);
  }
}

/** What is at `offset` according to `data`; undefined when `data` does not cover it. */
function hitTest(data: WireWindow | undefined, offset: bigint): Hit | undefined {
  if (!data) return undefined;
  const wOff = BigInt(data.offset);
  const wLen = BigInt(data.length);
  if (offset < wOff || offset >= wOff + wLen) return undefined;
  if (data.extents) {
    const ex = data.extents;
    const i = lastStartingAtOrBefore(ex, offset);
    if (i >= 0) {
      const s = BigInt(ex[i].offset);
      const len = BigInt(ex[i].length);
      if (offset < s + len) return { kind: 'extent', offset: s, length: len, extent: ex[i] };
    }
    const holeStart = i >= 0 ? BigInt(ex[i].offset) + BigInt(ex[i].length) : BigInt(data.prevEnd ?? data.offset);
    const holeEnd = i + 1 < ex.length ? BigInt(ex[i + 1].offset) : BigInt(data.nextStart ?? (wOff + wLen).toString());
    const nextIndex = i + 1 < ex.length ? ex[i + 1].index : i >= 0 && ex[i].index !== undefined ? ex[i].index! + 1 : data.firstIndex;
    const hole: Hit = { kind: 'hole', offset: holeStart, length: holeEnd - holeStart };
    if (nextIndex !== undefined) hole.nextIndex = nextIndex;
    return hole;
  }
  if (data.bins && data.binCount) {
    const B = BigInt(data.binCount);
    const b = Number(((offset - wOff) * B) / wLen);
    const a = wOff + (wLen * BigInt(b)) / B;
    const e = wOff + (wLen * BigInt(b + 1)) / B;
    return {
      kind: 'bin',
      offset: a,
      length: e - a,
      fractions: data.bins.slice(b * NCLASS, (b + 1) * NCLASS),
      extents: data.binExtents?.[b],
      allocated: data.binBytes?.[b],
      firstIndex: data.binFirst?.[b],
      sampled: data.sampled === true,
    };
  }
  return undefined;
}
