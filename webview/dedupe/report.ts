// The Dedupe view's result after Deduplicate ran: the sentence in place of the saving line
// (freed, measured, next to the estimate; or how far a cancelled run got), the figures, the
// second measurement where a server frees later, the notes, and the ranges left alone.
import type { DedupeWirePlan, DedupeWireReport } from '../../src/protocol/messages';
import { groupDigits, withHumanSizes, humanBytes } from '../../src/protocol/format';
import { changedSinceSearch } from '../../src/protocol/dedupe-skipped';
import { el, explained } from '../shared/ui';
import { l10n } from '../shared/l10n';
import type { Page } from './page';
import { relPath } from './model';
import { exactBytes } from '../shared/bytes';
import { filesText, groupsText, span } from './texts';

/** Show the report `r` (none: the search's state, nothing ran on this plan). */
export function showReport(page: Page, r: DedupeWireReport | undefined, plan: DedupeWirePlan): void {
  const { report, totals, saving } = page;
  report.replaceChildren();
  report.toggleAttribute('hidden', !r);
  // the search's totals stay for reference, dimmed: the result below is what happened
  totals.classList.toggle('spent', !!r);
  if (r) totals.title = l10n.t('What the search found before deduplicating: Find again to see what is left.');
  else totals.removeAttribute('title');
  if (!r) return;
  const freed = BigInt(r.freed);
  const estimated = BigInt(r.estimated);
  const estimatedMin = r.estimatedMin !== undefined ? BigInt(r.estimatedMin) : estimated;
  // The line under the totals spoke of what sharing would free; now it has been measured.
  const c = r.cancelled;
  // a server that counts freed space at its next commit (btrfs behind Samba): "freed 0 B
  // (measured)" for half a minute read as if nothing was freed
  const waiting = r.remeasured?.pending === true && freed <= 0n;
  // the ranges left alone, by kind: they are why freed falls short (a trial: every range refused
  // on XFS without reflink, and the result blamed "other activity on the volume")
  const changed = r.skipped.filter((k) => changedSinceSearch(k.reason));
  const refused = r.skipped.filter((k) => !changedSinceSearch(k.reason));
  // nothing shared and nothing already shared: not a success, whatever free space did meanwhile
  const nothing = !c && !waiting && BigInt(r.deduped) === 0n && BigInt(r.alreadyShared) === 0n && r.skipped.length > 0;
  // an estimate the search knew exactly (its lower bound given and equal) is not "about"
  const exactEstimate = r.estimatedMin !== undefined && estimatedMin === estimated;
  report.dataset.outcome = nothing ? 'nothing' : r.skipped.length > 0 ? 'partial' : 'done';
  saving.textContent = nothing
    ? [l10n.t('Nothing was deduplicated.'), refusedText(refused.length), changedText(changed.length)].filter(Boolean).join(' ')
    : waiting
      ? l10n.t(
          'Deduplicating shared {0}; the server has not counted any space freed yet (its file system counts it when it commits, up to 30 s). Measuring again…',
          humanBytes(BigInt(r.deduped)),
        )
      : c
        ? l10n.t(
            'Deduplicating was cancelled after {0} of {1}: it freed {2} (measured). Every file still reads as before; what was shared stays shared (the group in progress in part), and the groups not reached are unchanged.',
            groupDigits(BigInt(c.groupsDone)),
            groupsText(c.groups),
            humanBytes(freed),
          )
        : freed < 0n
          ? exactEstimate
            ? l10n.t(
                'Deduplicating freed nothing: the file system uses {0} more than before (measured: its own metadata, or other writers); the search estimated {1}.',
                humanBytes(-freed),
                humanBytes(estimated),
              )
            : l10n.t(
                'Deduplicating freed nothing: the file system uses {0} more than before (measured: its own metadata, or other writers); the search estimated about {1}.',
                humanBytes(-freed),
                humanBytes(estimated),
              )
          : estimatedMin < estimated
            ? l10n.t(
                'Deduplicating freed {0} (measured); the search estimated between {1} and {2}.',
                humanBytes(freed),
                humanBytes(estimatedMin),
                humanBytes(estimated),
              )
            : exactEstimate
              ? l10n.t('Deduplicating freed {0} (measured); the search estimated {1}.', humanBytes(freed), humanBytes(estimated))
              : l10n.t('Deduplicating freed {0} (measured); the search estimated about {1}.', humanBytes(freed), humanBytes(estimated));
  saving.title = exactBytes(freed);
  report.appendChild(
    el('h2', {}, c ? l10n.t('Result (cancelled)') : nothing ? l10n.t('Result: nothing was deduplicated') : l10n.t('Result')),
  );
  const dl = el('dl', { class: 'totals report-totals' });
  const item = (key: string, label: string, value: string, title?: string): void => {
    const pair = el('div', { class: 'kv', 'data-key': key });
    if (title) explained(pair, title);
    pair.append(el('dt', {}, label), el('dd', title ? { title } : {}, value));
    dl.appendChild(pair);
  };
  item('freed', l10n.t('Freed (measured)'), humanBytes(freed), exactBytes(freed));
  // a cancelled run freed what the groups it did freed; the estimate stays the whole plan's
  item(
    'estimated',
    c ? l10n.t('Estimated (all groups)') : l10n.t('Estimated'),
    span(estimatedMin, estimated, humanBytes),
    span(estimatedMin, estimated, exactBytes),
  );
  // counts a sharing thread could not hand back after a cancel are lower bounds
  const most = (v: string): string => (c?.countsAtLeast ? l10n.t('at least {0}', v) : v);
  item('deduped', l10n.t('Shared by the file system'), most(humanBytes(BigInt(r.deduped))), exactBytes(BigInt(r.deduped)));
  if (BigInt(r.alreadyShared) > 0n)
    // of the groups run, not the search's whole figure above it (a trial saw 69 MiB here beside 130 MiB there)
    item('already', l10n.t('Already shared (groups run)'), humanBytes(BigInt(r.alreadyShared)), exactBytes(BigInt(r.alreadyShared)));
  item('differed', l10n.t('Ranges that differed'), groupDigits(BigInt(r.differed)));
  // left alone for a reason other than a change since the search (counted above): as the CLI's "refused"
  item('skipped', l10n.t('Refused'), groupDigits(BigInt(refused.length)));
  // (the calls go on the method's line below: a seventh figure took a row of its own in a wide column)
  report.appendChild(dl);
  if (r.remeasured)
    report.appendChild(
      el(
        'p',
        { class: 'meta remeasured' },
        r.remeasured.pending
          ? l10n.t(
              'Measuring the freed space again for a minute: this file system counts it when it commits (btrfs behind Samba: every 30 s). Last measured {0} s after the run.',
              r.remeasured.afterS,
            )
          : l10n.t('Freed space measured again {0} s after the run (this file system counts it when it commits).', r.remeasured.afterS),
      ),
    );
  report.appendChild(
    el(
      'p',
      { class: 'meta' },
      [
        r.method,
        most(r.calls === 1 ? l10n.t('1 call') : l10n.t('{0} calls', groupDigits(BigInt(r.calls)))),
        // a cancelled run did not run them all ("200 groups" read as done after 27)
        c
          ? l10n.t('{0} of {1} in {2}', groupDigits(BigInt(c.groupsDone)), groupsText(c.groups), filesText(r.files))
          : l10n.t('{0} in {1}', groupsText(r.groups), filesText(r.files)),
        l10n.t('{0} s', (r.durationMs / 1000).toFixed(2)),
      ].join(' · '),
    ),
  );
  // the one note on what freed means (the engine's notes do not repeat it): the ranges left
  // alone first, then what else makes the measurement differ
  const why = whyFreedDiffers(freed, estimated, nothing, refused, changed, c !== undefined, r.fileSystems ?? []);
  if (why) report.appendChild(el('p', { class: 'meta note freed-why' }, why));
  for (const n of r.notes) report.appendChild(el('p', { class: 'meta note' }, withHumanSizes(n)));
  // (Find again is named once: beside the disabled Deduplicate, the host's reason; a trial read it twice)
  report.appendChild(el('p', { class: 'meta' }, l10n.t('The groups below are from the search before deduplicating.')));
  if (r.skipped.length) report.appendChild(skippedList(r, plan));
}

/** The headline's sentence on refused ranges (none: ''). */
function refusedText(n: number): string {
  if (n === 0) return '';
  return n === 1
    ? l10n.t('1 range was refused (see why below).')
    : l10n.t('{0} ranges were refused (see why below).', groupDigits(BigInt(n)));
}

/** The headline's sentence on ranges that changed since the search (none: ''). */
function changedText(n: number): string {
  if (n === 0) return '';
  return n === 1
    ? l10n.t('1 range had changed since the search and was left alone.')
    : l10n.t('{0} ranges had changed since the search and were left alone.', groupDigits(BigInt(n)));
}

type Skipped = DedupeWireReport['skipped'];

/**
 * Why freed (measured) is not the estimate: the ranges refused, then those that changed since
 * the search (each freed nothing; the estimate was the whole plan's, as the CLI says), then
 * what else moves free space; after a cancel, the cancel (what it did not reach freed nothing).
 * Nothing when they agree.
 */
function whyFreedDiffers(
  freed: bigint,
  estimated: bigint,
  nothing: boolean,
  refused: Skipped,
  changed: Skipped,
  cancelled: boolean,
  fileSystems: readonly string[],
): string {
  const bytes = (ks: Skipped): string => humanBytes(ks.reduce((t, k) => t + BigInt(k.length), 0n));
  if (nothing)
    return freed === 0n
      ? ''
      : l10n.t(
          'Freed is measured from the file system’s free space before and after: with nothing deduplicated, the change comes from other activity on the volume.',
        );
  if (freed === estimated) return '';
  if (refused.length === 0 && changed.length === 0 && !cancelled)
    return l10n.t(
      'Freed is measured from the file system’s free space before and after, so the file system’s own metadata counts too ({0}). That, other activity on the volume and extents still held by files outside the selection make it differ from the estimate.',
      metadataText(fileSystems),
    );
  return [
    // a cancel is why it falls short (a trial: 48 MiB of 768 MiB freed, the note blamed metadata and other activity)
    cancelled
      ? l10n.t(
          'Freed is measured from the file system’s free space before and after; the estimate was for the whole plan, and the run was cancelled before its end: what it did not reach freed nothing.',
        )
      : l10n.t('Freed is measured from the file system’s free space before and after; the estimate was for the whole plan.'),
    refused.length === 0
      ? ''
      : refused.length === 1
        ? l10n.t('1 range was refused and freed nothing ({0} long, holes included).', bytes(refused))
        : l10n.t(
            '{0} ranges were refused and freed nothing ({1} long in all, holes included).',
            groupDigits(BigInt(refused.length)),
            bytes(refused),
          ),
    changed.length === 0
      ? ''
      : changed.length === 1
        ? l10n.t('1 range had changed since the search and freed nothing ({0} long, holes included).', bytes(changed))
        : l10n.t(
            '{0} ranges had changed since the search and freed nothing ({1} long in all, holes included).',
            groupDigits(BigInt(changed.length)),
            bytes(changed),
          ),
    cancelled
      ? ''
      : l10n.t(
          'The file system’s own metadata ({0}), other activity on the volume and extents still held by files outside the selection make up the rest of the difference.',
          metadataText(fileSystems),
        ),
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * How the file systems the run was on (as mounted) keep metadata that sharing changes: said of
 * each one named (a trial: "XFS keeps…" on btrfs); in general where none is named (SMB).
 */
function metadataText(fileSystems: readonly string[]): string {
  const each = fileSystems.flatMap((f) =>
    f === 'xfs'
      ? [
          l10n.t(
            'sharing splits files into more extents, and XFS keeps the extent map of a file in more than about 20 extents in blocks of its own',
          ),
        ]
      : f === 'btrfs'
        ? [
            l10n.t(
              'btrfs frees the checksums and extent items of the extents it frees, and keeps an item for each extent sharing splits files into',
            ),
          ]
        : [],
  );
  return each.length > 0
    ? each.join('; ')
    : l10n.t('sharing splits files into more extents, which the file system may keep track of in blocks of its own');
}

/** The ranges left alone, and why (at most 1,000 listed). */
function skippedList(r: DedupeWireReport, plan: DedupeWirePlan): HTMLElement {
  const det = el('details', { class: 'errors skipped', open: '' });
  det.appendChild(
    el(
      'summary',
      {},
      r.skipped.length === 1 ? l10n.t('1 range left alone') : l10n.t('{0} ranges left alone', groupDigits(BigInt(r.skipped.length))),
    ),
  );
  const ul = el('ul');
  for (const k of r.skipped.slice(0, 1000)) {
    // A refusal leads with its code (EOPNOTSUPP — the engine's sentence). A change since the
    // search is the engine's sentence alone, which says how it changed: a label before it said
    // "changed since" twice, and E_CHANGED (our code, not the OS's) showed raw (a review).
    const changed = changedSinceSearch(k.reason);
    const why = k.message ? withHumanSizes(k.message) : undefined;
    const what = changed ? (why ?? l10n.t('changed since the search')) : why ? `${k.reason} \u2014 ${why}` : k.reason;
    ul.appendChild(
      el(
        'li',
        { title: `${k.path} @ ${groupDigits(BigInt(k.offset))} + ${groupDigits(BigInt(k.length))}` },
        // an offset, exact (not a size: "@ 0 B" read as one); the engine's message with grouped bytes
        `${relPath(plan, k.path)} @ ${groupDigits(BigInt(k.offset))}: ${what}`,
      ),
    );
  }
  det.appendChild(ul);
  return det;
}
