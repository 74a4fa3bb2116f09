// The byte-size grammar: how a person writes a byte count or an offset, in the CLI's arguments
// and in the extension's input boxes alike. Pure: no DOM, no Node; each front end words its
// own error (the CLI names the argument, the extension localises).
//
// Every value is a bigint: an offset such as 2^60 + 1 must reach the engine unchanged, so no
// string ever passes through Number. Accepted forms (case-insensitive suffixes):
//   1048576          plain decimal (underscores allowed as separators: 1_048_576)
//   1,048,576        digits grouped by commas in threes, as the views show byte counts (pasted
//                    back from a view: "1,048,576 bytes"); bytes only: "1,500k" is refused, as
//                    a German reader means 1.5k by it; any other comma ("1,5M") is refused too
//   0x100000         hexadecimal
//   4k  4K  4KiB     binary multiples: k, m, g, t, p, e (with optional "i"/"iB")
//   4KB  1MB         SI multiples (powers of 1000), as in coreutils
//   512b  8s         "b" or "bytes" = bytes (explicit), "s" = 512-byte sectors
//   4 KiB  64 k      spaces between the number and its suffix are allowed
// The result must lie in [0, 2^63 - 1] (off_t / LARGE_INTEGER): larger values are refused
// here rather than wrapped negative by the kernel.

/** The largest file offset: 2^63 - 1. */
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

const FORM = /^(0x[0-9a-f]+|\d+)\s*(?:([kmgtpe])(i?b?)?|(b|bytes?)|(s))?$/i;

const escaped = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Decimal digits grouped in threes by one of `separators` (1,048,576), the same one throughout
 * ("1.048,576" is 1048.576 to a German or Spanish reader), the first group of one to three.
 */
function groupedDigits(separators: readonly string[]): RegExp {
  const sep = separators.map(escaped).join('|');
  return new RegExp(`^\\d{1,3}(${sep})\\d{3}(?:\\1\\d{3})*(?![\\d_])`);
}

/**
 * The outcome of reading a byte count: its exact value, or why it is not one
 * ('form': not written in the grammar above; 'too-large': above 2^63 - 1; 'negative': a
 * number of the grammar with a minus sign; 'minus-zero': "-0", zero with a minus sign, which
 * is no offset a person means either; 'separator-and-suffix': digits parted by a comma, a point or
 * a group separator before a unit suffix ("1,500k", "1,5M", "1.5G"): a fraction, or a decimal comma).
 */
type ByteSize = { value: bigint } | { error: 'form' | 'too-large' | 'negative' | 'minus-zero' | 'separator-and-suffix' };

/**
 * Read a non-negative byte count or offset written in the grammar above. `groupSeparators`: the
 * characters that may group its digits in threes (the extension adds its display language's,
 * "12.582.912" in German, as its notifications show numbers).
 */
export function parseByteSize(text: string, groupSeparators: readonly string[] = [',']): ByteSize {
  // underscores only between two digits (1_048_576), as in source code: "_1", "1_" and "1k_" are typos
  const trimmed = text.trim();
  if (/(^|[^0-9a-f])_|_($|[^0-9a-f])/i.test(trimmed)) return { error: 'form' };
  const unsigned = trimmed.replace(/^-\s*/, '');
  const grouped = groupedDigits(groupSeparators).exec(unsigned);
  // (separators only as the views group digits; the rest of the text is read as usual)
  const ungrouped = grouped
    ? trimmed.slice(0, trimmed.length - unsigned.length) + grouped[0].replace(/\D/g, '') + unsigned.slice(grouped[0].length)
    : trimmed;
  const plain = ungrouped.replace(/_/g, '');
  const m = FORM.exec(plain);
  // "1,500k", "1,5M", "1.5G": a comma or point before a unit may be a decimal one (1,5k is a German 1.5k)
  const parts = [...new Set([',', '.', ...groupSeparators])].map(escaped).join('|');
  if (new RegExp(`^-?\\s*\\d+(?:(?:${parts})\\d+)+\\s*(?:[kmgtpe](?:i?b?)?|s)$`, 'i').test(trimmed))
    return { error: 'separator-and-suffix' };
  if (!m) {
    const magnitude = /^-\s*\S/.test(plain) ? plain.replace(/^-\s*/, '') : undefined;
    if (magnitude === undefined || !FORM.test(magnitude)) return { error: 'form' };
    const size = parseByteSize(magnitude);
    return 'value' in size && size.value === 0n ? { error: 'minus-zero' } : { error: 'negative' };
  }
  const [, digits, mult, tail, , sectorSuffix] = m;
  let value = BigInt(digits); // BigInt() parses "0x..." and decimal strings exactly
  if (mult) {
    // "KB"/"MB" (b without i) are SI, as coreutils reads them; "k", "ki", "kib" are binary.
    const factor = (tail ?? '').toLowerCase() === 'b' ? SI[mult.toLowerCase()] : BINARY[mult.toLowerCase()];
    value *= factor;
  } else if (sectorSuffix) {
    value *= 512n;
  } // an explicit "b" (bytes) scales nothing
  return value > INT64_MAX ? { error: 'too-large' } : { value };
}
