// Pure encode/decode of the Windows FSCTL buffers (docs/facts/windows-fsctl.md#buffer-layouts): x64 natural alignment, little endian.
// No I/O here, so every layout is tested byte for byte (test/unit/codec-windows.test.ts) and the
// same bytes serve DeviceIoControl and SMB2 IOCTL.
//
// The one layout that differs between the two transports is the source of DUPLICATE_EXTENTS:
// an 8-byte HANDLE on Windows x64, a 16-byte SMB2_FILEID on the wire (MS-FSCC 2.3.8/2.3.9). The
// encoders take those bytes as `sourceRef` (NtTransport.sourceReference) and size the struct
// from them: 32/40 bytes for DUPLICATE_EXTENTS_DATA, 48/56 for DUPLICATE_EXTENTS_DATA_EX.

import type { ByteRange } from '../../types';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT32_MAX = 0xffffffff;

/**
 * Allocate on a fresh ArrayBuffer: offset 0 of an ArrayBuffer is 8-byte aligned
 * (docs/facts/windows-fsctl.md#buffer-alignment: 4 needed).
 */
function alloc(size: number): { bytes: Uint8Array; view: DataView } {
  const buf = new ArrayBuffer(size);
  return { bytes: new Uint8Array(buf), view: new DataView(buf) };
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function i64(field: string, v: bigint): bigint {
  if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX)
    throw new RangeError(`${field} must be a signed 64-bit bigint, got ${String(v)}`);
  return v;
}

function u32(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) throw new RangeError(`${field} must be an unsigned 32-bit integer, got ${v}`);
  return v;
}

function need(what: string, b: Uint8Array, size: number): DataView {
  if (b.byteLength < size) throw new RangeError(`${what}: need ${size} bytes, got ${b.byteLength}`);
  return viewOf(b);
}

// ---------------------------------------------------------------------------------------------
// FILE_ALLOCATED_RANGE_BUFFER {FileOffset int64, Length int64}: 16 bytes.

export const FILE_ALLOCATED_RANGE_BUFFER_SIZE = 16;

/** The QUERY_ALLOCATED_RANGES input: the one range to scan. */
export function encodeAllocatedRange(r: ByteRange): Uint8Array {
  const { bytes, view } = alloc(16);
  view.setBigInt64(0, i64('FileOffset', r.offset), true);
  view.setBigInt64(8, i64('Length', r.length), true);
  return bytes;
}

/** The QUERY_ALLOCATED_RANGES output: count = BytesReturned / 16 (a trailing partial entry is ignored). */
export function decodeAllocatedRanges(b: Uint8Array): ByteRange[] {
  const v = viewOf(b);
  const n = Math.floor(b.byteLength / 16);
  const out: ByteRange[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { offset: v.getBigInt64(i * 16, true), length: v.getBigInt64(i * 16 + 8, true) };
  return out;
}

export function encodeAllocatedRanges(rs: ByteRange[]): Uint8Array {
  const { bytes, view } = alloc(rs.length * 16);
  rs.forEach((r, i) => {
    view.setBigInt64(i * 16, i64('FileOffset', r.offset), true);
    view.setBigInt64(i * 16 + 8, i64('Length', r.length), true);
  });
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// DUPLICATE_EXTENTS_DATA: FileHandle (source reference) @0, SourceFileOffset, TargetFileOffset,
// ByteCount (int64 each). 32 bytes with an 8-byte HANDLE, 40 with a 16-byte SMB2_FILEID.

interface DuplicateExtents {
  /** HANDLE (8 bytes, Windows x64) or SMB2_FILEID (16 bytes, SMB2 wire) of the SOURCE. */
  sourceRef: Uint8Array;
  sourceOffset: bigint;
  targetOffset: bigint;
  byteCount: bigint;
}

function checkRef(ref: Uint8Array): number {
  if (ref.byteLength !== 8 && ref.byteLength !== 16)
    throw new RangeError(`source reference must be 8 (HANDLE) or 16 (SMB2_FILEID) bytes, got ${ref.byteLength}`);
  return ref.byteLength;
}

export function encodeDuplicateExtents(d: DuplicateExtents): Uint8Array {
  const r = checkRef(d.sourceRef);
  const { bytes, view } = alloc(r + 24);
  bytes.set(d.sourceRef, 0);
  view.setBigInt64(r, i64('SourceFileOffset', d.sourceOffset), true);
  view.setBigInt64(r + 8, i64('TargetFileOffset', d.targetOffset), true);
  view.setBigInt64(r + 16, i64('ByteCount', d.byteCount), true);
  return bytes;
}

/** `refSize` 8 (HANDLE) or 16 (SMB2_FILEID). */
export function decodeDuplicateExtents(b: Uint8Array, refSize: 8 | 16): DuplicateExtents {
  const v = need('DUPLICATE_EXTENTS_DATA', b, refSize + 24);
  return {
    sourceRef: b.slice(0, refSize),
    sourceOffset: v.getBigInt64(refSize, true),
    targetOffset: v.getBigInt64(refSize + 8, true),
    byteCount: v.getBigInt64(refSize + 16, true),
  };
}

// ---------------------------------------------------------------------------------------------
// DUPLICATE_EXTENTS_DATA_EX: Size (SIZE_T / StructureSize, = the struct size) @0, source
// reference @8, SourceFileOffset, TargetFileOffset, ByteCount, Flags uint32, 4 bytes padding.
// 48 bytes with a HANDLE, 56 with an SMB2_FILEID.

interface DuplicateExtentsEx extends DuplicateExtents {
  /** DUPLICATE_EXTENTS_DATA_EX_SOURCE_ATOMIC (0x1), _ASYNC (0x2). */
  flags: number;
}

export function duplicateExtentsExSize(refSize: number): number {
  return 8 + refSize + 24 + 8;
}

/**
 * Size field of DUPLICATE_EXTENTS_DATA_EX: 48 (0x30) in both forms. docs/facts/windows-fsctl.md#duplicate_extents_data_ex and MS-FSCC
 * 2.3.9.2 ("This field MUST be set to 0x30"): the SMB2 form is 56 bytes long (a 16-byte
 * SMB2_FILEID instead of an 8-byte HANDLE) but still says 0x30.
 */
const DUPLICATE_EXTENTS_DATA_EX_SIZE_FIELD = 48n;

export function encodeDuplicateExtentsEx(d: DuplicateExtentsEx): Uint8Array {
  const r = checkRef(d.sourceRef);
  const { bytes, view } = alloc(duplicateExtentsExSize(r));
  view.setBigUint64(0, DUPLICATE_EXTENTS_DATA_EX_SIZE_FIELD, true);
  bytes.set(d.sourceRef, 8);
  view.setBigInt64(8 + r, i64('SourceFileOffset', d.sourceOffset), true);
  view.setBigInt64(16 + r, i64('TargetFileOffset', d.targetOffset), true);
  view.setBigInt64(24 + r, i64('ByteCount', d.byteCount), true);
  view.setUint32(32 + r, u32('Flags', d.flags), true);
  return bytes;
}

export function decodeDuplicateExtentsEx(b: Uint8Array): DuplicateExtentsEx & { size: bigint } {
  const v = need('DUPLICATE_EXTENTS_DATA_EX', b, 8);
  const size = v.getBigUint64(0, true);
  // The form comes from the buffer's length (Size is 0x30 in both): 48 bytes -> an 8-byte
  // HANDLE, 56 -> a 16-byte SMB2_FILEID.
  const r = b.length - 40;
  if (r !== 8 && r !== 16) throw new RangeError(`DUPLICATE_EXTENTS_DATA_EX must be 48 or 56 bytes, got ${b.length}`);
  return {
    size,
    sourceRef: b.slice(8, 8 + r),
    sourceOffset: v.getBigInt64(8 + r, true),
    targetOffset: v.getBigInt64(16 + r, true),
    byteCount: v.getBigInt64(24 + r, true),
    flags: v.getUint32(32 + r, true),
  };
}

// ---------------------------------------------------------------------------------------------
// SRV_REQUEST_RESUME_KEY output: ResumeKey (24 opaque bytes), ContextLength uint32, Context[].

const SRV_RESUME_KEY_SIZE = 24;
/** Output buffer to offer REQUEST_RESUME_KEY (docs/facts/windows-fsctl.md#srv_request_resume_key: at least 32). */
export const SRV_REQUEST_RESUME_KEY_OUTPUT_SIZE = 32;

interface ResumeKeyResponse {
  key: Uint8Array;
  contextLength: number;
}

export function decodeResumeKey(b: Uint8Array): ResumeKeyResponse {
  const v = need('SRV_REQUEST_RESUME_KEY', b, 28);
  return { key: b.slice(0, SRV_RESUME_KEY_SIZE), contextLength: v.getUint32(SRV_RESUME_KEY_SIZE, true) };
}

export function encodeResumeKey(r: ResumeKeyResponse): Uint8Array {
  if (r.key.byteLength !== SRV_RESUME_KEY_SIZE) throw new RangeError(`resume key must be 24 bytes, got ${r.key.byteLength}`);
  const { bytes, view } = alloc(32);
  bytes.set(r.key, 0);
  view.setUint32(24, u32('ContextLength', r.contextLength), true);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// SRV_COPYCHUNK_COPY: SourceKey[24], ChunkCount uint32, Reserved uint32 (32-byte header), then
// SRV_COPYCHUNK {SourceOffset int64, TargetOffset int64, Length uint32, Reserved uint32} x N.

export interface CopyChunk {
  sourceOffset: bigint;
  targetOffset: bigint;
  length: number;
}

export function encodeCopyChunkCopy(key: Uint8Array, chunks: CopyChunk[]): Uint8Array {
  if (key.byteLength !== SRV_RESUME_KEY_SIZE) throw new RangeError(`resume key must be 24 bytes, got ${key.byteLength}`);
  const { bytes, view } = alloc(32 + 24 * chunks.length);
  bytes.set(key, 0);
  view.setUint32(24, u32('ChunkCount', chunks.length), true);
  chunks.forEach((c, i) => {
    const o = 32 + 24 * i;
    view.setBigInt64(o, i64('SourceOffset', c.sourceOffset), true);
    view.setBigInt64(o + 8, i64('TargetOffset', c.targetOffset), true);
    view.setUint32(o + 16, u32('Length', c.length), true);
  });
  return bytes;
}

export function decodeCopyChunkCopy(b: Uint8Array): { key: Uint8Array; chunks: CopyChunk[] } {
  const v = need('SRV_COPYCHUNK_COPY', b, 32);
  const n = v.getUint32(24, true);
  need('SRV_COPYCHUNK_COPY', b, 32 + 24 * n);
  const chunks: CopyChunk[] = [];
  for (let i = 0; i < n; i++) {
    const o = 32 + 24 * i;
    chunks.push({ sourceOffset: v.getBigInt64(o, true), targetOffset: v.getBigInt64(o + 8, true), length: v.getUint32(o + 16, true) });
  }
  return { key: b.slice(0, 24), chunks };
}

/**
 * SRV_COPYCHUNK_RESPONSE (12 bytes). After STATUS_INVALID_PARAMETER the same fields carry the
 * server's LIMITS: ChunksWritten = max chunks, ChunkBytesWritten = max chunk size,
 * TotalBytesWritten = max bytes per request (docs/facts/windows-fsctl.md#copychunk-limits).
 */
interface CopyChunkResponse {
  chunksWritten: number;
  chunkBytesWritten: number;
  totalBytesWritten: number;
}

export const SRV_COPYCHUNK_RESPONSE_SIZE = 12;

export function decodeCopyChunkResponse(b: Uint8Array): CopyChunkResponse {
  const v = need('SRV_COPYCHUNK_RESPONSE', b, 12);
  return { chunksWritten: v.getUint32(0, true), chunkBytesWritten: v.getUint32(4, true), totalBytesWritten: v.getUint32(8, true) };
}

export function encodeCopyChunkResponse(r: CopyChunkResponse): Uint8Array {
  const { bytes, view } = alloc(12);
  view.setUint32(0, u32('ChunksWritten', r.chunksWritten), true);
  view.setUint32(4, u32('ChunkBytesWritten', r.chunkBytesWritten), true);
  view.setUint32(8, u32('TotalBytesWritten', r.totalBytesWritten), true);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// FILE_ZERO_DATA_INFORMATION {FileOffset int64, BeyondFinalZero int64}: 16 bytes.

export function encodeZeroData(r: { fileOffset: bigint; beyondFinalZero: bigint }): Uint8Array {
  const { bytes, view } = alloc(16);
  view.setBigInt64(0, i64('FileOffset', r.fileOffset), true);
  view.setBigInt64(8, i64('BeyondFinalZero', r.beyondFinalZero), true);
  return bytes;
}

export function decodeZeroData(b: Uint8Array): { fileOffset: bigint; beyondFinalZero: bigint } {
  const v = need('FILE_ZERO_DATA_INFORMATION', b, 16);
  return { fileOffset: v.getBigInt64(0, true), beyondFinalZero: v.getBigInt64(8, true) };
}

// ---------------------------------------------------------------------------------------------
// FILE_SET_SPARSE_BUFFER {BOOLEAN SetSparse}: 1 byte. No input at all also means "set".

export function encodeSetSparse(sparse: boolean): Uint8Array {
  return Uint8Array.of(sparse ? 1 : 0);
}

export function decodeSetSparse(b: Uint8Array | null): boolean {
  return b === null || b.byteLength === 0 ? true : b[0] !== 0;
}

// ---------------------------------------------------------------------------------------------
// FSCTL_GET_INTEGRITY_INFORMATION_BUFFER: ChecksumAlgorithm uint16, Reserved uint16, Flags
// uint32, ChecksumChunkSizeInBytes uint32, ClusterSizeInBytes uint32 (16 bytes).
// FSCTL_SET_INTEGRITY_INFORMATION_BUFFER: ChecksumAlgorithm uint16, Reserved uint16, Flags uint32 (8).

interface IntegrityInfo {
  checksumAlgorithm: number;
  flags: number;
  checksumChunkSizeInBytes: number;
  clusterSizeInBytes: number;
}

export const INTEGRITY_INFORMATION_SIZE = 16;

export function decodeIntegrityInfo(b: Uint8Array): IntegrityInfo {
  const v = need('FSCTL_GET_INTEGRITY_INFORMATION_BUFFER', b, 16);
  return {
    checksumAlgorithm: v.getUint16(0, true),
    flags: v.getUint32(4, true),
    checksumChunkSizeInBytes: v.getUint32(8, true),
    clusterSizeInBytes: v.getUint32(12, true),
  };
}

export function encodeIntegrityInfo(i: IntegrityInfo): Uint8Array {
  const { bytes, view } = alloc(16);
  view.setUint16(0, i.checksumAlgorithm, true);
  view.setUint32(4, u32('Flags', i.flags), true);
  view.setUint32(8, u32('ChecksumChunkSizeInBytes', i.checksumChunkSizeInBytes), true);
  view.setUint32(12, u32('ClusterSizeInBytes', i.clusterSizeInBytes), true);
  return bytes;
}

/** The SET input: the algorithm and flags read from the source. */
export function encodeSetIntegrityInfo(i: { checksumAlgorithm: number; flags: number }): Uint8Array {
  const { bytes, view } = alloc(8);
  view.setUint16(0, i.checksumAlgorithm, true);
  view.setUint32(4, u32('Flags', i.flags), true);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// STARTING_VCN_INPUT_BUFFER {StartingVcn int64}: 8 bytes.

export function encodeStartingVcn(vcn: bigint): Uint8Array {
  const { bytes, view } = alloc(8);
  view.setBigInt64(0, i64('StartingVcn', vcn), true);
  return bytes;
}

// RETRIEVAL_POINTERS_BUFFER: ExtentCount uint32, 4 pad, StartingVcn int64, then
// {NextVcn int64, Lcn int64} x N (16 bytes each). Lcn = -1 is a hole (sparse) run.
// RETRIEVAL_POINTERS_AND_REFCOUNT_BUFFER: same header, extents {NextVcn, Lcn, ReferenceCount
// uint32, 4 pad} (24 bytes each).

interface RetrievalExtent {
  nextVcn: bigint;
  lcn: bigint;
  /** Only in the _AND_REFCOUNT form. */
  referenceCount?: number;
}

interface RetrievalPointers {
  startingVcn: bigint;
  extents: RetrievalExtent[];
}

export const RETRIEVAL_POINTERS_HEADER_SIZE = 16;
export const RETRIEVAL_POINTER_SIZE = 16;
export const RETRIEVAL_POINTER_REFCOUNT_SIZE = 24;

function decodeRetrieval(what: string, b: Uint8Array, entry: number): RetrievalPointers {
  const v = need(what, b, 16);
  const declared = v.getUint32(0, true);
  // Use the entries that are really present: with 'more-data' ExtentCount counts what fit.
  const n = Math.min(declared, Math.floor((b.byteLength - 16) / entry));
  const extents: RetrievalExtent[] = [];
  for (let i = 0; i < n; i++) {
    const o = 16 + i * entry;
    const e: RetrievalExtent = { nextVcn: v.getBigInt64(o, true), lcn: v.getBigInt64(o + 8, true) };
    if (entry === 24) e.referenceCount = v.getUint32(o + 16, true);
    extents.push(e);
  }
  return { startingVcn: v.getBigInt64(8, true), extents };
}

export function decodeRetrievalPointers(b: Uint8Array): RetrievalPointers {
  return decodeRetrieval('RETRIEVAL_POINTERS_BUFFER', b, 16);
}

export function decodeRetrievalPointersAndRefcount(b: Uint8Array): RetrievalPointers {
  return decodeRetrieval('RETRIEVAL_POINTERS_AND_REFCOUNT_BUFFER', b, 24);
}

export function encodeRetrievalPointers(p: RetrievalPointers, withRefcount: boolean): Uint8Array {
  const entry = withRefcount ? 24 : 16;
  const { bytes, view } = alloc(16 + entry * p.extents.length);
  view.setUint32(0, p.extents.length, true);
  view.setBigInt64(8, i64('StartingVcn', p.startingVcn), true);
  p.extents.forEach((e, i) => {
    const o = 16 + i * entry;
    view.setBigInt64(o, i64('NextVcn', e.nextVcn), true);
    view.setBigInt64(o + 8, i64('Lcn', e.lcn), true);
    if (withRefcount) view.setUint32(o + 16, u32('ReferenceCount', e.referenceCount ?? 0), true);
  });
  return bytes;
}
