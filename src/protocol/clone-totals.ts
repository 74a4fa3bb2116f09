// Totals of one operation's clone results, from their wire form: the host's notification and
// the Clone Results view add up the same numbers, so they are added up once, here.

import type { CloneResultsData } from './messages';

/** Totals of several files' results (one operation over a multi-selection). */
export function resultTotals(items: readonly CloneResultsData[]): {
  bytes: bigint;
  durationMs: number;
  spaceSaved: bigint;
  copied: number;
} {
  let bytes = 0n;
  let spaceSaved = 0n;
  let durationMs = 0;
  let copied = 0;
  for (const d of items) {
    bytes += BigInt(d.bytes);
    spaceSaved += BigInt(d.spaceSaved);
    durationMs += d.durationMs;
    if (d.fellBack) copied++;
  }
  return { bytes, durationMs, spaceSaved, copied };
}
