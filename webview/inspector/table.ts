// The table of extents, virtualised: only the rows in view (plus a small margin) exist in
// the DOM, and rows are fetched from the host by index in pages (requestRows), so a million
// rows scroll as smoothly as ten. When rows x row height would exceed what a browser can
// scroll (~16 M CSS px here, well under Chromium's 33 M limit), the scroll position is mapped
// proportionally onto the row index instead of 1:1.
// Exact numbers are never cut: each number column is as wide as the longest value it can hold
// (in `ch` of the monospace table font, set as --w1…--w4 on the grid), and the table scrolls
// sideways when a narrow editor column cannot hold them (every column stays); the header
// follows that scroll, and a scroll bar on its top edge shows it can. What a row says (cells,
// tooltip, copied text) is in row-text.ts.
// (Just over 400 lines: one virtualised grid's scrolling, selection and keys share its state.)
import type { WireExtent } from '../../src/protocol/messages';
import { groupDigits } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';
import { rowText, rowsAsTsv } from './row-text';
import { linkSideBar } from '../shared/side-bar';

const ROW_H = 22;
const PAGE = 256;
const MAX_PAGES = 256; // cache ~65k rows, then evict the farthest pages
const MAX_SCROLL_PX = 16_000_000;
const MARGIN = 4;

interface TableCallbacks {
  requestRows(start: number, count: number): void;
  /** A row was selected (by click or keyboard); `zoom` when the person asked to zoom to it. */
  onSelect(row: WireExtent, zoom: boolean): void;
  /** Rows copied as text; the caller sends them to the host and says what was copied. */
  onCopy(text: string, what: CopiedRows): void;
  announce(text: string): void;
}

/** What a copy took: `rows` rows, the visible ones when nothing was selected; `selected` > rows: cut at 10,000. */
export interface CopiedRows {
  rows: number;
  visible: boolean;
  selected: number;
}

// Extents are numbered from 1, as the CLI (and filefrag) print them; ends are exclusive.
const COLS = ['#', l10n.t('Start'), l10n.t('End (exclusive)'), l10n.t('Length'), l10n.t('Physical'), l10n.t('Flags')];

export class RangeTable {
  readonly grid: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly head: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  /** Measures the sideways scroll bar on the table's top edge again. */
  private readonly sideBar: () => void;
  private total = 0;
  private eof: bigint | undefined;
  private pages = new Map<number, WireExtent[]>();
  private pending = new Set<number>();
  private active = -1;
  private anchor = -1;
  private rendered: HTMLElement[] = [];
  private first = 0;
  /** Characters the widest value of each number column (#, start, end, length, physical) needs. */
  private widths = [0, 0, 0, 0, 0, 0];
  /** Work waiting for rows (select or copy of rows not loaded yet); true when done. */
  private waiters: (() => boolean)[] = [];

  constructor(
    root: HTMLElement,
    private readonly cb: TableCallbacks,
  ) {
    this.grid = document.createElement('div');
    this.grid.className = 'grid';
    this.grid.setAttribute('role', 'grid');
    this.grid.setAttribute('aria-label', l10n.t('Extents'));
    this.grid.setAttribute('aria-colcount', String(COLS.length));
    this.grid.setAttribute('aria-multiselectable', 'true');
    this.grid.tabIndex = 0;
    const head = (this.head = document.createElement('div'));
    head.className = 'thead';
    head.setAttribute('role', 'rowgroup');
    const hr = document.createElement('div');
    hr.className = 'tr';
    hr.setAttribute('role', 'row');
    hr.setAttribute('aria-rowindex', '1');
    COLS.forEach((c, i) => {
      const th = document.createElement('div');
      th.className = `td c${i}`;
      th.setAttribute('role', 'columnheader');
      th.textContent = c;
      hr.appendChild(th);
    });
    head.appendChild(hr);
    this.scroller = document.createElement('div');
    this.scroller.className = 'tscroll';
    // the grid is the tab stop: Chromium makes a scroller one of its own, a second stop (with the
    // rows' keys) for the same table wherever it scrolls sideways
    this.scroller.tabIndex = -1;
    this.spacer = document.createElement('div');
    this.spacer.className = 'tspacer';
    this.body = document.createElement('div');
    this.body.className = 'tbody';
    this.body.setAttribute('role', 'rowgroup');
    this.note = document.createElement('div');
    this.note.className = 'tnote';
    this.note.hidden = true;
    this.scroller.append(this.spacer, this.body, this.note);
    // narrow, a scroll bar on the table's top edge: the rows' own is at their far bottom (side-bar.ts)
    const bar = document.createElement('div');
    this.grid.append(bar, head, this.scroller);
    root.appendChild(this.grid);
    this.sideBar = linkSideBar(bar, this.scroller);

    this.scroller.addEventListener(
      'scroll',
      () => {
        this.head.scrollLeft = this.scroller.scrollLeft;
        this.render();
      },
      { passive: true },
    );
    new ResizeObserver(() => this.render()).observe(this.scroller);
    this.grid.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('click', (e) => {
      const tr = (e.target as HTMLElement).closest('.tr') as HTMLElement | null;
      if (!tr?.dataset.index) return;
      const i = Number(tr.dataset.index);
      this.select(i, e.shiftKey, false);
      this.grid.focus({ preventScroll: true });
    });
    this.body.addEventListener('dblclick', (e) => {
      const tr = (e.target as HTMLElement).closest('.tr') as HTMLElement | null;
      if (tr?.dataset.index) this.select(Number(tr.dataset.index), false, true);
    });
  }

  /** A line in place of the rows (e.g. while the full map is read); '' removes it. */
  setNote(text: string): void {
    this.note.textContent = text;
    this.note.hidden = text === '';
  }

  /**
   * Forget every row (a refresh): the host will be asked again. `span` (the file's size, or the
   * last extent's end) bounds every start, end and length: their columns are sized for it now,
   * so they do not widen while scrolling. `eof`: where rows are flagged "past EOF" (row-text.ts).
   */
  reset(total: number, span = 0n, eof?: bigint): void {
    this.total = total;
    this.eof = eof;
    this.widths = [0, 0, 0, 0, 0, 0];
    const spanChars = groupDigits(span).length;
    this.widen([String(total).length, spanChars, spanChars, spanChars, 0, 0]);
    this.pages.clear();
    this.pending.clear();
    if (this.active >= total) this.active = this.anchor = -1;
    this.grid.setAttribute('aria-rowcount', String(total + 1));
    this.render();
  }

  get rowCount(): number {
    return this.total;
  }

  /** Rows the host sent (a 'rows' message). */
  receive(start: number, total: number, rows: WireExtent[]): void {
    if (total !== this.total) this.reset(total, 0n, this.eof);
    // physical addresses (and extents past EOF) are not bounded by the file size: columns grow
    // to the widest value received
    rows.forEach((r, k) => {
      const off = BigInt(r.offset);
      const len = BigInt(r.length);
      const phys = r.physical === null ? 1 : groupDigits(BigInt(r.physical)).length;
      const end = groupDigits(off + len).length; // start <= end
      // the flags too ("last, shared", "unwritten, past EOF"): a trial saw "last, share" cut
      this.widen([0, end, end, groupDigits(len).length, phys, rowText(r, start + k, this.eof).cells[5].length]);
    });
    // rows may come in any page-aligned block; store them page by page
    for (let k = 0; k < rows.length; k += PAGE) {
      const p = Math.floor((start + k) / PAGE);
      if ((start + k) % PAGE !== 0) continue;
      this.pages.set(p, rows.slice(k, k + PAGE));
      this.pending.delete(p);
    }
    this.evict();
    this.render();
    this.waiters = this.waiters.filter((w) => !w());
  }

  /** Make the columns at least `chars` characters wide (they never shrink until reset). */
  private widen(chars: number[]): void {
    chars.forEach((n, c) => {
      if (n <= this.widths[c]) return;
      this.widths[c] = n;
      this.grid.style.setProperty(`--w${c}`, String(n));
    });
  }

  rowAt(i: number): WireExtent | undefined {
    return this.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  }

  private ensure(a: number, b: number): boolean {
    let all = true;
    for (let p = Math.floor(a / PAGE); p <= Math.floor(Math.max(a, b - 1) / PAGE); p++) {
      if (p * PAGE >= this.total) break;
      if (this.pages.has(p)) continue;
      all = false;
      if (!this.pending.has(p)) {
        this.pending.add(p);
        this.cb.requestRows(p * PAGE, PAGE);
      }
    }
    return all;
  }

  private evict(): void {
    if (this.pages.size <= MAX_PAGES) return;
    const here = Math.floor(this.first / PAGE);
    const far = [...this.pages.keys()].sort((x, y) => Math.abs(y - here) - Math.abs(x - here));
    for (const p of far.slice(0, this.pages.size - MAX_PAGES)) this.pages.delete(p);
  }

  private get viewportRows(): number {
    return Math.max(1, Math.floor(this.scroller.clientHeight / ROW_H));
  }

  private get scaled(): boolean {
    return this.total * ROW_H > MAX_SCROLL_PX;
  }

  /** First row index shown at the current scroll position. */
  private firstRow(): number {
    const vis = this.viewportRows;
    if (!this.scaled) return Math.floor(this.scroller.scrollTop / ROW_H);
    const maxTop = Math.max(1, MAX_SCROLL_PX - this.scroller.clientHeight);
    return Math.round((this.scroller.scrollTop / maxTop) * Math.max(0, this.total - vis));
  }

  private scrollToRow(i: number): void {
    const vis = this.viewportRows;
    const first = this.firstRow();
    if (i >= first && i < first + vis) return;
    const target = i < first ? i : i - vis + 1;
    if (!this.scaled) this.scroller.scrollTop = target * ROW_H;
    else {
      const maxTop = Math.max(1, MAX_SCROLL_PX - this.scroller.clientHeight);
      this.scroller.scrollTop = (target / Math.max(1, this.total - vis)) * maxTop;
    }
  }

  render(): void {
    const height = Math.min(this.total * ROW_H, MAX_SCROLL_PX);
    this.spacer.style.height = `${height}px`;
    const vis = this.viewportRows;
    const first = Math.max(0, Math.min(this.firstRow(), Math.max(0, this.total - 1)));
    const count = Math.max(0, Math.min(vis + MARGIN, this.total - first));
    this.first = first;
    this.ensure(first, first + count);
    // position the row block: 1:1 mode at its true place, scaled mode at the scroll top
    const top = this.scaled ? this.scroller.scrollTop : first * ROW_H;
    this.body.style.transform = `translateY(${top}px)`;
    while (this.rendered.length < count) {
      const tr = document.createElement('div');
      tr.className = 'tr';
      tr.setAttribute('role', 'row');
      for (let c = 0; c < COLS.length; c++) {
        const td = document.createElement('div');
        td.className = `td c${c}`;
        td.setAttribute('role', 'gridcell');
        tr.appendChild(td);
      }
      this.body.appendChild(tr);
      this.rendered.push(tr);
    }
    while (this.rendered.length > count) this.rendered.pop()!.remove();
    const [selA, selB] = this.selectionBounds();
    for (let k = 0; k < count; k++) {
      const i = first + k;
      const tr = this.rendered[k];
      tr.dataset.index = String(i);
      tr.id = `row-${i}`;
      tr.setAttribute('aria-rowindex', String(i + 2));
      const selected = i >= selA && i <= selB;
      tr.setAttribute('aria-selected', String(selected));
      tr.classList.toggle('selected', selected);
      tr.classList.toggle('active', i === this.active);
      const r = this.rowAt(i);
      const cells = tr.children as HTMLCollectionOf<HTMLElement>;
      if (!r) {
        cells[0].textContent = String(i + 1);
        for (let c = 1; c < COLS.length; c++) cells[c].textContent = c === 1 ? '…' : '';
        continue;
      }
      const t = rowText(r, i, this.eof);
      tr.classList.toggle('past-eof', t.pastEof);
      t.cells.forEach((text, c) => (cells[c].textContent = text));
      cells[1].title = t.startHex;
      cells[2].title = t.endHex;
      tr.title = t.title;
    }
    if (this.active >= first && this.active < first + count) this.grid.setAttribute('aria-activedescendant', `row-${this.active}`);
    else this.grid.removeAttribute('aria-activedescendant');
    this.markMoreColumns();
  }

  /**
   * In a column too narrow for every column the rows scroll sideways, which a thin or hidden
   * scroll bar does not show: a fade at the right edge says that more (Physical, Flags) lies
   * there, until the person has scrolled to it.
   */
  private markMoreColumns(): void {
    this.sideBar(); // the columns' widths follow the rows received (--w0…)
    // the rows show under the vertical scroll bar's gutter too: more lies past the table's width
    const s = this.scroller;
    this.grid.classList.toggle('more-right', s.scrollWidth - s.scrollLeft > s.offsetWidth + 1);
  }

  private selectionBounds(): [number, number] {
    if (this.active < 0) return [-1, -2];
    const a = this.anchor < 0 ? this.active : this.anchor;
    return [Math.min(a, this.active), Math.max(a, this.active)];
  }

  /** Select row i (optionally extending from the anchor); scrolls it into view. */
  select(i: number, extend = false, zoom = false, notify = true): void {
    if (this.total === 0) return;
    i = Math.max(0, Math.min(i, this.total - 1));
    if (!extend || this.anchor < 0) this.anchor = i;
    this.active = i;
    this.scrollToRow(i);
    this.render();
    if (!notify) return;
    const r = this.rowAt(i);
    if (r) this.cb.onSelect(r, zoom);
    else {
      // not loaded yet: tell the map when it arrives (unless the selection moved on)
      this.waiters.push(() => {
        const row = this.rowAt(i);
        if (this.active !== i) return true;
        if (!row) return false;
        this.cb.onSelect(row, zoom);
        return true;
      });
    }
  }

  /** No row selected (Esc on the map): the next arrow key starts from the first visible row. */
  clearSelection(): void {
    this.active = this.anchor = -1;
    this.render();
  }

  get activeIndex(): number {
    return this.active;
  }

  private onKey(e: KeyboardEvent): void {
    const vis = this.viewportRows;
    const cur = this.active < 0 ? this.firstRow() : this.active;
    let next: number | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = this.active < 0 ? cur : cur + 1;
        break;
      case 'ArrowUp':
        next = cur - 1;
        break;
      case 'PageDown':
        next = cur + vis;
        break;
      case 'PageUp':
        next = cur - vis;
        break;
      case 'ArrowLeft':
      case 'ArrowRight':
        // a row wider than a narrow column: the keyboard scrolls it sideways too
        this.scroller.scrollLeft += (e.key === 'ArrowLeft' ? -1 : 1) * Math.max(40, this.scroller.clientWidth / 2);
        e.preventDefault();
        return;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.total - 1;
        break;
      case 'Enter':
        if (this.active >= 0) this.select(this.active, false, true);
        e.preventDefault();
        return;
      case 'c':
      case 'C':
        if (e.ctrlKey || e.metaKey) {
          this.copy('selection');
          e.preventDefault();
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    this.select(next, e.shiftKey);
  }

  /** Copy the selected rows (or the visible ones) as tab-separated text, fetching any missing. */
  copy(what: 'selection' | 'visible'): void {
    let [a, b] = this.selectionBounds();
    const visible = what === 'visible' || a < 0;
    if (visible) {
      a = this.first;
      b = Math.min(this.total - 1, this.first + this.viewportRows - 1);
    }
    if (b < a) return;
    const selected = b - a + 1;
    b = Math.min(b, a + 9_999); // the protocol's page limit; the status says so
    const attempt = (): boolean => {
      const rows: WireExtent[] = [];
      for (let i = a; i <= b; i++) {
        const r = this.rowAt(i);
        if (!r) return false;
        rows.push(r);
      }
      const text = rowsAsTsv(rows);
      this.cb.onCopy(text, { rows: rows.length, visible, selected });
      return true;
    };
    if (attempt()) return;
    this.waiters.push(attempt);
    this.ensure(a, b + 1);
  }

  /** Number of row elements in the DOM (tests check virtualisation with it). */
  get domRows(): number {
    return this.rendered.length;
  }
}
