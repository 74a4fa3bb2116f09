// The Space view's page: its elements, built once (toolbar, progress, banner, totals, legend,
// breadcrumb, treemap canvas, filter, the table's host), and the treemap's colours from the theme.
// Behaviour is elsewhere (main.ts wires it; legend.ts says what the colours mean).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { el } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { bannerBox, spinnerLine, toolbarButton } from '../shared/view-parts';
import type { TreemapColors } from './treemap';
import { legendEl } from './legend';
import { createAnnouncer } from '../shared/announcer';

const app = document.getElementById('app')!;
app.className = 'space';

const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': l10n.t('Space usage') });
toolbar.append(el('h1', { class: 'title' }, l10n.t('Space usage')), el('span', { class: 'spacer' }));
const tb = (icon: string, label: string, id: string): HTMLElement => toolbarButton(toolbar, icon, label, id);
export const btnRefresh = tb('refresh', l10n.t('Refresh: analyze the same selection again'), 'btn-refresh');
export const btnInspect = tb('go-to-file', l10n.t('Open in the inspector'), 'btn-inspect');
export const btnReveal = tb('files', l10n.t('Reveal in Explorer'), 'btn-reveal');
export const btnJson = tb('json', l10n.t('Export JSON…'), 'btn-export-json');
export const btnCsv = tb('table', l10n.t('Export CSV…'), 'btn-export-csv');

export const { progress, progressText, btnCancel } = spinnerLine();

export const btnRetry = el('vscode-button', { secondary: '', id: 'btn-retry' }, l10n.t('Analyze again'));
export const { banner, bannerCode, bannerText } = bannerBox(btnRetry);

export const totalsEl = el('dl', { class: 'totals', 'aria-label': l10n.t('Totals') });
export const reclaimEl = el('div', { class: 'reclaim' });
export const detailsEl = el('div', { class: 'details' });
export const crumbs = el('nav', { class: 'crumbs', 'aria-label': l10n.t('Folder shown') });
export const mapCanvas = el('canvas', {
  class: 'treemap',
  role: 'img',
  tabindex: '0',
  'aria-label': l10n.t(
    'Treemap of the selection: area is allocated bytes. Arrow keys select a file, Space zooms one folder level toward it, Backspace zooms out, Enter opens the file in the inspector.',
  ),
}) as HTMLCanvasElement;
export const filterBox = el('input', {
  type: 'search',
  class: 'filter',
  placeholder: l10n.t('Filter by path'),
  'aria-label': l10n.t('Filter by path'),
}) as HTMLInputElement;
export const filterCount = el('span', { class: 'filter-count', role: 'status' });
const filterRow = el('div', { class: 'filter-row' });
filterRow.append(filterBox, filterCount);
export const tableHost = el('div', { class: 'rows-host' });
/** What the rows are sorted by, in a narrow column where that column may be out of view (space.css). */
export const sortNote = el('p', { class: 'sort-note' });
/** The table's sideways scroll bar, on its top edge (shared/side-bar.ts; table.ts links it). */
export const sideBar = el('div', { class: 'space-side-bar', hidden: '' });
export const results = el('div', { class: 'results', hidden: '' });
results.append(totalsEl, reclaimEl, detailsEl, legendEl, crumbs, mapCanvas, filterRow, sortNote, sideBar, tableHost);
/** What an arrow key selected in the treemap, spoken (the focus stays on the canvas). */
export const live = createAnnouncer();
app.append(toolbar, progress, banner, results, live.el);

export function colors(): TreemapColors {
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
