// Opening files safely for native calls: check the type BEFORE open (a FIFO or a character
// device must never block the engine), open with O_NONBLOCK anyway (the path may change between
// the check and the open), and confirm the type again with fstat on the descriptor.

import * as fs from 'node:fs';
import { nodeFsError } from '../../errno';
import { osPath } from '../../os-path';
import type { Operation } from '../../types';
import { kindOf, notRegularError } from '../../file-kind';

export { kindOf, notRegularError };

export interface OpenFile {
  fd: number;
  path: string;
  /** fstat of the open file (not filled for 'create-new': the file is new and empty). */
  stat: fs.BigIntStats;
}

type OpenMode = 'read' | 'read-write' | 'create-new';

/** stat() that follows symlinks and maps failures to named FsctlErrors. */
export function statPath(operation: Operation, path: string): fs.BigIntStats {
  try {
    return fs.statSync(osPath(path), { bigint: true });
  } catch (e) {
    throw nodeFsError(operation, e, [path]);
  }
}

/** stat() for the type only (numbers, not bigints): no size or offset is read from it. */
function statKind(operation: Operation, path: string): fs.Stats {
  try {
    return fs.statSync(osPath(path));
  } catch (e) {
    throw nodeFsError(operation, e, [path]);
  }
}

export function openRegular(operation: Operation, path: string, mode: OpenMode, createMode = 0o600): OpenFile {
  const c = fs.constants;
  if (mode !== 'create-new') {
    // Only the type matters before the open (the exact size comes from the bigint fstat
    // below): a plain stat skips building ~18 BigInt fields on every clone (~µs each call).
    const st = statKind(operation, path);
    const kind = kindOf(st);
    if (kind !== 'file') throw notRegularError(operation, path, kind);
  }
  const flags =
    mode === 'read'
      ? c.O_RDONLY | c.O_NONBLOCK
      : mode === 'read-write'
        ? c.O_RDWR | c.O_NONBLOCK
        : c.O_RDWR | c.O_CREAT | c.O_EXCL | c.O_NONBLOCK;
  let fd: number;
  try {
    fd = fs.openSync(osPath(path), flags, createMode);
  } catch (e) {
    throw nodeFsError(operation, e, [path]);
  }
  // A file this call just created with O_EXCL is a regular file: skip the second fstat there
  // (clone latency is a handful of syscalls, each one counts).
  if (mode === 'create-new') return { fd, path, stat: undefined as unknown as fs.BigIntStats };
  const stat = fs.fstatSync(fd, { bigint: true });
  const kind = kindOf(stat);
  if (kind !== 'file') {
    fs.closeSync(fd);
    throw notRegularError(operation, path, kind);
  }
  return { fd, path, stat };
}

export function closeQuietly(f: OpenFile | number | undefined): void {
  if (f === undefined) return;
  try {
    fs.closeSync(typeof f === 'number' ? f : f.fd);
  } catch {
    /* already closed */
  }
}

export function unlinkQuietly(path: string): void {
  try {
    fs.unlinkSync(osPath(path));
  } catch {
    /* gone already */
  }
}

/**
 * Open `source` for reading, create `target` (which must not exist; created with the source's
 * 0777 bits, so the kernel applies the umask and set-id bits are dropped, as cp does) and run
 * `fill`. If anything fails, the new target is closed and unlinked, so nothing of it is left;
 * both files are closed at the end either way.
 */
export async function intoNewLocalFile<T>(
  operation: Operation,
  source: string,
  target: string,
  fill: (src: OpenFile, dst: OpenFile) => T | Promise<T>,
): Promise<T> {
  const src = openRegular(operation, source, 'read');
  let dst: OpenFile | undefined;
  try {
    dst = openRegular(operation, target, 'create-new', Number(src.stat.mode & 0o777n));
    return await fill(src, dst);
  } catch (e) {
    if (dst) {
      closeQuietly(dst);
      dst = undefined;
      unlinkQuietly(target);
    }
    throw e;
  } finally {
    closeQuietly(src);
    closeQuietly(dst);
  }
}
