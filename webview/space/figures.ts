// Byte counts in the Space view's words: a size people read (the exact count: ../shared/bytes.ts), and two
// bounds that stay apart where both round to one size. Used by the totals, the per-path figures
// and the treemap's keys.
import { humanBytes } from '../../src/protocol/format';
import { exactAndRounded, exactBytes } from '../shared/bytes';

export const bytes = (v: bigint): string => `${humanBytes(v)}`;

/** Two bounds in words that tell them apart: where both round to one size, their exact byte counts. */
export function boundsText(lo: bigint, hi: bigint): [string, string] {
  if (bytes(lo) !== bytes(hi)) return [bytes(lo), bytes(hi)];
  return [exactBytes(lo), exactAndRounded(hi)];
}
