// Exact parsing of byte counts and offsets given on the command line.
//
// Every value is a bigint: an offset such as 2^60 + 1 must reach the engine unchanged, so no
// string ever passes through Number. Accepted forms (case-insensitive suffixes):
//   1048576          plain decimal (underscores allowed as separators: 1_048_576)
//   0x100000         hexadecimal
//   4k  4K  4KiB     binary multiples: k, m, g, t, p, e (with optional "i"/"iB")
//   4KB  1MB         SI multiples (powers of 1000), as in coreutils
//   512b  8s         "b" = bytes (explicit), "s" = 512-byte sectors
// The result must lie in [0, 2^63 - 1] (off_t / LARGE_INTEGER): larger values are refused
// here rather than wrapped negative by the kernel.

import { UsageError } from './usage-error';

export const INT64_MAX = (1n << 63n) - 1n;

const BINARY: Record<string, bigint> = {
  k: 1n << 10n,
  m: 1n << 20n,
  g: 1n << 30n,
  t: 1n << 40n,
  p: 1n << 50n,
  e: 1n << 60n,
};

const SI: Record<string, bigint> = {
  k: 1000n,
  m: 1000n ** 2n,
  g: 1000n ** 3n,
  t: 1000n ** 4n,
  p: 1000n ** 5n,
  e: 1000n ** 6n,
};

const FORM = /^(0x[0-9a-f]+|\d+)(?:([kmgtpe])(i?b?)?|(b)|(s))?$/i;

/**
 * Parse a non-negative byte count or offset. `what` names the argument in the error
 * ("--offset", "LENGTH") so the person knows which one to fix.
 */
export function parseSize(text: string, what: string): bigint {
  const raw = text.trim().replace(/_/g, '');
  const m = FORM.exec(raw);
  if (!m) {
    throw new UsageError(
      `${what}: "${text}" is not a byte count; use a decimal number, 0x hex, or a suffix such as 4k, 1MiB, 2G (binary) or 1MB (decimal).`,
    );
  }
  const [, digits, mult, tail, bytesSuffix, sectorSuffix] = m;
  let value = BigInt(digits); // BigInt() parses "0x..." and decimal strings exactly
  if (mult) {
    const letter = mult.toLowerCase();
    const t = (tail ?? '').toLowerCase();
    // "KB"/"MB" (b without i) are SI, as coreutils reads them; "k", "ki", "kib" are binary.
    const factor = t === 'b' ? SI[letter] : BINARY[letter];
    value *= factor;
  } else if (sectorSuffix) {
    value *= 512n;
  } else if (bytesSuffix) {
    // explicit bytes: nothing to scale
  }
  if (value > INT64_MAX) {
    throw new UsageError(`${what}: ${text} is larger than the largest file offset, 2^63 - 1 (${INT64_MAX}).`);
  }
  return value;
}

/** Parse a small positive integer (a block size, a count): these are numbers, not offsets. */
export function parseCount(text: string, what: string): number {
  const v = parseSize(text, what);
  if (v === 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new UsageError(`${what}: ${text} must be a positive whole number below 2^53.`);
  }
  return Number(v);
}
