// FSCTL_QUERY_ALLOCATED_RANGES with paging (docs/facts/windows-fsctl.md#allocated-ranges,
// docs/facts/smb2.md#samba-as-a-peer).
//
// Windows: a full output buffer gives ERROR_MORE_DATA / STATUS_BUFFER_OVERFLOW WITH the entries
// that fit: continue from the end of the last one. Samba: STATUS_BUFFER_TOO_SMALL with NO data
// when every range does not fit: grow the buffer and ask again. Both are handled here, so one
// loop serves DeviceIoControl and SMB2.

import type { OpContext } from '../backend';
import type { ByteRange, Operation } from '../types';
import { FSCTL } from './codec/fsctl-codes';
import { decodeAllocatedRanges, encodeAllocatedRange, FILE_ALLOCATED_RANGE_BUFFER_SIZE } from './codec/windows';
import { engineError, fsctlFailure } from './outcome';
import type { NtHandle, NtTransport } from './transport';

export const INT64_MAX = (1n << 63n) - 1n;

export interface AllocatedRangesOptions {
  /** First output buffer size in bytes (rounded down to whole 16-byte entries, at least 1). Default 64 KiB. */
  initialOutputBytes?: number;
  /** Largest output buffer to grow to on 'buffer-too-small'. Default 16 MiB. */
  maxOutputBytes?: number;
  operation?: Operation;
}

export interface AllocatedRangesRaw {
  ranges: ByteRange[];
  calls: number;
  /** Buffer growths after 'buffer-too-small' (Samba) and pages after 'more-data' (Windows). */
  grows: number;
  pages: number;
}

const DEFAULT_INITIAL = 64 * 1024;
const DEFAULT_MAX = 16 * 1024 * 1024;

function entries(bytes: number): number {
  return Math.max(1, Math.floor(bytes / FILE_ALLOCATED_RANGE_BUFFER_SIZE));
}

/**
 * Allocated ranges of the open file within `window` (which must lie in [0, INT64_MAX]). Throws
 * FsctlError with the OS code name when the file system refuses the query.
 */
export async function queryAllocatedRanges(
  t: NtTransport,
  h: NtHandle,
  window: ByteRange,
  opts: AllocatedRangesOptions = {},
  ctx?: OpContext,
): Promise<AllocatedRangesRaw> {
  const operation = opts.operation ?? 'ranges';
  if (window.offset < 0n || window.length < 0n || window.offset + window.length > INT64_MAX) {
    throw engineError(
      operation,
      'E_RANGE',
      [h.path],
      `The window ${window.offset}+${window.length} is outside 0..2^63-1 (E_RANGE); give a non-negative offset and length.`,
    );
  }
  let capacity = entries(opts.initialOutputBytes ?? DEFAULT_INITIAL);
  const maxEntries = entries(opts.maxOutputBytes ?? DEFAULT_MAX);
  const end = window.offset + window.length;
  const out: ByteRange[] = [];
  let cursor = window.offset;
  let calls = 0;
  let grows = 0;
  let pages = 0;
  while (cursor < end) {
    ctx?.checkCancelled();
    const o = await t.fsctl(
      h,
      FSCTL.FSCTL_QUERY_ALLOCATED_RANGES,
      encodeAllocatedRange({ offset: cursor, length: end - cursor }),
      capacity * FILE_ALLOCATED_RANGE_BUFFER_SIZE,
    );
    calls++;
    const got = o.kind === 'ok' || o.kind === 'more-data' ? decodeAllocatedRanges(o.output) : [];
    if (o.kind === 'buffer-too-small' || (o.kind === 'more-data' && got.length === 0)) {
      if (capacity >= maxEntries)
        throw fsctlFailure(
          t,
          operation,
          FSCTL.FSCTL_QUERY_ALLOCATED_RANGES,
          o,
          [h.path],
          `the file has more allocated ranges than fit in ${maxEntries} entries; ask for a smaller window`,
        );
      capacity = Math.min(maxEntries, capacity * 2);
      grows++;
      continue;
    }
    if (o.kind !== 'ok' && o.kind !== 'more-data') {
      const advice =
        o.kind === 'not-supported'
          ? 'this file system or server does not implement allocated-range queries (FSCTL_QUERY_ALLOCATED_RANGES)'
          : undefined;
      throw fsctlFailure(t, operation, FSCTL.FSCTL_QUERY_ALLOCATED_RANGES, o, [h.path], advice);
    }
    for (const r of got) {
      if (r.length <= 0n) continue;
      // Clip to the window and merge with a touching predecessor (pages may split one range).
      const s = r.offset < cursor ? cursor : r.offset;
      const e = r.offset + r.length > end ? end : r.offset + r.length;
      if (e <= s) continue;
      const last = out[out.length - 1];
      if (last && last.offset + last.length >= s) {
        const le = last.offset + last.length;
        if (e > le) last.length = e - last.offset;
      } else out.push({ offset: s, length: e - s });
    }
    if (o.kind === 'ok') break;
    pages++;
    const lastGot = got[got.length - 1];
    const next = lastGot.offset + lastGot.length;
    if (next <= cursor) {
      throw fsctlFailure(
        t,
        operation,
        FSCTL.FSCTL_QUERY_ALLOCATED_RANGES,
        o,
        [h.path],
        'the file system returned ranges that do not advance; this is a file system or server bug',
      );
    }
    cursor = next;
    ctx?.progress({ done: cursor - window.offset, total: window.length });
  }
  return { ranges: out, calls, grows, pages };
}
