// extentLens.showVolume: what the volume holding a file or folder can do (file system, block
// size, sparse and clone support with the evidence). Returns the VolumeInfo.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { VolumeInfo } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { describeVolume } from './logic/volume-text';
import { enginePathOfUri, pathsFromArgs } from '../host/logic/clone-selection';
import { activeFileUri, exists, showFailure } from '../host/ui';

const t = vscode.l10n.t;

export function registerShowVolume(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.showVolume, async (uri?: unknown): Promise<VolumeInfo | undefined> => {
    // From the explorer or an editor tab the path is the argument. From the palette there is
    // none: ask, suggesting the active file's folder, so the answer is never silently about
    // some other volume (the workspace root may live elsewhere).
    let target: string | undefined = pathsFromArgs(uri, undefined)[0];
    if (!target) {
      const active = activeFileUri();
      const suggestion = active
        ? path.dirname(enginePathOfUri(active) ?? active.fsPath)
        : (vscode.workspace.workspaceFolders?.map((f) => enginePathOfUri(f.uri)).find((p) => p !== undefined) ?? '');
      const typed = await vscode.window.showInputBox({
        title: t('Show Volume Capabilities'),
        prompt: t('A file or folder on the volume to describe.'),
        value: suggestion,
        ignoreFocusOut: true,
        validateInput: async (v) => {
          const p = v.trim();
          if (p === '') return t('Enter a path.');
          return p.startsWith('smb://') || (await exists(p)) ? undefined : t('"{0}" does not exist.', p);
        },
      });
      target = typed?.trim();
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
