// The Space view's export: what the JSON and CSV buttons write — the files the table shows, in its
// order (as sorted) — said on the buttons ("of all N files" or "of the N files shown"), and the
// `export` message that asks the host for it (with a filter or a zoom, the filter and the folder).
import type { WebviewMessage } from '../../src/protocol/messages';
import { groupDigits } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';

/** What the table shows: its files in order, the filter text, the zoomed folder ('' = none). */
export interface Shown {
  order: readonly number[];
  filter: string;
  folder: string;
}

const narrowed = (s: Shown): boolean => s.filter !== '' || s.folder !== '';

/** Label each export button with what it writes; `data-exports` is "all" or "shown" (for tests). */
export function labelExportButtons(buttons: ReadonlyArray<readonly [HTMLElement, 'JSON' | 'CSV']>, s: Shown): void {
  const n = s.order.length;
  const count = groupDigits(BigInt(n));
  for (const [b, fmt] of buttons) {
    const label = narrowed(s)
      ? n === 1
        ? l10n.t('Export {0} of the one file shown, in the table’s order…', fmt)
        : l10n.t('Export {0} of the {1} files shown, in the table’s order…', fmt, count)
      : l10n.t('Export {0} of all {1} files, in the table’s order…', fmt, count);
    b.setAttribute('label', label);
    b.title = label;
    b.dataset.exports = narrowed(s) ? 'shown' : 'all';
  }
}

/** The export message: the files in the table's order; with a filter or a zoom, those and the filter (and folder). */
export function exportMessage(format: 'json' | 'csv', s: Shown): WebviewMessage {
  return {
    type: 'export',
    format,
    shown: [...s.order],
    ...(narrowed(s) ? { filter: s.filter } : {}),
    ...(s.folder !== '' ? { folder: s.folder } : {}),
  };
}
