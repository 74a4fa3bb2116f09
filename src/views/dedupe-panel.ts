// The Dedupe view (issue 14): one panel per selection (Find Duplicate Data again on the same
// paths reveals it and searches again, as VS Code reuses an editor). It runs
// engine.findDuplicates in the engine's worker with a cancellable progress notification whose
// words the view shows too (dedupe-progress.ts: one source, so they agree), shows the
// plan, and on the webview's Deduplicate (groups by index) asks for a modal confirmation naming
// the bytes and files, then runs engine.dedupe with progress and cancel and shows the measured
// report; open Space views over those files are analysed again. Deduplicate needs a trusted
// workspace: the view says why it is disabled and the host refuses it again here. The webview
// names files only as (group, range) indexes into the plan, so it cannot make the host act on
// anything else. (Just over 400 lines: one panel's life, its two runs and their messages; the data,
// the confirmation, the notification, the progress words and the re-measure are beside it in
// dedupe-*.ts.)

import * as vscode from 'vscode';
import type { DedupePlan, DedupeReport, Progress } from '../engine';
import { parseWebviewMessage, type DedupeWirePlan, type DedupeWireReport, type HostMessage } from '../protocol/messages';
import { humanBytes } from '../protocol/format';
import type { Services } from '../host/services';
import { COMMANDS, DEDUPE_PANEL_TYPE } from '../host/logic/contributions';
import { errorFacts, errorLogLine } from '../host/logic/errors';
import { requireTrust, showFailure, showSettingError, uriOfPath, withCancellableProgress } from '../host/ui';
import { DEDUPE_CHUNK_SETTING } from '../host/logic/dedupe-settings';
import { describeUntrusted, selectionKey, setWebviewHtml, webviewOptions } from './panel-setup';
import { applyFacts, choosePlanGroups, dedupeWirePlan, dedupeWireReport } from './dedupe-data';
import { applyQuestion } from './dedupe-confirm';
import { appliedNotice, estimateText } from './dedupe-notice';
import { SpacePanel } from './space-panel';
import { measureFreedAgain } from './dedupe-remeasure';
import { saidGone } from './gone-file';
import { applyTitle, findTitle, progressLine, progressMessage } from './dedupe-progress';

const t = vscode.l10n.t;

/** Least time between two progress messages to the view. */
const PROGRESS_MS = 100;

interface DedupeFindSettings {
  chunk: bigint;
  minSize: bigint;
}

export class DedupePanel implements vscode.Disposable {
  /** Open Dedupe views (for tests). */
  static readonly open = new Set<DedupePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The engine's plan (bigints), kept to apply; its wire form and the last report. */
  private plan: DedupePlan | undefined;
  private wire: DedupeWirePlan | undefined;
  private report: DedupeWireReport | undefined;
  private lastProgress: HostMessage | undefined;
  private lastError: HostMessage | undefined;
  private running: { phase: 'find' | 'apply'; abort: AbortController } | undefined;
  private disposed = false;
  /** The next progress message for the view, held back while the last went less than PROGRESS_MS ago. */
  private progressTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private s: Services,
    readonly paths: readonly string[],
    private settings: DedupeFindSettings,
  ) {
    setWebviewHtml(panel.webview, s.context.extensionUri, 'dedupe', t('Duplicate Data'));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => void this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.postState()),
    );
    DedupePanel.open.add(this);
  }

  /**
   * Search `paths` in a Dedupe view: the one already open on the same selection (revealed, with
   * the settings now in force; a search under way there starts again), else a new one. Resolves
   * with the plan shown when the search ends.
   */
  static async find(s: Services, paths: readonly string[], settings: DedupeFindSettings): Promise<DedupeWirePlan | undefined> {
    const key = selectionKey(paths);
    const open = [...DedupePanel.open].find((v) => !v.disposed && selectionKey(v.paths) === key);
    if (open) {
      open.s = s;
      open.settings = settings;
      open.panel.reveal();
      s.log.info(`dedupe find: the view of this selection is open: revealed and searched again`);
      return open.search();
    }
    const title = paths.length === 1 ? t('Duplicates: {0}', baseName(paths[0])) : t('Duplicates: {0} items', paths.length);
    const panel = vscode.window.createWebviewPanel(
      DEDUPE_PANEL_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Active },
      { ...webviewOptions(s.context.extensionUri), retainContextWhenHidden: false },
    );
    return new DedupePanel(panel, s, paths, settings).search();
  }

  /** The plan shown and the last report (tests). */
  result(): { plan?: DedupeWirePlan; report?: DedupeWireReport } {
    return { plan: this.wire, report: this.report };
  }

  private post(m: HostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(m);
  }

  /** Why Deduplicate cannot run here (undefined: it can). */
  private cannotApply(): string | undefined {
    if (!vscode.workspace.isTrusted) return t('Deduplicate changes files, so it needs a trusted workspace.');
    if (process.platform === 'darwin')
      return t('macOS has no call that compares and shares data (no deduplication), so nothing can be shared here.');
    // the search's own probe, failed other than by a verdict that the file system cannot share
    // (engine.dedupe makes it again and would refuse the plan); groups on a file system that
    // cannot share free nothing, so the view never asks for them (no group at all: the view says so)
    const no = this.plan?.cannotApply?.find((e) => e.cannotShare !== true);
    if (no) return no.message;
    // after a run the groups and estimate are from before it: applying them again would only repeat it
    if (this.report) return t('Deduplicate ran on these groups: Find again to see what is left.');
    return undefined;
  }

  private postState(): void {
    if (!this.wire) return;
    const why = this.cannotApply();
    this.post({
      type: 'dedupe',
      plan: this.wire,
      canApply: why === undefined && this.running === undefined,
      ...(why !== undefined ? { cannotApplyReason: why } : {}),
      ...(this.report ? { report: this.report } : {}),
      ...(this.running ? { running: this.running.phase } : {}),
    });
  }

  /**
   * Run `work` under the cancellable progress notification titled `title`, worded by
   * dedupe-progress.ts; the view shows each sentence as the notification does, at most every
   * PROGRESS_MS (and the last one always; kept for a reloaded view).
   */
  private withProgress<T>(
    phase: 'find' | 'apply',
    title: string,
    groups: number,
    work: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>,
  ): Promise<T> {
    let lastPost = 0;
    const shown = (p: Progress, message: string): void => {
      this.lastProgress = {
        type: 'dedupeProgress',
        phase,
        files: p.files ?? 0,
        bytes: p.done.toString(),
        ...(p.total > 0n ? { total: p.total.toString() } : {}),
        message: progressLine(title, message),
      };
      const wait = lastPost + PROGRESS_MS - performance.now();
      if (wait <= 0) {
        clearTimeout(this.progressTimer);
        this.progressTimer = undefined;
        lastPost = performance.now();
        this.post(this.lastProgress);
      } else
        this.progressTimer ??= setTimeout(() => {
          this.progressTimer = undefined;
          lastPost = performance.now();
          if (this.lastProgress && this.running) this.post(this.lastProgress);
        }, wait);
    };
    return withCancellableProgress(title, work, { words: (p) => progressMessage(phase, p, t, groups), shown }).finally(() => {
      clearTimeout(this.progressTimer);
      this.progressTimer = undefined;
    });
  }

  /** A run starts: the view shows `title` and the first words (nothing counted yet) at once. */
  private startRun(phase: 'find' | 'apply', title: string, groups = 0): AbortController {
    const abort = new AbortController();
    this.running = { phase, abort };
    this.lastError = undefined;
    const message = progressLine(title, progressMessage(phase, { done: 0n, total: 0n, files: 0 }, t, groups));
    this.lastProgress = { type: 'dedupeProgress', phase, files: 0, bytes: '0', message };
    this.post(this.lastProgress);
    return abort;
  }

  /** A failure or cancel of a run: said in the view (and, unless cancelled, in a notification). */
  private failed(phase: 'find' | 'apply', e: unknown): void {
    this.lastProgress = undefined;
    const f = errorFacts(e);
    const what = phase === 'find' ? 'dedupe find' : 'dedupe';
    if (f.cancelled) {
      this.s.log.info(`${what}: cancelled (${this.paths.join(', ')})`);
      // once sharing has begun a cancel ends in a report (engine.dedupe resolves): this is before it
      const message =
        phase === 'find'
          ? this.plan
            ? // the earlier search's groups stay on show: said, so they are not taken for this one's
              t('The search was cancelled; nothing was changed. The groups shown are from the search before it.')
            : t('The search was cancelled; nothing was changed.')
          : t('Deduplicating was cancelled before anything was shared; nothing was changed.');
      this.lastError = { type: 'error', code: 'E_CANCELLED', message };
      if (phase === 'apply') void vscode.window.showInformationMessage(message);
    } else {
      this.s.log.error(errorLogLine(what, e));
      if (phase === 'find' && f.code === 'E_MISALIGNED') {
        // the chunk size that does not fit this file system came from a setting, not from the
        // person's hand here: name it, and open it
        const message = t('{0} The chunk size is the setting {1}.', f.message, DEDUPE_CHUNK_SETTING);
        this.lastError = { type: 'error', code: f.code, message };
        showSettingError(message, DEDUPE_CHUNK_SETTING);
      } else {
        this.lastError = { type: 'error', code: f.code, message: f.message };
        showFailure(this.s, phase === 'find' ? t('Find Duplicate Data') : t('Deduplicate'), e);
      }
    }
    this.post(this.lastError);
    this.postState();
  }

  /** Search (again) with the same paths and settings; a running search is cancelled first. */
  async search(): Promise<DedupeWirePlan | undefined> {
    if (this.running?.phase === 'apply') return undefined; // never under a running deduplication
    this.running?.abort.abort();
    const paths = [...this.paths];
    const title = findTitle(paths.length === 1 ? paths[0] : t('{0} items', paths.length), t);
    const own = this.startRun('find', title);
    const { chunk, minSize } = this.settings;
    this.s.log.info(`dedupe find (chunk ${chunk}, min size ${minSize}): ${paths.join(', ')}`);
    try {
      const engine = await this.s.engine();
      const plan = await this.withProgress('find', title, 0, async (signal, onProgress) => {
        const stop = AbortSignal.any([signal, own.signal]);
        const found = await engine.findDuplicates(paths, { signal: stop, chunk, minSize, onProgress });
        // A Cancel taken in before the result wins (as in the Space view): a search changed nothing.
        stop.throwIfAborted();
        return found;
      });
      if (this.running?.abort !== own || this.disposed) return undefined;
      this.running = undefined;
      this.lastProgress = undefined;
      this.plan = plan;
      this.wire = dedupeWirePlan(plan, paths, this.settings);
      this.report = undefined;
      const tt = plan.total;
      this.s.log.info(
        `dedupe find: ${tt.groups} groups in ${tt.files} files, candidate ${tt.candidateBytes}, net saving ${tt.netSaving}, ` +
          `hashed ${tt.hashedBytes}, ${plan.errors.length} errors, ${plan.durationMs.toFixed(0)} ms`,
      );
      this.postState();
      return this.wire;
    } catch (e) {
      if (this.running?.abort !== own) return undefined; // replaced by a newer search
      this.running = undefined;
      if (!this.disposed) this.failed('find', e);
      return undefined;
    }
  }

  /** Deduplicate the chosen groups, after a modal confirmation; trusted workspaces only. */
  async apply(indexes: readonly number[]): Promise<DedupeWireReport | undefined> {
    if (!requireTrust(this.s, t('Deduplicate'))) return undefined;
    const why = this.cannotApply();
    if (why !== undefined) {
      void vscode.window.showErrorMessage(why);
      return undefined;
    }
    if (this.running) {
      this.s.log.warn(`dedupe view: ignored dedupeApply while ${this.running.phase === 'find' ? 'searching' : 'deduplicating'}`);
      return undefined;
    }
    const chosen = this.plan && (await choosePlanGroups(this.plan, indexes));
    if (!chosen) {
      this.s.log.warn(`dedupe view: ignored dedupeApply for groups not in the plan (${indexes.slice(0, 10).join(', ')}…)`);
      return undefined;
    }
    const facts = applyFacts(chosen);
    const go = t('Deduplicate');
    const q = applyQuestion(facts, t);
    const answer = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, go);
    if (answer !== go || this.disposed) {
      this.s.log.info('dedupe: not confirmed; nothing was changed');
      return undefined;
    }
    // The modal had the keyboard and gives it back to the workbench, not to the view (a trial in
    // code-server: the view's page kept no focus, so Cancel was out of a keyboard's reach): the
    // view asked for this from its own Deduplicate, so it takes the focus back (its page puts it on Cancel).
    this.panel.reveal(this.panel.viewColumn, false);
    const title = applyTitle(facts.groups, facts.files, t);
    const own = this.startRun('apply', title, facts.groups);
    this.postState(); // the button goes disabled while it runs
    this.s.log.info(`dedupe: ${facts.groups} groups, ${facts.ranges} ranges in ${facts.files} files, estimated ${facts.bytes}`);
    try {
      const engine = await this.s.engine();
      const r = await this.withProgress('apply', title, facts.groups, (signal, onProgress) =>
        engine.dedupe(chosen, { signal: AbortSignal.any([signal, own.signal]), onProgress }),
      );
      this.running = undefined;
      this.lastProgress = undefined;
      this.report = dedupeWireReport(r, facts);
      this.s.log.info(
        `dedupe${r.cancelled ? ` (cancelled after ${r.cancelled.groupsDone} of ${r.cancelled.groups} groups${r.cancelled.countsAtLeast ? ', counts at least' : ''})` : ''}: ${r.method}: deduped ${r.deduped}, already shared ${r.alreadyShared}, freed ${r.freed} (measured) of ${r.estimated} estimated, ${r.differed} differed, ` +
          `${r.skipped.length} skipped, ${r.calls} calls, ${r.durationMs.toFixed(0)} ms`,
      );
      for (const k of r.skipped.slice(0, 100))
        this.s.log.warn(`dedupe: skipped ${k.path} @${k.offset}+${k.length}: ${k.reason}: ${k.message}`);
      void vscode.window.showInformationMessage(appliedNotice(r, t));
      this.postState();
      void this.measureAgain(r);
      const touched = [...new Set(chosen.groups.flatMap((g) => g.ranges.map((x) => x.path)))];
      this.s.filesChanged(touched);
      const refreshed = SpacePanel.refreshCovering(touched);
      if (refreshed) this.s.log.info(`dedupe: analysing ${refreshed} open Space view(s) again`);
      return this.report;
    } catch (e) {
      this.running = undefined;
      this.failed('apply', e);
      return undefined;
    }
  }

  /** `freed` measured again while the file system may still be freeing (dedupe-remeasure.ts), shown as it comes. */
  private async measureAgain(r: DedupeReport): Promise<void> {
    const report = this.report;
    if (!report) return;
    await measureFreedAgain(r, {
      // not once the view closes, or a search or run starts (the report then belongs to the past)
      current: () => !this.disposed && this.report === report && this.running === undefined,
      freeBytes: async (p) => (await (await this.s.engine()).volume(p)).freeBytes,
      update: (freed, afterS, pending) => {
        report.freed = freed.toString();
        report.remeasured = { afterS, pending };
        this.postState();
        // the last figure, in place of the first one's "so far" (that notification stays in the list)
        if (!pending)
          void vscode.window.showInformationMessage(
            t('Deduplicating freed {0} (measured again {1} s after the run), {2} estimated.', humanBytes(freed), afterS, estimateText(r)),
          );
      },
      log: this.s.log,
    });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const msg = parseWebviewMessage(raw);
    if (!msg) {
      this.s.log.warn(`dedupe view: ignored malformed or unknown webview message ${describeUntrusted(raw)}`);
      return;
    }
    const pathOf = (group: number, range: number): string | undefined => {
      // (the view numbers a group's read-only ranges after its others)
      const g = this.wire?.groups[group];
      const i = g ? (g.ranges[range] ?? g.readOnly?.[range - g.ranges.length])?.file : undefined;
      const p = i === undefined ? undefined : this.wire?.files[i];
      if (p === undefined) this.s.log.warn(`dedupe view: ignored ${msg.type} for range ${range} of group ${group} (not in the plan)`);
      else if (
        saidGone(this.s, 'dedupe view', p, () =>
          t('{0} is no longer there (deleted or moved since the search). Find again to search the selection again.', p),
        )
      )
        return undefined;
      return p;
    };
    switch (msg.type) {
      case 'ready':
        this.postState();
        if (this.lastProgress) this.post(this.lastProgress);
        if (this.lastError) this.post(this.lastError);
        return;
      case 'dedupeFind':
        await this.search();
        return;
      case 'dedupeCancel':
        this.running?.abort.abort();
        return;
      case 'dedupeApply':
        await this.apply(msg.groups);
        return;
      case 'dedupeOpen': {
        const p = pathOf(msg.group, msg.range);
        if (p === undefined) return;
        await vscode.commands.executeCommand(COMMANDS.inspect, uriOfPath(p));
        // a range of a file: the inspector selects it (whole files: the whole file is the range)
        const g = this.wire!.groups[msg.group];
        const r = g.ranges[msg.range] ?? g.readOnly?.[msg.range - g.ranges.length];
        if (r && !g.wholeFiles) this.s.showRange(p, { offset: BigInt(r.offset), length: BigInt(g.length) });
        return;
      }
      case 'dedupeReveal': {
        const p = pathOf(msg.group, msg.range);
        if (p !== undefined) await vscode.commands.executeCommand('revealInExplorer', uriOfPath(p));
        return;
      }
      default:
        this.s.log.warn(`dedupe view: ignored ${msg.type} (not served by this view)`);
    }
  }

  /** Closing the view stops a search; a confirmed deduplication runs on under its notification (with its Cancel). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.running?.phase === 'find') this.running.abort.abort();
    DedupePanel.open.delete(this);
    clearTimeout(this.progressTimer);
    for (const d of this.disposables) d.dispose();
  }
}

const baseName = (p: string): string => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1) || p;
