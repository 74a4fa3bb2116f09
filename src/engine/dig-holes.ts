// Dig holes: find blocks that are all zeros inside a file's data ranges and punch them, so
// they stop using space. Generic over the Backend: the data ranges come from
// backend.allocatedRanges, the bytes from descriptor-level I/O when the backend offers it
// (local files) or from backend.read, and the punching from the backend.
//
// Only whole, aligned blocks are punched (a partial block cannot be deallocated), and runs of
// zero blocks are punched with one call each. The content never changes: zeros read as zeros.

import type { Backend, OpContext } from './backend';
import type { ExtendedBackend } from './backend-ext';
import { FsctlError } from './errors';
import { closeQuietly, openRegular } from './backends/linux/files';
import type { ByteRange, OperationReport } from './types';

const CHUNK = 1 << 20;

export interface DigContext extends OpContext {
  maybeYield?: () => Promise<void>;
}

export async function digHoles(
  backend: ExtendedBackend,
  path: string,
  requestedBlockSize: number | undefined,
  ctx: DigContext,
): Promise<OperationReport> {
  const t0 = performance.now();
  const ranges = await backend.allocatedRanges(path, undefined, ctx);
  let calls = ranges.calls;
  const io = backend.io;
  const local = io?.punch !== undefined && !path.startsWith('smb:');
  const f = local ? openRegular('dig-holes', path, 'read-write') : undefined;
  try {
    let bs = requestedBlockSize;
    if (bs === undefined) bs = f && io?.blockSize ? io.blockSize(f.fd, path) : (await backend.volume(path)).blockSize;
    if (!Number.isInteger(bs) || bs <= 0 || CHUNK % bs !== 0)
      throw new FsctlError({
        operation: 'dig-holes',
        code: 'E_BAD_INPUT',
        paths: [path],
        message: `dig-holes: block size ${bs} must be a power of two between 1 and ${CHUNK} (E_BAD_INPUT).`,
      });
    const B = BigInt(bs);
    const size = ranges.size;
    const total = ranges.ranges.reduce((a, r) => a + r.length, 0n);
    const buf = new Uint8Array(CHUNK);
    const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const zeroChunk = Buffer.alloc(CHUNK);
    const zeroBlock = zeroChunk.subarray(0, bs);
    let scanned = 0n;
    let punched = 0n;
    let runs = 0;

    const punch = async (r: ByteRange): Promise<void> => {
      ctx.checkCancelled();
      if (f && io?.punch) io.punch(f.fd, r.offset, r.length, path);
      else await backend.punchHole(path, r, ctx);
      calls++;
      runs++;
      punched += r.length;
    };
    const read = async (offset: bigint, length: number): Promise<number> => {
      calls++;
      if (f && io) return io.pread(f.fd, buf, length, offset, path);
      if (backend.read) return backend.read(path, offset, buf.subarray(0, length));
      throw new FsctlError({
        operation: 'dig-holes',
        code: 'E_UNSUPPORTED',
        paths: [path],
        message: `dig-holes: the ${backend.name} backend cannot read file contents, so zero blocks cannot be found (E_UNSUPPORTED).`,
      });
    };

    for (const r of ranges.ranges) {
      // Whole blocks only, inside the file.
      const rEnd = r.offset + r.length < size ? r.offset + r.length : size;
      const start = ((r.offset + B - 1n) / B) * B;
      const end = (rEnd / B) * B;
      let runStart = -1n;
      let pos = start;
      while (pos < end) {
        ctx.checkCancelled();
        const want = end - pos > BigInt(CHUNK) ? CHUNK : Number(end - pos);
        const n = await read(pos, want);
        if (n <= 0) break;
        const usable = n - (n % bs);
        if (usable === CHUNK && view.equals(zeroChunk)) {
          if (runStart < 0n) runStart = pos;
        } else {
          for (let i = 0; i < usable; i += bs) {
            const zero = view.subarray(i, i + bs).equals(zeroBlock);
            const at = pos + BigInt(i);
            if (zero) {
              if (runStart < 0n) runStart = at;
            } else if (runStart >= 0n) {
              await punch({ offset: runStart, length: at - runStart });
              runStart = -1n;
            }
          }
        }
        pos += BigInt(usable);
        scanned += BigInt(usable);
        ctx.progress({ done: scanned, total, message: `${punched} bytes punched` });
        if (ctx.maybeYield) await ctx.maybeYield();
        if (usable < want) break;
      }
      if (runStart >= 0n) await punch({ offset: runStart, length: pos - runStart });
    }
    return {
      operation: 'dig-holes',
      method: 'dig-holes',
      source: path,
      bytes: punched,
      calls,
      durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
      notes: [`scanned ${scanned} bytes in ${ranges.ranges.length} data ranges at ${bs}-byte blocks; punched ${runs} runs of zeros`],
    };
  } finally {
    closeQuietly(f);
  }
}

export type { Backend };
