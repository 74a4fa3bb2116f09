// Errors are values with meaning: which operation failed, on which path(s), the OS code by
// name (EXDEV, ERROR_BLOCK_TOO_MANY_REFERENCES, STATUS_INVALID_PARAMETER) and one sentence a
// person can act on. Every layer above (worker, CLI, extension, webview) shows `message`
// as is and may branch on `code`.

import type { Operation } from './types';

interface FsctlErrorInit {
  operation: Operation;
  /** OS code name ('EXDEV', 'ERROR_NOT_SUPPORTED', 'STATUS_ACCESS_DENIED') or an engine code ('E_…', docs/ENGINE.md "Errors"). */
  code: string;
  /** Numeric OS code when there is one (errno, Win32 error, NTSTATUS). */
  errno?: number;
  /** The paths involved, each once (a clone within one file names it once). */
  paths: string[];
  /** One sentence a person can act on; it should name `code`. */
  message: string;
  /** The native call that failed ('ioctl(FICLONE)', 'DeviceIoControl(FSCTL_QUERY_ALLOCATED_RANGES)'). */
  syscall?: string;
  /** The request's option refused before any call (see FsctlError.refusedOption). */
  refusedOption?: RefusedOption;
  cause?: unknown;
}

/** An option of a request that this OS or backend cannot honour: 'atomic' (an all-or-nothing clone-range). */
export type RefusedOption = 'atomic';

export class FsctlError extends Error {
  readonly operation: Operation;
  readonly code: string;
  readonly errno?: number;
  readonly paths: string[];
  readonly syscall?: string;
  /**
   * Set where the engine refused an option of the request before any call, since this OS or
   * backend cannot honour it (--atomic on Linux): a caller that asked for it branches on this
   * (the CLI: a usage error), never on the message, whose words may change.
   */
  readonly refusedOption?: RefusedOption;

  constructor(init: FsctlErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'FsctlError';
    this.operation = init.operation;
    this.code = init.code;
    this.errno = init.errno;
    // (a kernel error of a clone within one file gave ["a.bin", "a.bin"], the engine's own ["a.bin"]: a trial)
    this.paths = [...new Set(init.paths)];
    this.syscall = init.syscall;
    if (init.refusedOption !== undefined) this.refusedOption = init.refusedOption;
  }

  /** Plain data, for postMessage between worker, host and webview (Error does not clone well). */
  toJSON(): SerializedFsctlError {
    return {
      name: 'FsctlError',
      operation: this.operation,
      code: this.code,
      errno: this.errno,
      paths: this.paths,
      syscall: this.syscall,
      ...(this.refusedOption !== undefined ? { refusedOption: this.refusedOption } : {}),
      message: this.message,
    };
  }

  static fromJSON(e: SerializedFsctlError): FsctlError {
    return new FsctlError(e);
  }
}

export interface SerializedFsctlError {
  name: 'FsctlError';
  operation: Operation;
  code: string;
  errno?: number;
  paths: string[];
  syscall?: string;
  refusedOption?: RefusedOption;
  message: string;
}

/**
 * The same error said again (more said, other paths named, or named after the operation asked
 * for: a backend call made for dig-holes is not the operation the person ran); the original is its cause.
 */
export function resaid(e: FsctlError, change: { message?: string; paths?: string[]; operation?: Operation }): FsctlError {
  return new FsctlError({
    operation: change.operation ?? e.operation,
    code: e.code,
    errno: e.errno,
    syscall: e.syscall,
    refusedOption: e.refusedOption,
    paths: change.paths ?? e.paths,
    message: change.message ?? e.message,
    cause: e,
  });
}

/**
 * What a clone call answers for a source on another volume than its destination: Linux EXDEV;
 * SMB and Windows say the source handle is not valid there (MS-FSCC 2.3.8; Samba takes each
 * btrfs subvolume and snapshot for a volume of its own), or not the same device.
 */
export const CROSS_VOLUME_CODES: ReadonlySet<string> = new Set([
  'EXDEV',
  'STATUS_INVALID_HANDLE',
  'ERROR_INVALID_HANDLE',
  'STATUS_NOT_SAME_DEVICE',
  'ERROR_NOT_SAME_DEVICE',
]);

export function isFsctlError(e: unknown): e is FsctlError {
  return e instanceof FsctlError;
}

export function isCancelled(e: unknown): boolean {
  return isFsctlError(e) && e.code === 'E_CANCELLED';
}

/**
 * Operations that only read (dedupe's search too; its sharing reports what it did instead), and
 * those that work in place (dig-holes, clone-range, punch, zero, set-sparse): cancelled before
 * they change anything they changed nothing (after that, their own errors say what changed),
 * where "nothing was left behind" read as a rollback of a file that was never made.
 */
const CHANGES_NOTHING: ReadonlySet<Operation> = new Set<Operation>([
  'map',
  'ranges',
  'volume',
  'space',
  'dedupe',
  'dig-holes',
  'clone-range',
  'punch',
  'zero',
  'set-sparse',
]);

/** The error to throw when an AbortSignal fires; callers clean up before rethrowing. */
export function cancelledError(operation: Operation, paths: string[]): FsctlError {
  return new FsctlError({
    operation,
    code: 'E_CANCELLED',
    paths,
    message: `${operation} was cancelled (E_CANCELLED); nothing was ${CHANGES_NOTHING.has(operation) ? 'changed' : 'left behind'}.`,
  });
}
