// extentLens.inspect: open the inspector for a file (argument, active editor, or a dialog).

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { pickFile } from '../host/ui';
import { openInspectorPanel } from '../views/inspector-panel';

export function registerInspect(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.inspect, async (arg?: unknown): Promise<string | undefined> => {
    const file = await pickFile(arg, vscode.l10n.t('Inspect Allocated Ranges'));
    if (!file) return undefined;
    s.log.info(`inspect ${file}`);
    openInspectorPanel(s, file);
    return file;
  });
}
