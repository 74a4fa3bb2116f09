// extentLens.selectForClone: remember the explorer's selected files as clone sources (folders
// and special files left out; restricted mode says that Block Clone Here needs trust).

import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import type { Services } from '../host/services';
import { COMMANDS } from '../host/logic/contributions';
import { enginePathOfUri, pathsFromArgs } from '../host/logic/clone-selection';
import { activeFileUri } from '../host/ui';
import { isFolder, unshareableVolume } from './clone-flow';

export function registerSelectForClone(s: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.selectForClone, async (uri?: unknown, uris?: unknown): Promise<string[]> => {
    let paths = pathsFromArgs(uri, uris);
    // Folders in a mixed explorer selection are not clone sources: leave them out, say so.
    const kept: string[] = [];
    const notFiles: string[] = [];
    for (const p of paths) {
      const kind = await kindOf(p);
      if (kind === 'folder') s.log.info(`select for block clone: skipped folder ${p}`);
      else if (kind === 'special') notFiles.push(p);
      else kept.push(p);
    }
    // a FIFO, socket or device has no blocks to share: said now, not at Block Clone Here
    if (notFiles.length > 0) {
      s.log.info(`select for block clone: skipped ${notFiles.join(', ')} (not regular files)`);
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Skipped {0}: not a regular file (a FIFO, socket or device has no blocks to clone).', notFiles.join(', ')),
      );
      if (kept.length === 0) return s.selection.get();
    }
    paths = kept;
    if (paths.length === 0) {
      const active = activeFileUri();
      const p = active && enginePathOfUri(active);
      if (p) paths = [p];
    }
    if (paths.length === 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Select one or more files in the Explorer first.'));
      return s.selection.get();
    }
    const cannotShare = await fileSystemsThatCannotShare(s, paths);
    s.selection.set(paths, cannotShare);
    s.log.info(
      `selected for block clone: ${paths.join(', ')}` +
        [...cannotShare].map(([p, fsName]) => `; ${p} is on ${fsName}, which cannot share blocks`).join(''),
    );
    // (said now, not only when Block Clone Here meets it)
    const note = s.selection.cannotShareNote(vscode.l10n.t);
    const selected =
      paths.length === 1
        ? note
          ? vscode.l10n.t('Selected {0} for block clone ({1}).', paths[0], note.long)
          : vscode.l10n.t('Selected {0} for block clone.', paths[0])
        : note
          ? vscode.l10n.t('Selected {0} files for block clone ({1}).', paths.length, note.long)
          : vscode.l10n.t('Selected {0} files for block clone.', paths.length);
    // Block Clone Here changes files: restricted mode hides it, so the next step is trusting
    void vscode.window.showInformationMessage(
      vscode.workspace.isTrusted
        ? `${selected} ${vscode.l10n.t('Right-click a folder and choose Block Clone Here.')}`
        : `${selected} ${vscode.l10n.t("Block Clone Here changes files, so it is in a folder's menu once this workspace is trusted (Manage Workspace Trust).")}`,
    );
    return s.selection.get();
  });
}

/**
 * The files whose file system cannot share blocks at all (ext4, tmpfs), each with that file
 * system's name, from the engine's volume facts (known from the type there; elsewhere the probe
 * the engine runs once per file system, as Block Clone To and Clone Range ask it). Not asked of
 * a share (Block Clone Here says what the server answers), and a file the engine cannot answer
 * for is left to Block Clone Here, which names the error.
 */
async function fileSystemsThatCannotShare(s: Services, paths: readonly string[]): Promise<Map<string, string>> {
  const volumes = await Promise.all(paths.map((p) => unshareableVolume(s, p)));
  return new Map(paths.flatMap((p, i) => (volumes[i] ? [[p, volumes[i].filesystem] as const] : [])));
}

/**
 * A folder, a FIFO, socket or device ('special'), or anything else ('file': a missing path too,
 * which Block Clone Here names with the OS error). One stat locally; on a share the server has
 * regular files and folders only.
 */
async function kindOf(p: string): Promise<'folder' | 'special' | 'file'> {
  if (/^smb:\/\//i.test(p)) return (await isFolder(p)) ? 'folder' : 'file';
  try {
    const st = await fs.stat(p);
    return st.isDirectory() ? 'folder' : st.isFile() ? 'file' : 'special';
  } catch {
    return 'file';
  }
}
