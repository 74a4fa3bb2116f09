// Decimal digits written straight into a byte buffer, for the CLI's big tables.
//
// Why: printing 10^5..10^6 extents made 4 BigInts and ~10 strings per row, and the garbage
// collector then cost as much as the formatting (measured with --cpu-prof). Here a 64-bit
// value is read as its two 32-bit halves from the BigInt64Array's memory; below 2^53 it is an
// exact double and its digits are written with plain arithmetic, allocating nothing. From
// 2^53 up (rare: offsets past 8 PiB), the exact BigInt text is used, so every digit stays
// exact (test/linux/exact-2pow60.test.ts checks 2^53 + 1 and 2^60).

/** 10^0 .. 10^15: a value below 2^53 has at most 16 digits. */
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** 2^32 as a double, for joining the halves. */
export const TWO32 = 4294967296;

/** The high 32-bit half below this means the value is below 2^53 (an exact double). */
export const SAFE_HIGH = 0x200000;

/** Digits in a non-negative integer below 2^53 (a comparison chain: few steps, no loop). */
export function decimalLength(v: number): number {
  if (v < 100000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  if (v < 10000000000) return v < 10000000 ? (v < 1000000 ? 6 : 7) : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  let n = 11;
  while (n < 16 && v >= POW10[n]) n++;
  return n;
}

/** "00".."99" as char-code pairs: two digits per division. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** Write the `len` digits of `v` (a non-negative integer below 2^53) at `pos`. */
export function writeDigits(buf: Uint8Array, pos: number, v: number, len: number): void {
  let p = pos + len - 1;
  while (v >= 4294967296) {
    const q = Math.floor(v / 10);
    buf[p--] = 48 + (v - q * 10);
    v = q;
  }
  let x = v >>> 0; // below 2^32: uint32 arithmetic from here on
  while (x >= 100) {
    const q = (x / 100) >>> 0;
    const r = 2 * (x - q * 100);
    buf[p--] = PAIRS[r + 1];
    buf[p--] = PAIRS[r];
    x = q;
  }
  if (x >= 10) {
    buf[p--] = PAIRS[2 * x + 1];
    buf[p] = PAIRS[2 * x];
  } else buf[p] = 48 + x;
}

/** Write ASCII text (digits of a BigInt, flag names) at `pos`; returns the new position. */
export function writeAscii(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  return pos;
}

/** `n` spaces at `pos` (n may be <= 0: nothing); returns the new position. */
export function writeSpaces(buf: Uint8Array, pos: number, n: number): number {
  if (n <= 0) return pos;
  if (n > 6) {
    buf.fill(32, pos, pos + n);
    return pos + n;
  }
  const end = pos + n;
  while (pos < end) buf[pos++] = 32;
  return pos;
}
