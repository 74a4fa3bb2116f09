// The pieces every view's page is built from the same way: toolbar buttons, the spinner line
// with Cancel (long work), the error banner (filled by banner.ts's showBanner), and the folded
// list of paths a scan could not take.

import { l10n } from './l10n';
import { el } from './ui';
import { shownPath, shownText } from '../../src/protocol/shown-path';

/** A toolbar button (a codicon; the label is its accessible name and tooltip), appended to `toolbar`. */
export function toolbarButton(toolbar: HTMLElement, icon: string, label: string, id: string): HTMLElement {
  const b = el('vscode-toolbar-button', { icon, label, title: label, id });
  toolbar.appendChild(b);
  return b;
}

/**
 * Turn a toolbar button off or on. vscode-toolbar-button (2.5.1) has no `disabled` of its own:
 * the attribute greys it (theme.css), and `inert` takes its inner button out of the tab order and
 * out of reach of clicks and Enter (before, a greyed button was still a tab stop that did nothing).
 */
export function setButtonEnabled(b: HTMLElement, on: boolean): void {
  b.toggleAttribute('disabled', !on);
  b.toggleAttribute('inert', !on);
  b.setAttribute('aria-disabled', String(!on));
}

/** A progress line is spoken at most this often (its first words at once). */
const SPOKEN_PROGRESS_MS = 5000;

/**
 * What a screen reader hears of a progress line (`line`, shown by removing its `hidden`) whose
 * `text` changes with every progress message (the hosts send one every 100 ms or so): a copy of
 * the text in a live region of its own, returned for the caller to put in `line`, set at once
 * when the line appears, then at most every SPOKEN_PROGRESS_MS with the latest words. `text`
 * itself is hidden from screen readers (read once, not twice). A live line spoke every message.
 */
export function spokenProgress(line: HTMLElement, text: HTMLElement): HTMLElement {
  text.removeAttribute('role');
  text.setAttribute('aria-hidden', 'true');
  const spoken = el('span', { class: 'progress-spoken sr-only', role: 'status' });
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const speak = (): void => {
    timer = undefined;
    last = Date.now();
    spoken.textContent = text.textContent;
  };
  new MutationObserver(() => {
    if (line.hasAttribute('hidden')) {
      // the work ended: the next line is spoken at once
      clearTimeout(timer);
      timer = undefined;
      last = -Infinity;
      spoken.textContent = '';
      return;
    }
    if (spoken.textContent === text.textContent) return;
    const wait = last + SPOKEN_PROGRESS_MS - Date.now();
    if (wait <= 0) speak();
    else timer ??= setTimeout(speak, wait);
  }).observe(line, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden'] });
  return spoken;
}

/**
 * A hidden status line: a spinner, its text, and Cancel (`#btn-cancel`). The whole line,
 * Cancel included, was a live region: a screen reader spoke every progress message and
 * "Cancel" with each. Its words are spoken by spokenProgress.
 */
export function spinnerLine(): { progress: HTMLElement; progressText: HTMLElement; btnCancel: HTMLElement } {
  const progress = el('div', { class: 'progress', hidden: '' });
  const progressText = el('span', { class: 'progress-text' });
  const btnCancel = el('vscode-button', { secondary: '', id: 'btn-cancel' }, l10n.t('Cancel'));
  progress.append(
    el('span', { class: 'codicon codicon-loading codicon-modifier-spin', 'aria-hidden': 'true' }),
    progressText,
    spokenProgress(progress, progressText),
    btnCancel,
  );
  return { progress, progressText, btnCancel };
}

/** A hidden error banner: an icon, the code, the sentence, then `extra` (a Retry or Dismiss button). */
export function bannerBox(...extra: HTMLElement[]): { banner: HTMLElement; bannerCode: HTMLElement; bannerText: HTMLElement } {
  const banner = el('div', { class: 'banner', role: 'alert', hidden: '' });
  const bannerCode = el('span', { class: 'banner-code' });
  const bannerText = el('span', { class: 'banner-text' });
  banner.append(el('span', { class: 'codicon codicon-error' }), bannerCode, bannerText, ...extra);
  return { banner, bannerCode, bannerText };
}

type PathError = { path: string; code: string; message: string };

/**
 * Paths a scan could not take, folded under `failed(n)`'s summary, and apart from them (as the
 * CLI's path-problems.ts does) what was skipped on purpose: FIFOs, sockets and devices
 * (E_NOT_REGULAR), and files that changed while they were read (E_CHANGED), each folded under a
 * summary of its own. Each entry is its message (which names its code; the code goes before a
 * message that does not), the first 1,000, the path as tooltip.
 */
export function pathErrors(failed: (n: number) => string, errors: PathError[]): HTMLElement[] {
  const fold = (summary: string, list: PathError[], cls: string): HTMLElement => {
    const det = el('details', { class: cls });
    det.appendChild(el('summary', {}, summary));
    const ul = el('ul');
    for (const e of list.slice(0, 1000)) {
      const said = e.message.includes(`(${e.code})`) ? e.message : `${e.code}: ${e.message}`;
      // each line names its path (a server gone mid-search: ten "Nothing accepts SMB
      // connections …" alike), smb:// ones decoded
      const line = e.path !== '' && !e.message.includes(e.path) ? `${e.path}: ${said}` : said;
      ul.appendChild(el('li', { title: shownPath(e.path) }, shownText(line)));
    }
    det.appendChild(ul);
    return det;
  };
  const special = errors.filter((e) => e.code === 'E_NOT_REGULAR');
  const changed = errors.filter((e) => e.code === 'E_CHANGED');
  const failures = errors.filter((e) => e.code !== 'E_NOT_REGULAR' && e.code !== 'E_CHANGED');
  const parts: [PathError[], (n: number) => string, string][] = [
    [failures, failed, 'errors'],
    [
      special,
      (n) =>
        n === 1 ? l10n.t('1 special file (FIFO, socket, device) skipped') : l10n.t('{0} special files (FIFO, socket, device) skipped', n),
      'errors skipped-notes',
    ],
    [
      changed,
      (n) => (n === 1 ? l10n.t('1 file changed while it was read') : l10n.t('{0} files changed while they were read', n)),
      'errors skipped-notes',
    ],
  ];
  const out: HTMLElement[] = [];
  for (const [list, summary, cls] of parts) if (list.length) out.push(fold(summary(list.length), list, cls));
  return out;
}

/**
 * A path in a cell too narrow for it: its first folder (at most 30% of the cell), then the rest
 * cut at its start (right-to-left around a left-to-right span), so the file's own name gives way
 * last (report-view.css `.path-cell`). Cut at its start alone, "snaps/vms-2024/db/orders.db" and
 * "vms/db/orders.db" both read "…db/orders.db" (a trial).
 */
export function pathText(td: HTMLElement, rel: string): void {
  const part = (cls: string, text: string): HTMLElement => {
    const s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  };
  const first = rel.indexOf('/') + 1; // the first folder with its '/'; 0: none
  const rest = part('p-rest', '');
  rest.append(part('p-ltr', rel.slice(first)));
  td.classList.add('path-cell');
  // (its parts are flex items, which a screen reader may read apart: the whole path as its name)
  td.setAttribute('aria-label', rel);
  td.replaceChildren(...(first > 0 ? [part('p-head', rel.slice(0, first))] : []), rest);
}
