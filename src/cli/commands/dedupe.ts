// extent-lens dedupe PATH... [--apply]: find identical data across files (whole files, then
// aligned chunks) and what sharing it would free, net of what is already shared; with --apply,
// share it (Linux FIDEDUPERANGE: the kernel compares the bytes first) and measure the space
// freed. The engine's definitions: docs/ENGINE.md, "Deduplication".

import { isApplied, type DedupeGroup, type DedupePlan, type DedupeRange, type DedupeReport, type Progress } from '../../engine';
import type { Command } from '../command';
import { dedupeJson, FREED_NOTE } from './dedupe-json';
import { escapeControls, exactAndHuman, formatMs, noteLine, renderTable, shellQuoted } from '../format';
import { EXIT_CANCELLED, EXIT_FAILURE, EXIT_OK, asFsctlError } from '../errors';
import { parseSize } from '../numbers';
import { parseByteSize } from '../../protocol/byte-size';
import { writeErr, writeOut } from '../output';
import { classifyProblems, problemsSummary, writeProblems, type PathProblems } from '../path-problems';
import { UsageError } from '../usage-error';
import { amountOf } from '../status-line';
import { groupDigits } from '../../protocol/format';
import { changedSinceSearch } from '../../protocol/dedupe-skipped';

/** No file system has blocks smaller than this: a --chunk that is not a multiple of it fits none. */
const SMALLEST_BLOCK = 512n;
/** The engine's limits on a hash chunk (at least 4 KiB, as duperemove). */
const LARGEST_CHUNK = 1n << 30n;
const SMALLEST_CHUNK = 4096n;

export const dedupeCommand: Command = {
  name: 'dedupe',
  summary: 'Find identical data across files and what sharing it would free; with --apply, share it (space freed measured).',
  args: ['PATH...'],
  variadic: true,
  // In this thread (no engine worker to start): the find and the apply yield every ~20 ms
  // (ctx.maybeYield), so Ctrl-C stops them between reads or calls; large selections are hashed
  // and shared on dedupe-pool.ts's threads as well. Without --apply nothing changes, so a signal
  // ends it at once (it need not wait for a loop to yield).
  readOnly: (v) => v.apply !== true,
  options: {
    apply: {
      type: 'boolean',
      help: 'share the duplicate ranges (the bytes are compared first: FIDEDUPERANGE, or verify-then-clone on SMB)',
    },
    chunk: { type: 'string', value: 'SIZE', help: 'hash chunk: a multiple of the file system block size, 4K to 1G (default 128K)' },
    'min-size': { type: 'string', value: 'SIZE', help: 'skip files smaller than this (default 4K)' },
  },
  description: `Folders are walked recursively; symbolic links are not followed; hard links are examined once
(over SMB: names with one FileId, which include symbolic links the server follows).
Only allocated data is read (never a hole), in aligned chunks; whole files are grouped first,
then runs of equal chunks. Each group's net saving counts only bytes whose physical blocks are
not already the source's: files that are already clones save nothing, and on btrfs data in an
extent that would be shared only in part is left out (with a warning), since btrfs frees an
extent only when nothing references any of it. Without --apply nothing changes.

--apply (Linux, btrfs or XFS with reflink=1): FIDEDUPERANGE, at most 16 MiB per range and
up to 120 destinations per call; a range that changed since the scan is left alone and
reported ("differed"). ext4, tmpfs and other file systems that cannot share: the search
probes them and says so ("cannotApply") instead of suggesting --apply; --apply leaves their
groups alone and shares the rest (a note says so, exit 1), or, with nothing else to share,
refuses before any change (EOPNOTSUPP, exit 1). A range already sharing the source's extents when applied gets no
call ("alreadyShared", never counted as deduped). "freed" is measured from the file system's free blocks
(statfs after syncfs) before and after, next to the estimate (below zero when the file system's
own metadata grew more than it freed). Over SMB (smb:// files and folders) and on Windows:
verify-then-clone (both files opened without FILE_SHARE_WRITE, the bytes compared, then
FSCTL_DUPLICATE_EXTENTS_TO_FILE and read back, 1 MiB at a time; the destination's times are
kept unless something else wrote to it).
Samba holds off other SMB clients, not programs on the server itself: run it when nothing there
writes to these files (a changed source is caught and undone; docs/ENGINE.md). The server may count the space
freed only when its file system commits (btrfs behind Samba: up to 30 s later), so the free
space before the run is given ("freeBefore") to compare with 'extent-lens volume PATH' later.
macOS cannot deduplicate (EOPNOTSUPP).

Exit status: 0 when every path was examined (and with --apply every range was shared or had
changed since the scan), 1 when a named path or something under it could not be (what was found
is still printed; with --apply, still shared) or --apply could not share a range (EPERM on an
immutable file, EROFS, a file gone: on stderr, one line per message with its count, and each in
"skipped") or met a file system that cannot share (its groups left alone and the others shared;
with no other group, nothing changed), 2 on a usage error,
including a --chunk that is not a multiple of the block size (checked when the file system is
opened). Not failures, only notes on stderr ("failed":false in "errors"): a FIFO, socket or
device met in a folder, a file that changed during the scan (left out). A special file or
symbolic link named directly is a failure. When no named path could be read at all (missing,
a wrong SMB password or share, a refused connection) only the errors are printed (--json: the
document with the errors), exit 1. Ctrl-C (SIGINT, SIGTERM, SIGHUP) during --apply stops it
between calls: once sharing has begun the report of what was done is printed (its "cancelled"
says how far it got; "freed" is measured as usual) and the exit status is 130 (143, 129);
before, only the error.

JSON: {"groups":[{"length":"N","ranges":[{"path","offset":"N","alreadyShared":bool?,"readOnly":true?},...],
         "readOnly":[{"path","offset":"N","readOnly":true},...]?,
         "netSaving":"N","netSavingMin":"N","countedElsewhere":"N"?,"candidateBytes":"N","alreadySharedBytes":"N","wholeFiles":bool,"compressed":true?,"placeUnknown":true?,
         "cannotShare":"sentence"?,"warnings":[...]},...],
       "total":{"groups":N,"candidateBytes":"N","netSaving":"N","netSavingMin":"N","files":N,"hashedBytes":"N","lockedIn":N,
                "deduped":"N","alreadyShared":"N","differed":N,"freed":"N","calls":N,   (these five with --apply)
                "cancelled":{"groupsDone":N,"groups":N,"countsAtLeast":bool}},   (an --apply cancelled part way)
alreadySharedBytes: of candidateBytes, those already at the source's place on disk (clones of it,
or parts a dedupe shared before, which "alreadyShared" on a range does not mark): they free nothing.
netSavingMin: the least sharing frees, if every file that already shares a destination's
blocks (FIEMAP says shared, not with whom) lies outside the selection and compressed data
takes nothing on disk; netSaving: the most. lockedIn: sets of identical data found only in
files this user may not change (read-only snapshots, immutable files, other users' files), not
listed as groups. compressed: some of a group's other ranges are compressed (btrfs), counted in
full in netSaving and not at all in netSavingMin. placeUnknown: some of a group's other ranges
have no known place on disk (smb://), so they may already share the source's blocks: counted in
full in netSaving and not at all in netSavingMin. readOnly (a group's): more ranges with the same
data in files the kernel will not change for this user (a read-only snapshot, an immutable file),
left as they are and never counted; a source marked readOnly stays as it is too. cannotShare: the
group's file system cannot share blocks (ext4, tmpfs: the sentence says what to do), so its
netSaving is 0; the table's first line says so. countedElsewhere: bytes the group frees that an
earlier group's netSaving counts already (a file and its snapshot's or reflinked copy, in
different groups: freed once both are shared, counted once); the group is shared all the same.
       "skipped":[{"path","offset":"N","length":"N","reason","message"}],   (with --apply)
       "errors":[{"path","code","message","failed":bool}],
       "cannotApply":[{"path","code","message","cannotShare":true?}],   (file systems that cannot dedupe, if any;
                   cannotShare: it cannot share blocks at all, and --apply leaves its groups alone)
       "freeBefore":[{"path","bytes":"N"}],   (with --apply over SMB / on Windows: free space before, per volume)
       "notes":[...],"durationMs":N}`,
  async run(ctx) {
    const size = (name: string): bigint | undefined => {
      const v = ctx.values[name];
      return typeof v === 'string' ? parseSize(v, `--${name}`) : undefined;
    };
    const chunkText = typeof ctx.values.chunk === 'string' ? ctx.values.chunk : undefined;
    // past 2^63 - 1 it is still "more than 1 GiB" (a chunk's limit), not past the largest file offset
    const tooLarge = chunkText !== undefined && (parseByteSize(chunkText) as { error?: string }).error === 'too-large';
    const chunk = tooLarge ? undefined : size('chunk');
    if (tooLarge || (chunk !== undefined && (chunk < SMALLEST_CHUNK || chunk > LARGEST_CHUNK || chunk % SMALLEST_BLOCK !== 0n))) {
      const why =
        chunk === undefined || chunk > LARGEST_CHUNK
          ? 'more than 1 GiB'
          : chunk < SMALLEST_CHUNK
            ? 'less than 4K'
            : `not a multiple of ${SMALLEST_BLOCK}, the smallest block`;
      throw new UsageError(
        `--chunk: ${chunkText} is ${chunk === undefined ? '' : `${chunk} byte${chunk === 1n ? '' : 's'}, `}${why}; use a multiple of the file system's block size from 4K up to 1 GiB, such as 128K (4k, 1M and 1MiB count in 1024s; 1MB in 1000s).`,
      );
    }
    const minSize = size('min-size');
    const engine = await ctx.engine();
    const plan = await engine
      .findDuplicates(ctx.positionals, { signal: ctx.signal, chunk, minSize, onProgress: ctx.progress(findProgress) })
      .catch((e: unknown) => {
        // The block size is known only once the file system is open: still a wrong --chunk (exit 2).
        const f = asFsctlError(e);
        throw f?.code === 'E_MISALIGNED' ? new UsageError(`--chunk: ${f.message.replace(/^dedupe: /, '')}`) : e;
      });
    const p = classifyProblems(ctx.positionals, plan.errors);
    writeProblems('dedupe', plan.errors, p);
    // Nothing could be read (a wrong password, a missing share or path): the errors say it all.
    if (p.nothingExamined && !ctx.json) return EXIT_FAILURE;
    // --apply where the search found a file system that cannot share (ext4, tmpfs): its groups
    // are left alone and the rest shared; with no other group, refused before any change. Either
    // way stderr names it and the exit status is 1; the groups are still shown, with why.
    // (a probe file gone since the search is no verdict: the engine skips it and applies the rest)
    const cannot = plan.cannotApply?.filter((e) => e.cannotShare === true) ?? [];
    // (refused when no other group would be applied: those already shared free nothing either)
    const refusedHere =
      ctx.values.apply === true && cannot.length > 0 && !plan.groups.some((g) => g.cannotShare === undefined && isApplied(g));
    if (ctx.values.apply === true)
      for (const e of cannot)
        writeErr(
          `extent-lens dedupe: ${escapeControls(e.message.replace(/^dedupe: /, ''))}` +
            (refusedHere ? '\n' : ` Its groups were left alone; the others were shared.\n`),
        );
    const report =
      ctx.values.apply === true && !p.nothingExamined && !refusedHere
        ? await engine.dedupe(plan, { signal: ctx.signal, onProgress: ctx.progress(applyProgress(plan.groups.length)) })
        : undefined;
    if (report) for (const line of skippedLines(report)) writeErr(line);
    writeOut(ctx.json ? dedupeJson(plan, p, report) : dedupeHuman(plan, p, report));
    // Cancelled part way: what was done is printed above as a report; the exit status says cancelled.
    if (report?.cancelled) {
      writeErr(`extent-lens dedupe: ${cancelledLine(report)}\n`);
      return EXIT_CANCELLED;
    }
    return p.failures.length > 0 || (ctx.values.apply === true && cannot.length > 0) || (report && refused(report) > 0)
      ? EXIT_FAILURE
      : EXIT_OK;
  },
};

/** The stderr sentence of a cancelled apply (the report on stdout has the figures too). */
function cancelledLine(r: DedupeReport): string {
  const c = r.cancelled!;
  const most = c.countsAtLeast ? 'at least ' : '';
  return (
    `cancelled after ${c.groupsDone} of ${c.groups} group${c.groups === 1 ? '' : 's'}: ${most}${exactAndHuman(r.deduped)} shared in ${most}${r.calls} call${r.calls === 1 ? '' : 's'}, ` +
    `freed ${exactAndHuman(r.freed)} measured. Every file still reads exactly as before; what was shared stays shared, and running it again ` +
    // over SMB what is already shared cannot be seen: the next run compares and clones it again (a no-op on the disk)
    `${r.method.includes('verified') ? 'shares the rest (over SMB it compares and clones again what was shared: the server does not say what is)' : 'continues with the rest'} (E_CANCELLED).`
  );
}

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
const refused = (r: DedupeReport): number => r.skipped.filter((s) => !changedSinceSearch(s.reason)).length;

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
      `nothing to apply: ${plan.groups.length === 0 ? 'no duplicate data was found' : 'no group frees anything'}; nothing was changed\n`,
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
  for (const n of [...plan.notes, ...(report?.notes ?? []), ...(report && report.method !== 'none' ? [FREED_NOTE] : [])])
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

/** The search's progress line: files found while the walk goes on, then bytes hashed of the data to hash. */
function findProgress(p: Progress): string {
  const files = `${groupDigits(BigInt(p.files ?? 0))} file${p.files === 1 ? '' : 's'}`;
  return p.total > 0n ? `${amountOf(p.done, p.total)} hashed, ${files} done` : `${files} found`;
}

/** The apply's progress line: groups done (the engine counts them in `files`) and bytes compared. */
const applyProgress =
  (groups: number) =>
  (p: Progress): string =>
    `${groupDigits(BigInt(p.files ?? 0))} of ${groupDigits(BigInt(groups))} group${groups === 1 ? '' : 's'} done, ${amountOf(p.done, p.total)} compared`;
