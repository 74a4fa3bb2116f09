// The Space view (issue 13): one panel per selection (files and folders; Analyze Space Usage
// again on the same selection reveals it and analyses again, as its Refresh does). It runs
// engine.space in the engine's worker with a cancellable progress notification, streams the
// files into the view as they are mapped (spaceRows, with the progress in files and bytes), then
// completes them with who shares with whom (the engine's onFileShared) and sends the view the
// rest of the result (spaceDone; a view without the rows gets the whole result, space). Who each
// file shares with stays here: the view asks for one file's partners when it is selected
// (spacePartners), as they are most of a result's bytes (20,000 clones of one file: 2 million
// pairs, ~30 MB, seconds across code-server's websocket). The webview names files only by their
// index in the result, so it can open, reveal or export only what was analysed. Refresh runs the
// same analysis again. Nothing is kept after the panel closes (the scan is cancelled, the rows
// and the result dropped). (Just over 400 lines: one panel's life, its streaming and its
// messages; the wire data and the exports are beside it in space-data.ts / space-export.ts.)

import * as vscode from 'vscode';
import type { Progress, SpaceFile } from '../engine';
import {
  MAX_SPACE_ROWS_MESSAGE,
  parseWebviewMessage,
  type HostMessage,
  type SpaceData,
  type SpaceWireFile,
  type SpaceWireRow,
  type SpaceWireSharing,
  type U64String,
} from '../protocol/messages';
import type { Services } from '../host/services';
import { COMMANDS, SPACE_PANEL_TYPE } from '../host/logic/contributions';
import { errorFacts, errorLogLine } from '../host/logic/errors';
import { showFailure, uriOfPath, withCancellableProgress } from '../host/ui';
import { describeUntrusted, selectionKey, setWebviewHtml, webviewOptions } from './panel-setup';
import {
  baseName,
  partnerList,
  pathSeparator,
  spaceData,
  spaceRow,
  spaceWireFile,
  StreamingBase,
  type SpacePartnerLists,
} from './space-data';
import { exportSpace } from './space-export';
import { saidGone } from './gone-file';

const t = vscode.l10n.t;

/** Least time between two progress (and rows) messages to the view. */
const PROGRESS_MS = 100;

/**
 * Rows sent at a time, before the view says it has them (spaceRowsSeen). The worker maps files
 * faster than a webview takes them in (in code-server they cross a websocket): without this the
 * messages queued up, the view fell seconds behind the scan, and a Cancel clicked then took
 * effect only when the queue had drained.
 */
const ROWS_IN_FLIGHT = 2 * MAX_SPACE_ROWS_MESSAGE;

/** The rows of a running analysis, as streamed to the view (its places in the result to come). */
interface Streamed {
  rows: SpaceWireRow[];
  /** Rows not yet posted start here. */
  posted: number;
  /** The view has the rows before this (its spaceRowsSeen); posted > seen: rows in flight. */
  seen: number;
  base: StreamingBase;
  exactScan: boolean;
  timer?: NodeJS.Timeout;
}

export class SpacePanel implements vscode.Disposable {
  /** Open Space views (for the test API). */
  static readonly open = new Set<SpacePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private data: SpaceData | undefined;
  /** Per file of `data`: the files it shares with (sent for one file at a time: spacePartners). */
  private partners: SpacePartnerLists = [];
  /** The files mapped so far, while an analysis with no result yet runs (or after it was cancelled). */
  private streamed: Streamed | undefined;
  private lastProgress: HostMessage | undefined;
  private lastError: HostMessage | undefined;
  private running: AbortController | undefined;
  /** How the last analysis ran (a refresh runs the same way). */
  private exactScan = false;
  private disposed = false;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly s: Services,
    readonly paths: readonly string[],
  ) {
    setWebviewHtml(panel.webview, s.context.extensionUri, 'space', t('Space Usage'));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => void this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
    SpacePanel.open.add(this);
  }

  /**
   * Analyse `paths` in a Space view: the one already open on the same selection (revealed and
   * analysed again, as its Refresh does), else a new one. Resolves when the analysis ends.
   */
  static async analyze(s: Services, paths: readonly string[]): Promise<SpaceData | undefined> {
    const key = selectionKey(paths);
    const open = [...SpacePanel.open].find((v) => !v.disposed && selectionKey(v.paths) === key);
    if (open) {
      open.panel.reveal();
      s.log.info('space: the view of this selection is open: revealed and analysed again');
      return open.scan(open.exactScan);
    }
    const title = paths.length === 1 ? t('Space: {0}', baseName(paths[0])) : t('Space: {0} items', paths.length);
    const panel = vscode.window.createWebviewPanel(
      SPACE_PANEL_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Active },
      // Kept while hidden: a large result (100,000 files: tens of MB) takes seconds to send and draw
      // again, which a rebuilt view would pay at every switch back to its tab.
      { ...webviewOptions(s.context.extensionUri), retainContextWhenHidden: true },
    );
    const view = new SpacePanel(panel, s, paths);
    return view.scan(false);
  }

  /**
   * Analyse again, the way each last ran, every open Space view whose selection holds one of
   * `paths` (they changed on disk, e.g. deduplicated). Returns how many views were refreshed.
   */
  static refreshCovering(paths: readonly string[]): number {
    const under = (p: string, root: string): boolean =>
      p === root || [...'/\\'].some((sep) => p.startsWith(root.endsWith(sep) ? root : root + sep));
    let n = 0;
    for (const v of SpacePanel.open) {
      if (!paths.some((p) => v.paths.some((r) => under(p, r)))) continue;
      n++;
      void v.scan(v.exactScan);
    }
    return n;
  }

  /** The result shown, if the analysis finished (test API). */
  result(): SpaceData | undefined {
    return this.data;
  }

  private post(m: HostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(m);
  }

  /**
   * Send rows mapped since the last post, unless rows are still in flight (the view's
   * spaceRowsSeen calls this again): at most ROWS_IN_FLIGHT at a time, or every row (`all`: the
   * analysis ended in an error). `from`: a reloaded view, which has none.
   */
  private postRows(opts: { from?: number; all?: boolean } = {}): void {
    const st = this.streamed;
    if (!st) return;
    clearTimeout(st.timer);
    st.timer = undefined;
    if (opts.from !== undefined) st.posted = st.seen = opts.from;
    if (st.posted > st.seen && !opts.all) return;
    const end = opts.all ? st.rows.length : Math.min(st.rows.length, st.posted + ROWS_IN_FLIGHT);
    for (let start = st.posted; start < end; start += MAX_SPACE_ROWS_MESSAGE) {
      const rows = st.rows.slice(start, Math.min(end, start + MAX_SPACE_ROWS_MESSAGE));
      this.post({ type: 'spaceRows', start, rows, base: st.base.base, sep: st.base.sep, exactScan: st.exactScan });
    }
    st.posted = end;
  }

  /** Run (or re-run, e.g. with exactScan) the analysis; a running one is cancelled first. */
  async scan(exactScan: boolean): Promise<SpaceData | undefined> {
    this.running?.abort();
    const own = new AbortController();
    this.running = own;
    this.exactScan = exactScan;
    this.lastError = undefined;
    const paths = [...this.paths];
    const what = paths.length === 1 ? paths[0] : t('{0} items', paths.length);
    this.s.log.info(`space${exactScan ? ' (exact scan)' : ''}: ${paths.join(', ')}`);
    let lastPost = 0;
    /** Files mapped so far, as the progress said (an exact scan counts the other files it maps too). */
    let mappedSoFar = 0;
    const progress = (p: Progress): void => {
      mappedSoFar = Math.max(mappedSoFar, p.files ?? 0);
      const m: HostMessage = { type: 'spaceProgress', files: p.files ?? 0, bytes: p.done.toString(), message: p.message ?? '', exactScan };
      this.lastProgress = m;
      const now = performance.now();
      if (now - lastPost >= PROGRESS_MS) {
        lastPost = now;
        this.post(m);
      }
    };
    this.lastProgress = { type: 'spaceProgress', files: 0, bytes: '0', message: '', exactScan };
    this.post(this.lastProgress);
    // The files stream into the view as they are mapped, unless a finished result is on show
    // (an exact scan of it): that stays until the new one replaces it.
    clearTimeout(this.streamed?.timer);
    const st: Streamed | undefined = this.data
      ? undefined
      : { rows: [], posted: 0, seen: 0, base: new StreamingBase(paths, pathSeparator(paths)), exactScan };
    this.streamed = st;
    // Every file's row as it is mapped (streamed into the view, when it is), then completed by
    // what the sweep adds: the host never takes in the whole rows twice (100,000 files: ~40 MB
    // from the worker, ~0.6 s of the extension host's thread in one go).
    const rows: SpaceWireRow[] = st?.rows ?? [];
    const files: SpaceWireFile[] = [];
    const partners: Array<Array<[number, U64String]>> = [];
    const onFileMapped = (f: SpaceFile, index: number): void => {
      // the places are the walk's, in order (a throw here fails the analysis)
      if (index !== rows.length) throw new Error(`the engine sent file ${index} after ${rows.length} files (out of order)`);
      rows.push(spaceRow(f));
      if (this.streamed !== st || !st) return;
      st.base.add([f.path]);
      // the first files at once, then at most every PROGRESS_MS, and none while rows are in flight
      if (st.posted > st.seen) return;
      if (st.posted === 0 || st.rows.length - st.posted >= MAX_SPACE_ROWS_MESSAGE) this.postRows();
      else st.timer ??= setTimeout(() => this.postRows(), PROGRESS_MS);
    };
    try {
      const engine = await this.s.engine();
      // The notification stays short: the folder's name, then the files and bytes so far (the view has the rest).
      const short = paths.length === 1 ? baseName(paths[0]) : what;
      const title = exactScan ? t('Exact scan for {0}…', short) : t('Analyzing space usage of {0}…', short);
      const lang = vscode.env.language;
      const r = await withCancellableProgress(title, async (signal, onProgress) => {
        const stop = AbortSignal.any([signal, own.signal]);
        const result = await engine.space(paths, {
          signal: stop,
          exactScan,
          onProgress: (p) => {
            const n = p.files ?? 0;
            const files = n.toLocaleString(lang);
            // the tracker adds the size: "18,880 files (1.86 GiB)"
            onProgress({ ...p, message: n === 1 ? t('{0} file', files) : t('{0} files', files) });
            progress(p);
          },
          onFileMapped,
          onFileShared: (index, sharing) => {
            if (index >= rows.length) throw new Error(`the engine sent the sharing of file ${index} of ${rows.length} (out of order)`);
            files[index] = spaceWireFile(rows[index], sharing);
            partners[index] = partnerList(sharing);
          },
        });
        // A Cancel taken in before the result wins, though the worker had finished: on a busy host
        // thread the worker's result can wait behind the view's Cancel, which was then ignored.
        stop.throwIfAborted();
        return result;
      });
      if (this.running !== own || this.disposed) return undefined;
      if (files.length !== rows.length) throw new Error(`the engine sent the sharing of ${files.length} of ${rows.length} files`);
      const d: SpaceData = { ...spaceData(r, paths, files), finishedAt: Date.now() };
      this.data = d;
      this.partners = partners;
      // A view that was sent the rows gets only the rest (spaceDone); else the whole result.
      const sentRows = this.streamed === st && st ? st.posted : undefined;
      clearTimeout(this.streamed?.timer);
      this.streamed = undefined;
      this.lastProgress = undefined;
      this.s.log.info(
        `space: ${d.files.length} files, allocated ${r.total.allocated}, unique ${r.total.unique}, reclaimable ` +
          (r.total.reclaimableExact ? `${r.total.reclaimable} (exact)` : `${r.total.reclaimable}..${r.total.reclaimableMax}`) +
          `, ${r.errors.length} errors, ${r.durationMs.toFixed(0)} ms`,
      );
      if (sentRows === undefined) this.post({ type: 'space', data: d });
      else
        this.post({
          type: 'spaceDone',
          start: sentRows,
          rows: rows.slice(sentRows),
          sharing: files.map(({ sharesWithCount, overlap, sharedInside }): SpaceWireSharing => {
            const n = sharesWithCount ?? 0;
            return sharedInside === undefined ? [n, overlap ?? '0'] : [n, overlap ?? '0', sharedInside];
          }),
          data: { ...d, files: [] },
        });
      return d;
    } catch (e) {
      if (this.running !== own) return undefined; // replaced by a newer scan
      this.lastProgress = undefined;
      const f = errorFacts(e);
      // What was mapped before it stopped stays on show, said to be incomplete. After a cancel,
      // the rows the view has or that are on their way: the person asked it to stop.
      if (f.cancelled && this.streamed) this.streamed.rows.length = this.streamed.posted;
      else this.postRows({ all: true });
      // the files on show (streamed), else those mapped as the progress said (rows kept: the
      // selection's files; an exact scan of a shown result maps others too)
      const mapped = this.streamed ? this.streamed.rows.length : Math.max(rows.length, mappedSoFar);
      if (f.cancelled) {
        this.s.log.info(`space: cancelled after ${mapped} files (${paths.join(', ')})`);
        this.lastError = {
          type: 'error',
          code: 'E_CANCELLED',
          message: cancelledMessage(mapped, this.streamed !== undefined, this.data !== undefined),
        };
      } else {
        this.s.log.error(errorLogLine('space', e));
        this.lastError = { type: 'error', code: f.code, message: f.message };
        if (!this.disposed) showFailure(this.s, t('Analyze Space Usage'), e);
      }
      this.post(this.lastError);
      if (this.data) this.post({ type: 'space', data: this.data });
      return undefined;
    } finally {
      if (this.running === own) this.running = undefined;
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const msg = parseWebviewMessage(raw);
    if (!msg) {
      this.s.log.warn(`space view: ignored malformed or unknown webview message ${describeUntrusted(raw)}`);
      return;
    }
    const file = (i: number): string | undefined => {
      const f = (this.data?.files ?? this.streamed?.rows)?.[i]?.path;
      if (f === undefined) this.s.log.warn(`space view: ignored ${msg.type} for file ${i} (not in the result)`);
      else if (
        saidGone(this.s, 'space view', f, () =>
          t('{0} is no longer there (deleted or moved since the analysis). Refresh the Space view to analyze the selection again.', f),
        )
      )
        return undefined;
      return f;
    };
    switch (msg.type) {
      case 'ready':
        if (this.data) this.post({ type: 'space', data: this.data });
        else this.postRows({ from: 0 }); // the files mapped so far, to a view VS Code reloaded
        if (this.lastProgress) this.post(this.lastProgress);
        if (this.lastError) this.post(this.lastError);
        return;
      case 'spaceScan':
        await this.scan(msg.exactScan);
        return;
      case 'spaceRefresh':
        await this.scan(this.exactScan);
        return;
      case 'spacePartners': {
        // the result on show (rows streamed so far have none yet: an empty answer)
        if (!this.data || msg.index >= this.data.files.length) {
          if (this.data) this.s.log.warn(`space view: ignored spacePartners for file ${msg.index} (not in the result)`);
          return;
        }
        const list = this.partners[msg.index] ?? [];
        this.post({
          type: 'spacePartners',
          index: msg.index,
          partners: list.map(([i, b]): [number, U64String] => [i, b]),
          count: this.data.files[msg.index].sharesWithCount ?? list.length,
        });
        return;
      }
      case 'spaceCancel':
        this.running?.abort();
        return;
      case 'spaceRowsSeen': {
        const st = this.streamed;
        if (!st || msg.upTo > st.posted) return; // an earlier analysis's, or not sent
        if (msg.upTo > st.seen) st.seen = msg.upTo;
        this.postRows(); // (sends nothing while rows are still in flight, or when none wait)
        return;
      }
      case 'spaceOpen': {
        const p = file(msg.index);
        if (p !== undefined) await vscode.commands.executeCommand(COMMANDS.inspect, uriOfPath(p));
        return;
      }
      case 'spaceReveal': {
        const p = file(msg.index);
        if (p !== undefined) await vscode.commands.executeCommand('revealInExplorer', uriOfPath(p));
        return;
      }
      case 'export':
        if (this.data)
          await exportSpace(this.s, this.data, this.partners, msg.format, { shown: msg.shown, filter: msg.filter, folder: msg.folder });
        return;
      default:
        this.s.log.warn(`space view: ignored ${msg.type} (not served by this view)`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.running?.abort();
    this.data = undefined;
    this.partners = [];
    clearTimeout(this.streamed?.timer);
    this.streamed = undefined;
    SpacePanel.open.delete(this);
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * What a Cancel leaves, in words: `mapped` files (those on show when `streamed`), and whether an
 * earlier result stays on show (an Exact scan or a Refresh of a shown result does not stream).
 */
function cancelledMessage(mapped: number, streamed: boolean, earlier: boolean): string {
  const n = mapped.toLocaleString(vscode.env.language);
  if (earlier && !streamed)
    return mapped === 0
      ? t('Cancelled before any file was mapped: the result shown is the one from before.')
      : mapped === 1
        ? t('Cancelled after 1 file was mapped: the result shown is the one from before.')
        : t('Cancelled after {0} files were mapped: the result shown is the one from before.', n);
  return mapped === 1
    ? t('Cancelled after 1 file: the files shown are those mapped until then, and the totals are incomplete.')
    : mapped > 0
      ? t('Cancelled after {0} files: the files shown are those mapped until then, and the totals are incomplete.', n)
      : t('Cancelled before any file was mapped.');
}
