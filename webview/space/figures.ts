// Byte counts in the Space view's words: a size people read, the exact count (tooltips), and two
// bounds that stay apart where both round to one size. Used by the totals, the per-path figures
// and the treemap's keys.
import { groupDigits, humanBytes } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';

export const bytes = (v: bigint): string => `${humanBytes(v)}`;

export const exact = (v: bigint): string => l10n.t('{0} bytes', groupDigits(v));

/** Two bounds in words that tell them apart: where both round to one size, their exact byte counts. */
export function boundsText(lo: bigint, hi: bigint): [string, string] {
  if (bytes(lo) !== bytes(hi)) return [bytes(lo), bytes(hi)];
  return [l10n.t('{0} bytes', groupDigits(lo)), l10n.t('{0} bytes ({1})', groupDigits(hi), bytes(hi))];
}
