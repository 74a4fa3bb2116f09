// The range-map renderer shared by the inspector and the clone-results view: draws one
// WireWindow (exact extents or per-class bins) into a canvas for a bigint view window, and
// answers "what is at this byte" for tooltips and selection. devicePixelRatio aware: the
// canvas backing store is sized in device pixels, all drawing math is in device pixels.
import { EXTENT_CLASSES, type WireExtent, type WireWindow } from '../../src/protocol/messages';
import { classIndex, classOf } from '../../src/protocol/extent-class';
import { offsetAtPixel, pixelOfOffset, type ViewWindow } from './bigview';
import type { Palette } from './palette';

export interface Marks {
  selection?: ViewWindow;
  hover?: ViewWindow;
  /** Outline shared extents (the clone-results view): they are what the clone produced. */
  highlightShared?: boolean;
}

/** What lies at one byte of the map. */
export type Hit =
  | { kind: 'extent'; offset: bigint; length: bigint; extent: WireExtent }
  | { kind: 'hole'; offset: bigint; length: bigint }
  | { kind: 'bin'; offset: bigint; length: bigint; fractions: number[]; extentCount: number };

const NCLASS = EXTENT_CLASSES.length;

export class MapCanvas {
  readonly ctx: CanvasRenderingContext2D;
  width = 1;
  height = 1;
  dpr = 1;

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
    if (data) {
      if (data.extents) this.drawExtents(view, data.extents, p);
      else if (data.bins && data.binCount) this.drawBins(view, data, p);
    }
    if (marks.highlightShared && data?.extents) {
      for (const e of data.extents) {
        if (classOf(e.flags, e.refcount) === 'shared')
          this.strokeRange(view, { offset: BigInt(e.offset), length: BigInt(e.length) }, p.selection, 1);
      }
    }
    // hover is an outline, not a fill: the colour under the cursor must stay readable
    if (marks.hover) this.strokeRange(view, marks.hover, p.hover, 1);
    if (marks.selection) this.strokeRange(view, marks.selection, p.selection);
  }

  private span(view: ViewWindow, offset: bigint, length: bigint): [number, number] | undefined {
    const x0 = pixelOfOffset(view, this.width, offset);
    const x1 = pixelOfOffset(view, this.width, offset + length);
    if (x1 < 0 || x0 > this.width) return undefined;
    const a = Math.max(0, Math.floor(x0));
    const b = Math.min(this.width, Math.max(a + 1, Math.ceil(x1)));
    return [a, b];
  }

  private drawExtents(view: ViewWindow, extents: WireExtent[], p: Palette): void {
    const { ctx, height: H } = this;
    for (const e of extents) {
      const s = this.span(view, BigInt(e.offset), BigInt(e.length));
      if (!s) continue;
      ctx.fillStyle = p.classes[classIndex(classOf(e.flags, e.refcount))];
      ctx.fillRect(s[0], 0, s[1] - s[0], H);
      if (e.refcount !== undefined && e.refcount > 2) {
        // refcount shading: the more references, the darker the band (ReFS gives counts)
        ctx.globalAlpha = Math.min(0.5, 0.08 * (e.refcount - 2));
        ctx.fillStyle = '#000';
        ctx.fillRect(s[0], 0, s[1] - s[0], H);
        ctx.globalAlpha = 1;
      }
    }
  }

  private drawBins(view: ViewWindow, data: WireWindow, p: Palette): void {
    const { ctx, height: H, width: W } = this;
    const B = data.binCount!;
    const bins = data.bins!;
    const dOff = BigInt(data.offset);
    const dLen = BigInt(data.length);
    const same = dOff === view.offset && dLen === view.length;
    const minH = Math.max(1, Math.round(this.dpr));
    for (let i = 0; i < B; i++) {
      let total = 0;
      for (let c = 0; c < NCLASS; c++) total += bins[i * NCLASS + c];
      if (total === 0) continue;
      let x0: number;
      let x1: number;
      if (same) {
        x0 = (i * W) / B;
        x1 = ((i + 1) * W) / B;
      } else {
        const a = dOff + (dLen * BigInt(i)) / BigInt(B);
        const b = dOff + (dLen * BigInt(i + 1)) / BigInt(B);
        x0 = pixelOfOffset(view, W, a);
        x1 = pixelOfOffset(view, W, b);
        if (x1 < 0 || x0 > W) continue;
      }
      const a = Math.floor(x0);
      const w = Math.max(1, Math.ceil(x1) - a);
      // stacked from the bottom: the bar's height is the allocated fraction of the bin
      let y = H;
      for (let c = 0; c < NCLASS; c++) {
        const f = bins[i * NCLASS + c];
        if (f <= 0) continue;
        const h = Math.max(minH, Math.round(f * H));
        ctx.fillStyle = p.classes[c];
        ctx.fillRect(a, y - h, w, h);
        y -= h;
      }
    }
  }

  fillRange(view: ViewWindow, r: ViewWindow, color: string): void {
    const s = this.span(view, r.offset, r.length);
    if (!s) return;
    this.ctx.fillStyle = color;
    this.ctx.fillRect(s[0], 0, s[1] - s[0], this.height);
  }

  strokeRange(view: ViewWindow, r: ViewWindow, color: string, widthCss = 2): void {
    const s = this.span(view, r.offset, r.length);
    if (!s) return;
    const lw = Math.max(1, Math.round(widthCss * this.dpr));
    this.ctx.strokeStyle = color;
    this.ctx.lineWidth = lw;
    this.ctx.strokeRect(s[0] + lw / 2, lw / 2, Math.max(1, s[1] - s[0] - lw), this.height - lw);
  }
}

/** What is at `offset` according to `data`; undefined when `data` does not cover it. */
export function hitTest(data: WireWindow | undefined, offset: bigint): Hit | undefined {
  if (!data) return undefined;
  const wOff = BigInt(data.offset);
  const wLen = BigInt(data.length);
  if (offset < wOff || offset >= wOff + wLen) return undefined;
  if (data.extents) {
    const ex = data.extents;
    // last extent starting at or before offset
    let lo = 0;
    let hi = ex.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (BigInt(ex[mid].offset) <= offset) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i >= 0) {
      const s = BigInt(ex[i].offset);
      const len = BigInt(ex[i].length);
      if (offset < s + len) return { kind: 'extent', offset: s, length: len, extent: ex[i] };
    }
    const holeStart = i >= 0 ? BigInt(ex[i].offset) + BigInt(ex[i].length) : BigInt(data.prevEnd ?? data.offset);
    const holeEnd = i + 1 < ex.length ? BigInt(ex[i + 1].offset) : BigInt(data.nextStart ?? (wOff + wLen).toString());
    return { kind: 'hole', offset: holeStart, length: holeEnd - holeStart };
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
      extentCount: data.extentCount,
    };
  }
  return undefined;
}
