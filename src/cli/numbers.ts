// Byte counts and offsets given on the command line: the byte-size grammar of
// src/protocol/byte-size.ts (shared with the extension), with the CLI's usage errors.

import { INT64_MAX, parseByteSize } from '../protocol/byte-size';
import { UsageError } from './usage-error';

export { INT64_MAX };

/**
 * Parse a non-negative byte count or offset. `what` names the argument in the error
 * ("--offset", "LENGTH") so the person knows which one to fix.
 */
export function parseSize(text: string, what: string): bigint {
  const parsed = parseByteSize(text);
  if ('value' in parsed) return parsed.value;
  if (parsed.error === 'negative') throw new UsageError(`${what}: ${text} is negative; offsets and sizes start at 0.`);
  if (parsed.error === 'minus-zero') throw new UsageError(`${what}: ${text} has a minus sign; offsets and sizes take none (write 0).`);
  if (parsed.error === 'too-large') {
    throw new UsageError(`${what}: ${text} is larger than the largest file offset, 2^63 - 1 (${INT64_MAX}).`);
  }
  if (parsed.error === 'separator-and-suffix') {
    throw new UsageError(
      `${what}: "${text}" has a comma or point before its unit, read as neither a digit group nor a decimal one; write it without, in a smaller unit for a fraction (1536k for 1.5M), or the bytes in full ("1,048,576 bytes": commas group the digits of a plain byte count only).`,
    );
  }
  throw new UsageError(
    `${what}: "${text}" is not a byte count; use a decimal number, 0x hex, or a suffix such as 4k, 1MiB, 2G (binary) or 1MB (decimal).`,
  );
}

/** Parse a small positive integer (a block size, a count): these are numbers, not offsets. */
export function parseCount(text: string, what: string): number {
  const v = parseSize(text, what);
  if (v === 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new UsageError(`${what}: ${text} must be a positive whole number below 2^53.`);
  }
  return Number(v);
}
