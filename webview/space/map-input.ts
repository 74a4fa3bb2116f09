// The treemap's mouse and keys: click a file to select it, a folder (its title strip or frame)
// to zoom in (a double-click there only zooms), double-click a file to open it; the tooltip names what is under the pointer (a
// folder by its path and size, also one too small for a label; a file by its path, so its folder
// too, and its bytes). Arrow keys select the neighbouring tile, Space zooms one folder level
// toward the selected file, Backspace/Escape zoom out, Enter opens.
import { l10n } from '../shared/l10n';
import type { FileNums, TreeNode } from './model';
import type { Treemap } from './treemap';
import { exactAndRounded } from '../shared/bytes';

interface TreemapView {
  map(): Treemap | undefined;
  nums(): readonly FileNums[];
  selected(): number | undefined;
  select(file: number): void;
  /** Speak a line for screen readers (a live region). */
  announce(text: string): void;
  zoomTo(folder: TreeNode): void;
  open(file: number): void;
}

/** Arrow keys: the direction they move the treemap's selection. */
const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * A folder's allocated bytes, exact: the bigint sum of its files (the layout's value is a float
 * sum, not exact past 2^53 bytes). Kept per folder, as the pointer moves over it many times.
 */
const folderAllocated = new WeakMap<TreeNode, bigint>();
function allocatedUnder(folder: TreeNode, nums: readonly FileNums[]): bigint {
  let sum = folderAllocated.get(folder);
  if (sum !== undefined) return sum;
  sum = 0n;
  for (const c of folder.children ?? []) sum += c.file !== undefined ? nums[c.file].allocated : allocatedUnder(c, nums);
  folderAllocated.set(folder, sum);
  return sum;
}

/** The tooltip for a node of the treemap (its sizes exact, as the table's and the totals' titles give them). */
function tileTitle(n: { data: TreeNode }, nums: readonly FileNums[]): string {
  if (n.data.file === undefined)
    return l10n.t('{0}: {1} allocated (click to zoom in)', n.data.rel || n.data.name, exactAndRounded(allocatedUnder(n.data, nums)));
  return fileTitle(nums[n.data.file]).join('\n');
}

/** A file's lines, exact counts with their rounded sizes: the tooltip's (one per line), and what an arrow key selecting it says. */
function fileTitle(f: FileNums): string[] {
  if (f.sharingUnknown)
    return [f.rel, l10n.t('Allocated {0}', exactAndRounded(f.allocated)), l10n.t('Sharing unknown (no physical offsets)')];
  return [
    f.rel,
    l10n.t('Allocated {0}', exactAndRounded(f.allocated)),
    l10n.t('Exclusive {0}', exactAndRounded(f.exclusive)),
    // the legend's words for this file's split (legend.ts): exact, or by who else in the selection shares
    f.insideExact
      ? l10n.t('Shared only within the selection {0}', exactAndRounded(f.inside))
      : l10n.t('Shared with other selected files {0}', exactAndRounded(f.inside)),
    f.insideExact
      ? l10n.t('Shared with files outside the selection {0}', exactAndRounded(f.outside))
      : l10n.t('Shared, not with selected files {0}', exactAndRounded(f.outside)),
    // the tile's area counts compressed data at its uncompressed length, as allocated does
    ...(f.encoded > 0n ? [l10n.t('Compressed, counted uncompressed {0}: less on disk', exactAndRounded(f.encoded))] : []),
  ];
}

export function bindTreemapInput(canvas: HTMLCanvasElement, v: TreemapView): void {
  // What the first click of a (double-)click acted on. A click that zooms redraws the map under
  // the pointer: the clicks after it in the same burst (e.detail > 1) and the dblclick belong to
  // the folder, not to the file now drawn there.
  let first: { zoomed: boolean; file?: number } = { zoomed: false };
  canvas.addEventListener('click', (e) => {
    if (e.detail > 1 && first.zoomed) return;
    const n = v.map()?.hit(e.offsetX, e.offsetY);
    first = { zoomed: false, file: n?.data.file };
    if (!n) return;
    if (n.data.file !== undefined) v.select(n.data.file);
    else if (n.data.children) {
      first.zoomed = true;
      v.zoomTo(n.data);
    }
  });
  canvas.addEventListener('dblclick', (e) => {
    if (first.zoomed) return;
    const n = v.map()?.hit(e.offsetX, e.offsetY);
    if (n?.data.file !== undefined && n.data.file === first.file) v.open(n.data.file);
  });
  canvas.addEventListener('mousemove', (e) => {
    const n = v.map()?.hit(e.offsetX, e.offsetY);
    if (!n) canvas.removeAttribute('title');
    else canvas.title = tileTitle(n, v.nums());
  });
  canvas.addEventListener('keydown', (e) => {
    const map = v.map();
    if (!map) return;
    const selected = v.selected();
    const arrow = ARROWS[e.key];
    if (arrow) {
      e.preventDefault(); // not the page's scroll
      const next = map.nextFile(selected, arrow[0], arrow[1]);
      if (next !== undefined && next !== selected) {
        v.select(next);
        v.announce(fileTitle(v.nums()[next]).join(', '));
      }
    } else if (e.key === ' ' && selected !== undefined) {
      e.preventDefault();
      const folder = map.folderOf(selected);
      if (folder) v.zoomTo(folder);
    } else if (e.key === 'Backspace' || e.key === 'Escape') {
      const trail = map.trail();
      if (trail.length > 1) v.zoomTo(trail[trail.length - 2]);
    } else if (e.key === 'Enter' && selected !== undefined) v.open(selected);
  });
}
