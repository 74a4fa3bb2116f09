// The Dedupe view's totals (groups, files, duplicate bytes, already shared, net saving, hashed),
// the sentence under them that says what sharing frees (or, on a file system that cannot share
// blocks, that it frees nothing there), and the search's details (time, chunk, notes, errors).
import type { DedupeWirePlan } from '../../src/protocol/messages';
import { groupDigits, humanBytes, withHumanSizes } from '../../src/protocol/format';
import { el, explained } from '../shared/ui';
import { l10n } from '../shared/l10n';
import { pathErrors } from '../shared/view-parts';
import type { Page } from './page';
import { exactBytes } from '../shared/bytes';
import { groupsText, span } from './texts';

export function showTotals(page: Page, p: DedupeWirePlan): void {
  const t = p.total;
  const candidate = BigInt(t.candidateBytes);
  const net = BigInt(t.netSaving);
  // Bytes already at the source's place (parts of ranges too); from a plan without that figure,
  // the ranges shared whole: a group's ranges hold data at the same offsets, so each destination
  // holds an equal share of its candidate bytes.
  const already = p.groups.reduce((sum, g) => {
    if (g.alreadySharedBytes !== undefined) return sum + BigInt(g.alreadySharedBytes);
    const dests = BigInt(g.ranges.length - 1);
    const shared = BigInt(g.ranges.filter((r, i) => i > 0 && r.alreadyShared).length);
    return dests > 0n ? sum + (BigInt(g.candidateBytes) * shared) / dests : sum;
  }, 0n);
  const totals = page.totals;
  totals.replaceChildren();
  const kv = (key: string, label: string, value: string, title?: string, tip?: string): void => {
    const pair = el('div', { class: 'kv', 'data-key': key, ...(tip ? { title: tip } : {}) });
    if (title || tip) explained(pair, [title, tip].filter(Boolean).join('\n'));
    pair.append(el('dt', {}, label), el('dd', title ? { title } : {}, value));
    totals.appendChild(pair);
  };
  const bytesKv = (key: string, label: string, v: bigint, tip: string): void => kv(key, label, humanBytes(v), exactBytes(v), tip);
  kv('groups', l10n.t('Groups'), groupDigits(BigInt(t.groups)));
  kv('files', l10n.t('Files'), groupDigits(BigInt(t.files)), undefined, l10n.t('Files examined.'));
  bytesKv(
    'candidate',
    l10n.t('Duplicate bytes'),
    candidate,
    l10n.t('Data bytes in every range beyond each group’s first (holes count zero): what a tool that ignores sharing would claim.'),
  );
  bytesKv(
    'shared',
    l10n.t('Already shared'),
    already,
    l10n.t('Duplicate bytes that already share the source’s extents: they free nothing.'),
  );
  const min = t.netSavingMin !== undefined ? BigInt(t.netSavingMin) : net;
  // a saving known only between bounds reads as the range (the sentence below says why)
  kv(
    'net',
    l10n.t('Net saving'),
    span(min, net, humanBytes),
    span(min, net, exactBytes),
    l10n.t('What sharing the duplicates would free (an estimate until it is measured).'),
  );
  bytesKv('hashed', l10n.t('Hashed'), BigInt(t.hashedBytes), l10n.t('Bytes read and hashed (holes and unwritten extents are never read).'));
  // groups on a file system that cannot share blocks free nothing: said first, and their bytes are not "duplicate" below
  const cannot = p.groups.filter((g) => g.cannotShare !== undefined);
  const stuck = cannot.reduce((s, g) => s + BigInt(g.candidateBytes), 0n);
  page.saving.textContent =
    cannot.length > 0 && cannot.length === p.groups.length
      ? l10n.t(
          'This file system cannot deduplicate: {0} of identical data found, but it cannot be shared here, so nothing would be freed.',
          humanBytes(candidate),
        )
      : [
          savingLine(p, min, net, candidate - stuck, already, t.netSavingMin !== undefined && min === net),
          cannot.length === 0
            ? ''
            : cannot.length === 1
              ? l10n.t('1 group lies on a file system that cannot share blocks: it frees nothing and is not counted.')
              : l10n.t(
                  '{0} lie on a file system that cannot share blocks: they free nothing and are not counted.',
                  groupsText(cannot.length),
                ),
        ]
          .filter(Boolean)
          .join(' ');
  page.saving.title = p.groups.length === 0 ? '' : span(min, net, exactBytes);

  const details = page.details;
  details.replaceChildren();
  const bits = [
    l10n.t('Searched in {0} s', (p.durationMs / 1000).toFixed(2)),
    l10n.t('chunks of {0}', humanBytes(BigInt(p.chunk))),
    l10n.t('files from {0}', humanBytes(BigInt(p.minSize))),
  ];
  details.appendChild(el('p', { class: 'meta' }, bits.join(' · ')));
  for (const n of p.notes) details.appendChild(el('p', { class: 'meta note' }, withHumanSizes(n)));
  details.append(
    ...pathErrors((n) => (n === 1 ? l10n.t('1 path could not be examined') : l10n.t('{0} paths could not be examined', n)), p.errors),
  );
}

/**
 * The sentence under the totals: what sharing frees. Nothing with no groups (the list's own
 * sentence says why). A range names why it is one: data whose place is unknown (SMB), then
 * compression (only where some data is compressed: btrfs, never XFS), else blocks shared with
 * files that may lie outside the selection. `exact`: the search gave its lower bound and it is
 * the saving (btrfs as root), so the figure is not "about" (a trial).
 */
function savingLine(p: DedupeWirePlan, min: bigint, net: bigint, candidate: bigint, already: bigint, exact: boolean): string {
  if (p.groups.length === 0) return '';
  const [a, b, c] = [humanBytes(min), humanBytes(net), humanBytes(net - min)];
  if (min < net) {
    if (p.groups.some((g) => g.placeUnknown))
      return l10n.t(
        'Sharing these frees between {0} and {1}: where {2} of their data lies on disk is not known here (an SMB share), so it may already be shared and free nothing.',
        a,
        b,
        c,
      );
    if (p.groups.some((g) => g.compressed))
      return l10n.t(
        'Sharing these frees between {0} and {1}: {2} of their blocks are already shared with other files, which may lie outside the selection, or compressed, whose size on disk is not known.',
        a,
        b,
        c,
      );
    return l10n.t(
      'Sharing these frees between {0} and {1}: {2} of their blocks are already shared with other files, which may lie outside the selection.',
      a,
      b,
      c,
    );
  }
  // files ending in part of a block: the duplicate bytes stop at end-of-file, the block is freed whole
  if (net > candidate - already) {
    if (already > 0n)
      return exact
        ? l10n.t(
            'Sharing these frees {0}: {1} duplicate, already shared: {2}; more than the difference, as each file’s last, partial block is freed whole.',
            b,
            humanBytes(candidate),
            humanBytes(already),
          )
        : l10n.t(
            'Sharing these frees about {0}: {1} duplicate, already shared: {2}; more than the difference, as each file’s last, partial block is freed whole.',
            b,
            humanBytes(candidate),
            humanBytes(already),
          );
    return exact
      ? l10n.t(
          'Sharing these frees {0}, more than the {1} duplicate: each file’s last, partial block is freed whole.',
          b,
          humanBytes(candidate),
        )
      : l10n.t(
          'Sharing these frees about {0}, more than the {1} duplicate: each file’s last, partial block is freed whole.',
          b,
          humanBytes(candidate),
        );
  }
  if (already > 0n)
    return exact
      ? l10n.t('Sharing these frees {0}: {1} duplicate, already shared: {2}.', b, humanBytes(candidate), humanBytes(already))
      : l10n.t('Sharing these frees about {0}: {1} duplicate, already shared: {2}.', b, humanBytes(candidate), humanBytes(already));
  // sized on disk (btrfs as root): less than the duplicate bytes, and not because anything is shared
  if (p.groups.some((g) => g.compressed) && net < candidate)
    return exact
      ? l10n.t('Sharing these frees {0}: {1} duplicate, compressed on disk.', b, humanBytes(candidate))
      : l10n.t('Sharing these frees about {0}: {1} duplicate, compressed on disk.', b, humanBytes(candidate));
  return exact ? l10n.t('Sharing these frees {0}.', b) : l10n.t('Sharing these frees about {0}.', b);
}
