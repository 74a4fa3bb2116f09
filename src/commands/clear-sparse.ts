// extentLens.clearSparse: clear a file's sparse attribute.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { runSetSparse } from './sparse-flag';

export function registerClearSparse(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.clearSparse, (uri?: unknown) => runSetSparse(s, uri, false));
}
