// The Space view's legend, and what its two shared colours mean for the result shown. Where the
// figure is exact (SpaceWireRow.sharedInside given: btrfs as root, after an Exact scan) "inside"
// is bytes no file outside the selection references — deleting the selection frees them — and a
// block a selected clone and an outside snapshot both hold is "outside". With bounds (XFS without
// rmapbt before an Exact scan, btrfs without root, SMB) who else holds a block is not known:
// "inside" is what a file shares with other selected files, which files outside may hold too. The
// legend said the first in both cases, so a trial read purple as "deleting frees this" on bounds.
import type { SpaceData } from '../../src/protocol/messages';
import { el, explained, oneTabStop } from '../shared/ui';
import { l10n } from '../shared/l10n';
import type { FileNums } from './model';

export const legendEl = el('ul', { class: 'legend space-legend', 'aria-label': l10n.t('Legend') });

/** A legend entry's swatch, label and meaning (as its tooltip, and under it with the keyboard's focus). */
function entry(cls: string, label: string, tip: string): HTMLElement {
  const li = explained(el('li', { title: tip, class: `legend-${cls}` }), tip);
  li.append(el('span', { class: `swatch swatch-${cls}`, 'aria-hidden': 'true' }), el('span', { class: 'legend-label' }, label));
  legendEl.appendChild(li);
  return li;
}

entry('exclusive', l10n.t('Exclusive'), l10n.t('Bytes no other file references.'));
const inside = entry('inside', '', '');
const outside = entry('outside', '', '');
entry(
  'pending',
  l10n.t('Shared (with whom: not known yet)'),
  l10n.t('Which files share these bytes is worked out when every file is mapped.'),
);
entry(
  'unknown',
  l10n.t('Sharing unknown'),
  l10n.t('Files whose maps have no physical offsets (SMB): whether their bytes are shared is not known.'),
);
/** With bounds: that the "inside" colour is not what deleting frees (a line, not a colour). */
const note = el('li', { class: 'legend-note' });
legendEl.appendChild(note);
oneTabStop(legendEl);

/** How the shared colours split: exact everywhere, bounds everywhere, or some of each (by file system). */
type LegendMode = 'exact' | 'bounds' | 'mixed';

/** The mode of a result: by the files with shared bytes whose sharing is known; with none, by the totals. */
function legendMode(nums: readonly FileNums[], totalExact: boolean): LegendMode {
  let exact = 0;
  let bounds = 0;
  for (const n of nums) {
    if (n.sharingUnknown || n.shared === 0n) continue;
    if (n.insideExact) exact++;
    else bounds++;
  }
  if (exact === 0 && bounds === 0) return totalExact ? 'exact' : 'bounds';
  return bounds === 0 ? 'exact' : exact === 0 ? 'bounds' : 'mixed';
}

function set(li: HTMLElement, label: string, tip: string): void {
  li.querySelector('.legend-label')!.textContent = label;
  li.title = tip;
  explained(li, tip);
}

/** Say what the shared colours mean for `d` (its files as `nums`). */
export function showLegend(d: SpaceData, nums: readonly FileNums[]): void {
  const mode = legendMode(nums, d.total.reclaimableExact);
  legendEl.dataset.mode = mode;
  if (mode === 'exact') {
    set(
      inside,
      l10n.t('Shared only within the selection'),
      l10n.t('Shared bytes no file outside the selection references: deleting the selection frees them.'),
    );
    set(
      outside,
      l10n.t('Shared with files outside the selection'),
      l10n.t(
        'Shared bytes some file outside the selection still references, even where selected files share them too: another file, a snapshot, or (btrfs, which flags a whole extent) another part of the same extent. Deleting the selection does not free them.',
      ),
    );
    note.textContent = '';
  } else {
    const mixed =
      mode === 'mixed'
        ? ' ' +
          l10n.t(
            'Files on a file system whose figure is exact split as an Exact scan does: shared only within the selection, or with files outside it.',
          )
        : '';
    set(
      inside,
      l10n.t('Shared with other selected files'),
      l10n.t(
        'Shared bytes a file shares with other files of the selection. Files outside the selection (a snapshot, a file not selected) may reference them too: that is not known here, so deleting the selection may not free them.',
      ) + mixed,
    );
    set(
      outside,
      l10n.t('Shared, not with selected files'),
      l10n.t(
        'Bytes the file system reports as shared that the file shares with no other selected file: other files, snapshots, or (btrfs, which flags a whole extent) other parts of the same extent.',
      ) + mixed,
    );
    note.textContent = d.fileSystems.some((f) => f.exactScan === 'possible')
      ? l10n.t('Whether files outside the selection also hold the bytes shared between selected files is known only after an Exact scan.')
      : l10n.t('Whether files outside the selection also hold the bytes shared between selected files is not known here.');
  }
  note.hidden = mode === 'exact';
}
