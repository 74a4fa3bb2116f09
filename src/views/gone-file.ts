// A file a view lists, checked before Open or Reveal acts on it: deleted or moved since the
// view's run, it is said (with what to do), rather than an inspector opened on nothing (an
// ENOENT banner, logged three times) or a Reveal that does nothing at all. Local paths only: an
// SMB stat would be a round trip per click, and the inspector names a missing share file itself.

import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Services } from '../host/services';

/** True when `file` is gone; then `sentence()` (translated by the caller) has been shown and logged. */
export function saidGone(s: Services, view: string, file: string, sentence: () => string): boolean {
  if (file.startsWith('smb://') || fs.existsSync(file)) return false;
  s.log.info(`${view}: ${file} is no longer there`);
  void vscode.window.showWarningMessage(sentence());
  return true;
}
