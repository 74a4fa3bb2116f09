// Small DOM helpers shared by the webviews: element creation (textContent only, never
// innerHTML: file names and error sentences are untrusted text), the legend, and the tooltip
// content for a hit on the map.
import { EXTENT_CLASSES, type ExtentClass } from '../../src/protocol/messages';
import { classOf } from '../../src/protocol/extent-class';
import { fractionPercent, groupDigits, hex, humanBytes } from '../../src/protocol/format';
import type { Hit } from './map-canvas';
import { l10n } from './l10n';

export const CLASS_LABELS: Record<ExtentClass, string> = {
  data: l10n.t('Data'),
  unwritten: l10n.t('Unwritten (preallocated)'),
  shared: l10n.t('Shared (cloned)'),
  delalloc: l10n.t('Delayed allocation'),
  inline: l10n.t('Inline / tail'),
  encoded: l10n.t('Encoded / encrypted'),
};

export function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Makes `node` (a figure, a legend entry) a tab stop that explains itself: `text` (what its
 * `title` tells a mouse, and exact byte counts where the figure shows a rounded size; lines
 * apart by '\n') shows under it while it has the keyboard focus (theme.css `.explained`), and is
 * its accessible description. A `title` alone reaches neither the keyboard nor a screen reader.
 */
export function explained(node: HTMLElement, text: string): HTMLElement {
  // (in a legend, oneTabStop chose which entry is the tab stop: explaining it again keeps that)
  if (!node.hasAttribute('tabindex')) node.tabIndex = 0;
  node.classList.add('explained');
  node.dataset.explain = text;
  node.setAttribute('aria-description', text.replace(/\n/g, ' '));
  return node;
}

/**
 * `text` with a line-break opportunity (<wbr>) after each '_': a long identifier
 * (FSCTL_DUPLICATE_EXTENTS_TO_FILE) that must wrap in a narrow column wraps between its parts,
 * not mid-word. textContent stays `text`. Not after the commas of a number: a line then filled
 * up to one and went on with the rest ("2,150,629," / "376 bytes"), which reads as two numbers;
 * a number wraps only where it alone is wider than its cell (overflow-wrap: anywhere).
 */
export function breakable(text: string): DocumentFragment {
  const f = document.createDocumentFragment();
  for (const part of text.split(/(?<=_)/)) {
    if (f.childNodes.length) f.appendChild(document.createElement('wbr'));
    f.appendChild(document.createTextNode(part));
  }
  return f;
}

/**
 * The vocabulary, said once where the numbers are shown (legend and summary tooltips):
 * "allocated" is every extent, unwritten included; "data" is what SEEK_DATA finds (written
 * extents); "unwritten" is allocated but reads as zeros.
 */
const CLASS_TIPS: Record<ExtentClass | 'hole', string> = {
  hole: l10n.t('Hole: no extent; reads as zeros and uses no space.'),
  data: l10n.t('Data: written extents, the ranges SEEK_DATA finds. Allocated.'),
  unwritten: l10n.t('Unwritten: allocated (preallocated) but never written; reads as zeros. SEEK_DATA skips it.'),
  shared: l10n.t('Shared: allocated extents that another file (a clone) also uses, compressed ones included (the flags say which).'),
  delalloc: l10n.t('Delayed allocation: written but not yet given blocks on disk (the file system places it when it writes it back).'),
  inline: l10n.t(
    'Inline / tail: data kept inside the file system metadata (btrfs inline, a tail packed with others), with no blocks of its own.',
  ),
  encoded: l10n.t('Encoded / encrypted: stored compressed or encrypted, not shared, so its bytes on disk differ from its length here.'),
};

/** Extent numbers as people see them: counting from 1, as the CLI and filefrag print them. */
export const extentNumber = (index: number): string => groupDigits(BigInt(index + 1));

export function legend(): HTMLElement {
  const ul = el('ul', { class: 'legend', 'aria-label': l10n.t('Legend') });
  const item = (cls: string, label: string) => {
    const tip = CLASS_TIPS[cls as ExtentClass | 'hole'];
    const li = el('li', tip ? { title: tip } : {});
    if (tip) explained(li, tip);
    li.append(el('span', { class: `swatch swatch-${cls}`, 'aria-hidden': 'true' }), document.createTextNode(label));
    ul.appendChild(li);
  };
  item('hole', l10n.t('Hole'));
  for (const c of EXTENT_CLASSES) item(c, CLASS_LABELS[c]);
  return oneTabStop(ul);
}

/**
 * A legend's explained entries as one tab stop (they do nothing; seven tab stops in a row were
 * seven presses to get past them): Tab reaches the first entry, the arrow keys, Home and End go
 * through the others (each shows its meaning while focused), and Tab leaves. Leaving puts the
 * tab stop back on the first entry, so it is never an entry hidden since (the Space legend hides
 * some). Entries explained later (the Space legend's words change) keep their tabindex.
 */
export function oneTabStop(list: HTMLElement): HTMLElement {
  const entries = (): HTMLElement[] => [...list.querySelectorAll<HTMLElement>(':scope > li.explained')];
  const stopAt = (chosen: HTMLElement | undefined): void => {
    for (const e of entries()) e.tabIndex = e === chosen ? 0 : -1;
  };
  stopAt(entries()[0]);
  list.addEventListener('keydown', (e) => {
    // only the entries shown: a hidden one (display: none) has no box
    const shown = entries().filter((x) => x.getClientRects().length > 0);
    const at = shown.indexOf(document.activeElement as HTMLElement);
    if (at < 0) return;
    const to =
      e.key === 'ArrowRight' || e.key === 'ArrowDown'
        ? Math.min(at + 1, shown.length - 1)
        : e.key === 'ArrowLeft' || e.key === 'ArrowUp'
          ? Math.max(at - 1, 0)
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? shown.length - 1
              : undefined;
    if (to === undefined) return;
    e.preventDefault();
    stopAt(shown[to]);
    shown[to].focus();
  });
  list.addEventListener('focusout', (e) => {
    if (!list.contains(e.relatedTarget as Node | null)) stopAt(entries().find((x) => x.getClientRects().length > 0) ?? entries()[0]);
  });
  return list;
}

function line(label: string, v: bigint, cls: string): HTMLElement {
  const row = el('div', { class: `tt-row ${cls}` });
  row.append(
    el('span', { class: 'tt-k' }, label),
    el('span', { class: 'tt-v' }, groupDigits(v)),
    el('span', { class: 'tt-h' }, `${humanBytes(v)} · ${hex(v)}`),
  );
  return row;
}

/** Tooltip lines for a hit: kind, then start, end (exclusive) and length exactly. */
export function describeHit(h: Hit, eof?: bigint): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (h.kind === 'extent') {
    const c = classOf(h.extent.flags, h.extent.refcount);
    const head = el('div', { class: 'tt-title' });
    head.append(
      el('span', { class: `swatch swatch-${c}`, 'aria-hidden': 'true' }),
      document.createTextNode(
        h.extent.index !== undefined ? l10n.t('{0} · extent #{1}', CLASS_LABELS[c], extentNumber(h.extent.index)) : CLASS_LABELS[c],
      ),
    );
    out.push(head);
  } else if (h.kind === 'hole') {
    const head = el('div', { class: 'tt-title' });
    head.append(el('span', { class: 'swatch swatch-hole', 'aria-hidden': 'true' }), document.createTextNode(l10n.t('Hole')));
    out.push(head);
  } else if (h.kind === 'pixel') {
    return describePixel(h);
  } else {
    return describeBin(h);
  }
  out.push(
    line(l10n.t('Start'), h.offset, 'tt-start'),
    line(l10n.t('End (exclusive)'), h.offset + h.length, 'tt-end'),
    line(l10n.t('Length'), h.length, 'tt-length'),
  );
  if (h.kind === 'extent') {
    const e = h.extent;
    if (e.physical !== null) out.push(line(l10n.t('Physical'), BigInt(e.physical), 'tt-physical'));
    // "past EOF" as the table's row says it (row-text.ts), from the same end of the last block
    const beyond = eofFlag(h.offset, h.offset + h.length, eof);
    const flags = beyond ? [...e.flags, beyond] : e.flags;
    if (flags.length)
      out.push(
        el(
          'div',
          { class: 'tt-flags' },
          l10n.t('Flags: {0}', flags.join(', ')) + (e.refcount !== undefined ? ' · ' + l10n.t('{0} references', e.refcount) : ''),
        ),
      );
  }
  return out;
}

/**
 * Several exact extents under one pixel (or one mark's pixels): how many, the bytes the pixel
 * covers and how many of them each class (and holes) takes, all exact.
 */
function describePixel(h: Extract<Hit, { kind: 'pixel' }>): HTMLElement[] {
  const n = groupDigits(BigInt(h.extents));
  const title =
    h.columns === 1 ? l10n.t('One pixel: {0} extents', n) : l10n.t('{0} pixels: {1} extents', groupDigits(BigInt(h.columns)), n);
  const out = [el('div', { class: 'tt-title' }, title)];
  out.push(
    line(l10n.t('Pixel start'), h.offset, 'tt-start'),
    line(l10n.t('Pixel end (exclusive)'), h.offset + h.length, 'tt-end'),
    line(l10n.t('Pixel length'), h.length, 'tt-length'),
  );
  for (const c of [...EXTENT_CLASSES, 'hole'] as const) {
    if (h.bytes[c] === 0n) continue;
    const row = line(c === 'hole' ? l10n.t('Hole') : CLASS_LABELS[c], h.bytes[c], `tt-class tt-${c}`);
    // the swatch inside the label: the tooltip is a grid of three columns (inspector.css)
    row.firstElementChild!.prepend(el('span', { class: `swatch swatch-${c}`, 'aria-hidden': 'true' }));
    out.push(row);
  }
  out.push(el('div', { class: 'tt-note' }, l10n.t('Pixel edges are not block boundaries; zoom in for exact extents.')));
  return out;
}

/**
 * A zoomed-out pixel: its own extents, allocated bytes and fraction by class. Its edges are
 * where the pixel falls, not block boundaries, and say so.
 */
function describeBin(h: Extract<Hit, { kind: 'bin' }>): HTMLElement[] {
  const total = h.fractions.reduce((a, f) => a + f, 0);
  const title =
    h.extents === undefined
      ? l10n.t('One pixel: about {0}% allocated (sampled)', fractionPercent(total))
      : h.extents === 1
        ? l10n.t('One pixel: 1 extent, {0}% allocated', fractionPercent(total))
        : l10n.t('One pixel: {0} extents, {1}% allocated', groupDigits(BigInt(h.extents)), fractionPercent(total));
  const out = [el('div', { class: 'tt-title' }, title)];
  if (h.allocated !== undefined) out.push(line(l10n.t('Allocated'), BigInt(Math.round(h.allocated)), 'tt-allocated'));
  out.push(
    line(l10n.t('Pixel start'), h.offset, 'tt-start'),
    line(l10n.t('Pixel end (exclusive)'), h.offset + h.length, 'tt-end'),
    line(l10n.t('Pixel length'), h.length, 'tt-length'),
  );
  const parts = EXTENT_CLASSES.map((c, i) => [c, h.fractions[i]] as const)
    .filter(([, f]) => f > 0)
    .map(([c, f]) => l10n.t('{0} {1}%', CLASS_LABELS[c], fractionPercent(f)));
  out.push(el('div', { class: 'tt-flags' }, parts.length ? parts.join(', ') : l10n.t('All holes')));
  out.push(el('div', { class: 'tt-note' }, l10n.t('Pixel edges are not block boundaries; zoom in for exact extents.')));
  return out;
}

/**
 * The flag of extent [start, end) against `eof` (the end of the file's last block, when extents
 * run past it): "past EOF" when it lies wholly beyond, "partly past EOF" when it crosses it (a
 * trial read "past EOF" on a 248 MiB preallocated extent of which 704 KiB lay beyond), none inside.
 */
export function eofFlag(start: bigint, end: bigint, eof: bigint | undefined): string | undefined {
  if (eof === undefined || end <= eof) return undefined;
  return start >= eof ? l10n.t('past EOF') : l10n.t('partly past EOF');
}
