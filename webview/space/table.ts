// The Space view's file table, virtualised: the whole result is in the webview, but only the
// rows in view (plus a margin) exist in the DOM. Sortable by every column (click a header; again
// to reverse; from the keyboard the header row is one tab stop, the arrow keys move along it and
// Enter or Space sorts), limited to the folder the treemap is zoomed into and filtered by a path
// substring. The selected file's row is marked, and so are the
// rows of the files it shares extents with. "Shares" counts the files of the selection it
// shares with (issue 13's definition); a mark beside the count says it also shares bytes with
// files outside the selection (snapshots, files not selected), which the count leaves out.
import { pathText } from '../shared/view-parts';
import { groupDigits, humanBytes } from '../../src/protocol/format';
import { scrollRowIntoView, visibleRows } from '../shared/virtual-rows';
import type { FileNums } from './model';
import { l10n } from '../shared/l10n';
import { el } from '../shared/ui';
import { exactAndRounded, exactBytes } from '../shared/bytes';

const ROW_H = 22;
const MARGIN = 6;

export type SortKey = 'path' | 'size' | 'allocated' | 'shared' | 'exclusive' | 'sharesWith';

/** Headers, with a short form for narrow columns (and a tooltip: the full one, or what it counts). */
const COLS: Array<{ key: SortKey; label: string; short: string; tip?: string }> = [
  { key: 'path', label: l10n.t('Path'), short: l10n.t('Path') },
  { key: 'size', label: l10n.t('Size'), short: l10n.t('Size') },
  { key: 'allocated', label: l10n.t('Allocated'), short: l10n.t('Alloc.') },
  { key: 'shared', label: l10n.t('Shared'), short: l10n.t('Shared') },
  { key: 'exclusive', label: l10n.t('Exclusive'), short: l10n.t('Excl.') },
  {
    key: 'sharesWith',
    // one word, the CLI's column's ("shares"), wide or narrow
    label: l10n.t('Shares'),
    short: l10n.t('Shares'),
    tip: l10n.t(
      'Shares: how many other files of the selection share physical bytes with it. Files outside the selection (snapshots, files not selected) are not counted: a mark beside the number says it shares bytes with some.',
    ),
  },
];

/** The "shares with" cell's words: the files of the selection, and bytes shared outside it (not counted). */
function sharesWithTip(count: number, outside: bigint): string {
  const inSel =
    count === 1
      ? l10n.t('Shares bytes with 1 other file of the selection.')
      : l10n.t('Shares bytes with {0} other files of the selection.', groupDigits(BigInt(count)));
  return outside > 0n
    ? `${inSel} ${l10n.t('Also {0} shared with files outside the selection (other files, snapshots), not counted here.', exactAndRounded(outside))}`
    : inSel;
}

/** Whether a file's row is shown: under the zoomed folder (`scope`) and matching the filter text. */
export function tableShows(rel: string, scope: string, filter: string): boolean {
  return (!scope || rel.startsWith(scope)) && (!filter || rel.toLowerCase().includes(filter.toLowerCase()));
}

interface SpaceTableCallbacks {
  onSelect(file: number): void;
  onOpen(file: number): void;
  /** The sort changed (the view keeps it while hidden). */
  onSort?(): void;
}

export class SpaceTable {
  readonly grid: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly headCells = new Map<SortKey, HTMLElement>();
  /** Files shown, in order (indexes into nums). */
  order: number[] = [];
  sortKey: SortKey = 'allocated';
  descending = true;
  filter = '';
  /** The zoomed folder's path relative to the base, with a separator at the end ('' = every file). */
  scope = '';
  selected: number | undefined;
  partners = new Set<number>();
  private rendered: HTMLElement[] = [];

  constructor(
    root: HTMLElement,
    private readonly nums: readonly FileNums[],
    private readonly shareCount: readonly (number | undefined)[],
    private readonly cb: SpaceTableCallbacks,
    /** While the analysis runs: whom each file shares with is not known yet ('…'). */
    private readonly sharingPending = false,
  ) {
    this.grid = document.createElement('div');
    this.grid.className = 'grid space-grid';
    this.grid.setAttribute('role', 'grid');
    this.grid.setAttribute('aria-label', l10n.t('Files'));
    this.grid.setAttribute('aria-colcount', String(COLS.length));
    this.grid.tabIndex = 0;
    const hr = document.createElement('div');
    hr.className = 'tr thead';
    hr.setAttribute('role', 'row');
    hr.setAttribute('aria-rowindex', '1');
    for (const c of COLS) {
      const th = document.createElement('div');
      th.className = `td c-${c.key}`;
      th.setAttribute('role', 'columnheader');
      th.dataset.key = c.key;
      // one tab stop for the whole header row (roving tabindex): the arrow keys move along it
      th.tabIndex = this.headCells.size === 0 ? 0 : -1;
      th.title = c.tip ?? c.label;
      th.setAttribute('aria-label', c.label);
      const full = document.createElement('span');
      full.className = 'h-full';
      full.textContent = c.label;
      const short = document.createElement('span');
      short.className = 'h-short';
      short.textContent = c.short;
      th.append(full, short);
      th.addEventListener('click', () => {
        this.focusHeader(c.key, false);
        this.sortBy(c.key);
      });
      this.headCells.set(c.key, th);
      hr.appendChild(th);
    }
    hr.addEventListener('keydown', (e) => this.onHeaderKey(e));
    this.scroller = document.createElement('div');
    this.scroller.className = 'tscroll';
    // the grid takes the keys (onKey); the scroller is no tab stop of its own (Chromium makes scrollers one)
    this.scroller.tabIndex = -1;
    this.spacer = document.createElement('div');
    this.spacer.className = 'tspacer';
    this.scroller.appendChild(this.spacer);
    this.grid.append(hr, this.scroller);
    root.appendChild(this.grid);
    // Narrow, the table scrolls sideways in `root`: the path column is moved along (space.css
    // --sx), so the rows keep their names (CSS sticky cannot: the rows' own vertical scroller is
    // the nearest scrolling box). One handler per host, the latest table's.
    const follow = (): void => this.grid.style.setProperty('--sx', `${root.scrollLeft}px`);
    root.onscroll = follow;
    follow();
    this.scroller.addEventListener('scroll', () => this.render());
    this.grid.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.render()).observe(this.scroller);
    this.refresh();
  }

  private value(i: number, k: SortKey): bigint | number | string {
    const n = this.nums[i];
    switch (k) {
      case 'path':
        return n.rel;
      case 'sharesWith':
        return this.shareCount[i] ?? -1;
      case 'shared':
      case 'exclusive':
        return n.sharingUnknown ? -1n : n[k]; // unknown sorts below every figure
      default:
        return n[k];
    }
  }

  sortBy(k: SortKey): void {
    if (this.sortKey === k) this.descending = !this.descending;
    else {
      this.sortKey = k;
      this.descending = k !== 'path';
    }
    this.refresh();
    this.cb.onSort?.();
  }

  /** What the rows are sorted by, in words (a narrow column can keep that column out of view). */
  sortWords(): string {
    const label = COLS.find((c) => c.key === this.sortKey)?.label ?? this.sortKey;
    if (this.sortKey === 'path') return this.descending ? l10n.t('Sorted by path, Z to A') : l10n.t('Sorted by path, A to Z');
    return this.descending ? l10n.t('Sorted by {0}, largest first', label) : l10n.t('Sorted by {0}, smallest first', label);
  }

  setFilter(text: string): void {
    this.filter = text;
    this.refresh();
  }

  /** Show only the files under a folder (its relative path ending in a separator; '' for all). */
  setScope(prefix: string): void {
    if (prefix === this.scope) return;
    this.scope = prefix;
    this.refresh();
  }

  /** Filter and sort again, then draw. */
  refresh(): void {
    const idx: number[] = [];
    for (let i = 0; i < this.nums.length; i++) if (tableShows(this.nums[i].rel, this.scope, this.filter)) idx.push(i);
    const k = this.sortKey;
    const sign = this.descending ? -1 : 1;
    idx.sort((a, b) => {
      const va = this.value(a, k);
      const vb = this.value(b, k);
      const c = va < vb ? -1 : va > vb ? 1 : 0;
      return c !== 0 ? c * sign : this.nums[a].rel < this.nums[b].rel ? -1 : 1;
    });
    this.order = idx;
    this.grid.setAttribute('aria-rowcount', String(idx.length + 1));
    // narrow columns (space.css) keep the one the rows are sorted by
    this.grid.dataset.sort = k;
    for (const [key, th] of this.headCells) {
      th.setAttribute('aria-sort', key === k ? (this.descending ? 'descending' : 'ascending') : 'none');
      th.classList.toggle('sorted', key === k);
    }
    this.spacer.style.height = `${idx.length * ROW_H}px`;
    this.render();
  }

  /** Where the rows are scrolled to (kept when the table is rebuilt as rows stream in). */
  get scrollTop(): number {
    return this.scroller.scrollTop;
  }
  set scrollTop(v: number) {
    this.scroller.scrollTop = v;
    this.render();
  }

  /** Scroll a file's row into view (if it passes the filter). */
  reveal(file: number): void {
    const pos = this.order.indexOf(file);
    if (pos < 0) return;
    scrollRowIntoView(this.scroller, ROW_H, pos);
    this.render();
  }

  render(): void {
    const [first, last] = visibleRows(this.scroller, ROW_H, MARGIN, this.order.length);
    for (const r of this.rendered) r.remove();
    this.rendered = [];
    // the keyboard stays on the grid: a screen reader follows the selected row through this
    this.grid.removeAttribute('aria-activedescendant');
    for (let pos = first; pos < last; pos++) {
      const i = this.order[pos];
      const n = this.nums[i];
      const tr = document.createElement('div');
      tr.className = 'tr';
      tr.setAttribute('role', 'row');
      tr.setAttribute('aria-rowindex', String(pos + 2));
      tr.dataset.file = String(i);
      tr.style.top = `${pos * ROW_H}px`;
      if (i === this.selected) {
        tr.classList.add('selected');
        tr.setAttribute('aria-selected', 'true');
        tr.id = 'space-selected-row';
        this.grid.setAttribute('aria-activedescendant', tr.id);
      } else if (this.partners.has(i)) tr.classList.add('partner');
      const cell = (key: SortKey, text: string, title?: string): HTMLElement => {
        const td = document.createElement('div');
        td.className = `td c-${key}`;
        td.setAttribute('role', 'gridcell');
        td.textContent = text;
        if (title) td.title = title;
        return tr.appendChild(td);
      };
      pathText(cell('path', '', n.rel), n.rel);
      for (const k of ['size', 'allocated', 'shared', 'exclusive'] as const) {
        if (n.sharingUnknown && (k === 'shared' || k === 'exclusive'))
          cell(k, l10n.t('unknown'), l10n.t('Sharing unknown: the map has no physical offsets (SMB)'));
        else cell(k, humanBytes(n[k]), exactBytes(n[k]));
      }
      const sc = this.shareCount[i];
      if (sc !== undefined && this.sharingPending) cell('sharesWith', '…', l10n.t('Known when every file is mapped'));
      else if (sc === undefined) cell('sharesWith', '?', l10n.t('Sharing unknown (no physical offsets)'));
      else {
        const td = cell('sharesWith', groupDigits(BigInt(sc)), sharesWithTip(sc, n.outside));
        if (n.outside > 0n) {
          // shares with files outside the selection too: a mark in the "shared, not within" colour
          td.dataset.outside = '';
          td.setAttribute('aria-label', td.title);
          td.prepend(el('span', { class: 'out-mark', 'aria-hidden': 'true' }));
        }
      }
      tr.addEventListener('click', () => this.cb.onSelect(i));
      tr.addEventListener('dblclick', () => this.cb.onOpen(i));
      this.scroller.appendChild(tr);
      this.rendered.push(tr);
    }
  }

  /** Make the header of `key` the header row's one tab stop (and focus it when `focus`). */
  private focusHeader(key: SortKey, focus = true): void {
    for (const [k, th] of this.headCells) th.tabIndex = k === key ? 0 : -1;
    if (focus) this.headCells.get(key)?.focus();
  }

  /** The header row's keys: Left/Right/Home/End move between headers, Enter or Space sorts. */
  private onHeaderKey(e: KeyboardEvent): void {
    const key = (e.target as HTMLElement).dataset.key as SortKey | undefined;
    const at = COLS.findIndex((c) => c.key === key);
    if (at < 0) return;
    const to =
      e.key === 'ArrowRight'
        ? Math.min(COLS.length - 1, at + 1)
        : e.key === 'ArrowLeft'
          ? Math.max(0, at - 1)
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? COLS.length - 1
              : undefined;
    if (to !== undefined) this.focusHeader(COLS[to].key);
    else if (e.key === 'Enter' || e.key === ' ') this.sortBy(COLS[at].key);
    else return;
    e.preventDefault();
    e.stopPropagation(); // not the rows' keys (onKey)
  }

  private onKey(e: KeyboardEvent): void {
    if (this.order.length === 0) return;
    const pos = this.selected === undefined ? -1 : this.order.indexOf(this.selected);
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_H) - 1);
    let next: number | undefined;
    if (e.key === 'ArrowDown') next = Math.min(this.order.length - 1, pos + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, pos - 1);
    else if (e.key === 'PageDown') next = Math.min(this.order.length - 1, pos + page);
    else if (e.key === 'PageUp') next = Math.max(0, pos - page);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = this.order.length - 1;
    else if (e.key === 'Enter' && this.selected !== undefined) {
      this.cb.onOpen(this.selected);
      e.preventDefault();
      return;
    }
    if (next === undefined) return;
    e.preventDefault();
    this.cb.onSelect(this.order[next]);
  }
}
