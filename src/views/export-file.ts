// The one writer of the views' exports (the inspector's extent map, the Space view's table):
// generated text chunks to the file the person chose in the save dialog. A local file is written
// under a temporary name beside it and renamed over it when complete, so a failed or interrupted
// export (a full disk, a folder not writable) leaves the chosen file as it was and no part-written
// file behind. Other schemes (remote, virtual) go through the workspace file system in one write.

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Write `chunks` to `target`; the chunks are generated as they are written (a million-extent map is ~100 MB). */
export async function writeExport(target: vscode.Uri, chunks: Iterable<string>): Promise<void> {
  if (target.scheme !== 'file') {
    await vscode.workspace.fs.writeFile(target, Buffer.from([...chunks].join(''), 'utf8'));
    return;
  }
  const file = target.fsPath;
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.part`);
  // 0o666 less the umask, as any new file; 'wx': never an existing file of that name
  const fh = await fs.promises.open(temp, 'wx', 0o666);
  let done = false;
  try {
    for (const c of chunks) await fh.write(c);
    // on the disk before it replaces the chosen file: a power loss then keeps the old or the new one
    await fh.datasync();
    await fh.close();
    await fs.promises.rename(temp, file);
    done = true;
  } finally {
    if (!done) {
      await fh.close().catch(() => undefined); // (closed already when the rename failed)
      await fs.promises.rm(temp, { force: true });
    }
  }
}
