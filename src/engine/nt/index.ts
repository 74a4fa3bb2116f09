// The Windows FSCTL algorithms, written once over NtTransport (./transport.ts), used by the win32
// backend (DeviceIoControl through koffi) and by the SMB2 backend (src/engine/backends/smb/).
//
// API NOTE (stable; extend only compatibly)
// -----------------------------------------
//   createNtBackend(transport, name, options?) -> Backend
//       The whole Backend interface over one transport. win32.ts: createNtBackend(win32Transport, 'win32');
//       SMB: createNtBackend(smbTransport, 'smb'). Paths are passed to transport.open() unchanged.
//       options (all optional, for tests and tuning):
//         rangesInitialOutputBytes  first QUERY_ALLOCATED_RANGES buffer in bytes (16 = one entry, forces paging/growth)
//         retrievalInitialEntries   first RETRIEVAL_POINTERS(_AND_REFCOUNT) buffer in entries
//         copyChunkLimits           {maxChunks, maxChunkBytes, maxTotalBytes} to START with (above the server's
//                                   limits -> STATUS_INVALID_PARAMETER -> renegotiated; a note says so)
//         cloneMaxChunkBytes        clone chunk size (cluster multiple), default (1 << 32) - clusterSize
//       The returned object also implements the BackendExtensions (src/engine/backend-ext.ts) the engine
//       uses on paths Node's fs cannot reach: stat, rename (no-replace fails), remove, read, zeroRange,
//       sparseCopy, and extentMapPacked (the map in the engine's format, ReFS refcounts included).
//       copyFile falls back to sparseCopy by itself when there is no resume key (fellBack).
//
//   Handle-level building blocks (for tests that want to watch one FSCTL loop):
//     queryAllocatedRanges(t, h, window, {initialOutputBytes, maxOutputBytes}) -> {ranges, calls, grows, pages}
//         'more-data' (Windows) pages from the end of the last entry; 'buffer-too-small' with no data (Samba)
//         grows the buffer (x2) and asks again.
//     queryRetrievalPointers(t, h, window, size, clusterSize, withRefcount) -> {packed, source, calls} | null
//         packed: the engine's map format (src/engine/map-format.ts): SHARED when refcount > 1, LAST
//         at EOF, and the refcounts column with the refcount FSCTL.
//     duplicateExtents(t, src, dst, srcOff, dstOff, len, clusterSize, op, {atomic, maxChunkBytes}, ctx, pieces?) -> FSCTLs sent
//         pieces: only these parts of the range (a sparse source's allocated ranges: clusterPieces)
//     planCloneChunks(srcOff, dstOff, len, clusterSize) -> the calls a clone is cut into (< 4 GiB each), lazily (a generator)
//   Path-level algorithms (each returns an OperationReport: method, bytes, calls, durationMs, notes):
//     cloneFileNt(t, source, target, ctx)      the whole-file clone sequence
//       (docs/facts/windows-fsctl.md#whole-file-clone-sequence); target must not exist; nothing left on failure
//     cloneRangeNt(t, src, sOff, target, tOff, len, {atomic}, ctx)
//     copyChunkNt(t, source, target, ctx, {limits})   resume key + COPYCHUNK_WRITE with renegotiation
//     sparseCopyNt(t, source, target, ctx)     read/write fallback that keeps holes
//     setSparseNt(t, path, sparse, ctx), zeroDataNt(t, path, range, {makeSparse, operation}, ctx)
//
// What the algorithms expect of a transport (beyond the comments in transport.ts):
//   - fsctl() never throws for an FSCTL failure; it classifies the status into FsctlOutcome.kind
//     (use win32OutcomeKind / ntStatusOutcomeKind from ../codec) and returns the output bytes that
//     came back, ALSO for 'more-data' and for 'invalid-parameter' (copychunk limits are in there).
//   - open({deleteOnClose: true}) must be undoable by setDeleteOnClose(h, false): on Windows that means
//     FileDispositionInfo (not FILE_FLAG_DELETE_ON_CLOSE, which cannot be cleared); over SMB2 a
//     SET_INFO FileDispositionInformation. A clone/copy destination is created that way and only kept at
//     the very end, so closing it after a failure removes it.
//   - open() of an existing path must also work for folders with access 'read' (volume(path) may get a folder).
//   - queryInfo().sparse reflects FILE_ATTRIBUTE_SPARSE_FILE; queryVolume().volumeId is equal for two
//     handles on one volume (volume GUID on Windows; server + share over SMB).
//   - Other methods throw FsctlError (code by name) on failure; anything else is wrapped.
//
// Errors: every failure is an FsctlError whose `code` is the OS name the transport reported
// (ERROR_BLOCK_TOO_MANY_REFERENCES, STATUS_NOT_SUPPORTED, ...) or an engine code (E_UNSUPPORTED when
// the volume flags rule a clone out before any FSCTL, E_CROSS_VOLUME, E_NOT_REGULAR, E_RANGE).

export { createNtBackend, isUnsupported, UNSUPPORTED_CODES, type NtBackendOptions } from './backend';
export { queryAllocatedRanges, INT64_MAX, type AllocatedRangesOptions, type AllocatedRangesRaw } from './ranges';
export { queryRetrievalPointers, type RetrievalOptions, type RetrievalResult } from './extents';
export {
  cloneFileNt,
  cloneRangeNt,
  clusterPieces,
  duplicateExtents,
  planCloneChunks,
  cloneChunkSize,
  roundUp,
  type CloneChunk,
} from './clone';
export { copyChunkNt, CopyCursor, DEFAULT_COPYCHUNK_LIMITS, type CopyChunkLimits, type CopyChunkOptions } from './copychunk';
export { sparseCopyNt } from './sparse-copy';
export { setSparseNt, setSparseOnHandle, zeroDataNt } from './sparse';
export { queryVolumeInfo, toVolumeInfo, requireBlockClone, requireSameVolume, supportsBlockClone, supportsSparseFiles } from './volume';
export { fsctlFailure, outcomeSentence, syscallName } from './outcome';
export * from './transport';
