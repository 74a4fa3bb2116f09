// The Space view: what a selection costs on disk and what deleting it would free (issue 13).
// While the host's analysis runs: its progress (files, bytes), Cancel, and the files mapped so
// far (spaceRows: the table, and the treemap redrawn at a modest rate, with the sums known so
// far; shared bytes grey until the end says with whom). Then: the totals with "deleting this
// frees N" (totals.ts), a treemap of folders and files (treemap.ts, its mouse and keys in
// map-input.ts), a sortable, filterable, virtualised table (table.ts). Selecting a file asks
// the host whom it shares with (partners.ts) and marks them; double-click opens the inspector.
// Refresh analyses the same selection again, keeping zoom, sort, filter and the selected file.
// This file holds the view's state and wires the page (page.ts) to the host's messages; it stays
// one file (~400 lines) because every message and input changes that one state, and each part of
// the page it drives is in its own module.
import '../shared/lit-nonce';
import '../shared/theme.css';
import '../shared/report-view.css';
import './space.css';
import type { HostMessage, SpaceData } from '../../src/protocol/messages';
import { sharingSums } from '../../src/protocol/space-sharing';
import { showBanner } from '../shared/banner';
import { getState, onHostMessage, post, setState } from '../shared/host';
import { onThemeChange } from '../shared/palette';
import { setButtonEnabled } from '../shared/view-parts';
import { l10n } from '../shared/l10n';
import { buildTree, fileNums, goneSince, relPath, type FileNums, type TreeNode } from './model';
import { Treemap } from './treemap';
import { SpaceTable, tableShows, type SortKey } from './table';
import { addRows, completeRows, Pacer, rowsData, type RowsSoFar } from './stream';
import { showTotals, type Shown } from './totals';
import { Partners } from './partners';
import { bindTreemapInput } from './map-input';
import { exportMessage, labelExportButtons, type Shown as ExportShown } from './export-buttons';
import { filterCountText, nothingAccounted, progressLine } from './status';
import { showCrumbs } from './breadcrumb';
import * as page from './page';
import { legendEl, showLegend } from './legend';
import { linkSideBar } from '../shared/side-bar';

const { btnRefresh, btnInspect, btnReveal, btnJson, btnCsv, progress, progressText, btnCancel, btnRetry } = page;
const { banner, bannerCode, bannerText, crumbs, mapCanvas, filterBox, filterCount, tableHost, results } = page;

// ---- state ------------------------------------------------------------------------------------

let data: SpaceData | undefined;
let nums: FileNums[] = [];
let map: Treemap | undefined;
let table: SpaceTable | undefined;
let selected: number | undefined;
let scanning = false;
let scanAskedHere = false; // Exact scan pressed while the view had the focus: its result takes that place
let shown: Shown = 'done';
/** Files of the result before this one (a Refresh, an Exact scan) that it no longer has. */
let gone = 0;

/** The files of the running analysis so far (at their places in the result to come). */
let stream: RowsSoFar | undefined;
/** The last progress of the analysis running (the line is said again as rows come: status.ts progressLine). */
let lastProgress: Extract<HostMessage, { type: 'spaceProgress' }> | undefined;
/** A streaming view is redrawn at most every 500 ms (more for big trees: see Pacer). */
const redraw = new Pacer(() => stream && showData(rowsData(stream), shown === 'stopped' ? 'stopped' : 'streaming'), 500);

/** Whom the selected file shares with, once the host has said. */
const partners = new Partners((file, set) => file === selected && markPartners(set));

/** What the person chose (zoom, selection, filter, sort), kept while VS Code hides the view. */
interface ViewState {
  zoom?: string;
  selected?: number;
  filter?: string;
  sortKey?: SortKey;
  descending?: boolean;
}
const saved: ViewState = getState<ViewState>() ?? {};
if (typeof saved.filter === 'string') filterBox.value = saved.filter;
function saveState(): void {
  setState({
    zoom: map?.zoom.rel,
    selected,
    filter: filterBox.value,
    sortKey: table?.sortKey,
    descending: table?.descending,
  } satisfies ViewState);
}

/** The files the table shows, in its order, with the filter and the zoomed folder (what an export writes). */
function shownFiles(): ExportShown {
  return { order: table?.order ?? [], filter: filterBox.value, folder: table?.scope && map ? map.zoom.rel : '' };
}

function setButtons(): void {
  const has = selected !== undefined;
  for (const b of [btnInspect, btnReveal]) setButtonEnabled(b, has);
  for (const b of [btnJson, btnCsv]) setButtonEnabled(b, !!data && shown === 'done');
  setButtonEnabled(btnRefresh, !scanning);
  labelExportButtons(
    [
      [btnJson, 'JSON'],
      [btnCsv, 'CSV'],
    ],
    shownFiles(),
  );
}

function crumbsNow(): void {
  if (map && data) showCrumbs(crumbs, map.trail(), data.sep, zoomTo, nums, scope());
  else crumbs.replaceChildren();
}

function drawMap(): void {
  if (!map) return;
  map.layout();
  map.draw(page.colors());
}

/** The table lists the files under the folder the treemap is zoomed into. */
function scope(): string {
  return map && data && map.zoom.rel ? map.zoom.rel + data.sep : '';
}

function zoomTo(n: TreeNode): void {
  if (!map) return;
  map.zoom = n;
  crumbsNow();
  drawMap();
  table?.setScope(scope());
  // a selected file outside the folder is neither drawn nor listed: Inspect and Reveal would act on a file out of sight
  if (selected !== undefined && !tableShows(nums[selected].rel, scope(), '')) select(undefined);
  updateFilterCount();
  saveState();
}

function markPartners(set: ReadonlySet<number>): void {
  if (map) {
    map.partners = new Set(set);
    map.draw(page.colors());
  }
  if (table) {
    table.partners = new Set(set);
    table.render();
  }
}

function select(file: number | undefined, opts: { scroll?: boolean } = {}): void {
  selected = file;
  // whom it shares with: known at the end of the analysis, asked for when not known yet
  const count = file === undefined ? 0 : (data?.files[file]?.sharesWithCount ?? 0);
  const set = file === undefined || shown !== 'done' || count === 0 ? new Set<number>() : (partners.of(file) ?? new Set<number>());
  if (map) {
    map.selected = file;
    map.partners = new Set(set);
    map.draw(page.colors());
  }
  if (table) {
    table.selected = file;
    table.partners = new Set(set);
    if (file !== undefined && opts.scroll !== false) table.reveal(file);
    else table.render();
  }
  document.body.dataset.selected = file === undefined ? '' : String(file);
  setButtons();
  saveState();
}

function showData(d: SpaceData, how: Shown = 'done'): void {
  const before = data;
  const wasDone = shown === 'done';
  // the selected file keeps its selection in a new result by its path (its place may change)
  const selectedPath = selected !== undefined ? before?.files[selected]?.path : undefined;
  if (how === 'done' && before !== d) {
    partners.reset();
    gone = before && wasDone && before.files.length > 0 ? goneSince(before, d) : 0;
  }
  shown = how;
  data = d;
  document.body.dataset.shown = how;
  document.body.dataset.files = String(d.files.length);
  const scrollTop = table?.scrollTop ?? 0;
  nums = fileNums(d);
  if (selectedPath !== undefined && before !== d) {
    const i = d.files.findIndex((f) => f.path === selectedPath);
    selected = i < 0 ? undefined : i;
  }
  const unknown = new Set<number>();
  d.files.forEach((f, i) => f.sharingUnknown && unknown.add(i));
  const prevZoom = map ? map.zoom.rel : saved.zoom;
  const sortKey = table?.sortKey ?? saved.sortKey;
  const descending = table?.descending ?? saved.descending;
  if (!map && typeof saved.selected === 'number') selected = saved.selected;
  map = new Treemap(mapCanvas, buildTree(d, nums), nums, unknown);
  map.sharingPending = how !== 'done';
  legendEl.classList.toggle('pending', how !== 'done');
  legendEl.classList.toggle('has-unknown', unknown.size > 0);
  showLegend(d, nums);
  if (prevZoom) {
    const find = (n: TreeNode): TreeNode | undefined =>
      n.rel === prevZoom
        ? n
        : (n.children ?? []).reduce<TreeNode | undefined>((a, c) => a ?? (c.children ? find(c) : undefined), undefined);
    map.zoom = find(map.root) ?? map.root;
  }
  tableHost.replaceChildren();
  table = new SpaceTable(
    tableHost,
    nums,
    d.files.map((f) => (f.sharingUnknown ? undefined : (f.sharesWithCount ?? 0))),
    {
      onSelect: (i) => select(i),
      onOpen: (i) => post({ type: 'spaceOpen', index: i }),
      onSort: () => {
        showSortNote();
        saveState();
      },
    },
    how !== 'done',
  );
  if (sortKey !== undefined && ['path', 'size', 'allocated', 'shared', 'exclusive', 'sharesWith'].includes(sortKey)) {
    table.sortKey = sortKey;
    table.descending = descending !== false;
  }
  table.scope = scope();
  table.setFilter(filterBox.value);
  showSortNote();
  if (how !== 'done' || before === undefined || before.files.length === d.files.length) table.scrollTop = scrollTop;
  updateFilterCount();
  results.removeAttribute('hidden');
  // (after the results show: the bar measures the table's room to scroll sideways)
  linkSideBar(page.sideBar, tableHost)();
  showTotals(d, how !== 'done' && stream ? stream.sums : sharingSums(nums), {
    shown: how,
    onExactScan: () => {
      if (scanning) return;
      scanAskedHere = document.hasFocus();
      post({ type: 'spaceScan', exactScan: true });
    },
    gone: how === 'done' ? gone : 0,
  });
  // the Exact scan button is gone with the bounds: the keyboard's place goes to the figure it made
  if (how === 'done' && scanAskedHere && (!document.activeElement || document.activeElement === document.body)) {
    scanAskedHere = false;
    (document.querySelector('.reclaim-line') as HTMLElement | null)?.focus();
  }
  crumbsNow();
  drawMap();
  select(selected !== undefined && selected < d.files.length ? selected : undefined, { scroll: false });
  const nothing = how === 'done' ? nothingAccounted(d) : undefined;
  if (nothing) {
    results.setAttribute('hidden', '');
    document.body.dataset.state = showBanner(banner, bannerCode, bannerText, nothing) ? 'cancelled' : 'error';
  } else if (how === 'done') document.body.dataset.state = 'done';
}

function onRows(m: Extract<HostMessage, { type: 'spaceRows' }>): void {
  const before = stream;
  stream = addRows(stream, m);
  if (!stream) return;
  if (stream !== before) {
    // a new analysis: its first rows at once, nothing selected yet
    selected = undefined;
    redraw.reset();
  }
  shown = 'streaming';
  results.removeAttribute('hidden');
  // the counts follow every message; the table and the treemap at the pacer's rate
  if (data && table) {
    showTotals(rowsData(stream), stream.sums, { shown, onExactScan: () => undefined });
    updateFilterCount();
  }
  if (lastProgress && scanning && !cancelling) showProgressLine(progressLine(lastProgress, stream.sums));
  redraw.schedule();
}

/** The sort in words, for a narrow column where the sorted column may lie out of view (space.css). */
function showSortNote(): void {
  page.sortNote.textContent = table ? table.sortWords() : '';
  page.sortNote.dataset.key = table?.sortKey ?? '';
}

function updateFilterCount(): void {
  if (!table || !data) return;
  // while rows stream in, the files so far (the table catches up at its next redraw)
  const rows = shown === 'streaming' && stream ? stream.files : data.files;
  let matching = table.order.length;
  const narrowed = filterBox.value !== '' || table.scope !== '';
  if (narrowed && rows.length !== nums.length && stream) {
    const at = { base: stream.base, sep: stream.sep } as SpaceData;
    matching = 0;
    for (const x of rows) if (tableShows(relPath(at, x.path), table.scope, filterBox.value)) matching++;
  }
  filterCount.textContent = filterCountText(matching, rows.length, narrowed);
  setButtons();
}

// ---- input ------------------------------------------------------------------------------------

bindTreemapInput(mapCanvas, {
  map: () => map,
  nums: () => nums,
  selected: () => selected,
  select: (i) => select(i),
  announce: page.live.say,
  zoomTo,
  open: (i) => post({ type: 'spaceOpen', index: i }),
});
filterBox.addEventListener('input', () => {
  table?.setFilter(filterBox.value);
  // a file the filter hides is no longer selected (Open and Reveal would act on a file not shown)
  if (table && selected !== undefined && !table.order.includes(selected)) select(undefined);
  updateFilterCount();
  saveState();
});
btnInspect.addEventListener('click', () => selected !== undefined && post({ type: 'spaceOpen', index: selected }));
btnReveal.addEventListener('click', () => selected !== undefined && post({ type: 'spaceReveal', index: selected }));
btnJson.addEventListener('click', () => data && table && post(exportMessage('json', shownFiles())));
btnCsv.addEventListener('click', () => data && table && post(exportMessage('csv', shownFiles())));
btnRefresh.addEventListener('click', () => {
  if (scanning) return;
  post({ type: 'spaceRefresh' });
});
/** Cancel was clicked and the analysis has not ended yet. */
let cancelling = false;
btnCancel.addEventListener('click', () => {
  post({ type: 'spaceCancel' });
  // said at once: the host's answer follows the rows already on their way
  cancelling = true;
  progressText.textContent = l10n.t('Cancelling…');
  btnCancel.setAttribute('disabled', '');
});
function endCancelling(): void {
  cancelling = false;
  btnCancel.removeAttribute('disabled');
}
btnRetry.addEventListener('click', () => post({ type: 'spaceScan', exactScan: false }));

let resizeQueued = false;
new ResizeObserver(() => {
  if (resizeQueued) return;
  resizeQueued = true;
  requestAnimationFrame(() => {
    resizeQueued = false;
    drawMap();
  });
}).observe(mapCanvas);
onThemeChange(() => drawMap());

function onProgress(m: Extract<HostMessage, { type: 'spaceProgress' }>): void {
  scanning = true;
  setButtons();
  banner.setAttribute('hidden', '');
  progress.removeAttribute('hidden');
  btnCancel.removeAttribute('hidden');
  if (m.files === 0) endCancelling(); // a new analysis
  document.body.dataset.state = 'scanning';
  if (cancelling) return; // "Cancelling…" stays until the analysis ends
  lastProgress = m;
  showProgressLine(progressLine(m, stream?.sums));
}

function showProgressLine(line: { text: string; title: string }): void {
  progressText.textContent = line.text;
  progressText.title = line.title;
}

function stopped(): void {
  scanning = false;
  endCancelling();
  progress.setAttribute('hidden', '');
  setButtons();
}

onHostMessage((m) => {
  switch (m.type) {
    case 'spaceProgress':
      onProgress(m);
      break;
    case 'spaceRows':
      onRows(m);
      // the host sends more once these are in (flow control: the view never falls far behind)
      post({ type: 'spaceRowsSeen', upTo: m.start + m.rows.length });
      break;
    case 'space':
    case 'spaceDone': {
      // (spaceDone: the rows this view has, completed; without them, the whole result is asked for)
      const d = m.type === 'space' ? m.data : completeRows(stream, m);
      if (!d) {
        post({ type: 'ready' });
        break;
      }
      stopped();
      redraw.cancel();
      stream = undefined;
      showData(d);
      break;
    }
    case 'spacePartners':
      if (data && shown === 'done') partners.take(m, data.files.length);
      break;
    case 'error':
      stopped();
      // the files mapped before it stopped stay on show, said to be incomplete
      if (stream) {
        shown = 'stopped';
        redraw.now();
      }
      // a Cancel is a state, not a failure (neutral, no code)
      document.body.dataset.state = showBanner(banner, bannerCode, bannerText, m) ? 'cancelled' : 'error';
      break;
    default:
      break;
  }
});
setButtons();
// Until the host answers 'ready' (a large result takes a moment to arrive): not a blank page.
progress.removeAttribute('hidden');
progressText.textContent = l10n.t('Loading…');
btnCancel.setAttribute('hidden', '');
// Read-only, for the Chromium suites (test/webview/space*.test.ts): where each file is drawn.
(window as unknown as Record<string, unknown>).__extentLensSpace = {
  fileRect: (i: number) => map?.fileRect(i),
  zoomed: () => map?.zoom.rel,
  labels: () => map?.labels(),
};
post({ type: 'ready' });
