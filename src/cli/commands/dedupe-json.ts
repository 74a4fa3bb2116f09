// extent-lens dedupe --json: the plan, and with --apply the report, as JSON (docs/CLI.md has the
// shape; every byte count a decimal string). The table is dedupe.ts's.

import type { DedupeGroup, DedupePlan, DedupeRange, DedupeReport } from '../../engine';
import { dec, num, obj, str } from '../json';
import { problemsJson, type PathProblems } from '../path-problems';

/**
 * What "freed" is (the view says it in its own words), with how each file system the run was on
 * keeps the metadata sharing changes (a trial: XFS's extent maps named on btrfs).
 */
export function freedNote(fileSystems: readonly string[] = []): string {
  const how = fileSystems.flatMap((f) =>
    f === 'xfs'
      ? [
          'XFS keeps the extent map of a file in more than about 20 extents in blocks of its own, so it can free a few blocks less than estimated',
        ]
      : f === 'btrfs'
        ? ['btrfs frees checksums and extent items with the extents it frees']
        : [],
  );
  return (
    "freed is the change in the file systems' free space (local Linux file systems: free blocks after syncfs; over SMB: the free space the server reports): other writers on them during the run show in it too, " +
    `and so does the file system's own metadata (sharing splits files into more extents${how.length > 0 ? `: ${how.join('; ')}` : ''}).`
  );
}

const strings = (xs: string[]): string => '[' + xs.map(str).join(',') + ']';

const rangesJson = (rs: DedupeRange[]): string =>
  '[' +
  rs
    .map((r) =>
      obj([
        ['path', str(r.path)],
        ['offset', dec(r.offset)],
        ['alreadyShared', r.alreadyShared ? 'true' : undefined],
        ['readOnly', r.readOnly ? 'true' : undefined],
      ]),
    )
    .join(',') +
  ']';

function groupJson(g: DedupeGroup): string {
  return obj([
    ['length', dec(g.length)],
    ['ranges', rangesJson(g.ranges)],
    ['readOnly', g.readOnly?.length ? rangesJson(g.readOnly) : undefined],
    ['netSaving', dec(g.netSaving)],
    ['netSavingMin', dec(g.netSavingMin ?? g.netSaving)],
    ['countedElsewhere', g.countedElsewhere ? dec(g.countedElsewhere) : undefined],
    ['candidateBytes', dec(g.candidateBytes)],
    ['alreadySharedBytes', g.alreadySharedBytes === undefined ? undefined : dec(g.alreadySharedBytes)],
    ['wholeFiles', String(g.wholeFiles)],
    ['compressed', g.compressed ? 'true' : undefined],
    ['placeUnknown', g.placeUnknown ? 'true' : undefined],
    ['cannotShare', g.cannotShare !== undefined ? str(g.cannotShare) : undefined],
    ['warnings', strings(g.warnings)],
  ]);
}

export function dedupeJson(plan: DedupePlan, p: PathProblems, report?: DedupeReport): string {
  const t = plan.total;
  const total: [string, string | undefined][] = [
    ['groups', String(t.groups)],
    ['candidateBytes', dec(t.candidateBytes)],
    ['netSaving', dec(t.netSaving)],
    ['netSavingMin', dec(t.netSavingMin ?? t.netSaving)],
    ['files', String(t.files)],
    ['hashedBytes', dec(t.hashedBytes)],
    ['lockedIn', String(t.lockedIn ?? 0)],
    ['readOnlyMounts', t.readOnlyMounts ? '[' + t.readOnlyMounts.map(str).join(',') + ']' : undefined],
    ['lockedBy', t.lockedBy ? '[' + t.lockedBy.map(str).join(',') + ']' : undefined],
  ];
  if (report)
    total.push(
      ['deduped', dec(report.deduped)],
      ['alreadyShared', dec(report.alreadyShared)],
      ['differed', String(report.differed)],
      ['freed', dec(report.freed)],
      ['calls', String(report.calls)],
    );
  if (report?.cancelled)
    total.push([
      'cancelled',
      obj([
        ['groupsDone', String(report.cancelled.groupsDone)],
        ['groups', String(report.cancelled.groups)],
        ['countsAtLeast', String(report.cancelled.countsAtLeast)],
      ]),
    ]);
  return (
    obj([
      ['groups', '[' + plan.groups.map(groupJson).join(',') + ']'],
      ['total', obj(total)],
      [
        'skipped',
        report
          ? '[' +
            report.skipped
              .map((s) =>
                obj([
                  ['path', str(s.path)],
                  ['offset', dec(s.offset)],
                  ['length', dec(s.length)],
                  ['reason', str(s.reason)],
                  ['message', str(s.message)],
                ]),
              )
              .join(',') +
            ']'
          : undefined,
      ],
      ['errors', problemsJson(plan.errors, p)],
      [
        'cannotApply',
        plan.cannotApply
          ? '[' +
            plan.cannotApply
              .map((e) =>
                obj([
                  ['path', str(e.path)],
                  ['code', str(e.code)],
                  ['message', str(e.message)],
                  ['cannotShare', e.cannotShare ? 'true' : undefined],
                ]),
              )
              .join(',') +
            ']'
          : undefined,
      ],
      [
        'freeBefore',
        report?.remeasure
          ? '[' +
            report.remeasure.volumes
              .map((f) =>
                obj([
                  ['path', str(f.path)],
                  ['bytes', dec(f.freeBefore)],
                ]),
              )
              .join(',') +
            ']'
          : undefined,
      ],
      [
        'notes',
        strings([...plan.notes, ...(report?.notes ?? []), ...(report && report.method !== 'none' ? [freedNote(report.fileSystems)] : [])]),
      ],
      ['durationMs', num(plan.durationMs + (report?.durationMs ?? 0))],
    ]) + '\n'
  );
}
