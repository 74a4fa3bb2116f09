// The Dedupe view's small words and figures, shared by its parts (exact byte tooltips:
// webview/shared/bytes.ts): totals (humanBytes, the one rule), counts of groups and files, and the empty list's sentence.
import type { DedupeWirePlan } from '../../src/protocol/messages';
import { groupDigits } from '../../src/protocol/format';
import { l10n } from '../shared/l10n';

/** An estimate with a lower bound below it as "min – max", else the one value. */
export const span = (min: bigint, max: bigint, show: (v: bigint) => string): string =>
  min < max ? `${show(min)} – ${show(max)}` : show(max);
export const groupsText = (n: number): string => (n === 1 ? l10n.t('1 group') : l10n.t('{0} groups', groupDigits(BigInt(n))));
export const filesText = (n: number): string => (n === 1 ? l10n.t('1 file') : l10n.t('{0} files', groupDigits(BigInt(n))));

/** The empty list's sentence: no duplicate data in the selection, or none that this user can share. */
const lockedInText = (sets: number): string =>
  sets === 0
    ? l10n.t('No duplicate data found in the selection.')
    : sets === 1
      ? l10n.t(
          'No duplicate data that can be shared: the 1 set of identical data found is in files this user may not change (see the notes).',
        )
      : l10n.t(
          'No duplicate data that can be shared: the {0} sets of identical data found are in files this user may not change (see the notes).',
          groupDigits(BigInt(sets)),
        );

/** Why the list is empty: the filter matches nothing, nothing was found, or what could not be examined first. */
export function emptyText(plan: DedupeWirePlan, groups: number, filter: string): string {
  const errs = plan.errors;
  if (groups > 0) return l10n.t('No group has a path containing "{0}".', filter.trim());
  if (errs.length === 0) return lockedInText(plan.total.lockedIn ?? 0);
  // say what was not examined first, and claim nothing about it
  const first =
    errs.length === 1
      ? l10n.t('1 path could not be examined: {0}: {1}', errs[0].code, errs[0].message)
      : l10n.t('{0} paths could not be examined; the first: {1}: {2}', groupDigits(BigInt(errs.length)), errs[0].code, errs[0].message);
  const rest =
    plan.total.files === 0
      ? l10n.t('Nothing else was examined.')
      : plan.total.lockedIn
        ? lockedInText(plan.total.lockedIn)
        : l10n.t('No duplicate data found in the {0} examined.', filesText(plan.total.files));
  return `${first} ${rest}`;
}
