// The Linux backend's data ranges and holes: SEEK_DATA/SEEK_HOLE ranges, punching holes
// (FALLOC_FL_PUNCH_HOLE), zeroing ranges (punch, else FALLOC_FL_ZERO_RANGE, else zeros written)
// and the sparse flag Linux does not have. One layer of LinuxBackend (see base.ts).

import * as fs from 'node:fs';
import type { OpContext } from '../../backend';
import { errnoError } from '../../errno';
import { FsctlError, resaid } from '../../errors';
import { big, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE } from './libc';
import { closeQuietly, openRegular, type OpenFile } from './files';
import type { ByteRange, Extent, Operation, OperationReport, RangesResult } from '../../types';
import { EINVAL, elapsed, EOPNOTSUPP, now } from './base';
import { LinuxMaps } from './map';
import { heldNote } from './map-notes';
import { heldOutsideExtents, packExtents } from '../../map-format';
import { punchNotes, zeroedWithin } from '../../punch-parts';
import { inPlaceError } from '../../in-place-error';
import { CallCount, LINUX_CALL } from '../../call-count';

const asExtent = (r: ByteRange): Extent => ({ offset: r.offset, length: r.length, physical: null, flags: [] });

/** What FALLOC_FL_ZERO_RANGE allocated in a range: holes filled, and shared blocks given blocks of their own (FIEMAP, before and after). */
interface AllocationChange {
  filled: bigint;
  unshared: bigint;
}

/**
 * zero --keep-allocated's note: what it did to the range's allocation, measured. It once said
 * "holes in it were allocated" of every range, one without holes too, and nothing of shared
 * (reflinked) blocks, which get blocks of their own and so take free space.
 */
function keptAllocatedNote(change: AllocationChange | undefined): string[] {
  const head = 'the range stays allocated (FALLOC_FL_ZERO_RANGE, as fallocate -z: its blocks read as zeros';
  if (!change) return [`${head}; holes in it are allocated and shared blocks get blocks of their own, not measured here)`];
  const parts: string[] = [];
  if (change.filled > 0n) parts.push(`${change.filled} bytes of holes in it were allocated`);
  if (change.unshared > 0n)
    parts.push(`${change.unshared} bytes shared with other files (reflinks, snapshots) got blocks of their own, which take free space`);
  return [`${head})` + (parts.length ? `: ${parts.join('; ')} (measured)` : '')];
}

export class LinuxHoles extends LinuxMaps {
  async allocatedRanges(p: string, window: ByteRange | undefined, ctx: OpContext): Promise<RangesResult> {
    const t0 = now();
    const f = openRegular('ranges', p, 'read');
    try {
      const w = this.resolveWindow(window, f.stat.size, 'ranges', p);
      const { ranges, calls } = this.seekRanges(f, w.start, w.end, 'ranges', ctx);
      const r: RangesResult = {
        path: p,
        size: f.stat.size,
        window: { offset: w.start, length: w.end - w.start },
        ranges,
        method: 'seek',
        calls,
        durationMs: elapsed(t0),
      };
      // The whole file: what its block count holds beyond its data ranges (unwritten, preallocated
      // extents read as holes to SEEK_DATA), as a whole-file SEEK_DATA map says it (map.ts)
      const info = window ? undefined : this.tryStatfs(f.fd);
      const held = info ? heldOutsideExtents(f.stat.blocks * 512n, packExtents(ranges.map(asExtent)), info.blockSize) : 0n;
      if (info && held > 0n) {
        r.heldOutsideExtents = held;
        r.notes = [
          heldNote(f.stat.blocks * 512n, held, this.mountedNameOf(info, f.fd), info.filesystem === 'ext4' && this.indirectOf(f.fd)),
        ];
      }
      return r;
    } finally {
      closeQuietly(f);
    }
  }

  async punchHole(p: string, range: ByteRange, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    ctx.checkCancelled();
    const f = openRegular('punch', p, 'read-write');
    try {
      // `bytes` is what was deallocated, measured, not the length asked for (which may cover
      // holes or run past the end): the drop in the bytes of the file's extents in the range
      // (FIEMAP), else in its block count (st_blocks, which also counts XFS's extent tree)
      const end = range.offset + range.length;
      // calls: the one fallocate (none for an empty range: "nothing to do"); the measuring FIEMAPs apart
      const count = new CallCount();
      const before = this.extentBytesIn(f.fd, p, range.offset, end, ctx, count);
      const blocksBefore = f.stat.blocks * 512n;
      if (range.length > 0n) {
        count.calls++;
        if (this.libc.fallocate(f.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, range.offset, range.length) !== 0)
          throw this.fail('punch', 'fallocate(PUNCH_HOLE|KEEP_SIZE)', [p], f.fd);
      }
      // (the punch is done: a map that cannot be read now falls back to the block count)
      const after = before && this.extentBytesForNote(f.fd, p, range.offset, end, ctx, count);
      const [from, to] =
        before && after ? [before.allocated, after.allocated] : [blocksBefore, fs.fstatSync(f.fd, { bigint: true }).blocks * 512n];
      const bytes = from > to ? from - to : 0n;
      const notes =
        bytes === range.length
          ? undefined
          : punchNotes(
              range.offset,
              range.length,
              f.stat.size,
              this.tryStatfs(f.fd)?.blockSize ?? 0,
              bytes,
              before && after ? 'FIEMAP' : 'st_blocks',
            );
      return {
        operation: 'punch',
        method: 'FALLOC_FL_PUNCH_HOLE',
        source: p,
        bytes,
        ...count.report(),
        durationMs: elapsed(t0),
        notes,
        // what of it other files still hold (fs-freed.ts says why the file system gained less)
        ...(before && after ? { sharedBytes: before.shared - after.shared > 0n ? before.shared - after.shared : 0n } : {}),
      };
    } finally {
      closeQuietly(f);
    }
  }

  /** zeroRange can keep the range allocated (FALLOC_FL_ZERO_RANGE). */
  readonly keepsAllocated: boolean = true;

  /**
   * Punch where possible; else FALLOC_FL_ZERO_RANGE; else write zeros. With `keepAllocated`, no
   * punch: FALLOC_FL_ZERO_RANGE (as `fallocate -z`), else zeros written, both of which leave the
   * range allocated (a thick-provisioned image stays thick; a trial's 8 MiB image went to 4).
   */
  async zeroRange(p: string, range: ByteRange, ctx: OpContext, opts: { keepAllocated?: boolean } = {}): Promise<OperationReport> {
    const t0 = now();
    ctx.checkCancelled();
    const f = openRegular('zero', p, 'read-write');
    try {
      // bytes: what lies inside the file (KEEP_SIZE: the part past its end changes nothing)
      const within = zeroedWithin(range.offset, range.length, f.stat.size);
      if (range.length === 0n)
        return { operation: 'zero', method: 'FALLOC_FL_PUNCH_HOLE', source: p, bytes: 0n, calls: 0, durationMs: elapsed(t0) };
      // Punching frees what the range held, preallocated (unwritten) space too, which `fallocate
      // -z` would keep: said with the measured figure (a trial saw 8 MiB of reservation go unsaid).
      const rangeEnd = range.offset + range.length;
      // calls: the fallocate, or the pwrites, of the method that zeroed the range; a refused
      // fallocate and the measuring FIEMAPs apart
      const count = new CallCount();
      if (opts.keepAllocated)
        return this.zeroInPlace(
          f,
          p,
          range,
          within,
          {
            zeroed: keptAllocatedNote,
            written: ['the file system cannot zero a range in place (FALLOC_FL_ZERO_RANGE); zeros were written, which keeps it allocated'],
          },
          count,
          ctx,
          t0,
        );
      const before = this.extentBytesIn(f.fd, p, range.offset, rangeEnd, ctx, count);
      if (this.libc.fallocate(f.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, range.offset, range.length) === 0) {
        count.calls++;
        // (the zeroing is done; a map that cannot be read leaves only the note out)
        const after = before && this.extentBytesForNote(f.fd, p, range.offset, rangeEnd, ctx, count);
        const said = [...(within.notes ?? [])];
        // (of the preallocated space, only what the punch took: ext4 punches nothing past the end of
        // the file, where a trial's note said 1 MiB of it was gone that was still there)
        const unwrittenFreed = before && after && before.unwritten > after.unwritten ? before.unwritten - after.unwritten : 0n;
        if (before && after && before.allocated > after.allocated)
          said.push(
            `zeroed by punching a hole: ${before.allocated - after.allocated} bytes of the file's blocks in the range were deallocated (measured)` +
              (unwrittenFreed > 0n
                ? `; the range held ${unwrittenFreed} bytes of preallocated (unwritten) space, deallocated with it (\`extent-lens zero --keep-allocated\`, as \`fallocate -z\`, keeps it allocated)`
                : ''),
          );
        return {
          operation: 'zero',
          method: 'FALLOC_FL_PUNCH_HOLE',
          source: p,
          bytes: within.bytes,
          ...count.report(),
          durationMs: elapsed(t0),
          notes: said.length ? said : undefined,
        };
      }
      const e = this.libc.errno();
      if (e !== EOPNOTSUPP) throw this.fail('zero', 'fallocate(PUNCH_HOLE|KEEP_SIZE)', [p], f.fd, e);
      count.other(LINUX_CALL.fallocate); // refused: not the method that zeroed it
      const cannot = 'the file system cannot punch holes';
      return this.zeroInPlace(
        f,
        p,
        range,
        within,
        { zeroed: () => [cannot], written: [cannot, 'nor zero ranges; zeros were written'] },
        count,
        ctx,
        t0,
      );
    } finally {
      closeQuietly(f);
    }
  }

  /**
   * FALLOC_FL_ZERO_RANGE over the part of `range` inside the file, else zeros written: both leave it allocated (zero with
   * keepAllocated, and zero where no hole can be punched). `said`: the notes for either outcome
   * (a zeroed range's from what its extents were before and after, measured where FIEMAP can);
   * `count`: the calls, with those already made (a refused punch) among the others.
   */
  private zeroInPlace(
    f: OpenFile,
    p: string,
    range: ByteRange,
    within: { bytes: bigint; notes: string[] },
    said: { zeroed: (change: AllocationChange | undefined) => string[]; written: string[] },
    count: CallCount,
    ctx: OpContext,
    t0: number,
  ): OperationReport {
    // only the part inside the file: ZERO_RANGE with KEEP_SIZE past the end would preallocate
    // blocks there, taking space the report says nothing about (a trial's `zero --keep-allocated`
    // past the end of a 10000-byte file left it 1 MiB of unwritten blocks)
    if (within.bytes === 0n)
      return {
        operation: 'zero',
        method: 'FALLOC_FL_ZERO_RANGE',
        source: p,
        bytes: 0n,
        ...count.report(),
        durationMs: elapsed(t0),
        notes: within.notes,
      };
    const extents = () => this.extentBytesForNote(f.fd, p, range.offset, range.offset + within.bytes, ctx, count);
    const before = extents();
    if (this.libc.fallocate(f.fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, range.offset, within.bytes) === 0) {
      count.calls++;
      const after = before && extents();
      const change =
        before && after
          ? {
              filled: after.allocated > before.allocated ? after.allocated - before.allocated : 0n,
              unshared: before.shared > after.shared ? before.shared - after.shared : 0n,
            }
          : undefined;
      return {
        operation: 'zero',
        method: 'FALLOC_FL_ZERO_RANGE',
        source: p,
        bytes: within.bytes,
        ...count.report(),
        durationMs: elapsed(t0),
        notes: [...said.zeroed(change), ...within.notes],
      };
    }
    const e = this.libc.errno();
    if (e !== EOPNOTSUPP && e !== EINVAL)
      throw this.zeroRangeFailure(
        errnoError('zero', e, 'fallocate(ZERO_RANGE|KEEP_SIZE)', [p]),
        before,
        extents,
        p,
        range.offset,
        within.bytes,
      );
    count.other(LINUX_CALL.fallocate); // refused: not the method that zeroed it
    return this.writeZeros(f, p, range, within, said.written, count, ctx, t0);
  }

  /**
   * FALLOC_FL_ZERO_RANGE that failed part way (ENOSPC): the kernel zeroes and allocates the range
   * piece by piece and keeps what it did, so the error says which bytes may have changed and what
   * of the range's holes it allocated, measured (a trial: 5.5 MiB of a 100 MiB hole taken on a
   * 16 MiB ext4, the file system left full, and the error said only "free space on it").
   */
  private zeroRangeFailure(
    e: FsctlError,
    before: { allocated: bigint } | undefined,
    extents: () => { allocated: bigint } | undefined,
    p: string,
    offset: bigint,
    length: bigint,
  ): unknown {
    const said = inPlaceError(e, p, undefined, offset, 0n, offset + length, 'zeros');
    const after = before && extents();
    const filled = before && after && after.allocated > before.allocated ? after.allocated - before.allocated : 0n;
    if (!(said instanceof FsctlError) || filled === 0n) return said;
    return resaid(said, {
      message:
        `${said.message.replace(/\.$/, '')}; before it stopped, ${filled} bytes of holes in the range were allocated (measured), ` +
        'which the file keeps: `extent-lens zero` without --keep-allocated punches the range instead, which frees them.',
    });
  }

  /** Zeros written over the part of `range` inside the file (zeroing never extends it). */
  private writeZeros(
    f: OpenFile,
    p: string,
    range: ByteRange,
    within: { bytes: bigint; notes: string[] },
    notes: string[],
    count: CallCount,
    ctx: OpContext,
    t0: number,
  ): OperationReport {
    const end = range.offset + within.bytes;
    const zeros = new Uint8Array(1 << 20);
    let pos = range.offset;
    let n = 0;
    try {
      while (pos < end) {
        ctx.checkCancelled();
        n = end - pos > BigInt(zeros.length) ? zeros.length : Number(end - pos);
        const w = big(this.libc.pwrite(f.fd, zeros, n, pos));
        count.calls++;
        if (w <= 0n) throw this.fail('zero', 'pwrite', [p]);
        pos += w;
        n = 0;
        ctx.progress({ done: pos - range.offset, total: end - range.offset });
      }
    } catch (e) {
      // a cancel or a failure part way: which bytes already read as zeros, not "nothing was changed"
      throw inPlaceError(e, p, undefined, range.offset, pos - range.offset, pos + BigInt(n), 'zeros');
    }
    return {
      operation: 'zero',
      method: 'write-zeros',
      source: p,
      bytes: within.bytes,
      ...count.report(),
      durationMs: elapsed(t0),
      notes: [...notes, ...within.notes],
    };
  }

  async setSparse(p: string, sparse: boolean, ctx: OpContext): Promise<OperationReport> {
    const t0 = now();
    ctx.checkCancelled();
    const f = openRegular('set-sparse', p, 'read');
    closeQuietly(f);
    return {
      operation: 'set-sparse',
      method: 'none',
      source: p,
      bytes: 0n,
      calls: 0,
      durationMs: elapsed(t0),
      notes: [
        sparse
          ? 'Linux has no sparse attribute: every file on a sparse-capable file system can hold holes already'
          : 'Linux has no sparse attribute to clear; holes stay until data is written over them',
      ],
    };
  }

  /** Punch on an already open descriptor (dig-holes punches many runs through one open). */
  punchFd(fd: number, offset: bigint, length: bigint, p: string, operation: Operation = 'dig-holes'): void {
    if (this.libc.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) !== 0)
      throw this.fail(operation, 'fallocate(PUNCH_HOLE|KEEP_SIZE)', [p], fd);
  }
}
