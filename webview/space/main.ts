// The Space view: what a selection costs on disk and what deleting it would free (issue 13).
// While the host's analysis runs: its progress (files, bytes), Cancel, and the files mapped so
// far (spaceRows: the table, and the treemap redrawn at a modest rate, with the sums known so
// far; shared bytes grey until the end says with whom). Then: the totals with
// "deleting this frees N" (exact) or "between A and B" with the reason and an Exact scan
// button; a treemap of folders and files (area = allocated; exclusive / shared inside the
// selection / shared with files outside); a sortable, filterable, virtualised table. Selecting a
// file marks the files it shares extents with; double-click opens the inspector.
// (Over 400 lines: the DOM, state and message handling of one view; the model, table, treemap
// and the streaming rows are apart, in model.ts, table.ts, treemap.ts and stream.ts.)
import '../shared/lit-nonce';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '../shared/theme.css';
import '../shared/report-view.css';
import './space.css';
import type { HostMessage, SpaceData } from '../../src/protocol/messages';
import { groupDigits, humanBytes, withHumanSizes } from '../../src/protocol/format';
import { referencedNotBounds, sharingKnown, sharingSums, type SharingSums } from '../../src/protocol/space-sharing';
import { showBanner } from '../shared/banner';
import { getState, onHostMessage, post, setState } from '../shared/host';
import { onThemeChange } from '../shared/palette';
import { el } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { buildTree, fileNums, relPath, type FileNums } from './model';
import { Treemap, type TreemapColors } from './treemap';
import { SpaceTable, tableShows, type SortKey } from './table';
import { addRows, completeRows, Pacer, rowsData, type RowsSoFar } from './stream';
import { bannerBox, pathErrors, spinnerLine, toolbarButton } from '../shared/view-parts';

const app = document.getElementById('app')!;
app.className = 'space';

const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': l10n.t('Space usage') });
const title = el('h1', { class: 'title' }, l10n.t('Space usage'));
toolbar.append(title, el('span', { class: 'spacer' }));
const tb = (icon: string, label: string, id: string): HTMLElement => toolbarButton(toolbar, icon, label, id);
const btnInspect = tb('go-to-file', l10n.t('Open in the inspector'), 'btn-inspect');
const btnReveal = tb('files', l10n.t('Reveal in Explorer'), 'btn-reveal');
const btnJson = tb('json', l10n.t('Export JSON…'), 'btn-export-json');
const btnCsv = tb('table', l10n.t('Export CSV…'), 'btn-export-csv');

const { progress, progressText, btnCancel } = spinnerLine();

const btnRetry = el('vscode-button', { secondary: '', id: 'btn-retry' }, l10n.t('Analyze again'));
const { banner, bannerCode, bannerText } = bannerBox(btnRetry);
/** The streamed counts, updated with every rows message (the table and treemap redraw at a slower pace). */

const totalsEl = el('dl', { class: 'totals', 'aria-label': l10n.t('Totals') });
const reclaimEl = el('div', { class: 'reclaim' });
const detailsEl = el('div', { class: 'details' });
const legendEl = el('ul', { class: 'legend space-legend', 'aria-label': l10n.t('Legend') });
for (const [cls, label, tip] of [
  ['exclusive', l10n.t('Exclusive'), l10n.t('Bytes no other file references.')],
  ['inside', l10n.t('Shared inside the selection'), l10n.t('Shared bytes the files of the selection share with each other.')],
  [
    'outside',
    l10n.t('Shared, not within the selection'),
    l10n.t(
      'Bytes the file system reports as shared whose other references are not in the selection: other files, snapshots, or (btrfs, which flags a whole extent) other parts of the same extent.',
    ),
  ],
  [
    'pending',
    l10n.t('Shared (with whom: not known yet)'),
    l10n.t('Which files share these bytes is worked out when every file is mapped.'),
  ],
  [
    'unknown',
    l10n.t('Sharing unknown'),
    l10n.t('Files whose maps have no physical offsets (SMB): whether their bytes are shared is not known.'),
  ],
] as const) {
  const li = el('li', { title: tip, class: `legend-${cls}` });
  li.append(el('span', { class: `swatch swatch-${cls}`, 'aria-hidden': 'true' }), document.createTextNode(label));
  legendEl.appendChild(li);
}
const crumbs = el('nav', { class: 'crumbs', 'aria-label': l10n.t('Folder shown') });
const mapCanvas = el('canvas', {
  class: 'treemap',
  role: 'img',
  tabindex: '0',
  'aria-label': l10n.t(
    'Treemap of the selection: area is allocated bytes. Arrow keys select a file, Space zooms into its folder, Backspace zooms out, Enter opens the file in the inspector.',
  ),
}) as HTMLCanvasElement;
const filterBox = el('input', {
  type: 'search',
  class: 'filter',
  placeholder: l10n.t('Filter by path'),
  'aria-label': l10n.t('Filter by path'),
}) as HTMLInputElement;
const filterCount = el('span', { class: 'filter-count', role: 'status' });
const filterRow = el('div', { class: 'filter-row' });
filterRow.append(filterBox, filterCount);
const tableHost = el('div', { class: 'rows-host' });
const results = el('div', { class: 'results', hidden: '' });
results.append(totalsEl, reclaimEl, detailsEl, legendEl, crumbs, mapCanvas, filterRow, tableHost);
app.append(toolbar, progress, banner, results);

// ---- state ------------------------------------------------------------------------------------

let data: SpaceData | undefined;
let nums: FileNums[] = [];
let map: Treemap | undefined;
let table: SpaceTable | undefined;
let selected: number | undefined;
let scanning = false;
/** What the shown data is: a finished result, the files of a running analysis, or of one that stopped. */
type Shown = 'done' | 'streaming' | 'stopped';
let shown: Shown = 'done';

/** The files of the running analysis so far (at their places in the result to come). */
let stream: RowsSoFar | undefined;
/** A streaming view is redrawn at most every 500 ms (more for big trees: see Pacer). */
const redraw = new Pacer(() => stream && showData(rowsData(stream), shown === 'stopped' ? 'stopped' : 'streaming'), 500);

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

const bytes = (v: bigint): string => `${humanBytes(v)}`;
const exact = (v: bigint): string => l10n.t('{0} bytes', groupDigits(v));

function colors(): TreemapColors {
  const s = getComputedStyle(document.body);
  const v = (n: string, f: string) => s.getPropertyValue(n).trim() || f;
  return {
    exclusive: v('--el-space-exclusive', '#3794ff'),
    inside: v('--el-space-inside', '#b180d7'),
    outside: v('--el-space-outside', '#d18616'),
    unknown: v('--el-space-unknown', '#808080'),
    folder: v('--el-space-folder', '#80808033'),
    border: v('--el-track', '#80808059'),
    background: v('--el-hole', '#1e1e1e'),
    label: v('--el-foreground', '#cccccc'),
    fileLabel: v('--el-space-file-label', '#ffffff'),
    selection: v('--el-selection', '#007fd4'),
    partner: v('--el-space-partner', '#cccccc'),
  };
}

function setButtons(): void {
  const has = selected !== undefined;
  for (const b of [btnInspect, btnReveal]) b.toggleAttribute('disabled', !has);
  for (const b of [btnJson, btnCsv]) b.toggleAttribute('disabled', !data || shown !== 'done');
}

function fact(k: string, v: bigint, key: string, tip: string): void {
  const pair = el('div', { class: 'kv', 'data-key': key, title: tip });
  pair.append(el('dt', {}, k), el('dd', { title: exact(v) }, bytes(v)));
  totalsEl.appendChild(pair);
}

/** A figure that depends on sharing: unknown where no file's sharing is known. */
function unknownFact(k: string, key: string, tip: string): void {
  const pair = el('div', { class: 'kv', 'data-key': key, 'data-sharing': 'unknown', title: tip });
  pair.append(el('dt', {}, k), el('dd', {}, l10n.t('unknown')));
  totalsEl.appendChild(pair);
}

function showTotals(d: SpaceData, sums: SharingSums): void {
  const t = d.total;
  const known = sharingKnown(sums);
  totalsEl.replaceChildren();
  totalsEl.dataset.shown = shown;
  const files = el('div', { class: 'kv', 'data-key': 'files' });
  files.append(el('dt', {}, l10n.t('Files')), el('dd', {}, groupDigits(BigInt(t.files))));
  totalsEl.appendChild(files);
  fact(l10n.t('Apparent size'), BigInt(t.size), 'size', l10n.t('The sum of the files\u2019 logical sizes.'));
  fact(l10n.t('Allocated'), BigInt(t.allocated), 'allocated', l10n.t('Bytes in the files\u2019 extents, counted once per file.'));
  const sharedTip = l10n.t('Allocated bytes the file system reports as shared.');
  const exclusiveTip = l10n.t('Allocated minus shared: bytes only one file uses.');
  if (known.kind === 'known') {
    fact(l10n.t('Shared'), BigInt(t.shared), 'shared', sharedTip);
    fact(l10n.t('Exclusive'), BigInt(t.exclusive), 'exclusive', exclusiveTip);
  } else if (known.kind === 'unknown') {
    const why = l10n.t('Not known: no file here has physical offsets in its map (SMB), so what is shared cannot be told.');
    unknownFact(l10n.t('Shared'), 'shared', why);
    unknownFact(l10n.t('Exclusive'), 'exclusive', why);
  } else {
    // only the files whose sharing is known: said beside the figures
    const of = l10n.t(
      'Of the {0} files whose sharing is known; unknown for {1} (no physical offsets).',
      groupDigits(BigInt(known.knownFiles)),
      groupDigits(BigInt(known.unknownFiles)),
    );
    fact(l10n.t('Shared (known files)'), sums.knownShared, 'shared', `${sharedTip} ${of}`);
    fact(l10n.t('Exclusive (known files)'), sums.knownExclusive, 'exclusive', `${exclusiveTip} ${of}`);
  }
  reclaimEl.replaceChildren();
  detailsEl.replaceChildren();
  if (shown !== 'done') {
    // Unique and what deleting frees need every file's ranges (the sweep at the end).
    const line = el('p', { class: 'reclaim-line', 'data-exact': 'unknown' });
    line.textContent =
      shown === 'streaming'
        ? l10n.t('So far. Unique bytes and what deleting this frees: when every file is mapped.')
        : l10n.t(
            'Incomplete: the analysis stopped before every file was mapped, so unique bytes and what deleting this frees are not known.',
          );
    reclaimEl.appendChild(line);
    return;
  }
  const uniqueTip = l10n.t('Physical bytes of the selection, bytes shared inside it counted once.');
  if (known.kind === 'known') fact(l10n.t('Unique'), BigInt(t.unique), 'unique', uniqueTip);
  else if (known.kind === 'unknown')
    unknownFact(l10n.t('Unique'), 'unique', l10n.t('Not known: which bytes are shared is not known here.'));
  else
    fact(
      l10n.t('Unique (at most)'),
      BigInt(t.unique),
      'unique',
      `${uniqueTip} ${l10n.t('An upper bound: files whose sharing is unknown are counted as sharing nothing.')}`,
    );

  const lo = BigInt(t.reclaimable);
  const hi = BigInt(t.reclaimableMax);
  const line = el('p', { class: 'reclaim-line', 'data-exact': String(t.reclaimableExact) });
  if (t.reclaimableExact) {
    line.textContent = l10n.t('Deleting this frees {0}.', bytes(lo));
    line.title = exact(lo);
  } else if (lo === hi) {
    // both bounds meet, yet on an assumption (files with no physical offsets: see the notes)
    line.textContent = l10n.t('Deleting this frees {0}, not proven (see below).', bytes(lo));
    line.title = exact(lo);
  } else if (d.fileSystems.some(referencedNotBounds)) {
    line.textContent = l10n.t(
      'Deleting this frees about {0} to {1}, by the bytes referenced: not bounds (see below).',
      bytes(lo),
      bytes(hi),
    );
    line.title = `${exact(lo)} – ${exact(hi)}`;
  } else {
    line.textContent = l10n.t('Deleting this frees between {0} and {1}.', bytes(lo), bytes(hi));
    line.title = `${exact(lo)} – ${exact(hi)}`;
  }
  reclaimEl.appendChild(line);
  // several file systems: each one's part of the figure (their notes below say why a part is a range)
  if (d.fileSystems.length > 1) {
    const parts = el('ul', { class: 'reclaim-parts' });
    for (const fs of d.fileSystems) {
      const a = BigInt(fs.reclaimable);
      const b = BigInt(fs.reclaimableMax);
      const name = fs.mountPoint ? `${fs.filesystem} (${fs.mountPoint})` : fs.filesystem;
      const li = el(
        'li',
        { title: a === b ? exact(a) : `${exact(a)} – ${exact(b)}` },
        fs.reclaimableExact
          ? l10n.t('On {0}: frees {1}.', name, bytes(a))
          : a === b
            ? l10n.t('On {0}: frees {1}, not proven.', name, bytes(a))
            : referencedNotBounds(fs)
              ? l10n.t('On {0}: frees about {1} to {2}, not bounds.', name, bytes(a), bytes(b))
              : l10n.t('On {0}: frees between {1} and {2}.', name, bytes(a), bytes(b)),
      );
      parts.appendChild(li);
    }
    reclaimEl.appendChild(parts);
  }
  // Every file system's notes: why a figure is a range, and also how an exact one was found and
  // what it counts (compressed btrfs data: unique counts it uncompressed, the figure on disk).
  const notes = el('ul', { class: 'reclaim-why' });
  for (const fs of d.fileSystems)
    for (const n of fs.notes)
      notes.appendChild(
        el(
          'li',
          {},
          d.fileSystems.length > 1
            ? l10n.t('On {0}: {1}', fs.mountPoint ? `${fs.filesystem} (${fs.mountPoint})` : fs.filesystem, withHumanSizes(n))
            : withHumanSizes(n),
        ),
      );
  if (notes.childElementCount) reclaimEl.appendChild(notes);
  if (!t.reclaimableExact) {
    if (d.fileSystems.some((fs) => fs.exactScan === 'possible')) {
      const b = el(
        'vscode-button',
        { id: 'btn-exact-scan', title: l10n.t('Map every other file of the file system to find the exact figure (reads only).') },
        l10n.t('Exact scan'),
      );
      b.addEventListener('click', () => !scanning && post({ type: 'spaceScan', exactScan: true }));
      reclaimEl.appendChild(b);
    }
  }
  // the time of day it finished: a refresh (after Deduplicate, Analyze again) shows as a new time
  const took = d.durationMs < 10 ? l10n.t('under 0.01 s') : l10n.t('{0} s', (d.durationMs / 1000).toFixed(2));
  const bits: string[] = [
    d.finishedAt === undefined
      ? l10n.t('Analyzed in {0}', took)
      : l10n.t('Analyzed at {0} in {1}', new Date(d.finishedAt).toLocaleTimeString(document.documentElement.lang || undefined), took),
  ];
  if (d.exactScan) bits.push(l10n.t('exact scan'));
  if (d.symlinks)
    bits.push(d.symlinks === 1 ? l10n.t('1 symbolic link not followed') : l10n.t('{0} symbolic links not followed', d.symlinks));
  // a file with several names is one file: listed under the first name met, its other names counted here
  if (d.hardLinks)
    bits.push(
      d.hardLinks === 1
        ? l10n.t('1 more name of a file listed under another (a hard link)')
        : l10n.t('{0} more names of files listed under another (hard links)', d.hardLinks),
    );
  detailsEl.appendChild(el('p', { class: 'meta' }, bits.join(' · ')));
  if (d.errors.length)
    detailsEl.appendChild(
      pathErrors(
        d.errors.length === 1 ? l10n.t('1 path could not be accounted') : l10n.t('{0} paths could not be accounted', d.errors.length),
        d.errors,
      ),
    );
  if (known.kind !== 'known')
    detailsEl.appendChild(
      el(
        'p',
        { class: 'meta' },
        known.kind === 'unknown'
          ? l10n.t('No file here has physical offsets in its map (SMB): whether they share blocks is unknown (grey).')
          : l10n.t(
              '{0} files have no physical offsets in their maps (SMB): their sharing is unknown (grey).',
              groupDigits(BigInt(known.unknownFiles)),
            ),
      ),
    );
}

function showCrumbs(): void {
  crumbs.replaceChildren();
  if (!map || !data) return;
  const trail = map.trail();
  trail.forEach((n, i) => {
    if (i > 0) crumbs.appendChild(el('span', { class: 'sep', 'aria-hidden': 'true' }, data!.sep));
    const label = i === 0 ? n.name : n.name;
    if (i === trail.length - 1) crumbs.appendChild(el('span', { class: 'crumb current', 'aria-current': 'location' }, label));
    else {
      const a = el('button', { class: 'crumb', type: 'button' }, label);
      a.addEventListener('click', () => zoomTo(n));
      crumbs.appendChild(a);
    }
  });
}

function drawMap(): void {
  if (!map) return;
  map.layout();
  map.draw(colors());
}

/** The table lists the files under the folder the treemap is zoomed into. */
function scope(): string {
  return map && data && map.zoom.rel ? map.zoom.rel + data.sep : '';
}

function zoomTo(n: import('./model').TreeNode): void {
  if (!map) return;
  map.zoom = n;
  showCrumbs();
  drawMap();
  table?.setScope(scope());
  // a selected file outside the folder is neither drawn nor listed: Inspect and Reveal would act on a file out of sight
  if (selected !== undefined && !tableShows(nums[selected].rel, scope(), '')) select(undefined);
  updateFilterCount();
  saveState();
}

function select(file: number | undefined, opts: { scroll?: boolean } = {}): void {
  selected = file;
  const partners = new Set<number>(file === undefined || !data ? [] : data.files[file].sharesWith.map(([j]) => j));
  if (map) {
    map.selected = file;
    map.partners = partners;
    map.draw(colors());
  }
  if (table) {
    table.selected = file;
    table.partners = partners;
    if (file !== undefined && opts.scroll !== false) table.reveal(file);
    else table.render();
  }
  document.body.dataset.selected = file === undefined ? '' : String(file);
  setButtons();
  saveState();
}

function showData(d: SpaceData, how: Shown = 'done'): void {
  shown = how;
  data = d;
  document.body.dataset.shown = how;
  document.body.dataset.files = String(d.files.length);
  const scrollTop = table?.scrollTop ?? 0;
  nums = fileNums(d);
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
  if (prevZoom) {
    const find = (n: import('./model').TreeNode): import('./model').TreeNode | undefined =>
      n.rel === prevZoom
        ? n
        : (n.children ?? []).reduce<import('./model').TreeNode | undefined>((a, c) => a ?? (c.children ? find(c) : undefined), undefined);
    map.zoom = find(map.root) ?? map.root;
  }
  tableHost.replaceChildren();
  table = new SpaceTable(
    tableHost,
    nums,
    d.files.map((f) => (f.sharingUnknown ? undefined : (f.sharesWithCount ?? f.sharesWith.length))),
    { onSelect: (i) => select(i), onOpen: (i) => post({ type: 'spaceOpen', index: i }), onSort: () => saveState() },
    how !== 'done',
  );
  if (sortKey !== undefined && ['path', 'size', 'allocated', 'shared', 'exclusive', 'sharesWith'].includes(sortKey)) {
    table.sortKey = sortKey;
    table.descending = descending !== false;
  }
  table.scope = scope();
  table.setFilter(filterBox.value);
  if (how !== 'done') table.scrollTop = scrollTop;
  updateFilterCount();
  results.removeAttribute('hidden');
  showTotals(d, how !== 'done' && stream ? stream.sums : sharingSums(nums));
  showCrumbs();
  drawMap();
  select(selected !== undefined && selected < d.files.length ? selected : undefined, { scroll: false });
  if (how === 'done') document.body.dataset.state = 'done';
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
    showTotals(rowsData(stream), stream.sums);
    updateFilterCount();
  }
  redraw.schedule();
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
  filterCount.textContent = narrowed
    ? matching === 0 && rows.length > 0
      ? l10n.t('No file matches (of {0})', groupDigits(BigInt(rows.length)))
      : rows.length === 1
        ? l10n.t('{0} of 1 file', groupDigits(BigInt(matching)))
        : l10n.t('{0} of {1} files', groupDigits(BigInt(matching)), groupDigits(BigInt(rows.length)))
    : rows.length === 1
      ? l10n.t('1 file')
      : l10n.t('{0} files', groupDigits(BigInt(rows.length)));
}

// ---- input ------------------------------------------------------------------------------------

mapCanvas.addEventListener('click', (e) => {
  const n = map?.hit(e.offsetX, e.offsetY);
  if (!n) return;
  if (n.data.file !== undefined) select(n.data.file);
  else if (n.data.children) zoomTo(n.data);
});
mapCanvas.addEventListener('dblclick', (e) => {
  const n = map?.hit(e.offsetX, e.offsetY);
  if (n?.data.file !== undefined) post({ type: 'spaceOpen', index: n.data.file });
});
mapCanvas.addEventListener('mousemove', (e) => {
  const n = map?.hit(e.offsetX, e.offsetY);
  if (!n || !data) return void mapCanvas.removeAttribute('title');
  if (n.data.file === undefined) {
    mapCanvas.title = l10n.t('{0}: {1} allocated (click to zoom in)', n.data.rel || n.data.name, bytes(BigInt(Math.round(n.value ?? 0))));
    return;
  }
  const f = nums[n.data.file];
  if (f.sharingUnknown) {
    mapCanvas.title = [f.rel, l10n.t('Allocated {0}', bytes(f.allocated)), l10n.t('Sharing unknown (no physical offsets)')].join('\n');
    return;
  }
  mapCanvas.title = [
    f.rel,
    l10n.t('Allocated {0}', bytes(f.allocated)),
    l10n.t('Exclusive {0}', bytes(f.exclusive)),
    l10n.t('Shared inside the selection {0}', bytes(f.inside)),
    l10n.t('Shared, not within the selection {0}', bytes(f.outside)),
  ].join('\n');
});
/** Arrow keys: the direction they move the treemap's selection. */
const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
mapCanvas.addEventListener('keydown', (e) => {
  if (!map) return;
  const arrow = ARROWS[e.key];
  if (arrow) {
    e.preventDefault(); // not the page's scroll
    const next = map.nextFile(selected, arrow[0], arrow[1]);
    if (next !== undefined && next !== selected) select(next);
  } else if (e.key === ' ' && selected !== undefined) {
    e.preventDefault();
    const folder = map.folderOf(selected);
    if (folder) zoomTo(folder);
  } else if (e.key === 'Backspace' || e.key === 'Escape') {
    const trail = map.trail();
    if (trail.length > 1) zoomTo(trail[trail.length - 2]);
  } else if (e.key === 'Enter' && selected !== undefined) post({ type: 'spaceOpen', index: selected });
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
/** Export every file, or with a filter set or a folder zoomed into the files shown (in the result's order). */
function exportShown(format: 'json' | 'csv'): void {
  if (!data || !table) return;
  if (!filterBox.value && !table.scope) return post({ type: 'export', format });
  post({
    type: 'export',
    format,
    shown: [...table.order].sort((a, b) => a - b),
    filter: filterBox.value,
    ...(table.scope && map ? { folder: map.zoom.rel } : {}),
  });
}
btnJson.addEventListener('click', () => exportShown('json'));
btnCsv.addEventListener('click', () => exportShown('csv'));
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

onHostMessage((m) => {
  switch (m.type) {
    case 'spaceProgress': {
      scanning = true;
      banner.setAttribute('hidden', '');
      progress.removeAttribute('hidden');
      btnCancel.removeAttribute('hidden');
      if (m.files === 0) endCancelling(); // a new analysis
      document.body.dataset.state = 'scanning';
      if (cancelling) break; // "Cancelling…" stays until the analysis ends
      const n = groupDigits(BigInt(m.files));
      const b = humanBytes(BigInt(m.bytes));
      const one = m.files === 1;
      progressText.textContent = m.exactScan
        ? one
          ? l10n.t('Exact scan: {0} file, {1} mapped', n, b)
          : l10n.t('Exact scan: {0} files, {1} mapped', n, b)
        : one
          ? l10n.t('Analyzing: {0} file, {1} allocated so far', n, b)
          : l10n.t('Analyzing: {0} files, {1} allocated so far', n, b);
      if (m.message) progressText.title = m.message;
      break;
    }
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
      scanning = false;
      endCancelling();
      progress.setAttribute('hidden', '');
      redraw.cancel();
      stream = undefined;
      showData(d);
      break;
    }
    case 'error':
      scanning = false;
      endCancelling();
      progress.setAttribute('hidden', '');
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
};
post({ type: 'ready' });
