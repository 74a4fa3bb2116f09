// The inspector's toolbar: the file's name, the buttons (refresh, zoom in and out, whole file,
// copy, export JSON and CSV), what the Copy button put on the clipboard, and which buttons work
// now: with no map on screen (an error: a FIFO, a file gone) only Refresh does.
import { groupDigits } from '../../src/protocol/format';
import { initialState } from '../shared/host';
import { l10n } from '../shared/l10n';
import { el } from '../shared/ui';
import { setButtonEnabled, toolbarButton } from '../shared/view-parts';
import type { CopiedRows } from './table';

export interface Toolbar {
  toolbar: HTMLElement;
  title: HTMLElement;
  btnRefresh: HTMLElement;
  btnZoomIn: HTMLElement;
  btnZoomOut: HTMLElement;
  btnReset: HTMLElement;
  btnCopy: HTMLElement;
  btnJson: HTMLElement;
  btnCsv: HTMLElement;
  /** A copy went to the host as `requestId`. */
  copySent(requestId: number, what: CopiedRows): void;
  /** The host answered copy `requestId`: say what was copied (or why not) beside the button, for a while. */
  copied(requestId: number, ok: boolean, error?: string): void;
  /**
   * Zoom, whole file, copy and export work only while there is a map to act on; Refresh always.
   * A map with no extents (an empty file, or one all holes) has nothing to zoom into or copy:
   * `extents` false leaves only export (a header-only file) and Refresh.
   */
  enableMapControls(on: boolean, extents?: boolean): void;
  /** Run `f` on a click of `b`, unless `b` is disabled (a keyboard Enter on it, say). */
  onClick(b: HTMLElement, f: () => void): void;
}

export function createToolbar(): Toolbar {
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': l10n.t('Inspector') });
  // the file's name from the start: a file that cannot be read (a FIFO) never gets a summary to name it
  const heading = initialState<{ heading?: { name?: unknown; path?: unknown } }>()?.heading;
  const title = el('h1', { class: 'title' }, typeof heading?.name === 'string' ? heading.name : 'Extent Lens');
  if (typeof heading?.path === 'string') title.title = heading.path;
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
  const mapButtons = [btnZoomIn, btnZoomOut, btnReset, btnCopy, btnJson, btnCsv];

  let copyStatusTimer: number | undefined;
  let copyIconTimer: number | undefined;
  const showCopied = (what: CopiedRows, ok: boolean, error?: string): void => {
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
  };

  /** Copies sent to the host and not yet answered (by requestId). */
  const copies = new Map<number, CopiedRows>();
  const copySent = (requestId: number, what: CopiedRows): void => {
    copies.set(requestId, what);
  };
  const copied = (requestId: number, ok: boolean, error?: string): void => {
    const what = copies.get(requestId);
    if (!what) return;
    copies.delete(requestId);
    showCopied(what, ok, error);
  };

  const needExtents = new Set([btnZoomIn, btnZoomOut, btnReset, btnCopy]);
  const enableMapControls = (on: boolean, extents = true): void => {
    for (const b of mapButtons) {
      const off = !on || (!extents && needExtents.has(b));
      setButtonEnabled(b, !off);
    }
  };

  const onClick = (b: HTMLElement, f: () => void): void => {
    b.addEventListener('click', () => {
      if (!b.hasAttribute('disabled')) f();
    });
  };

  return {
    toolbar,
    title,
    btnRefresh,
    btnZoomIn,
    btnZoomOut,
    btnReset,
    btnCopy,
    btnJson,
    btnCsv,
    copySent,
    copied,
    enableMapControls,
    onClick,
  };
}
