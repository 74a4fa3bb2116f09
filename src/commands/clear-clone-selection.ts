// extentLens.clearCloneSelection: forget the files selected for block clone.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';

export function registerClearCloneSelection(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.clearCloneSelection, (): void => {
    s.selection.clear();
    s.log.info('block clone selection cleared');
  });
}
