// Set Sparse / Clear Sparse share one implementation (the Windows sparse attribute; on Linux
// and macOS every file can hold holes: the engine changes nothing, and the message says so).

import * as vscode from 'vscode';
import type { OperationReport } from '../engine';
import type { Services } from '../host/services';
import { logReport, pickFile, requireTrust, showFailure } from '../host/ui';
import { clearSparseQuestion, sparseFlagMessage } from './logic/sparse-text';
import { shownName } from '../host/logic/shown';
import { bytesText } from '../host/logic/bytes';
import { isSmbUri } from '../protocol/shown-path';

const t = vscode.l10n.t;

export async function runSetSparse(s: Services, uri: unknown, sparse: boolean): Promise<OperationReport | undefined> {
  const what = sparse ? t('Set Sparse') : t('Clear Sparse');
  if (!requireTrust(s, what)) return undefined;
  const file = await pickFile(uri, what);
  if (!file) return undefined;
  try {
    const engine = await s.engine();
    // Where there is a sparse attribute (SMB, Windows), clearing it can allocate the file's holes: asked first.
    if (!sparse && (isSmbUri(file) || process.platform === 'win32')) {
      const r = await engine.ranges(file);
      const holes = r.size - r.ranges.reduce((n, x) => n + x.length, 0n);
      if (holes > 0n) {
        const q = clearSparseQuestion(shownName(file), bytesText(holes, t), t);
        const go = t('Clear Sparse');
        if ((await vscode.window.showWarningMessage(q.text, { modal: true, detail: q.detail }, go)) !== go) return undefined;
      }
    }
    const report = await engine.setSparse(file, sparse);
    logReport(s, report);
    void vscode.window.showInformationMessage(sparseFlagMessage(report, shownName(file), sparse, t));
    return report;
  } catch (e) {
    showFailure(s, what, e);
    return undefined;
  }
}
