// What a row of the extent table says: its cells (exact, grouped digits; start and end with
// their hex as tooltips), the whole row as its tooltip (a narrow column shows part of the row
// until scrolled sideways), and rows as tab-separated text for the clipboard.
import type { WireExtent } from '../../src/protocol/messages';
import { groupDigits, hex } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';
import { eofFlag } from '../shared/ui';

interface RowText {
  /** #, start, end (exclusive), length, physical, flags. */
  cells: string[];
  /** Tooltips of the start and end cells: their hex. */
  startHex: string;
  endHex: string;
  /** The whole row, and a note on an encoded (compressed) extent. */
  title: string;
  /** The extent runs past the end of the file (preallocated beyond EOF). */
  pastEof: boolean;
}

/**
 * The text of row `i` (0-based; people see i + 1). `eof`: the end of the file's last block, when
 * extents run past it: a row beyond it says "past EOF", one reaching across it "partly past EOF"
 * (preallocated beyond the end).
 */
export function rowText(r: WireExtent, i: number, eof?: bigint): RowText {
  const off = BigInt(r.offset);
  const end = off + BigInt(r.length);
  const beyond = eofFlag(off, end, eof);
  const pastEof = beyond !== undefined;
  const flags =
    [...r.flags, ...(beyond ? [beyond] : [])].join(', ') + (r.refcount !== undefined ? ' ' + l10n.t('({0} references)', r.refcount) : '');
  const physical = r.physical === null ? '—' : groupDigits(BigInt(r.physical));
  const cells = [String(i + 1), groupDigits(off), groupDigits(end), groupDigits(BigInt(r.length)), physical, flags];
  const title =
    l10n.t(
      'Extent {0}: bytes {1} to {2} (exclusive), {3} bytes, physical {4}, {5}',
      i + 1,
      cells[1],
      cells[2],
      cells[3],
      physical,
      flags || '—',
    ) +
    (!pastEof
      ? ''
      : off >= eof!
        ? ' ' + l10n.t('It runs past the end of the file: space preallocated beyond EOF.')
        : ' ' + l10n.t('Its last {0} bytes run past the end of the file: space preallocated beyond EOF.', groupDigits(end - eof!))) +
    (r.flags.includes('encoded')
      ? ' ' + l10n.t('Encoded (compressed): the length is before compression (FIEMAP does not report the size on disk).')
      : '');
  return { cells, startHex: hex(off), endHex: hex(end), title, pastEof };
}

/** Rows as tab-separated text with a header line: exact decimal numbers, flags joined by ','. */
export function rowsAsTsv(rows: WireExtent[]): string {
  let text = '#\tstart\tend (exclusive)\tlength\tphysical\tflags\n';
  for (const r of rows) {
    const end = BigInt(r.offset) + BigInt(r.length);
    const num = r.index !== undefined ? r.index + 1 : '';
    text += `${num}\t${r.offset}\t${end}\t${r.length}\t${r.physical ?? ''}\t${r.flags.join(',')}\n`;
  }
  return text;
}
