// The inspector webview: summary, legend, overview strip, zoomable range map and the table of
// extents for one file. It never holds the whole map: it asks the host for the visible window
// (requestWindow) and for table rows by index (requestRows), and draws what comes back.
// (Over 400 lines on purpose, for now: the view state — window, hover, selection, pending
// requests — is shared by drawing, input and host messages, which read and change it in one
// place; the reusable parts are already apart: ../shared/map-canvas, bigview, palette, table.ts.)
import '../shared/lit-nonce';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '../shared/theme.css';
import './inspector.css';
import { type HostMessage, type WireExtent, type WireSummary, type WireWindow } from '../../src/protocol/messages';
import { groupDigits, humanBytes, fractionPercent, percentOf, withHumanSizes } from '../../src/protocol/format';
import { classOf } from '../../src/protocol/extent-class';
import { getState, onHostMessage, post, setState } from '../shared/host';
import { readPalette, onThemeChange, type Palette } from '../shared/palette';
import { MapCanvas, hitTest, type Hit } from '../shared/map-canvas';
import { clampView, maxBig, minBig, scaleBig, type ViewWindow } from '../shared/bigview';
import { CLASS_LABELS, breakable, el, describeHit, extentNumber, legend } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { RangeTable, type CopiedRows } from './table';
import { bannerBox, toolbarButton } from '../shared/view-parts';

// ---- DOM -----------------------------------------------------------------------------------

const app = document.getElementById('app')!;
app.className = 'inspector';

const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': l10n.t('Inspector') });
const title = el('h1', { class: 'title' }, 'Extent Lens');
const tb = (icon: string, label: string, id: string): HTMLElement => toolbarButton(toolbar, icon, label, id);
toolbar.appendChild(title);
toolbar.appendChild(el('span', { class: 'spacer' }));
// What the Copy button (or Ctrl+C) put on the clipboard, or that it failed; a live region, so
// screen readers hear the same words.
const copyStatus = el('span', { class: 'copy-status', role: 'status', 'aria-live': 'polite', hidden: '' });
toolbar.appendChild(copyStatus);
const btnRefresh = tb('refresh', l10n.t('Refresh'), 'btn-refresh');
const btnZoomIn = tb('zoom-in', l10n.t('Zoom in (+)'), 'btn-zoom-in');
const btnZoomOut = tb('zoom-out', l10n.t('Zoom out (-)'), 'btn-zoom-out');
const btnReset = tb('screen-full', l10n.t('Show whole file (0)'), 'btn-reset');
const btnCopy = tb('copy', l10n.t('Copy selected rows (or visible rows)'), 'btn-copy');
const btnJson = tb('json', l10n.t('Export JSON…'), 'btn-export-json');
const btnCsv = tb('table', l10n.t('Export CSV…'), 'btn-export-csv');

const progress = el('div', { class: 'progress', hidden: '' });
const progressBar = el('vscode-progress-bar', { indeterminate: '' });
const progressText = el('span', { class: 'progress-text', role: 'status' });
progress.append(progressBar, progressText);

const bannerClose = el('vscode-toolbar-button', { icon: 'close', label: l10n.t('Dismiss') });
const { banner, bannerCode, bannerText } = bannerBox(bannerClose);
bannerClose.addEventListener('click', () => banner.setAttribute('hidden', ''));

const summaryEl = el('dl', { class: 'summary', 'aria-label': l10n.t('Summary') });
/** What the map cannot show (the engine's notes, e.g. tmpfs's reserved pages), under the summary. */
const notesEl = el('ul', { class: 'map-notes', hidden: '' });

const overviewCanvas = el('canvas', {
  class: 'overview',
  role: 'img',
  'aria-label': l10n.t('Overview of the whole file'),
  tabindex: '-1',
}) as HTMLCanvasElement;
const mapCanvas = el('canvas', { class: 'map', role: 'img', tabindex: '0', 'aria-label': l10n.t('Range map') }) as HTMLCanvasElement;
const axis = el('div', { class: 'axis' });
const axisStart = el('span', { class: 'axis-start' });
const axisLen = el('span', { class: 'axis-len' });
const axisEnd = el('span', { class: 'axis-end' });
axis.append(axisStart, axisLen, axisEnd);
const tooltip = el('div', { class: 'tooltip', role: 'tooltip', hidden: '' });
const live = el('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite', id: 'live' });
const mapWrap = el('div', { class: 'map-wrap' });
mapWrap.append(overviewCanvas, mapCanvas, axis, tooltip);
const tableRoot = el('div', { class: 'table-wrap' });

app.append(toolbar, progress, banner, summaryEl, notesEl, legend(), mapWrap, live, tableRoot);

// ---- state ---------------------------------------------------------------------------------

let palette: Palette = readPalette();
let summary: WireSummary | undefined;
let span = 1n; // bytes the map spans: the file size (or the last extent's end past EOF)
let view: ViewWindow = { offset: 0n, length: 1n };
let data: WireWindow | undefined; // the latest window from the host
let overview: WireWindow | undefined;
let selection: ViewWindow | undefined;
let hover: ViewWindow | undefined;
let lastHoverX: number | undefined;
/** The tooltip stays hidden after keyboard zoom or pan until the pointer moves again. */
let tooltipSuppressed = false;
/**
 * After a click on a hole or a zoomed-out pixel: the extent `n` selects next (the first one
 * after the hole, or in the pixel); `p` selects the one before it. Cleared when an extent is
 * selected.
 */
let mapCursor: number | undefined;
let nextRequestId = 1;
let latestWindowRequest = 0;
let pendingTimer: number | undefined;
let requestedAt = 0;

const main = new MapCanvas(mapCanvas);
const strip = new MapCanvas(overviewCanvas);

const announce = (text: string): void => {
  live.textContent = text;
};

/** Copies sent to the host and not yet answered (by requestId). */
const copies = new Map<number, CopiedRows>();
let copyStatusTimer: number | undefined;
let copyIconTimer: number | undefined;

/** The host answered a copy: say what was copied (or why not) beside the button, for a while. */
function showCopied(what: CopiedRows, ok: boolean, error?: string): void {
  const n = groupDigits(BigInt(what.rows));
  const text = !ok
    ? l10n.t('Copy failed: {0}', error ?? l10n.t('the clipboard could not be written'))
    : what.selected > what.rows
      ? l10n.t('Copied the first {0} of {1} rows (at most {0} at once)', n, groupDigits(BigInt(what.selected)))
      : what.visible
        ? what.rows === 1
          ? l10n.t('Copied 1 visible row')
          : l10n.t('Copied {0} visible rows', n)
        : what.rows === 1
          ? l10n.t('Copied 1 row')
          : l10n.t('Copied {0} rows', n);
  copyStatus.textContent = text;
  copyStatus.title = text;
  copyStatus.classList.toggle('error', !ok);
  copyStatus.removeAttribute('hidden');
  btnCopy.setAttribute('icon', ok ? 'check' : 'error');
  window.clearTimeout(copyIconTimer);
  window.clearTimeout(copyStatusTimer);
  copyIconTimer = window.setTimeout(() => btnCopy.setAttribute('icon', 'copy'), ok ? 1500 : 4000);
  copyStatusTimer = window.setTimeout(() => copyStatus.setAttribute('hidden', ''), ok ? 4000 : 10_000);
}

const table = new RangeTable(tableRoot, {
  requestRows: (start, count) => post({ type: 'requestRows', requestId: nextRequestId++, start, count }),
  onSelect: (row, zoom) => selectExtent(row, zoom, false),
  onCopy: (text, what) => {
    const requestId = nextRequestId++;
    copies.set(requestId, what);
    post({ type: 'copyText', text, requestId });
  },
  announce,
});

// ---- drawing -------------------------------------------------------------------------------

let drawQueued = false;
function redraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    drawNow();
  });
}

function drawNow(): void {
  main.resize();
  strip.resize();
  main.draw(view, data, palette, { selection, hover });
  // when a map was first on screen (ms after navigation start; the benchmark reads it)
  if (data) document.body.dataset.mapShownMs ??= String(Math.round(performance.now()));
  const whole = { offset: 0n, length: span };
  // the fill stays inside the viewport outline drawn below, so the outline never hides it
  strip.draw(whole, overview, palette, { selection, inset: Math.max(1, Math.round(strip.dpr)) });
  // the visible window as a rectangle on the overview strip
  const x0 = Math.floor(Number((view.offset * BigInt(strip.width)) / span));
  const x1 = Math.ceil(Number(((view.offset + view.length) * BigInt(strip.width)) / span));
  const lw = Math.max(1, Math.round(strip.dpr));
  strip.ctx.strokeStyle = palette.viewport;
  strip.ctx.lineWidth = lw;
  strip.ctx.strokeRect(x0 + lw / 2, lw / 2, Math.max(lw, x1 - x0 - lw), strip.height - lw);
  axisStart.textContent = groupDigits(view.offset);
  axisEnd.textContent = groupDigits(view.offset + view.length);
  // an empty file has nothing to show (the map spans one byte only so that it can be drawn)
  axisLen.textContent =
    summary && BigInt(summary.size) === 0n && span <= 1n ? l10n.t('empty file') : l10n.t('{0} shown', humanBytes(view.length));
  mapCanvas.setAttribute('aria-label', mapLabel());
  document.body.dataset.view = `${view.offset}:${view.length}`;
}

function mapLabel(): string {
  if (!summary) return l10n.t('Range map (loading)');
  if (summary.pending)
    return l10n.t(
      'Range map of {0}, a preview sampled while all extents are read; showing bytes {1} to {2}.',
      summary.name,
      groupDigits(view.offset),
      groupDigits(view.offset + view.length),
    );
  return (
    l10n.t(
      'Range map of {0}: {1} extents, {2} allocated of {3}; showing bytes {4} to {5}.',
      summary.name,
      groupDigits(BigInt(summary.extentCount)),
      humanBytes(BigInt(summary.allocated)),
      humanBytes(BigInt(summary.size)),
      groupDigits(view.offset),
      groupDigits(view.offset + view.length),
    ) +
    ' ' +
    l10n.t('Plus and minus zoom, arrow keys pan, 0 shows the whole file, N and P select the next or previous extent.')
  );
}

// ---- windows from the host -----------------------------------------------------------------

/** Ask for the visible window: exact extents when few, else one bin per device pixel. */
function requestWindow(): void {
  if (!summary) return;
  if (pendingTimer !== undefined) return;
  document.body.dataset.busy = '1'; // at once: tests and the progress bar see the request coming
  // coalesce a burst of wheel/drag events into one request per frame
  pendingTimer = requestAnimationFrame(() => {
    pendingTimer = undefined;
    main.resize();
    const id = nextRequestId++;
    latestWindowRequest = id;
    requestedAt = performance.now();
    post({
      type: 'requestWindow',
      requestId: id,
      offset: view.offset.toString(),
      length: view.length.toString(),
      maxExtents: Math.min(1_000_000, main.width * 2),
      binCount: Math.min(32_768, main.width),
    });
    busy(true);
  }) as unknown as number;
}

let busyTimer: number | undefined;
function busy(on: boolean): void {
  document.body.dataset.busy = on ? '1' : '0';
  if (busyTimer !== undefined) clearTimeout(busyTimer);
  busyTimer = undefined;
  if (on) busyTimer = window.setTimeout(() => progress.removeAttribute('hidden'), 200);
  else if (!progressText.textContent) progress.setAttribute('hidden', '');
}

function setView(v: ViewWindow): void {
  const minLen = BigInt(Math.max(16, main.width));
  const next = clampView(v, span, minLen < span ? minLen : span);
  if (next.offset === view.offset && next.length === view.length) return;
  view = next;
  // VS Code keeps this across the panel being hidden and shown again (retainContextWhenHidden off)
  if (summary) setState({ path: summary.path, offset: view.offset.toString(), length: view.length.toString() } satisfies SavedView);
  redraw();
  requestWindow();
  updateHover();
}

interface SavedView {
  path: string;
  offset: string;
  length: string;
}

function zoom(factor: number, anchorX?: number): void {
  const x = anchorX ?? main.width / 2;
  const anchor = main.offsetAt(view, x);
  let len = scaleBig(view.length, factor);
  if (len === view.length) len = factor < 1 ? view.length - 1n : view.length + 1n;
  len = maxBig(1n, minBig(len, span));
  // keep the byte under the cursor under the cursor
  const rel = ((anchor - view.offset) * len) / maxBig(1n, view.length);
  setView({ offset: anchor - rel, length: len });
}

function pan(bytes: bigint): void {
  setView({ offset: view.offset + bytes, length: view.length });
}

// ---- hover, tooltip, selection -------------------------------------------------------------

function updateHover(): void {
  if (lastHoverX === undefined || tooltipSuppressed) return;
  showHit(hitTest(data, main.offsetAt(view, lastHoverX)), lastHoverX);
}

let hoverAnnounce: number | undefined;
function showHit(h: Hit | undefined, x: number): void {
  if (!h) {
    tooltip.setAttribute('hidden', '');
    hover = undefined;
    redraw();
    return;
  }
  hover = { offset: h.offset, length: h.length };
  // screen readers hear the hovered range once the pointer rests (not on every move)
  if (hoverAnnounce !== undefined) clearTimeout(hoverAnnounce);
  hoverAnnounce = window.setTimeout(() => announce(hitLabel(h)), 600);
  tooltip.replaceChildren(...describeHit(h));
  tooltip.removeAttribute('hidden');
  const cssX = x / main.dpr;
  const wrapW = mapWrap.clientWidth;
  const tw = tooltip.offsetWidth;
  tooltip.style.left = `${Math.max(0, Math.min(wrapW - tw, cssX + 12))}px`;
  tooltip.style.top = `${mapCanvas.offsetTop + mapCanvas.offsetHeight + 4}px`;
  redraw();
}

function hitLabel(h: Hit): string {
  const what =
    h.kind === 'extent'
      ? CLASS_LABELS[classOf(h.extent.flags, h.extent.refcount)]
      : h.kind === 'hole'
        ? l10n.t('Hole')
        : h.extents !== undefined
          ? l10n.t(
              'One pixel with {0} extents, {1}% allocated,',
              groupDigits(BigInt(h.extents)),
              fractionPercent(h.fractions.reduce((x, f) => x + f, 0)),
            )
          : l10n.t('One pixel (sampled)');
  return l10n.t('{0} from {1} to {2}, {3}', what, groupDigits(h.offset), groupDigits(h.offset + h.length), humanBytes(h.length));
}

function select(h: Hit): void {
  selection = { offset: h.offset, length: h.length };
  mapCursor = h.kind === 'hole' ? h.nextIndex : h.kind === 'bin' ? h.firstIndex : undefined;
  if (h.kind === 'extent' && h.extent.index !== undefined) table.select(h.extent.index, false, false, false);
  announce(l10n.t('Selected: {0}', hitLabel(h)));
  document.body.dataset.selection = `${h.offset}:${h.length}`;
  redraw();
}

/** A row chosen in the table (or via N/P): select its range on the map, zooming if asked. */
function selectExtent(row: WireExtent, zoomTo: boolean, fromMap: boolean): void {
  const off = BigInt(row.offset);
  const len = BigInt(row.length);
  selection = { offset: off, length: len };
  mapCursor = undefined;
  document.body.dataset.selection = `${off}:${len}`;
  // (a row the table selected itself is not selected again: that would drop a shift-extended range)
  if (!fromMap && row.index !== table.activeIndex) table.select(row.index ?? table.activeIndex, false, false, false);
  if (zoomTo) {
    const pad = len / 8n;
    setView({ offset: off - minBig(off, pad), length: len + 2n * pad });
  } else if (off + len <= view.offset || off >= view.offset + view.length) {
    setView({ offset: off + len / 2n - view.length / 2n, length: view.length }); // centre it, keep the zoom
  }
  announce(
    l10n.t(
      'Selected extent {0}: {1} from {2} to {3}, {4}',
      row.index !== undefined ? extentNumber(row.index) : '',
      CLASS_LABELS[classOf(row.flags, row.refcount)],
      groupDigits(off),
      groupDigits(off + len),
      humanBytes(len),
    ),
  );
  redraw();
}

// ---- input ---------------------------------------------------------------------------------

let drag: { x: number; offset: bigint; moved: boolean } | undefined;
mapCanvas.addEventListener('pointerdown', (e) => {
  mapCanvas.setPointerCapture(e.pointerId);
  drag = { x: main.eventX(e), offset: view.offset, moved: false };
});
mapCanvas.addEventListener('pointermove', (e) => {
  const x = main.eventX(e);
  if (drag) {
    const dx = x - drag.x;
    if (Math.abs(dx) > 3) drag.moved = true;
    if (drag.moved) {
      const dBytes = (BigInt(Math.round(dx * 1024)) * view.length) / (BigInt(main.width) * 1024n);
      setView({ offset: drag.offset - dBytes, length: view.length });
    }
  }
  lastHoverX = x;
  tooltipSuppressed = false;
  updateHover();
});
mapCanvas.addEventListener('pointerup', (e) => {
  const wasDrag = drag?.moved;
  drag = undefined;
  if (wasDrag) return;
  const h = hitTest(data, main.offsetAt(view, main.eventX(e)));
  if (h) select(h);
});
mapCanvas.addEventListener('pointerleave', () => {
  lastHoverX = undefined;
  tooltip.setAttribute('hidden', '');
  hover = undefined;
  redraw();
});
mapCanvas.addEventListener('dblclick', (e) => {
  const h = hitTest(data, main.offsetAt(view, main.eventX(e)));
  if (h) setView({ offset: h.offset, length: h.length });
});
mapCanvas.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const d = e.deltaX || e.deltaY;
      pan((BigInt(Math.round(d)) * view.length) / BigInt(Math.max(1, main.width)));
      return;
    }
    zoom(Math.pow(1.0015, e.deltaY), main.eventX(e));
  },
  { passive: false },
);

function stepExtent(dir: 1 | -1): void {
  const cur = table.activeIndex;
  let next: number;
  if (mapCursor !== undefined) next = dir > 0 ? mapCursor : mapCursor - 1;
  else if (cur >= 0) next = cur + dir;
  else if (data?.firstIndex !== undefined) next = data.firstIndex;
  else next = 0;
  if (next < 0 || next >= table.rowCount) return;
  table.select(next, false, false, true);
}

/** Keyboard zoom and pan move the map under a resting pointer: hide the tooltip until it moves. */
function hideTooltip(): void {
  tooltipSuppressed = true;
  tooltip.setAttribute('hidden', '');
  hover = undefined;
  redraw();
}

mapCanvas.addEventListener('keydown', (e) => {
  if (['+', '=', '-', '_', 'ArrowLeft', 'ArrowRight', 'Home', 'End', '0'].includes(e.key)) hideTooltip();
  const step = e.shiftKey ? view.length / 2n : view.length / 10n;
  switch (e.key) {
    case '+':
    case '=':
      zoom(0.5, lastHoverX);
      break;
    case '-':
    case '_':
      zoom(2, lastHoverX);
      break;
    case 'ArrowLeft':
      pan(-maxBig(1n, step));
      break;
    case 'ArrowRight':
      pan(maxBig(1n, step));
      break;
    case 'Home':
      setView({ offset: 0n, length: view.length });
      break;
    case 'End':
      setView({ offset: span - view.length, length: view.length });
      break;
    case '0':
      setView({ offset: 0n, length: span });
      break;
    case 'n':
    case 'N':
      stepExtent(1);
      break;
    case 'p':
    case 'P':
      stepExtent(-1);
      break;
    case 'Enter':
    case ' ': {
      const h = hitTest(data, main.offsetAt(view, lastHoverX ?? main.width / 2));
      if (h) select(h);
      break;
    }
    case 'Escape':
      selection = undefined;
      redraw();
      break;
    default:
      return;
  }
  e.preventDefault();
});

// overview strip: click or drag to centre the view there
let stripDrag = false;
const stripGo = (e: PointerEvent): void => {
  const at = strip.offsetAt({ offset: 0n, length: span }, strip.eventX(e));
  setView({ offset: at - view.length / 2n, length: view.length });
};
overviewCanvas.addEventListener('pointerdown', (e) => {
  stripDrag = true;
  overviewCanvas.setPointerCapture(e.pointerId);
  stripGo(e);
});
overviewCanvas.addEventListener('pointermove', (e) => {
  if (stripDrag) stripGo(e);
});
overviewCanvas.addEventListener('pointerup', () => {
  stripDrag = false;
});

btnRefresh.addEventListener('click', () => {
  post({ type: 'refresh' });
  busy(true);
});
btnZoomIn.addEventListener('click', () => zoom(0.5));
btnZoomOut.addEventListener('click', () => zoom(2));
btnReset.addEventListener('click', () => setView({ offset: 0n, length: span }));
btnCopy.addEventListener('click', () => table.copy('selection'));
btnJson.addEventListener('click', () => post({ type: 'export', format: 'json' }));
btnCsv.addEventListener('click', () => post({ type: 'export', format: 'csv' }));

new ResizeObserver(() => {
  if (main.resize() || strip.resize()) {
    redraw();
    requestWindow();
  }
}).observe(mapWrap);

onThemeChange(() => {
  palette = readPalette();
  drawNow();
});

// ---- host messages -------------------------------------------------------------------------

/** What each summary term means (its tooltip): one vocabulary for the map, the table and the CLI. */
const VOCABULARY: Record<string, string | undefined> = {
  Allocated: l10n.t(
    'Allocated: bytes in all extents, unwritten (preallocated) ones included; what the file takes on disk, uncompressed (compressed extents, flagged encoded, take less).',
  ),
  Data: l10n.t('Data: bytes in written extents, the ranges SEEK_DATA reports (allocated minus unwritten).'),
  Unwritten: l10n.t('Unwritten: allocated but never written (preallocated); reads as zeros; SEEK_DATA skips it.'),
  Sparse: l10n.t('Sparse: the part of the logical size that is holes (no extent at all).'),
  Shared: l10n.t('Shared: allocated bytes that another file (a clone) also uses.'),
};

/** Why a summary covers only the first extents of a file (extentLens.inspector.maxExtents). */
function limitNote(s: WireSummary): string {
  return l10n.t(
    'The file has more extents than the inspector holds (the extentLens.inspector.maxExtents setting): the figures count the first {0} extents, up to byte {1}. The map reads the rest as you look.',
    groupDigits(BigInt(s.extentCount)),
    groupDigits(BigInt(s.truncatedAt ?? '0')),
  );
}

function showSummary(s: WireSummary): void {
  const size = BigInt(s.size);
  const alloc = BigInt(s.allocated);
  // A pending summary (a preview while the full map is read) knows the size, the block count
  // and the volume; the figures that need every extent say they are still being counted.
  const counting = l10n.t('counting…');
  const unwritten = BigInt(s.unwrittenBytes);
  const dataBytes = alloc > unwritten ? alloc - unwritten : 0n;
  const bytes = (v: bigint): string => l10n.t('{0} bytes ({1})', groupDigits(v), humanBytes(v));
  // An SMB server (and Windows without retrieval pointers) reports allocated ranges only.
  const rangesOnly = s.source === 'allocated-ranges';
  // SEEK_DATA has no shared flag: on a volume that can clone (APFS) sharing is not known; where
  // nothing can be shared (tmpfs) 0 is the truth.
  const seekOnly = s.source === 'seek' && s.supportsClone !== false;
  // [stable key (tests, CSS), label, value, tooltip]
  const rows: [string, string, string, string?][] = [
    ['Logical size', l10n.t('Logical size'), bytes(size)],
    s.pending
      ? ['Allocated', l10n.t('Allocated'), l10n.t('{0} bytes ({1}), from the block count', groupDigits(alloc), humanBytes(alloc))]
      : ['Allocated', l10n.t('Allocated'), bytes(alloc)],
    ['Data', l10n.t('Data'), s.pending ? counting : bytes(dataBytes)],
    [
      'Sparse',
      l10n.t('Sparse'),
      s.pending ? l10n.t('about {0}% holes', fractionPercent(s.sparseRatio)) : l10n.t('{0}% holes', fractionPercent(s.sparseRatio)),
    ],
    s.pending
      ? ['Extents', l10n.t('Extents'), l10n.t('{0} read so far, {1}', groupDigits(BigInt(s.extentCount)), counting)]
      : s.truncatedAt !== undefined
        ? [
            'Extents',
            l10n.t('Extents'),
            l10n.t(
              'more than {0}: the first {0} are read, up to byte {1}',
              groupDigits(BigInt(s.extentCount)),
              groupDigits(BigInt(s.truncatedAt)),
            ),
            limitNote(s),
          ]
        : ['Extents', l10n.t('Extents'), groupDigits(BigInt(s.extentCount))],
    s.pending
      ? ['Shared', l10n.t('Shared'), counting]
      : rangesOnly
        ? ['Shared', l10n.t('Shared'), l10n.t('not reported (allocated ranges only)')]
        : seekOnly
          ? ['Shared', l10n.t('Shared'), l10n.t('not reported (SEEK_DATA gives data ranges only)')]
          : [
              'Shared',
              l10n.t('Shared'),
              l10n.t(
                '{0} bytes ({1} of allocated)',
                groupDigits(BigInt(s.sharedBytes)),
                percentOf(BigInt(s.sharedBytes), maxBig(1n, alloc)),
              ),
            ],
    ['Unwritten', l10n.t('Unwritten'), s.pending ? counting : bytes(unwritten)],
    ['File system', l10n.t('File system'), l10n.t('{0}, {1}-byte blocks', s.filesystem, groupDigits(BigInt(s.blockSize)))],
    [
      'Block cloning',
      l10n.t('Block cloning'),
      s.supportsClone === undefined ? l10n.t('unknown') : s.supportsClone ? l10n.t('supported') : l10n.t('not supported'),
      s.cloneEvidence,
    ],
    rangesOnly
      ? [
          'Map source',
          l10n.t('Map source'),
          l10n.t('allocated ranges only (FSCTL_QUERY_ALLOCATED_RANGES)'),
          l10n.t(
            'The server reports only where data is allocated: no extents, physical offsets, flags or sharing. Holes and data are exact in a file marked sparse (one that is not is given as one range: see the note); Shared and Unwritten are not known.',
          ),
        ]
      : ['Map source', l10n.t('Map source'), s.source],
  ];
  summaryEl.replaceChildren();
  // Figures counted over the extents read: a map cut at the limit says so on each of them.
  const counted = new Set(['Allocated', 'Data', 'Sparse', 'Shared', 'Unwritten']);
  for (const [key, k, v, ownTip] of rows) {
    const own = ownTip ?? VOCABULARY[key];
    const tip = s.truncatedAt !== undefined && counted.has(key) ? [own, limitNote(s)].filter(Boolean).join(' ') : own;
    // <div> groups inside <dl> are valid HTML and keep each term beside its value in the grid
    const pair = el('div', { class: 'kv', 'data-key': key });
    const dd = el('dd', tip ? { title: tip } : {});
    dd.appendChild(breakable(v));
    if (tip) dd.appendChild(el('span', { class: 'codicon codicon-info', 'aria-label': tip }));
    pair.append(el('dt', {}, k), dd);
    summaryEl.append(pair);
  }
  notesEl.replaceChildren(...(s.notes ?? []).map((n) => el('li', {}, withHumanSizes(n))));
  notesEl.toggleAttribute('hidden', !s.notes?.length);
  title.textContent = s.name;
  title.title = s.path;
}

onHostMessage((m: HostMessage) => {
  switch (m.type) {
    case 'summary': {
      const first = !summary;
      const prevSpan = span;
      summary = m.summary;
      showSummary(m.summary);
      span = maxBig(1n, BigInt(m.summary.size));
      if (first || span !== prevSpan) {
        view = { offset: 0n, length: span };
        data = undefined;
      } // else keep drawing the previous window until the fresh one arrives (no flash on refresh)
      const saved = first ? getState<SavedView>() : undefined;
      if (saved?.path === m.summary.path && /^\d+$/.test(saved.offset) && /^\d+$/.test(saved.length)) {
        view = clampView({ offset: BigInt(saved.offset), length: BigInt(saved.length) }, span, 1n);
      }
      document.body.dataset.pending = m.summary.pending ? '1' : '0';
      // The table needs every extent: while the summary is pending it stays empty and the
      // progress of the full read stays on screen.
      table.reset(m.summary.pending ? 0 : m.summary.extentCount, span);
      table.setNote(
        m.summary.pending
          ? l10n.t('The table fills in when every extent has been read.')
          : m.summary.truncatedAt !== undefined
            ? l10n.t(
                'The table holds the first {0} extents, up to byte {1} (the extentLens.inspector.maxExtents setting).',
                groupDigits(BigInt(m.summary.extentCount)),
                groupDigits(BigInt(m.summary.truncatedAt)),
              )
            : '',
      );
      banner.setAttribute('hidden', '');
      delete document.body.dataset.stale;
      if (!m.summary.pending) {
        progressText.textContent = '';
        progress.setAttribute('hidden', '');
      }
      requestWindow();
      redraw();
      break;
    }
    case 'overview': {
      overview = m.window;
      const ovSpan = BigInt(m.window.length);
      if (ovSpan > span) {
        // extents past EOF (preallocated with KEEP_SIZE): let the map reach them
        const whole = view.offset === 0n && view.length === span;
        span = ovSpan;
        if (whole) view = { offset: 0n, length: span };
        requestWindow();
      }
      // first paint one round trip sooner: the overview covers the whole file, so while the
      // view is the whole file it can stand in for the window being asked for
      if (!data && view.offset === 0n && view.length === ovSpan) data = overview;
      redraw();
      break;
    }
    case 'window':
      if (m.requestId < latestWindowRequest) return; // stale: a newer view was asked for
      data = m.window;
      busy(false);
      document.body.dataset.windowMode = m.window.extents ? 'exact' : m.window.sampled ? 'sampled' : 'bins';
      document.body.dataset.windowExtents = String(m.window.extentCount);
      updateHover();
      drawNow();
      // time from navigation start to the first drawn window, and from asking for a window to
      // having drawn it (the benchmark reads both)
      document.body.dataset.firstDrawMs ??= String(Math.round(performance.now()));
      document.body.dataset.windowLatencyMs = (performance.now() - requestedAt).toFixed(1);
      break;
    case 'rows':
      table.receive(m.start, m.total, m.rows);
      break;
    case 'selectRange': {
      const off = BigInt(m.offset);
      const len = BigInt(m.length);
      selection = { offset: off, length: len };
      setView({ offset: off - len / 8n, length: len + len / 4n + 1n });
      redraw();
      break;
    }
    case 'progress':
      progressText.textContent = m.message;
      if (m.done !== undefined && m.total !== undefined && BigInt(m.total) > 0n) {
        progressBar.removeAttribute('indeterminate');
        progressBar.setAttribute('value', String(Number((BigInt(m.done) * 100n) / BigInt(m.total))));
        progressBar.setAttribute('max', '100');
      } else progressBar.setAttribute('indeterminate', '');
      progress.removeAttribute('hidden');
      break;
    case 'error':
      bannerCode.textContent = m.code;
      // After a read that worked (the file deleted since, say), what is below is from that read:
      // dimmed, and the banner says so. Before any (a FIFO, a missing file) there is nothing to
      // show: no empty map, axis or table under the banner.
      bannerText.textContent = summary ? `${m.message} ${l10n.t('The figures below are from the last read.')}` : m.message;
      document.body.dataset.stale = summary ? 'last-read' : 'nothing-read';
      banner.removeAttribute('hidden');
      progressText.textContent = '';
      busy(false);
      progress.setAttribute('hidden', '');
      break;
    case 'copied': {
      const what = copies.get(m.requestId);
      if (!what) break;
      copies.delete(m.requestId);
      showCopied(what, m.ok, m.error);
      break;
    }
    default:
      break; // cloneResults is for the other view
  }
});

post({ type: 'ready' });
redraw();
