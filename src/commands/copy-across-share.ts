// Between this computer and a share (or two shares) nothing can be cloned: a block clone shares
// blocks within one volume, and a server-side copy stays on one server. Say so and offer a
// plain copy through VS Code's file system (the smb: provider writes it to a temporary name
// and renames it into place, so a failure leaves nothing). Holes are not kept: the copy reads
// and writes every byte.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ExistingPolicy } from '../engine';
import { isSmbUri, uriPartsOf } from '../host/logic/smb-uri';
import { errorLogLine } from '../host/logic/errors';
import type { Services } from '../host/services';
import { showFailure, uriOfPath } from '../host/ui';

const t = vscode.l10n.t;

/** The server a path is on ('' for this computer). */
function machineOf(p: string): string {
  const parts = uriPartsOf(p);
  if (!parts || !isSmbUri(parts)) return '';
  const host = parts.authority.slice(parts.authority.lastIndexOf('@') + 1).toLowerCase();
  const share = parts.path.split('/')[1]?.toLowerCase() ?? '';
  return `${host}/${share}`;
}

/** True when `source` and `destination` are not on one machine and share: no clone can join them. */
export function crossesShare(source: string, destination: string): boolean {
  return machineOf(source) !== machineOf(destination);
}

/**
 * Explain and offer the copy (or make it at once when the caller passed fallback: 'copy').
 * Resolves true when the copy was made.
 */
export async function copyAcrossShare(
  s: Services,
  title: string,
  source: string,
  destination: string,
  policy: ExistingPolicy,
  copyWithoutAsking: boolean,
): Promise<boolean> {
  const why = t(
    '{0} and {1} are on different machines or shares (E_CROSS_VOLUME): block cloning shares blocks within one volume, and a server-side copy stays on one server.',
    source,
    destination,
  );
  s.log.warn(`${title}: ${why}`);
  if (!copyWithoutAsking) {
    const copy = t('Copy instead (holes are not kept)');
    if ((await vscode.window.showWarningMessage(why, copy)) !== copy) return false;
  }
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: t('Copying {0} to {1}', path.basename(source), destination) },
      () => Promise.resolve(vscode.workspace.fs.copy(uriOfPath(source), uriOfPath(destination), { overwrite: policy === 'overwrite' })),
    );
  } catch (e) {
    s.log.error(errorLogLine('copy', e));
    showFailure(s, t('Copy'), e);
    return false;
  }
  s.log.info(`copied ${source} to ${destination} through VS Code's file system (not cloned: another machine or share)`);
  void vscode.window.showInformationMessage(
    t('Copied {0} to {1} (not cloned: another machine or share).', path.basename(source), destination),
  );
  return true;
}
