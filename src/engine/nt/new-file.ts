// The frame shared by every NT algorithm that makes a new file (whole-file clone, server-side
// copy, hole-keeping copy): open the source (a folder is refused), let the algorithm check what
// it must before anything exists, create the destination with delete-on-close, fill it, flush,
// and only then clear delete-on-close. On any failure or cancel the destination handle closes
// with delete-on-close still set, so nothing is left behind (docs/facts/windows-fsctl.md#delete-on-close).
//
// The file's DOS attributes are set only once it has its final name (`finishPlaced`, called by
// the NT backend's rename): Samba (`hide dot files = yes`, its default) reports the temporary
// ".el-….tmp" name as HIDDEN and stores that H in its DOS attributes (user.DOSATTRIB) whenever it
// writes them while the name is dotted (SET_SPARSE, setting the times), and any
// FileBasicInformation attributes it is sent replace its stored sparse flag (it keeps only R, H,
// S, A). So attributes set before the rename came out hidden, and a sparse clone lost its sparse
// flag (docs/SMB.md, "Samba, as a peer"). Windows adds no H and keeps sparse; the step is harmless there.

import type { OpContext } from '../backend';
import type { Operation, OperationReport } from '../types';
import { FsctlError } from '../errors';
import { FILE_ATTRIBUTE_HIDDEN, FILE_ATTRIBUTE_NORMAL, FSCTL } from './codec/fsctl-codes';
import { asFsctlError, elapsed, engineError, fsctlFailure, now } from './outcome';
import type { NtFileInfo, NtHandle, NtTransport } from './transport';

export async function closeQuietly(t: NtTransport, h: NtHandle | undefined): Promise<void> {
  if (h) await t.close(h).catch(() => undefined);
}

interface NewFileSteps<P> {
  /** Checks and requests that must succeed before the destination is created. */
  prepare?(src: NtHandle, info: NtFileInfo): Promise<P>;
  /** Fill the (delete-on-close) destination; the report's durationMs is set by the frame. */
  fill(src: NtHandle, info: NtFileInfo, dst: NtHandle, prepared: P): Promise<Omit<OperationReport, 'durationMs'>>;
  /**
   * The attributes the file is to have (a clone: the source's) and whether it stays sparse;
   * default: what the server reports for the filled file. Either way the source's HIDDEN decides
   * H, never the temporary name.
   */
  final?(info: NtFileInfo): FinalAttributes;
}

/** FILE_ATTRIBUTE_VALID_SET_FLAGS: the attributes FileBasicInfo may set (sparse, reparse, compressed... may not). */
const VALID_SET_ATTRIBUTES = 0x000031a7;

/** What a kept new file is to look like once placed; FILE_BASIC_INFORMATION's attributes and FSCTL_SET_SPARSE's flag. */
interface FinalAttributes {
  fileAttributes: number;
  sparse: boolean;
}

/** Complete temporary files by path, waiting for their rename (nt/backend.ts) or removal. */
const pending = new Map<string, FinalAttributes>();

/** The final attributes recorded for the temporary file `path` (and forget them). */
export function takeFinalAttributes(path: string): FinalAttributes | undefined {
  const f = pending.get(path);
  pending.delete(path);
  return f;
}

/**
 * Give a just renamed file (`h`, opened read-write) its final attributes: FileBasicInformation
 * (times 0 = unchanged), then SET_SPARSE again where setting them cleared it (Samba) — on Windows
 * it is still sparse and no FSCTL is sent.
 */
export async function finishPlaced(t: NtTransport, h: NtHandle, f: FinalAttributes): Promise<void> {
  await t.setBasicInfo(h, { creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n, fileAttributes: f.fileAttributes });
  if (f.sparse && !(await t.queryInfo(h)).sparse) {
    const o = await t.fsctl(h, FSCTL.FSCTL_SET_SPARSE, null, 0);
    if (o.kind !== 'ok')
      throw fsctlFailure(
        t,
        'clone',
        FSCTL.FSCTL_SET_SPARSE,
        o,
        [h.path],
        'the file is complete and placed, but could not be marked sparse again',
      );
  }
}

function finalAttributes(wanted: number, source: number): number {
  // FileAttributes 0 means "leave unchanged"; FILE_ATTRIBUTE_NORMAL (0x80) means "none".
  const attrs = ((wanted & ~FILE_ATTRIBUTE_HIDDEN) | (source & FILE_ATTRIBUTE_HIDDEN)) & VALID_SET_ATTRIBUTES;
  return attrs === 0 ? FILE_ATTRIBUTE_NORMAL : attrs;
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
    let made = steps.final?.(info);
    if (!made) {
      const d = await t.queryInfo(dst);
      made = { fileAttributes: d.basic.fileAttributes, sparse: d.sparse };
    }
    await t.setDeleteOnClose(dst, false);
    pending.set(target, { fileAttributes: finalAttributes(made.fileAttributes, info.basic.fileAttributes), sparse: made.sparse });
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
