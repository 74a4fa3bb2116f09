// Between this computer and a share nothing can be cloned, and the engine copies only within
// one of the two sides (two shares: it reads through one connection and writes through the
// other, holes kept). Say so and offer a plain copy, streamed through the engine's SMB file API in
// chunks of about 1 MiB (never the whole file in memory), with progress and cancel. The new file
// is written under a temporary name and renamed into place (on a share: deleted by the server
// until complete; here: a hidden temporary file, linked to its name so that an existing file is
// never replaced unless the person chose Overwrite), so a failure or a cancel leaves nothing.
// Holes are not kept.

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ExistingPolicy } from '../engine';
import { uriPartsOf } from '../host/logic/smb-uri';
import { isSmbUri } from '../protocol/shown-path';
import { errorFacts } from '../host/logic/errors';
import { countedChunks } from '../host/logic/progress';
import type { Services } from '../host/services';
import { showFailure, withCancellableProgress } from '../host/ui';
import { shownName, shownPath, shownText } from '../host/logic/shown';

const t = vscode.l10n.t;

/**
 * True when one of `source` and `destination` is on an SMB share and the other on this computer:
 * no clone and no engine copy joins them (between two shares, even of two servers, the engine
 * copies itself, holes kept: a trial's Server-Side Copy between shares came here and filled a 6
 * GiB image's 4.5 GiB of holes).
 */
export function shareAndLocal(source: string, destination: string): boolean {
  return isSmbUri(source) !== isSmbUri(destination);
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
    '{0} and {1}: one is on an SMB share and the other on this computer (E_CROSS_VOLUME), so no clone and no server-side copy can join them: block cloning shares blocks within one volume, and a server-side copy stays on one server.',
    source,
    destination,
  );
  s.log.warn(`${title}: ${why}`);
  if (!copyWithoutAsking) {
    const copy = t('Copy instead (holes are not kept)');
    // an error notification: VS Code keeps it until it is answered (a warning hides in seconds)
    if ((await vscode.window.showErrorMessage(why, copy)) !== copy) return false;
  }
  try {
    // Rename: the name the engine's rule gives a copy ("name (copy).ext", the next free one), as
    // every copy is named (a trial's Rename here failed with EEXIST on the name taken)
    if (policy === 'rename') destination = await (await s.engine()).renamedPath('copy', source, destination);
    await withCancellableProgress(t('Copying {0} to {1}', shownName(source), shownPath(destination)), async (signal, onProgress) => {
      const api = await s.smbFiles();
      const total = uriPartsOf(source) ? (await api.stat(source)).size : (await fs.stat(source, { bigint: true })).size;
      const chunks = countedChunks(uriPartsOf(source) ? api.readChunks(source, { signal }) : localChunks(source), total, onProgress);
      if (uriPartsOf(destination)) {
        const r = await api.writeFile(destination, chunks, { create: true, overwrite: policy === 'overwrite', signal });
        for (const line of r.notKept) s.log.warn(line);
      } else await writeLocal(destination, chunks, policy === 'overwrite', signal);
    });
  } catch (e) {
    if (errorFacts(e).cancelled) {
      // the temporary file is gone either way (a share deletes it on close, here it is removed):
      // said as the copy's cancel, not as a read's (a trial read "Reading … was cancelled")
      s.log.info(`copy of ${source} to ${destination} cancelled; nothing was left behind`);
      void vscode.window.showInformationMessage(shownText(t('{0} was cancelled; nothing was left behind.', t('Copy'))));
      return false;
    }
    showFailure(s, t('Copy'), e);
    return false;
  }
  s.log.info(`copied ${source} to ${destination} through VS Code's file system (not cloned: another machine or share)`);
  void vscode.window.showInformationMessage(
    t('Copied {0} to {1} (not cloned: another machine or share).', shownName(source), shownPath(destination)),
  );
  return true;
}

/** A local file in chunks of 1 MiB. */
async function* localChunks(file: string): AsyncGenerator<Uint8Array> {
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) yield c as Buffer;
}

/**
 * Write `chunks` to the local `destination`: a hidden temporary file beside it, then linked to
 * the name (EEXIST rather than replace) or, with `overwrite`, renamed over it. On any failure
 * or a cancel the temporary file is removed.
 */
async function writeLocal(destination: string, chunks: AsyncIterable<Uint8Array>, overwrite: boolean, signal: AbortSignal): Promise<void> {
  const temp = path.join(path.dirname(destination), `.${path.basename(destination)}.extent-lens-${randomBytes(4).toString('hex')}.tmp`);
  const fh = await fs.open(temp, 'wx');
  try {
    try {
      for await (const c of chunks) {
        if (signal.aborted)
          throw Object.assign(new Error(t('The copy was cancelled (E_CANCELLED); nothing was left behind.')), { code: 'E_CANCELLED' });
        await fh.write(c);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (overwrite) await fs.rename(temp, destination);
    else {
      await fs.link(temp, destination);
      await fs.unlink(temp);
    }
  } catch (e) {
    await fs.unlink(temp).catch(() => undefined);
    throw e;
  }
}
