// Exact byte formatting shared by the webviews and the host (tooltips, table cells, summary).
// Everything is bigint: a tooltip at 2^53 + 4097 must show exactly that number, never the
// nearest double. Pure: no DOM, no Node.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 9007199254740993 -> "9,007,199,254,740,993" (the separator is a parameter for locales). */
export function groupDigits(v: bigint, sep = ','): string {
  const s = v.toString(10);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += sep;
    out += digits[i];
  }
  return neg ? '-' + out : out;
}

/**
 * A size for people, the one rule of the project: at most two decimals, trailing zeros dropped,
 * rounded half up, computed in bigint (exact for any 64-bit value): 1536n -> "1.5 KiB", 512n ->
 * "512 B", 1302528n -> "1.24 MiB", 1342177280n -> "1.25 GiB". Two, not one: at GiB one decimal
 * is a step of ~100 MiB, and close totals (duplicate bytes, net saving) must still read apart;
 * btrfs-progs shows sizes so too. Every view, the CLI and the command messages use this, so one
 * byte count reads alike everywhere (a trial: "750.1 MiB" in Space, "748.76 MiB" in Duplicate
 * Data). Exact counts are shown beside it or in tooltips where they matter.
 */
export function humanBytes(v: bigint): string {
  if (v < 0n) return '-' + humanBytes(-v);
  if (v < 1024n) return `${v} B`;
  let unit = 0;
  let scale = 1n;
  while (unit < UNITS.length - 1 && v >= scale * 1024n) {
    scale *= 1024n;
    unit++;
  }
  const den = 100n;
  let scaled = (v * den + scale / 2n) / scale; // below 1024 x den: small
  // rounded up to 1024 of a unit, it is 1 of the next ("1024 KiB" for 1,048,575 bytes, as a review saw)
  if (scaled >= 1024n * den && unit < UNITS.length - 1) {
    scale *= 1024n;
    unit++;
    scaled = (v * den + scale / 2n) / scale;
  }
  const whole = scaled / den;
  const frac = (scaled % den).toString().padStart(2, '0').replace(/0+$/, '');
  return frac === '' ? `${whole} ${UNITS[unit]}` : `${whole}.${frac} ${UNITS[unit]}`;
}

/** 4096n -> "0x1000". */
export const hex = (v: bigint): string => '0x' + v.toString(16);

/** `part` of `whole` to a tenth of a percent; never 100.0% or 0.0% unless it is exactly that (>99.9%, <0.1%). */
export function percentOf(part: bigint, whole: bigint): string {
  if (whole <= 0n) return '0%';
  const tenths = (part * 1000n + whole / 2n) / whole;
  if (tenths >= 1000n && part < whole) return '>99.9%';
  if (tenths === 0n && part > 0n) return '<0.1%';
  return `${tenths / 10n}.${tenths % 10n}%`;
}

/**
 * `part / whole` as a number in 0..1 for fractionPercent: exactly 0 or 1 only when it is, so a
 * few KiB of holes in a large image read "<0.1%", not "0.0%" (millionths alone would cut them to 0).
 */
export function fractionOf(part: bigint, whole: bigint): number {
  if (whole <= 0n || part <= 0n) return 0;
  if (part >= whole) return 1;
  // truncated millionths stay below 1 for a part below the whole; only 0 needs the double
  const f = Number((part * 1_000_000n) / whole) / 1_000_000;
  return f > 0 ? f : Math.max(Number(part) / Number(whole), Number.MIN_VALUE);
}

/** A fraction (0..1) as percent digits without the sign, by percentOf's rule: "12.5", ">99.9", "<0.1". */
export function fractionPercent(f: number): string {
  const tenths = Math.round(f * 1000);
  if (tenths >= 1000 && f < 1) return '>99.9';
  if (tenths === 0 && f > 0) return '<0.1';
  return (tenths / 10).toFixed(1);
}

/**
 * A sentence with "N bytes" (the engine's notes give exact byte counts) with digit groups and
 * the binary size beside each count from 1 KiB: "83886128 bytes" -> "83,886,128 bytes (80 MiB)";
 * a parenthesis that already follows the count takes the size in ("410000000 bytes (measured)"
 * -> "410,000,000 bytes (391.01 MiB, measured)", not "(391 MiB) (measured)", as a cancelled
 * dig-holes read), and a count that is a whole parenthesis shares it ("(7340032 bytes)" ->
 * "(7,340,032 bytes, 7 MiB)", not "(7,340,032 bytes (7 MiB))", as a cancelled Clone Range
 * read); counts of files, ranges and the like get digit groups too ("87371 files" -> "87,371
 * files"), and so do the offsets of a range, "bytes 8388608 to 9223372036854710272" (a clone
 * range's note in Clone Results read as 19 ungrouped digits).
 */
export function withHumanSizes(text: string, sep = ','): string {
  return text
    .replace(
      /(\()?\b(\d+) bytes\b( \()?(?=(\))?)/g,
      (m, open: string | undefined, d: string, paren: string | undefined, close: string | undefined) => {
        const v = BigInt(d);
        if (v < 1024n) return m;
        if (paren) return `${open ?? ''}${groupDigits(v, sep)} bytes (${humanBytes(v)}, `;
        return open && close
          ? `(${groupDigits(v, sep)} bytes, ${humanBytes(v)}`
          : `${open ?? ''}${groupDigits(v, sep)} bytes (${humanBytes(v)})`;
      },
    )
    .replace(
      /\bbytes (\d+) to (\d+)\b/g,
      (_, a: string, b: string) => `bytes ${groupDigits(BigInt(a), sep)} to ${groupDigits(BigInt(b), sep)}`,
    )
    .replace(
      // ("5064 of these ranges": a Duplicate Data warning read so, ungrouped)
      /\b(\d{4,})( of these)? (files?|ranges?|groups?|hard links?|folders?|extents?)\b/g,
      (_, d: string, of: string | undefined, what: string) => `${groupDigits(BigInt(d), sep)}${of ?? ''} ${what}`,
    );
}

/** A clone refusal without its advice to "allow a copy", for where the copy was made (CLI --fallback, Copy instead). */
export function withoutCopyAdvice(reason: string): string {
  return reason.replace(/,? or allow a copy(?= \(|\.?$)/, '');
}
