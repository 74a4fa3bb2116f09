// extentLens.setSparse: mark a file sparse.

import * as vscode from 'vscode';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { runSetSparse } from './sparse-flag';

export function registerSetSparse(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.setSparse, (uri?: unknown) => runSetSparse(s, uri, true));
}
