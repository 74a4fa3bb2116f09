// Optional extras a backend may offer beyond the Backend contract (src/engine/backend.ts). The
// engine uses each one when present and otherwise falls back (or says the operation is not
// supported there). The SMB backend can implement `stat`/`rename`/`remove`/`read` so that the
// engine's temp-name-then-rename safety and dig-holes also work on smb:// paths.

import type { Backend, OpContext } from './backend';
import type { PackedExtents } from './backends/linux/codec';
import type { ByteRange, ExtentMap, OperationReport } from './types';

export type PathKind = 'file' | 'directory' | 'fifo' | 'char-device' | 'block-device' | 'socket' | 'other' | 'missing';

export interface PathInfo {
  kind: PathKind;
  size: bigint;
  /** Identity of the file (dev:ino locally); equal ids = the same file. */
  fileId?: string;
  /** Identity of the volume (st_dev locally). */
  volumeId?: string;
}

/** An ExtentMap whose extents travel in columnar form (fast across threads). */
export interface PackedExtentMap extends Omit<ExtentMap, 'extents'> {
  packed: PackedExtents;
}

/** A bound on how much of a map to read (the inspector's queries of huge files). */
export interface MapLimit {
  /** Stop after this many extents (from the window start); see PackedExtentMap.truncatedAt. */
  maxExtents?: number;
}

/**
 * Apply a MapLimit to a map read in full (backends whose paging cannot stop early): keep the
 * first `maxExtents` extents and mark where the exact part ends.
 */
export function limitPackedMap(m: PackedExtentMap, maxExtents: number | undefined): PackedExtentMap {
  const p = m.packed;
  if (maxExtents === undefined || p.count <= maxExtents) return m;
  const n = maxExtents;
  const end = BigInt.asUintN(64, p.offset[n - 1]) + BigInt.asUintN(64, p.length[n - 1]);
  return {
    ...m,
    packed: { count: n, offset: p.offset.slice(0, n), length: p.length.slice(0, n), physical: p.physical.slice(0, n), flags: p.flags.slice(0, n) },
    truncatedAt: end,
  };
}

/** Positional I/O on descriptors with exact 64-bit offsets (node's fs.writeSync ignores bigint positions). */
export interface PositionalIo {
  pread(fd: number, buf: Uint8Array, length: number, offset: bigint, path: string): number;
  pwrite(fd: number, buf: Uint8Array, length: number, offset: bigint, path: string): number;
  ftruncate(fd: number, size: bigint, path: string): void;
  /** Deallocate [offset, offset+length) keeping the size. */
  punch?(fd: number, offset: bigint, length: bigint, path: string): void;
  /** File system block size of the file behind `fd`. */
  blockSize?(fd: number, path: string): number;
}

/**
 * A whole-file clone made but not yet given its final name (BackendExtensions.cloneNew). The
 * engine decides the name (its fail / rename / overwrite policy), then places the clone there.
 */
export interface PendingClone {
  /** The size of the new file, as read back from it. */
  readonly bytes: bigint;
  /**
   * Give the clone the name `to`. Unless `replace`, an existing `to` is never replaced: this
   * throws a FsctlError with code EEXIST instead. Throws on failure, leaving the clone unplaced.
   */
  place(to: string, replace: boolean): void;
  /** Release it; a clone that was not placed is removed (nothing is left). Call it always. */
  close(): void;
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

export interface BackendExtensions {
  /** Descriptor-level I/O for local hole-keeping copies and dig-holes. */
  io?: PositionalIo;
  /** File system name and block size only (no clone probe): what alignment checks need. */
  fsInfo?(path: string): Promise<{ filesystem: string; blockSize: number }>;
  /** What is at `path` (never throws for a missing path: kind 'missing'). */
  stat?(path: string): Promise<PathInfo>;
  /** Rename; when `replace` is false it must fail with EEXIST rather than replace (no race). */
  rename?(from: string, to: string, replace: boolean): Promise<void>;
  /** Delete a file (best effort cleanup of temporaries). */
  remove?(path: string): Promise<void>;
  /** Read up to buf.length bytes at `offset`; returns the count read (0 at EOF). */
  read?(path: string, offset: bigint, buf: Uint8Array): Promise<number>;
  /** Make `range` read as zeros, deallocating where possible. */
  zeroRange?(path: string, range: ByteRange, ctx: OpContext): Promise<OperationReport>;
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
  /** Hole-keeping copy by the backend itself (used for the clone 'copy' fallback). */
  sparseCopy?(source: string, target: string, ctx: OpContext): Promise<OperationReport>;
}

export type ExtendedBackend = Backend & BackendExtensions;
