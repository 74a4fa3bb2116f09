// What every command and panel shares: the log channel, the engine (loaded on first use),
// the clone selection, the open inspectors and the last clone results. One instance per
// activation, created by extension.ts.

import * as vscode from 'vscode';
import type { Engine, SmbFileApi } from '../engine';
import type { CloneResultsData, WireSummary } from '../protocol/messages';
import { CloneSelection } from './logic/clone-selection';
import { followInspectors } from './active-inspector';
import { setNumberLocale } from './logic/bytes';
import { COMMANDS, HAS_CLONE_SELECTION } from './logic/contributions';
import { shownName, shownPath } from './logic/shown';
import { readMapDetail, readMaxExtents, type MapDetail } from './logic/map-detail';
import { readOnExistingSetting, type OnExistingSetting } from './logic/existing-policy';
import { closeSmbConnectionsIfUsed, installSmbPasswordProvider } from './smb-secrets';

/** An open inspector (panel or custom editor), as the test API and the commands see it. */
export interface InspectorHandle {
  readonly path: string;
  /** The inspector is the active editor (tab) of the window. */
  readonly active: boolean;
  summary(): WireSummary | undefined;
  reveal(): void;
  /** Its file changed in a way its watcher may not see: read the map again. */
  changed(): void;
  /** Select and zoom to a range of its file (what Punch Hole just deallocated). */
  select(range: { offset: bigint; length: bigint }): void;
}

export class Services implements vscode.Disposable {
  readonly selection: CloneSelection;
  readonly inspectors = new Set<InspectorHandle>();
  private readonly selectionItem: vscode.StatusBarItem;
  lastCloneResults: CloneResultsData | undefined;
  private enginePromise: Promise<Engine> | undefined;
  private smbFilesPromise: Promise<SmbFileApi> | undefined;
  private smbSettingsApplied = false;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    setNumberLocale(vscode.env.language); // numbers in messages grouped as the display language does
    followInspectors(this.inspectors); // a command run from the palette acts on the inspected file
    this.selectionItem = vscode.window.createStatusBarItem('extentLens.cloneSelection', vscode.StatusBarAlignment.Left, 50);
    this.selectionItem.name = vscode.l10n.t('Extent Lens: Block Clone Selection');
    this.selectionItem.command = COMMANDS.clearCloneSelection;
    this.selection = new CloneSelection((paths) => {
      void vscode.commands.executeCommand('setContext', HAS_CLONE_SELECTION, paths.length > 0);
      this.showSelection(paths);
    });
  }

  /** The clone selection in the status bar (once its toast is gone nothing else says which files). */
  private showSelection(paths: readonly string[]): void {
    const item = this.selectionItem;
    if (paths.length === 0) return item.hide();
    // (a file system that cannot share blocks is said here too: Block Clone Here will offer a copy)
    const note = this.selection.cannotShareNote(vscode.l10n.t);
    // short, as status bar items are (the sentence was cut in a narrow window): the file or the
    // count, and the note's short form; the sentence is the tooltip's and the screen reader's
    const what = paths.length === 1 ? shownName(paths[0]) : vscode.l10n.t('{0} files', paths.length);
    item.text = `$(files) ${what}${note ? ` (${note.short})` : ''}`;
    const selected =
      paths.length === 1
        ? vscode.l10n.t('{0} selected for block clone', shownName(paths[0]))
        : vscode.l10n.t('{0} files selected for block clone', paths.length);
    item.accessibilityInformation = {
      label: `${selected}${note ? ` (${note.long})` : ''}. ${vscode.l10n.t('Click to clear the selection.')}`,
    };
    item.tooltip = vscode.l10n.t(
      'Selected for block clone:\n{0}\n\nRight-click a folder and choose Block Clone Here. Click here to clear the selection.',
      paths.map((p) => shownPath(p)).join('\n'),
    );
    if (note) item.tooltip += `\n\n${note.long}.`;
    item.show();
  }

  /**
   * Files Extent Lens itself changed: their open inspectors read their maps again. A clone or a
   * dedupe makes a file's blocks shared without touching its modification time, which is all a
   * file watcher sees, so the inspector of a clone's source would go on saying "Shared 0 bytes".
   */
  filesChanged(paths: Iterable<string>): void {
    const changed = new Set(paths);
    for (const h of this.inspectors) if (changed.has(h.path)) h.changed();
  }

  /** The open inspectors of `path` select and zoom to `range` (a range a command just changed). */
  showRange(path: string, range: { offset: bigint; length: bigint }): void {
    for (const h of this.inspectors) if (h.path === path) h.select(range);
  }

  /**
   * The engine, created on first use. The dynamic import keeps koffi and the backends out of
   * activation: esbuild turns it into a lazily evaluated module inside dist/extension.js.
   * `worker: true` runs the native loops in dist/worker.js, off the extension host's thread.
   */
  engine(): Promise<Engine> {
    this.enginePromise ??= (async () => {
      const t0 = performance.now();
      const { createEngine } = await import('../engine');
      const engine = createEngine({ worker: true });
      await this.smbSettings();
      this.log.info(`engine loaded in ${(performance.now() - t0).toFixed(1)} ms (worker thread)`);
      return engine;
    })();
    this.enginePromise.catch((e) => {
      this.log.error(`engine failed to load: ${e instanceof Error ? e.message : String(e)}`);
      this.enginePromise = undefined; // let the next command try again
    });
    return this.enginePromise;
  }

  /**
   * The engine's SMB file API (the smb: file system provider, Open SMB Share…), with the
   * password provider installed. Loads the SMB client, not the engine's worker or koffi.
   */
  smbFiles(): Promise<SmbFileApi> {
    this.smbFilesPromise ??= (async () => {
      const { smbFiles } = await import('../engine');
      await this.smbSettings();
      return smbFiles();
    })();
    this.smbFilesPromise.catch(() => (this.smbFilesPromise = undefined));
    return this.smbFilesPromise;
  }

  /** The SMB client's password provider and security setting, installed once for both the engine and the file API. */
  private async smbSettings(): Promise<void> {
    await installSmbPasswordProvider(this.context, this.log);
    if (this.smbSettingsApplied) return;
    this.smbSettingsApplied = true;
    await this.applySmbSecurity();
  }

  /**
   * extentLens.smb.allowUnsignedLegacy, applied now and whenever it changes. The setting has
   * application scope, so VS Code takes it from user settings only: a workspace cannot turn it on.
   */
  private async applySmbSecurity(): Promise<void> {
    const read = () => vscode.workspace.getConfiguration('extentLens').get<boolean>('smb.allowUnsignedLegacy', false) === true;
    const { configureSmbAllowUnsignedLegacy } = await import('../engine');
    await configureSmbAllowUnsignedLegacy(read());
    this.context.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('extentLens.smb.allowUnsignedLegacy')) void configureSmbAllowUnsignedLegacy(read());
      }),
    );
  }

  onExisting(): OnExistingSetting {
    return readOnExistingSetting(vscode.workspace.getConfiguration('extentLens').get('clone.onExisting'));
  }

  autoRefresh(): boolean {
    return vscode.workspace.getConfiguration('extentLens').get<boolean>('inspector.autoRefresh', true) !== false;
  }

  mapDetail(): MapDetail {
    return readMapDetail(vscode.workspace.getConfiguration('extentLens').get('inspector.mapDetail'));
  }

  /** extentLens.inspector.maxExtents: the most extents one inspector holds in memory. */
  inspectorMaxExtents(): number {
    return readMaxExtents(vscode.workspace.getConfiguration('extentLens').get('inspector.maxExtents'));
  }

  async dispose(): Promise<void> {
    this.selectionItem.dispose();
    const p = this.enginePromise;
    this.enginePromise = undefined;
    if (p) {
      try {
        await (await p).dispose();
      } catch {
        // the engine never loaded: nothing to stop
      }
    }
    await closeSmbConnectionsIfUsed().catch(() => undefined);
  }
}
