// extentLens.cloneHere: clone the selected files into a folder (explorer: right-click a folder).
// With nothing selected it asks for the source files. Returns the reports (tests use them).
//   executeCommand('extentLens.cloneHere', folderUri)                         selection or dialog
//   executeCommand('extentLens.cloneHere', folderUri, undefined, { sources: [...], onExisting, fallback, showResults })

import * as vscode from 'vscode';
import type { OperationReport } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { destinationInFolder, laterTaken, samePath } from '../host/logic/destination';
import { ExistingAnswers } from '../host/logic/existing-policy';
import { isFolder, presentResults, readFlowOptions, runCloneFlow, type FlowResult } from './clone-flow';
import { exists, pickFiles, pickFolder, requireTrust, requireWritableOnShare, showFailure } from '../host/ui';
import { shownName, shownPath } from '../host/logic/shown';
import { notClonedText } from './logic/clone-here-text';

const t = vscode.l10n.t;

export function registerCloneHere(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(
    COMMANDS.cloneHere,
    async (uri?: unknown, uris?: unknown, options?: unknown): Promise<OperationReport[]> => {
      if (!requireTrust(s, t('Block Clone Here'))) return [];
      // The clicked folder comes first; with several folders selected, that is the one meant.
      const folderArg = uri ?? (Array.isArray(uris) ? uris[0] : undefined);
      const folder = await pickFolder(folderArg, t('Block Clone Here: destination folder'));
      if (!folder) return [];
      if (!(await isFolder(folder))) {
        void vscode.window.showErrorMessage(t('Block Clone Here needs a folder; "{0}" is not one.', folder));
        return [];
      }
      const opts = readFlowOptions(options);
      const given = (options as { sources?: unknown } | undefined)?.sources;
      let sources = Array.isArray(given) ? given.filter((x): x is string => typeof x === 'string') : s.selection.get();
      if (sources.length === 0) sources = await pickFiles(t('Block Clone Here: files to clone into {0}', folder));
      if (sources.length === 0) return [];
      try {
        // a folder of a read-only share: said now, not after a copy was offered into it
        await requireWritableOnShare(s, folder);
      } catch (e) {
        showFailure(s, t('Block Clone Here'), e);
        return [];
      }

      const done: FlowResult[] = [];
      // A copy accepted for one file (another file system, or a share and this computer) is the
      // answer for the rest of the selection: asked once, not once per file.
      let copyChosen = false;
      /** The files this command made, one per source handled (a clone's final name, a copy's). */
      const made: string[] = [];
      // "Rename All" / "Overwrite All" answer for the rest of this command's taken names
      const answers = new ExistingAnswers(samePath);
      for (const [i, source] of sources.entries()) {
        const destination = destinationInFolder(source, folder);
        // Two selected files with one name (a/r2, b/r2): the second lands on the clone this
        // command made a moment ago. That is not an existing file the person may choose to
        // overwrite: it is always renamed, without asking.
        const madeNow = made.some((m) => samePath(m, destination));
        const r = await runCloneFlow(
          s,
          {
            title: t('Cloning {0} into {1}', shownName(source), shownPath(folder)),
            copyTitle: t('Copying {0} into {1}', shownName(source), shownPath(folder)),
            source,
            destination,
            checkExisting: true,
            clone: true,
            batch: { answers, later: () => laterTaken(sources.slice(i + 1), folder, [...made, destination], exists) },
            run: (engine, fallback, onExisting, signal, onProgress) =>
              engine.clone(source, folder, { fallback, onExisting, signal, onProgress }),
          },
          { ...opts, ...(madeNow ? { onExisting: 'rename' as const } : {}), ...(copyChosen ? { fallback: 'copy' as const } : {}) },
        );
        if (!r) break; // cancelled, declined or failed (already shown): do not go on with the rest
        // (a share and this computer: copied through VS Code, its own notification; it went on
        // to the next file only since a trial saw the second of three stop it without a word)
        if (r === 'copied') {
          copyChosen = true;
          made.push(destination);
        } else {
          copyChosen ||= r.report.fellBack === true;
          made.push(r.report.destination ?? destination);
          done.push(r);
        }
      }
      // one results view and one notification for the whole selection (what was done so far)
      presentResults(s, done, opts, t('Block Clone Here'));
      // stopped part way (cancelled, a copy declined, a failure already shown): the rest is said
      const notCloned = notClonedText(sources.map(shownName), made.length, t);
      if (notCloned) void vscode.window.showWarningMessage(notCloned);
      return done.map((r) => r.report);
    },
  );
}
