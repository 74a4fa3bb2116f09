// The engine's vocabulary: values that cross between backends, the engine, the worker, the CLI,
// the extension host and (through src/protocol) the webviews.
//
// Every byte offset and size is a `bigint`: files on XFS/btrfs/ReFS reach 2^63 - 1, and a
// `number` silently rounds above 2^53. Only counts that cannot exceed 2^53 (calls made,
// block sizes, durations) are `number`.

/** A half-open byte range [offset, offset + length). */
export interface ByteRange {
  offset: bigint;
  length: bigint;
}

/**
 * Flags of one extent, named after the Linux FIEMAP flags (docs/facts/linux.md#fiemap-extent-flags) so that one vocabulary
 * serves every OS. Windows maps ReFS refcounts > 1 to `shared`.
 */
export type ExtentFlag =
  'last' | 'unknown' | 'delalloc' | 'encoded' | 'encrypted' | 'not-aligned' | 'inline' | 'tail' | 'unwritten' | 'merged' | 'shared';

/** One mapped extent of a file. Holes are not extents: they are the gaps between them. */
export interface Extent {
  /** Logical offset in the file. */
  offset: bigint;
  length: bigint;
  /** Physical byte offset on the device (or LCN * cluster size on Windows); null when unknown. */
  physical: bigint | null;
  flags: ExtentFlag[];
  /** Reference count where the OS gives one (ReFS); absent elsewhere. */
  refcount?: number;
}

/** Where an extent map came from, so the UI and CLI can say how much it can be trusted. */
export type MapSource =
  | 'fiemap' // Linux FS_IOC_FIEMAP: flags and physical offsets
  | 'seek' // SEEK_DATA/SEEK_HOLE only (tmpfs, macOS): data ranges, no flags
  | 'refcount' // Windows FSCTL_GET_RETRIEVAL_POINTERS_AND_REFCOUNT
  | 'retrieval-pointers' // Windows FSCTL_GET_RETRIEVAL_POINTERS
  | 'allocated-ranges'; // Windows/SMB FSCTL_QUERY_ALLOCATED_RANGES

export interface RangesResult {
  path: string;
  /** Logical file size (st_size / EndOfFile). */
  size: bigint;
  /** The window that was scanned (the whole file unless a window was asked for). */
  window: ByteRange;
  /** Data (allocated) ranges, in order, clipped to the window, never overlapping. */
  ranges: ByteRange[];
  /** How the ranges were found: 'seek', 'allocated-ranges', ... */
  method: string;
  calls: number;
  /**
   * `calls` by name where they were of several kinds (Windows: FSCTL_QUERY_ALLOCATED_RANGES
   * refused, then FSCTL_GET_RETRIEVAL_POINTERS), for the reports that name them (otherCalls);
   * without it every call is the method's.
   */
  callsByName?: Record<string, number>;
  durationMs: number;
  /** What the ranges cannot show, one sentence each (as ExtentMap.notes). */
  notes?: string[];
  /** As ExtentMap.allocationSize: what the file holds where its ranges say more (an SMB file not marked sparse). */
  allocationSize?: bigint;
  /** As ExtentMap.heldOutsideExtents: what a whole file's block count holds beyond its ranges (Linux: unwritten extents). */
  heldOutsideExtents?: bigint;
}

export interface ExtentMap {
  path: string;
  size: bigint;
  /** File system block size (Linux) or cluster size (Windows), in bytes. */
  blockSize: number;
  window: ByteRange;
  extents: Extent[];
  source: MapSource;
  calls: number;
  durationMs: number;
  /**
   * Set when a `maxExtents` limit stopped the read: the extents are exact up to this offset
   * and nothing at or after it was read (it is not a hole). Absent: the map is complete.
   */
  truncatedAt?: bigint;
  /**
   * What the map cannot show, one sentence each (e.g. tmpfs: space fallocate reserved, which
   * SEEK_DATA reports as holes, seen only in the file's block count).
   */
  notes?: string[];
  /**
   * A whole file's bytes its block count holds beyond the blocks of its map's ranges, which no
   * map can place (see `notes`): a SEEK_DATA-only map (tmpfs: pages fallocate reserved), or an
   * XFS file's copy-on-write staging, extent-tree and attribute blocks.
   */
  heldOutsideExtents?: bigint;
  /**
   * Set where the map's ranges say more is allocated than the file holds: an NT/SMB file not
   * marked sparse is answered with one range over all of it, holes and all, while its
   * AllocationSize (here) counts what it really holds (see `notes`). Space accounting counts
   * this instead of the ranges; dedupe treats all-zero chunks of such a file as holes.
   */
  allocationSize?: bigint;
  /**
   * btrfs, a whole file's map, as root: the size on disk of the compressed extents its encoded
   * (FIEMAP_EXTENT_ENCODED) extents lie in, each counted once and whole (compsize's "Disk Usage"
   * of its compressed types). Absent where not read (see `notes`) or nothing is encoded.
   */
  encodedOnDisk?: bigint;
}

export interface VolumeInfo {
  path: string;
  /** 'xfs', 'btrfs', 'ext4', 'tmpfs', 'ReFS', 'NTFS', 'apfs', ... */
  filesystem: string;
  /** fstatfs f_type (Linux) as hex, or the volume flags (Windows) as hex; for diagnostics. */
  rawType?: string;
  blockSize: number;
  supportsSparse: boolean;
  /**
   * true / false when there is evidence (a probe clone that worked or failed as "cannot", a
   * volume flag); undefined when unknown (the probe could not run: no write access, a device).
   */
  supportsClone: boolean | undefined;
  /** One sentence: how clone support was determined (flag, probe result, or why not). */
  cloneEvidence: string;
  /** Device or volume identity: two paths with the same id are on one volume. */
  volumeId: string;
  totalBytes?: bigint;
  freeBytes?: bigint;
}

/** The method that actually moved (or shared) the bytes. Reports always name it. */
export type Method =
  | 'FICLONE'
  | 'FICLONERANGE'
  | 'clonefile'
  | 'FSCTL_DUPLICATE_EXTENTS_TO_FILE'
  | 'FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX'
  | 'FSCTL_SRV_COPYCHUNK_WRITE'
  | 'copy_file_range'
  | 'fcopyfile'
  | 'sparse-copy' // read/write copy that keeps holes (the fallback)
  | 'FALLOC_FL_PUNCH_HOLE'
  | 'FALLOC_FL_ZERO_RANGE' // Linux zero when the file system cannot punch
  | 'write-zeros' // zero by writing zeros (neither punch nor zero-range available)
  | 'none' // nothing to do on this OS (e.g. set-sparse on Linux: every file may hold holes)
  | 'FSCTL_SET_ZERO_DATA'
  | 'F_PUNCHHOLE'
  | 'FSCTL_SET_SPARSE'
  | 'dig-holes';

export type Operation =
  | 'ranges'
  | 'map'
  | 'volume'
  | 'clone'
  | 'clone-range'
  | 'copy'
  | 'punch'
  | 'zero'
  | 'dig-holes'
  | 'set-sparse'
  | 'space'
  | 'dedupe'
  // the SMB file API (smb-files.ts): the editor's and Explorer's reads and writes on a share
  | 'files';

/** What every mutating operation returns. */
export interface OperationReport {
  operation: Operation;
  method: Method;
  source?: string;
  destination?: string;
  /** Bytes cloned, copied, punched or dug. */
  bytes: bigint;
  /**
   * Calls of `method` that did the work (FICLONE, FICLONERANGE, copy_file_range, a sparse copy's
   * pread64s and pwrite64s, fallocate, the clone or copy FSCTLs): call-count.ts.
   */
  calls: number;
  /**
   * The other native calls made on the way, by name, where there were any (Linux: the system call,
   * lseek for SEEK_DATA/SEEK_HOLE, FS_IOC_FIEMAP, ftruncate, ...; Windows and SMB: the sparse flag,
   * the integrity settings, allocated-range queries, the resume key): not in `calls`.
   */
  otherCalls?: Record<string, number>;
  durationMs: number;
  /** True when a copy was made because cloning was impossible and the caller allowed it. */
  fellBack?: boolean;
  /** Why the fallback ran (the clone error's sentence), when it did. */
  fallbackReason?: string;
  /** Free-form detail for people ("renegotiated chunk limits to 256 x 1 MiB"). */
  notes?: string[];
  /** A copy: bytes of it that share the source's blocks (the kernel reflinked them), measured. */
  sharedBytes?: bigint;
  /**
   * Punch, dig-holes: the free space the file system gained, measured (Linux: statfs after
   * syncfs, before and after; fs-freed.ts). Less than `bytes` where the blocks are still used
   * elsewhere (shared, or the rest of a btrfs extent). Absent where not measured (SMB, Windows).
   */
  fsFreed?: bigint;
  /**
   * Punch, dig-holes: what frees the rest where fsFreed is less than `bytes` and something does
   * (btrfs, none of it shared: rewriting the file; fs-freed.ts). One sentence, also in `notes`.
   */
  fsFreedRemedy?: string;
  /** Clone, copy: an existing file at the destination was replaced (onExisting 'overwrite'). */
  replaced?: boolean;
}

/** What to do when the destination name already exists. */
export type ExistingPolicy = 'fail' | 'rename' | 'overwrite';

/** Progress of a long operation. `total` is 0n when unknown. */
export interface Progress {
  done: bigint;
  total: bigint;
  message?: string;
  /** Files done so far, where an operation counts files (space). */
  files?: number;
}

/** Options every long operation accepts. */
export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface ZeroOptions extends RunOptions {
  /**
   * Keep the range allocated (Linux FALLOC_FL_ZERO_RANGE, as `fallocate -z`: its blocks become
   * unwritten, holes in it are allocated) instead of punching it: a thick-provisioned image
   * stays thick. Elsewhere E_UNSUPPORTED.
   */
  keepAllocated?: boolean;
}

export interface CloneFileOptions extends RunOptions {
  /** Existing destination: fail (default), auto-rename "name (clone).ext", or overwrite. */
  onExisting?: ExistingPolicy;
  /** 'none' (default): never copy data; 'copy': fall back to a hole-keeping copy and say so. */
  fallback?: 'none' | 'copy';
}

export interface CloneRangeOptions extends RunOptions {
  /** Windows: FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX with DUPLICATE_EXTENTS_DATA_EX_SOURCE_ATOMIC. */
  atomic?: boolean;
  fallback?: 'none' | 'copy';
  /** Extend the destination when the range ends past its EOF (default true). */
  extend?: boolean;
}

export interface CopyOptions extends RunOptions {
  onExisting?: ExistingPolicy;
  /**
   * 'auto' (default): the kernel or server copies as it likes, and may share the source's
   * blocks instead of writing new ones (copy_file_range on XFS and btrfs; the report says how
   * many). 'never': read and write, so the copy has blocks of its own (cp --reflink=never).
   */
  reflink?: 'auto' | 'never';
}

export interface DigHolesOptions extends RunOptions {
  /** Granularity of the zero scan; default: the file system block size. */
  blockSize?: number;
}
