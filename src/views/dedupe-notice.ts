// The notification after Deduplicate (dedupe-panel.ts): what was shared and freed next to the
// estimate, and the ranges left alone — changed since the search, or refused — each count in a
// sentence of its own, so a translation can inflect it ("0 range(s) had changed and 1 were
// refused" read as a riddle, and counted the changed ones among the refused).
// Pure: no `vscode`; the caller passes its l10n.

import type { DedupeReport } from '../engine';
import { humanBytes } from '../protocol/format';
import { changedSinceSearch } from '../protocol/dedupe-skipped';
import { groupNumber } from '../host/logic/bytes';
import { groupCount } from './dedupe-progress';
import type { Translate } from '../host/logic/translate';

/** The estimate as one figure, or its bounds. */
export function estimateText(r: Pick<DedupeReport, 'estimated' | 'estimatedMin'>): string {
  return r.estimatedMin !== undefined && r.estimatedMin < r.estimated
    ? `${humanBytes(r.estimatedMin)}–${humanBytes(r.estimated)}`
    : humanBytes(r.estimated);
}

/** The sentences on the ranges left alone (none: ''): those that changed as the engine counts them, the others refused. */
function leftAloneText(r: Pick<DedupeReport, 'skipped' | 'differed'>, t: Translate): string {
  const changed = r.differed;
  const refused = r.skipped.filter((k) => !changedSinceSearch(k.reason)).length;
  return [
    changed === 0
      ? ''
      : changed === 1
        ? t('1 range had changed since the search and was left alone.')
        : t('{0} ranges had changed since the search and were left alone.', groupNumber(changed)),
    refused === 0
      ? ''
      : refused === 1
        ? t('1 range was refused (the Dedupe view says why).')
        : t('{0} ranges were refused (the Dedupe view says why).', groupNumber(refused)),
  ]
    .filter(Boolean)
    .join(' ');
}

/** The notification's words for the report `r`. */
export function appliedNotice(r: DedupeReport, t: Translate): string {
  const estimate = estimateText(r);
  const alone = leftAloneText(r, t);
  const withAlone = (s: string): string => (alone ? `${s} ${alone}` : s);
  if (r.cancelled)
    return t(
      'Deduplicating was cancelled with {0} of {1} finished (one under way may be shared in part): {2} shared, {3} freed (measured). Every file still reads as before; Find again shows what is left to share.',
      groupNumber(r.cancelled.groupsDone),
      // "0 of 1 group", not "0 of 1 groups" (a trial: one group of four 256 MiB copies, cancelled)
      groupCount(r.cancelled.groups, t),
      r.cancelled.countsAtLeast ? t('at least {0}', humanBytes(r.deduped)) : humanBytes(r.deduped),
      humanBytes(r.freed),
    );
  // every range refused or changed (a trial: another client had the files open): not "0 B freed so far … measures again"
  if (r.deduped === 0n && r.alreadyShared === 0n)
    return withAlone(t('Nothing was deduplicated, and nothing was freed; every file reads as before.'));
  // besides what was deduplicated, not part of it ("14 MiB (6 MiB was already shared)" read as 6 of the 14)
  if (r.alreadyShared > 0n)
    return withAlone(
      t(
        'Deduplicated {0}: {1} freed (measured), {2} estimated. Another {3} was already shared and needed nothing.',
        humanBytes(r.deduped),
        humanBytes(r.freed),
        estimate,
        humanBytes(r.alreadyShared),
      ),
    );
  // the file system counts what it frees when it commits: this figure is not the last one
  if (r.remeasure && r.freed < r.estimated)
    return withAlone(
      t(
        'Deduplicated {0}: {1} freed so far (measured), {2} estimated. This file system counts freed space when it commits: the Dedupe view measures it again for a minute and then says what was freed.',
        humanBytes(r.deduped),
        humanBytes(r.freed),
        estimate,
      ),
    );
  return withAlone(t('Deduplicated {0}: {1} freed (measured), {2} estimated.', humanBytes(r.deduped), humanBytes(r.freed), estimate));
}
