// Server-side copy: FSCTL_SRV_REQUEST_RESUME_KEY on the source, then FSCTL_SRV_COPYCHUNK_WRITE on
// the destination with batches of chunks. Servers limit a request (Windows and Samba: 256 chunks,
// 1 MiB each, 16 MiB in all); a request over a limit gets STATUS_INVALID_PARAMETER whose
// SRV_COPYCHUNK_RESPONSE carries the server's limits, and we re-issue with them (docs/facts/windows-fsctl.md#copychunk-limits).

import type { OpContext } from '../backend';
import type { ByteRange, OperationReport } from '../types';
import { FSCTL } from './codec/fsctl-codes';
import {
  decodeCopyChunkResponse,
  decodeResumeKey,
  encodeCopyChunkCopy,
  SRV_COPYCHUNK_RESPONSE_SIZE,
  SRV_REQUEST_RESUME_KEY_OUTPUT_SIZE,
  type CopyChunk,
} from './codec/windows';
import { sourceChanged } from './changed';
import { engineError, fsctlFailure } from './outcome';
import { intoNewFile } from './new-file';
import { queryAllocatedRanges } from './ranges';
import { CallCount } from '../call-count';
import type { NtTransport } from './transport';
import { supportsBlockClone } from './volume';

export interface CopyChunkLimits {
  maxChunks: number;
  maxChunkBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_COPYCHUNK_LIMITS: CopyChunkLimits = { maxChunks: 256, maxChunkBytes: 1 << 20, maxTotalBytes: 16 << 20 };

export interface CopyChunkOptions {
  /** Limits to start with; larger than the server's makes it renegotiate (tests do this). */
  limits?: CopyChunkLimits;
}

/** The next batch of chunks from `segments` starting at segment `i`, byte `pos` within it. */
function batch(segments: ByteRange[], i: number, pos: bigint, l: CopyChunkLimits): CopyChunk[] {
  const chunks: CopyChunk[] = [];
  let total = 0;
  while (i < segments.length && chunks.length < l.maxChunks && total < l.maxTotalBytes) {
    const seg = segments[i];
    const left = seg.length - pos;
    if (left <= 0n) {
      i++;
      pos = 0n;
      continue;
    }
    const room = Math.min(l.maxChunkBytes, l.maxTotalBytes - total);
    const n = left < BigInt(room) ? Number(left) : room;
    chunks.push({ sourceOffset: seg.offset + pos, targetOffset: seg.offset + pos, length: n });
    total += n;
    pos += BigInt(n);
  }
  return chunks;
}

export class CopyCursor {
  i = 0;
  pos = 0n;
  constructor(readonly segments: ByteRange[]) {}
  get done(): boolean {
    while (this.i < this.segments.length && this.pos >= this.segments[this.i].length) {
      this.i++;
      this.pos = 0n;
    }
    return this.i >= this.segments.length;
  }
  next(l: CopyChunkLimits): CopyChunk[] {
    return this.done ? [] : batch(this.segments, this.i, this.pos, l);
  }
  advance(bytes: bigint): void {
    while (bytes > 0n && !this.done) {
      const left = this.segments[this.i].length - this.pos;
      const step = bytes < left ? bytes : left;
      this.pos += step;
      bytes -= step;
    }
  }
}

/**
 * Server-side copy of all of `source` into `target` (created here, must not exist). Holes of a
 * sparse source stay holes: only its allocated ranges are copied into a sparse destination.
 * Throws FsctlError; an unsupported resume key request ('not-supported') means the transport or
 * file system has no server-side copy, and the caller may fall back to a sparse copy.
 */
export async function copyChunkNt(
  t: NtTransport,
  source: string,
  target: string,
  ctx: OpContext,
  opts: CopyChunkOptions = {},
): Promise<OperationReport> {
  const paths = [source, target];
  const notes: string[] = [];
  let limits = { ...(opts.limits ?? DEFAULT_COPYCHUNK_LIMITS) };
  const calls = new CallCount();
  return intoNewFile(t, 'copy', source, target, ctx, {
    // The resume key first: a server without server-side copy fails before anything is created.
    async prepare(src) {
      const o = await t.fsctl(src, FSCTL.FSCTL_SRV_REQUEST_RESUME_KEY, null, SRV_REQUEST_RESUME_KEY_OUTPUT_SIZE);
      calls.other('FSCTL_SRV_REQUEST_RESUME_KEY');
      if (o.kind !== 'ok')
        throw fsctlFailure(
          t,
          'copy',
          FSCTL.FSCTL_SRV_REQUEST_RESUME_KEY,
          o,
          [source],
          o.kind === 'not-supported'
            ? 'this file system or server has no server-side copy (resume keys exist only on SMB shares); use a regular copy'
            : undefined,
        );
      return decodeResumeKey(o.output).key;
    },
    async fill(src, info, dst, key) {
      // The resume key names an open of the source's connection; another share is another
      // connection here, where Samba 4.17 crashed on it (a segmentation fault in
      // vfs_offload_token_db_fetch_fsp): the data goes through this client instead (the caller's fallback).
      const volume = await t.queryVolume(src);
      const [from, to] = [volume.volumeId, (await t.queryVolume(dst)).volumeId];
      if (from !== to)
        throw engineError(
          'copy',
          'E_UNSUPPORTED',
          paths,
          `${target} is on another share than ${source}: server-side copy works within one share, so the data is copied through this client (E_UNSUPPORTED).`,
        );
      // One share through two sessions (WORKGROUP;alice and alice): Samba 4.17's smbd crashed on
      // the resume key of the other session the same way (the copy failed with ECONNRESET).
      const [a, b] = [t.sessionOf?.(src), t.sessionOf?.(dst)];
      if (a !== b)
        throw engineError(
          'copy',
          'E_UNSUPPORTED',
          paths,
          `${target} and ${source} are on one share but reach it through two sessions (${b} and ${a}): a server takes a resume key only ` +
            'in the session that asked for it, so the data is copied through this client (E_UNSUPPORTED); write both with the same user ' +
            '(and domain) for a server-side copy.',
        );
      let segments: ByteRange[] = info.endOfFile > 0n ? [{ offset: 0n, length: info.endOfFile }] : [];
      if (info.sparse && info.endOfFile > 0n) {
        try {
          const r = await queryAllocatedRanges(t, src, { offset: 0n, length: info.endOfFile }, { operation: 'copy' }, ctx);
          calls.other('FSCTL_QUERY_ALLOCATED_RANGES', r.calls);
          const so = await t.fsctl(dst, FSCTL.FSCTL_SET_SPARSE, null, 0);
          calls.other('FSCTL_SET_SPARSE');
          if (so.kind === 'ok') {
            segments = r.ranges;
            await t.setEndOfFile(dst, info.endOfFile);
            notes.push(`sparse source: copied ${r.ranges.length} allocated range${r.ranges.length === 1 ? '' : 's'}, holes kept`);
          }
        } catch (e) {
          notes.push(`holes not kept (${(e as Error).message})`);
        }
      }

      const cursor = new CopyCursor(segments);
      let copied = 0n;
      let renegotiations = 0;
      while (!cursor.done) {
        ctx.checkCancelled();
        const chunks = cursor.next(limits);
        const want = chunks.reduce((a, c) => a + c.length, 0);
        const o = await t.fsctl(dst, FSCTL.FSCTL_SRV_COPYCHUNK_WRITE, encodeCopyChunkCopy(key, chunks), SRV_COPYCHUNK_RESPONSE_SIZE);
        calls.calls++;
        if (o.kind === 'invalid-parameter' && o.output.byteLength >= SRV_COPYCHUNK_RESPONSE_SIZE) {
          const r = decodeCopyChunkResponse(o.output);
          const server: CopyChunkLimits = {
            maxChunks: r.chunksWritten,
            maxChunkBytes: r.chunkBytesWritten,
            maxTotalBytes: r.totalBytesWritten,
          };
          const smaller =
            server.maxChunks < limits.maxChunks ||
            server.maxChunkBytes < limits.maxChunkBytes ||
            server.maxTotalBytes < limits.maxTotalBytes;
          const sane = server.maxChunks > 0 && server.maxChunkBytes > 0 && server.maxTotalBytes > 0;
          const exceeded =
            chunks.length > server.maxChunks || chunks.some((c) => c.length > server.maxChunkBytes) || want > server.maxTotalBytes;
          if (sane && smaller && exceeded && renegotiations < 4) {
            limits = {
              maxChunks: Math.min(limits.maxChunks, server.maxChunks),
              maxChunkBytes: Math.min(limits.maxChunkBytes, server.maxChunkBytes),
              maxTotalBytes: Math.min(limits.maxTotalBytes, server.maxTotalBytes),
            };
            renegotiations++;
            notes.push(
              `renegotiated copychunk limits to ${limits.maxChunks} chunks x ${limits.maxChunkBytes} bytes, ${limits.maxTotalBytes} bytes per request`,
            );
            continue;
          }
        }
        if (o.kind !== 'ok') {
          // A chunk past the source's end fails (Samba and Windows: STATUS_INVALID_VIEW_SIZE,
          // docs/facts/smb2.md): the source shrank since it was opened, which is what to say.
          const why = `FSCTL_SRV_COPYCHUNK_WRITE failed with ${o.codeName}`;
          throw (
            (await sourceChanged(t, src, info, 'copy', paths, why)) ?? fsctlFailure(t, 'copy', FSCTL.FSCTL_SRV_COPYCHUNK_WRITE, o, paths)
          );
        }
        const r = decodeCopyChunkResponse(o.output);
        if (r.totalBytesWritten === 0 && want > 0) {
          throw engineError(
            'copy',
            'E_UNSUPPORTED',
            paths,
            `FSCTL_SRV_COPYCHUNK_WRITE on ${target} wrote 0 of ${want} bytes (E_UNSUPPORTED); the server made no progress, so use a regular copy.`,
          );
        }
        cursor.advance(BigInt(r.totalBytesWritten));
        copied += BigInt(r.totalBytesWritten);
        ctx.progress({ done: copied, total: info.endOfFile });
      }
      // Copied up to the size seen at the start: that is the file only if it still has that size and was not written meanwhile.
      const changed = await sourceChanged(t, src, info, 'copy', paths);
      if (changed) throw changed;
      // Holes the server does not show (it looks for them only in sparse files) go as zeros in
      // the whole-file range; a server that copies them as data (no reflink underneath) makes the
      // copy hold them on disk. Measured, not assumed: say so, with the way to keep them.
      if (!info.sparse && info.allocationSize < info.endOfFile) {
        const held = (await t.queryInfo(dst)).allocationSize;
        if (held > info.allocationSize)
          notes.push(
            `${source} is not marked sparse, so the server copied all ${info.endOfFile} bytes as data: the copy holds ${held} bytes on disk where the source holds ${info.allocationSize} (the rest of it is holes or compressed, which the server does not show). To keep its holes, mark the source sparse first (extent-lens set-sparse, or Set Sparse in VS Code; its data is unchanged) and copy again.`,
          );
      }
      // A server may share the source's blocks for a copychunk (Samba with vfs_btrfs clones the
      // chunks; any Samba copies them with copy_file_range, which shares blocks on XFS and btrfs
      // though the volume reports no block refcounting: a trial saw every extent of such a copy
      // shared), which SMB does not show the client: said for every copy that moved bytes.
      if (copied > 0n)
        notes.push(
          (supportsBlockClone(volume) ? 'the volume can share blocks (FILE_SUPPORTS_BLOCK_REFCOUNTING), and a' : 'A') +
            " server may share the source's blocks for a server-side copy rather than write new ones (Samba does where its file system can: vfs_btrfs clones, and its copy_file_range shares blocks on XFS and btrfs even where the volume reports no block refcounting), which SMB does not show: see it on the server (filefrag -v, or fsutil file queryExtentsAndRefCounts on Windows). For a copy with blocks of its own: extent-lens copy --reflink never (read and written through this client).",
        );
      return {
        operation: 'copy',
        method: 'FSCTL_SRV_COPYCHUNK_WRITE',
        source,
        destination: target,
        bytes: copied,
        ...calls.report(),
        notes,
      };
    },
  });
}
