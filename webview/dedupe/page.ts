// The Dedupe view's page, built once: the toolbar (Open, Reveal, Find again), the progress line
// with Cancel, the error banner, then the results: totals, the saving line, Deduplicate (or Find
// again once it ran) and why it is disabled, the result, the search's details, the filter and the
// list's place. The other parts fill these elements; nothing here reacts to anything.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { el } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { bannerBox, spinnerLine, toolbarButton } from '../shared/view-parts';

export function buildPage(app: HTMLElement) {
  app.className = 'dedupe';
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': l10n.t('Duplicate data') });
  toolbar.append(el('h1', { class: 'title' }, l10n.t('Duplicate data')), el('span', { class: 'spacer' }));
  const tb = (icon: string, label: string, id: string): HTMLElement => toolbarButton(toolbar, icon, label, id);
  const btnInspect = tb('go-to-file', l10n.t('Open in the inspector'), 'btn-inspect');
  const btnReveal = tb('files', l10n.t('Reveal in Explorer'), 'btn-reveal');
  const btnFind = tb('refresh', l10n.t('Find again'), 'btn-find');

  const { progress, progressText, btnCancel } = spinnerLine();
  const { banner, bannerCode, bannerText } = bannerBox();

  const totals = el('dl', { class: 'totals', 'aria-label': l10n.t('Totals') });
  // focusable from script (main.ts keepFocus): the keyboard's place after a run, which the run's own buttons left
  const saving = el('p', { class: 'saving-line', tabindex: '-1' });
  const applyRow = el('div', { class: 'apply-row' });
  const btnApply = el('vscode-button', { id: 'btn-dedupe' }, l10n.t('Deduplicate'));
  /** Shown after Deduplicate ran (the plan is spent): the next step, where Deduplicate was. */
  const btnFindAgain = el('vscode-button', { id: 'btn-find-again', hidden: '' }, l10n.t('Find again'));
  const applyScope = el('span', { class: 'apply-scope' });
  const applyWhy = el('p', { class: 'apply-why', role: 'note' });
  const applyWhyText = el('span', { class: 'apply-why-text' });
  applyWhy.append(el('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), applyWhyText);
  applyRow.append(btnFindAgain, btnApply, applyScope);
  const report = el('section', { class: 'report', 'aria-label': l10n.t('Result'), hidden: '' });
  const details = el('div', { class: 'details' });
  const filterBox = el('input', {
    type: 'search',
    class: 'filter',
    placeholder: l10n.t('Filter by path'),
    'aria-label': l10n.t('Filter by path'),
  }) as HTMLInputElement;
  const filterCount = el('span', { class: 'filter-count', role: 'status' });
  const filterRow = el('div', { class: 'filter-row' });
  filterRow.append(filterBox, filterCount);
  const listHost = el('div', { class: 'rows-host' });
  const empty = el('p', { class: 'empty', hidden: '' });
  const results = el('div', { class: 'results', hidden: '' });
  results.append(totals, saving, applyRow, applyWhy, report, details, filterRow, empty, listHost);
  app.append(toolbar, progress, banner, results);
  return {
    ...{ btnInspect, btnReveal, btnFind, progress, progressText, btnCancel, banner, bannerCode, bannerText },
    ...{ totals, saving, btnApply, btnFindAgain, applyScope, applyWhy, applyWhyText, report, details },
    ...{ filterBox, filterCount, listHost, empty, results },
  };
}

export type Page = ReturnType<typeof buildPage>;
