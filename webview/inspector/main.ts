// The inspector webview: summary, legend, overview strip, zoomable range map and the table of
// extents for one file. It never holds the whole map: it asks the host for the visible window
// (requestWindow) and for table rows by index (requestRows), and draws what comes back.
// This file holds the view state (window, hover, selection, pending requests), the drawing and
// the host messages; the parts with one job each are beside it: controls.ts (toolbar),
// status.ts (progress, error banner), summary.ts, axis.ts, tooltip.ts, input.ts (pointer,
// wheel, keys) and table.ts. (About 450 lines: what is left is the one state they all share.)
import '../shared/lit-nonce';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '../shared/theme.css';
import './inspector.css';
import { type HostMessage, type WireExtent, type WireSummary, type WireWindow } from '../../src/protocol/messages';
import { getState, onHostMessage, post, setState } from '../shared/host';
import { readPalette, onThemeChange, type Palette } from '../shared/palette';
import { MapCanvas, type Hit } from '../shared/map-canvas';
import { clampView, maxBig, minBig, scaleBig, type ViewWindow } from '../shared/bigview';
import { createAnnouncer } from '../shared/announcer';
import { el, legend } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { RangeTable } from './table';
import { createStatus } from './status';
import { createToolbar } from './controls';
import { showSummary, tableNote } from './summary';
import { createAxis, mapLabel } from './axis';
import { createTooltip, extentLabel, hitLabel } from './tooltip';
import { bindMapInput, bindStripInput } from './input';

// ---- DOM -----------------------------------------------------------------------------------

const app = document.getElementById('app')!;
app.className = 'inspector';

const controls = createToolbar();

const status = createStatus();
const { progress, banner, busy } = status;

const summaryEl = el('dl', { class: 'summary', 'aria-label': l10n.t('Summary') });
/** What the map cannot show (the engine's notes, e.g. tmpfs's reserved pages; encoded sizes), under the summary. */
const notesEl = el('ul', { class: 'map-notes', hidden: '' });

const overviewCanvas = el('canvas', {
  class: 'overview',
  role: 'img',
  'aria-label': l10n.t('Overview of the whole file'),
  tabindex: '-1',
}) as HTMLCanvasElement;
const mapCanvas = el('canvas', { class: 'map', role: 'img', tabindex: '0', 'aria-label': l10n.t('Range map') }) as HTMLCanvasElement;
const { axis, update: updateAxis } = createAxis();
const live = createAnnouncer();
const announce = live.say;
const mapWrap = el('div', { class: 'map-wrap' });
const tooltip = createTooltip(mapWrap, mapCanvas, announce);
mapWrap.append(overviewCanvas, mapCanvas, axis, tooltip.el);
const tableRoot = el('div', { class: 'table-wrap' });

app.append(controls.toolbar, progress, banner, summaryEl, notesEl, legend(), mapWrap, live.el, tableRoot);

// ---- state ---------------------------------------------------------------------------------

let palette: Palette = readPalette();
let summary: WireSummary | undefined;
let span = 1n; // bytes the map spans: the file size (or the last extent's end past EOF)
let view: ViewWindow = { offset: 0n, length: 1n };
let data: WireWindow | undefined; // the latest window from the host
let overview: WireWindow | undefined;
let selection: ViewWindow | undefined;
/** No map to act on (an error): zoom, copy and export wait for the next summary. */
let failed = false;
/** The map has no extents (an empty file, or all holes): nothing to zoom into, from keys or buttons. */
let noExtents = false;
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

const table = new RangeTable(tableRoot, {
  requestRows: (start, count) => post({ type: 'requestRows', requestId: nextRequestId++, start, count }),
  onSelect: (row, zoom) => selectExtent(row, zoom, false),
  onCopy: (text, what) => {
    const requestId = nextRequestId++;
    controls.copySent(requestId, what);
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
  // extents past the end of the file (preallocated): a line where the file ends
  const eof = summary?.pastEof !== undefined ? { offset: BigInt(summary.size), label: l10n.t('EOF') } : undefined;
  main.draw(view, data, palette, { selection, hover, eof });
  if (main.eofX !== undefined) document.body.dataset.eofX = String(main.eofX);
  else delete document.body.dataset.eofX;
  // when a map was first on screen (ms after navigation start; the benchmark reads it)
  if (data) document.body.dataset.mapShownMs ??= String(Math.round(performance.now()));
  const whole = { offset: 0n, length: span };
  // the fill stays inside the viewport outline drawn below, so the outline never hides it
  strip.draw(whole, overview, palette, { selection, inset: Math.max(1, Math.round(strip.dpr)), eof: eof && { offset: eof.offset } });
  // the visible window as a rectangle on the overview strip
  const x0 = Math.floor(Number((view.offset * BigInt(strip.width)) / span));
  const x1 = Math.ceil(Number(((view.offset + view.length) * BigInt(strip.width)) / span));
  const lw = Math.max(1, Math.round(strip.dpr));
  strip.ctx.strokeStyle = palette.viewport;
  strip.ctx.lineWidth = lw;
  strip.ctx.strokeRect(x0 + lw / 2, lw / 2, Math.max(lw, x1 - x0 - lw), strip.height - lw);
  updateAxis(view, summary);
  mapCanvas.setAttribute('aria-label', mapLabel(summary, view));
  document.body.dataset.view = `${view.offset}:${view.length}`;
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

function setView(v: ViewWindow): void {
  if (failed) return; // an error: no map to move (the next summary brings one)
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
  if (noExtents) return;
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
  showHit(main.hitAt(view, data, lastHoverX), lastHoverX);
}

function showHit(h: Hit | undefined, x: number): void {
  if (h) tooltip.show(h, x / main.dpr, summary && pastEofFrom(summary));
  else tooltip.hide();
  hover = h ? { offset: h.offset, length: h.length } : undefined;
  redraw();
}

function select(h: Hit): void {
  selection = { offset: h.offset, length: h.length };
  mapCursor = h.kind === 'hole' ? h.nextIndex : h.kind === 'bin' || h.kind === 'pixel' ? h.firstIndex : undefined;
  if (h.kind === 'extent' && h.extent.index !== undefined) table.select(h.extent.index, false, false, false);
  // a hole or a bin is no row: the table's row is no longer what is selected (N/P go on from here)
  else table.clearSelection();
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
  if (zoomTo) fitView(off, len);
  else if (off + len <= view.offset || off >= view.offset + view.length) {
    setView({ offset: off + len / 2n - view.length / 2n, length: view.length }); // centre it, keep the zoom
  }
  announce(extentLabel(row));
  redraw();
}

/** Show the range whole, with an eighth of its length either side (table Enter, Z on the map). */
function fitView(off: bigint, len: bigint): void {
  const pad = len / 8n;
  setView({ offset: off - minBig(off, pad), length: len + 2n * pad });
}

/** Where rows start to be "past EOF": the end of the file's last block (allocated whole), when extents run past it. */
function pastEofFrom(s: WireSummary): bigint | undefined {
  if (s.pastEof === undefined) return undefined;
  const bs = BigInt(s.blockSize > 0 ? s.blockSize : 1);
  return ((BigInt(s.size) + bs - 1n) / bs) * bs;
}

// ---- input ---------------------------------------------------------------------------------

function stepExtent(dir: 1 | -1): void {
  const cur = table.activeIndex;
  let next: number;
  if (mapCursor !== undefined) next = dir > 0 ? mapCursor : mapCursor - 1;
  else if (cur >= 0) next = cur + dir;
  else if (data?.firstIndex !== undefined) next = data.firstIndex;
  else next = 0;
  if (next < 0 || next >= table.rowCount) {
    if (table.rowCount > 0)
      announce(dir > 0 ? l10n.t('No extent after this one: it is the last') : l10n.t('No extent before this one: it is the first'));
    return;
  }
  table.select(next, false, false, true);
}

/** Keyboard zoom and pan move the map under a resting pointer: hide the tooltip until it moves. */
function hideTooltip(): void {
  tooltipSuppressed = true;
  tooltip.hide();
  hover = undefined;
  redraw();
}

const actions = {
  view: () => view,
  span: () => span,
  setView,
  zoom,
  pan,
  hitAt: (x: number) => main.hitAt(view, data, x),
  select,
  step: stepExtent,
  clearSelection: () => {
    // the map, the table and the live region say the same: nothing is selected
    selection = undefined;
    mapCursor = undefined;
    delete document.body.dataset.selection;
    table.clearSelection();
    announce(l10n.t('Selection cleared'));
    redraw();
  },
  pointerAt: (x: number | undefined) => {
    lastHoverX = x;
    if (x === undefined) {
      tooltip.hide();
      hover = undefined;
      redraw();
      return;
    }
    tooltipSuppressed = false;
    updateHover();
  },
  pointerX: () => lastHoverX,
  zoomOnSelection: (factor: number) => {
    if (!selection) return false;
    // centred on it, so that it stays whole in view while it fits
    const len = maxBig(1n, minBig(scaleBig(view.length, factor), span));
    setView({ offset: selection.offset + selection.length / 2n - len / 2n, length: len });
    return true;
  },
  zoomToSelection: () => {
    if (!selection) {
      announce(l10n.t('Nothing is selected: N selects the next extent, then Z zooms to it'));
      return;
    }
    fitView(selection.offset, selection.length);
  },
  hideTooltip,
};
bindMapInput(mapCanvas, main, actions);
bindStripInput(overviewCanvas, strip, actions);

controls.onClick(controls.btnRefresh, () => {
  post({ type: 'refresh' });
  busy(true);
});
controls.onClick(controls.btnZoomIn, () => zoom(0.5));
controls.onClick(controls.btnZoomOut, () => zoom(2));
controls.onClick(controls.btnReset, () => setView({ offset: 0n, length: span }));
controls.onClick(controls.btnCopy, () => table.copy('selection'));
controls.onClick(controls.btnJson, () => post({ type: 'export', format: 'json' }));
controls.onClick(controls.btnCsv, () => post({ type: 'export', format: 'csv' }));

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

onHostMessage((m: HostMessage) => {
  switch (m.type) {
    case 'summary': {
      const first = !summary;
      const prevSpan = span;
      summary = m.summary;
      showSummary(summaryEl, notesEl, m.summary);
      controls.title.textContent = m.summary.name;
      controls.title.title = m.summary.path;
      failed = false;
      // pending: the extent count is not known yet, so zoom stays on for the preview
      noExtents = !m.summary.pending && m.summary.extentCount === 0;
      controls.enableMapControls(true, !noExtents);
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
      table.reset(m.summary.pending ? 0 : m.summary.extentCount, span, pastEofFrom(m.summary));
      table.setNote(tableNote(m.summary));
      status.clearError();
      if (!m.summary.pending) status.doneReading();
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
      status.showProgress(m);
      break;
    case 'error':
      status.showError(m.code, m.message, summary !== undefined);
      // nothing to act on (no map, or the last read's, dimmed): zoom, copy and export wait for
      // the next summary; Refresh reads again
      failed = true;
      controls.enableMapControls(false);
      break;
    case 'copied':
      controls.copied(m.requestId, m.ok, m.error);
      break;
    default:
      break; // cloneResults is for the other view
  }
});

post({ type: 'ready' });
redraw();
