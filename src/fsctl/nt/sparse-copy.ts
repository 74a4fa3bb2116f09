// The copy fallback over transport read/write that keeps holes: only allocated ranges are read,
// all-zero blocks are not written, and a sparse source gives a sparse destination with the same
// size. Used when there is no server-side copy (local Windows volumes, servers without
// copychunk) and, when the caller allows it, instead of a clone.

import type { OpContext } from '../backend';
import type { ByteRange, OperationReport } from '../types';
import { FSCTL } from '../codec/fsctl-codes';
import { asFsctlError, elapsed, engineError, now } from './outcome';
import { queryAllocatedRanges } from './ranges';
import type { NtHandle, NtTransport } from './transport';

export const SPARSE_COPY_BLOCK = 1 << 20;

function allZero(b: Uint8Array): boolean {
  // Compare 8 bytes at a time where the view allows it; this runs over every copied byte.
  const n8 = b.byteOffset % 8 === 0 ? Math.floor(b.byteLength / 8) : 0;
  if (n8) {
    const w = new BigUint64Array(b.buffer, b.byteOffset, n8);
    for (let i = 0; i < n8; i++) if (w[i] !== 0n) return false;
  }
  for (let i = n8 * 8; i < b.byteLength; i++) if (b[i] !== 0) return false;
  return true;
}

export async function sparseCopyNt(t: NtTransport, source: string, target: string, ctx: OpContext, opts: { blockSize?: number } = {}): Promise<OperationReport> {
  const start = now();
  const paths = [source, target];
  const notes: string[] = [];
  const block = opts.blockSize ?? SPARSE_COPY_BLOCK;
  let src: NtHandle | undefined;
  let dst: NtHandle | undefined;
  let calls = 0;
  try {
    src = await t.open(source, { access: 'read', disposition: 'open' });
    const info = await t.queryInfo(src);
    if (info.isDirectory) throw engineError('copy', 'E_NOT_REGULAR', paths, `${source} is a folder (E_NOT_REGULAR); choose a file to copy.`);
    dst = await t.open(target, { access: 'read-write', disposition: 'create-new', deleteOnClose: true });
    const size = info.endOfFile;
    let segments: ByteRange[] = size > 0n ? [{ offset: 0n, length: size }] : [];
    if (info.sparse && size > 0n) {
      const so = await t.fsctl(dst, FSCTL.FSCTL_SET_SPARSE, null, 0);
      calls++;
      if (so.kind === 'ok') notes.push('destination marked sparse like the source');
      try {
        const r = await queryAllocatedRanges(t, src, { offset: 0n, length: size }, { operation: 'copy' }, ctx);
        calls += r.calls;
        segments = r.ranges;
      } catch (e) {
        notes.push(`allocated ranges unavailable (${(e as Error).message}); scanned every block for zeros instead`);
      }
    }
    // EOF first: skipped zero blocks and holes then read as zeros, and the size is exact.
    if (size > 0n) await t.setEndOfFile(dst, size);
    let copied = 0n;
    let skipped = 0n;
    for (const seg of segments) {
      for (let off = seg.offset; off < seg.offset + seg.length; ) {
        ctx.checkCancelled();
        const left = seg.offset + seg.length - off;
        const n = left < BigInt(block) ? Number(left) : block;
        const data = await t.read(src, off, n);
        calls++;
        if (data.byteLength === 0) break; // the source shrank underneath us
        if (!allZero(data)) {
          await t.write(dst, off, data);
          calls++;
        } else skipped += BigInt(data.byteLength);
        off += BigInt(data.byteLength);
        copied += BigInt(data.byteLength);
        ctx.progress({ done: copied, total: size });
      }
    }
    if (skipped > 0n) notes.push(`${skipped} bytes of zeros left unwritten (they read as zeros)`);
    await t.flush(dst);
    ctx.checkCancelled();
    await t.setDeleteOnClose(dst, false);
    const d = dst;
    dst = undefined;
    await t.close(d);
    return { operation: 'copy', method: 'sparse-copy', source, destination: target, bytes: size, calls, durationMs: elapsed(start), notes };
  } catch (e) {
    throw asFsctlError(e, 'copy', paths, 'copy');
  } finally {
    if (dst) await t.close(dst).catch(() => undefined);
    if (src) await t.close(src).catch(() => undefined);
  }
}
