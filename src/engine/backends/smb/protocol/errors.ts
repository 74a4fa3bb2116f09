// How the SMB layer raises FsctlErrors. The protocol code does not know which engine
// operation it serves (a CREATE may be part of 'ranges' or 'clone'), so the SMB backend runs
// each operation inside `withOperation`, and errors raised below pick the name up from there.

import { AsyncLocalStorage } from 'node:async_hooks';
import { FsctlError } from '../../../errors';
import type { Operation } from '../../../types';
import { statusAdvice, statusName } from './status';

const currentOperation = new AsyncLocalStorage<Operation>();

export function withOperation<T>(operation: Operation, fn: () => Promise<T>): Promise<T> {
  return currentOperation.run(operation, fn);
}

export function operationNow(): Operation {
  return currentOperation.getStore() ?? 'volume';
}

/** An NTSTATUS failure of one SMB2 command, as an FsctlError named after the status. */
export class SmbStatusError extends FsctlError {
  readonly status: number;
  readonly command: string;
  constructor(status: number, command: string, paths: string[], where: string, message?: string) {
    const name = statusName(status);
    super({
      operation: operationNow(),
      code: name,
      errno: status >>> 0,
      paths,
      syscall: `SMB2 ${command}`,
      message: message ?? capitalise(statusAdvice(status, where) ?? `the server answered SMB2 ${command} on ${where} with ${name}.`),
    });
    this.status = status >>> 0;
    this.command = command;
  }
}

export function smbError(code: string, paths: string[], message: string, cause?: unknown): FsctlError {
  return new FsctlError({ operation: operationNow(), code, paths, message, cause });
}

export function capitalise(s: string): string {
  if (/^smb:/i.test(s)) return s; // a sentence that starts with a URI keeps it as written
  return s.charAt(0).toUpperCase() + s.slice(1);
}
