// The --offset/--length window shared by `ranges` and `map`.

import type { ByteRange } from '../engine';
import { INT64_MAX, parseSize } from './numbers';
import { UsageError } from './usage-error';

/**
 * undefined when neither option is given (the whole file). A window with only --offset runs
 * to the largest offset (the engine clips it at end of file); only --length starts at 0.
 */
export function windowFrom(values: Record<string, string | boolean | undefined>): ByteRange | undefined {
  const o = values.offset;
  const l = values.length;
  if (o === undefined && l === undefined) return undefined;
  const offset = typeof o === 'string' ? parseSize(o, '--offset') : 0n;
  const length = typeof l === 'string' ? parseSize(l, '--length') : INT64_MAX - offset;
  if (offset + length > INT64_MAX) {
    throw new UsageError(`--offset + --length (${offset} + ${length}) ends past the largest file size, 2^63 - 1 bytes.`);
  }
  return { offset, length };
}

export const WINDOW_OPTIONS = {
  offset: { type: 'string' as const, value: 'N', help: 'start of the window to scan (default 0); 4k, 1MiB, 0x1000 ...' },
  length: { type: 'string' as const, value: 'N', help: 'length of the window (default: to end of file)' },
};

/**
 * The window for a header line: '' for the whole file, ", window A..B", or ", window A..end of
 * file" for one given by --offset alone (it runs to the largest offset: to the file's end,
 * whatever its size when it is read).
 */
export function windowText(w: ByteRange | undefined, size: bigint): string {
  if (!w || (w.offset === 0n && w.offset + w.length >= size)) return '';
  const end = w.offset + w.length;
  return `, window ${w.offset}..${end === INT64_MAX ? 'end of file' : end}`;
}
