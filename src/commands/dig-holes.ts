// extentLens.digHoles: find blocks that are all zeros and deallocate them (the content does not
// change, so no confirmation). Long on big files: progress with cancel, native loop in the worker.
// One exception: a file open in an editor may be written (saved) while the holes are dug, and no
// tool can make dig-holes safe against a concurrent writer (docs/ENGINE.md), so that asks first.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Engine, OperationReport } from '../engine';
import { EXTENT_FLAG } from '../engine/map-format';
import type { Services } from '../host/services';
import { COMMANDS, INSPECTOR_VIEW_TYPE } from '../host/logic/contributions';
import { bytesText } from '../host/logic/bytes';
import { errorLogLine } from '../host/logic/errors';
import { digHolesMessage, lengthPastEof, totalLength, unwrittenRanges, type Range } from './logic/dig-holes-text';
import { logReport, pickFile, requireTrust, showFailure, withCancellableProgress } from '../host/ui';
import { enginePathOfUri } from '../host/logic/clone-selection';
import { shownName } from '../host/logic/shown';

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
          file,
        ),
        { modal: true, detail: t('Close the file, or make sure nothing writes to it until Dig Holes has finished.') },
        go,
      );
      if (answer !== go) return undefined;
    }
    try {
      const engine = await s.engine();
      const report = await withCancellableProgress(t('Digging holes in {0}', shownName(file)), (signal, onProgress) =>
        engine.digHoles(file, { signal, onProgress }),
      );
      logReport(s, report);
      // Dig Holes reads data ranges only: say what it scanned, and name the preallocated
      // (unwritten) space it did not, with an offer to deallocate that too.
      const { ranges: unwritten, size } = await unwrittenOf(s, engine, file);
      const msg = digHolesMessage(report, shownName(file), totalLength(unwritten), t, lengthPastEof(unwritten, size));
      if (unwritten.length === 0) void vscode.window.showInformationMessage(msg);
      else {
        const dealloc = t('Deallocate Unwritten…');
        void vscode.window.showInformationMessage(msg, dealloc).then((c) => {
          if (c === dealloc) return deallocateUnwritten(s, file);
        });
      }
      return report;
    } catch (e) {
      showFailure(s, t('Dig Holes'), e);
      return undefined;
    }
  });
}

async function unwrittenOf(s: Services, engine: Engine, file: string): Promise<{ ranges: Range[]; size: bigint }> {
  try {
    const m = await engine.mapPacked(file);
    return { ranges: unwrittenRanges(m.packed, EXTENT_FLAG.UNWRITTEN), size: m.size };
  } catch (e) {
    s.log.warn(errorLogLine(`map ${file} (unwritten extents)`, e));
    return { ranges: [], size: 0n };
  }
}

/**
 * Punch the file's unwritten (preallocated) extents, after a confirmation: the content does not
 * change (they read as zeros), but the space stops being reserved. The map is read again just
 * before punching, so a range written since the offer is left alone.
 */
async function deallocateUnwritten(s: Services, file: string): Promise<void> {
  const name = shownName(file);
  try {
    const engine = await s.engine();
    const offered = totalLength((await unwrittenOf(s, engine, file)).ranges);
    const go = t('Deallocate');
    const answer = await vscode.window.showWarningMessage(
      t('Deallocate {0} of preallocated, unwritten space in {1}?', bytesText(offered, t), file),
      {
        modal: true,
        detail: t(
          'Those blocks read as zeros, so the content does not change, but the space is no longer reserved for the file: writing there later needs free space again. Make sure nothing writes to the file meanwhile.',
        ),
      },
      go,
    );
    if (answer !== go) return;
    const freed = await withCancellableProgress(t('Deallocating unwritten space in {0}', name), async (signal) => {
      let total = 0n;
      for (const r of (await unwrittenOf(s, engine, file)).ranges) {
        const report = await engine.punch(file, r, { signal });
        logReport(s, report);
        total += report.bytes;
      }
      return total;
    });
    void vscode.window.showInformationMessage(t('Deallocated {0} of unwritten space in {1}.', bytesText(freed, t), name));
  } catch (e) {
    showFailure(s, t('Deallocate Unwritten'), e);
  }
}

/**
 * True when `file` is open in a text editor or a tab of any editor other than the Extent Lens
 * inspector (which never writes): such an editor may save while holes are dug.
 */
function openInEditor(file: string): boolean {
  const same = (u: vscode.Uri | undefined): boolean => {
    const p = u && enginePathOfUri(u);
    return p !== undefined && (u?.scheme === 'file' ? path.resolve(p) === path.resolve(file) : p === file);
  };
  if ((vscode.workspace.textDocuments ?? []).some((d) => same(d.uri))) return true;
  for (const g of vscode.window.tabGroups?.all ?? [])
    for (const tab of g.tabs) {
      const input = tab.input as { uri?: vscode.Uri; viewType?: string } | undefined;
      if (input && input.viewType !== INSPECTOR_VIEW_TYPE && same(input.uri)) return true;
    }
  return false;
}
