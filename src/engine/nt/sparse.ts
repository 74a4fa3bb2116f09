// Sparse files on NT: FSCTL_SET_SPARSE (no input = set; FILE_SET_SPARSE_BUFFER{FALSE} = clear)
// and FSCTL_SET_ZERO_DATA (deallocates the range on a sparse file, writes zeros otherwise).

import type { OpContext } from '../backend';
import { CallCount } from '../call-count';
import { zeroedWithin } from '../punch-parts';
import { FsctlError, isCancelled } from '../errors';
import type { ByteRange, Method, OperationReport } from '../types';
import { FSCTL } from './codec/fsctl-codes';
import { encodeSetSparse, encodeZeroData } from './codec/windows';
import { asFsctlError, elapsed, engineError, fsctlFailure, now } from './outcome';
import { INT64_MAX, queryAllocatedRanges } from './ranges';
import type { NtHandle, NtTransport } from './transport';
import { hex32, supportsSparseFiles } from './volume';

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
    // A success is not the attribute: Wine's volume (no FILE_SUPPORTS_SPARSE_FILES) answers
    // FSCTL_SET_SPARSE with success and keeps the file as it was. Read it back.
    if (info.sparse !== sparse && (await t.queryInfo(h)).sparse !== sparse) throw await notApplied(t, h, sparse);
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

/** FSCTL_SET_SPARSE answered success, yet FILE_ATTRIBUTE_SPARSE_FILE did not change: said so, by the volume's flags. */
async function notApplied(t: NtTransport, h: NtHandle, sparse: boolean): Promise<FsctlError> {
  const v = await t.queryVolume(h).catch(() => undefined);
  const named = v ? `${v.fileSystemName}, flags ${hex32(v.attributes)}` : 'its flags unknown';
  const why =
    v && !supportsSparseFiles(v)
      ? `the volume (${named}) does not report FILE_SUPPORTS_SPARSE_FILES, so it keeps no sparse files: use a volume with sparse-file support (NTFS, ReFS)`
      : `the volume (${named}) did not apply it; check the file's attributes (fsutil sparse queryflag) and try again`;
  return engineError(
    'set-sparse',
    'E_UNSUPPORTED',
    [h.path],
    `FSCTL_SET_SPARSE on ${h.path} reported success, yet the file is still ${sparse ? 'not sparse' : 'sparse'} (FILE_ATTRIBUTE_SPARSE_FILE is ${sparse ? 'not set' : 'still set'}) (E_UNSUPPORTED): ${why}.`,
  );
}

/**
 * FSCTL_SET_ZERO_DATA over `range`. With `makeSparse` (punching holes) a non-sparse file is marked
 * sparse first, because NTFS/ReFS only deallocate zeroed ranges of sparse files. A punch reports
 * what it deallocated: the allocated bytes inside the range (FSCTL_QUERY_ALLOCATED_RANGES on the
 * same handle) before and after, measured once the file is sparse, since a file that is not is
 * answered with one range over all of it, holes and all. Where the ranges cannot be read the
 * punch still runs and says `bytes` was not measured. A zero on a volume that cannot zero ranges
 * (FAT, exFAT: not-supported) writes zeros inside the file instead, as the Linux zero does.
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
  if (range.offset < 0n || range.offset + range.length > INT64_MAX || range.length < 0n) {
    throw engineError(
      op,
      'E_RANGE',
      [path],
      `The range ${range.offset}+${range.length} is outside 0..2^63-1 (E_RANGE); give a non-negative offset and length.`,
    );
  }
  let h: NtHandle | undefined;
  const notes: string[] = [];
  // the report's calls: FSCTL_SET_ZERO_DATA (or the writes of zeros); the sparse flag, the
  // allocated-range queries and a refused FSCTL_SET_ZERO_DATA are others
  const calls = new CallCount();
  try {
    ctx.checkCancelled();
    h = await t.open(path, { access: 'read-write', disposition: 'open' });
    const handle = h;
    const info = await t.queryInfo(h);
    if (info.isDirectory) throw engineError(op, 'E_NOT_REGULAR', [path], `${path} is a folder (E_NOT_REGULAR); choose a file.`);
    if (opts.makeSparse && !info.sparse) {
      calls.other('FSCTL_SET_SPARSE', await setSparseOnHandle(t, h, true, op));
      notes.push('marked the file sparse first, so the zeroed range is deallocated');
    }
    // the part of the range inside the file (the query's window cannot pass its end)
    const window = { offset: range.offset, length: zeroedWithin(range.offset, range.length, info.endOfFile).bytes };
    const inside = async (): Promise<bigint | undefined> => {
      try {
        const r = await queryAllocatedRanges(t, handle, window, { operation: op }, ctx);
        calls.other('FSCTL_QUERY_ALLOCATED_RANGES', r.calls);
        return r.ranges.reduce((a, x) => a + x.length, 0n);
      } catch (e) {
        if (isCancelled(e)) throw e;
        return undefined;
      }
    };
    const before = op === 'punch' && range.length > 0n ? await inside() : undefined;
    let method: Method = 'FSCTL_SET_ZERO_DATA';
    if (range.length > 0n) {
      const o = await t.fsctl(
        h,
        FSCTL.FSCTL_SET_ZERO_DATA,
        encodeZeroData({ fileOffset: range.offset, beyondFinalZero: range.offset + range.length }),
        0,
      );
      if (o.kind === 'not-supported' && op === 'zero') {
        calls.other('FSCTL_SET_ZERO_DATA');
        calls.calls += await writeZeros(t, h, range, info.endOfFile, ctx);
        method = 'write-zeros';
        // (a range wholly past the end: nothing to write, and none was)
        const inside = zeroedWithin(range.offset, range.length, info.endOfFile).bytes > 0n;
        notes.push(
          `the volume cannot zero ranges (FSCTL_SET_ZERO_DATA: ${o.codeName}); ${inside ? 'zeros were written' : 'none of the range lies inside the file, so nothing was written'}`,
        );
      } else if (o.kind !== 'ok') throw fsctlFailure(t, op, FSCTL.FSCTL_SET_ZERO_DATA, o, [path]);
      else calls.calls++;
    }
    ctx.progress({ done: range.length, total: range.length });
    if (op === 'zero') {
      // what lies inside the file (the part past its end changes nothing)
      const zeroed = zeroedWithin(range.offset, range.length, info.endOfFile);
      notes.push(...zeroed.notes);
      return { operation: op, method, destination: path, bytes: zeroed.bytes, ...calls.report(), durationMs: elapsed(start), notes };
    }
    const after = before === undefined ? undefined : await inside();
    let bytes = range.length;
    if (before === undefined || after === undefined) {
      if (range.length > 0n)
        notes.push('the allocated ranges cannot be read here, so bytes is the length asked for, not a measured deallocation');
    } else {
      bytes = before > after ? before - after : 0n;
      if (bytes !== range.length)
        notes.push(
          `${range.length} byte${range.length === 1n ? '' : 's'} asked for; ${bytes} bytes deallocated (measured with the allocated ranges): holes, partial clusters at the ends of the range (zeroed) and bytes past the end of the file free nothing`,
        );
    }
    return { operation: op, method, destination: path, bytes, ...calls.report(), durationMs: elapsed(start), notes };
  } catch (e) {
    throw asFsctlError(e, op, [path], op);
  } finally {
    if (h) await t.close(h).catch(() => undefined);
  }
}

/** Zeros written over `range`, inside the file only (zeroing never extends it); returns the writes made. */
async function writeZeros(t: NtTransport, h: NtHandle, range: ByteRange, endOfFile: bigint, ctx: OpContext): Promise<number> {
  const end = range.offset + zeroedWithin(range.offset, range.length, endOfFile).bytes;
  const zeros = new Uint8Array(1 << 20);
  let calls = 0;
  for (let pos = range.offset; pos < end;) {
    ctx.checkCancelled();
    const n = end - pos > BigInt(zeros.length) ? zeros.length : Number(end - pos);
    await t.write(h, pos, zeros.subarray(0, n));
    calls++;
    pos += BigInt(n);
    ctx.progress({ done: pos - range.offset, total: end - range.offset });
  }
  return calls;
}
