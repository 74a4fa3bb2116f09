// Small DOM helpers shared by the webviews: element creation (textContent only, never
// innerHTML: file names and error sentences are untrusted text), the legend, and the tooltip
// content for a hit on the map.
import { EXTENT_CLASSES, type ExtentClass } from '../../src/protocol/messages';
import { classOf } from '../../src/protocol/extent-class';
import { groupDigits, hex, humanBytes } from '../../src/protocol/format';
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

export function legend(): HTMLElement {
  const ul = el('ul', { class: 'legend', 'aria-label': l10n.t('Legend') });
  const item = (cls: string, label: string) => {
    const li = el('li');
    li.append(el('span', { class: `swatch swatch-${cls}`, 'aria-hidden': 'true' }), document.createTextNode(label));
    ul.appendChild(li);
  };
  item('hole', l10n.t('Hole'));
  for (const c of EXTENT_CLASSES) item(c, CLASS_LABELS[c]);
  return ul;
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
export function describeHit(h: Hit): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (h.kind === 'extent') {
    const c = classOf(h.extent.flags, h.extent.refcount);
    const head = el('div', { class: 'tt-title' });
    head.append(
      el('span', { class: `swatch swatch-${c}`, 'aria-hidden': 'true' }),
      document.createTextNode(
        h.extent.index !== undefined ? l10n.t('{0} · extent #{1}', CLASS_LABELS[c], h.extent.index) : CLASS_LABELS[c],
      ),
    );
    out.push(head);
  } else if (h.kind === 'hole') {
    const head = el('div', { class: 'tt-title' });
    head.append(el('span', { class: 'swatch swatch-hole', 'aria-hidden': 'true' }), document.createTextNode(l10n.t('Hole')));
    out.push(head);
  } else {
    out.push(
      el('div', { class: 'tt-title' }, l10n.t('{0} extents in view; zoom in for exact extents', groupDigits(BigInt(h.extentCount)))),
    );
  }
  out.push(
    line(l10n.t('Start'), h.offset, 'tt-start'),
    line(l10n.t('End'), h.offset + h.length, 'tt-end'),
    line(l10n.t('Length'), h.length, 'tt-length'),
  );
  if (h.kind === 'extent') {
    const e = h.extent;
    if (e.physical !== null) out.push(line(l10n.t('Physical'), BigInt(e.physical), 'tt-physical'));
    if (e.flags.length)
      out.push(
        el(
          'div',
          { class: 'tt-flags' },
          l10n.t('Flags: {0}', e.flags.join(', ')) + (e.refcount !== undefined ? ' · ' + l10n.t('{0} references', e.refcount) : ''),
        ),
      );
  } else if (h.kind === 'bin') {
    const parts = EXTENT_CLASSES.map((c, i) => [c, h.fractions[i]] as const)
      .filter(([, f]) => f > 0)
      .map(([c, f]) => l10n.t('{0} {1}%', CLASS_LABELS[c], (f * 100).toFixed(1)));
    out.push(el('div', { class: 'tt-flags' }, parts.length ? parts.join(', ') : l10n.t('All holes')));
  }
  return out;
}
