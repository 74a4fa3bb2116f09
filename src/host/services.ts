// What every command and panel shares: the log channel, the engine (loaded on first use),
// the clone selection, the open inspectors and the last clone results. One instance per
// activation, created by extension.ts.

import * as vscode from 'vscode';
import type { Engine } from '../engine';
import type { CloneResultsData, WireSummary } from '../protocol/messages';
import { CloneSelection } from './logic/clone-selection';
import { setNumberLocale } from './logic/bytes';
import { HAS_CLONE_SELECTION } from './logic/contributions';
import { readMapDetail, readMaxExtents, type MapDetail } from './logic/map-detail';
import { readOnExistingSetting, type OnExistingSetting } from './logic/existing-policy';
import { closeSmbConnectionsIfUsed, installSmbPasswordProvider } from './smb-secrets';

/** An open inspector (panel or custom editor), as the test API and the commands see it. */
export interface InspectorHandle {
  readonly path: string;
  summary(): WireSummary | undefined;
  reveal(): void;
}

export class Services implements vscode.Disposable {
  readonly selection: CloneSelection;
  readonly inspectors = new Set<InspectorHandle>();
  lastCloneResults: CloneResultsData | undefined;
  private enginePromise: Promise<Engine> | undefined;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    setNumberLocale(vscode.env.language); // numbers in messages grouped as the display language does
    this.selection = new CloneSelection((paths) => {
      void vscode.commands.executeCommand('setContext', HAS_CLONE_SELECTION, paths.length > 0);
    });
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
      await installSmbPasswordProvider(this.context, this.log);
      await this.applySmbSecurity();
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
