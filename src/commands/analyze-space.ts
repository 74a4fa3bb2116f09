// extentLens.analyzeSpace: what a selection of files and folders costs on disk and what deleting
// it would free (engine.space, issue 13), shown in a Space view (one per analysis). From the
// explorer it gets (uri, uris[]) — the clicked item and the whole multi-selection; from the
// palette it asks for a folder, the workspace folder preselected. Analysis only: nothing changes.

import * as vscode from 'vscode';
import type { SpaceData } from '../protocol/messages';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { pathsFromArgs } from '../host/logic/clone-selection';
import { SpacePanel } from '../views/space-panel';

const t = vscode.l10n.t;

export function registerAnalyzeSpace(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.analyzeSpace, async (uri?: unknown, uris?: unknown): Promise<SpaceData | undefined> => {
    let paths = pathsFromArgs(uri, uris);
    if (paths.length === 0) {
      const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file' || f.uri.scheme === 'smb')?.uri;
      const picked = await vscode.window.showOpenDialog({
        title: t('Analyze Space Usage'),
        defaultUri: folder,
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: true,
        openLabel: t('Analyze'),
      });
      paths = pathsFromArgs(picked ?? [], undefined);
    }
    if (paths.length === 0) return undefined;
    return SpacePanel.analyze(s, paths);
  });
}
