// Turning transport outcomes and facts into FsctlErrors: the OS code by NAME (ERROR_NOT_SUPPORTED,
// STATUS_BUFFER_TOO_SMALL) plus one sentence a person can act on. Shared by every NT algorithm.

import { FsctlError } from '../errors';
import type { Operation } from '../types';
import { FSCTL, fsctlName } from './codec/fsctl-codes';
import { ntStatusSentence } from './codec/ntstatus';
import { win32ErrorSentence } from './codec/win32-errors';
import type { FsctlOutcome, NtTransport } from './transport';

/** The native call as people know it: DeviceIoControl on Windows, an SMB2 IOCTL remotely. */
export function syscallName(t: NtTransport, code: number): string {
  return `${t.kind === 'win32' ? 'DeviceIoControl' : 'SMB2 IOCTL'}(${fsctlName(code)})`;
}

/** The sentence for an outcome's code, whichever family (Win32 error or NTSTATUS) it belongs to. */
export function outcomeSentence(o: Pick<FsctlOutcome, 'code' | 'codeName'>): string {
  return o.codeName.startsWith('STATUS_') ? ntStatusSentence(o.code) : win32ErrorSentence(o.code);
}

/** What "not supported" means for each FSCTL (the generic Win32 sentence is about cloning). */
const NOT_SUPPORTED_ADVICE: Record<number, string> = {
  [FSCTL.FSCTL_QUERY_ALLOCATED_RANGES]: 'this file system or server does not implement allocated-range queries',
  [FSCTL.FSCTL_SET_ZERO_DATA]:
    'this file system or server cannot zero or deallocate ranges, so no hole can be made here (extent-lens zero writes zeros over a range instead)',
  [FSCTL.FSCTL_SET_SPARSE]: 'this file system or server does not support sparse files',
  [FSCTL.FSCTL_SRV_REQUEST_RESUME_KEY]:
    'this file system or server has no server-side copy (resume keys exist only on SMB shares); use a regular copy',
  [FSCTL.FSCTL_SRV_COPYCHUNK_WRITE]: 'this server does not implement server-side copy; use a regular copy',
};

/** An FsctlError for a failed FSCTL: "<FSCTL> on <path> failed with <CODE>: <what to do>." */
export function fsctlFailure(
  t: NtTransport,
  operation: Operation,
  code: number,
  o: FsctlOutcome,
  paths: string[],
  advice?: string,
): FsctlError {
  const sentence = advice ?? (o.kind === 'not-supported' ? NOT_SUPPORTED_ADVICE[code] : undefined) ?? outcomeSentence(o);
  return new FsctlError({
    operation,
    code: o.codeName,
    errno: o.code,
    paths,
    syscall: syscallName(t, code),
    // Two paths: source and destination (duplicate extents, copychunk), sent on the destination.
    message: `${fsctlName(code)} ${paths.length === 2 ? `from ${paths[0]} to ${paths[1]}` : `on ${paths[0] ?? '?'}`} failed with ${o.codeName}: ${sentence}.`,
  });
}

/**
 * Errors thrown by transport methods other than fsctl() (open, setEndOfFile, read, ...). The
 * transports throw FsctlError already; anything else is wrapped so callers always get one.
 */
export function asFsctlError(e: unknown, operation: Operation, paths: string[], what: string): FsctlError {
  if (e instanceof FsctlError) {
    // Transports do not know the operation; re-home the error so the report names the right one.
    if (e.operation === operation) return e;
    return new FsctlError({
      operation,
      code: e.code,
      errno: e.errno,
      paths: e.paths.length ? e.paths : paths,
      syscall: e.syscall,
      message: e.message,
      cause: e,
    });
  }
  const err = e as { code?: unknown; message?: unknown };
  return new FsctlError({
    operation,
    code: typeof err?.code === 'string' ? err.code : 'E_UNSUPPORTED',
    paths,
    syscall: what,
    message: `${what} on ${paths[0] ?? '?'} failed: ${typeof err?.message === 'string' ? err.message : String(e)}.`,
    cause: e,
  });
}

export function engineError(operation: Operation, code: string, paths: string[], message: string): FsctlError {
  return new FsctlError({ operation, code, paths, message });
}

export function now(): number {
  return performance.now();
}

export function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}
