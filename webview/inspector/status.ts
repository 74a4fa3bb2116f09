// The inspector's status under the toolbar: the progress line (a long read, or a request that
// takes a while: shown after 200 ms), the busy flag tests and the benchmark read
// (body[data-busy]), and the error banner.
import type { HostMessage } from '../../src/protocol/messages';
import { withHumanSizes } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';
import { el } from '../shared/ui';
import { bannerBox, spokenProgress } from '../shared/view-parts';

interface Status {
  progress: HTMLElement;
  banner: HTMLElement;
  /** A request is out (on) or answered (off). */
  busy(on: boolean): void;
  showProgress(m: Extract<HostMessage, { type: 'progress' }>): void;
  /** The read is done: no progress line. */
  doneReading(): void;
  /**
   * An error. After a read that worked (`hadRead`: the file deleted since, say), what is below is
   * from that read: dimmed, and the banner says so. Before any (a FIFO, a missing file) there is
   * nothing to show: no empty map, axis or table under the banner.
   */
  showError(code: string, message: string, hadRead: boolean): void;
  /** A fresh summary: no error. */
  clearError(): void;
}

export function createStatus(): Status {
  const progress = el('div', { class: 'progress', hidden: '' });
  const progressBar = el('vscode-progress-bar', { indeterminate: '' });
  const progressText = el('span', { class: 'progress-text' });
  // spoken at once, then at most every few seconds (a long read sends a message every 100 ms)
  progress.append(progressBar, progressText, spokenProgress(progress, progressText));

  const bannerClose = el('vscode-toolbar-button', { icon: 'close', label: l10n.t('Dismiss') });
  const { banner, bannerCode, bannerText } = bannerBox(bannerClose);
  bannerClose.addEventListener('click', () => banner.setAttribute('hidden', ''));

  let busyTimer: number | undefined;
  const busy = (on: boolean): void => {
    document.body.dataset.busy = on ? '1' : '0';
    if (busyTimer !== undefined) clearTimeout(busyTimer);
    busyTimer = undefined;
    if (on) busyTimer = window.setTimeout(() => progress.removeAttribute('hidden'), 200);
    else if (!progressText.textContent) progress.setAttribute('hidden', '');
  };
  const doneReading = (): void => {
    progressText.textContent = '';
    progress.setAttribute('hidden', '');
  };
  return {
    progress,
    banner,
    busy,
    doneReading,
    showProgress(m) {
      // the engine counts as digits ("651264 extents"): grouped as every other figure here
      progressText.textContent = withHumanSizes(m.message);
      if (m.done !== undefined && m.total !== undefined && BigInt(m.total) > 0n) {
        progressBar.removeAttribute('indeterminate');
        progressBar.setAttribute('value', String(Number((BigInt(m.done) * 100n) / BigInt(m.total))));
        progressBar.setAttribute('max', '100');
      } else progressBar.setAttribute('indeterminate', '');
      progress.removeAttribute('hidden');
    },
    showError(code, message, hadRead) {
      bannerCode.textContent = code;
      bannerText.textContent = hadRead ? `${message} ${l10n.t('The figures below are from the last read.')}` : message;
      document.body.dataset.stale = hadRead ? 'last-read' : 'nothing-read';
      // nothing read (a FIFO, a missing file): the banner is all the view has to say, and
      // dismissing it left a blank page under a bare "Extent Lens" (a trial)
      bannerClose.style.display = hadRead ? '' : 'none';
      banner.removeAttribute('hidden');
      progressText.textContent = '';
      busy(false);
      progress.setAttribute('hidden', '');
    },
    clearError() {
      banner.setAttribute('hidden', '');
      delete document.body.dataset.stale;
    },
  };
}
