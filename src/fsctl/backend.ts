// One interface that every backend implements (Linux, Windows, macOS, SMB), and the single
// place that chooses one. Callers never test the platform themselves.
//
// Backends provide primitives on paths. Policy (destination naming, temporary files, rename
// at the end, cleanup on failure or cancel, copy fallback) lives once in the engine, above
// them (src/fsctl/engine.ts), so every backend gets the same safety rules.

import type {
  ByteRange,
  ExtentMap,
  OperationReport,
  Progress,
  RangesResult,
  VolumeInfo,
} from './types';

/**
 * Passed into every backend call. Backend loops call `checkCancelled()` between native calls
 * (it throws FsctlError E_CANCELLED) and `progress()` as work completes. In the worker thread
 * cancellation is a SharedArrayBuffer flag, so a synchronous native loop sees it at once.
 */
export interface OpContext {
  checkCancelled(): void;
  progress(p: Progress): void;
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

/** True for paths the SMB backend handles (smb://user@host[:port]/share/path). */
export function isSmbPath(path: string): boolean {
  // The first letter alone settles nearly every local path without the (case-insensitive)
  // regex: the clone fast path asks this between system calls (bench/NOTES.md).
  return (path.charCodeAt(0) | 0x20) === 0x73 && /^smb:\/\//i.test(path);
}

let local: Backend | undefined;

/**
 * The backend for `path`: the SMB backend for smb:// URIs, otherwise this OS's backend.
 * Backends are loaded lazily so koffi loads on first use, not at activation.
 */
export async function backendFor(path: string): Promise<Backend> {
  if (isSmbPath(path)) {
    const { smbBackend } = await import('../smb/backend');
    return smbBackend();
  }
  return localBackend();
}

export function localBackend(): Backend {
  if (local) return local;
  switch (process.platform) {
    case 'linux':
      local = (require('./linux') as typeof import('./linux')).createLinuxBackend();
      break;
    case 'win32':
      local = (require('./win32') as typeof import('./win32')).createWin32Backend();
      break;
    case 'darwin':
      local = (require('./darwin') as typeof import('./darwin')).createDarwinBackend();
      break;
    default:
      throw new Error(`Extent Lens has no backend for ${process.platform}`);
  }
  return local;
}
