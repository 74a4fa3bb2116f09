// Optional extras a backend may offer beyond the Backend contract (src/engine/backend.ts). The
// engine uses each one when present and otherwise falls back (or says the operation is not
// supported there). The SMB backend can implement `stat`/`rename`/`remove`/`read` so that the
// engine's temp-name-then-rename safety and dig-holes also work on smb:// paths.

import type { Backend, OpContext } from './backend';
import type { PackedExtentMap, PackedExtents } from './map-format';
import type { ByteRange, MapSource, Operation, OperationReport } from './types';
import type { CallCount } from './call-count';

export type PathKind = 'file' | 'directory' | 'fifo' | 'char-device' | 'block-device' | 'socket' | 'other' | 'missing';

export interface PathInfo {
  kind: PathKind;
  size: bigint;
  /**
   * Identity of the file (dev:ino on Linux; volume id + file index on Windows and SMB, see
   * NtTransport.queryFileIndex); equal ids = the same file. Absent where it cannot be known.
   */
  fileId?: string;
  /**
   * When the file was made (birth time in ns), where the file system records it: with fileId it
   * tells a file from a new one that reused its inode number (ext4 reuses a freed one at once).
   */
  born?: string;
  /** Identity of the volume (st_dev locally). */
  volumeId?: string;
  /**
   * Kind 'missing' over SMB or on Windows: the system's own code for it (STATUS_OBJECT_NAME_NOT_FOUND,
   * STATUS_OBJECT_PATH_NOT_FOUND, ERROR_FILE_NOT_FOUND…), for the error that names it. Absent: ENOENT.
   */
  missingCode?: string;
}

/** A bound on how much of a map to read (the inspector's queries of huge files). */
export interface MapLimit {
  /** Stop after this many extents (from the window start); see PackedExtentMap.truncatedAt. */
  maxExtents?: number;
}

/** Positional I/O on descriptors with exact 64-bit offsets (node's fs.writeSync ignores bigint positions). */
export interface PositionalIo {
  /** `operation` names a failure (copy by default; dig-holes reads with it too). */
  pread(fd: number, buf: Uint8Array, length: number, offset: bigint, path: string, operation?: Operation): number;
  pwrite(fd: number, buf: Uint8Array, length: number, offset: bigint, path: string): number;
  ftruncate(fd: number, size: bigint, path: string): void;
  /** Deallocate [offset, offset+length) keeping the size; `operation` names a failure (dig-holes by default). */
  punch?(fd: number, offset: bigint, length: bigint, path: string, operation?: Operation): void;
  /** File system block size of the file behind `fd`. */
  blockSize?(fd: number, path: string): number;
  /**
   * Bytes of the file's extents in [offset, offset+length) and how many are shared (FIEMAP: never
   * the file system's records of them, which st_blocks counts too); undefined without FIEMAP.
   * Its FIEMAP calls are counted in `count`, where given.
   */
  extentBytes?(
    fd: number,
    offset: bigint,
    length: bigint,
    path: string,
    count?: CallCount,
  ): { allocated: bigint; shared: bigint } | undefined;
  /**
   * Take a write lease on the file behind `fd` (its only opener), so no other process can open
   * it unseen while this one changes it in place (dig-holes): the kernel makes another's open()
   * wait and tells this one (stillAlone turns false). Returns undefined when held; otherwise
   * why not: `inUse` when another process has the file open now (`why`: the errno and call),
   * else (not the owner, no leases on this file system) a reason to say; `loopDevices`: the loop
   * devices attached to the file (the kernel holds it open for them, no process fuser names).
   */
  holdAlone?(fd: number, path: string): { inUse: boolean; why: string; loopDevices?: string[] } | undefined;
  /** Whether the lease holdAlone took is still unbroken: no other process has asked to open the file since. */
  stillAlone?(fd: number): boolean;
}

/**
 * A whole-file clone made but not yet given its final name (BackendExtensions.cloneNew). The
 * engine decides the name (its fail / rename / overwrite policy), then places the clone there.
 */
export interface PendingClone {
  /** The size of the new file, as read back from it. */
  readonly bytes: bigint;
  /** What the clone did not carry over (preallocated space), one sentence each; the report's notes. */
  readonly notes?: string[];
  /**
   * Give the clone the name `to`. Unless `replace`, an existing `to` is never replaced: this
   * throws a FsctlError with code EEXIST instead. Throws on failure, leaving the clone unplaced.
   * Returns sentences for the report on what a replaced file had that the new one could not be
   * given (extended attributes the kernel refused this user), if any.
   */
  place(to: string, replace: boolean): string[] | void;
  /** Release it; a clone that was not placed is removed (nothing is left). Call it always. */
  close(): void;
}

/** A whole-file copy made but not yet given its final name (BackendExtensions.copyNew). */
export interface PendingFile extends Omit<PendingClone, 'bytes'> {
  /** The copy's report (bytes copied, method, calls, notes). */
  readonly report: OperationReport;
}

/** Where a new file goes (destination.ts's ResolvedDestination is one). */
export interface NewFileTarget {
  /** The folder. */
  readonly dir: string;
  /** The final path, which errors name. */
  readonly final: string;
  /** A free temporary name in `dir`, for where a file cannot be made without a name. */
  readonly temp: string;
}

/** Physical bytes [start, end) and every file referencing them, named as ExtentOwnerQuery.fileKey names files. */
export interface OwnedStretch {
  start: bigint;
  end: bigint;
  owners: ReadonlySet<string>;
}

/**
 * Who references data blocks, where the file system can say (btrfs as root: btrfs-owners.ts; XFS
 * with the reverse-mapping btree as root: xfs-owners.ts). See space.ts.
 */
export interface ExtentOwnerQuery {
  /** The ioctl that names the owners, for notes ('BTRFS_IOC_LOGICAL_INO_V2'). */
  readonly method: string;
  /** How owners name the file at `path` (st_dev `dev`, inode `ino`): btrfs subvolume:inode, XFS the inode. */
  fileKey(path: string, dev: bigint, ino: bigint): string;
  /**
   * XFS: who references the physical bytes [start, end) of one extent of a file (FIEMAP physical
   * offsets): consecutive stretches covering them, block by block, each with its owners.
   * Cheapest when asked in ascending order of `start`. Throws an FsctlError whose message is
   * written for the person (the missing privilege, the missing feature) when owners cannot be named.
   */
  owners?(start: bigint, end: bigint): OwnedStretch[];
  /**
   * btrfs: the data extents of the files `inos` (ascending) of the subvolume of `path` (st_dev
   * `dev`), reference by reference in the order of the inodes then of file offsets (inodes in
   * between may come too), each with the extent's logical address and its size on disk (whole,
   * however little of it the file still references, and compressed where it is). What deleting
   * frees is counted from these (btrfs frees an extent only whole). Each reference also gives
   * its file offset and how many bytes of the extent it covers there, and whether the extent is
   * compressed. Throws like owners().
   */
  diskExtents?(
    path: string,
    dev: bigint,
    inos: BigUint64Array,
    each: (ino: bigint, bytenr: bigint, bytes: bigint, fileOffset: bigint, fileBytes: bigint, compressed: boolean) => void,
  ): void;
  /** btrfs: every file (fileKey names) referencing the extent at logical address `bytenr`. */
  referencesTo?(bytenr: bigint): ReadonlySet<string>;
  /**
   * btrfs: what to call the file `key` (a fileKey, e.g. one of referencesTo's, in a snapshot
   * outside the selection): a path that leads to it, checked; else its path from the file
   * system's top level with its subvolume, where that is not mounted; else "subvolume N, inode
   * M" (what `btrfs inspect-internal inode-resolve` takes). Never throws.
   */
  nameOf?(key: string): string;
  close(): void;
}

/**
 * What a space walk reports, file by file (src/engine/space.ts implements it: the accounting).
 * Positional arguments and no object per file: it is called for every file of big trees.
 */
export interface SpaceSink {
  /**
   * A regular file met, before it is mapped: false when it is not wanted (met already: a hard
   * link, walk.ts's FilesMet; or, for the dedupe search, too small), then it is not mapped.
   * `path`: the name it was met by.
   */
  meet(dev: bigint, ino: bigint, nlink: number, size: bigint, path: string): boolean;
  /**
   * The file met last, mapped (the map is read at once and not kept: its columns may be reused).
   * `heldOutside`: bytes its block count holds that a SEEK-only map cannot place (map-format.ts
   * heldOutsideExtents; 0n or absent for other maps). `allocationSize`: what the file holds where
   * its ranges say more (ExtentMap.allocationSize: an SMB file not marked sparse).
   */
  file(
    path: string,
    dev: bigint,
    ino: bigint,
    size: bigint,
    map: PackedExtents,
    source: MapSource,
    heldOutside?: bigint,
    allocationSize?: bigint,
  ): void;
  /** The file's size changed while it was mapped (it is being written): counted as mapped. */
  changed(path: string, before: bigint, after: bigint): void;
  /**
   * A folder met inside the walk, before it is opened: false when it is not walked (space: an
   * overlay mounted there whose files the selection counts through its layers). Absent: all are.
   */
  enter?(path: string): boolean;
  /** A symbolic link (never followed). */
  symlink(path: string): void;
  /** Neither a regular file, a folder nor a link (never opened for reading: a FIFO could block). */
  notRegular(path: string, kind: PathKind): void;
  /** A path that could not be read (an FsctlError or a node:fs error); the walk goes on. */
  error(path: string, e: unknown): void;
}

/** A walk in steps (the caller yields between them, so an AbortSignal can fire in-thread). */
export interface SpaceWalk {
  /** Visit up to `entries` folder entries; true when the walk is done. */
  step(entries: number): boolean;
  /** Release what is open (call it always, also after an error or a cancel). */
  close(): void;
}

/** One destination's outcome of a compare-and-share call (BackendExtensions.dedupeRange). */
export interface DedupeOutcome {
  /**
   * 'same' (equal, now shared), 'differs' (left alone), 'E_CANCELLED' (a cancel stopped the call:
   * `bytes` says what it shared first), or the OS error by name.
   */
  status: string;
  /** Bytes the file system shared for this destination. */
  bytes: bigint;
  /** For an error: the sentence to show. */
  message?: string;
  /**
   * For 'differs': how the difference was found. 'kernel': the file system's own compare
   * (FIDEDUPERANGE answered FILE_DEDUPE_RANGE_DIFFERS); 'compare': the backend's byte compare
   * before cloning (NT verify-then-clone). Absent: 'kernel'. The report names it; nothing reads
   * it from `message`.
   */
  differedBy?: 'kernel' | 'compare';
  /** Where in the destination the part left alone starts (NT: pieces before it were shared); absent: the call's start. */
  from?: bigint;
  /**
   * NT: the destination was marked sparse before its first clone, because its source is sparse:
   * a server refuses to clone a sparse file's blocks into a file that is not (STATUS_NOT_SUPPORTED,
   * MS-FSA), as Clone Range does. Its data and size are unchanged.
   */
  markedSparse?: boolean;
  /**
   * Share requests made for this destination (NT: one FSCTL_DUPLICATE_EXTENTS_TO_FILE per piece
   * it cloned). Absent: the call itself was one request for all its destinations (FIDEDUPERANGE).
   */
  requests?: number;
}

/** A streaming XXH3-128 (seed 0) hasher: the dedupe find's chunk keys (dedupe-hash.ts). */
export interface Xxh128Hasher {
  init(): Xxh128Hasher;
  update(data: Uint8Array | string): Xxh128Hasher;
  /** The 16-byte digest in canonical (big-endian) form, as XXH128_canonicalFromHash and hash-wasm give it. */
  digest(): Uint8Array;
}

export interface BackendExtensions {
  /**
   * A native XXH3-128 hasher where this machine has one (Linux: libxxhash), else undefined and
   * the engine hashes with WebAssembly; the digests are the same either way.
   */
  xxh128?(): Xxh128Hasher | undefined;
  /**
   * The space accounting's and the dedupe search's walk of the folder `dir` (recursive, links not
   * followed, names in sorted order, depth first), every regular file the sink meets mapped whole
   * and given to it. Where a backend has none, they walk with walk.ts (node:fs) and map with
   * extentMapPacked. Errors name `ctx.operation` where the context has one.
   */
  spaceWalk?(dir: string, sink: SpaceSink, ctx: OpContext): SpaceWalk | undefined;
  /**
   * Compare `length` bytes at `srcOffset` of `source` with each destination's and share them
   * where equal: Linux FIDEDUPERANGE (the kernel compares and shares atomically), one call; NT
   * verify-then-clone (nt/dedupe.ts). The engine keeps
   * within the per-call limits (dedupe-apply.ts). Throws a named FsctlError when the call as a
   * whole fails (the source cannot be opened, the file system cannot dedupe).
   */
  dedupeRange?(
    source: string,
    srcOffset: bigint,
    length: bigint,
    dests: { path: string; offset: bigint }[],
    ctx: OpContext,
  ): DedupeOutcome[] | Promise<DedupeOutcome[]>;
  /**
   * Whether the file `path` is nodatacow (btrfs, chattr +C): btrfs shares extents only between
   * files alike in that, so dedupe groups them apart. Absent where there is no such flag.
   */
  noCow?(path: string): boolean;
  /**
   * Of the btrfs subvolume holding `path`: whether it is read-only (a read-only snapshot) and was
   * made by `btrfs receive` (it has a received UUID); undefined where that cannot be told. Dedupe
   * asks it of files it may not change: on a read-only mount, remounting read-write alone leaves
   * such a snapshot read-only, and a received one is not to be made writable lightly.
   */
  subvolumeInfo?(path: string): { readOnly: boolean; received: boolean } | undefined;
  /**
   * Whether this user may change the file `path` (NT and SMB: it opens for writing; false on
   * STATUS_ACCESS_DENIED: a read-only share, a read-only file). Dedupe asks it of files on a share
   * (locally access(2) says: dedupe-read-only.ts); such a file is a group's source, never a destination.
   */
  writable?(path: string): Promise<boolean>;
  /**
   * Whether the server would refuse to delete the file `path` for this user (NT and SMB: opens that
   * change nothing, nt/probes.ts), with the NT status it would answer; undefined where it does not
   * say. Space accounting asks it of files on a share, where no access(2) can.
   */
  deletable?(path: string): Promise<{ refused: false } | { refused: true; code: string } | undefined>;
  /**
   * Whether the server clones from `source` into `target` (NT and SMB: a clone of 0 bytes):
   * false where it takes them for two volumes (Samba: two btrfs subvolumes or snapshots of one
   * share), undefined where it does not say. Dedupe groups files on a share by what it answers.
   */
  clonesBetween?(source: string, target: string): Promise<boolean | undefined>;
  /** Throws a named FsctlError (EOPNOTSUPP, E_UNSUPPORTED, ...) when the file system of the file `path` cannot dedupe. */
  dedupeSupport?(path: string): void | Promise<void>;
  /** Free bytes of the file system holding `path` (Linux: f_bfree × f_frsize after syncfs; NT: the volume's free bytes). */
  freeBytesSynced?(path: string): bigint | Promise<bigint>;
  /**
   * The file's attribute blocks on disk (Linux: FIEMAP_FLAG_XATTR): where each lies and its bytes;
   * undefined where the file system does not say. Space accounting asks it of ext4 files whose
   * block count holds more than their extents (the rest is their extent tree).
   */
  attributeBlocks?(path: string): Array<{ at: bigint; bytes: bigint }> | undefined;
  /** Inodes in use on the file system holding `path`, after syncfs (Linux: statfs f_files - f_ffree): the exact scan's check. */
  inodesInUseSynced?(path: string): bigint | Promise<bigint>;
  /**
   * Owner queries on the file system of `path`, or undefined where it cannot name owners; throws
   * where it could but cannot here (an FsctlError saying why: no rmapbt on XFS).
   */
  extentOwners?(path: string): ExtentOwnerQuery | undefined;
  /** Descriptor-level I/O for local hole-keeping copies and dig-holes. */
  io?: PositionalIo;
  /** File system name and block size only (no clone probe): what alignment checks need. */
  fsInfo?(path: string): Promise<{ filesystem: string; blockSize: number }>;
  /** A folder's entries without . and .. (SMB: QUERY_DIRECTORY), for walks where node:fs cannot go. */
  list?(path: string): Promise<Array<{ name: string; size: bigint; directory: boolean; attributes: number; fileId?: bigint }>>;
  /** What is at `path` (never throws for a missing path: kind 'missing'). */
  stat?(path: string): Promise<PathInfo>;
  /**
   * Throws the OS's refusal (ERROR_ACCESS_DENIED, STATUS_ACCESS_DENIED, ...) when `path`, an
   * existing file, cannot be opened for writing (NT: opened for writing and closed again). Overwrite
   * asks it first, where node's access(2) cannot answer (SMB) or answers less than the open would
   * (Windows: access() sees the read-only attribute, not the ACL).
   */
  checkWritable?(path: string): Promise<void>;
  /**
   * Whether the existing local file `path` is append-only (Linux: chattr +a), so a rename over it
   * will be refused; overwrite asks first, before any work. False where unknown.
   */
  appendOnly?(path: string): boolean;
  /** Rename; when `replace` is false it must fail with EEXIST rather than replace (no race). */
  rename?(from: string, to: string, replace: boolean): Promise<void>;
  /** Delete a file (best effort cleanup of temporaries). */
  remove?(path: string): Promise<void>;
  /** Read up to buf.length bytes at `offset`; returns the count read (0 at EOF). */
  read?(path: string, offset: bigint, buf: Uint8Array): Promise<number>;
  /**
   * Make `range` read as zeros, deallocating where possible; with `keepAllocated` (only where
   * `keepsAllocated`), keeping it allocated instead.
   */
  zeroRange?(path: string, range: ByteRange, ctx: OpContext, opts?: { keepAllocated?: boolean }): Promise<OperationReport>;
  /** zeroRange can keep the range allocated (Linux: FALLOC_FL_ZERO_RANGE). */
  readonly keepsAllocated?: boolean;
  /** extentMap with the extents packed (see PackedExtentMap). */
  extentMapPacked?(path: string, window: ByteRange | undefined, ctx: OpContext, limit?: MapLimit): Promise<PackedExtentMap>;
  /** Many windows of one file, each like extentMapPacked (one open for all: the sampled views). */
  extentMapPackedMany?(path: string, windows: ByteRange[], ctx: OpContext, limit?: MapLimit): Promise<PackedExtentMap[]>;
  /**
   * The whole-file clone in one synchronous step, without its final name yet: `source` into a
   * new file in the folder `to.dir` (unnamed where the OS allows it, else named `to.temp`).
   * Errors name `to.final`. On failure nothing is left.
   */
  cloneNew?(source: string, to: NewFileTarget, ctx: OpContext): PendingClone;
  /**
   * The whole-file copy without its final name yet, like cloneNew: `source` copied into a new
   * file in `to.dir` (unnamed where the OS allows it, so even a killed process leaves nothing),
   * in the kernel, or with `portable` by reading and writing. Errors name `to.final`.
   */
  copyNew?(source: string, to: NewFileTarget, ctx: OpContext, opts?: { portable?: boolean }): Promise<PendingFile>;
  /** Hole-keeping copy by the backend itself (used for the clone 'copy' fallback). */
  sparseCopy?(source: string, target: string, ctx: OpContext): Promise<OperationReport>;
}

export type ExtendedBackend = Backend & BackendExtensions;
