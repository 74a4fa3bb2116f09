// The frame shared by every NT algorithm that makes a new file (whole-file clone, server-side
// copy, hole-keeping copy): open the source (a folder is refused), let the algorithm check what
// it must before anything exists, create the destination with delete-on-close, fill it, flush,
// and only then clear delete-on-close. On any failure or cancel the destination handle closes
// with delete-on-close still set, so nothing is left behind (docs/facts/windows-fsctl.md#delete-on-close).

import type { OpContext } from '../backend';
import type { Operation, OperationReport } from '../types';
import { FsctlError } from '../errors';
import { asFsctlError, elapsed, engineError, now } from './outcome';
import type { NtFileInfo, NtHandle, NtTransport } from './transport';

export async function closeQuietly(t: NtTransport, h: NtHandle | undefined): Promise<void> {
  if (h) await t.close(h).catch(() => undefined);
}

export interface NewFileSteps<P> {
  /** Checks and requests that must succeed before the destination is created. */
  prepare?(src: NtHandle, info: NtFileInfo): Promise<P>;
  /** Fill the (delete-on-close) destination; the report's durationMs is set by the frame. */
  fill(src: NtHandle, info: NtFileInfo, dst: NtHandle, prepared: P): Promise<Omit<OperationReport, 'durationMs'>>;
  /** Runs once the destination is kept (e.g. apply read-only, which would block clearing delete-on-close). */
  kept?(dst: NtHandle): Promise<void>;
}

export async function intoNewFile<P = undefined>(
  t: NtTransport,
  operation: Extract<Operation, 'clone' | 'copy'>,
  source: string,
  target: string,
  ctx: OpContext,
  steps: NewFileSteps<P>,
): Promise<OperationReport> {
  const start = now();
  const paths = [source, target];
  let src: NtHandle | undefined;
  let dst: NtHandle | undefined;
  try {
    src = await t.open(source, { access: 'read', disposition: 'open' });
    const info = await t.queryInfo(src);
    if (info.isDirectory)
      throw engineError(operation, 'E_NOT_REGULAR', paths, `${source} is a folder (E_NOT_REGULAR); choose a file to ${operation}.`);
    const prepared = (await steps.prepare?.(src, info)) as P;
    ctx.checkCancelled();
    dst = await t.open(target, { access: 'read-write', disposition: 'create-new', deleteOnClose: true });
    const report = await steps.fill(src, info, dst, prepared);
    await t.flush(dst);
    ctx.checkCancelled();
    await t.setDeleteOnClose(dst, false);
    await steps.kept?.(dst);
    const d = dst;
    dst = undefined;
    await t.close(d);
    return { ...report, durationMs: elapsed(start) };
  } catch (e) {
    const err = asFsctlError(e, operation, paths, operation);
    if (!dst) throw err;
    const d = dst;
    dst = undefined;
    await closeQuietly(t, d); // still delete-on-close: removes the partial destination
    if (!t.mayBeLeft?.(d)) throw err;
    // A server that stopped never ran the delete: say where the partial file is, as it holds space.
    // Its name and folder apart: a caller's relabelling of the temporary path must not hide it.
    const cut = Math.max(d.path.lastIndexOf('/'), d.path.lastIndexOf('\\')) + 1;
    throw new FsctlError({
      operation: err.operation,
      code: err.code,
      errno: err.errno,
      paths: err.paths,
      syscall: err.syscall,
      message: `${err.message} The unfinished file ${d.path.slice(cut)} in ${d.path.slice(0, cut)} may still be on the share (the server was to delete it when the connection closed, and may have stopped first): once the server is back, delete it if it is there.`,
      cause: err,
    });
  } finally {
    await closeQuietly(t, dst); // still delete-on-close: removes the partial destination
    await closeQuietly(t, src);
  }
}
