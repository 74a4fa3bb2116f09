// The Linux backend's copies: copy_file_range over the source's data ranges only, so holes stay
// holes, or (portable) pread/pwrite of the same ranges. One layer of LinuxBackend (see base.ts).
//
// Every copy the engine makes goes through copyNew: like the clone core (clone.ts) the new file
// is an unnamed O_TMPFILE inode in the destination folder until the engine places it, so a
// failure, a cancel, SIGKILL or a crash leaves nothing (a temporary name only where the file
// system has no O_TMPFILE); its data is written to the disk (fdatasync) before it is named,
// so a power loss does not leave the name with data that never reached the disk. Its mode is
// cp's for a new file (newFileMode). The data is copied until EOF is really reached
// (sparse-copy.ts, copyUntilEof): never past it, and a source that changed size or was written
// meanwhile is E_CHANGED.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { quietContext, type OpContext } from '../../backend';
import type { NewFileTarget, PendingFile, PositionalIo } from '../../backend-ext';
import { tempName } from '../../destination';
import { FsctlError } from '../../errors';
import { osPath } from '../../os-path';
import { copyUntilEof, type SourceSnapshot } from '../../sparse-copy';
import { CallCount, LINUX_CALL } from '../../call-count';
import { big } from './libc';
import { closeQuietly, openRegular } from './files';
import type { ByteRange, OperationReport } from '../../types';
import { bytesWithin, withoutRanges } from '../../byte-ranges';
import { elapsed, now, yieldIfInThread } from './base';
import { LinuxClones, newFileMode } from './clone';
import { fiemapPages, newFiemapBuffer } from './map';
import { EXTENT_FLAG, PackedExtentsBuilder } from '../../map-format';

export class LinuxCopies extends LinuxClones {
  /** Positional I/O with exact 64-bit offsets (io.ts). */
  declare readonly io: PositionalIo;

  /**
   * `source` copied into a new file in `to.dir` (unnamed where possible), not yet named: the
   * caller must place() it (or not) and then close() it. In-kernel copy_file_range over the
   * source's data ranges (on XFS/btrfs the kernel shares blocks), or with `portable` a
   * pread/pwrite copy of the same ranges. Throws a named FsctlError, having left nothing.
   */
  async copyNew(source: string, to: NewFileTarget, ctx: OpContext, opts: { portable?: boolean } = {}): Promise<PendingFile> {
    const t0 = now();
    ctx.checkCancelled();
    const destination = to.final;
    const src = openRegular('copy', source, 'read');
    let fd = -1;
    let named = false;
    try {
      const perm = newFileMode(src.stat.mode);
      ({ fd, named } = this.createNew('copy', to, perm, false));
      const size = src.stat.size;
      let ranges: ByteRange[] | undefined;
      // calls: copy_file_range's (or, read and written, pread64's and pwrite64's); the lseek walk,
      // FIEMAP (unwritten extents, sharing measured) and ftruncate apart (call-count.ts)
      const count = new CallCount();
      let unwritten: ByteRange[] | undefined; // the source's preallocated extents, where FIEMAP gave them
      try {
        // (quiet: the walk's progress is over the file's size, not the data the copy's counts)
        const s = this.seekRanges(src, 0n, size, 'copy', quietContext(ctx), count);
        ranges = s.ranges;
      } catch (e) {
        // Pseudo files (procfs, sysfs) may not seek by data and holes: they are read whole.
        if (!(e instanceof FsctlError) || (e.code !== 'EINVAL' && e.code !== 'ESPIPE')) throw e;
      }
      if (ranges) {
        // Unwritten (preallocated) extents read as zeros and stay holes, as cp leaves them: XFS's
        // SEEK_DATA calls them data once their pages are cached. Only from a FIEMAP that wrote the
        // file's dirty data first (FIEMAP_FLAG_SYNC), so none holds data not yet written back.
        const u = this.flaggedRanges(src.fd, source, EXTENT_FLAG.UNWRITTEN, true, ctx);
        count.other(LINUX_CALL.fiemap, u.calls);
        unwritten = u.ranges;
        if (u.ranges) ranges = withoutRanges(ranges, u.ranges);
      }
      const offIn = new BigInt64Array(1);
      const offOut = new BigInt64Array(1);
      const dstFd = fd;
      const kernel = (offset: bigint, want: bigint): bigint => {
        offIn[0] = offset;
        offOut[0] = offset;
        const n = big(this.libc.copyFileRange(src.fd, offIn, dstFd, offOut, want, 0));
        if (n < 0n) throw this.fail('copy', 'copy_file_range', [source, destination], src.fd);
        return n;
      };
      const snap = (st: fs.BigIntStats): SourceSnapshot => ({ size: st.size, mtimeNs: st.mtimeNs });
      const r = await copyUntilEof({
        operation: 'copy',
        io: this.io,
        src,
        dst: { fd, path: destination },
        start: snap(src.stat),
        ranges,
        kernel: opts.portable ? undefined : kernel,
        restat: () => snap(fs.fstatSync(src.fd, { bigint: true })),
        ctx: { checkCancelled: () => ctx.checkCancelled(), progress: (p) => ctx.progress(p), maybeYield: () => yieldIfInThread(ctx) },
        count,
      });
      const readWritten = opts.portable || r.readBytes === r.bytes;
      const report: OperationReport = {
        operation: 'copy',
        // what moved the data: a pseudo file (procfs: size 0) is read and written, not copied in the
        // kernel; an empty or all-hole source gets no copy_file_range call at all (its size is set)
        method: readWritten ? 'sparse-copy' : 'copy_file_range',
        source,
        destination,
        bytes: r.bytes,
        calls: 0, // (set below, once the sharing is measured: its FIEMAP calls are among the others)
        durationMs: elapsed(t0),
      };
      const preallocated = unwritten ? bytesWithin(unwritten, 0n, r.size) : 0n;
      if (r.note) report.notes = [r.note];
      else if (r.bytes === 0n && r.size > 0n && preallocated === 0n) report.notes = ['the source is all hole; only its size was set'];
      // bytes counts data: said beside a size it falls short of, which read as a truncated copy (a trial)
      else if (r.bytes < r.size) report.notes = [notCopiedNote(r.size, r.bytes, preallocated)];
      // read and written: blocks of its own, by construction (the help gives sharedBytes always on Linux)
      if (opts.portable) report.sharedBytes = 0n;
      else {
        // copy_file_range may share the source's blocks (XFS, btrfs): say so, measured. First
        // without a flush (the copy's delayed data is its own, never shared); where that shows
        // sharing, again after one: XFS shares the source's last block whole and the copy's
        // size, set after, zeroes its tail past the end, a write that gives the copy a block of
        // its own once written back, until which the map still shows the shared one.
        const sharedIn = (sync: boolean): bigint | undefined => {
          const f = this.flaggedRanges(fd, destination, EXTENT_FLAG.SHARED, sync, ctx);
          count.other(LINUX_CALL.fiemap, f.calls);
          return f.ranges?.reduce((n, x) => n + x.length, 0n);
        };
        const measured = sharedIn(false);
        let shared = measured ?? 0n;
        if (shared > 0n) shared = sharedIn(true) ?? shared;
        // (extents are whole blocks: no more than the data copied is said shared, as btrfs's last block would say)
        if (shared > r.bytes) shared = r.bytes;
        if (measured !== undefined) report.sharedBytes = shared;
        if (shared > 0n) {
          (report.notes ??= []).push(
            `the file system shared ${shared} bytes of the source's blocks with the copy instead of writing new ones ` +
              // (the command in full: the note is read in VS Code's Clone Results too, where a bare option means nothing)
              '(copy_file_range does that on XFS and btrfs); extent-lens copy --reflink never makes a copy with blocks of its own',
          );
        }
      }
      Object.assign(report, (readWritten ? count.method(LINUX_CALL.read, LINUX_CALL.write) : count.method(LINUX_CALL.copy)).report());
      // The data on the disk before the copy has a name, as the Windows and SMB copies flush before
      // theirs: a power loss after linkat (or a replacing rename) would otherwise leave the name
      // with data the disk never got (XFS: an empty file), and a write error in the writeback
      // (EIO, ENOSPC on thin storage) would be lost after "copied". cp does not wait for this;
      // a copy that shares the source's blocks only waits for its log.
      ctx.progress({ done: r.bytes, total: r.bytes, message: 'writing the copy to the disk' }); // a big copy's wait
      if (this.libc.fdatasync(fd) !== 0) throw this.fail('copy', 'fdatasync', [destination], fd);
      const p = this.pending('copy', fd, named, to, perm, r.size);
      return { report, place: (name, replace) => p.place(name, replace), close: () => p.close() };
    } catch (e) {
      if (fd >= 0) this.libc.close(fd);
      if (named) fs.rmSync(osPath(to.temp), { force: true });
      throw e;
    } finally {
      closeQuietly(src);
    }
  }

  /**
   * The ranges of the open file `fd` in extents with `flag`, from FIEMAP (its progress is not the
   * copy's); undefined where there is no FIEMAP, or where `sync` was asked and the file system
   * refused FIEMAP_FLAG_SYNC.
   */
  private flaggedRanges(fd: number, p: string, flag: number, sync: boolean, ctx: OpContext): { ranges?: ByteRange[]; calls: number } {
    const out = new PackedExtentsBuilder();
    const quiet = quietContext(ctx);
    const r = fiemapPages(this.libc, fd, p, 0n, (this.fiemapBuf ??= newFiemapBuffer()), undefined, out, quiet, undefined, sync);
    if (r.unsupported || (sync && !r.synced)) return { calls: r.calls };
    const m = out.build();
    const ranges: ByteRange[] = [];
    for (let i = 0; i < m.count; i++)
      if ((m.flags[i] & flag) !== 0) ranges.push({ offset: m.offset[i], length: BigInt.asUintN(64, m.length[i]) });
    return { ranges, calls: r.calls };
  }

  /** Backend.copyFile: `source` copied to `target`, a path that must not exist (through copyNew). */
  async copyFile(source: string, target: string, ctx: OpContext): Promise<OperationReport> {
    const dir = path.dirname(target);
    const p = await this.copyNew(source, { dir, final: target, temp: tempName(dir, path.basename(target)) }, ctx);
    try {
      p.place(target, false);
    } finally {
      p.close();
    }
    return p.report;
  }
}

/**
 * What a copy of `size` bytes that copied `bytes` of data left out, in words: holes, and the
 * source's preallocated (unwritten) extents, which the copy has as holes too. Said apart: a
 * thick image copied thin was once reported as "holes, kept as holes", which it was not.
 */
function notCopiedNote(size: bigint, bytes: bigint, preallocated: bigint): string {
  const rest = size - bytes;
  if (preallocated <= 0n)
    return `the file is ${size} bytes; the other ${rest} bytes are holes, kept as holes (bytes counts the data copied)`;
  const holes = rest > preallocated ? rest - preallocated : 0n;
  return (
    `the file is ${size} bytes; ` +
    (holes > 0n ? `of the other ${rest} bytes, ${preallocated} bytes` : `the other ${rest} bytes`) +
    ' are preallocated (unwritten) extents in the source, which read as zeros and are holes in the copy, as cp leaves them, ' +
    'so that space is not reserved for it (fallocate the copy to reserve it again)' +
    (holes > 0n ? `, and ${holes} bytes are holes, kept as holes` : '') +
    ' (bytes counts the data copied)'
  );
}
