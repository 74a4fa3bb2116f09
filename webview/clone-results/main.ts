// The clone-results view: what a clone (or its fallback copy) did. Source and destination side
// by side with their maps before and after (shared extents highlighted), the method, bytes,
// calls, duration, space saved and notes, and on request a measured comparison with a
// physical copy (the host runs it and sends cloneResults again with `comparison`).
import '../shared/lit-nonce';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '../shared/theme.css';
import './clone-results.css';
import type { CloneResultsData, CloneSide, WireWindow } from '../../src/protocol/messages';
import { groupDigits, humanBytes } from '../../src/protocol/format';
import { onHostMessage, post } from '../shared/host';
import { readPalette, onThemeChange, type Palette } from '../shared/palette';
import { MapCanvas, hitTest } from '../shared/map-canvas';
import { el, describeHit, legend } from '../shared/ui';
import { l10n } from '../shared/l10n';
import type { ViewWindow } from '../shared/bigview';

const METHOD_TEXT: Record<string, string> = {
  FICLONE: l10n.t('FICLONE (reflink of the whole file)'),
  FICLONERANGE: l10n.t('FICLONERANGE (reflink of a range)'),
  clonefile: l10n.t('clonefile (APFS clone)'),
  FSCTL_DUPLICATE_EXTENTS_TO_FILE: l10n.t('FSCTL_DUPLICATE_EXTENTS_TO_FILE (block cloning)'),
  FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX: l10n.t('FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX (atomic block cloning)'),
  FSCTL_SRV_COPYCHUNK_WRITE: l10n.t('FSCTL_SRV_COPYCHUNK_WRITE (server-side copy)'),
  copy_file_range: l10n.t('copy_file_range (in-kernel copy)'),
  fcopyfile: 'fcopyfile',
  'sparse-copy': l10n.t('Copy fallback (holes kept)'),
};

const app = document.getElementById('app')!;
app.className = 'clone-results';
const live = el('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
let palette: Palette = readPalette();
let current: CloneResultsData | undefined;
let maps: { canvas: MapCanvas; data: WireWindow; span: ViewWindow }[] = [];
let comparing = false;

function fact(dl: HTMLElement, k: string, v: string, key: string): void {
  const pair = el('div', { class: 'kv', 'data-key': key });
  pair.append(el('dt', {}, k), el('dd', {}, v));
  dl.appendChild(pair);
}

const bytesText = (v: string): string => l10n.t('{0} bytes ({1})', groupDigits(BigInt(v)), humanBytes(BigInt(v)));
const ms = (v: number): string => (v < 1000 ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : `${(v / 1000).toFixed(2)} s`);

function mapBlock(label: string, w: WireWindow, size: string, cls: string): HTMLElement {
  const fig = el('figure', { class: `side-map ${cls}` });
  const cap = el('figcaption', {}, label);
  const span = { offset: 0n, length: BigInt(w.length) > 0n ? BigInt(w.length) : BigInt(size) || 1n };
  const canvas = el('canvas', {
    class: 'map',
    role: 'img',
    tabindex: '0',
    'aria-label': l10n.t('{0}: {1} extents over {2}', label, w.extentCount, humanBytes(BigInt(size))),
  }) as HTMLCanvasElement;
  const tip = el('div', { class: 'tooltip', role: 'tooltip', hidden: '' });
  fig.append(cap, canvas, tip);
  queueMicrotask(() => {
    const mc = new MapCanvas(canvas);
    maps.push({ canvas: mc, data: w, span });
    draw();
    canvas.addEventListener('pointermove', (e) => {
      const h = hitTest(w, mc.offsetAt(span, mc.eventX(e)));
      if (!h) return tip.setAttribute('hidden', '');
      tip.replaceChildren(...describeHit(h));
      tip.removeAttribute('hidden');
      tip.style.left = `${Math.max(0, Math.min(fig.clientWidth - tip.offsetWidth, e.offsetX + 12))}px`;
      live.textContent = l10n.t(
        '{0}: {1} from {2} to {3}',
        label,
        h.kind === 'hole' ? l10n.t('hole') : h.kind === 'bin' ? l10n.t('mixed region') : l10n.t('extent'),
        groupDigits(h.offset),
        groupDigits(h.offset + h.length),
      );
    });
    canvas.addEventListener('pointerleave', () => tip.setAttribute('hidden', ''));
  });
  return fig;
}

function sideBlock(title: string, s: CloneSide, cls: string): HTMLElement {
  const sec = el('section', { class: `side ${cls}`, 'aria-label': title });
  sec.appendChild(el('h2', {}, title));
  sec.appendChild(el('div', { class: 'path', title: s.path }, s.path));
  const dl = el('dl', { class: 'facts small' });
  fact(dl, l10n.t('Size'), bytesText(s.size), 'size');
  fact(dl, l10n.t('Shared after'), bytesText(s.sharedBytes), 'shared');
  sec.appendChild(dl);
  if (s.before) sec.appendChild(mapBlock(l10n.t('{0} before', title), s.before, s.size, 'before'));
  else sec.appendChild(el('p', { class: 'muted' }, l10n.t('{0} did not exist before.', title)));
  sec.appendChild(mapBlock(l10n.t('{0} after', title), s.after, s.size, 'after'));
  return sec;
}

function render(d: CloneResultsData): void {
  current = d;
  maps = [];
  const head = el('header', { class: 'head' });
  head.append(
    el('h1', {}, d.fellBack ? l10n.t('Copied (cloning was not possible)') : l10n.t('Cloned')),
    el('span', { class: 'method' }, d.method),
  );
  const warn = d.fellBack
    ? el(
        'div',
        { class: 'banner', role: 'alert' },
        l10n.t('Fell back to a copy: {0}', d.fallbackReason ?? l10n.t('cloning was not possible')),
      )
    : undefined;

  const dl = el('dl', { class: 'facts' });
  fact(dl, l10n.t('Method'), METHOD_TEXT[d.method] ?? d.method, 'method');
  fact(dl, l10n.t('Operation'), d.operation, 'operation');
  fact(dl, d.fellBack ? l10n.t('Bytes copied') : l10n.t('Bytes cloned'), bytesText(d.bytes), 'bytes');
  fact(dl, l10n.t('Calls'), groupDigits(BigInt(d.calls)), 'calls');
  fact(dl, l10n.t('Duration'), ms(d.durationMs), 'duration');
  fact(dl, l10n.t('Space saved'), bytesText(d.spaceSaved), 'saved');

  const sides = el('div', { class: 'sides' });
  sides.append(sideBlock(l10n.t('Source'), d.source, 'source'), sideBlock(l10n.t('Destination'), d.destination, 'destination'));

  const notes = el('ul', { class: 'notes', 'aria-label': l10n.t('Notes') });
  for (const n of d.notes) notes.appendChild(el('li', {}, n));

  const compare = el('section', { class: 'compare', 'aria-label': l10n.t('Comparison with a physical copy') });
  const btn = el('vscode-button', { id: 'btn-compare', icon: 'beaker' }, l10n.t('Compare with a physical copy'));
  btn.addEventListener('click', () => {
    if (comparing) return;
    comparing = true;
    btn.setAttribute('disabled', '');
    result.textContent = l10n.t('Measuring a physical copy of the source…');
    post({ type: 'compareWithCopy' });
  });
  const result = el('div', { class: 'compare-result', role: 'status' });
  if (d.comparison) {
    const c = d.comparison;
    const table = el('table', { class: 'compare-table' });
    const tr = (a: string, b: string, key: string) => {
      const r = el('tr', { 'data-key': key });
      r.append(el('th', { scope: 'row' }, a), el('td', {}, b));
      table.appendChild(r);
    };
    tr(l10n.t('Clone'), ms(c.cloneMs), 'clone');
    tr(l10n.t('Physical copy'), l10n.t('{0} for {1}', ms(c.copyMs), bytesText(c.copyBytes)), 'copy');
    tr(l10n.t('Speed-up'), c.cloneMs > 0 ? `${(c.copyMs / c.cloneMs).toFixed(1)}×` : '—', 'speedup');
    result.replaceChildren(table);
    comparing = false;
  }
  compare.append(btn, result);
  if (comparing) btn.setAttribute('disabled', '');

  app.replaceChildren(
    ...[head, warn, dl, legend(), sides, d.notes.length ? notes : undefined, compare, live].filter((x): x is HTMLElement => !!x),
  );
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered ?? '0') + 1);
}

function draw(): void {
  for (const m of maps) {
    m.canvas.resize();
    m.canvas.draw(m.span, m.data, palette, { highlightShared: true });
  }
}

onThemeChange(() => {
  palette = readPalette();
  draw();
});
new ResizeObserver(() => draw()).observe(app);

onHostMessage((m) => {
  if (m.type === 'cloneResults') render(m.data);
  else if (m.type === 'error') {
    comparing = false;
    const b = el('div', { class: 'banner', role: 'alert' });
    b.append(el('span', { class: 'banner-code' }, m.code), el('span', { class: 'banner-text' }, m.message));
    app.prepend(b);
    if (current) document.getElementById('btn-compare')?.removeAttribute('disabled');
  }
});

post({ type: 'ready' });
