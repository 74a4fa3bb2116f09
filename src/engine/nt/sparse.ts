// Sparse files on NT: FSCTL_SET_SPARSE (no input = set; FILE_SET_SPARSE_BUFFER{FALSE} = clear)
// and FSCTL_SET_ZERO_DATA (deallocates the range on a sparse file, writes zeros otherwise).

import type { OpContext } from '../backend';
import { zeroedWithin } from '../punch-parts';
import type { ByteRange, OperationReport } from '../types';
import { FSCTL } from './codec/fsctl-codes';
import { encodeSetSparse, encodeZeroData } from './codec/windows';
import { asFsctlError, elapsed, engineError, fsctlFailure, now } from './outcome';
import { INT64_MAX } from './ranges';
import type { NtHandle, NtTransport } from './transport';

/** FSCTL_SET_SPARSE on an open handle; returns the FSCTL count (1). */
export async function setSparseOnHandle(
  t: NtTransport,
  h: NtHandle,
  sparse: boolean,
  operation: 'set-sparse' | 'punch' | 'zero' | 'clone' | 'copy',
): Promise<number> {
  const o = await t.fsctl(h, FSCTL.FSCTL_SET_SPARSE, sparse ? null : encodeSetSparse(false), 0);
  if (o.kind !== 'ok') throw fsctlFailure(t, operation, FSCTL.FSCTL_SET_SPARSE, o, [h.path]);
  return 1;
}

export async function setSparseNt(t: NtTransport, path: string, sparse: boolean, ctx: OpContext): Promise<OperationReport> {
  const start = now();
  let h: NtHandle | undefined;
  try {
    ctx.checkCancelled();
    h = await t.open(path, { access: 'read-write', disposition: 'open' });
    const info = await t.queryInfo(h);
    if (info.isDirectory) throw engineError('set-sparse', 'E_NOT_REGULAR', [path], `${path} is a folder (E_NOT_REGULAR); choose a file.`);
    const calls = await setSparseOnHandle(t, h, sparse, 'set-sparse');
    const notes = [
      info.sparse === sparse
        ? `the file was already ${sparse ? 'sparse' : 'not sparse'}`
        : `the file is now ${sparse ? 'sparse' : 'not sparse'}`,
    ];
    return { operation: 'set-sparse', method: 'FSCTL_SET_SPARSE', destination: path, bytes: 0n, calls, durationMs: elapsed(start), notes };
  } catch (e) {
    throw asFsctlError(e, 'set-sparse', [path], 'set-sparse');
  } finally {
    if (h) await t.close(h).catch(() => undefined);
  }
}

/**
 * FSCTL_SET_ZERO_DATA over `range`. With `makeSparse` (punching holes) a non-sparse file is marked
 * sparse first, because NTFS/ReFS only deallocate zeroed ranges of sparse files.
 */
export async function zeroDataNt(
  t: NtTransport,
  path: string,
  range: ByteRange,
  opts: { makeSparse: boolean; operation: 'punch' | 'zero' },
  ctx: OpContext,
): Promise<OperationReport> {
  const start = now();
  const op = opts.operation;
  if (range.offset < 0n || range.length < 0n || range.offset + range.length > INT64_MAX) {
    throw engineError(
      op,
      'E_RANGE',
      [path],
      `The range ${range.offset}+${range.length} is outside 0..2^63-1 (E_RANGE); give a non-negative offset and length.`,
    );
  }
  let h: NtHandle | undefined;
  const notes: string[] = [];
  let calls = 0;
  try {
    ctx.checkCancelled();
    h = await t.open(path, { access: 'read-write', disposition: 'open' });
    const info = await t.queryInfo(h);
    if (info.isDirectory) throw engineError(op, 'E_NOT_REGULAR', [path], `${path} is a folder (E_NOT_REGULAR); choose a file.`);
    if (opts.makeSparse && !info.sparse) {
      calls += await setSparseOnHandle(t, h, true, op);
      notes.push('marked the file sparse first, so the zeroed range is deallocated');
    }
    if (range.length > 0n) {
      const o = await t.fsctl(
        h,
        FSCTL.FSCTL_SET_ZERO_DATA,
        encodeZeroData({ fileOffset: range.offset, beyondFinalZero: range.offset + range.length }),
        0,
      );
      calls++;
      if (o.kind !== 'ok') throw fsctlFailure(t, op, FSCTL.FSCTL_SET_ZERO_DATA, o, [path]);
    }
    ctx.progress({ done: range.length, total: range.length });
    // zero: what lies inside the file (the part past its end changes nothing)
    const zeroed = op === 'zero' ? zeroedWithin(range.offset, range.length, info.endOfFile) : { bytes: range.length, notes: [] };
    notes.push(...zeroed.notes);
    return {
      operation: op,
      method: 'FSCTL_SET_ZERO_DATA',
      destination: path,
      bytes: zeroed.bytes,
      calls,
      durationMs: elapsed(start),
      notes,
    };
  } catch (e) {
    throw asFsctlError(e, op, [path], op);
  } finally {
    if (h) await t.close(h).catch(() => undefined);
  }
}
