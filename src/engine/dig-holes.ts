// Dig holes: find blocks that are all zeros inside a file's data ranges and punch them, so
// they stop using space. Generic over the Backend: the data ranges come from
// backend.allocatedRanges, the bytes from descriptor-level I/O when the backend offers it
// (local files) or from backend.read, and the punching from the backend.
//
// Rules (docs/ENGINE.md, "dig-holes"):
// - Only whole blocks of at least the file system's block size are punched: a smaller block
//   size is refused, because punching part of a block deallocates nothing (the file system
//   writes zeros there instead, which unshares a cloned block and can use space).
// - An all-zero partial last block (the file ends inside it) is punched whole, past the end of
//   the file with KEEP_SIZE, as `fallocate --dig-holes` does, so it is freed too.
// - Another process must not write while blocks are read as zeros and punched: no system call
//   punches "only if still zero". Locally the file is held alone with a write lease (io.holdAlone):
//   a file another process has open is refused (E_IN_USE, nothing changed), and one it opens
//   meanwhile (its open waits for us) stops the dig before the next read or punch. Where no lease
//   can be had (not the owner, no leases there; SMB) a note says so, and the window is only
//   narrowed: runs of zeros are punched as soon as they are found (never more than one 1 MiB
//   chunk after they were read), each read again just before it is punched, 64 KiB at a time,
//   and only blocks that still read as zeros are punched.
// - `bytes` is what was deallocated, measured: locally the drop in the bytes of the file's
//   extents inside each punched run (FIEMAP; where there is none, the drop in st_blocks × 512,
//   which also counts XFS's extent tree); elsewhere what the backend's allocated ranges no
//   longer show inside each punched run. `sharedBytes`: of those, the ones other files share.
// - `calls` counts the punches (fallocate, or the backend's punch calls); the data ranges walk,
//   the maps, the reads and the measuring FIEMAPs are named apart, in otherCalls (call-count.ts).
// (Just over 400 lines: the scan, its lease and its error wording are one operation's rules.)

import * as fs from 'node:fs';
import { quietContext, type Backend, type OpContext } from './backend';
import type { ExtendedBackend, PositionalIo } from './backend-ext';
import { FsctlError, isCancelled, resaid } from './errors';
import { nodeFsError } from './errno';
import { closeQuietly, openRegular } from './backends/linux/files';
import type { ByteRange, OperationReport } from './types';
import { CallCount, LINUX_CALL } from './call-count';
import { withoutRanges } from './byte-ranges';
import { inUseMessage } from './dig-holes-in-use';
import { isUnsupported } from './nt/backend';

/** The largest file offset (and size): 2^63 - 1. */
const MAX_OFF = (1n << 63n) - 1n;

const CHUNK = 1 << 20;
/** Runs are read again and punched in pieces of this size (or one block, if larger). */
const VERIFY = 64 << 10;

interface DigContext extends OpContext {
  maybeYield?: () => Promise<void>;
  /**
   * A test seam: called when a run of zero blocks has been found, before it is read again and
   * punched (a test writes into the run here, as a concurrent writer could).
   */
  beforeVerify?: (run: ByteRange) => void | Promise<void>;
}

function badBlockSize(path: string, message: string): FsctlError {
  return new FsctlError({ operation: 'dig-holes', code: 'E_BAD_INPUT', paths: [path], message: `dig-holes: ${message} (E_BAD_INPUT).` });
}

export async function digHoles(
  backend: ExtendedBackend,
  path: string,
  requestedBlockSize: number | undefined,
  ctx: DigContext,
): Promise<OperationReport> {
  const t0 = performance.now();
  const io = backend.io;
  const local = io?.punch !== undefined && !path.startsWith('smb:');
  // Opened first: a file this user may not write is refused as dig-holes ("you need write access
  // to the file"), not by the listing of its ranges as "ranges: … read access" (a trial)
  const f = local ? openRegular('dig-holes', path, 'read-write') : undefined;
  try {
    // (the punches', measurements' and the data ranges walk's own progress is not this
    // operation's: "64 KiB / 64 KiB" for each punch, the walk's over the file's size)
    const quiet = quietContext(ctx);
    let allocated = await backend.allocatedRanges(path, undefined, quiet);
    const count = new CallCount();
    count.rangesQuery(allocated);
    const notes: string[] = [];
    // A file the server holds with holes it does not show (not marked sparse: one allocated range
    // over all of it, its allocation size says less): marked sparse first, which a punch does
    // anyway, so its holes show and only its data is read, and what each punch frees is measured
    // against ranges that are true (else every hole read as zeros counted as freed).
    if (!local && allocated.allocationSize !== undefined) {
      count.otherReport(await backend.setSparse(path, true, ctx));
      allocated = await backend.allocatedRanges(path, undefined, quiet);
      count.rangesQuery(allocated);
      notes.push('marked the file sparse first (a server shows the holes of sparse files only), so only its data was read');
    }
    const ranges = local ? await withoutUnwritten(backend, path, allocated, quiet, count) : { ...allocated, unwrittenBytes: 0n };
    // A thick (preallocated) image is not made thin: said, with where to look (a trial dug a 32 MiB
    // falloc raw image, freed 4 KiB, and said nothing of the 32 MiB it still held).
    const unwrittenLeft = ranges.unwrittenBytes;
    if (unwrittenLeft > 0n)
      notes.push(
        `left ${unwrittenLeft} bytes of preallocated (unwritten) space as they are: they read as zeros, but the file holds ` +
          'them on purpose (fallocate, a preallocated image); `extent-lens map` shows where (flag unwritten), and punching ' +
          'those ranges frees them',
      );
    const fsBlock = f && io?.blockSize ? io.blockSize(f.fd, path) : (await backend.volume(path)).blockSize;
    const bs = requestedBlockSize ?? fsBlock;
    if (!Number.isInteger(bs) || bs <= 0 || CHUNK % bs !== 0)
      throw badBlockSize(
        path,
        `block size ${bs} is not a power of two from the file system's block size ${fsBlock} under ${path} up to ` +
          `${CHUNK} (1 MiB, the most dig-holes reads at once); use one, such as ${fsBlock} or 64k`,
      );
    if (bs < fsBlock)
      throw badBlockSize(
        path,
        `block size ${bs} is smaller than the file system's block size ${fsBlock} under ${path}; a file system deallocates ` +
          `whole blocks only (punching part of one writes zeros, which unshares a cloned block and can use space), ` +
          `so use ${fsBlock} or a multiple of it`,
      );
    const B = BigInt(bs);
    // The size when the scan began: the end of the last block looked at.
    const size = ranges.size;
    const total = ranges.ranges.reduce((a, r) => a + r.length, 0n);
    let alone = false;
    if (f && io) alone = holdAlone(io, f.fd, path, notes);
    else
      notes.push(
        'could not make sure that no other program opens the file while it is dug: here (SMB, Windows) it is read and ' +
          'punched through opens of its own, which do not hold it alone; a block written meanwhile by another program ' +
          'could be lost, so stop writers first',
      );
    /** Stops the dig once another process has asked to open the file (it waits until we let go). */
    const checkAlone = (): void => {
      if (alone && !io!.stillAlone!(f!.fd)) throw openedMeanwhile(path, freed);
    };
    const buf = new Uint8Array(CHUNK);
    const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const again = Buffer.alloc(CHUNK);
    const zeroChunk = Buffer.alloc(CHUNK);
    const zeroBlock = zeroChunk.subarray(0, bs);
    let scanned = 0n;
    let found = 0n;
    let freed = 0n;
    let runs = 0;

    const read = async (into: Uint8Array, offset: bigint, length: number): Promise<number> => {
      count.other(f && io ? LINUX_CALL.read : 'read'); // (elsewhere the backend's reads, however it reads)
      if (f && io) return io.pread(f.fd, into, length, offset, path, 'dig-holes');
      if (backend.read)
        return backend.read(path, offset, into.subarray(0, length)).catch((e: unknown) => Promise.reject(readRefused(e, path)));
      throw new FsctlError({
        operation: 'dig-holes',
        code: 'E_UNSUPPORTED',
        paths: [path],
        message: `dig-holes: the ${backend.name} backend cannot read file contents, so zero blocks cannot be found (E_UNSUPPORTED).`,
      });
    };
    const allocatedBytes = (): bigint => (f ? fs.fstatSync(f.fd, { bigint: true }).blocks * 512n : 0n);
    /** Of `freed`, bytes that were shared with other files (FIEMAP); undefined where not known. */
    let sharedFreed: bigint | undefined = io?.extentBytes && f ? 0n : undefined;
    /** Where the last punch ended: a punch that starts there continues its run. */
    let lastEnd = -1n;

    /** Punch [offset, offset+length) (its last block may end past EOF), counting what was freed. */
    const punch = async (offset: bigint, length: bigint): Promise<void> => {
      ctx.checkCancelled();
      checkAlone();
      if (f && io?.punch) {
        // the file's extents in the run before and after (st_blocks would also count XFS's
        // extent tree, which grows as holes split the file's extents)
        const before = io.extentBytes?.(f.fd, offset, length, path, count);
        const blocksBefore = allocatedBytes();
        count.calls++;
        io.punch(f.fd, offset, length, path);
        let after: ReturnType<NonNullable<typeof io.extentBytes>>;
        try {
          after = before ? io.extentBytes!(f.fd, offset, length, path, count) : undefined;
        } catch {
          after = undefined; // punched: counted by the block count below instead
        }
        if (before && after) {
          if (before.allocated > after.allocated) freed += before.allocated - after.allocated;
          if (before.shared > after.shared && sharedFreed !== undefined) sharedFreed += before.shared - after.shared;
        } else {
          sharedFreed = undefined;
          const blocksAfter = allocatedBytes();
          if (blocksBefore > blocksAfter) freed += blocksBefore - blocksAfter;
        }
      } else {
        // Remote or foreign backends: never past EOF; measured by what is still allocated.
        const end = offset + length < size ? offset + length : size;
        const punched = await backend.punchHole(path, { offset, length: end - offset }, quiet);
        count.calls += punched.calls;
        for (const [name, n] of Object.entries(punched.otherCalls ?? {})) count.other(name, n);
        const left = await backend.allocatedRanges(path, { offset, length: end - offset }, quiet);
        count.rangesQuery(left);
        const still = left.ranges.reduce((a, r) => a + r.length, 0n);
        if (end - offset > still) freed += end - offset - still;
      }
      // a run punched in pieces (read again 64 KiB at a time) is one run
      if (offset !== lastEnd) runs++;
      lastEnd = offset + length;
    };

    /**
     * A run of zero blocks was found at [offset, offset+length) (at most one chunk; it may end
     * at the end of the file inside a partial block): read it again and punch at once only the
     * blocks that still read as zeros. Where the file is not held alone, a piece of at most
     * VERIFY bytes at a time, so that the time between reading a block again and punching it
     * stays short; held alone (no other process can open it), the run in one piece: punching
     * 1 MiB in 64 KiB calls made dig-holes 5-9x slower than `fallocate --dig-holes`.
     */
    const verifyAndPunch = async (offset: bigint, length: number): Promise<void> => {
      if (ctx.beforeVerify) await ctx.beforeVerify({ offset, length: BigInt(length) });
      const piece = alone ? Math.max(bs, length) : Math.max(bs, VERIFY);
      for (let at = 0; at < length; at += piece) await verifyPiece(offset + BigInt(at), Math.min(piece, length - at));
    };

    /**
     * One piece of a run: read it again, whole blocks, and punch the blocks that still read as
     * zeros. A partial last block counts as zero only if everything read of it is zero (the file
     * may have grown into it meanwhile); it is punched to its end, past the end of the file.
     */
    const verifyPiece = async (offset: bigint, whole: number): Promise<void> => {
      let length = whole;
      let span = Number(((offset + BigInt(length) + B - 1n) / B) * B - offset);
      // A file of the largest size (2^63 - 1) ends inside a block that ends at 2^63, past what
      // pread and fallocate may reach (EINVAL, EFBIG): that block can never be freed (a punch
      // stops short of its end, so it would only write zeros into it), so it is left alone.
      if (offset + BigInt(span) > MAX_OFF) {
        span = Number(((MAX_OFF - offset) / B) * B);
        length = Math.min(length, span);
        if (span === 0) return;
      }
      const n = await read(again, offset, span);
      let start = -1;
      const flush = async (to: number): Promise<void> => {
        found += BigInt(Math.min(to, length) - start);
        await punch(offset + BigInt(start), BigInt(to - start));
        start = -1;
      };
      for (let i = 0; i < span; i += bs) {
        const got = Math.min(n, i + bs) - i; // bytes read of this block
        const need = Math.min(bs, length - i); // bytes of it inside the run
        const zero = got >= need && again.subarray(i, i + got).equals(zeroChunk.subarray(0, got));
        if (zero && start < 0) start = i;
        if (!zero && start >= 0) await flush(i);
      }
      if (start >= 0) await flush(span);
    };

    /** Every data range, block by block: zeros found are verified and punched as they come. */
    const scanRanges = async (): Promise<void> => {
      for (const r of ranges.ranges) {
        // Whole blocks, and the partial last block of the file.
        const rEnd = r.offset + r.length < size ? r.offset + r.length : size;
        const start = ((r.offset + B - 1n) / B) * B;
        const end = rEnd === size ? rEnd : (rEnd / B) * B;
        let pos = start;
        while (pos < end) {
          ctx.checkCancelled();
          checkAlone();
          const want = end - pos > BigInt(CHUNK) ? CHUNK : Number(end - pos);
          const n = await read(buf, pos, want);
          if (n <= 0) break;
          // Whole blocks, or up to the end of the file for its partial last block.
          const usable = pos + BigInt(n) === size ? n : n - (n % bs);
          if (usable === CHUNK && view.equals(zeroChunk)) {
            await verifyAndPunch(pos, CHUNK);
          } else {
            let runStart = -1;
            for (let i = 0; i < usable; i += bs) {
              const len = Math.min(bs, usable - i);
              const zero = view.subarray(i, i + len).equals(zeroBlock.subarray(0, len));
              if (zero && runStart < 0) runStart = i;
              if (!zero && runStart >= 0) {
                await verifyAndPunch(pos + BigInt(runStart), i - runStart);
                runStart = -1;
              }
            }
            if (runStart >= 0) {
              await verifyAndPunch(pos + BigInt(runStart), usable - runStart);
            }
          }
          pos += BigInt(usable);
          scanned += BigInt(usable);
          ctx.progress({ done: scanned, total, message: `${freed} bytes deallocated` });
          if (ctx.maybeYield) await ctx.maybeYield();
          if (usable < want) break;
        }
      }
    };

    try {
      await scanRanges();
    } catch (e) {
      // Runs punched before the cancel or failure stay punched: say so, not "nothing was left behind".
      if (freed === 0n) throw withoutZeroAdvice(e, path);
      if (!isCancelled(e)) {
        // E_IN_USE (openedMeanwhile) says it already; an EIO or EROFS part way did not
        // (an OS error thrown by node:fs, as fstat's, in the words of every other: errno.ts)
        const f = e instanceof FsctlError ? e : nodeFsError('dig-holes', e, [path]);
        if (f.code === 'E_IN_USE') throw f;
        throw resaid(f, {
          message: `${f.message.replace(/\.$/, '')}; before it, ${freed} bytes were deallocated (measured): the file reads as before (only blocks of zeros became holes).`,
        });
      }
      throw new FsctlError({
        operation: 'dig-holes',
        code: 'E_CANCELLED',
        paths: [path],
        message: `dig-holes was cancelled (E_CANCELLED) after deallocating ${freed} bytes (measured); the file reads as before (only blocks of zeros became holes). Run it again to finish.`,
        cause: e,
      });
    }
    return {
      operation: 'dig-holes',
      method: 'dig-holes',
      source: path,
      bytes: freed,
      ...count.report(),
      durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
      notes: [
        `scanned ${scanned} bytes in ${plural(ranges.ranges.length, 'data range')} at ${bs}-byte blocks; found ${found} bytes of zeros; ` +
          `punched ${plural(runs, 'run')} of zero blocks; ${freed} bytes deallocated (measured)`,
        ...notes,
      ],
      ...(sharedFreed !== undefined ? { sharedBytes: sharedFreed } : {}),
    };
  } finally {
    closeQuietly(f);
  }
}

export type { Backend };

/**
 * The data ranges less the file's unwritten (preallocated) extents, which read as zeros but are
 * space the file reserved: XFS's SEEK_DATA reports an unwritten extent as data once its pages
 * are in the page cache (after the file was read once), and digging would then free that
 * reservation unasked. Deallocating it is a separate, confirmed step (VS Code's Deallocate
 * Unwritten, or punch). Where FIEMAP gives no flags (tmpfs, other backends) the ranges stand.
 */
async function withoutUnwritten(
  backend: ExtendedBackend,
  path: string,
  r: Awaited<ReturnType<Backend['allocatedRanges']>>,
  ctx: OpContext,
  count: CallCount,
): Promise<typeof r & { unwrittenBytes: bigint }> {
  // (mapped even with no data range: a preallocated image never written is all unwritten, which the note says)
  const map = await backend.extentMap(path, undefined, ctx);
  // (a map from SEEK_DATA/SEEK_HOLE is one refused FIEMAP, then the lseek walk: map.ts, mapOpenFile)
  if (map.source === 'seek') {
    count.other(LINUX_CALL.fiemap);
    count.other(LINUX_CALL.lseek, map.calls - 1);
  } else count.other(map.source === 'fiemap' ? LINUX_CALL.fiemap : map.source, map.calls);
  const unwritten = map.extents.filter((e) => e.flags.includes('unwritten')).map((e) => ({ offset: e.offset, length: e.length }));
  const unwrittenBytes = unwritten.reduce((a, e) => a + e.length, 0n);
  return { ...r, ranges: withoutRanges(r.ranges, unwritten), unwrittenBytes };
}

/**
 * Hold the local file `fd` alone for the dig (io.holdAlone: a write lease). True when held.
 * Refused (E_IN_USE, before any change) when another process has the file open: it could write
 * a block between our reading it as zeros and punching it. Where no lease can be had, the dig
 * goes on as before and a note says what was not made sure of.
 */
function holdAlone(io: PositionalIo, fd: number, path: string, notes: string[]): boolean {
  if (!io.holdAlone || !io.stillAlone) return false;
  const refused = io.holdAlone(fd, path);
  if (!refused) return true;
  if (refused.inUse)
    throw new FsctlError({
      operation: 'dig-holes',
      code: 'E_IN_USE',
      errno: 11,
      syscall: 'fcntl(F_SETLEASE)',
      paths: [path],
      message: inUseMessage(path, refused.why, refused.loopDevices),
    });
  notes.push(
    `could not make sure that no other process opens the file while it is dug: ${refused.why}; a block written ` +
      'meanwhile by another process could be lost, so stop writers first',
  );
  return false;
}

/** Another process asked to open the file during the dig: stop before the next read or punch. */
function openedMeanwhile(path: string, freed: bigint): FsctlError {
  return new FsctlError({
    operation: 'dig-holes',
    code: 'E_IN_USE',
    paths: [path],
    message:
      `dig-holes stopped: another process opened ${path} while it was being dug (E_IN_USE); its open waited until ` +
      'dig-holes let go, so it could not write meanwhile. ' +
      (freed > 0n
        ? `${freed} bytes were deallocated before that (measured); the file reads as before (only blocks of zeros became holes).`
        : 'Nothing was changed.') +
      ' Run it again when nothing else has the file open.',
  });
}

/** "1 run", "2 runs": the report's note reads as a sentence. */
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * A volume that cannot deallocate (FSCTL_SET_ZERO_DATA refused as unsupported) told in dig-holes'
 * terms: punch's advice ("extent-lens zero writes zeros over a range instead") is no help to
 * blocks that are zeros already (a trial under Wine).
 */
function withoutZeroAdvice(e: unknown, path: string): unknown {
  if (!(e instanceof FsctlError) || !e.syscall?.endsWith('(FSCTL_SET_ZERO_DATA)') || !isUnsupported(e)) return e;
  return resaid(e, {
    message: `FSCTL_SET_ZERO_DATA on ${path} failed with ${e.code}: this file system or server cannot deallocate ranges, so its blocks of zeros cannot become holes; the file was not changed. Holes can be made on NTFS or ReFS (or a share on a file system with holes).`,
  });
}

/**
 * A read the backend refused (a share's SMB2 READ: a lock held by another client, say), said as
 * dig-holes' own reading: shown bare, it read "The server answered SMB2 READ on …" of an operation
 * named 'volume', as if the person had asked to read (a trial).
 */
function readRefused(e: unknown, path: string): unknown {
  if (!(e instanceof FsctlError) || isCancelled(e)) return e;
  const said = /^[A-Z][a-z]/.test(e.message) ? e.message.charAt(0).toLowerCase() + e.message.slice(1) : e.message;
  const call = e.syscall ? ` (${e.syscall})` : '';
  return resaid(e, { operation: 'dig-holes', message: `dig-holes: could not read ${path}${call} to find its blocks of zeros: ${said}` });
}
