// The portable copy that keeps holes: read the source's data ranges (backend.allocatedRanges)
// and write only those at the same offsets, then set the size. Holes stay holes on every file
// system that supports them. This is the fallback when the in-kernel copy cannot run
// (EXDEV across file system types on old kernels, EOPNOTSUPP) and the clone fallback when the
// caller allowed a copy.

import type { Backend, OpContext } from './backend';
import type { PositionalIo } from './backend-ext';
import { nodeFsError } from './errno';
import { FsctlError } from './errors';
import { closeQuietly, intoNewLocalFile, openRegular } from './backends/linux/files';
import * as fs from 'node:fs';
import type { Operation, OperationReport } from './types';

const CHUNK = 1 << 20;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** node:fs positional I/O; refuses offsets above 2^53 instead of rounding them. */
export const nodeIo: PositionalIo = {
  pread(fd, buf, length, offset) {
    return fs.readSync(fd, buf, 0, length, offset);
  },
  pwrite(fd, buf, length, offset, path) {
    if (offset > SAFE) throw tooBig(path, offset);
    return fs.writeSync(fd, buf, 0, length, Number(offset));
  },
  ftruncate(fd, size, path) {
    if (size > SAFE) throw tooBig(path, size);
    fs.ftruncateSync(fd, Number(size));
  },
};

function tooBig(path: string, v: bigint): FsctlError {
  return new FsctlError({
    operation: 'copy',
    code: 'E_RANGE',
    paths: [path],
    message: `copy: offset ${v} is beyond 2^53, which node:fs cannot address exactly on this platform (E_RANGE).`,
  });
}

/** Copy all of `source` into `target` (which must not exist), keeping holes. */
export async function sparseCopyFile(
  backend: Backend,
  io: PositionalIo,
  operation: Operation,
  source: string,
  target: string,
  ctx: OpContext & { maybeYield?: () => Promise<void> },
): Promise<OperationReport> {
  const t0 = performance.now();
  const ranges = await backend.allocatedRanges(source, undefined, ctx);
  try {
    return await intoNewLocalFile(operation, source, target, async (src, dst) => {
      const total = ranges.ranges.reduce((a, r) => a + r.length, 0n);
      const buf = new Uint8Array(CHUNK);
      let done = 0n;
      let calls = ranges.calls;
      for (const r of ranges.ranges) {
        let pos = r.offset;
        const end = r.offset + r.length;
        while (pos < end) {
          ctx.checkCancelled();
          const want = end - pos > BigInt(CHUNK) ? CHUNK : Number(end - pos);
          const n = io.pread(src.fd, buf, want, pos, source);
          calls++;
          if (n <= 0) break; // the source shrank
          let written = 0;
          while (written < n) {
            const w = io.pwrite(dst.fd, written === 0 ? buf : buf.subarray(written), n - written, pos + BigInt(written), target);
            calls++;
            written += w;
          }
          pos += BigInt(n);
          done += BigInt(n);
          ctx.progress({ done, total });
          if (ctx.maybeYield) await ctx.maybeYield();
        }
      }
      io.ftruncate(dst.fd, src.stat.size, target);
      calls++;
      try {
        fs.fchmodSync(dst.fd, Number(src.stat.mode & 0o7777n));
      } catch {
        /* file systems without modes */
      }
      return {
        operation,
        method: 'sparse-copy',
        source,
        destination: target,
        bytes: done,
        calls,
        durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
      };
    });
  } catch (e) {
    throw e instanceof FsctlError ? e : nodeFsError(operation, e, [source, target]);
  }
}

/** Copy `length` bytes between two existing files at the given offsets (clone-range fallback). */
export async function copyRangeBytes(
  io: PositionalIo,
  source: string,
  sourceOffset: bigint,
  target: string,
  targetOffset: bigint,
  length: bigint,
  ctx: OpContext & { maybeYield?: () => Promise<void> },
): Promise<OperationReport> {
  const t0 = performance.now();
  const src = openRegular('clone-range', source, 'read');
  let dst: ReturnType<typeof openRegular> | undefined;
  try {
    dst = openRegular('clone-range', target, 'read-write');
    const buf = new Uint8Array(CHUNK);
    let done = 0n;
    let calls = 0;
    while (done < length) {
      ctx.checkCancelled();
      const want = length - done > BigInt(CHUNK) ? CHUNK : Number(length - done);
      const n = io.pread(src.fd, buf, want, sourceOffset + done, source);
      calls++;
      if (n <= 0) break;
      let written = 0;
      while (written < n) {
        written += io.pwrite(dst.fd, buf.subarray(written, n), n - written, targetOffset + done + BigInt(written), target);
        calls++;
      }
      done += BigInt(n);
      ctx.progress({ done, total: length });
      if (ctx.maybeYield) await ctx.maybeYield();
    }
    return {
      operation: 'clone-range',
      method: 'sparse-copy',
      source,
      destination: target,
      bytes: done,
      calls,
      durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
    };
  } finally {
    closeQuietly(src);
    closeQuietly(dst);
  }
}
