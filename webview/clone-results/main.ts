// The clone-results view: what a clone (or its fallback copy) did. Source and destination side
// by side (stacked in a narrow column) with their maps before and after (shared extents
// highlighted), the method, bytes, calls, duration, space saved and notes, and on request a
// measured comparison with a physical copy (the host runs it and sends cloneResults again with
// `comparison`; not after Copy instead, where nothing was cloned: "Clone 33.7 ms, 0.9×"). Several
// files (Block Clone Here of a selection): per file method, bytes, time, a total, and details.
import '../shared/lit-nonce';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '../shared/theme.css';
import './clone-results.css';
import type { CloneResultsData, CloneSide, WireWindow } from '../../src/protocol/messages';
import { resultTotals } from '../../src/protocol/clone-totals';
import { groupDigits, withHumanSizes } from '../../src/protocol/format';
import { onHostMessage, post } from '../shared/host';
import { readPalette, onThemeChange, type Palette } from '../shared/palette';
import { MapCanvas } from '../shared/map-canvas';
import { el, describeHit, legend } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { mapLabel } from './map-label';
import { METHOD_TEXT, SAVED_TIP, baseName, replacedOne, bytesText, destName, fact, methodBadge, methodCell, ms, nameCell } from './cells';
import { rangeFacts, rangeText, sameFile, type RangeFact } from './cells';
import type { ViewWindow } from '../shared/bigview';
import { shownPath } from '../../src/protocol/shown-path';

const app = document.getElementById('app')!;
app.className = 'clone-results';
const live = el('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
let palette: Palette = readPalette();
let current: CloneResultsData[] = [];
let maps: { canvas: MapCanvas; data: WireWindow; span: ViewWindow }[] = [];
/** The item whose comparison with a physical copy is being measured. */
let comparing: number | undefined;
/** Items the person expanded (kept when the host sends the results again). */
const expanded = new Set<number>();

/**
 * `scale`: the bytes the full width stands for, the same for a file's before and after maps. Each
 * map is drawn at its own size on it: a destination that grew from 2 to 6 MiB has a before map a
 * third as wide as its after map, so the growth shows (a full-width before map looked like a
 * 6 MiB file whose last 4 MiB were a hole).
 */
function mapBlock(label: string, w: WireWindow, scale: bigint, cls: string, sharingUnknown = false): HTMLElement {
  const fig = el('figure', { class: `side-map ${cls}` });
  const cap = el('figcaption', {}, label);
  const length = BigInt(w.length) > 0n ? BigInt(w.length) : 1n;
  const span = { offset: 0n, length };
  const canvas = el('canvas', {
    class: 'map',
    role: 'img',
    tabindex: '0',
    'aria-label': mapLabel(label, w, sharingUnknown),
  }) as HTMLCanvasElement;
  // (in hundredths of a percent: exact for any two 64-bit sizes)
  if (scale > length) canvas.style.width = `${Number((length * 10000n) / scale) / 100}%`;
  const tip = el('div', { class: 'tooltip', role: 'tooltip', hidden: '' });
  fig.append(cap, canvas, tip);
  queueMicrotask(() => {
    const mc = new MapCanvas(canvas);
    maps.push({ canvas: mc, data: w, span });
    draw();
    canvas.addEventListener('pointermove', (e) => {
      // as drawn: over a widened small mark, the extent it stands for (MapCanvas.hitAt)
      const h = mc.hitAt(span, w, mc.eventX(e));
      if (!h) return tip.setAttribute('hidden', '');
      tip.replaceChildren(...describeHit(h));
      tip.removeAttribute('hidden');
      tip.style.left = `${Math.max(0, Math.min(fig.clientWidth - tip.offsetWidth, e.offsetX + 12))}px`;
      live.textContent = l10n.t(
        '{0}: {1} from {2} to {3}',
        label,
        h.kind === 'hole' ? l10n.t('hole') : h.kind === 'bin' || h.kind === 'pixel' ? l10n.t('mixed region') : l10n.t('extent'),
        groupDigits(h.offset),
        groupDigits(h.offset + h.length),
      );
    });
    canvas.addEventListener('pointerleave', () => tip.setAttribute('hidden', ''));
  });
  return fig;
}

/**
 * One file's part: name, path, size, sharing, a Clone Range's range(s) and the maps. `mapName`:
 * what the maps are called ("Source before"); `ranges`: the ranges to show, labelled.
 */
function sideBlock(title: string, s: CloneSide, cls: string, mapName = title, ranges = rangeFacts(s)): HTMLElement {
  const sec = el('section', { class: `side ${cls}`, 'aria-label': title });
  sec.appendChild(el('h2', {}, title));
  // long paths are ellipsized; the full path is the tooltip (and what screen readers hear)
  sec.appendChild(el('div', { class: 'name', title: shownPath(s.path) }, baseName(s.path)));
  sec.appendChild(el('div', { class: 'path', title: shownPath(s.path) }, shownPath(s.path)));
  const dl = el('dl', { class: 'facts small' });
  if (s.sizeBefore !== undefined) {
    fact(
      dl,
      l10n.t('Size'),
      l10n.t('{0} → {1}', bytesText(s.sizeBefore), bytesText(s.size)),
      'size',
      l10n.t('The operation changed the size of this file.'),
    );
  } else fact(dl, l10n.t('Size'), bytesText(s.size), 'size');
  for (const [label, key, r] of ranges) if (r) fact(dl, label, rangeText(r), key);
  fact(
    dl,
    l10n.t('Shared after'),
    s.sharingUnknown ? l10n.t('not reported (the server gives allocated ranges only)') : bytesText(s.sharedBytes),
    'shared',
  );
  sec.appendChild(dl);
  // A file the operation created (a new name, a rename after a collision, a copy) has no
  // "before"; one that existed but could not be mapped says that instead.
  const existed = s.existedBefore ?? s.before !== undefined;
  // One scale for before and after, so that an extent is drawn at the same place in both (a
  // destination that grew from 2 to 6 MiB: its old part fills the first third of both maps).
  const lengths = [s.after.length, s.before?.length ?? '0', s.size].map((v) => BigInt(v));
  const scale = lengths.reduce((a, b) => (a > b ? a : b));
  if (existed && s.before) sec.appendChild(mapBlock(l10n.t('{0} before', mapName), s.before, scale, 'before', s.sharingUnknown));
  else if (existed) sec.appendChild(el('p', { class: 'muted before-note' }, l10n.t('{0} before: could not be mapped.', mapName)));
  else sec.appendChild(el('p', { class: 'muted before-note' }, l10n.t('{0} did not exist before.', mapName)));
  sec.appendChild(mapBlock(l10n.t('{0} after', mapName), s.after, scale, 'after', s.sharingUnknown));
  return sec;
}

/** One file's details: facts, both sides with maps, notes and the comparison with a copy. */
function details(d: CloneResultsData, item: number): HTMLElement[] {
  const dl = el('dl', { class: 'facts' });
  fact(dl, l10n.t('Method'), METHOD_TEXT[d.method] ?? d.method, 'method');
  // the operation asked for, and, after "Copy instead", what was done in its place
  const asked: Record<string, string> = { clone: l10n.t('clone'), 'clone-range': l10n.t('clone range'), copy: l10n.t('copy') };
  const op = asked[d.operation] ?? d.operation;
  const instead =
    d.operation === 'copy'
      ? l10n.t('{0}, read and written (no server-side copy)', op)
      : l10n.t('{0}, done as a copy (cloning was refused)', op);
  fact(dl, l10n.t('Operation'), d.fellBack ? instead : op, 'operation');
  fact(dl, d.fellBack || d.operation === 'copy' ? l10n.t('Bytes copied') : l10n.t('Bytes cloned'), bytesText(d.bytes), 'bytes');
  fact(dl, l10n.t('Calls'), groupDigits(BigInt(d.calls)), 'calls', l10n.t('Calls of {0} that moved or shared the data', d.method));
  // the calls made on the way (lseek, FIEMAP; the sparse flag, integrity settings): not in the count above
  const others = Object.entries(d.otherCalls ?? {});
  if (others.length > 0)
    fact(
      dl,
      l10n.t('Other calls'),
      others.map(([name, n]) => `${groupDigits(BigInt(n))} ${name}`).join(', '),
      'other-calls',
      l10n.t('Calls made on the way (where the data lies, the size, the sparse flag), not counted in Calls'),
    );
  fact(dl, l10n.t('Duration'), ms(d.durationMs), 'duration');
  // A copy shares nothing, so "0 bytes shared" would only be noise; a server-side copy that the
  // file system did by sharing (copy_file_range on XFS/btrfs) still shows it. The figure is what
  // a copy would have needed, read from the maps, not a change of free space: it says so.
  if (!d.fellBack && (d.operation !== 'copy' || BigInt(d.spaceSaved) > 0n)) {
    fact(dl, l10n.t('Shared, not copied'), bytesText(d.spaceSaved), 'saved', SAVED_TIP());
  }

  const sides = el('div', { class: 'sides' });
  if (sameFile(d)) {
    // a range cloned within one file: that file once (its maps are the destination's, read
    // after the write), with both ranges; two panels showed the same file and maps twice
    const both: RangeFact[] = [
      [l10n.t('Source range'), 'source-range', d.source.range],
      [l10n.t('Destination range'), 'destination-range', d.destination.range],
    ];
    sides.append(sideBlock(l10n.t('Source and destination (one file)'), d.destination, 'same-file', l10n.t('File'), both));
  } else sides.append(sideBlock(l10n.t('Source'), d.source, 'source'), sideBlock(l10n.t('Destination'), d.destination, 'destination'));

  const notes = el('ul', { class: 'notes', 'aria-label': l10n.t('Notes') });
  // the engine's byte counts with their human size beside them, as the other views show notes
  for (const n of d.notes) notes.appendChild(el('li', {}, withHumanSizes(n)));

  if (d.fellBack) return [dl, sides, ...(d.notes.length ? [notes] : [])];
  const compare = el('section', { class: 'compare', 'aria-label': l10n.t('Comparison with a physical copy') });
  const btn = el('vscode-button', { class: 'btn-compare', icon: 'beaker' }, l10n.t('Compare with a physical copy'));
  if (item === 0) btn.id = 'btn-compare';
  btn.dataset.item = String(item);
  const result = el('div', { class: 'compare-result', role: 'status' });
  btn.addEventListener('click', () => {
    if (comparing !== undefined) return;
    comparing = item;
    for (const b of document.querySelectorAll('.btn-compare')) b.setAttribute('disabled', '');
    result.textContent = l10n.t('Measuring a physical copy of the source…');
    post(item === 0 ? { type: 'compareWithCopy' } : { type: 'compareWithCopy', item });
  });
  if (d.comparison) {
    const c = d.comparison;
    const table = el('table', { class: 'compare-table' });
    const tr = (a: string, b: string, key: string) => {
      const r = el('tr', { 'data-key': key });
      r.append(el('th', { scope: 'row' }, a), el('td', {}, b));
      table.appendChild(r);
    };
    tr(d.operation === 'copy' ? l10n.t('Server-side copy') : l10n.t('Clone'), ms(c.cloneMs), 'clone');
    // the engine's copy with blocks of its own (as cp --reflink=never): data written, holes kept
    tr(l10n.t('Copy, read and written (holes kept)'), l10n.t('{0}, {1} written', ms(c.copyMs), bytesText(c.copyBytes)), 'copy');
    tr(l10n.t('Speed-up'), c.cloneMs > 0 ? `${(c.copyMs / c.cloneMs).toFixed(1)}×` : '—', 'speedup');
    result.replaceChildren(table);
    if (comparing === item) comparing = undefined;
  }
  compare.append(btn, result);
  if (comparing !== undefined) btn.setAttribute('disabled', '');
  return [dl, sides, ...(d.notes.length ? [notes] : []), compare];
}

/**
 * After "Copy instead": what happened (a copy, holes kept; or a range copied in place), naming
 * the file made (full path as tooltip), and why cloning was refused as a secondary detail. Not
 * an error: the operation succeeded, so this is a status, not an alert.
 */
function fallbackNotice(d: CloneResultsData): HTMLElement | undefined {
  if (!d.fellBack) return undefined;
  const range = d.operation === 'clone-range';
  // a Server-Side Copy the server could not do (e.g. between two shares): no clone was asked for
  const copy = d.operation === 'copy';
  const dest = d.destination.path;
  const box = el('div', { class: 'notice', role: 'status' });
  const body = el('div', { class: 'notice-body' });
  body.append(
    el(
      'p',
      { class: 'notice-text', title: shownPath(dest) },
      range
        ? l10n.t('Copied {0} into {1} in place (not shared).', bytesText(d.bytes), baseName(dest))
        : copy
          ? l10n.t('Copied {0} to {1} by reading and writing it, holes kept.', baseName(d.source.path), destName(dest, d.source.path))
          : l10n.t('Copied {0} to {1}, holes kept.', baseName(d.source.path), destName(dest, d.source.path)),
    ),
  );
  const why = d.fallbackReason ?? (copy ? l10n.t('the server cannot copy it') : l10n.t('the file system cannot clone here'));
  body.append(
    el(
      'p',
      { class: 'notice-detail muted' },
      range
        ? l10n.t('Cloning was refused: {0}; the bytes were copied instead.', why)
        : copy
          ? l10n.t('No server-side copy: {0}.', why)
          : l10n.t('Cloning was refused: {0}; a hole-keeping copy was made instead.', why),
    ),
  );
  box.append(el('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), body);
  return box;
}

function renderOne(d: CloneResultsData): HTMLElement[] {
  const head = el('header', { class: 'head' });
  head.append(
    el(
      'h1',
      {},
      !d.fellBack
        ? d.operation === 'copy'
          ? l10n.t('Copied')
          : l10n.t('Cloned')
        : d.operation === 'clone-range'
          ? l10n.t('Copied in place (not shared)')
          : d.operation === 'copy'
            ? l10n.t('Copied (read and written)')
            : l10n.t('Copied, holes kept'),
    ),
    methodBadge(d.method),
  );
  const [facts, ...rest] = details(d, 0);
  return [head, ...[fallbackNotice(d)].filter((x): x is HTMLElement => !!x), facts, legend(), ...rest];
}

/** Several files of one operation: a list (per file method, bytes, time), a total, details on demand. */
function renderMany(items: CloneResultsData[]): HTMLElement[] {
  const { bytes, spaceSaved: saved, durationMs: time, copied } = resultTotals(items);
  const head = el('header', { class: 'head' });
  head.append(
    el(
      'h1',
      {},
      copied === 0
        ? l10n.t('Cloned {0} files', items.length)
        : copied === items.length
          ? l10n.t('Copied {0} files (cloning was not possible)', items.length)
          : l10n.t('{0} files: {1} cloned, {2} copied', items.length, items.length - copied, copied),
    ),
    methodBadge(items[0].operation),
  );
  const dl = el('dl', { class: 'facts' });
  fact(dl, l10n.t('Files'), groupDigits(BigInt(items.length)), 'files');
  fact(dl, l10n.t('Bytes in total'), bytesText(bytes), 'bytes');
  fact(dl, l10n.t('Time in total'), ms(time), 'duration');
  if (copied < items.length || saved > 0n) fact(dl, l10n.t('Shared, not copied'), bytesText(saved), 'saved', SAVED_TIP());
  // files that took the place of one of their name (Overwrite, Overwrite All): said, not left to the maps
  const replaced = items.filter(replacedOne).length;
  if (replaced > 0)
    fact(
      dl,
      l10n.t('Replaced'),
      groupDigits(BigInt(replaced)),
      'replaced',
      l10n.t('Files that replaced a file of the same name (Overwrite)'),
    );

  const list = el('div', { class: 'files', role: 'list', 'aria-label': l10n.t('Files of this operation') });
  const header = el('div', { class: 'file-row file-head', 'aria-hidden': 'true' });
  header.append(
    el('span', { class: 'f-name' }, l10n.t('File')),
    el('span', { class: 'f-method' }, l10n.t('Method')),
    el('span', { class: 'f-bytes' }, l10n.t('Bytes')),
    el('span', { class: 'f-time' }, l10n.t('Time')),
  );
  list.appendChild(header);
  items.forEach((d, i) => {
    const det = el('details', { class: 'file', role: 'listitem', 'data-item': String(i) }) as HTMLDetailsElement;
    const sum = el('summary', { class: 'file-row' });
    const dest = d.destination.path;
    sum.append(
      nameCell(baseName(dest), l10n.t('{0} → {1}', shownPath(d.source.path), shownPath(dest)), replacedOne(d)),
      methodCell(d),
      el('span', { class: 'f-bytes', title: bytesText(d.bytes) }, groupDigits(BigInt(d.bytes))),
      el('span', { class: 'f-time' }, ms(d.durationMs)),
    );
    det.appendChild(sum);
    let built = false;
    const build = (): void => {
      if (built) return;
      built = true;
      const body = el('div', { class: 'file-body' });
      const [facts, ...rest] = details(d, i);
      body.append(...[fallbackNotice(d)].filter((x): x is HTMLElement => !!x), facts, legend(), ...rest);
      det.appendChild(body);
    };
    det.addEventListener('toggle', () => {
      if (det.open) {
        expanded.add(i);
        build(); // maps are built when first shown (a long list stays cheap)
        requestAnimationFrame(draw);
      } else expanded.delete(i);
    });
    if (expanded.has(i)) {
      det.open = true;
      build();
    }
    list.appendChild(det);
  });
  const total = el('div', { class: 'file-row file-total', role: 'listitem' });
  total.append(
    el('span', { class: 'f-name' }, l10n.t('Total ({0} files)', items.length)),
    el('span', { class: 'f-method' }, ''),
    el('span', { class: 'f-bytes', title: bytesText(bytes) }, groupDigits(bytes)),
    el('span', { class: 'f-time' }, ms(time)),
  );
  list.appendChild(total);
  // no legend here: the maps (and their legend) are inside each file, shown when it is expanded
  return [head, dl, list];
}

function render(d: CloneResultsData, items?: CloneResultsData[]): void {
  const all = items && items.length > 1 ? items : [d];
  if (all.length !== current.length) expanded.clear();
  current = all;
  maps = [];
  const parts = all.length > 1 ? renderMany(all) : renderOne(all[0]);
  app.replaceChildren(...parts, live);
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
  if (m.type === 'cloneResults') {
    // results from the host end any comparison under way (done, failed or cancelled)
    comparing = undefined;
    render(m.data, m.items);
  } else if (m.type === 'error') {
    comparing = undefined;
    const b = el('div', { class: 'banner', role: 'alert' });
    b.append(el('span', { class: 'banner-code' }, m.code), el('span', { class: 'banner-text' }, m.message));
    app.prepend(b);
    if (current.length) for (const x of document.querySelectorAll('.btn-compare')) x.removeAttribute('disabled');
  }
});

post({ type: 'ready' });
