// The Space view's treemap: folders and files of the selection, area = allocated bytes, laid out
// by d3-hierarchy's squarified treemap (numbers as doubles: only pixels depend on them). Each
// file is split along its longer side into exclusive / shared inside the selection / shared with
// files outside, snapped to device pixels so the areas can be measured. Click a file to select
// it (the files it shares extents with are outlined too), click a folder's frame or title to
// zoom into it, double-click a file to open the inspector; the breadcrumb goes back. From the
// keyboard, the arrow keys move the selection to the neighbouring tile (nextFile). A file's
// name is drawn in its top-left corner; its bottom row and right column are only band colours.
// A folder whose files, as drawn, cover less than half of it (100,000 small files: most are
// smaller than a device pixel) is painted with the bands of all its files together, under the
// files that are drawn, so a large tree still shows where its exclusive and shared bytes are
// rather than a grey folder. A folder is labelled in a title strip along its top where it is wide
// enough, else, where it is tall and narrow, in a strip down its left side (the name read upwards);
// one too small for either is named by the tooltip (map-input.ts).
import { hierarchy, treemap, treemapSquarify, type HierarchyRectangularNode } from 'd3-hierarchy';
import type { FileNums, TreeNode } from './model';
import { mostContrasting, resolveRgb } from '../shared/contrast';

export interface TreemapColors {
  exclusive: string;
  inside: string;
  outside: string;
  unknown: string;
  folder: string;
  border: string;
  background: string;
  label: string;
  /** File names, on the band colours. */
  fileLabel: string;
  selection: string;
  partner: string;
}

/** A band of a tile as painted, in device pixels. */
interface Band {
  x: number;
  y: number;
  w: number;
  h: number;
  fill: string;
}

/** A laid-out node, in CSS pixels. */
type LaidOut = HierarchyRectangularNode<TreeNode>;

const HEADER = 15;

/** Where a folder's name goes: a strip along its top, one down its left side, or none (too small). */
type Title = 'top' | 'side' | undefined;
function titleOf(n: { x0: number; y0: number; x1: number; y1: number }): Title {
  const w = n.x1 - n.x0;
  const h = n.y1 - n.y0;
  if (w > 48 && h > 2 * HEADER) return 'top';
  if (h > 48 && h > w && w > 2 * HEADER) return 'side';
  return undefined;
}

/** A folder's name as drawn (for the tests): its path, the strip's side, the strip in CSS pixels. */
interface FolderLabel {
  rel: string;
  side: 'top' | 'side';
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export class Treemap {
  zoom: TreeNode;
  selected: number | undefined;
  partners = new Set<number>();
  /** While the analysis runs: whom the shared bytes are shared with is not known yet (drawn as unknown). */
  sharingPending = false;
  private nodes: LaidOut[] = [];
  /** Folders painted with their files' bands (their files as drawn cover less than half of them). */
  private summaries = new Map<LaidOut, Array<[bigint, keyof TreemapColors]>>();
  private dpr = 1;
  private labelled: FolderLabel[] = [];

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly root: TreeNode,
    readonly nums: readonly FileNums[],
    readonly unknown: ReadonlySet<number>,
  ) {
    this.zoom = root;
  }

  /** The folder names drawn by the last draw. */
  labels(): readonly FolderLabel[] {
    return this.labelled;
  }

  /** Nodes of the current layout (depth relative to the zoomed folder), for tests and hits. */
  laidOut(): readonly LaidOut[] {
    return this.nodes;
  }

  /** The file's rectangle in device pixels as drawn (undefined when it is not visible). */
  fileRect(file: number): { x0: number; y0: number; x1: number; y1: number } | undefined {
    const n = this.nodes.find((d) => d.data.file === file);
    return n && this.drawn(n) ? this.snap(n) : undefined;
  }

  /** A node's device pixels as drawn (0: not drawn). */
  private area(n: LaidOut): number {
    const r = this.snap(n);
    return r.x1 > r.x0 && r.y1 > r.y0 ? (r.x1 - r.x0) * (r.y1 - r.y0) : 0;
  }

  /** Whether a node covers at least a device pixel each way (smaller ones are not drawn). */
  private drawn(n: LaidOut): boolean {
    const r = this.snap(n);
    return r.x1 > r.x0 && r.y1 > r.y0;
  }

  private snap(n: LaidOut): { x0: number; y0: number; x1: number; y1: number } {
    const k = this.dpr;
    return { x0: Math.round(n.x0 * k), y0: Math.round(n.y0 * k), x1: Math.round(n.x1 * k), y1: Math.round(n.y1 * k) };
  }

  layout(): void {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    this.dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(w * this.dpr));
    this.canvas.height = Math.max(1, Math.round(h * this.dpr));
    const nums = this.nums;
    const root = hierarchy(this.zoom, (n) => n.children)
      .sum((n) => (n.file !== undefined ? Number(nums[n.file].allocated) : 0))
      .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
    this.nodes = treemap<TreeNode>()
      .tile(treemapSquarify)
      .size([w, h])
      .paddingInner(1)
      .paddingOuter((n) => (n.depth === 0 ? 0 : 1))
      .paddingTop((n) => (n.depth === 0 ? 0 : titleOf(n as LaidOut) === 'top' ? HEADER : 1))
      .paddingLeft((n) => (n.depth === 0 ? 0 : titleOf(n as LaidOut) === 'side' ? HEADER : 1))(root)
      .descendants()
      .filter((n) => n.depth > 0 && (n.value ?? 0) > 0);
    // the device pixels of each folder's files as drawn, up every folder above them: a folder
    // they cover less than half of shows its files' bands too
    const covered = new Map<LaidOut, number>();
    for (const n of this.nodes) {
      if (n.data.file === undefined) continue;
      const area = this.area(n);
      for (let p = n.parent; p && p.depth > 0; p = p.parent) covered.set(p, (covered.get(p) ?? 0) + area);
    }
    this.summaries = new Map();
    for (const n of this.nodes)
      if (n.data.file === undefined && 2 * (covered.get(n) ?? 0) < this.area(n)) this.summaries.set(n, this.bandsOf(n.leaves()));
  }

  /** The bands of some files together: exclusive, shared inside, shared outside, unknown (in draw order). */
  private bandsOf(files: readonly LaidOut[]): Array<[bigint, keyof TreemapColors]> {
    let exclusive = 0n;
    let inside = 0n;
    let outside = 0n;
    let unknown = 0n;
    for (const n of files) {
      if (n.data.file === undefined) continue;
      const f = this.nums[n.data.file];
      if (this.unknown.has(n.data.file)) unknown += f.allocated;
      else {
        exclusive += f.exclusive;
        inside += f.inside;
        outside += f.allocated - f.exclusive - f.inside;
      }
    }
    return [
      [exclusive, 'exclusive'],
      [inside, 'inside'],
      [outside, 'outside'],
      [unknown, 'unknown'],
    ];
  }

  /** Bands of `parts` (bytes, colour) across a rectangle in device pixels, along its longer side, snapped to pixels. */
  private bands(c: TreemapColors, x0: number, y0: number, w: number, h: number, parts: Array<[bigint, keyof TreemapColors]>): Band[] {
    const out: Band[] = [];
    const total = parts.reduce((t, [b]) => t + b, 0n);
    if (total === 0n || w <= 0 || h <= 0) return out;
    const horizontal = w >= h;
    const len = horizontal ? w : h;
    let sum = 0n;
    let a = 0;
    for (const [bytes, colour] of parts) {
      sum += bytes;
      const b = Math.round(Number((BigInt(len) * sum * 1000n) / total) / 1000);
      if (b <= a) continue;
      const fill = colour === 'outside' && this.sharingPending ? c.unknown : c[colour];
      out.push(horizontal ? { x: x0 + a, y: y0, w: b - a, h, fill } : { x: x0, y: y0 + a, w, h: b - a, fill });
      a = b;
    }
    return out;
  }

  private paintBands(ctx: CanvasRenderingContext2D, bands: readonly Band[]): void {
    for (const b of bands) {
      ctx.fillStyle = b.fill;
      ctx.fillRect(b.x, b.y, b.w, b.h);
    }
  }

  /** A file tile's bands as drawn (one grey band where its sharing is unknown or it has nothing allocated). */
  private fileBands(c: TreemapColors, file: number, r: { x0: number; y0: number; x1: number; y1: number }): Band[] {
    const f = this.nums[file];
    const w = r.x1 - r.x0;
    const h = r.y1 - r.y0;
    if (this.unknown.has(file) || f.allocated === 0n) return [{ x: r.x0, y: r.y0, w, h, fill: c.unknown }];
    // exclusive, then shared inside, then shared outside, cut along the longer side
    return this.bands(c, r.x0, r.y0, w, h, [
      [f.exclusive, 'exclusive'],
      [f.inside, 'inside'],
      [f.allocated - f.exclusive - f.inside, 'outside'],
    ]);
  }

  draw(c: TreemapColors): void {
    const ctx = this.canvas.getContext('2d')!;
    const k = this.dpr;
    ctx.fillStyle = c.background;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.font = `${11 * k}px sans-serif`;
    ctx.textBaseline = 'middle';
    this.labelled = [];
    for (const n of this.nodes) {
      const r = this.snap(n);
      const w = r.x1 - r.x0;
      const h = r.y1 - r.y0;
      if (w <= 0 || h <= 0) continue;
      if (n.data.file === undefined) {
        // the folder's grey is translucent: on the background first, not on the bands its parent
        // painted (a chain a/very/deep/… drew each strip a layer paler, its name unreadable)
        ctx.fillStyle = c.background;
        ctx.fillRect(r.x0, r.y0, w, h);
        ctx.fillStyle = c.folder;
        ctx.fillRect(r.x0, r.y0, w, h);
        const title = titleOf(n);
        // its files' bands inside its frame, beside its title (the files drawn go on top)
        const summary = this.summaries.get(n);
        if (summary) {
          const top = Math.round((title === 'top' ? HEADER : 1) * k);
          const left = Math.round((title === 'side' ? HEADER : 1) * k);
          const side = Math.round(k);
          this.paintBands(ctx, this.bands(c, r.x0 + left, r.y0 + top, w - left - side, h - top - side, summary));
        }
        if (title) {
          ctx.save();
          ctx.beginPath();
          if (title === 'top') ctx.rect(r.x0, r.y0, w, HEADER * k);
          else ctx.rect(r.x0, r.y0, HEADER * k, h);
          ctx.clip();
          ctx.fillStyle = c.label;
          if (title === 'top') ctx.fillText(n.data.name, r.x0 + 4 * k, r.y0 + (HEADER * k) / 2);
          else {
            // down the left side, read upwards from its bottom corner
            ctx.translate(r.x0 + (HEADER * k) / 2, r.y1 - 4 * k);
            ctx.rotate(-Math.PI / 2);
            ctx.fillText(n.data.name, 0, 0);
          }
          ctx.restore();
          const strip = title === 'top' ? { x1: n.x1, y1: n.y0 + HEADER } : { x1: n.x0 + HEADER, y1: n.y1 };
          this.labelled.push({ rel: n.data.rel, side: title, x0: n.x0, y0: n.y0, ...strip });
        }
        continue;
      }
      // sharing unknown (SMB) or nothing allocated: one grey tile, named like the others
      this.paintBands(ctx, this.fileBands(c, n.data.file, r));
      // the name, top left, clipped so the bottom row and right column stay pure band colours
      if (w > 40 * k && h > 18 * k) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(r.x0 + 2 * k, r.y0 + 2 * k, w - 4 * k, Math.min(HEADER * k, h - 4 * k));
        ctx.clip();
        // a dark halo under the white name: light themes' chart colours are translucent and pale
        ctx.lineJoin = 'round';
        ctx.lineWidth = 3 * k;
        ctx.strokeStyle = 'rgba(0, 0, 0, 0.6)';
        ctx.strokeText(n.data.name, r.x0 + 4 * k, r.y0 + 2 * k + (HEADER * k) / 2);
        ctx.fillStyle = c.fileLabel;
        ctx.fillText(n.data.name, r.x0 + 4 * k, r.y0 + 2 * k + (HEADER * k) / 2);
        ctx.restore();
      }
    }
    // outlines last, on top: the partners, then the selected file
    const lw = Math.max(1, Math.round(2 * k));
    const frame = (r: { x0: number; y0: number; x1: number; y1: number }, colour: string, inset: number): void => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = lw;
      ctx.strokeRect(r.x0 + inset + lw / 2, r.y0 + inset + lw / 2, r.x1 - r.x0 - 2 * inset - lw, r.y1 - r.y0 - 2 * inset - lw);
    };
    for (const p of this.partners) {
      const r = this.fileRect(p);
      if (r) frame(r, c.partner, 0);
    }
    const r = this.selected === undefined ? undefined : this.fileRect(this.selected);
    if (this.selected === undefined || !r) return;
    // A double frame: the focus colour, and inside it a lining that stands out from each band it
    // lies on. The focus colour alone is a band's neighbour in every theme (high contrast's
    // orange on "shared outside" orange: 1.1:1), so the selected tile was the least visible.
    // The lining is the background or the foreground, whichever contrasts more with the band
    // under it; the two differ by 10:1 or more in VS Code's default themes (Dark and Light
    // Modern, both high contrast), so one of them stands out from any band by at least
    // √10 ≈ 3.2:1 (WCAG's minimum for marks is 3:1).
    frame(r, c.selection, 0);
    if (r.x1 - r.x0 <= 4 * lw || r.y1 - r.y0 <= 4 * lw) return;
    const linings = [c.background, c.label].map((colour) => ({ colour, rgb: resolveRgb(colour) }));
    for (const b of this.fileBands(c, this.selected, r)) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(b.x, b.y, b.w, b.h);
      ctx.clip();
      frame(r, mostContrasting(resolveRgb(b.fill), linings).colour, lw);
      ctx.restore();
    }
  }

  /**
   * The file tile next to `file`'s in a direction (the arrow keys): of the tiles drawn wholly that
   * way, the nearest, a sideways offset counting double. The largest file drawn when `file` is not
   * drawn; `file` itself when nothing lies that way.
   */
  nextFile(file: number | undefined, dx: number, dy: number): number | undefined {
    const tiles = this.nodes.filter((n) => n.data.file !== undefined && this.drawn(n));
    const from = tiles.find((n) => n.data.file === file);
    if (!from) return tiles.reduce<LaidOut | undefined>((a, n) => (a && (a.value ?? 0) >= (n.value ?? 0) ? a : n), undefined)?.data.file;
    /** How far apart two intervals are (0 where they overlap). */
    const gap = (a0: number, a1: number, b0: number, b1: number): number => Math.max(0, b0 - a1, a0 - b1);
    let best: LaidOut | undefined;
    let bestScore = Infinity;
    for (const n of tiles) {
      if (n === from) continue;
      // ahead: how far the tile's near edge lies beyond ours (it must not start behind it)
      const ahead = dx > 0 ? n.x0 - from.x1 : dx < 0 ? from.x0 - n.x1 : dy > 0 ? n.y0 - from.y1 : from.y0 - n.y1;
      if (ahead < -0.5) continue;
      const side = dx !== 0 ? gap(from.y0, from.y1, n.y0, n.y1) : gap(from.x0, from.x1, n.x0, n.x1);
      const score = Math.max(0, ahead) + 2 * side;
      if (score < bestScore) {
        bestScore = score;
        best = n;
      }
    }
    return (best ?? from).data.file;
  }

  /** The folder drawn right below the zoomed one that holds `file` (undefined when the file lies in the zoomed folder itself). */
  folderOf(file: number): TreeNode | undefined {
    let n = this.nodes.find((d) => d.data.file === file);
    while (n && n.depth > 1) n = n.parent ?? undefined;
    return n && n.data.file === undefined ? n.data : undefined;
  }

  /** The deepest node under a point in CSS pixels. */
  hit(x: number, y: number): LaidOut | undefined {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (x >= n.x0 && x < n.x1 && y >= n.y0 && y < n.y1) return n;
    }
    return undefined;
  }

  /** The path of folders from the root to the zoomed folder. */
  trail(): TreeNode[] {
    const out: TreeNode[] = [];
    const walk = (n: TreeNode): boolean => {
      out.push(n);
      if (n === this.zoom) return true;
      for (const c of n.children ?? []) if (c.children && walk(c)) return true;
      out.pop();
      return false;
    };
    walk(this.root);
    return out;
  }
}
