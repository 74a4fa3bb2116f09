// Safety rule 10 for the NT copies (docs/ENGINE.md; copyUntilEof does the same on Linux): a
// source whose end of file or last write time is not what it was when it was opened changed
// while it was copied. Stopping at the old size would keep a silently truncated copy, reading
// to the new end a mix of old and new bytes, and a source that shrank would leave the old size
// padded with zeros: none of them is a copy of anything, so the copy is E_CHANGED and the
// destination (still delete-on-close in intoNewFile) goes with the error.

import type { FsctlError } from '../errors';
import { changedWhileCopied, sourceChangeSaid } from '../source-changed';
import type { Operation } from '../types';
import { engineError } from './outcome';
import type { NtFileInfo, NtHandle, NtTransport } from './transport';

export function changedError(operation: Operation, paths: string[], what: string): FsctlError {
  return engineError(operation, 'E_CHANGED', paths, changedWhileCopied(operation, paths[0], what));
}

/**
 * E_CHANGED when the source's EndOfFile or LastWriteTime (queried again through the handle the
 * copy reads from) differs from `start`, what intoNewFile saw when it opened the source;
 * undefined when it looks the same. `evidence` is what showed the change first (where a read
 * ended early, which sourceChangeSaid weighs against the sizes; the server's answer to a chunk
 * past the new end, added to the sentence).
 * The size is always current; the write time is what the server says, and Samba keeps saying
 * the one the file had when opened until a write through SMB changes it, so a process on the
 * server that writes in place without changing the size is not seen (docs/facts/smb2.md).
 */
export async function sourceChanged(
  t: NtTransport,
  src: NtHandle,
  start: NtFileInfo,
  operation: Operation,
  paths: string[],
  evidence?: string | { readEnd: bigint },
): Promise<FsctlError | undefined> {
  const now = await t.queryInfo(src);
  const resized = now.endOfFile !== start.endOfFile;
  if (!resized && now.basic.lastWriteTime === start.basic.lastWriteTime) return undefined;
  const readEnd = typeof evidence === 'object' ? evidence.readEnd : undefined;
  const what = sourceChangeSaid({ startSize: start.endOfFile, nowSize: now.endOfFile, readEnd, timeName: 'last write time' });
  return changedError(operation, paths, typeof evidence === 'string' ? `${what}; ${evidence}` : what);
}
