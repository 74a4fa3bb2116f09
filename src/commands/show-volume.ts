// extentLens.showVolume: what the volume holding a file or folder can do (file system, block
// size, sparse and clone support with the evidence). Returns the VolumeInfo.

import * as vscode from 'vscode';
import type { VolumeInfo } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { describeVolume } from './logic/volume-text';
import { pathsFromArgs } from '../host/logic/clone-selection';
import { activeFileUri, showFailure } from '../host/ui';

const t = vscode.l10n.t;

export function registerShowVolume(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.showVolume, async (uri?: unknown): Promise<VolumeInfo | undefined> => {
    let target: string | undefined =
      pathsFromArgs(uri, undefined)[0] ??
      activeFileUri()?.fsPath ??
      vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
    if (!target) {
      const picked = await vscode.window.showOpenDialog({
        title: t('Show Volume Capabilities'),
        canSelectFiles: true,
        canSelectFolders: true,
      });
      target = picked?.[0]?.fsPath;
    }
    if (!target) return undefined;
    try {
      const engine = await s.engine();
      const v = await engine.volume(target);
      const lines = describeVolume(v, t);
      s.log.info(`volume of ${target}:\n  ${lines.join('\n  ')}`);
      const details = t('Show Details');
      void vscode.window.showInformationMessage(lines[0], details).then((c) => c === details && s.log.show(true));
      return v;
    } catch (e) {
      showFailure(s, t('Show Volume Capabilities'), e);
      return undefined;
    }
  });
}
