// extentLens.digHoles: find blocks that are all zeros and deallocate them (the content does not
// change, so no confirmation). Long on big files: progress with cancel, native loop in the worker.
// One exception: a file open in an editor may be written (saved) while the holes are dug, and no
// tool can make dig-holes safe against a concurrent writer (docs/ENGINE.md), so that asks first.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { OperationReport } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS, INSPECTOR_VIEW_TYPE } from '../host/logic/contributions';
import { formatBytes } from '../host/logic/bytes';
import { logReport, pickFile, requireTrust, showFailure, withCancellableProgress } from '../host/ui';

const t = vscode.l10n.t;

export function registerDigHoles(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.digHoles, async (uri?: unknown): Promise<OperationReport | undefined> => {
    if (!requireTrust(s, t('Dig Holes'))) return undefined;
    const file = await pickFile(uri, t('Dig Holes: file'));
    if (!file) return undefined;
    if (openInEditor(file)) {
      const go = t('Dig Holes');
      const answer = await vscode.window.showWarningMessage(
        t(
          '{0} is open in an editor. If it is saved (or written by anything else) while holes are dug, data can be lost. Dig holes anyway?',
          path.basename(file),
        ),
        { modal: true, detail: t('Close the file, or make sure nothing writes to it until Dig Holes has finished.') },
        go,
      );
      if (answer !== go) return undefined;
    }
    try {
      const engine = await s.engine();
      const report = await withCancellableProgress(t('Digging holes in {0}', path.basename(file)), (signal, onProgress) =>
        engine.digHoles(file, { signal, onProgress }),
      );
      logReport(s, report);
      void vscode.window.showInformationMessage(t('Freed {0} of zero blocks in {1}.', formatBytes(report.bytes), path.basename(file)));
      return report;
    } catch (e) {
      showFailure(s, t('Dig Holes'), e);
      return undefined;
    }
  });
}

/**
 * True when `file` is open in a text editor or a tab of any editor other than the Extent Lens
 * inspector (which never writes): such an editor may save while holes are dug.
 */
function openInEditor(file: string): boolean {
  const same = (u: vscode.Uri | undefined): boolean => u?.scheme === 'file' && path.resolve(u.fsPath) === path.resolve(file);
  if ((vscode.workspace.textDocuments ?? []).some((d) => same(d.uri))) return true;
  for (const g of vscode.window.tabGroups?.all ?? [])
    for (const tab of g.tabs) {
      const input = tab.input as { uri?: vscode.Uri; viewType?: string } | undefined;
      if (input && input.viewType !== INSPECTOR_VIEW_TYPE && same(input.uri)) return true;
    }
  return false;
}
