// extent-lens dedupe's human output: the table of groups (the source first, each group's net
// saving on its first row), the groups with nothing to gain summed in one line, the warnings,
// the total and, after --apply, what was shared and freed; and the stderr lines of the ranges
// left alone. Apart from the command (dedupe.ts), as the JSON is (dedupe-json.ts).

import { shellQuoted, type DedupeGroup, type DedupePlan, type DedupeRange, type DedupeReport } from '../../engine';
import { freedNote } from './dedupe-json';
import { escapeControls, exactAndHuman, formatMs, noteLine, renderTable } from '../format';
import { problemsSummary, type PathProblems } from '../path-problems';
import { changedSinceSearch } from '../../protocol/dedupe-skipped';

/**
 * One stderr line per distinct message of the skipped ranges, with how many ranges it stands for
 * when more than one (a refused file in many ranges of one group said it once per range).
 */
export function skippedLines(r: DedupeReport): string[] {
  const count = new Map<string, number>();
  for (const s of r.skipped) count.set(s.message, (count.get(s.message) ?? 0) + 1);
  const lines = [...count].map(
    ([m, n]) => `extent-lens dedupe: ${escapeControls(m.replace(/^dedupe: /, ''))}${n > 1 ? ` (${n} ranges)` : ''}\n`,
  );
  // a tree that changed since the search can skip thousands of ranges, each named by its offset
  if (lines.length <= MAX_SKIPPED_LINES) return lines;
  const rest = [...count.values()].slice(MAX_SKIPPED_LINES).reduce((t, n) => t + n, 0);
  return [
    ...lines.slice(0, MAX_SKIPPED_LINES),
    `extent-lens dedupe: and ${rest} more skipped range${rest === 1 ? '' : 's'} (--json lists each in "skipped")\n`,
  ];
}

/**
 * The estimate was the whole plan's: the ranges left alone and how long they are, after it
 * (none: nothing). Their length counts holes and zeros, which the estimate does not: said so.
 */
function skippedPart(r: DedupeReport): string {
  // a cancelled run freed what its groups done freed; the estimate is still the whole plan's
  if (r.skipped.length === 0) return r.cancelled ? ' for the whole plan' : '';
  const bytes = r.skipped.reduce((t, x) => t + x.length, 0n);
  const n = r.skipped.length;
  return ` for the whole plan, of which ${n} range${n === 1 ? '' : 's'} ${n === 1 ? 'was' : 'were'} left alone: ${exactAndHuman(bytes)} long${n === 1 ? '' : ' in all'}, holes included`;
}

/** Skipped-range messages printed on stderr before the rest are summed up in one line. */
const MAX_SKIPPED_LINES = 20;

/** Ranges the system refused to share (EPERM, EROFS, a file gone...): a failure; a range that changed since the scan is not. */
export const refused = (r: DedupeReport): number => r.skipped.filter((s) => !changedSinceSearch(s.reason)).length;

/** The table's place when there is no group: nothing found, or nothing this user can share; only in what was examined. */
function nothingFound(plan: DedupePlan): string {
  const n = plan.total.files;
  const where = plan.errors.length > 0 ? ` in the ${n} file${n === 1 ? '' : 's'} examined` : '';
  const sets = plan.total.lockedIn ?? 0;
  return sets > 0
    ? `no duplicate data that can be shared${where || ' here'}: the ${sets} set${sets === 1 ? '' : 's'} of identical data found ${sets === 1 ? 'is' : 'are'} in files this user may not change (see the note below)\n`
    : `no duplicate data found${where}\n`;
}

/** Where the reasons for a lower bound are: blocks shared elsewhere in the groups' warnings, compression in a note. */
function whyAtLeast(plan: DedupePlan): string {
  const warned = plan.groups.some((g) => g.warnings.length > 0);
  const compressed = plan.groups.some((g) => g.compressed);
  return warned && compressed ? 'warnings and notes' : warned ? 'warnings' : 'notes';
}

/** Every copy's data already at the source's place, nothing to warn of: a group with nothing to gain. */
const alreadySettled = (g: DedupeGroup): boolean =>
  g.netSaving === 0n && g.candidateBytes > 0n && g.alreadySharedBytes === g.candidateBytes && g.warnings.length === 0 && !g.cannotShare;

/** One row per range: its group, the group's saving on the group's first row, the source first. */
export function dedupeHuman(plan: DedupePlan, p: PathProblems, report?: DedupeReport): string {
  const rows: string[][] = [];
  // every file holding the data: the ranges to share, then those no one here may change (left as they are)
  const role = (g: DedupeGroup, r: DedupeRange, k: number): string =>
    k === 0
      ? `${g.wholeFiles ? 'source (file)' : 'source'}${r.readOnly ? ', read-only' : ''}`
      : r.readOnly
        ? 'read-only (left as is)'
        : r.alreadyShared
          ? 'already shared'
          : 'duplicate';
  // Groups whose every copy already sits on the source's blocks (clones, a reflinked backup
  // chain) have nothing to gain: one line after the table, not hundreds of rows (a trial: 947 such
  // groups, 2,035 lines); --json lists them. Their numbers stay theirs, as in --json.
  let settled = 0;
  let settledBytes = 0n;
  plan.groups.forEach((g, i) => {
    if (alreadySettled(g)) {
      settled++;
      settledBytes += g.candidateBytes;
      return;
    }
    const all = [...g.ranges, ...(g.readOnly ?? [])];
    // a group of many ranges (repeated data, zeros written as data) shows its first ones, as the
    // view shows such a group collapsed; --json lists every range
    const shown = all.length > MAX_GROUP_ROWS ? all.slice(0, MAX_GROUP_ROWS - 1) : all;
    shown.forEach((r, k) =>
      rows.push([
        k === 0 ? String(i + 1) : '',
        k === 0 ? netCell(g) : '',
        k === 0 ? g.length.toString() : '',
        r.offset.toString(),
        role(g, r, k),
        escapeControls(r.path),
      ]),
    );
    if (shown.length < all.length) rows.push(['', '', '', '', '', `… and ${all.length - shown.length} more ranges (--json lists them)`]);
  });
  const table = rows.length
    ? renderTable(
        [
          { header: 'group', align: 'right' },
          { header: 'net saving', align: 'right' },
          { header: 'length', align: 'right' },
          { header: 'offset', align: 'right' },
          { header: 'role', align: 'left' },
          { header: 'path', align: 'left' },
        ],
        rows,
      )
    : settled > 0
      ? ''
      : nothingFound(plan);
  const settledLine =
    settled === 0
      ? []
      : [
          `${rows.length > 0 ? 'and ' : ''}${settled} group${settled === 1 ? '' : 's'} of identical data whose copies already share ` +
            `the source's blocks (clones, reflinked copies: ${exactAndHuman(settledBytes)}): nothing to gain, not listed (--json lists them)\n`,
        ];
  const t = plan.total;
  // Up front: a file system that cannot share blocks frees nothing, whatever identical data it holds.
  const cannot = plan.groups.filter((g) => g.cannotShare !== undefined);
  const lines = [...new Set(cannot.map((g) => g.cannotShare!))].map(
    (why) =>
      `cannot deduplicate here: ${escapeControls(why)} The identical data below ${cannot.length === plan.groups.length ? 'is' : 'on that file system is'} listed, but sharing it frees nothing there.\n`,
  );
  lines.push(table, ...settledLine);
  // A writer busy during the scan can leave a warning on every group: the first ones, then a count.
  const warnings = plan.groups.flatMap((g, i) => g.warnings.map((w) => `warning: group ${i + 1}: ${escapeControls(w)}\n`));
  lines.push(...warnings.slice(0, MAX_WARNING_LINES));
  if (warnings.length > MAX_WARNING_LINES)
    lines.push(`warning: ${warnings.length - MAX_WARNING_LINES} more warnings on the groups above (--json lists them all)\n`);
  // Of the duplicate bytes, those already at the source's place (clones, a reflinked backup
  // chain): said beside them, as the view does, so "duplicate N, net saving 0" is not left to
  // read as data that could not be shared.
  const already = plan.groups.reduce((sum, g) => sum + (g.alreadySharedBytes ?? 0n), 0n);
  lines.push(
    `total: ${t.groups} group${t.groups === 1 ? '' : 's'} (${t.files} file${t.files === 1 ? '' : 's'} examined), ` +
      `duplicate ${exactAndHuman(t.candidateBytes)}${already > 0n ? `, of which already shared ${exactAndHuman(already)}` : ''}, ` +
      `net saving ${exactAndHuman(t.netSaving)}` +
      (cannot.length > 0
        ? cannot.length === plan.groups.length
          ? ' (this file system cannot share blocks: see the first line)'
          : ` (not counting ${cannot.length} group${cannot.length === 1 ? '' : 's'} on a file system that cannot share blocks: see the first line)`
        : '') +
      (atLeast(t.netSavingMin, t.netSaving) ? `, at least ${exactAndHuman(t.netSavingMin!)} (see the ${whyAtLeast(plan)})` : '') +
      ` (hashed ${exactAndHuman(t.hashedBytes)})\n`,
  );
  if (report?.method === 'none')
    // no group was applied: nothing was sent, and the free space was not measured
    lines.push(
      `nothing to apply: ${
        plan.groups.length > 0
          ? 'no group frees anything'
          : (t.lockedIn ?? 0) > 0
            ? // (not "no duplicate data was found": the line above says some was, in files this user may not change)
              'the identical data found is only in files this user may not change'
            : 'no duplicate data was found'
      }; nothing was changed\n`,
    );
  else if (report)
    lines.push(
      (report.cancelled
        ? `applied until cancelled (${report.method}), ${report.cancelled.groupsDone} of ${report.cancelled.groups} groups done: ` +
          `shared ${report.cancelled.countsAtLeast ? 'at least ' : ''}`
        : `applied (${report.method}): shared `) +
        `${exactAndHuman(report.deduped)} in ${report.calls} call${report.calls === 1 ? '' : 's'}, ` +
        (report.alreadyShared > 0n ? `already shared before: ${exactAndHuman(report.alreadyShared)}, ` : '') +
        `${report.differed} range${report.differed === 1 ? '' : 's'} differed` +
        (refused(report) > 0 ? `, ${refused(report)} refused (see the messages above)` : '') +
        `; freed ${exactAndHuman(report.freed)} measured${report.remeasure ? ' so far (the server may count more at its next commit: see below)' : ''} (estimated ` +
        (atLeast(report.estimatedMin, report.estimated) ? `${exactAndHuman(report.estimatedMin!)} to ` : '') +
        `${exactAndHuman(report.estimated)}${skippedPart(report)})\n`,
    );
  else if (plan.cannotApply?.every((e) => e.cannotShare === true) && cannot.length < plan.groups.length && t.netSaving > 0n)
    // groups on file systems that can share, next to ones that cannot: --apply shares the former
    lines.push(
      'nothing was changed; run again with --apply to share the groups on the other file systems (it leaves those named in the first line alone)\n',
    );
  else if (plan.cannotApply?.length) {
    // (a file system that cannot share at all was said up front; a probe that failed otherwise is said here)
    const said = new Set(cannot.map((g) => g.cannotShare));
    if (plan.cannotApply.some((e) => said.has(e.message)))
      lines.push('nothing was changed; --apply cannot share the groups there (see the first line)\n');
    for (const e of plan.cannotApply)
      if (!said.has(e.message)) lines.push(`nothing was changed; --apply cannot share these here: ${escapeControls(e.message)}\n`);
  } else if (t.netSaving > 0n) lines.push('nothing was changed; run again with --apply to share these ranges\n');
  for (const n of [...plan.notes, ...(report?.notes ?? []), ...(report && report.method !== 'none' ? [freedNote(report.fileSystems)] : [])])
    lines.push(noteLine(escapeControls(n)) + '\n');
  // where the server frees only at its commit: what to compare with later
  for (const f of report?.remeasure?.volumes ?? []) {
    // the command as it is typed, in quotes of the other kind where the path needs single quotes
    const cmd = `extent-lens volume ${shellQuoted(f.path)}`;
    lines.push(
      noteLine(
        escapeControls(
          `free space before the run on the volume of ${f.path}: ${exactAndHuman(f.freeBefore)}; ${cmd.includes("'") ? `"${cmd}"` : `'${cmd}'`} shows it now (the difference is what was freed, once that file system has committed).`,
        ),
      ) + '\n',
    );
  }
  lines.push(problemsSummary(p, 'examined'));
  lines.push(`done in ${formatMs(plan.durationMs + (report?.durationMs ?? 0))}\n`);
  return lines.join('');
}

const MAX_WARNING_LINES = 20;
/** Table rows per group at most (the view collapses groups of more than 20 ranges too). */
const MAX_GROUP_ROWS = 20;

/** A group's net saving in the table: one figure where it is exact, else its bounds (as the total line). */
function netCell(g: DedupeGroup): string {
  if (g.cannotShare !== undefined) return '0 (cannot share)';
  const min = g.netSavingMin ?? g.netSaving;
  if (min >= g.netSaving) return g.netSaving.toString();
  return min === 0n ? `up to ${g.netSaving}` : `${min} to ${g.netSaving}`;
}

/** A lower bound worth saying: known and below the estimate. */
const atLeast = (min: bigint | undefined, most: bigint): boolean => min !== undefined && min < most;
