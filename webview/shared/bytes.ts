// Byte counts in the views' words, one rule for all of them: the exact count a storage engineer
// reads ("1,234,567 bytes"), and that count with its rounded size beside it ("1,234,567 bytes
// (1.18 MiB)") where a tooltip line gives both. The rounded size alone is humanBytes.
import { groupDigits, humanBytes } from '../../src/protocol/format';
import { l10n } from './l10n';

/** The exact count: what a title over a rounded size says. */
export const exactBytes = (v: bigint): string => l10n.t('{0} bytes', groupDigits(v));

/** The exact count and the rounded size: a figure in a tooltip's sentence or line. */
export const exactAndRounded = (v: bigint): string => l10n.t('{0} bytes ({1})', groupDigits(v), humanBytes(v));
