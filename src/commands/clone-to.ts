// extentLens.cloneTo: clone one file to a new name (save dialog) or into a folder.
//   executeCommand('extentLens.cloneTo', sourceUri, destinationPathOrUri?, { onExisting, fallback, showResults })

import * as vscode from 'vscode';
import type { ExistingPolicy, OperationReport } from '../engine';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { destinationInFolder } from '../host/logic/destination';
import { enginePathOfUri, pathsFromArgs } from '../host/logic/clone-selection';
import { cannotShareBlocks, isFolder, presentResult, readFlowOptions, runCloneFlow, suggestedPath } from './clone-flow';
import { exists, offerCopyInstead, pickFile, requireTrust, uriOfPath } from '../host/ui';
import { shownName, shownPath } from '../host/logic/shown';

const t = vscode.l10n.t;

export function registerCloneTo(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(
    COMMANDS.cloneTo,
    async (uri?: unknown, dest?: unknown, options?: unknown): Promise<OperationReport | undefined> => {
      if (!requireTrust(s, t('Block Clone To'))) return undefined;
      const source = await pickFile(uri, t('Block Clone To: file to clone'));
      if (!source) return undefined;
      const opts = readFlowOptions(options);
      let target = Array.isArray(dest) ? undefined : pathsFromArgs(dest, undefined)[0];
      if (!target) {
        // A file system that cannot share blocks (ext4) is said before the new name is asked for
        // (a trial picked a name first, then met EOPNOTSUPP), with the copy offered, as Clone
        // Range does; what is made then is a copy, named as one.
        const refusal = await cannotShareBlocks(s, source);
        if (refusal && opts.fallback !== 'copy') {
          if (!(await offerCopyInstead(s, refusal))) {
            s.log.info(`Block Clone To ${source}: its file system cannot share blocks; the copy was declined`);
            return undefined;
          }
          opts.fallback = 'copy';
        }
        const made = refusal ? 'copy' : 'clone';
        const picked = await vscode.window.showSaveDialog({
          title: t('Block Clone To: new file'),
          // ("disk (copy).img" for a copy: a trial's copy was suggested "disk (clone).img"; the
          // engine names a clone's fallback copy so too, ResolvedDestination.madeAs)
          defaultUri: uriOfPath(await suggestedPath(s, made, source)),
          saveLabel: opts.fallback === 'copy' ? t('Copy') : t('Clone'),
        });
        if (!picked) return undefined;
        target = enginePathOfUri(picked) ?? picked.fsPath;
        // The save dialog already asked about replacing an existing file: that is the choice.
        if (opts.onExisting === undefined && (await exists(target))) opts.onExisting = 'overwrite' satisfies ExistingPolicy;
      }
      const destFile = (await isFolder(target)) ? destinationInFolder(source, target) : target;
      const engineTarget = target;
      const r = await runCloneFlow(
        s,
        {
          title: t('Cloning {0} to {1}', shownName(source), shownPath(destFile)),
          copyTitle: t('Copying {0} to {1}', shownName(source), shownPath(destFile)),
          source,
          destination: destFile,
          checkExisting: true,
          clone: true,
          run: (engine, fallback, onExisting, signal, onProgress) =>
            engine.clone(source, engineTarget, { fallback, onExisting, signal, onProgress }),
        },
        opts,
      );
      if (!r || r === 'copied') return undefined; // (a copy between a share and here: said by itself)
      presentResult(s, r, opts);
      return r.report;
    },
  );
}
