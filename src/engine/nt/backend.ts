// A Backend (src/engine/backend.ts) built from any NtTransport: DeviceIoControl on Windows
// (src/engine/backends/win32/index.ts) or SMB2 IOCTL (src/engine/backends/smb/). Paths are whatever the transport opens: Windows
// paths for win32, share-relative paths (or smb:// URIs, as the SMB transport decides) for SMB.

import type { OpContext } from '../backend';
import type { ExtendedBackend, MapLimit, PathInfo } from '../backend-ext';
import { withRefusedCall } from '../call-count';
import { FsctlError } from '../errors';
import { EXTENT_FLAG, lastBlockTail, limitPackedMap, PackedExtentsBuilder, unpackExtents, type PackedExtentMap } from '../map-format';
import type { ByteRange, ExtentMap, OperationReport, RangesResult, VolumeInfo } from '../types';
import { cloneFileNt, cloneRangeNt } from './clone';
import { dedupeRangeNt, dedupeSupportNt, freeBytesNt, writableNt } from './dedupe';
import { copyChunkNt, type CopyChunkLimits } from './copychunk';
import { queryRetrievalPointers } from './extents';
import { finishPlaced, takeFinalAttributes } from './new-file';
import { asFsctlError, elapsed, engineError, now } from './outcome';
import { INT64_MAX, queryAllocatedRanges } from './ranges';
import { clonesBetweenNt, deletableNt } from './probes';
import { setSparseNt, zeroDataNt } from './sparse';
import { sparseCopyNt } from './sparse-copy';
import { rangesWhereQarRefused } from './ranges-refused';
import type { NtFileInfo, NtHandle, NtTransport } from './transport';
import { toVolumeInfo } from './volume';

export interface NtBackendOptions {
  /** First FSCTL_QUERY_ALLOCATED_RANGES output buffer (bytes); small values force paging. Default 64 KiB. */
  rangesInitialOutputBytes?: number;
  /** First retrieval-pointers buffer (entries); small values force paging. Default 4096. */
  retrievalInitialEntries?: number;
  /** Copychunk limits to start with; above the server's makes it renegotiate. Default 256 x 1 MiB / 16 MiB. */
  copyChunkLimits?: CopyChunkLimits;
  /** Clone chunk override (bytes, cluster multiple); default (1 << 32) - clusterSize. */
  cloneMaxChunkBytes?: bigint;
}

/** Codes by which Windows, Wine and SMB servers say "this FSCTL does not exist here". */
export const UNSUPPORTED_CODES: ReadonlySet<string> = new Set([
  'ERROR_NOT_SUPPORTED',
  'ERROR_INVALID_FUNCTION',
  'STATUS_NOT_SUPPORTED',
  'STATUS_INVALID_DEVICE_REQUEST',
  'STATUS_NOT_IMPLEMENTED',
  'E_UNSUPPORTED',
]);

export function isUnsupported(e: unknown): boolean {
  return e instanceof FsctlError && UNSUPPORTED_CODES.has(e.code);
}

function clipWindow(window: ByteRange | undefined, size: bigint, operation: 'ranges' | 'map', path: string): ByteRange {
  const w = window ?? { offset: 0n, length: size };
  if (w.offset < 0n || w.length < 0n || w.offset + w.length > INT64_MAX) {
    throw engineError(
      operation,
      'E_RANGE',
      [path],
      `The window ${w.offset}+${w.length} is outside 0..2^63-1 (E_RANGE); give a non-negative offset and length.`,
    );
  }
  const end = w.offset + w.length < size ? w.offset + w.length : size;
  return { offset: w.offset, length: end > w.offset ? end - w.offset : 0n };
}

async function openRegular(t: NtTransport, path: string, operation: 'ranges' | 'map'): Promise<{ h: NtHandle; info: NtFileInfo }> {
  const h = await t.open(path, { access: 'read', disposition: 'open' });
  try {
    const info = await t.queryInfo(h);
    if (info.isDirectory) throw engineError(operation, 'E_NOT_REGULAR', [path], `${path} is a folder (E_NOT_REGULAR); choose a file.`);
    return { h, info };
  } catch (e) {
    await t.close(h).catch(() => undefined);
    throw e;
  }
}

/**
 * A file not marked sparse is answered by FSCTL_QUERY_ALLOCATED_RANGES with one range over all of
 * it, holes and all (Samba looks for holes only in sparse files, as Windows does; a Samba or NAS
 * share's files made on the server are rarely marked sparse). Where its AllocationSize (what the
 * server counts as held: st_blocks on Samba) is less than that range, the ranges overstate: the map
 * says so and carries the allocation size, which space accounting counts instead and dedupe takes
 * as a sign that zeros there may be holes (ExtentMap.allocationSize). A file marked sparse whose
 * AllocationSize is more than its ranges: heldBeyondRanges, which carries the difference
 * (ExtentMap.heldOutsideExtents) for space accounting to count.
 */
function allocationNotes(
  info: NtFileInfo,
  w: ByteRange,
  mapped: bigint,
  path: string,
): Pick<ExtentMap, 'allocationSize' | 'notes' | 'heldOutsideExtents'> | undefined {
  const whole = w.offset === 0n && w.length === info.endOfFile;
  if (!whole) return undefined;
  if (info.sparse) return heldBeyondRanges(info, mapped, path);
  if (info.allocationSize >= mapped) return undefined;
  return {
    allocationSize: info.allocationSize,
    notes: [
      `${path} is not marked sparse, so the server answers with one allocated range over the whole file (FSCTL_QUERY_ALLOCATED_RANGES looks for holes only in sparse files), but its allocation size is only ${info.allocationSize} bytes: the rest is holes (or compressed) that the server does not show. Marking the file sparse (extent-lens set-sparse, or Set Sparse in VS Code; its data is unchanged) makes the server show where its holes are.`,
    ],
  };
}

/**
 * The most a file's allocation size may exceed its ranges for no other reason than its last block:
 * a range ends at end-of-file, the server's file system holds that block whole, and over SMB its
 * real block size is not known (Samba reports smb.conf's `block size`, 1 KiB by default).
 */
const LAST_BLOCK_SLACK = 64n * 1024n;

/**
 * A file marked sparse whose AllocationSize (st_blocks on Samba) is more than its allocated ranges
 * show: the server's file system holds space the ranges call holes. Samba answers from SEEK_DATA,
 * which reports preallocated (fallocate, a fixed-size VHDX) extents nothing has written yet as
 * holes. The map can place nothing there, so it says so (as the Linux SEEK_DATA map does for
 * tmpfs) and carries the bytes as held outside its ranges: the ranges stay the server's answer,
 * and space accounting counts the rest as allocated, with no place (sharing unknown).
 */
function heldBeyondRanges(info: NtFileInfo, mapped: bigint, path: string): Pick<ExtentMap, 'notes' | 'heldOutsideExtents'> | undefined {
  const more = info.allocationSize - mapped;
  if (more <= LAST_BLOCK_SLACK) return undefined;
  return {
    // space accounting counts them (a trial's 256 MiB fallocated file read "allocated 0, deleting it frees 0 bytes, exact")
    heldOutsideExtents: more,
    notes: [
      `The server counts ${info.allocationSize} bytes on disk for ${path} (its allocation size) but its allocated ranges cover ${mapped} bytes: the other ${more} bytes are held outside them, most likely space reserved and not yet written (preallocated, as by fallocate or a fixed-size disk image), which a Samba server reports as holes, or blocks held past the end of the file. No allocated-ranges map can place them; the file's size on disk counts them.`,
    ],
  };
}

/** Codes that mean "nothing at this path" (stat answers kind 'missing' instead of throwing). */
const MISSING_CODES: ReadonlySet<string> = new Set([
  'ERROR_FILE_NOT_FOUND',
  'ERROR_PATH_NOT_FOUND',
  'STATUS_OBJECT_NAME_NOT_FOUND',
  'STATUS_OBJECT_PATH_NOT_FOUND',
  'STATUS_NO_SUCH_FILE',
  'ENOENT',
]);

export function createNtBackend(t: NtTransport, name: string, options: NtBackendOptions = {}): ExtendedBackend {
  async function ranges(path: string, window: ByteRange | undefined, ctx: OpContext): Promise<RangesResult> {
    const start = now();
    const { h, info } = await openRegular(t, path, 'ranges').catch((e) => Promise.reject(asFsctlError(e, 'ranges', [path], 'open')));
    try {
      const w = clipWindow(window, info.endOfFile, 'ranges', path);
      try {
        const r = await queryAllocatedRanges(t, h, w, { initialOutputBytes: options.rangesInitialOutputBytes, operation: 'ranges' }, ctx);
        return {
          path,
          size: info.endOfFile,
          window: w,
          ranges: r.ranges,
          method: 'FSCTL_QUERY_ALLOCATED_RANGES',
          calls: r.calls,
          durationMs: elapsed(start),
          ...allocationNotes(
            info,
            w,
            r.ranges.reduce((t, x) => t + x.length, 0n),
            path,
          ),
        };
      } catch (e) {
        if (!isUnsupported(e)) throw e;
        const r = await rangesWhereQarRefused(t, h, w, info, e as FsctlError, 'ranges', options.retrievalInitialEntries, ctx);
        return {
          path,
          size: info.endOfFile,
          window: w,
          ranges: r.ranges,
          method: r.method,
          calls: r.calls + 1,
          callsByName: { FSCTL_QUERY_ALLOCATED_RANGES: 1, FSCTL_GET_RETRIEVAL_POINTERS: r.calls }, // (the refused QAR, then these)
          durationMs: elapsed(start),
          ...(r.notes ? { notes: r.notes } : {}),
        };
      }
    } catch (e) {
      throw asFsctlError(e, 'ranges', [path], 'ranges');
    } finally {
      await t.close(h).catch(() => undefined);
    }
  }

  /**
   * The map in the engine's format: ReFS runs with their reference counts (the refcount
   * column), or the allocated ranges (no physical offsets, no flags but LAST). Read in full:
   * the engine trims it to a `maxExtents` limit (limitPackedMap), as here.
   */
  async function extentMapPacked(
    path: string,
    window: ByteRange | undefined,
    ctx: OpContext,
    limit: MapLimit = {},
  ): Promise<PackedExtentMap> {
    const start = now();
    const { h, info } = await openRegular(t, path, 'map').catch((e) => Promise.reject(asFsctlError(e, 'map', [path], 'open')));
    try {
      const w = clipWindow(window, info.endOfFile, 'map', path);
      const vol = await t.queryVolume(h);
      const rpOptions = { initialEntries: options.retrievalInitialEntries, operation: 'map' as const };
      const rc = await queryRetrievalPointers(t, h, w, info.endOfFile, vol.clusterSize, true, rpOptions, ctx);
      const base = { path, size: info.endOfFile, blockSize: vol.clusterSize, window: w };
      // An empty refcount map of a non-empty window may mean data kept outside clusters
      // (resident data): only trust it when the allocated ranges agree. An empty window asks
      // nothing (0 calls): that is no answer from ReFS, so it is said as allocated ranges.
      if (rc && rc.calls > 0 && (rc.packed.count > 0 || w.length === 0n || info.allocationSize === 0n)) {
        const m: PackedExtentMap = { ...base, packed: rc.packed, source: 'refcount', calls: rc.calls, durationMs: elapsed(start) };
        return limitPackedMap(m, limit.maxExtents);
      }
      const qarOptions = { initialOutputBytes: options.rangesInitialOutputBytes, operation: 'map' as const };
      const r = await queryAllocatedRanges(t, h, w, qarOptions, ctx).catch(async (e) => {
        if (!isUnsupported(e)) throw e;
        const o = await rangesWhereQarRefused(t, h, w, info, e as FsctlError, 'map', options.retrievalInitialEntries, ctx);
        return { ranges: o.ranges, calls: o.calls + 1, notes: o.notes };
      });
      const b = new PackedExtentsBuilder();
      const toEof = w.offset + w.length === info.endOfFile;
      const mapped = r.ranges.reduce((t, x) => t + x.length, 0n);
      // the last cluster held whole, as FIEMAP shows it (AllocationSize is st_blocks on Samba; btrfs
      // counts a file kept inline in its metadata as one block, which SMB cannot tell apart)
      const tail = lastBlockTail(r.ranges, info.endOfFile, vol.clusterSize, info.allocationSize);
      r.ranges.forEach((x, i) => {
        const last = i === r.ranges.length - 1;
        b.push(x.offset, last ? x.length + tail : x.length, -1n, toEof && last ? EXTENT_FLAG.LAST : 0);
      });
      const calls = r.calls + (rc?.calls ?? 1);
      const m: PackedExtentMap = {
        ...base,
        packed: b.build(),
        source: 'allocated-ranges',
        calls,
        durationMs: elapsed(start),
        ...allocationNotes(info, w, mapped, path),
      };
      if ('notes' in r && r.notes) m.notes = [...r.notes, ...(m.notes ?? [])];
      return limitPackedMap(m, limit.maxExtents);
    } catch (e) {
      throw asFsctlError(e, 'map', [path], 'map');
    } finally {
      await t.close(h).catch(() => undefined);
    }
  }

  async function extentMap(path: string, window: ByteRange | undefined, ctx: OpContext): Promise<ExtentMap> {
    const { packed, ...rest } = await extentMapPacked(path, window, ctx);
    return { ...rest, extents: unpackExtents(packed) };
  }

  async function volume(path: string): Promise<VolumeInfo> {
    let h: NtHandle | undefined;
    try {
      h = await t.open(path, { access: 'read', disposition: 'open' });
      return toVolumeInfo(path, await t.queryVolume(h));
    } catch (e) {
      throw asFsctlError(e, 'volume', [path], 'volume');
    } finally {
      if (h) await t.close(h).catch(() => undefined);
    }
  }

  async function copyFile(source: string, target: string, ctx: OpContext): Promise<OperationReport> {
    try {
      return await copyChunkNt(t, source, target, ctx, { limits: options.copyChunkLimits });
    } catch (e) {
      if (!isUnsupported(e)) throw e;
      const report = await sparseCopyNt(t, source, target, ctx);
      // the refusal's own advice ("use a regular copy") is what was just done: not repeated as a note
      const reason = (e as FsctlError).message.replace(/;( so)? use a regular copy(?=\.?$)/, '');
      const otherCalls = withRefusedCall(report.otherCalls, (e as FsctlError).syscall); // (the refused resume key too)
      return { ...report, ...(otherCalls ? { otherCalls } : {}), fellBack: true, fallbackReason: reason };
    }
  }

  return {
    name,
    atomicCloneRange: true,
    allocatedRanges: ranges,
    extentMap,
    extentMapPacked,
    volume,
    cloneFile: (source, target, ctx) => cloneFileNt(t, source, target, ctx, { maxChunkBytes: options.cloneMaxChunkBytes }),
    cloneRange: (source, sourceOffset, target, targetOffset, length, opts, ctx) =>
      cloneRangeNt(
        t,
        source,
        sourceOffset,
        target,
        targetOffset,
        length,
        { atomic: opts.atomic, maxChunkBytes: options.cloneMaxChunkBytes },
        ctx,
      ),
    copyFile,
    // `bytes` is what was deallocated, measured (zeroDataNt), not the length asked for.
    punchHole: (path, range, ctx) => zeroDataNt(t, path, range, { makeSparse: true, operation: 'punch' }, ctx),
    setSparse: (path, sparse, ctx) => setSparseNt(t, path, sparse, ctx),

    // Extensions (src/engine/backend-ext.ts): what the engine needs for its temp-name-then-rename
    // safety and its fallbacks on paths Node's fs cannot reach (smb://).
    async stat(path: string): Promise<PathInfo> {
      let h: NtHandle | undefined;
      try {
        h = await t.open(path, { access: 'read', disposition: 'open' });
        const info = await t.queryInfo(h);
        const vol = await t.queryVolume(h).catch(() => undefined);
        // The file's identity (as dev:ino on Linux): what refuses a clone-range over overlapping
        // ranges of one file and an overwrite of the source with itself (also by a case alias).
        const index = vol && (await t.queryFileIndex?.(h).catch(() => undefined));
        const fileId = vol && index ? `${vol.volumeId}:${index}` : undefined;
        // its creation time tells it from a new file that got the same index (a reused inode behind Samba)
        const born = info.basic.creationTime > 0n ? { born: info.basic.creationTime.toString() } : {};
        return { kind: info.isDirectory ? 'directory' : 'file', size: info.endOfFile, volumeId: vol?.volumeId, fileId, ...born };
      } catch (e) {
        if (e instanceof FsctlError && MISSING_CODES.has(e.code)) return { kind: 'missing', size: 0n, missingCode: e.code };
        throw asFsctlError(e, 'volume', [path], 'stat');
      } finally {
        if (h) await t.close(h).catch(() => undefined);
      }
    },
    // What a save in place (or smbclient's put) would try first: a rename replaces a file wherever
    // the folder is writable, even one this user may not write (read-only, another owner's).
    async checkWritable(path: string): Promise<void> {
      const h = await t.open(path, { access: 'write', disposition: 'open' });
      await t.close(h);
    },
    async rename(from: string, to: string, replace: boolean): Promise<void> {
      // A new file made by a clone or copy gets its attributes here, under its final name (new-file.ts says why).
      const final = takeFinalAttributes(from);
      const h = await t.open(from, { access: final ? 'read-write' : 'read', disposition: 'open', delete: true });
      try {
        await t.rename(h, to, replace);
        if (final) await finishPlaced(t, h, final);
      } finally {
        await t.close(h).catch(() => undefined);
      }
    },
    async remove(path: string): Promise<void> {
      takeFinalAttributes(path);
      const h = await t.open(path, { access: 'read', disposition: 'open', deleteOnClose: true, delete: true });
      await t.close(h);
    },
    async read(path: string, offset: bigint, buf: Uint8Array): Promise<number> {
      const h = await t.open(path, { access: 'read', disposition: 'open' });
      try {
        const data = await t.read(h, offset, buf.byteLength);
        buf.set(data.subarray(0, buf.byteLength));
        return Math.min(data.byteLength, buf.byteLength);
      } finally {
        await t.close(h).catch(() => undefined);
      }
    },
    zeroRange: (path, range, ctx) => zeroDataNt(t, path, range, { makeSparse: false, operation: 'zero' }, ctx),
    sparseCopy: (source, target, ctx) => sparseCopyNt(t, source, target, ctx),
    // Deduplication by verify-then-clone (nt/dedupe.ts).
    dedupeRange: (source, srcOffset, length, dests, ctx) => dedupeRangeNt(t, source, srcOffset, length, dests, ctx),
    dedupeSupport: (path) => dedupeSupportNt(t, path),
    writable: (path) => writableNt(t, path),
    deletable: (path) => deletableNt(t, path),
    clonesBetween: (source, target) => clonesBetweenNt(t, source, target),
    freeBytesSynced: (path) => freeBytesNt(t, path),
  };
}
