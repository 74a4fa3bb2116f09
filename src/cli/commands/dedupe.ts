// extent-lens dedupe PATH... [--apply]: find identical data across files (whole files, then
// aligned chunks) and what sharing it would free, net of what is already shared; with --apply,
// share it (Linux FIDEDUPERANGE: the kernel compares the bytes first) and measure the space
// freed. The engine's definitions: docs/ENGINE.md, "Deduplication". What it prints:
// dedupe-human.ts (the table and totals), dedupe-json.ts (--json).

import { isApplied, lockedInAdvice, type DedupePlan, type DedupeReport, type Progress } from '../../engine';
import type { Command } from '../command';
import { dedupeJson } from './dedupe-json';
import { dedupeHuman, refused, skippedLines } from './dedupe-human';
import { escapeControls, exactAndHuman } from '../format';
import { EXIT_CANCELLED, EXIT_FAILURE, EXIT_OK, asFsctlError } from '../errors';
import { parseSize } from '../numbers';
import { parseByteSize } from '../../protocol/byte-size';
import { writeErr, writeOut } from '../output';
import { classifyProblems, writeProblems } from '../path-problems';
import { UsageError } from '../usage-error';
import { amountOf } from '../status-line';
import { groupDigits } from '../../protocol/format';

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
       "total":{"groups":N,"candidateBytes":"N","netSaving":"N","netSavingMin":"N","files":N,"hashedBytes":"N","lockedIn":N,"readOnlyMounts":[...]?,"lockedBy":[...]?,
                "deduped":"N","alreadyShared":"N","differed":N,"freed":"N","calls":N,   (these five with --apply)
                "cancelled":{"groupsDone":N,"groups":N,"countsAtLeast":bool}},   (an --apply cancelled part way)
alreadySharedBytes: of candidateBytes, those already at the source's place on disk (clones of it,
or parts a dedupe shared before, which "alreadyShared" on a range does not mark): they free nothing.
netSavingMin: the least sharing frees, if every file that already shares a destination's
blocks (FIEMAP says shared, not with whom) lies outside the selection and compressed data
takes nothing on disk; netSaving: the most. lockedIn: sets of identical data found only in
files this user may not change (read-only snapshots, immutable files, other users' files), not
listed as groups; readOnlyMounts: the read-only mounts (EROFS) among them; lockedBy: why
(readOnlyMount, readOnly, immutable, otherUser, share). With --apply, when
they are all there is (no group), nothing is attempted: stderr says why and the exit status is 1. compressed: some of a group's other ranges are compressed (btrfs), counted in
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
  examples: [
    { command: 'extent-lens dedupe vms', says: 'preview: the duplicate data in the folder and what sharing it would free' },
    { command: 'extent-lens dedupe vms --apply', says: 'then share it (the bytes are compared first) and measure what was freed' },
  ],
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
    // Asked to apply, duplicates found, and every one in files the kernel will not change (a
    // read-only mount, a read-only snapshot, immutable or other users' files): nothing could be
    // attempted, which is a failure to do what was asked (a trial: exit 0, "nothing to apply")
    const lockedOut = ctx.values.apply === true && !p.nothingExamined && plan.groups.length === 0 && (plan.total.lockedIn ?? 0) > 0;
    if (lockedOut) writeErr(`extent-lens dedupe: ${escapeControls(lockedOutLine(plan))}\n`);
    // Cancelled part way: what was done is printed above as a report; the exit status says cancelled.
    if (report?.cancelled) {
      writeErr(`extent-lens dedupe: ${cancelledLine(report)}\n`);
      return EXIT_CANCELLED;
    }
    return p.failures.length > 0 || lockedOut || (ctx.values.apply === true && cannot.length > 0) || (report && refused(report) > 0)
      ? EXIT_FAILURE
      : EXIT_OK;
  },
};

/** Why --apply shared nothing when all the identical data found lies in files this user may not change. */
function lockedOutLine(plan: DedupePlan): string {
  const sets = plan.total.lockedIn ?? 0;
  return (
    `nothing was shared: the ${sets} set${sets === 1 ? '' : 's'} of identical data found ${sets === 1 ? 'is' : 'are'} only in files the kernel ` +
    `will not change for this user. ${lockedInAdvice(plan.total.lockedBy ?? [], plan.total.readOnlyMounts ?? [])}`
  );
}

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
