// The inspector's summary: the figures of the file under the toolbar (size, allocated, data,
// sparse, extents, shared, unwritten, file system, block cloning, map source), each term's
// meaning as its tooltip, the notes on what the map cannot show, and the line under the table
// when the table cannot hold every extent.
import type { WireSummary } from '../../src/protocol/messages';
import { fractionPercent, groupDigits, humanBytes, percentOf, withHumanSizes } from '../../src/protocol/format';
import { isSmbUri } from '../../src/protocol/shown-path';
import { maxBig } from '../shared/bigview';
import { breakable, el, explained } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { exactAndRounded } from '../shared/bytes';

/** What each summary term means (its tooltip): one vocabulary for the map, the table and the CLI. */
const VOCABULARY: Record<string, string | undefined> = {
  Allocated: l10n.t(
    'Allocated: bytes in all extents, unwritten (preallocated) ones included; what the file takes on disk, uncompressed (compressed extents, flagged encoded, take less).',
  ),
  // SEEK_DATA maps (the "ranges" detail, tmpfs): what Allocated and Sparse can count there
  AllocatedSeek: l10n.t(
    'Allocated, as SEEK_DATA sees it: bytes in the data ranges it finds. Unwritten (preallocated) extents read as holes there, so the file can take more on disk than this: see the note (du counts the block count).',
  ),
  SparseSeek: l10n.t(
    'Sparse: the part of the logical size SEEK_HOLE reports as holes; unwritten (preallocated) extents count as holes here.',
  ),
  Data: l10n.t('Data: bytes in written extents, the ranges SEEK_DATA reports (allocated minus unwritten).'),
  Unwritten: l10n.t('Unwritten: allocated but never written (preallocated); reads as zeros; SEEK_DATA skips it.'),
  Sparse: l10n.t('Sparse: the part of the logical size that is holes (no extent at all).'),
  Shared: l10n.t(
    "Shared: allocated bytes the file system reports as shared (FIEMAP's SHARED flag): also used by another file (a clone, a snapshot) or by another place in this file (a range cloned within it).",
  ),
  // filefrag's headline counts physically contiguous records as one; its -v rows are these
  Extents: l10n.t(
    'Extents: the records the file system gives (FIEMAP), as filefrag -v lists them row by row and xfs_io fiemap does; filefrag\'s "N extents found" counts physically contiguous ones as one, so it can be fewer.',
  ),
};

/** Why a summary covers only the first extents of a file (extentLens.inspector.maxExtents). */
function limitNote(s: WireSummary): string {
  return l10n.t(
    'The file has more extents than the inspector holds (the extentLens.inspector.maxExtents setting): the figures count the first {0} extents, up to byte {1}. The map reads the rest as you look.',
    groupDigits(BigInt(s.extentCount)),
    groupDigits(BigInt(s.truncatedAt ?? '0')),
  );
}

/** Fill `summaryEl` (a <dl>) and `notesEl` (a <ul>) from a summary. */
export function showSummary(summaryEl: HTMLElement, notesEl: HTMLElement, s: WireSummary): void {
  const size = BigInt(s.size);
  const alloc = BigInt(s.allocated);
  // A pending summary (a preview while the full map is read) knows the size, the block count
  // and the volume; the figures that need every extent say they are still being counted.
  const counting = l10n.t('counting…');
  const unwritten = BigInt(s.unwrittenBytes);
  const pastEof = BigInt(s.pastEof ?? '0');
  // extents past EOF that are not unwritten (XFS's speculative delalloc) are not data either:
  // SEEK_DATA never reports past the end of the file
  const notData = unwritten + BigInt(s.pastEofData ?? '0');
  const dataBytes = alloc > notData ? alloc - notData : 0n;
  const bytes = exactAndRounded;
  // An SMB server (and Windows without retrieval pointers) reports allocated ranges only.
  const rangesOnly = s.source === 'allocated-ranges';
  // SEEK_DATA has no shared flag: on a volume that can clone (APFS) sharing is not known; where
  // nothing can be shared (tmpfs) 0 is the truth.
  const seekOnly = s.source === 'seek' && s.supportsClone !== false;
  // [stable key (tests, CSS), label, value, tooltip]
  const rows: [string, string, string, (string | undefined)?][] = [
    ['Logical size', l10n.t('Logical size'), bytes(size)],
    s.pending
      ? ['Allocated', l10n.t('Allocated'), l10n.t('{0} bytes ({1}), from the block count', groupDigits(alloc), humanBytes(alloc))]
      : s.source === 'seek'
        ? [
            'Allocated',
            l10n.t('Allocated (SEEK_DATA)'),
            l10n.t('{0} bytes ({1}) of data ranges', groupDigits(alloc), humanBytes(alloc)),
            VOCABULARY.AllocatedSeek,
          ]
        : pastEof > 0n
          ? [
              'Allocated',
              l10n.t('Allocated'),
              l10n.t('{0}, {1} of it past the end of the file', bytes(alloc), humanBytes(pastEof)),
              VOCABULARY.Allocated + ' ' + l10n.t('Extents past the end of the file (preallocated) are included, as du counts them.'),
            ]
          : ['Allocated', l10n.t('Allocated'), bytes(alloc)],
    [
      'Data',
      l10n.t('Data'),
      s.pending
        ? counting
        : s.inline && size > 0n
          ? // btrfs: a small file's data lives in its metadata; FIEMAP gives a block it does not have
            l10n.t("{0}, kept inline in the file system's metadata, with no block of its own (FIEMAP and du count one block)", bytes(size))
          : dataBytes > size && size > 0n && pastEof === 0n
            ? // (a 10,000-byte file holds 12,288 bytes of data blocks: said, or it reads as a wrong figure)
              l10n.t('{0}: the file ends inside its last block, which is allocated whole', bytes(dataBytes))
            : bytes(dataBytes),
    ],
    [
      'Sparse',
      l10n.t('Sparse'),
      s.pending ? l10n.t('about {0}% holes', fractionPercent(s.sparseRatio)) : l10n.t('{0}% holes', fractionPercent(s.sparseRatio)),
      s.source === 'seek' ? VOCABULARY.SparseSeek : undefined,
    ],
    s.pending
      ? ['Extents', l10n.t('Extents'), l10n.t('{0} read so far, {1}', groupDigits(BigInt(s.extentCount)), counting)]
      : s.truncatedAt !== undefined
        ? [
            'Extents',
            l10n.t('Extents'),
            l10n.t(
              'more than {0}: the first {0} are read, up to byte {1}',
              groupDigits(BigInt(s.extentCount)),
              groupDigits(BigInt(s.truncatedAt)),
            ),
            limitNote(s),
          ]
        : ['Extents', l10n.t('Extents'), groupDigits(BigInt(s.extentCount))],
    s.pending
      ? ['Shared', l10n.t('Shared'), counting]
      : rangesOnly
        ? ['Shared', l10n.t('Shared'), l10n.t('not reported (allocated ranges only)')]
        : seekOnly
          ? ['Shared', l10n.t('Shared'), l10n.t('not reported (SEEK_DATA gives data ranges only)')]
          : [
              'Shared',
              l10n.t('Shared'),
              l10n.t(
                '{0} bytes ({1} of allocated)',
                groupDigits(BigInt(s.sharedBytes)),
                percentOf(BigInt(s.sharedBytes), maxBig(1n, alloc)),
              ),
            ],
    // only FIEMAP (and Windows' retrieval pointers) flag preallocated extents: the others cannot say
    s.pending
      ? ['Unwritten', l10n.t('Unwritten'), counting]
      : rangesOnly
        ? ['Unwritten', l10n.t('Unwritten'), l10n.t('not reported (allocated ranges only)')]
        : s.source === 'seek'
          ? ['Unwritten', l10n.t('Unwritten'), l10n.t('not reported (SEEK_DATA gives data ranges only)')]
          : ['Unwritten', l10n.t('Unwritten'), bytes(unwritten)],
    // over SMB the name is the server's answer, not what lies under the share (Samba says NTFS on btrfs)
    isSmbUri(s.path)
      ? [
          'File system',
          l10n.t('File system'),
          l10n.t('{0} (as the server reports it), {1}-byte blocks', s.filesystem, groupDigits(BigInt(s.blockSize))),
          l10n.t(
            'The name the SMB server gives (FileFsAttributeInformation), not necessarily the file system under the share: Samba says NTFS whatever it is.',
          ),
        ]
      : ['File system', l10n.t('File system'), l10n.t('{0}, {1}-byte blocks', s.filesystem, groupDigits(BigInt(s.blockSize)))],
    [
      'Block cloning',
      l10n.t('Block cloning'),
      s.supportsClone === undefined ? l10n.t('unknown') : s.supportsClone ? l10n.t('supported') : l10n.t('not supported'),
      s.cloneEvidence,
    ],
    rangesOnly
      ? [
          'Map source',
          l10n.t('Map source'),
          l10n.t('allocated ranges only (FSCTL_QUERY_ALLOCATED_RANGES)'),
          l10n.t(
            'The server reports only where data is allocated: no extents, physical offsets, flags or sharing. Holes and data are exact in a file marked sparse (one that is not is given as one range: see the note); Shared and Unwritten are not known.',
          ),
        ]
      : ['Map source', l10n.t('Map source'), s.source],
  ];
  summaryEl.replaceChildren();
  // Figures counted over the extents read: a map cut at the limit says so on each of them.
  const counted = new Set(['Allocated', 'Data', 'Sparse', 'Shared', 'Unwritten']);
  for (const [key, k, v, ownTip] of rows) {
    const own = ownTip ?? VOCABULARY[key];
    const tip = s.truncatedAt !== undefined && counted.has(key) ? [own, limitNote(s)].filter(Boolean).join(' ') : own;
    // <div> groups inside <dl> are valid HTML and keep each term beside its value in the grid
    const pair = el('div', { class: 'kv', 'data-key': key });
    const dd = el('dd', tip ? { title: tip } : {});
    dd.appendChild(breakable(v));
    if (tip) {
      explained(pair, tip);
      dd.appendChild(el('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }));
    }
    pair.append(el('dt', {}, k), dd);
    summaryEl.append(pair);
  }
  notesEl.replaceChildren(...(s.notes ?? []).map((n) => el('li', {}, withHumanSizes(n))));
  notesEl.toggleAttribute('hidden', !s.notes?.length);
}

/** The line under the table: why it is empty or holds only the first extents ('' for none). */
export function tableNote(s: WireSummary): string {
  return s.pending
    ? l10n.t('The table fills in when every extent has been read.')
    : s.extentCount === 0
      ? BigInt(s.size) === 0n
        ? l10n.t('No extents: the file is empty.')
        : s.source === 'seek' || s.source === 'allocated-ranges'
          ? l10n.t('No data ranges: the file reads as holes throughout (preallocated space, if any, is not shown here).')
          : l10n.t('No extents: the file is all holes (nothing allocated in it).')
      : s.truncatedAt !== undefined
        ? l10n.t(
            'The table holds the first {0} extents, up to byte {1} (the extentLens.inspector.maxExtents setting).',
            groupDigits(BigInt(s.extentCount)),
            groupDigits(BigInt(s.truncatedAt)),
          )
        : '';
}
