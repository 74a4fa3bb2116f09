// extentLens.selectForClone: remember the explorer's selected files as clone sources.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { enginePathOfUri, pathsFromArgs } from '../host/logic/clone-selection';
import { activeFileUri } from '../host/ui';
import { isFolder } from './clone-flow';

export function registerSelectForClone(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.selectForClone, async (uri?: unknown, uris?: unknown): Promise<string[]> => {
    let paths = pathsFromArgs(uri, uris);
    // Folders in a mixed explorer selection are not clone sources: leave them out, say so.
    const kept: string[] = [];
    for (const p of paths) {
      if (await isFolder(p)) s.log.info(`select for block clone: skipped folder ${p}`);
      else kept.push(p);
    }
    paths = kept;
    if (paths.length === 0) {
      const active = activeFileUri();
      const p = active && enginePathOfUri(active);
      if (p) paths = [p];
    }
    if (paths.length === 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Select one or more files in the Explorer first.'));
      return s.selection.get();
    }
    s.selection.set(paths);
    s.log.info(`selected for block clone: ${paths.join(', ')}`);
    void vscode.window.showInformationMessage(
      paths.length === 1
        ? vscode.l10n.t('Selected {0} for block clone. Right-click a folder and choose Block Clone Here.', paths[0])
        : vscode.l10n.t('Selected {0} files for block clone. Right-click a folder and choose Block Clone Here.', paths.length),
    );
    return s.selection.get();
  });
}
