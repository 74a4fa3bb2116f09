// Block cloning on NT: FSCTL_DUPLICATE_EXTENTS_TO_FILE(_EX), sent on the DESTINATION handle with
// the source named by NtTransport.sourceReference (HANDLE or SMB2_FILEID).
//
// Rules this follows (docs/facts/windows-fsctl.md#block-cloning-rules): same volume; FILE_SUPPORTS_BLOCK_REFCOUNTING on it; offsets and
// length cluster aligned (the tail may be rounded up past EOF to the next cluster); each call
// below 4 GiB, so chunks of (1<<32) - clusterSize; the destination range inside the destination's
// EOF (set EOF first); a sparse source needs a sparse destination.

import type { OpContext } from '../backend';
import type { FsctlError } from '../errors';
import type { ByteRange, Method, OperationReport } from '../types';
import { DUPLICATE_EXTENTS_DATA_EX_SOURCE_ATOMIC, FSCTL } from './codec/fsctl-codes';
import {
  decodeIntegrityInfo,
  encodeDuplicateExtents,
  encodeDuplicateExtentsEx,
  encodeSetIntegrityInfo,
  encodeSetSparse,
  INTEGRITY_INFORMATION_SIZE,
} from './codec/windows';
import { asFsctlError, elapsed, engineError, fsctlFailure, now } from './outcome';
import type { NtHandle, NtTransport } from './transport';
import { requireBlockClone, requireOneSession, requireSameVolume } from './volume';
import { closeQuietly, intoNewFile } from './new-file';
import { queryAllocatedRanges } from './ranges';
import { CallCount } from '../call-count';

/** Largest cluster-aligned byte count below 4 GiB: (1 << 32) - clusterSize. */
export function cloneChunkSize(clusterSize: number): bigint {
  return (1n << 32n) - BigInt(clusterSize);
}

export function roundUp(n: bigint, to: bigint): bigint {
  return ((n + to - 1n) / to) * to;
}

export interface CloneChunk {
  sourceOffset: bigint;
  targetOffset: bigint;
  byteCount: bigint;
}

/**
 * Split a clone into calls below 4 GiB. The last chunk's byte count is rounded up to the cluster
 * (allowed when the range ends at the source's EOF; the engine checks alignment before this).
 * A generator: a range of 2^60 bytes is 2^28 calls, planned one at a time as they are sent, so
 * memory does not grow with the length and the event loop (a cancel, a second Ctrl-C) runs between calls.
 */
export function* planCloneChunks(
  sourceOffset: bigint,
  targetOffset: bigint,
  length: bigint,
  clusterSize: number,
  maxChunk?: bigint,
): Generator<CloneChunk> {
  const cluster = BigInt(clusterSize);
  // An override may shrink the chunk but never reach 4 GiB: every call must stay below it.
  const limit = cloneChunkSize(clusterSize);
  let chunk = maxChunk !== undefined && maxChunk < limit ? maxChunk : limit;
  chunk -= chunk % cluster;
  if (chunk <= 0n) chunk = cluster;
  for (let done = 0n; done < length; done += chunk) {
    const n = length - done < chunk ? length - done : chunk;
    yield { sourceOffset: sourceOffset + done, targetOffset: targetOffset + done, byteCount: roundUp(n, cluster) };
  }
}

/**
 * The parts of [offset, offset + length) that `allocated` (sorted, as QUERY_ALLOCATED_RANGES
 * gives them) touches, widened to whole clusters (a clone moves whole clusters) and merged; the
 * last one ends at offset + length at most (planCloneChunks rounds that tail up).
 */
export function clusterPieces(allocated: readonly ByteRange[], offset: bigint, length: bigint, clusterSize: number): ByteRange[] {
  const cluster = BigInt(clusterSize);
  const end = offset + length;
  const out: ByteRange[] = [];
  for (const r of allocated) {
    let a = r.offset > offset ? r.offset : offset;
    let b = r.offset + r.length < end ? r.offset + r.length : end;
    if (b <= a) continue;
    a -= (a - offset) % cluster;
    b = roundUp(b - offset, cluster) + offset;
    if (b > end) b = end;
    const last = out[out.length - 1];
    if (last && a <= last.offset + last.length) {
      if (b > last.offset + last.length) last.length = b - last.offset;
    } else out.push({ offset: a, length: b - a });
  }
  return out;
}

interface DuplicateOptions {
  atomic?: boolean;
  /** Chunk size override (tests); default (1 << 32) - clusterSize. */
  maxChunkBytes?: bigint;
}

/** The calls for `pieces` (source ranges inside [sourceOffset, +length)), each piece in chunks, lazily. */
function* piecesInChunks(
  pieces: readonly ByteRange[],
  sourceOffset: bigint,
  targetOffset: bigint,
  clusterSize: number,
  maxChunk?: bigint,
): Generator<CloneChunk> {
  for (const p of pieces) yield* planCloneChunks(p.offset, p.offset - sourceOffset + targetOffset, p.length, clusterSize, maxChunk);
}

/**
 * Send the DUPLICATE_EXTENTS calls for one range; returns the number of FSCTLs sent. `pieces`:
 * only these parts of the source range (cluster-aligned, sorted: clusterPieces), the rest left
 * as it is in the destination (holes of a sparse destination).
 */
export async function duplicateExtents(
  t: NtTransport,
  src: NtHandle,
  dst: NtHandle,
  sourceOffset: bigint,
  targetOffset: bigint,
  length: bigint,
  clusterSize: number,
  operation: 'clone' | 'clone-range' | 'dedupe',
  opts: DuplicateOptions,
  ctx: OpContext,
  pieces: readonly ByteRange[] = [{ offset: sourceOffset, length }],
): Promise<number> {
  const ref = t.sourceReference(src);
  const code = opts.atomic ? FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX : FSCTL.FSCTL_DUPLICATE_EXTENTS_TO_FILE;
  let calls = 0;
  for (const c of piecesInChunks(pieces, sourceOffset, targetOffset, clusterSize, opts.maxChunkBytes)) {
    ctx.checkCancelled();
    const input = opts.atomic
      ? encodeDuplicateExtentsEx({ sourceRef: ref, ...c, flags: DUPLICATE_EXTENTS_DATA_EX_SOURCE_ATOMIC })
      : encodeDuplicateExtents({ sourceRef: ref, ...c });
    const o = await t.fsctl(dst, code, input, 0);
    calls++;
    if (o.kind !== 'ok') {
      let advice: string | undefined;
      if (o.kind === 'not-supported' && opts.atomic)
        advice =
          'this file system or server does not support FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX with SOURCE_ATOMIC (ReFS on Windows 10 1803 / Server 2019 or later); clone without the atomic option';
      // A server may report clusters smaller than the blocks its file system shares: Samba says
      // 1,024 bytes unless smb.conf sets "block size", while btrfs and XFS share whole 4 KiB
      // blocks. The range was aligned to what the server reported, so say what it may need.
      else if (
        o.kind === 'invalid-parameter' &&
        t.kind === 'smb' &&
        clusterSize < 4096 &&
        (c.sourceOffset % 4096n !== 0n || c.targetOffset % 4096n !== 0n || c.byteCount % 4096n !== 0n)
      )
        advice = `the server refused a range aligned to the ${clusterSize}-byte clusters it reports; its file system may share only larger blocks (Samba reports 1,024 bytes unless smb.conf sets "block size", and btrfs and XFS share whole 4 KiB blocks): use offsets and a length in multiples of 4 KiB`;
      // Our handles are open and valid: a server answers so for a source on another volume
      // (MS-FSCC 2.3.8), and Samba takes each btrfs subvolume and snapshot for a volume of its
      // own. Its copychunk is not bound so: on btrfs or XFS it clones across them all the same.
      else if (o.codeName === 'STATUS_INVALID_HANDLE' || o.codeName === 'ERROR_INVALID_HANDLE')
        advice =
          (t.kind === 'smb'
            ? "the server clones only within one volume and does not take the source as on the destination's (Samba counts each btrfs subvolume and snapshot, and each file system mounted in the share, as a volume of its own" +
              (operation === 'clone' ? '; its server-side copy is not bound so, and on btrfs or XFS shares the blocks all the same)' : ')')
            : "blocks are cloned only within one volume, and the source is not on the destination's") +
          (operation === 'dedupe'
            ? '; copies on one other volume are shared with one another instead'
            : operation === 'clone-range' && t.kind === 'smb'
              ? ': pick a source and destination on the same one' // (no range copy runs over SMB)
              : ': pick a source and destination on the same one, or allow a copy');
      throw fsctlFailure(t, operation, code, o, [src.path, dst.path], advice);
    }
    const done = c.sourceOffset + c.byteCount - sourceOffset;
    ctx.progress({ done: done < length ? done : length, total: length });
  }
  return calls;
}

/**
 * The whole-file clone sequence (docs/facts/windows-fsctl.md#whole-file-clone-sequence) into
 * `target` (must not exist): checks -> create with
 * delete-on-close -> set sparse -> copy integrity settings -> EOF -> duplicate in chunks -> clear
 * sparse if the source was not -> timestamps -> flush -> keep; the source's attributes (read-only
 * among them) are set once the file has its final name (new-file.ts, finishPlaced). On any failure
 * the destination handle closes with delete-on-close still set, so nothing is left behind.
 */
export async function cloneFileNt(
  t: NtTransport,
  source: string,
  target: string,
  ctx: OpContext,
  opts: DuplicateOptions = {},
): Promise<OperationReport> {
  const paths = [source, target];
  const notes: string[] = [];
  const calls = new CallCount();
  return intoNewFile(t, 'clone', source, target, ctx, {
    async prepare(src) {
      const vol = await t.queryVolume(src);
      requireBlockClone(vol, 'clone', paths);
      return vol;
    },
    async fill(src, info, dst, vol) {
      requireSameVolume(vol, await t.queryVolume(dst), 'clone', paths);
      requireOneSession(t, src, dst, 'clone', paths);

      // Sparse first: a sparse source cannot be cloned into a non-sparse destination.
      let o = await t.fsctl(dst, FSCTL.FSCTL_SET_SPARSE, null, 0);
      calls.other('FSCTL_SET_SPARSE');
      if (o.kind !== 'ok') throw fsctlFailure(t, 'clone', FSCTL.FSCTL_SET_SPARSE, o, [target]);

      // Integrity streams must match for ReFS to share clusters. Dev Drive refuses SET with access
      // denied; servers without integrity streams say not-supported: both are fine to ignore.
      let clusterSize = vol.clusterSize;
      o = await t.fsctl(src, FSCTL.FSCTL_GET_INTEGRITY_INFORMATION, null, INTEGRITY_INFORMATION_SIZE);
      calls.other('FSCTL_GET_INTEGRITY_INFORMATION');
      if (o.kind === 'ok' && o.output.byteLength >= INTEGRITY_INFORMATION_SIZE) {
        const ii = decodeIntegrityInfo(o.output);
        if (ii.clusterSizeInBytes > 0) clusterSize = ii.clusterSizeInBytes;
        o = await t.fsctl(dst, FSCTL.FSCTL_SET_INTEGRITY_INFORMATION, encodeSetIntegrityInfo(ii), 0);
        calls.other('FSCTL_SET_INTEGRITY_INFORMATION');
        if (o.kind !== 'ok' && o.kind !== 'not-supported' && o.code !== 5 && o.code >>> 0 !== 0xc0000022) {
          throw fsctlFailure(t, 'clone', FSCTL.FSCTL_SET_INTEGRITY_INFORMATION, o, [target]);
        }
        if (o.kind !== 'ok') notes.push(`integrity settings not copied (${o.codeName}); ignored as documented for Dev Drive`);
      }

      await t.setEndOfFile(dst, info.endOfFile);
      // A sparse source: only its allocated ranges, since the destination is sparse and its holes
      // stay holes. Cloning the holes too cost a call per 4 GiB of them (2^28 for 2^60 bytes).
      let pieces: ByteRange[] | undefined;
      if (info.sparse && info.endOfFile > 0n) {
        const r = await queryAllocatedRanges(t, src, { offset: 0n, length: info.endOfFile }, { operation: 'clone' }, ctx);
        calls.other('FSCTL_QUERY_ALLOCATED_RANGES', r.calls);
        pieces = clusterPieces(r.ranges, 0n, info.endOfFile, clusterSize);
        notes.push(`sparse source: cloned ${pieces.length} allocated range${pieces.length === 1 ? '' : 's'}, holes kept`);
      }
      calls.calls += await duplicateExtents(t, src, dst, 0n, 0n, info.endOfFile, clusterSize, 'clone', opts, ctx, pieces);

      if (!info.sparse) {
        o = await t.fsctl(dst, FSCTL.FSCTL_SET_SPARSE, encodeSetSparse(false), 0);
        calls.other('FSCTL_SET_SPARSE');
        if (o.kind !== 'ok')
          throw fsctlFailure(
            t,
            'clone',
            FSCTL.FSCTL_SET_SPARSE,
            o,
            [target],
            'the clone is complete but the destination could not be made non-sparse like the source',
          );
      }

      // The times now (attributes 0: unchanged); the attributes once placed (new-file.ts says why).
      await t.setBasicInfo(dst, { ...info.basic, fileAttributes: 0 });
      notes.push(
        `cluster size ${clusterSize}; ${info.sparse ? 'sparse source, destination kept sparse' : 'destination made non-sparse like the source'}`,
      );
      return {
        operation: 'clone',
        method: 'FSCTL_DUPLICATE_EXTENTS_TO_FILE',
        source,
        destination: target,
        bytes: info.endOfFile,
        ...calls.report(),
        notes,
      };
    },
    // Samba drops a stored sparse flag when the times are set (it rewrites its DOS attributes
    // without it), so the flag comes from the source, not from a query of the destination.
    final: (info) => ({ fileAttributes: info.basic.fileAttributes, sparse: info.sparse }),
  });
}

/**
 * Clone `length` bytes from `source` at `sourceOffset` to `target` (an existing file, possibly
 * `source` itself) at `targetOffset`. Extends the destination's EOF when the range ends past it
 * (restored if the clone fails) and marks the destination sparse when the source is sparse.
 */
export async function cloneRangeNt(
  t: NtTransport,
  source: string,
  sourceOffset: bigint,
  target: string,
  targetOffset: bigint,
  length: bigint,
  opts: DuplicateOptions,
  ctx: OpContext,
): Promise<OperationReport> {
  const start = now();
  const paths = source === target ? [source] : [source, target];
  const notes: string[] = [];
  const same = source === target;
  let src: NtHandle | undefined;
  let dst: NtHandle | undefined;
  let restoreEof: bigint | undefined;
  const calls = new CallCount();
  try {
    src = await t.open(source, { access: same ? 'read-write' : 'read', disposition: 'open' });
    const sInfo = await t.queryInfo(src);
    if (sInfo.isDirectory)
      throw engineError('clone-range', 'E_NOT_REGULAR', paths, `${source} is a folder (E_NOT_REGULAR); choose a file.`);
    const vol = await t.queryVolume(src);
    requireBlockClone(vol, 'clone-range', paths);
    dst = same ? src : await t.open(target, { access: 'read-write', disposition: 'open' });
    const dInfo = same ? sInfo : await t.queryInfo(dst);
    if (dInfo.isDirectory)
      throw engineError('clone-range', 'E_NOT_REGULAR', paths, `${target} is a folder (E_NOT_REGULAR); choose a file.`);
    if (!same) requireSameVolume(vol, await t.queryVolume(dst), 'clone-range', paths);
    requireOneSession(t, src, dst, 'clone-range', paths);

    if (sInfo.sparse && !dInfo.sparse) {
      const o = await t.fsctl(dst, FSCTL.FSCTL_SET_SPARSE, null, 0);
      calls.other('FSCTL_SET_SPARSE');
      if (o.kind !== 'ok')
        throw fsctlFailure(
          t,
          'clone-range',
          FSCTL.FSCTL_SET_SPARSE,
          o,
          [target],
          'the source is sparse, so the destination must be made sparse first, and that failed',
        );
      notes.push('destination marked sparse because the source is sparse');
    }
    const end = targetOffset + length;
    if (end > dInfo.endOfFile) {
      await t.setEndOfFile(dst, end);
      restoreEof = dInfo.endOfFile; // (the growth is said by operations.ts cloneRange, once for every backend)
    }
    calls.calls += await duplicateExtents(t, src, dst, sourceOffset, targetOffset, length, vol.clusterSize, 'clone-range', opts, ctx);
    restoreEof = undefined;
    if (opts.atomic && length > (opts.maxChunkBytes ?? cloneChunkSize(vol.clusterSize)))
      notes.push('SOURCE_ATOMIC applies to each call below 4 GiB, not to the whole range');
    const method: Method = opts.atomic ? 'FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX' : 'FSCTL_DUPLICATE_EXTENTS_TO_FILE';
    return {
      operation: 'clone-range',
      method,
      source,
      destination: target,
      bytes: length,
      ...calls.report(),
      durationMs: elapsed(start),
      notes,
    };
  } catch (e) {
    if (restoreEof !== undefined && dst) {
      try {
        await t.setEndOfFile(dst, restoreEof);
      } catch {
        // Best effort; the clone error below is what the person needs to see.
      }
    }
    throw asFsctlError(e, 'clone-range', paths, 'clone-range') as FsctlError;
  } finally {
    if (dst && dst !== src) await closeQuietly(t, dst);
    await closeQuietly(t, src);
  }
}
