// The copy fallback over transport read/write that keeps holes: only allocated ranges are read,
// all-zero blocks are not written, and a sparse source gives a sparse destination with the same
// size. Used when there is no server-side copy (local Windows volumes, servers without
// copychunk) and, when the caller allows it, instead of a clone. Its calls are the READs and
// WRITEs of the data (as a Linux sparse copy's pread64 and pwrite64); the sparse flag and the
// allocated-range query are others, by name.

import type { OpContext } from '../backend';
import { CallCount } from '../call-count';
import type { ByteRange, OperationReport } from '../types';
import { changedError, sourceChanged } from './changed';
import { FSCTL } from './codec/fsctl-codes';
import { intoNewFile } from './new-file';
import { queryAllocatedRanges } from './ranges';
import type { NtTransport } from './transport';

const SPARSE_COPY_BLOCK = 1 << 20;

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

export async function sparseCopyNt(
  t: NtTransport,
  source: string,
  target: string,
  ctx: OpContext,
  opts: { blockSize?: number } = {},
): Promise<OperationReport> {
  const paths = [source, target];
  const notes: string[] = [];
  const block = opts.blockSize ?? SPARSE_COPY_BLOCK;
  const calls = new CallCount();
  return intoNewFile(t, 'copy', source, target, ctx, {
    async fill(src, info, dst) {
      const size = info.endOfFile;
      let segments: ByteRange[] = size > 0n ? [{ offset: 0n, length: size }] : [];
      if (info.sparse && size > 0n) {
        const so = await t.fsctl(dst, FSCTL.FSCTL_SET_SPARSE, null, 0);
        calls.other('FSCTL_SET_SPARSE');
        if (so.kind === 'ok') notes.push('destination marked sparse like the source');
        try {
          const r = await queryAllocatedRanges(t, src, { offset: 0n, length: size }, { operation: 'copy' }, ctx);
          calls.other('FSCTL_QUERY_ALLOCATED_RANGES', r.calls);
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
        for (let off = seg.offset; off < seg.offset + seg.length;) {
          ctx.checkCancelled();
          const left = seg.offset + seg.length - off;
          const n = left < BigInt(block) ? Number(left) : block;
          const data = await t.read(src, off, n);
          calls.calls++;
          if (data.byteLength === 0) {
            // The source ends before the size it had when opened: it shrank underneath us.
            const why = `reading it ended at ${off} bytes`;
            throw (
              (await sourceChanged(t, src, info, 'copy', paths, { readEnd: off })) ??
              changedError('copy', paths, `${why}, inside its size of ${size} bytes`)
            );
          }
          if (!allZero(data)) {
            await t.write(dst, off, data);
            calls.calls++;
          } else skipped += BigInt(data.byteLength);
          off += BigInt(data.byteLength);
          copied += BigInt(data.byteLength);
          ctx.progress({ done: copied, total: size });
        }
      }
      // Read up to the size seen at the start: that is the file only if it still has that size and was not written meanwhile.
      const changed = await sourceChanged(t, src, info, 'copy', paths);
      if (changed) throw changed;
      if (skipped > 0n) notes.push(`${skipped} bytes of zeros left unwritten (they read as zeros)`);
      // bytes: what was read and placed (a sparse source's allocated ranges), as copychunk and Linux report it, not the size.
      return { operation: 'copy', method: 'sparse-copy', source, destination: target, bytes: copied, ...calls.report(), notes };
    },
  });
}
