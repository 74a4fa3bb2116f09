// The error of a range operation that writes an existing file in place (clone-range and its
// copy fallback, zero): which of the file's bytes changed before it stopped, and its size.

import * as fs from 'node:fs';
import { FsctlError, resaid } from './errors';

/** The size of an open file now (undefined when fstat fails). */
export function sizeOf(fd: number): bigint | undefined {
  try {
    return fs.fstatSync(fd, { bigint: true }).size;
  } catch {
    return undefined;
  }
}

/**
 * What a range operation wrote past the destination's old end is pure addition (no byte of it
 * existed before): cut off again after a failure (ENOSPC) or a cancel, so that the file is not
 * left grown by part of the range and the file system full. Only growth this operation made (up
 * to `touchedEnd`): a file another writer extended meanwhile keeps what they wrote. Returns the
 * bytes cut off (0n: none) and the size now (undefined when fstat fails), for inPlaceError.
 */
function cutBackGrowth(
  fd: number,
  sizeBefore: bigint,
  touchedEnd: bigint,
  truncate: (size: bigint) => void,
): { cut: bigint; sizeNow: bigint | undefined } {
  const sizeNow = sizeOf(fd);
  if (sizeNow === undefined || sizeNow <= sizeBefore || sizeNow > touchedEnd) return { cut: 0n, sizeNow };
  try {
    truncate(sizeBefore);
  } catch {
    return { cut: 0n, sizeNow }; // (not cut back: the error says how far the size grew)
  }
  return { cut: sizeNow - sizeBefore, sizeNow: sizeBefore };
}

/**
 * An error of a range operation that writes into an existing destination in place, rewritten to
 * say which of its bytes changed before it stopped: exactly [start, start + done) after a
 * cancel (checked between calls), up to `touchedEnd` after a failure (a write may have been in
 * flight). With nothing written the error is returned as it is. `sizeAfter`, when measured,
 * says whether the size grew (measured, not "may have"). `cutBack`: bytes the file had grown by
 * that were cut off again (its size put back to `sizeBefore`): only bytes below that changed.
 */
export function inPlaceError(
  e: unknown,
  target: string,
  sizeBefore: bigint | undefined,
  start: bigint,
  done: bigint,
  touchedEnd: bigint,
  what: string,
  sizeAfter?: bigint,
  cutBack = 0n,
): unknown {
  if (!(e instanceof FsctlError)) return e;
  const cancelled = e.code === 'E_CANCELLED';
  const head = cancelled ? `${e.operation} was cancelled (E_CANCELLED)` : e.message.replace(/\.$/, '');
  const cut =
    cutBack > 0n && sizeBefore !== undefined
      ? `the ${cutBack} bytes it had grown by were cut off again (its size is ${sizeBefore} bytes, as before)`
      : '';
  if (cut) {
    if (touchedEnd > sizeBefore!) touchedEnd = sizeBefore!;
    if (start + done > sizeBefore!) done = sizeBefore! > start ? sizeBefore! - start : 0n;
    if (touchedEnd <= start) return resaid(e, { message: `${head}; ${target} is unchanged: ${cut}.` });
  }
  if (touchedEnd <= start) return e;
  const grew =
    sizeBefore === undefined
      ? ''
      : sizeAfter !== undefined
        ? sizeAfter > sizeBefore
          ? `, and its size grew from ${sizeBefore} to ${sizeAfter} bytes`
          : ''
        : touchedEnd > sizeBefore
          ? `, and its size may have grown from ${sizeBefore} bytes`
          : '';
  const changed = cancelled
    ? `bytes ${start} to ${start + done} of ${target} already hold ${what} (${done} bytes); the rest of ${target} is unchanged${grew}`
    : `${target} was being changed in place: bytes ${start} to ${touchedEnd} of it may have changed${grew}; the rest is unchanged`;
  return resaid(e, { message: `${head}; ${changed}${cut ? `; ${cut}` : ''}.` });
}

/** inPlaceError for an operation that had `dst` open: its growth past the old end cut off first (cutBackGrowth). */
export function inPlaceFailure(
  e: unknown,
  target: string,
  dst: { fd: number; stat: { size: bigint } } | undefined,
  start: bigint,
  done: bigint,
  touchedEnd: bigint,
  what: string,
  truncate: (fd: number, size: bigint) => void,
): unknown {
  const grown = dst ? cutBackGrowth(dst.fd, dst.stat.size, touchedEnd, (n) => truncate(dst.fd, n)) : undefined;
  return inPlaceError(e, target, dst?.stat.size, start, done, touchedEnd, what, grown?.sizeNow, grown?.cut);
}
