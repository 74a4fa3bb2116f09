// Extent maps on NT: FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT (ReFS: physical clusters and a
// reference count per run, refcount > 1 = shared) or FSCTL_GET_RETRIEVAL_POINTERS (NTFS), paged
// from the last NextVcn. Runs with Lcn = -1 are holes and are not extents.
//
// This is the Windows/SMB edge of the engine's map format (src/engine/map-format.ts): the runs
// become packed extents with ENGINE flag bits (SHARED when the reference count is above 1, LAST
// on the file's last extent) and, with the refcount FSCTL, the refcount column.

import type { OpContext } from '../backend';
import { EXTENT_FLAG, PackedExtentsBuilder, type PackedExtents } from '../map-format';
import type { ByteRange, MapSource, Operation } from '../types';
import { FSCTL } from './codec/fsctl-codes';
import {
  decodeRetrievalPointers,
  decodeRetrievalPointersAndRefcount,
  encodeStartingVcn,
  RETRIEVAL_POINTER_REFCOUNT_SIZE,
  RETRIEVAL_POINTER_SIZE,
  RETRIEVAL_POINTERS_HEADER_SIZE,
} from './codec/windows';
import { fsctlFailure } from './outcome';
import type { NtHandle, NtTransport } from './transport';

export interface RetrievalOptions {
  /** Entries per output buffer at first (tests force paging with small values). Default 4096. */
  initialEntries?: number;
  maxEntries?: number;
  operation?: Operation;
}

export interface RetrievalResult {
  /** Engine flag bits; `refcounts` when asked for with the refcount FSCTL. */
  packed: PackedExtents;
  source: MapSource;
  calls: number;
}

/** ERROR_HANDLE_EOF / STATUS_END_OF_FILE: the starting VCN is past the last allocated cluster. */
function isEndOfFile(code: number): boolean {
  return code === 38 || code >>> 0 === 0xc0000011;
}

/**
 * Extents of `window` from the retrieval pointers, or null when the file system does not
 * implement the FSCTL ('not-supported'), so the caller can fall back.
 */
export async function queryRetrievalPointers(
  t: NtTransport,
  h: NtHandle,
  window: ByteRange,
  size: bigint,
  clusterSize: number,
  withRefcount: boolean,
  opts: RetrievalOptions = {},
  ctx?: OpContext,
): Promise<RetrievalResult | null> {
  const operation = opts.operation ?? 'map';
  const code = withRefcount ? FSCTL.FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT : FSCTL.FSCTL_GET_RETRIEVAL_POINTERS;
  const entry = withRefcount ? RETRIEVAL_POINTER_REFCOUNT_SIZE : RETRIEVAL_POINTER_SIZE;
  const cluster = BigInt(clusterSize);
  const end = window.offset + window.length < size ? window.offset + window.length : size;
  let capacity = Math.max(1, opts.initialEntries ?? 4096);
  const maxEntries = Math.max(capacity, opts.maxEntries ?? 1 << 20);
  const out = new PackedExtentsBuilder();
  let vcn = window.offset / cluster;
  let calls = 0;
  while (vcn * cluster < end) {
    ctx?.checkCancelled();
    const o = await t.fsctl(h, code, encodeStartingVcn(vcn), RETRIEVAL_POINTERS_HEADER_SIZE + capacity * entry);
    calls++;
    if (o.kind === 'not-supported') return calls === 1 ? null : Promise.reject(fsctlFailure(t, operation, code, o, [h.path]));
    if (o.kind === 'error' && isEndOfFile(o.code)) break;
    if (o.kind === 'buffer-too-small' || (o.kind === 'more-data' && o.output.byteLength < RETRIEVAL_POINTERS_HEADER_SIZE + entry)) {
      if (capacity >= maxEntries)
        throw fsctlFailure(
          t,
          operation,
          code,
          o,
          [h.path],
          'the file has more extents than Extent Lens will page through at once; ask for a smaller window',
        );
      capacity = Math.min(maxEntries, capacity * 2);
      continue;
    }
    if (o.kind !== 'ok' && o.kind !== 'more-data') throw fsctlFailure(t, operation, code, o, [h.path]);
    const rp = withRefcount ? decodeRetrievalPointersAndRefcount(o.output) : decodeRetrievalPointers(o.output);
    let prev = rp.startingVcn;
    for (const e of rp.extents) {
      const startB = prev * cluster;
      const endB = e.nextVcn * cluster;
      prev = e.nextVcn;
      if (e.lcn === -1n) continue; // a hole (sparse run)
      const s = startB < window.offset ? window.offset : startB;
      const en = endB > end ? end : endB;
      if (en <= s) continue;
      const rc = e.referenceCount;
      out.push(s, en - s, e.lcn * cluster + (s - startB), rc !== undefined && rc > 1 ? EXTENT_FLAG.SHARED : 0, rc);
    }
    if (rp.extents.length === 0 || prev <= vcn) break;
    vcn = prev;
    ctx?.progress({ done: (vcn * cluster < end ? vcn * cluster : end) - window.offset, total: end - window.offset });
    if (o.kind === 'ok') break;
  }
  const packed = out.build();
  // Like FIEMAP_EXTENT_LAST: only when the window reaches the end of the file.
  if (packed.count > 0 && end === size) packed.flags[packed.count - 1] |= EXTENT_FLAG.LAST;
  return { packed, source: withRefcount ? 'refcount' : 'retrieval-pointers', calls };
}
