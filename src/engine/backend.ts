// The one interface every backend implements (Linux, Windows, macOS, SMB). The one place that
// chooses a backend is select-backend.ts; callers never test the platform themselves.
//
// Backends provide primitives on paths. Policy (destination naming, temporary files, rename
// at the end, cleanup on failure or cancel, copy fallback) lives once in the engine, above
// them (src/engine/engine.ts), so every backend gets the same safety rules.

import type { ByteRange, ExtentMap, Operation, OperationReport, Progress, RangesResult, VolumeInfo } from './types';

/**
 * Passed into every backend call. Backend loops call `checkCancelled()` between native calls
 * (it throws FsctlError E_CANCELLED) and `progress()` as work completes. In the worker thread
 * cancellation is a SharedArrayBuffer flag, so a synchronous native loop sees it at once.
 */
export interface OpContext {
  checkCancelled(): void;
  progress(p: Progress): void;
  /** The operation its errors name, where the caller says (the engine's contexts do). */
  readonly operation?: Operation;
}

/**
 * `ctx` for a step whose own progress is not the operation's (a FIEMAP inside a copy, a punch
 * inside dig-holes, a file's map inside dedupe): a cancel still reaches it.
 */
export function quietContext<T extends OpContext>(ctx: T): T {
  return withProgress(ctx, () => undefined);
}

/** `ctx` with its progress told by `progress` instead (a step's progress worded as the operation's). */
export function withProgress<T extends OpContext>(ctx: T, progress: (p: Progress) => void): T {
  return Object.assign(Object.create(ctx) as T, { progress });
}

export interface Backend {
  /** 'linux' | 'win32' | 'darwin' | 'smb' */
  readonly name: string;

  /** Data ranges of `path` within `window` (whole file when omitted). */
  allocatedRanges(path: string, window: ByteRange | undefined, ctx: OpContext): Promise<RangesResult>;

  /** Extents with flags and physical offsets where the OS gives them. */
  extentMap(path: string, window: ByteRange | undefined, ctx: OpContext): Promise<ExtentMap>;

  /** File system name, block size, sparse and clone support (real evidence, never guesses). */
  volume(path: string): Promise<VolumeInfo>;

  /**
   * Clone all of `source` into `target`, a path that does not exist yet (the engine's temporary
   * name in the destination folder). Throws FsctlError when the file system cannot clone.
   * The backend removes `target` again if it fails part way.
   */
  cloneFile(source: string, target: string, ctx: OpContext): Promise<OperationReport>;

  /**
   * True where cloneRange honours `atomic` (all or nothing: FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX
   * with SOURCE_ATOMIC, Windows and SMB). Elsewhere the engine refuses `atomic` before any call:
   * Linux's FICLONERANGE has no such mode (a failure part way leaves part of the range shared).
   */
  readonly atomicCloneRange?: boolean;

  /**
   * Clone `length` bytes at `sourceOffset` of `source` to `targetOffset` of `target` (an
   * existing file; it may be `source` itself). Alignment and overlap are checked by the engine
   * before this is called; the backend still maps OS errors to named FsctlErrors.
   */
  cloneRange(
    source: string,
    sourceOffset: bigint,
    target: string,
    targetOffset: bigint,
    length: bigint,
    opts: { atomic?: boolean },
    ctx: OpContext,
  ): Promise<OperationReport>;

  /**
   * In-kernel or server-side copy of all of `source` into `target` (does not exist yet):
   * copy_file_range on Linux, copychunk on SMB/Windows, fcopyfile on macOS.
   */
  copyFile(source: string, target: string, ctx: OpContext): Promise<OperationReport>;

  /** Deallocate `range` (reads as zeros afterwards); the file size does not change. */
  punchHole(path: string, range: ByteRange, ctx: OpContext): Promise<OperationReport>;

  /** Mark a file sparse or not (Windows/SMB); a no-op report elsewhere. */
  setSparse(path: string, sparse: boolean, ctx: OpContext): Promise<OperationReport>;
}
