// The clone-results view: one panel, reused, showing the last clone-like operation (source and
// destination maps before and after, method, bytes, calls, duration, space saved), or every
// file of it when it handled several (a list with a total, each expandable to its maps). On
// request it measures a real physical copy of one file's source next to its destination.

import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import type { CloneResultsData, HostMessage } from '../protocol/messages';
import { parseWebviewMessage, toWire } from '../protocol/messages';
import type { Services } from '../host/services';
import { CLONE_RESULTS_PANEL_TYPE } from '../host/logic/contributions';
import { comparisonCopyPath } from '../host/logic/destination';
import { uriPartsOf } from '../host/logic/smb-uri';
import { errorLogLine } from '../host/logic/errors';
import { requireTrust, showFailure, withCancellableProgress } from '../host/ui';
import { shownPath } from '../host/logic/shown';
import { describeUntrusted, setWebviewHtml, webviewOptions } from './panel-setup';
import { physicalCopy } from './physical-copy';

const t = vscode.l10n.t;

export class CloneResultsPanel implements vscode.Disposable {
  private static current: CloneResultsPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The files of the operation shown (one, or several: Block Clone Here of a selection). */
  private items: CloneResultsData[];
  private comparing = false;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly s: Services,
    items: CloneResultsData[],
  ) {
    this.items = items;
    setWebviewHtml(panel.webview, s.context.extensionUri, 'cloneResults', t('Clone results'));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => void this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Show one result, or every file of one operation, in the (single) results panel. */
  static show(s: Services, data: CloneResultsData | readonly CloneResultsData[]): void {
    const items = Array.isArray(data) ? [...(data as readonly CloneResultsData[])] : [data as CloneResultsData];
    if (items.length === 0) return;
    s.lastCloneResults = items[items.length - 1];
    const existing = CloneResultsPanel.current;
    if (existing) {
      existing.items = items;
      existing.postResults();
      existing.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      CLONE_RESULTS_PANEL_TYPE,
      t('Clone Results'),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(s.context.extensionUri), retainContextWhenHidden: false },
    );
    CloneResultsPanel.current = new CloneResultsPanel(panel, s, items);
  }

  private postResults(): void {
    const items = this.items;
    this.post(items.length > 1 ? { type: 'cloneResults', data: items[0], items } : { type: 'cloneResults', data: items[0] });
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
        this.postResults();
        return;
      case 'compareWithCopy':
        if ((msg.item ?? 0) >= this.items.length) {
          this.s.log.warn(`clone results: ignored compareWithCopy for item ${msg.item} of ${this.items.length}`);
          return;
        }
        return this.compare(msg.item ?? 0);
      case 'copyText':
        await vscode.env.clipboard.writeText(msg.text);
        return;
      default:
        this.s.log.warn(`clone results: ignored ${msg.type} (not served by this view)`);
    }
  }

  /**
   * Copy the source with blocks of its own (the engine's copy, reflink never: its data read and
   * written, holes kept, as cp --reflink=never) to a hidden temporary file in the destination's
   * folder, time it, delete it (physical-copy.ts). On a share the bytes go through this client.
   */
  private async compare(item: number): Promise<void> {
    if (this.comparing) return;
    if (!requireTrust(this.s, t('Compare with a copy'))) return;
    this.comparing = true;
    const items = this.items;
    const data = items[item];
    const tmp = comparisonCopyPath(data.destination.path);
    try {
      const smb = uriPartsOf(tmp) ? await this.s.smbFiles() : undefined;
      const remove = (p: string): Promise<void> => (smb ? smb.remove(p, { recursive: false }) : fs.rm(p, { force: true }));
      const engine = await this.s.engine();
      const result = await withCancellableProgress(
        t('Measuring a physical copy of {0}…', shownPath(data.source.path)),
        (signal, onProgress) => physicalCopy(engine, data.source.path, tmp, { signal, onProgress }, remove),
      );
      const comparison = { copyMs: result.durationMs, copyBytes: toWire(result.bytes), cloneMs: data.durationMs };
      this.s.log.info(
        `compare: physical copy of ${data.source.path}: ${result.bytes} bytes in ${result.durationMs.toFixed(1)} ms ` +
          `written, holes kept (clone took ${data.durationMs.toFixed(1)} ms); temporary copy deleted`,
      );
      if (this.items === items) {
        const updated = { ...data, comparison };
        this.items = items.map((d, i) => (i === item ? updated : d));
        this.s.lastCloneResults = updated;
        this.postResults();
      }
    } catch (e) {
      this.s.log.error(errorLogLine('compare with copy', e));
      showFailure(this.s, t('Compare with a copy'), e);
      // the view shows "Measuring…" with its buttons disabled until it hears back
      if (this.items === items) this.postResults();
    } finally {
      this.comparing = false;
    }
  }

  dispose(): void {
    if (CloneResultsPanel.current === this) CloneResultsPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
