// The Dedupe view's list of groups, virtualised: only the rows in view (plus a margin) exist in
// the DOM, so thousands of groups scroll smoothly. A group's header and its ranges are 22 px
// high (a header two lines in a narrow column: what the group is, then what is already shared
// and what it frees, so neither is cut); its warnings are shown in full, wrapped, as high as
// they need (row-layout.ts). A header
// toggles its group open or closed; a range row (those to share, then those in files no one
// here may change, marked read-only) is selected by a click (the toolbar's Open and Reveal act
// on it) and opens the inspector on a double-click or Enter. From the keyboard the arrows, Page
// keys, Home and End move over headers and ranges alike (the row reached is scrolled into view);
// on a header Enter or Space opens or closes its group, Right opens and Left closes it; Left on
// a range goes to its group's header.
import type { DedupeWirePlan } from '../../src/protocol/messages';
import { pathText } from '../shared/view-parts';
import { groupDigits, hex, humanBytes, withHumanSizes } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';
import { rangeAt, rangeCount, type GroupNums, type Row } from './model';
import { ROW_H, RowLayout, WarningHeights } from './row-layout';
import { exactBytes } from '../shared/bytes';
import { onThemeChange } from '../shared/palette';
import { el } from '../shared/ui';

export { ROW_H } from './row-layout';
/** The width below which a group's header takes two lines (as dedupe.css's media query). */
const NARROW = '(max-width: 640px)';
const HEADER_H_NARROW = 40;
const MARGIN = 8;

export interface Selected {
  group: number;
  range: number;
}

interface DedupeListCallbacks {
  onToggle(group: number): void;
  /** A range selected, or none (the keyboard went to a group's header). */
  onSelect(s: Selected | undefined): void;
  onOpen(s: Selected): void;
}

export class DedupeList {
  readonly grid: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private rendered: HTMLElement[] = [];
  private readonly layout = new RowLayout();
  private readonly warningHeights: WarningHeights;
  /** A narrow column (dedupe.css's breakpoint): group headers take two lines. */
  private readonly narrow = window.matchMedia(NARROW);
  rows: Row[] = [];
  /** Position in `order` of each group (its number as shown, from 1). */
  rank = new Map<number, number>();
  selected: Selected | undefined;
  /** The group whose header has the keyboard's place (then no range is selected). */
  private activeGroup: number | undefined;

  constructor(
    root: HTMLElement,
    private readonly plan: DedupeWirePlan,
    private readonly nums: readonly GroupNums[],
    private readonly rel: readonly string[],
    private readonly isCollapsed: (g: number) => boolean,
    private readonly cb: DedupeListCallbacks,
  ) {
    this.grid = document.createElement('div');
    this.grid.className = 'grid dedupe-grid';
    this.grid.setAttribute('role', 'treegrid');
    this.grid.setAttribute('aria-label', l10n.t('Groups of identical data'));
    this.grid.tabIndex = 0;
    this.scroller = document.createElement('div');
    this.scroller.className = 'tscroll';
    this.scroller.tabIndex = -1; // the grid is the tab stop (Chromium makes a scroller one of its own)
    this.spacer = document.createElement('div');
    this.spacer.className = 'tspacer';
    this.scroller.appendChild(this.spacer);
    this.grid.appendChild(this.scroller);
    root.appendChild(this.grid);
    this.warningHeights = new WarningHeights(this.scroller, (text) => this.warningRowOf(text));
    this.scroller.addEventListener('scroll', () => this.render());
    this.grid.addEventListener('keydown', (e) => this.onKey(e));
    // a new width wraps the warnings anew: their heights are measured again
    new ResizeObserver(() => (this.warningHeights.stale() ? this.place() : this.render())).observe(this.scroller);
    // ...and so does a theme change (VS Code's font size and family are theme variables) or a
    // font that arrives after they were measured: the same text at the same width, more lines
    const remeasure = (): void => {
      this.warningHeights.forget();
      this.place();
    };
    onThemeChange(remeasure);
    document.fonts.addEventListener('loadingdone', remeasure);
    this.narrow.addEventListener('change', () => this.place());
  }

  /** The list's scroll position (kept across a new state message for the same plan). */
  get scrollTop(): number {
    return this.scroller.scrollTop;
  }
  set scrollTop(v: number) {
    this.scroller.scrollTop = v;
    this.render();
  }

  setRows(rows: Row[], order: readonly number[]): void {
    this.rows = rows;
    this.rank = new Map(order.map((g, i) => [g, i + 1]));
    this.grid.setAttribute('aria-rowcount', String(rows.length));
    this.place();
  }

  /** Every row's height (warnings measured at the list's width), then draw. */
  private place(): void {
    const texts: string[] = [];
    for (const r of this.rows) if (r.kind === 'warning') texts.push(this.warningText(r.group, r.warning));
    const measured = this.warningHeights.heights(texts);
    let w = 0;
    const header = this.narrow.matches ? HEADER_H_NARROW : ROW_H;
    this.layout.set(this.rows.map((r) => (r.kind === 'warning' ? measured[w++] : r.kind === 'group' ? header : ROW_H)));
    this.spacer.style.height = `${this.layout.total}px`;
    this.render();
  }

  /** The row with the keyboard's place: the active header, else the selected range's row (-1: none shown). */
  private cursorRow(): number {
    const s = this.selected;
    const g = this.activeGroup;
    if (g !== undefined) return this.rows.findIndex((r) => r.kind === 'group' && r.group === g);
    return s ? this.rows.findIndex((r) => r.kind === 'range' && r.group === s.group && r.range === s.range) : -1;
  }

  /** Scroll the row with the keyboard's place (the selected range, or the active header) into view. */
  reveal(): void {
    const pos = this.cursorRow();
    if (pos < 0) return;
    this.layout.scrollIntoView(this.scroller, pos);
    this.render();
  }

  render(): void {
    const [first, last] = this.layout.visible(this.scroller, MARGIN);
    for (const r of this.rendered) r.remove();
    this.rendered = [];
    // The keyboard stays on the grid: a screen reader follows the row with its place through
    // aria-activedescendant (it said nothing as the arrows moved, a trial found).
    const cursor = this.cursorRow();
    this.grid.removeAttribute('aria-activedescendant');
    for (let pos = first; pos < last; pos++) {
      const row = this.rows[pos];
      const tr =
        row.kind === 'group'
          ? this.groupRow(row.group)
          : row.kind === 'warning'
            ? this.warningRow(row.group, row.warning)
            : this.rangeRow(row.group, row.range);
      tr.setAttribute('aria-rowindex', String(pos + 1));
      if (pos === cursor) {
        tr.id = 'dedupe-cursor-row';
        this.grid.setAttribute('aria-activedescendant', tr.id);
      }
      tr.style.top = `${this.layout.top(pos)}px`;
      if (row.kind !== 'range') tr.style.height = `${this.layout.height(pos)}px`;
      this.scroller.appendChild(tr);
      this.rendered.push(tr);
    }
  }

  private cell(tr: HTMLElement, cls: string, text: string, title?: string): HTMLElement {
    const td = document.createElement('div');
    td.className = `td ${cls}`;
    td.setAttribute('role', 'gridcell');
    td.textContent = text;
    if (title) td.title = title;
    tr.appendChild(td);
    return td;
  }

  private groupRow(g: number): HTMLElement {
    const grp = this.plan.groups[g];
    const n = this.nums[g];
    const warnings = grp.warnings.map((x) => withHumanSizes(x)); // "4194304 bytes" -> "4,194,304 bytes (4 MiB)"
    const open = !this.isCollapsed(g);
    const tr = document.createElement('div');
    tr.className = 'tr group-row';
    tr.setAttribute('role', 'row');
    tr.setAttribute('aria-level', '1');
    tr.setAttribute('aria-expanded', String(open));
    tr.dataset.group = String(g);
    if (this.activeGroup === g) {
      tr.classList.add('selected');
      tr.setAttribute('aria-selected', 'true');
    }
    const chevron = this.cell(tr, 'c-chevron', '');
    chevron.classList.add('codicon', open ? 'codicon-chevron-down' : 'codicon-chevron-right');
    chevron.setAttribute('aria-hidden', 'true');
    // every range holding the data, those no one here may change too (a whole-file group counts its files)
    const count = rangeCount(grp);
    const what = grp.wholeFiles
      ? l10n.t('#{0} · {1} identical files of {2}', this.rank.get(g) ?? 0, groupDigits(BigInt(n.files)), humanBytes(n.length))
      : l10n.t('#{0} · {1} × {2}', this.rank.get(g) ?? 0, groupDigits(BigInt(count)), humanBytes(n.length));
    const more: string[] = [];
    if (n.shared) more.push(l10n.t('{0} already shared', groupDigits(BigInt(n.shared))));
    if (n.readOnly) more.push(l10n.t('{0} read-only', groupDigits(BigInt(n.readOnly))));
    if (!open && count > 0) more.push(l10n.t('{0} ranges (show)', groupDigits(BigInt(count)))); // a group has at least two ranges
    // what it is, then the rest: one line, or (narrow: dedupe.css) the rest on the second beside the saving
    const summary = this.cell(
      tr,
      'c-summary',
      '',
      [
        l10n.t('Length of each range: {0}', exactBytes(n.length)),
        l10n.t('Duplicate bytes: {0}', exactBytes(n.candidate)),
        l10n.t('Net saving: {0}', exactBytes(n.net)),
        ...warnings,
      ].join('\n'),
    );
    const whatEl = el('span', { class: 'g-what' }, what);
    summary.append(whatEl);
    if (more.length) summary.append(el('span', { class: 'g-sep' }, ' · '), el('span', { class: 'g-more' }, more.join(' · ')));
    if (warnings.length) {
      const w = document.createElement('span');
      w.className = 'codicon codicon-warning group-warning';
      w.title = warnings.join('\n');
      w.setAttribute('aria-label', l10n.t('Warnings: {0}', warnings.join(' ')));
      whatEl.prepend(w);
    }
    // on a file system that cannot share blocks: not "frees 0 B" as if it were already shared
    const net =
      grp.cannotShare !== undefined
        ? this.cell(tr, 'c-net', l10n.t('cannot share here'), grp.cannotShare)
        : n.min < n.net
          ? // not known to the byte (compressed, shared with files not named): the most, as the totals' range says
            this.cell(
              tr,
              'c-net',
              l10n.t('frees up to {0}', humanBytes(n.net)),
              l10n.t('Between {0} and {1}', exactBytes(n.min), exactBytes(n.net)),
            )
          : this.cell(tr, 'c-net', n.net === 0n ? l10n.t('frees 0 B') : l10n.t('frees {0}', humanBytes(n.net)), exactBytes(n.net));
    net.classList.toggle('zero', n.net === 0n);
    tr.addEventListener('click', () => {
      this.activeGroup = g;
      this.cb.onSelect(undefined);
      this.cb.onToggle(g);
    });
    return tr;
  }

  private warningText(g: number, w: number): string {
    return withHumanSizes(this.plan.groups[g].warnings[w]); // "4194304 bytes" -> "4,194,304 bytes (4 MiB)"
  }

  /** A warning's row: its whole text, wrapped (never cut short). */
  private warningRowOf(text: string): HTMLElement {
    const tr = document.createElement('div');
    tr.className = 'tr warning-row';
    tr.setAttribute('role', 'row');
    tr.setAttribute('aria-level', '2');
    this.cell(tr, 'c-indent', '');
    const c = this.cell(tr, 'c-warning', text);
    const icon = document.createElement('span');
    icon.className = 'codicon codicon-warning';
    icon.setAttribute('aria-hidden', 'true');
    c.prepend(icon);
    return tr;
  }

  private warningRow(g: number, w: number): HTMLElement {
    const tr = this.warningRowOf(this.warningText(g, w));
    tr.dataset.group = String(g);
    return tr;
  }

  private rangeRow(g: number, r: number): HTMLElement {
    const grp = this.plan.groups[g];
    const range = rangeAt(grp, r)!;
    const tr = document.createElement('div');
    tr.className = 'tr range-row';
    tr.setAttribute('role', 'row');
    tr.setAttribute('aria-level', '2');
    tr.dataset.group = String(g);
    tr.dataset.range = String(r);
    const sel = this.selected?.group === g && this.selected.range === r;
    if (sel) {
      tr.classList.add('selected');
      tr.setAttribute('aria-selected', 'true');
    }
    this.cell(tr, 'c-indent', '').setAttribute('aria-hidden', 'true');
    const role = this.cell(tr, 'c-role', '');
    const locked = r >= grp.ranges.length;
    // the icon is a glyph of the codicon font (no words): hidden from screen readers, which read
    // the cell's label, the words of its tooltip (a tooltip reaches none of them)
    const glyph = role.appendChild(document.createElement('span'));
    glyph.setAttribute('aria-hidden', 'true');
    glyph.classList.add(
      'codicon',
      r === 0
        ? 'codicon-circle-filled'
        : locked
          ? 'codicon-lock'
          : range.alreadyShared
            ? 'codicon-link'
            : range.freesNothing
              ? 'codicon-circle-slash'
              : 'codicon-circle-outline',
    );
    role.title =
      r === 0
        ? range.readOnly
          ? l10n.t('Source, read-only: the others will share its data; it stays as it is')
          : l10n.t('Source: the others will share its data')
        : locked
          ? l10n.t('Read-only: the kernel will not change this file for this user (a read-only snapshot, an immutable file); left as it is')
          : range.alreadyShared
            ? l10n.t('Already shares the source’s extents: frees nothing')
            : range.freesNothing
              ? l10n.t('Left alone: its extents are kept whole by other references, so sharing it would free nothing and only split them')
              : l10n.t('Duplicate: will share the source’s data');
    role.setAttribute('aria-label', role.title);
    const rel = this.rel[range.file];
    pathText(this.cell(tr, 'c-path', '', this.plan.files[range.file]), rel);
    const offset = BigInt(range.offset);
    const len = BigInt(grp.length);
    const badge = [
      r === 0 ? l10n.t('source') : range.alreadyShared ? l10n.t('shared') : range.freesNothing ? l10n.t('left alone') : '',
      range.readOnly ? l10n.t('read-only') : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const at = grp.wholeFiles ? '' : l10n.t('@ {0}', offset === 0n ? '0' : humanBytes(offset));
    const tail = this.cell(
      tr,
      'c-offset',
      [at, badge].filter(Boolean).join(' · '),
      l10n.t('Bytes {0} to {1} (exclusive), {2}', groupDigits(offset), groupDigits(offset + len), hex(offset)),
    );
    if (range.alreadyShared) tail.classList.add('is-shared');
    if (range.readOnly) tail.classList.add('is-read-only');
    if (r === 0) tail.classList.add('is-source');
    tr.addEventListener('click', () => {
      this.activeGroup = undefined;
      this.cb.onSelect({ group: g, range: r });
    });
    tr.addEventListener('dblclick', () => this.cb.onOpen({ group: g, range: r }));
    return tr;
  }

  private onKey(e: KeyboardEvent): void {
    // the rows the keyboard stops at: headers and ranges (a warning is read with its group)
    const stops: number[] = [];
    this.rows.forEach((row, i) => row.kind !== 'warning' && stops.push(i));
    if (stops.length === 0) return;
    const cur = this.cursorRow();
    const at = stops.indexOf(cur);
    const row = at < 0 ? undefined : this.rows[cur];
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_H) - 1);
    let next: number | undefined;
    if (e.key === 'ArrowDown') next = at < 0 ? 0 : Math.min(stops.length - 1, at + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (e.key === 'PageDown') next = Math.min(stops.length - 1, Math.max(0, at) + page);
    else if (e.key === 'PageUp') next = Math.max(0, at - page);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = stops.length - 1;
    else if (row?.kind === 'group') {
      const open = !this.isCollapsed(row.group);
      if (e.key === 'Enter' || e.key === ' ' || (e.key === 'ArrowRight' && !open) || (e.key === 'ArrowLeft' && open)) {
        e.preventDefault();
        this.cb.onToggle(row.group);
        this.reveal();
      }
      return;
    } else if (row?.kind === 'range') {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.cb.onOpen({ group: row.group, range: row.range });
      } else if (e.key === 'ArrowLeft') {
        e.preventDefault();
        this.goTo(this.rows.findIndex((r) => r.kind === 'group' && r.group === row.group));
      }
      return;
    }
    if (next === undefined) return;
    e.preventDefault();
    this.goTo(stops[next]);
  }

  /** Put the keyboard's place on row `pos` (a header or a range), select accordingly and scroll to it. */
  private goTo(pos: number): void {
    const row = this.rows[pos];
    if (!row) return;
    if (row.kind === 'group') {
      this.activeGroup = row.group;
      this.cb.onSelect(undefined);
    } else if (row.kind === 'range') {
      this.activeGroup = undefined;
      this.cb.onSelect({ group: row.group, range: row.range });
    }
    this.reveal();
  }
}
