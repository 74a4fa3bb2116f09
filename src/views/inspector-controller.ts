// One inspector: a webview (a panel opened by "Inspect Allocated Ranges", or the read-only
// custom editor "Extent Lens Inspector") bound to ONE file for its whole life. Messages
// carry no paths, so a webview can only ever act on the file it shows.
//
// Data flow: the whole-file map is read once through the engine (worker thread, packed typed
// arrays: engine.mapPacked) into a MapModel (28 bytes per extent in its columns, plus 8 per
// extent for each class present once the overview's prefix sums are built: a million data
// extents is ~36 MB), with progress; the table, the summary and every window are answered from
// it once it is in. The read starts
// when the controller is created, so it overlaps the webview's boot (~0.3-0.7 s).
// Until it is in (opening a big file, or after a change), the map does not wait for it: the
// visible window is read with bounded, windowed engine queries (map-sampler.ts) on the
// engine's quick worker lane, which never queues behind the full read. A file with more
// extents than one bounded read holds first shows a preview: a pending summary (size, block
// count, file system) and a sampled overview, then the exact map when the full read ends.
// The full read stops at extentLens.inspector.maxExtents: a model cut there answers the
// windows it covers, and bounded reads answer the rest.
// (Just over 400 lines: one controller's message handling over its one model; the model,
// columns, bins, sampler and export are already apart in map-*.ts.)

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VolumeInfo } from '../engine';
import { fromWire, parseWebviewMessage, type HostMessage, type WebviewMessage, type WireSummary } from '../protocol/messages';
import { baseName, MapModel } from './map-model';
import type { InspectorHandle, Services } from '../host/services';
import { debounce, type Debounced } from '../host/logic/debounce';
import { errorFacts, errorLogLine } from '../host/logic/errors';
import { groupNumber } from '../host/logic/bytes';
import { windowBudget } from '../host/logic/map-detail';
import { uriPartsOf } from '../host/logic/smb-uri';
import { describeUntrusted, setWebviewHtml } from './panel-setup';
import { writeExport } from './export-file';
import { showFailure } from '../host/ui';
import { readMap } from './read-map';
import { DEFAULT_SAMPLING, engineReads, pendingSummary, sampleWindow, type BoundedReads } from './map-sampler';

const t = vscode.l10n.t;

/** Debounce for auto-refresh: a file being written fires many events; refresh once. */
const AUTO_REFRESH_MS = 500;

export class InspectorController implements InspectorHandle, vscode.Disposable {
  private model: MapModel | undefined;
  /** The file changed since `model` was read (or a reload is running). */
  private stale = true;
  private loading: Promise<void> | undefined;
  private loadAbort: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private readonly refreshSoon: Debounced;
  private disposed = false;
  /**
   * The webview document now loaded has said 'ready' (it can receive messages). Cleared when
   * the panel is hidden: without retainContextWhenHidden the document is destroyed then, and
   * the new one says 'ready' again when shown.
   */
  private webviewReady = false;
  /** The preview of a big file while its full map is read (pending summary + sampled overview). */
  private preview: HostMessage[] | undefined;
  /** What opens the webview once `model` is in: its summary and overview. */
  private initial: HostMessage[] | undefined;
  /** A range to select once the view shows the map (select()). */
  private pendingRange: { offset: bigint; length: bigint } | undefined;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly path: string,
    private readonly s: Services,
    readonly kind: 'panel' | 'editor',
  ) {
    setWebviewHtml(panel.webview, s.context.extensionUri, 'inspector', t('{0} — Extent Lens', path), { name: baseName(path), path });
    this.refreshSoon = debounce(() => this.onFileChanged(), AUTO_REFRESH_MS);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => void this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.webviewReady = false;
        else if (this.stale && !this.loading) void this.reload();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('extentLens.inspector.autoRefresh')) this.setupWatcher();
        if (e.affectsConfiguration('extentLens.inspector.mapDetail')) void this.reload();
      }),
    );
    this.setupWatcher();
    s.inspectors.add(this);
    // Read the map now, while the webview boots, rather than on its 'ready'.
    void this.reload();
  }

  summary(): WireSummary | undefined {
    return this.model?.summary();
  }

  get active(): boolean {
    return this.panel.active;
  }

  reveal(): void {
    this.panel.reveal();
  }

  /**
   * Select and zoom to `range`: now if the view shows a map, else once it does (an inspector just
   * opened on a Duplicate Data range showed the whole file, the range nowhere).
   */
  select(range: { offset: bigint; length: bigint }): void {
    this.pendingRange = range;
    if (this.webviewReady && this.model && !this.stale) this.postRange();
  }

  private postRange(): void {
    const r = this.pendingRange;
    this.pendingRange = undefined;
    if (r) this.post({ type: 'selectRange', offset: r.offset.toString(), length: r.length.toString() });
  }

  changed(): void {
    this.onFileChanged();
  }

  // ---- file watching ------------------------------------------------------------------------

  private setupWatcher(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    if (!this.s.autoRefresh()) return;
    // A RelativePattern on the file's folder works for files outside the workspace too. On a
    // share the smb: file system provider watches the folder (CHANGE_NOTIFY).
    const smb = uriPartsOf(this.path);
    const pattern = smb
      ? new vscode.RelativePattern(vscode.Uri.from({ ...smb, path: path.posix.dirname(smb.path) }), path.posix.basename(smb.path))
      : new vscode.RelativePattern(vscode.Uri.file(path.dirname(this.path)), path.basename(this.path));
    const w = vscode.workspace.createFileSystemWatcher(pattern);
    w.onDidChange(() => this.refreshSoon());
    w.onDidCreate(() => this.refreshSoon());
    w.onDidDelete(() => this.refreshSoon());
    this.watcher = w;
  }

  private onFileChanged(): void {
    if (this.disposed) return;
    this.stale = true;
    this.s.log.debug(`inspector: ${this.path} changed; refreshing`);
    // A hidden webview is rebuilt when shown again (retainContextWhenHidden is off) and asks
    // with 'ready'; reading the map for an invisible panel would be wasted work.
    if (this.panel.visible) void this.reload();
  }

  // ---- messages -----------------------------------------------------------------------------

  private post(m: HostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(m);
  }

  /** Progress and errors only reach a webview that is listening; before 'ready' they are dropped. */
  private postToReady(m: HostMessage): void {
    if (this.webviewReady) this.post(m);
  }

  private readingMessage(): HostMessage {
    return { type: 'progress', message: t('Reading the extent map of {0}…', path.basename(this.path)) };
  }

  private async onMessage(raw: unknown): Promise<void> {
    const msg = parseWebviewMessage(raw);
    if (!msg) {
      this.s.log.warn(`inspector ${this.path}: ignored malformed or unknown webview message ${describeUntrusted(raw)}`);
      return;
    }
    try {
      await this.handle(msg);
    } catch (e) {
      this.s.log.error(errorLogLine(`inspector ${msg.type}`, e));
      this.post({ type: 'error', code: errorFacts(e).code, message: errorFacts(e).message });
    }
  }

  private async handle(msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready': {
        this.webviewReady = true;
        // A view rebuilt after its tab was in the background gets the last read first, as a view
        // left in front keeps it while it reads again (a file renamed meanwhile said only ENOENT)
        const last = this.model ? (this.initial ?? this.model.initialMessages()) : [];
        if (this.model && !this.stale) {
          for (const m of last) this.post(m);
          this.postRange();
        } else if (this.loading) {
          // The read started with the panel is still running: show the preview if there is
          // one, and progress; load() sends the summary and overview when it finishes (it sees
          // webviewReady).
          for (const m of this.preview ?? last) this.post(m);
          this.post(this.readingMessage());
          await this.loading;
        } else {
          for (const m of last) this.post(m);
          await this.reload();
        }
        return;
      }
      case 'refresh':
        this.stale = true;
        await this.reload();
        return;
      case 'requestWindow':
        return this.answerWindow(msg);
      case 'requestRows': {
        const model = await this.current();
        const answer = model?.answer(msg);
        if (answer) this.post(answer);
        return;
      }
      case 'export':
        return this.exportMap(msg.format);
      case 'copyText':
        return this.copyText(msg.text, msg.requestId);
      case 'compareWithCopy':
        // Only the clone-results view does this; an inspector asking for it is a stray message.
        this.s.log.warn(`inspector ${this.path}: ignored compareWithCopy (not a clone-results view)`);
        return;
    }
  }

  /** The model to answer from, waiting for a load in flight. */
  private async current(): Promise<MapModel | undefined> {
    if (this.loading) await this.loading;
    if (!this.model) await this.reload();
    return this.model;
  }

  private async answerWindow(msg: Extract<WebviewMessage, { type: 'requestWindow' }>): Promise<void> {
    const budget = windowBudget(this.s.mapDetail(), msg.maxExtents);
    const req = { ...msg, maxExtents: budget };
    const fresh = this.model && !this.stale ? this.model : undefined;
    // A model cut at the extent limit answers the windows it covers; past it, bounded reads.
    const cut = fresh?.truncatedAt;
    if (fresh && (cut === undefined || fromWire(msg.offset) + fromWire(msg.length) <= cut || !this.canSample())) {
      const a = fresh.answer(req);
      if (a) this.post(a);
      return;
    }
    if ((this.loading || fresh) && this.canSample()) {
      // The full map is being read (or read again), or the window lies past the extent limit:
      // bounded windowed queries give the visible part, exactly when it holds few extents,
      // sampled when it holds many. The whole file is what the preview's (or the cut model's)
      // overview already sampled: no need to read it twice.
      const ov = (this.preview ?? (cut !== undefined ? this.initial : undefined))?.find((m) => m.type === 'overview')?.window;
      if (ov && ov.offset === msg.offset && ov.length === msg.length) {
        this.post({ type: 'window', requestId: msg.requestId, window: ov });
        return;
      }
      const w = await sampleWindow(await this.boundedReads(), fromWire(msg.offset), fromWire(msg.length), {
        ...DEFAULT_SAMPLING,
        exactBudget: budget,
        binCount: msg.binCount ?? DEFAULT_SAMPLING.binCount,
      });
      this.post({ type: 'window', requestId: msg.requestId, window: w });
      return;
    }
    const model = await this.current();
    const a = model?.answer(req);
    if (a) this.post(a);
  }

  // ---- bounded reads (before the full map is in) ---------------------------------------------

  /** Sampling needs extent maps (not "ranges" detail) on a local file (an SMB read is not bounded). */
  private canSample(): boolean {
    return this.s.mapDetail() !== 'ranges' && !/^smb:\/\//i.test(this.path);
  }

  private async boundedReads(): Promise<BoundedReads> {
    return engineReads(await this.s.engine(), this.path);
  }

  /**
   * The first look at a file whose full map takes a while: when one bounded read cannot hold
   * the whole file, post a pending summary and a sampled overview at once. A file that fits
   * gets nothing here: its full read is about as quick.
   */
  private async showPreview(signal: AbortSignal, volumeP: Promise<VolumeInfo | undefined>): Promise<void> {
    const st = await fs.promises.stat(this.path, { bigint: true });
    const overview = await sampleWindow(await this.boundedReads(), 0n, st.size > 0n ? st.size : 1n, DEFAULT_SAMPLING);
    if (!overview.sampled || signal.aborted || this.disposed || (this.model && !this.stale)) return;
    const summary = pendingSummary(
      { path: this.path, name: path.basename(this.path), size: st.size, blocks: st.blocks },
      overview,
      await volumeP,
    );
    if (signal.aborted || this.disposed || (this.model && !this.stale)) return;
    this.preview = [
      { type: 'summary', summary },
      { type: 'overview', window: overview },
    ];
    this.s.log.info(`inspect ${this.path}: preview from ${overview.extentCount} extents read in bounded queries; reading the full map`);
    if (this.webviewReady) for (const m of this.preview) this.post(m);
  }

  // ---- loading ------------------------------------------------------------------------------

  /** Read the map again (cancelling a read in flight) and send the summary and overview. */
  reload(): Promise<void> {
    this.loadAbort?.abort();
    const abort = new AbortController();
    this.loadAbort = abort;
    this.stale = true;
    const run = this.load(abort.signal).finally(() => {
      if (this.loading === run) this.loading = undefined;
    });
    this.loading = run;
    return run;
  }

  private async load(signal: AbortSignal): Promise<void> {
    this.postToReady(this.readingMessage());
    try {
      const engine = await this.s.engine();
      const detail = this.s.mapDetail();
      const volumeP = engine.volume(this.path).catch((e: unknown) => {
        this.s.log.warn(errorLogLine('volume', e));
        return undefined;
      });
      // The first open only: a refresh keeps showing the previous map while it reads.
      if (!this.model && this.canSample()) {
        // A failed preview costs nothing but the preview: the full read reports its own errors.
        void this.showPreview(signal, volumeP).catch((e: unknown) => this.s.log.debug(errorLogLine('preview', e)));
      }
      const map = await readMap(engine, this.path, detail, volumeP, {
        signal,
        maxExtents: this.s.inspectorMaxExtents(),
        onProgress: (p) =>
          this.postToReady({
            type: 'progress',
            message: p.message ? t('Reading all extents of {0}: {1}…', path.basename(this.path), p.message) : t('Reading the extent map…'),
            done: p.done.toString(),
            total: p.total.toString(),
          }),
      });
      const volume = await volumeP;
      if (signal.aborted || this.disposed) return;
      const t0 = performance.now();
      const model = new MapModel(map, volume); // packed (full map) or Extent objects (ranges)
      // Build the overview now (cached in the model), usually before the webview has booted:
      // answering 'ready' is then only posting it. A map cut at the extent limit knows only its
      // first part: the whole-file overview comes from bounded reads instead.
      const initial =
        model.truncatedAt !== undefined && this.canSample()
          ? [
              { type: 'summary', summary: model.summary() } as HostMessage,
              {
                type: 'overview',
                window: await sampleWindow(await this.boundedReads(), 0n, model.size > 0n ? model.size : 1n, DEFAULT_SAMPLING),
              } as HostMessage,
            ]
          : model.initialMessages();
      if (signal.aborted || this.disposed) return;
      this.model = model;
      this.initial = initial;
      this.stale = false;
      this.preview = undefined;
      this.s.log.info(
        `inspect ${this.path}: ${model.count} extents via ${map.source}, size=${map.size}, ${map.calls} calls, ` +
          `${map.durationMs.toFixed(1)} ms read + ${(performance.now() - t0).toFixed(1)} ms model`,
      );
      // Before 'ready' nothing is sent: the 'ready' handler sends these from the model.
      if (this.webviewReady) {
        for (const m of initial) this.post(m);
        this.postRange();
      }
    } catch (e) {
      const f = errorFacts(e);
      if (f.cancelled && signal.aborted) return; // superseded by a newer reload
      this.s.log.error(errorLogLine(`inspect ${this.path}`, e));
      // A failure before 'ready' is not lost: 'ready' finds no model and reads again. The banner
      // says how it goes away: a trial left an ENOENT shown, not knowing that recreating the
      // file reads it again (it does while the file is watched) or that Refresh does.
      const recovery = this.watcher ? t('It is read again when the file changes; Refresh reads it now.') : t('Refresh reads it again.');
      this.postToReady({ type: 'error', code: f.code, message: `${f.message} ${recovery}` });
    }
  }

  // ---- copy ---------------------------------------------------------------------------------

  /** Put the rows the webview copied on the clipboard and, when it asks, say whether that worked. */
  private async copyText(text: string, requestId: number | undefined): Promise<void> {
    try {
      await vscode.env.clipboard.writeText(text);
      this.s.log.debug(`inspector ${this.path}: copied ${text.length} characters`);
      if (requestId !== undefined) this.post({ type: 'copied', requestId, ok: true });
    } catch (e) {
      this.s.log.error(errorLogLine(`inspector ${this.path}: copy to the clipboard`, e));
      if (requestId === undefined) throw e;
      this.post({ type: 'copied', requestId, ok: false, error: errorFacts(e).message });
    }
  }

  // ---- export -------------------------------------------------------------------------------

  private async exportMap(format: 'json' | 'csv'): Promise<void> {
    const model = await this.current();
    if (!model) return;
    const suggested = vscode.Uri.file(`${this.path}.extents.${format}`);
    const target = await vscode.window.showSaveDialog({
      defaultUri: suggested,
      title: t('Export the extent map'),
      filters: format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
    });
    if (!target) return;
    try {
      await writeExport(target, format === 'json' ? model.exportJsonChunks() : model.exportCsvChunks());
    } catch (e) {
      // the export failed, not the map: a notification (the OS error), the view stays as it is
      showFailure(this.s, t('Export the extent map'), e);
      return;
    }
    this.s.log.info(`exported ${model.count} extents of ${this.path} as ${format.toUpperCase()} to ${target.fsPath}`);
    void vscode.window.showInformationMessage(
      model.truncatedAt === undefined
        ? model.count === 1
          ? t('Exported 1 extent to {0}.', target.fsPath)
          : t('Exported {0} extents to {1}.', groupNumber(model.count), target.fsPath)
        : t(
            'Exported the first {0} extents (up to byte {1}; extentLens.inspector.maxExtents) to {2}.',
            groupNumber(model.count),
            groupNumber(model.truncatedAt),
            target.fsPath,
          ),
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.loadAbort?.abort();
    this.refreshSoon.cancel();
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
    this.s.inspectors.delete(this);
  }
}
