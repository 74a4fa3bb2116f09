// Byte counts in the views' words, one rule for all of them: the exact count a storage engineer
// reads ("1,234,567 bytes"), and that count with its rounded size beside it ("1,234,567 bytes
// (1.18 MiB)") where a tooltip line gives both. The rounded size alone is humanBytes.
import { groupDigits, humanBytes } from '../../src/protocol/format';
import { l10n } from './l10n';

/** The exact count: what a title over a rounded size says. */
export const exactBytes = (v: bigint): string => l10n.t('{0} bytes', groupDigits(v));

/**
 * The exact count and the rounded size: a figure in a tooltip's sentence or line. `noBreak`: the
 * rounded size with a no-break space ("2\u00a0MiB"), for a narrow column that must not wrap it
 * (the clone results' facts wrapped as "(1 / MiB)" at ~370 px).
 */
export const exactAndRounded = (v: bigint, opts: { noBreak?: boolean } = {}): string =>
  l10n.t('{0} bytes ({1})', groupDigits(v), opts.noBreak ? noBreakSize(v) : humanBytes(v));

/** A rounded size with a no-break space: "2 MiB" that a narrow column never breaks. */
export const noBreakSize = (v: bigint): string => humanBytes(v).replace(' ', '\u00a0');
