// The clone-results view: one panel, reused, showing the last clone (source and destination
// maps before and after, method, bytes, calls, duration, space saved). On request it measures a
// real physical copy of the same source next to the destination, for comparison.

import * as vscode from 'vscode';
import type { CloneResultsData, HostMessage } from '../protocol/messages';
import { parseWebviewMessage, toWire } from '../protocol/messages';
import type { Services } from '../host/services';
import { CLONE_RESULTS_PANEL_TYPE } from '../host/logic/contributions';
import { comparisonCopyPath } from '../host/logic/destination';
import { errorLogLine } from '../host/logic/errors';
import { requireTrust, showFailure, withCancellableProgress } from '../host/ui';
import { describeUntrusted, setWebviewHtml, webviewOptions } from './panel-setup';
import { physicalCopy } from './physical-copy';

const t = vscode.l10n.t;

export class CloneResultsPanel implements vscode.Disposable {
  private static current: CloneResultsPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private data: CloneResultsData;
  private comparing = false;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly s: Services,
    data: CloneResultsData,
  ) {
    this.data = data;
    setWebviewHtml(panel.webview, s.context.extensionUri, 'cloneResults', t('Clone results'));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => void this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Show `data` in the (single) results panel, creating it when needed. */
  static show(s: Services, data: CloneResultsData): void {
    s.lastCloneResults = data;
    const existing = CloneResultsPanel.current;
    if (existing) {
      existing.data = data;
      existing.post({ type: 'cloneResults', data });
      existing.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      CLONE_RESULTS_PANEL_TYPE,
      t('Clone Results'),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(s.context.extensionUri), retainContextWhenHidden: false },
    );
    CloneResultsPanel.current = new CloneResultsPanel(panel, s, data);
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const msg = parseWebviewMessage(raw);
    if (!msg) {
      this.s.log.warn(`clone results: ignored malformed or unknown webview message ${describeUntrusted(raw)}`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.post({ type: 'cloneResults', data: this.data });
        return;
      case 'compareWithCopy':
        return this.compare();
      case 'copyText':
        await vscode.env.clipboard.writeText(msg.text);
        return;
      default:
        this.s.log.warn(`clone results: ignored ${msg.type} (not served by this view)`);
    }
  }

  /**
   * Copy the source byte by byte (read/write: no reflink, no copy_file_range, which may clone)
   * to a hidden temporary file in the destination's folder, time it, delete it.
   */
  private async compare(): Promise<void> {
    if (this.comparing) return;
    if (!requireTrust(this.s, t('Compare with a copy'))) return;
    this.comparing = true;
    const data = this.data;
    const tmp = comparisonCopyPath(data.destination.path);
    try {
      const result = await withCancellableProgress(t('Measuring a physical copy of {0}…', data.source.path), (signal, onProgress) =>
        physicalCopy(data.source.path, tmp, { signal, onProgress }),
      );
      const comparison = { copyMs: result.durationMs, copyBytes: toWire(result.bytes), cloneMs: data.durationMs };
      this.s.log.info(
        `compare: physical copy of ${data.source.path}: ${result.bytes} bytes in ${result.durationMs.toFixed(1)} ms ` +
          `(clone took ${data.durationMs.toFixed(1)} ms); temporary copy deleted`,
      );
      if (this.data === data) {
        this.data = { ...data, comparison };
        this.s.lastCloneResults = this.data;
        this.post({ type: 'cloneResults', data: this.data });
      }
    } catch (e) {
      this.s.log.error(errorLogLine('compare with copy', e));
      showFailure(this.s, t('Compare with a copy'), e);
    } finally {
      this.comparing = false;
    }
  }

  dispose(): void {
    if (CloneResultsPanel.current === this) CloneResultsPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
