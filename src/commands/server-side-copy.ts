// extentLens.serverSideCopy: copy without moving the data through this machine where the OS
// can (SMB copychunk, copy_file_range, fcopyfile); the engine falls back to a hole-keeping
// copy by itself and says so in the report.
//   executeCommand('extentLens.serverSideCopy', sourceUri, destinationPathOrUri?, { onExisting, showResults })

import * as vscode from 'vscode';
import type { OperationReport } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { destinationInFolder } from '../host/logic/destination';
import { enginePathOfUri, pathsFromArgs } from '../host/logic/clone-selection';
import { isFolder, presentResult, readFlowOptions, runCloneFlow, suggestedPath } from './clone-flow';
import { exists, pickFile, requireTrust, uriOfPath } from '../host/ui';
import { shownName, shownPath } from '../host/logic/shown';

const t = vscode.l10n.t;

export function registerServerSideCopy(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(
    COMMANDS.serverSideCopy,
    async (uri?: unknown, dest?: unknown, options?: unknown): Promise<OperationReport | undefined> => {
      if (!requireTrust(s, t('Server-Side Copy'))) return undefined;
      const source = await pickFile(uri, t('Server-Side Copy: file to copy'));
      if (!source) return undefined;
      const opts = readFlowOptions(options);
      let target = Array.isArray(dest) ? undefined : pathsFromArgs(dest, undefined)[0];
      if (!target) {
        const picked = await vscode.window.showSaveDialog({
          title: t('Server-Side Copy To'),
          defaultUri: uriOfPath(await suggestedPath(s, 'copy', source)),
          saveLabel: t('Copy'),
        });
        if (!picked) return undefined;
        target = enginePathOfUri(picked) ?? picked.fsPath;
        // The save dialog already asked about replacing an existing file: that is the choice.
        if (opts.onExisting === undefined && (await exists(target))) opts.onExisting = 'overwrite';
      }
      const destFile = (await isFolder(target)) ? destinationInFolder(source, target) : target;
      const engineTarget = target;
      const r = await runCloneFlow(
        s,
        {
          title: t('Copying {0} to {1}', shownName(source), shownPath(destFile)),
          source,
          destination: destFile,
          checkExisting: true,
          // copy() already falls back to a hole-keeping copy; there is no "clone impossible" here
          run: (engine, _fallback, onExisting, signal, onProgress) => engine.copy(source, engineTarget, { onExisting, signal, onProgress }),
        },
        { ...opts, fallback: 'copy' },
      );
      if (!r || r === 'copied') return undefined; // (a copy between a share and here: said by itself)
      presentResult(s, r, opts);
      return r.report;
    },
  );
}
