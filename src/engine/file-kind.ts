// What kind of thing is at a path, and the error for "not a regular file". Shared by every
// backend and by destination handling; no native code.

import type * as fs from 'node:fs';
import { shownPath } from './errno';
import { FsctlError } from './errors';
import type { Operation } from './types';
import type { PathKind } from './backend-ext';
import { isSmbPath } from './smb-path';

export function kindOf(st: fs.Stats | fs.BigIntStats): PathKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isSocket()) return 'socket';
  return 'other';
}

/** The kind from a raw st_mode / stx_mode (S_IFMT bits), for callers that stat through libc. */
export function kindOfMode(mode: number): PathKind {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o010000:
      return 'fifo';
    case 0o020000:
      return 'char-device';
    case 0o060000:
      return 'block-device';
    case 0o140000:
      return 'socket';
    default:
      return 'other';
  }
}

const KIND_WORDS: Record<PathKind, string> = {
  file: 'a regular file',
  directory: 'a directory',
  fifo: 'a FIFO (named pipe)',
  'char-device': 'a character device',
  'block-device': 'a block device',
  socket: 'a socket',
  other: 'not a regular file',
  missing: 'missing',
};

/** "a FIFO (named pipe)", "a socket", ...: what a path is, for messages. */
export function kindWord(kind: PathKind): string {
  return KIND_WORDS[kind];
}

/**
 * The error for "this path exists but is not a regular file". Directories keep the OS name EISDIR.
 * A missing path is named by the system's own code where it gave one (`missingCode`, PathInfo):
 * over SMB the server's status, as the other commands name it (a trial: `ranges` said
 * STATUS_OBJECT_NAME_NOT_FOUND where `punch` on the same path said ENOENT).
 */
export function notRegularError(operation: Operation, path: string, kind: PathKind, missingCode?: string): FsctlError {
  if (kind === 'missing')
    return new FsctlError({
      operation,
      code: missingCode ?? 'ENOENT',
      errno: missingCode ? undefined : 2,
      paths: [path],
      message: `${operation}: ${shownPath(path)} does not exist${isSmbPath(path) ? ' on the server' : ''} (${missingCode ?? 'ENOENT'}); check the path.`,
    });
  const code = kind === 'directory' ? 'EISDIR' : 'E_NOT_REGULAR';
  return new FsctlError({
    operation,
    code,
    errno: kind === 'directory' ? 21 : undefined,
    paths: [path],
    message: `${operation}: ${path} is ${KIND_WORDS[kind]}, not a regular file (${code}); choose a regular file.`,
  });
}
