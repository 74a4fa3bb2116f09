// Byte counts typed by people (offsets, lengths) and byte counts shown to them.
// Everything stays bigint: an offset above 2^53 must reach the engine unchanged.

import { INT64_MAX, parseByteSize } from '../../protocol/byte-size';
import { humanBytes } from '../../protocol/format';
import { plainT, type Translate } from './translate';

/**
 * Parse "4096", "0x1000", "4k", "4 KiB", "1MiB", "1MB", "8s", "1,048,576 bytes" exactly
 * (src/protocol/byte-size.ts, as the CLI), digits grouped also as the display language groups them.
 */
export function parseByteInput(
  text: string,
  t: Translate = plainT,
  opts: { displayGrouping?: boolean } = { displayGrouping: true },
): { value: bigint } | { error: string } {
  if (text.trim() === '') return { error: t('Enter a byte count, for example 0, 4096, 0x1000, 64k or 1MiB.') };
  // grouped as the webviews show numbers (commas) or as this display language does (notifications)
  const parsed = parseByteSize(text, opts.displayGrouping ? [',', groupSeparator] : [',']);
  if ('value' in parsed) return parsed;
  if (parsed.error === 'negative') return { error: t('{0} is negative; byte counts and offsets start at 0.', text.trim()) };
  if (parsed.error === 'minus-zero') return { error: t('{0} has a minus sign; byte counts and offsets take none (write 0).', text.trim()) };
  if (parsed.error === 'too-large') {
    return { error: t('{0} is larger than the largest file offset, 2^63 − 1 ({1}).', text.trim(), groupNumber(INT64_MAX)) };
  }
  if (parsed.error === 'separator-and-suffix') {
    return {
      error: t(
        '"{0}" has a separator between its digits before the unit, read as neither a digit group nor a decimal one: write it without, in a smaller unit for a fraction (1536k for 1.5M), or the bytes in full ("1,048,576 bytes": commas group the digits of a plain byte count only).',
        text.trim(),
      ),
    };
  }
  return {
    error: t(
      '"{0}" is not a byte count: use a decimal number, 0x hex, or a suffix such as 4k, 1MiB, 2G (binary) or 1MB (decimal).',
      text.trim(),
    ),
  };
}

// Numbers shown to people are grouped the way their display language groups them
// ("12,582,912" in English, "12.582.912" in German). Services sets the language once at
// activation (vscode.env.language); pure code and unit tests use English grouping.
let numberFormat = new Intl.NumberFormat('en', { useGrouping: true, maximumFractionDigits: 0 });
/** The character that groups digits in numberFormat: what a number pasted back from a notification holds. */
let groupSeparator = ',';
/** numberFormat with one decimal: durations ("3.2 ms", German "3,2 ms"). */
let decimalFormat = new Intl.NumberFormat('en', { useGrouping: true, minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function setNumberLocale(locale: string | undefined): void {
  try {
    numberFormat = new Intl.NumberFormat(locale || 'en', { useGrouping: true, maximumFractionDigits: 0 });
  } catch {
    numberFormat = new Intl.NumberFormat('en', { useGrouping: true, maximumFractionDigits: 0 });
  }
  decimalFormat = new Intl.NumberFormat(numberFormat.resolvedOptions().locale, {
    useGrouping: true,
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  groupSeparator = numberFormat.formatToParts(1_000_000).find((p) => p.type === 'group')?.value ?? ',';
}

/** 12582912n -> "12,582,912" in the display language; exact for any bigint (no double in between). */
export function groupNumber(v: bigint | number): string {
  return numberFormat.format(v);
}

/** 3.25 -> "3.3" in the display language ("3,3" in German): one decimal, for durations. */
export function decimalNumber(v: number): string {
  return decimalFormat.format(v);
}

/** A byte figure with its unit: "12,582,912 bytes (12 MiB)", "512 bytes", "1 byte". */
export function bytesText(v: bigint, t: Translate = plainT): string {
  if (v === 1n) return t('1 byte');
  if (v < 1024n && v > -1024n) return t('{0} bytes', groupNumber(v));
  return t('{0} bytes ({1})', groupNumber(v), humanBytes(v));
}

/** "1 call", "12 calls". */
export function callsText(n: number, t: Translate = plainT): string {
  return n === 1 ? t('1 call') : t('{0} calls', groupNumber(n));
}

/** A byte count or offset passed as a command argument (tests, other extensions): exact or undefined. */
export function byteArgument(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string') {
    // (a command's argument reads alike in every display language)
    const p = parseByteInput(v, plainT, { displayGrouping: false });
    return 'value' in p ? p.value : undefined;
  }
  return undefined;
}
