// extentLens.findDuplicates: identical data across a selection of files and folders and what
// sharing it would free (engine.findDuplicates, issue 14), shown in a Dedupe view (one per
// search), from which Deduplicate applies it. From the explorer it gets (uri, uris[]) — the
// clicked item and the whole multi-selection; from the palette it asks for files or folders.
// Nothing else is asked: the chunk and minimum sizes come from the extentLens.dedupe settings.
// The search only reads, so it runs in restricted mode too; Deduplicate does not (dedupe-panel.ts).

import * as vscode from 'vscode';
import type { DedupeWirePlan } from '../protocol/messages';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { pathsFromArgs } from '../host/logic/clone-selection';
import { readDedupeOptions } from '../host/logic/dedupe-settings';
import { DedupePanel } from '../views/dedupe-panel';
import { showSettingError } from '../host/ui';

const t = vscode.l10n.t;

export function registerFindDuplicates(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(
    COMMANDS.findDuplicates,
    async (uri?: unknown, uris?: unknown): Promise<DedupeWirePlan | undefined> => {
      const cfg = vscode.workspace.getConfiguration('extentLens');
      const opts = readDedupeOptions(cfg.get('dedupe.chunkSize'), cfg.get('dedupe.minSize'), t);
      if ('error' in opts) {
        s.log.error(`find duplicates: the setting ${opts.setting} is not usable: ${opts.error}`);
        showSettingError(t('The setting {0} is not a byte size: {1}', opts.setting, opts.error), opts.setting);
        return undefined;
      }
      let paths = pathsFromArgs(uri, uris);
      if (paths.length === 0) {
        const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file' || f.uri.scheme === 'smb')?.uri;
        const picked = await vscode.window.showOpenDialog({
          title: t('Find Duplicate Data'),
          defaultUri: folder,
          canSelectFiles: true,
          canSelectFolders: true,
          canSelectMany: true,
          openLabel: t('Search'),
        });
        paths = pathsFromArgs(picked ?? [], undefined);
      }
      if (paths.length === 0) return undefined;
      return DedupePanel.find(s, paths, opts);
    },
  );
}
