// The line under the map: where the view starts and ends (exact bytes) and how much it shows;
// and the map's accessible label, which says the same in words.
import type { WireSummary } from '../../src/protocol/messages';
import { groupDigits, humanBytes } from '../../src/protocol/format';
import type { ViewWindow } from '../shared/bigview';
import { l10n } from '../shared/l10n';
import { el } from '../shared/ui';

export interface Axis {
  axis: HTMLElement;
  /** Show `view`; an empty file (`summary.size` 0) has no bytes to show: "0", "empty file", no end. */
  update(view: ViewWindow, summary: WireSummary | undefined): void;
}

export function createAxis(): Axis {
  const axis = el('div', { class: 'axis' });
  const axisStart = el('span', { class: 'axis-start' });
  const axisLen = el('span', { class: 'axis-len' });
  const axisEnd = el('span', { class: 'axis-end' });
  axis.append(axisStart, axisLen, axisEnd);
  return {
    axis,
    update(view, summary) {
      // nothing read yet (the first read runs, or failed): the view's placeholder byte is no
      // file's, so no "0 … 1 B shown … 1" (a trial saw that over an 8 GB file being read)
      if (summary === undefined) {
        for (const part of [axisStart, axisLen, axisEnd]) part.textContent = '';
        return;
      }
      // an empty file has nothing to show: the map spans one byte only so that it can be drawn,
      // and that byte is not the file's
      const empty = summary !== undefined && BigInt(summary.size) === 0n && view.offset === 0n && view.length <= 1n;
      axisStart.textContent = groupDigits(view.offset);
      axisLen.textContent = empty ? l10n.t('empty file') : l10n.t('{0} shown', humanBytes(view.length));
      axisEnd.textContent = empty ? '' : groupDigits(view.offset + view.length);
      axisEnd.toggleAttribute('hidden', empty);
    },
  };
}

/** The map's accessible label: the file, its extents and the bytes shown, and the keys. */
export function mapLabel(summary: WireSummary | undefined, view: ViewWindow): string {
  if (!summary) return l10n.t('Range map (loading)');
  if (summary.pending)
    return l10n.t(
      'Range map of {0}, a preview sampled while all extents are read; showing bytes {1} to {2}.',
      summary.name,
      groupDigits(view.offset),
      groupDigits(view.offset + view.length),
    );
  const alloc = humanBytes(BigInt(summary.allocated));
  const size = humanBytes(BigInt(summary.size));
  const from = groupDigits(view.offset);
  const to = groupDigits(view.offset + view.length);
  const past = BigInt(summary.pastEof ?? '0');
  return (
    (summary.extentCount === 1
      ? l10n.t(
          'Range map of {0}: 1 extent, {1} allocated for a file of {2}; showing bytes {3} to {4}.',
          summary.name,
          alloc,
          size,
          from,
          to,
        )
      : l10n.t(
          'Range map of {0}: {1} extents, {2} allocated for a file of {3}; showing bytes {4} to {5}.',
          summary.name,
          groupDigits(BigInt(summary.extentCount)),
          alloc,
          size,
          from,
          to,
        )) +
    // "7.2 MiB allocated of 6.4 MiB" read as a contradiction: say where the rest lies
    (past > 0n ? ' ' + l10n.t('{0} of it past the end of the file (preallocated).', humanBytes(past)) : '') +
    ' ' +
    l10n.t(
      'Plus and minus zoom, arrow keys pan, 0 shows the whole file, N and P select the next or previous extent, Z zooms to the selected one.',
    )
  );
}
