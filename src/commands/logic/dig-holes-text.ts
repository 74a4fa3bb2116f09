// What Dig Holes tells the person: what was scanned, what was freed, and, when nothing (or
// little) was freed because the file is preallocated, why. Dig Holes reads only the data
// ranges (SEEK_DATA): unwritten (preallocated) extents read as zeros but are not data, so they
// are never scanned; they can be deallocated on request (Deallocate Unwritten).

import type { OperationReport } from '../../engine';
import { bytesText, groupNumber } from '../../host/logic/bytes';
import { plainT, type Translate } from '../../host/logic/translate';

export interface Range {
  offset: bigint;
  length: bigint;
}

/** Columns of a packed map, as much as this module needs. */
interface FlagColumns {
  count: number;
  offset: BigInt64Array;
  length: BigInt64Array;
  flags: Uint32Array;
}

/** The unwritten extents of a map, adjacent ones merged (one punch each). `unwrittenBit`: EXTENT_FLAG.UNWRITTEN. */
export function unwrittenRanges(p: FlagColumns, unwrittenBit: number): Range[] {
  const out: Range[] = [];
  for (let i = 0; i < p.count; i++) {
    if ((p.flags[i] & unwrittenBit) === 0) continue;
    const offset = BigInt.asUintN(64, p.offset[i]);
    const length = BigInt.asUintN(64, p.length[i]);
    const last = out[out.length - 1];
    if (last && last.offset + last.length === offset) last.length += length;
    else out.push({ offset, length });
  }
  return out;
}

export const totalLength = (rs: readonly Range[]): bigint => rs.reduce((a, r) => a + r.length, 0n);

/** Of `rs`, the bytes at or past `size` (preallocated past the end of the file: fallocate -n, XFS's speculative preallocation). */
export const lengthPastEof = (rs: readonly Range[], size: bigint): bigint =>
  rs.reduce((a, r) => a + (r.offset + r.length <= size ? 0n : r.offset >= size ? r.length : r.offset + r.length - size), 0n);

/** "scanned N bytes in M data ranges" from the engine's report note, when it is there. */
export function scannedFromNotes(notes: readonly string[] | undefined): { bytes: bigint; ranges: number } | undefined {
  for (const n of notes ?? []) {
    const m = /scanned (\d+) bytes in (\d+) data ranges?/.exec(n);
    if (m) return { bytes: BigInt(m[1]), ranges: Number(m[2]) };
  }
  return undefined;
}

export function digHolesMessage(
  report: Pick<OperationReport, 'bytes' | 'notes' | 'fsFreed' | 'sharedBytes' | 'fsFreedRemedy'>,
  name: string,
  unwrittenBytes: bigint,
  t: Translate = plainT,
  /** Of unwrittenBytes, those past the end of the file: they are not read at all, not even as zeros. */
  pastEofBytes = 0n,
): string {
  const parts: string[] = [];
  const scanned = scannedFromNotes(report.notes);
  const ranges = scanned && (scanned.ranges === 1 ? t('1 data range') : t('{0} data ranges', groupNumber(scanned.ranges)));
  if (report.bytes > 0n) {
    if (report.fsFreed !== undefined && report.fsFreed < report.bytes)
      parts.push(notAllFreed(report.bytes, report.fsFreed, name, t, report.sharedBytes, report.fsFreedRemedy));
    else parts.push(t('Freed {0} of zero blocks in {1}.', bytesText(report.bytes, t), name));
    if (scanned) parts.push(t('Scanned {0} of data in {1}.', bytesText(scanned.bytes, t), ranges!));
  } else if (scanned && scanned.bytes === 0n) {
    parts.push(t('Nothing was freed in {0}: it has no data to scan.', name));
  } else if (scanned) {
    parts.push(
      t('Nothing was freed in {0}: its {1} of data ({2}) hold no whole blocks of zeros.', name, bytesText(scanned.bytes, t), ranges!),
    );
  } else {
    parts.push(t('Nothing was freed in {0}: its data holds no whole blocks of zeros.', name));
  }
  // (a trial: XFS's preallocation past the end of the file was said to "read as zeros")
  if (unwrittenBytes > 0n && pastEofBytes >= unwrittenBytes)
    parts.push(
      t(
        'Another {0} is preallocated past the end of the file: it holds no data, so Dig Holes does not scan it.',
        bytesText(unwrittenBytes, t),
      ),
    );
  else if (unwrittenBytes > 0n && pastEofBytes > 0n)
    parts.push(
      t(
        'Another {0} is preallocated but unwritten ({1} of it past the end of the file): it is not data, so Dig Holes does not scan it.',
        bytesText(unwrittenBytes, t),
        bytesText(pastEofBytes, t),
      ),
    );
  else if (unwrittenBytes > 0n)
    parts.push(
      t(
        'Another {0} is preallocated but unwritten: it reads as zeros but is not data, so Dig Holes does not scan it.',
        bytesText(unwrittenBytes, t),
      ),
    );
  return parts.join(' ');
}

/**
 * Deallocated from the file, but the file system got less back (OperationReport.fsFreed): the
 * blocks are still used by files sharing them, or by the rest of their btrfs extents. `remedy`:
 * the engine's sentence on what frees the rest (OperationReport.fsFreedRemedy), quoted as the
 * CLI's note quotes it.
 */
export function notAllFreed(
  deallocated: bigint,
  fsFreed: bigint,
  name: string,
  t: Translate = plainT,
  shared?: bigint,
  remedy?: string,
): string {
  return remedy ? `${heldBy(deallocated, fsFreed, name, t, shared)} ${remedy}` : heldBy(deallocated, fsFreed, name, t, shared);
}

function heldBy(deallocated: bigint, fsFreed: bigint, name: string, t: Translate, shared?: bigint): string {
  // none of it shared (FIEMAP said so): other files cannot be holding it
  if (shared === 0n)
    return t(
      "Deallocated {0} from {1}, but the file system gained only {2} of free space (measured). None of those blocks were shared with other files: the rest is the file system's own bookkeeping (holes split the file's extents, and the records of the pieces take blocks too), or, on btrfs, the rest of their extents, which btrfs frees only whole.",
      bytesText(deallocated, t),
      name,
      bytesText(fsFreed, t),
    );
  return t(
    'Deallocated {0} from {1}, but the file system gained only {2} of free space (measured): the rest is still used by files sharing those blocks (clones, snapshots), or, on btrfs, by the rest of their extents, which btrfs frees only whole.',
    bytesText(deallocated, t),
    name,
    bytesText(fsFreed, t),
  );
}
