// The portable copy that keeps holes: read the source's data ranges (backend.allocatedRanges)
// and write only those at the same offsets, into a copy given its size first; its final size is
// where reading ended. Holes stay holes on every file system that supports them. This is the
// fallback when the in-kernel copy cannot run (EXDEV across file system types on old kernels,
// EOPNOTSUPP) and the clone fallback when the caller allowed a copy.
//
// Calls (OperationReport.calls, call-count.ts): a sparse copy's method is its reads and writes,
// so each pread64 and each pwrite64 of the data is one call (the read that finds the end of the
// file too); the lseek SEEK_DATA/SEEK_HOLE walk, the ftruncate that sets the size and the
// fallocate that punches a hole in place are named apart, in otherCalls.

import { quietContext, type Backend, type OpContext } from './backend';
import type { PositionalIo } from './backend-ext';
import { nodeFsError } from './errno';
import { FsctlError } from './errors';
import { changedWhileCopied, sourceChangeSaid } from './source-changed';
import { inPlaceFailure, sizeOf } from './in-place-error';
import { closeQuietly, intoNewLocalFile, openRegular } from './backends/linux/files';
import * as fs from 'node:fs';
import type { ByteRange, Operation, OperationReport } from './types';
import { CallCount, LINUX_CALL } from './call-count';

const CHUNK = 1 << 20;
/** copy_file_range chunk: big enough to be cheap, small enough to cancel and report progress. */
const KERNEL_CHUNK = 64n * 1024n * 1024n;
/** The largest file offset (2^63 - 1): where the largest possible file ends. */
const MAX_END = (1n << 63n) - 1n;
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

/** What the source looked like when the copy began (fstat of the open source). */
export interface SourceSnapshot {
  size: bigint;
  mtimeNs: bigint;
}

interface CopyUntilEofInput {
  operation: Operation;
  io: PositionalIo;
  src: { fd: number; path: string };
  /** The new file's descriptor; `path` is the name errors give it (the final name). */
  dst: { fd: number; path: string };
  /** The source at the start (its size is only where the copy expects EOF). */
  start: SourceSnapshot;
  /** The source's data ranges below start.size, in order; undefined = read it all. */
  ranges: ByteRange[] | undefined;
  /**
   * The in-kernel copy (copy_file_range) of up to `want` bytes at `offset`, same offset both
   * sides: returns the count (0 at EOF) or throws. Without it the data is read and written.
   */
  kernel?: (offset: bigint, want: bigint) => bigint;
  /** fstat of the source after the copy. */
  restat: () => SourceSnapshot;
  ctx: OpContext & { maybeYield?: () => Promise<void> };
  /** Every system call the loop makes is counted here by name (LINUX_CALL); the caller says which are its method's. */
  count: CallCount;
}

/**
 * The copy loop every local copy runs on open descriptors: the data ranges at the same offsets
 * (holes stay holes), each until it is done or the source ends early, then reads past the
 * expected size until read() returns 0, so EOF is where reading ends, not what fstat said
 * (procfs reports 0 bytes, sysfs 4096). The destination gets exactly that size (never more).
 * A source whose size or modification time changed meanwhile is E_CHANGED: a mix of old and
 * new bytes is not a copy of anything. Returns the data bytes copied and the size; its calls
 * are in `c.count`, by name.
 */
export async function copyUntilEof(c: CopyUntilEofInput): Promise<{ bytes: bigint; size: bigint; readBytes: bigint; note?: string }> {
  const { io, src, dst, ctx, count } = c;
  const ranges = c.ranges ?? (c.start.size > 0n ? [{ offset: 0n, length: c.start.size }] : []);
  const total = ranges.reduce((a, r) => a + r.length, 0n);
  const buf = new Uint8Array(CHUNK);
  let readBytes = 0n; // of `done`, the bytes read and written here (not by the kernel's copy)
  const readWrite = (pos: bigint, want: number): number => {
    const n = io.pread(src.fd, buf, want, pos, src.path);
    count.other(LINUX_CALL.read);
    readBytes += BigInt(n);
    let written = 0;
    while (written < n) {
      written += io.pwrite(dst.fd, written === 0 ? buf : buf.subarray(written), n - written, pos + BigInt(written), dst.path);
      count.other(LINUX_CALL.write);
    }
    return n;
  };
  // Where the data leaves holes, the expected size first, so no write extends the file: XFS
  // preallocates past the end of a file written at its end (speculative preallocation, about as
  // much as was written), and a later write past a hole, or the size set afterwards, would leave
  // those blocks inside the copy as unwritten extents for good (a trial: 193 MiB held for 97 MiB
  // of data). Not for data with no hole: written front to back, it leaves no gap to strand blocks
  // in, and a file system that cannot hold holes (vfat, exFAT) fills a file grown by ftruncate
  // with zeros, which the data would then write over. The final size is still where reading ends.
  const dense = ranges.length === 1 && ranges[0].offset === 0n && ranges[0].length === c.start.size;
  if (ranges.length > 0 && c.start.size > 0n && !dense) {
    io.ftruncate(dst.fd, c.start.size, dst.path);
    count.other(LINUX_CALL.size);
  }
  let done = 0n;
  let eof: bigint | undefined;
  outer: for (const r of ranges) {
    let pos = r.offset;
    const end = r.offset + r.length;
    while (pos < end) {
      ctx.checkCancelled();
      const left = end - pos;
      let n: bigint;
      if (c.kernel) {
        n = c.kernel(pos, left > KERNEL_CHUNK ? KERNEL_CHUNK : left);
        count.other(LINUX_CALL.copy);
      } else n = BigInt(readWrite(pos, left > BigInt(CHUNK) ? CHUNK : Number(left)));
      if (n === 0n) {
        eof = pos; // the source ends before the size read at the start said
        break outer;
      }
      pos += n;
      done += n;
      ctx.progress({ done, total });
      if (ctx.maybeYield) await ctx.maybeYield();
    }
  }
  if (eof === undefined) {
    // Past the expected end: read() says where the file really ends (one call for most files).
    // No read may reach past 2^63 - 1 (the kernel refuses it, EINVAL): a file that ends there
    // has nothing after it.
    let pos = c.start.size;
    for (;;) {
      ctx.checkCancelled();
      const room = MAX_END - pos;
      if (room <= 0n) break;
      const n = readWrite(pos, room < BigInt(CHUNK) ? Number(room) : CHUNK);
      if (n === 0) break;
      pos += BigInt(n);
      done += BigInt(n);
      ctx.progress({ done, total: 0n });
      if (ctx.maybeYield) await ctx.maybeYield();
    }
    eof = pos;
  }
  const after = c.restat();
  if (after.size !== c.start.size || after.mtimeNs !== c.start.mtimeNs)
    throw new FsctlError({
      operation: c.operation,
      code: 'E_CHANGED',
      paths: [src.path, dst.path],
      message: changedWhileCopied(
        c.operation,
        src.path,
        sourceChangeSaid({ startSize: c.start.size, nowSize: after.size, readEnd: eof, timeName: 'modification time' }),
      ),
    });
  io.ftruncate(dst.fd, eof, dst.path);
  count.other(LINUX_CALL.size);
  const note =
    eof === c.start.size
      ? undefined
      : `the file system gave ${src.path} a size of ${c.start.size} bytes, but reading it ended at ${eof} bytes (a pseudo file, as in /proc or /sys): copied what reading gave`;
  return { bytes: done, size: eof, readBytes, note };
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
  let ranges: ByteRange[] | undefined;
  const count = new CallCount();
  try {
    // (quiet: the walk's progress is over the file's size, not the data the copy's counts)
    const r = await backend.allocatedRanges(source, undefined, quietContext(ctx));
    ranges = r.ranges;
    count.rangesQuery(r);
  } catch (e) {
    // Pseudo files (procfs, sysfs) may not seek by data and holes: read them whole.
    if (!(e instanceof FsctlError) || (e.code !== 'EINVAL' && e.code !== 'ESPIPE')) throw e;
  }
  try {
    return await intoNewLocalFile(operation, source, target, async (src, dst) => {
      const snap = (st: fs.BigIntStats): SourceSnapshot => ({ size: st.size, mtimeNs: st.mtimeNs });
      const r = await copyUntilEof({
        operation,
        io,
        src,
        dst,
        start: snap(src.stat),
        ranges: ranges?.filter((x) => x.offset < src.stat.size),
        restat: () => snap(fs.fstatSync(src.fd, { bigint: true })),
        ctx,
        count,
      });
      return {
        operation,
        method: 'sparse-copy',
        source,
        destination: target,
        bytes: r.bytes,
        ...count.method(LINUX_CALL.read, LINUX_CALL.write).report(),
        durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
        notes: r.note ? [r.note] : undefined,
      };
    });
  } catch (e) {
    throw e instanceof FsctlError ? e : nodeFsError(operation, e, [source, target]);
  }
}

/**
 * Copy `length` bytes between two existing files at the given offsets (clone-range fallback),
 * keeping holes: the source's data ranges are read and written, its holes become holes in the
 * destination (punched; zeros written where the file system cannot punch), so a mostly empty
 * range does not allocate the whole of it. The destination is written in place, so a cancel or
 * a failure part way has changed part of it: the error then says which bytes (E_CANCELLED:
 * exactly those done; another error: up to the end of the write in flight), never "nothing was
 * left behind".
 */
export async function copyRangeBytes(
  backend: Backend,
  io: PositionalIo,
  source: string,
  sourceOffset: bigint,
  target: string,
  targetOffset: bigint,
  length: bigint,
  ctx: OpContext & { maybeYield?: () => Promise<void> },
): Promise<OperationReport> {
  const t0 = performance.now();
  let data: ByteRange[] = [{ offset: sourceOffset, length }];
  const count = new CallCount();
  try {
    const r = await backend.allocatedRanges(source, { offset: sourceOffset, length }, quietContext(ctx)); // (quiet, as above)
    data = r.ranges;
    count.rangesQuery(r);
  } catch (e) {
    // where data and holes cannot be told (pseudo files): every byte is read and written
    if (!(e instanceof FsctlError) || (e.code !== 'EINVAL' && e.code !== 'ESPIPE')) throw e;
  }
  const src = openRegular('clone-range', source, 'read');
  let dst: ReturnType<typeof openRegular> | undefined;
  let done = 0n;
  let written = 0n;
  let holes = 0n;
  let touchedEnd = targetOffset; // nothing at or after it was written to
  try {
    dst = openRegular('clone-range', target, 'read-write');
    const buf = new Uint8Array(CHUNK);
    const zeros = new Uint8Array(CHUNK);
    let canPunch = io.punch !== undefined;
    /** The source's next data range from `at` (relative to the range), clipped to it. */
    const nextData = (at: bigint): { start: bigint; end: bigint } | undefined => {
      for (const d of data) {
        const from = d.offset - sourceOffset; // (negative: the data began before the range)
        const to = from + d.length;
        const s = from > at ? from : at;
        const e = to < length ? to : length;
        if (e > s) return { start: s, end: e };
      }
      return undefined;
    };
    /** The destination's [from, to) (range-relative) made to read as zeros: punched, else zeros written. */
    const hole = async (from: bigint, to: bigint): Promise<void> => {
      if (to <= from) return;
      if (canPunch) {
        touchedEnd = targetOffset + to; // a failed punch may have deallocated part of it
        try {
          count.other(LINUX_CALL.fallocate); // (a refused one too: it was made)
          io.punch!(dst!.fd, targetOffset + from, to - from, target, 'clone-range');
          holes += to - from;
          done = to;
          ctx.progress({ done, total: length });
          return;
        } catch (e) {
          if (!(e instanceof FsctlError) || e.code !== 'EOPNOTSUPP') throw e;
          touchedEnd = targetOffset + from; // refused whole: nothing punched
          canPunch = false;
        }
      }
      for (let at = from; at < to;) {
        ctx.checkCancelled();
        const n = to - at > BigInt(CHUNK) ? CHUNK : Number(to - at);
        at += BigInt(io.pwrite(dst!.fd, zeros, n, targetOffset + at, target));
        touchedEnd = targetOffset + at; // (a pwrite that fails has written nothing)
        count.other(LINUX_CALL.write);
        done = at;
        ctx.progress({ done, total: length });
      }
    };
    while (done < length) {
      ctx.checkCancelled();
      const d = nextData(done);
      if (!d) {
        await hole(done, length);
        break;
      }
      await hole(done, d.start);
      if (ctx.maybeYield) await ctx.maybeYield();
      ctx.checkCancelled();
      const want = d.end - d.start > BigInt(CHUNK) ? CHUNK : Number(d.end - d.start);
      const n = io.pread(src.fd, buf, want, sourceOffset + done, source);
      count.other(LINUX_CALL.read);
      if (n <= 0) throw endedEarly(source, target, src.stat.size, sizeOf(src.fd), sourceOffset + done);
      let put = 0;
      while (put < n) {
        put += io.pwrite(dst.fd, buf.subarray(put, n), n - put, targetOffset + done + BigInt(put), target);
        touchedEnd = targetOffset + done + BigInt(put); // (a pwrite that fails has written nothing)
        count.other(LINUX_CALL.write);
      }
      done += BigInt(n);
      written += BigInt(n);
      ctx.progress({ done, total: length });
    }
    // a range ending in a hole past the destination's end: the size it would have had (a punch does not extend)
    const end = targetOffset + length;
    if (fs.fstatSync(dst.fd, { bigint: true }).size < end) {
      io.ftruncate(dst.fd, end, target);
      count.other(LINUX_CALL.size);
    }
    return {
      operation: 'clone-range',
      method: 'sparse-copy',
      source,
      destination: target,
      bytes: written,
      ...count.method(LINUX_CALL.read, LINUX_CALL.write).report(),
      durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
      notes: [
        `copied in place: bytes ${targetOffset} to ${end} of ${target} were overwritten with copies (not shared)` +
          (holes > 0n || written < length
            ? `: ${written} bytes of the source's data written, and its holes (${length - written} bytes) made holes there` +
              (canPunch || holes > 0n ? '' : ' (zeros written: this file system cannot punch holes)')
            : ''),
      ],
    };
  } catch (e) {
    throw inPlaceFailure(e, target, dst, targetOffset, done, touchedEnd, "copies of the source's bytes", (fd, n) =>
      io.ftruncate(fd, n, target),
    );
  } finally {
    closeQuietly(src);
    closeQuietly(dst);
  }
}

/**
 * Reading the source ended at `at`, inside the range: it shrank while it was copied (E_CHANGED),
 * or, its size unchanged, it is a pseudo file whose size says nothing of what reading gives
 * (sysfs: 4096): a range of it cannot be placed (E_RANGE).
 */
function endedEarly(source: string, target: string, sizeBefore: bigint, sizeNow: bigint | undefined, at: bigint): FsctlError {
  const changed = sizeNow !== sizeBefore;
  return new FsctlError({
    operation: 'clone-range',
    code: changed ? 'E_CHANGED' : 'E_RANGE',
    paths: [source, target],
    message: changed
      ? `clone-range: ${source} ended at ${at} bytes, inside the range being copied: it shrank while it was copied (its size went from ${sizeBefore} to ${sizeNow ?? 'unknown'} bytes) (E_CHANGED).`
      : `clone-range: reading ${source} ended at ${at} bytes, inside the range, though the file system gives it a size of ${sizeBefore} bytes (a pseudo file, as in /proc or /sys) (E_RANGE); choose a range within its first ${at} bytes, or copy the whole file (a copy reads it to its end).`,
  });
}
