// Whether the Dedupe view's Deduplicate can run, why not, and what it would apply: decided here
// from the view's state (the groups shown that free something, the host's verdict, a run under
// way, a spent plan), and drawn by main.ts. Order of the reasons: a file system that cannot
// share at all, then nothing to free, then what the host says (trust, platform, a spent plan).
import type { DedupeWirePlan } from '../../src/protocol/messages';
import { l10n } from '../shared/l10n';
import { groupsText } from './texts';
import { humanBytes } from '../../src/protocol/format';

interface ApplyInput {
  plan: DedupeWirePlan | undefined;
  /** Groups Deduplicate would apply (those shown that free something) and what they free. */
  groups: readonly number[];
  net: bigint;
  /** The least those groups free (their netSavingMin); `net` where it is exact. */
  min: bigint;
  /** Every one of those groups gave its lower bound and it is its saving: the figure is not "about". */
  exact: boolean;
  /** Groups in the plan (before the filter). */
  all: number;
  filtered: boolean;
  canApply: boolean;
  cannotApplyReason: string | undefined;
  running: boolean;
  /** Deduplicate ran on this plan (its report is shown). */
  spent: boolean;
}

interface ApplyState {
  enabled: boolean;
  /** Why it is disabled (none while something runs). */
  why: string | undefined;
  /** What it would apply ("3 groups, about 1.2 GiB"). */
  scope: string;
}

/** The sentences of the file systems that cannot share blocks, when no group of the plan is on one that can. */
function cannotShareAtAll(plan: DedupeWirePlan | undefined): string[] | undefined {
  if (!plan || plan.groups.length === 0 || !plan.groups.every((g) => g.cannotShare !== undefined)) return undefined;
  return [...new Set(plan.groups.map((g) => g.cannotShare!))];
}

export function applyState(i: ApplyInput): ApplyState {
  const { plan, groups, filtered } = i;
  const nothing =
    i.all > 0
      ? l10n.t('Nothing to free: every duplicate is already shared, or sharing it would free nothing (each group says why).')
      : plan?.total.lockedIn
        ? // (not "nothing to deduplicate": some was found, in files that cannot be changed; the notes name why, e.g. a read-only mount)
          l10n.t(
            'Nothing can be deduplicated: the identical data found is only in files this user may not change (the notes say why and what to do).',
          )
        : l10n.t('Nothing to deduplicate.');
  const cannot = cannotShareAtAll(plan);
  let why: string | undefined;
  if (i.running) why = undefined;
  // the file system's own reason, naming what to do (the host says it too: not trust, not "already shared")
  else if (cannot) why = cannot.join(' ');
  // a plan with nothing to free says so first: trust or the file system would not change that
  else if (plan && groups.length === 0 && !filtered) why = nothing;
  else if (!i.canApply) why = i.cannotApplyReason;
  else if (groups.length === 0) why = filtered ? l10n.t('Nothing to free among the groups shown.') : nothing;
  const scope =
    // nothing to apply: the reason says so ("0 groups, about 0 B" beside it read as a figure; a trial, Find again after Deduplicate)
    !plan || i.spent || cannot || groups.length === 0
      ? ''
      : i.min < i.net
        ? filtered
          ? l10n.t('{0} shown, between {1} and {2}', groupsText(groups.length), humanBytes(i.min), humanBytes(i.net))
          : l10n.t('{0}, between {1} and {2}', groupsText(groups.length), humanBytes(i.min), humanBytes(i.net))
        : i.exact
          ? filtered
            ? l10n.t('{0} shown, {1}', groupsText(groups.length), humanBytes(i.net))
            : l10n.t('{0}, {1}', groupsText(groups.length), humanBytes(i.net))
          : filtered
            ? l10n.t('{0} shown, about {1}', groupsText(groups.length), humanBytes(i.net))
            : l10n.t('{0}, about {1}', groupsText(groups.length), humanBytes(i.net));
  return { enabled: !!plan && i.canApply && !i.running && groups.length > 0 && !cannot, why, scope };
}
