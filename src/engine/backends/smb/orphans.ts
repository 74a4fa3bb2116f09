// Files this process created with delete-on-close whose connection dropped before the close: a
// server that died (smbd killed, power lost) never ran the delete, so an unfinished copy's or
// write's temporary file would stay on the share. Remembered here by share (poolKey) and deleted
// on the next connection to that share, for the engine's copies (transport.ts) and the file
// API's writes (files.ts) alike.
import type { SmbClient } from './protocol/client';
import { Access, CreateOption, Disposition } from './protocol/messages';
import { clientFor, logOnAnew } from './protocol/pool';
import { parseSmbUri, poolKey, smbPath, type SmbTarget } from './protocol/uri';

const orphans = new Map<string, Set<string>>();

/** `path` (an smb:// URI) was left open with delete-on-close when its connection dropped. */
export function rememberOrphan(target: SmbTarget, path: string): void {
  const key = poolKey(target);
  orphans.set(key, (orphans.get(key) ?? new Set()).add(path));
}

/**
 * The pooled client for `target` (with `anew`, a new connection logged on with the password the
 * provider gives now: pool.ts logOnAnew), after deleting what a dropped connection left behind there.
 */
export async function clientSweeping(target: SmbTarget, opts: { anew?: boolean } = {}): Promise<SmbClient> {
  const client = await (opts.anew ? logOnAnew(target) : clientFor(target));
  const left = orphans.get(poolKey(target));
  if (left?.size) {
    for (const path of [...left]) {
      left.delete(path); // once: a file that cannot be deleted now is not retried on every request
      try {
        const options = CreateOption.NON_DIRECTORY_FILE | CreateOption.DELETE_ON_CLOSE;
        const desiredAccess = Access.DELETE | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
        const r = await client.create({ name: smbPath(parseSmbUri(path)), desiredAccess, disposition: Disposition.OPEN, options }, path);
        await client.close(r.fileId, path);
      } catch {
        // Gone already (the server did delete it), or in use: nothing more to do.
      }
    }
  }
  return client;
}
