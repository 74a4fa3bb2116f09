// How the SMB layer raises FsctlErrors. The protocol code does not know which engine
// operation it serves (a CREATE may be part of 'ranges' or 'clone'), so the SMB backend runs
// each operation inside `withOperation`, and errors raised below pick the name up from there.
// The same store carries the operation's cancellation (its OpContext), so a request that waits
// for the server can be cancelled while it waits (see SmbConnection.send).

import { AsyncLocalStorage } from 'node:async_hooks';
import type { OpContext } from '../../../backend';
import { FsctlError } from '../../../errors';
import type { Operation } from '../../../types';
import { ntStatusAdvice, ntStatusName } from '../../../nt/codec/ntstatus';

interface OperationScope {
  operation: Operation;
  /** The operation's context: `checkCancelled()` throws E_CANCELLED once the caller cancelled. */
  ctx?: OpContext;
}

const currentOperation = new AsyncLocalStorage<OperationScope>();

export function withOperation<T>(operation: Operation, fn: () => Promise<T>, ctx?: OpContext): Promise<T> {
  return currentOperation.run({ operation, ctx }, fn);
}

export function operationNow(): Operation {
  return currentOperation.getStore()?.operation ?? 'volume';
}

/** The OpContext of the engine operation this code runs for, if any. */
export function contextNow(): OpContext | undefined {
  return currentOperation.getStore()?.ctx;
}

/** An NTSTATUS failure of one SMB2 command, as an FsctlError named after the status. */
export class SmbStatusError extends FsctlError {
  readonly status: number;
  readonly command: string;
  constructor(status: number, command: string, paths: string[], where: string, message?: string) {
    const name = ntStatusName(status);
    super({
      operation: operationNow(),
      code: name,
      errno: status >>> 0,
      paths,
      syscall: `SMB2 ${command}`,
      message: message ?? capitalise(ntStatusAdvice(status, where) ?? `the server answered SMB2 ${command} on ${where} with ${name}.`),
    });
    this.status = status >>> 0;
    this.command = command;
  }
}

export function smbError(code: string, paths: string[], message: string, cause?: unknown, syscall?: string): FsctlError {
  return new FsctlError({ operation: operationNow(), code, paths, message, cause, syscall });
}

export function capitalise(s: string): string {
  if (/^smb:/i.test(s)) return s; // a sentence that starts with a URI keeps it as written
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A field of a server's reply that cannot be right (a length or offset past the end, a wrong
 * StructureSize). Decoders throw it without knowing the server or the command; `decodeReply`
 * turns it into an EPROTO FsctlError that names both.
 */
export class Malformed extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field} ${detail}`);
    this.name = 'Malformed';
  }
}

/** EPROTO for a malformed reply: names the server, the command and the field. */
export function protocolError(where: string, command: string, paths: string[], field: string, detail: string, cause?: unknown): FsctlError {
  return smbError(
    'EPROTO',
    paths,
    `The SMB server ${where} sent a malformed ${command} response (EPROTO): ${field} ${detail}. ` +
      'Nothing was read past the message; the server (or a device between it and this machine) does not follow SMB2. ' +
      'Retry, and if it repeats, check the server or pin another dialect with EXTENT_LENS_SMB_DIALECT (e.g. EXTENT_LENS_SMB_DIALECT=3.0.2 or 2.1).',
    cause,
    `SMB2 ${command}`,
  );
}

/**
 * Run a decoder over a server's reply. A Malformed field becomes EPROTO naming `command`; so
 * does any RangeError a decoder might still raise (a safety net: a reply must never surface as
 * Node's ERR_OUT_OF_RANGE).
 */
export function decodeReply<T>(where: string, command: string, paths: string[], fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Malformed) throw protocolError(where, command, paths, e.field, e.detail, e);
    if (e instanceof RangeError) throw protocolError(where, command, paths, 'a length or offset', `could not be read (${e.message})`, e);
    throw e;
  }
}
