// extentLens.digHoles: find blocks that are all zeros and deallocate them (the content does not
// change, so no confirmation). Long on big files: progress with cancel, native loop in the worker.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { OperationReport } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { formatBytes } from '../host/logic/bytes';
import { logReport, pickFile, requireTrust, showFailure, withCancellableProgress } from '../host/ui';

const t = vscode.l10n.t;

export function registerDigHoles(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.digHoles, async (uri?: unknown): Promise<OperationReport | undefined> => {
    if (!requireTrust(s, t('Dig Holes'))) return undefined;
    const file = await pickFile(uri, t('Dig Holes: file'));
    if (!file) return undefined;
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
