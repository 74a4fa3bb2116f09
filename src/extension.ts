// Extent Lens: the VS Code entry point. activate() only wires commands, the custom editor and
// the log channel; the engine (and with it koffi and the native backends) loads on the first
// command that needs it (Services.engine(), a dynamic import). Activation must stay under
// 50 ms: it is measured and logged.

import * as vscode from 'vscode';
import type { CloneResultsData, WireSummary } from './protocol/messages';
import { Services } from './host/services';
import { HAS_CLONE_SELECTION } from './host/logic/contributions';
import { enginePathOfUri } from './host/logic/clone-selection';
import { registerInspect } from './commands/inspect';
import { registerSelectForClone } from './commands/select-for-clone';
import { registerClearCloneSelection } from './commands/clear-clone-selection';
import { registerCloneHere } from './commands/clone-here';
import { registerCloneTo } from './commands/clone-to';
import { registerCloneRange } from './commands/clone-range';
import { registerServerSideCopy } from './commands/server-side-copy';
import { registerPunchHole } from './commands/punch-hole';
import { registerDigHoles } from './commands/dig-holes';
import { registerSetSparse } from './commands/set-sparse';
import { registerClearSparse } from './commands/clear-sparse';
import { registerShowVolume } from './commands/show-volume';
import { registerAnalyzeSpace } from './commands/analyze-space';
import { registerFindDuplicates } from './commands/find-duplicates';
import { registerOpenSmbShare } from './commands/open-smb-share';
import { registerForgetSmbPassword } from './commands/forget-smb-password';
import { registerEnterSmbPassword } from './commands/enter-smb-password';
import { InspectorEditorProvider } from './views/inspector-editor';
import { SmbFileSystemProvider } from './host/smb-fs-provider';

/** What activate() returns: read-only views of the state, for the in-VS-Code test suite. */
export interface ExtentLensApi {
  openInspectors(): Array<{ path: string; summary?: WireSummary }>;
  lastCloneResults(): CloneResultsData | undefined;
  cloneSelection(): string[];
  /** Milliseconds activate() took (also in the log). */
  activationMs: number;
}

let services: Services | undefined;

export function activate(context: vscode.ExtensionContext): ExtentLensApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Extent Lens', { log: true });
  const s = new Services(context, log);
  services = s;
  context.subscriptions.push(
    log,
    registerInspect(s),
    registerSelectForClone(s),
    registerClearCloneSelection(s),
    registerCloneHere(s),
    registerCloneTo(s),
    registerCloneRange(s),
    registerServerSideCopy(s),
    registerPunchHole(s),
    registerDigHoles(s),
    registerSetSparse(s),
    registerClearSparse(s),
    registerShowVolume(s),
    registerAnalyzeSpace(s),
    registerFindDuplicates(s),
    registerOpenSmbShare(s),
    registerForgetSmbPassword(s),
    registerEnterSmbPassword(s),
    InspectorEditorProvider.register(s),
    // smb: resources (shares opened with Open SMB Share…); the SMB client loads on first use.
    SmbFileSystemProvider.register(
      () => s.smbFiles(),
      log,
      // the Explorer's copies, on the server (copychunk; across shares through this client)
      async (from, to, overwrite) => void (await (await s.engine()).copy(from, to, { onExisting: overwrite ? 'overwrite' : 'fail' })),
    ),
    // Deleted or renamed files leave the clone selection.
    vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((u) => s.selection.remove(enginePathOfUri(u) ?? u.fsPath))),
    vscode.workspace.onDidRenameFiles((e) => e.files.forEach((f) => s.selection.remove(enginePathOfUri(f.oldUri) ?? f.oldUri.fsPath))),
  );
  void vscode.commands.executeCommand('setContext', HAS_CLONE_SELECTION, false);
  const activationMs = performance.now() - t0;
  log.info(`Extent Lens activated in ${activationMs.toFixed(1)} ms (engine not loaded yet; it loads on first use)`);
  return {
    openInspectors: () => [...s.inspectors].map((h) => ({ path: h.path, summary: h.summary() })),
    lastCloneResults: () => s.lastCloneResults,
    cloneSelection: () => s.selection.get(),
    activationMs,
  };
}

export async function deactivate(): Promise<void> {
  const s = services;
  services = undefined;
  await s?.dispose();
}
