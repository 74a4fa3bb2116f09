// extent-lens space PATH...: what a selection of files and folders costs on disk (allocated,
// shared, exclusive, unique) and what deleting it would free, exact or as bounds, with which
// files share blocks with which. The engine's definitions: docs/ENGINE.md, "Space accounting".

import type { SpaceFile, SpacePathTotals, SpaceResult, SpaceTotals } from '../../engine';
import type { Command } from '../command';
import { escapeControls, exactAndHuman, formatMs, humanUnit, noteLine, renderTable } from '../format';
import { dec, num, obj, str } from '../json';
import { EXIT_FAILURE, EXIT_OK } from '../errors';
import { ChunkWriter, writeOut } from '../output';
import { classifyProblems, problemsJson, problemsSummary, writeProblems, type PathProblems } from '../path-problems';
import { sharingKnown, sharingSums, type SharingSums } from '../../protocol/space-sharing';
import { groupDigits, withHumanSizes } from '../../protocol/format';

export const spaceCommand: Command = {
  name: 'space',
  summary: 'Account the disk space of files and folders: allocated, shared, exclusive, and what deleting them frees.',
  args: ['PATH...'],
  variadic: true,
  // Only reads: Ctrl-C stops it at once (nothing to clean up).
  readOnly: true,
  options: {
    'exact-scan': {
      type: 'boolean',
      help: 'where the file system cannot name who shares an extent, map every other file of it to find out (XFS without rmapbt, ext4)',
    },
  },
  description: `Folders are walked recursively; symbolic links are not followed; hard links are counted once
(over SMB: names with one FileId, which include symbolic links the server follows);
each file system is accounted apart. Per file: size, allocated (bytes in data extents,
unwritten included), shared (extents the file system reports shared), exclusive
(allocated - shared, as \`btrfs filesystem du\`). For the selection: unique (the union of the
physical ranges of all its extents) and reclaimable (what deleting it frees): exact where
nothing is shared, on btrfs as root (BTRFS_IOC_LOGICAL_INO_V2 names who shares each extent),
on XFS with the reverse-mapping btree as root (FS_IOC_GETFSMAP names who shares each block),
with reference counts, or with --exact-scan (every other file of the file system is mapped:
exact on XFS); else between the exclusive total and unique (reclaimableExact false; the notes
say why). reclaimableBounds says whether the two figures bound it: false on btrfs without root
and over SMB, where they count the bytes the files reference (btrfs frees an extent only whole,
and compressed data takes less, so the freed space can fall outside them), and in the total when
some path could not be read (then reclaimable is only a floor). Every figure is file data:
folders' own blocks and the file system's metadata (inodes) are not counted. Paths that cannot be read are reported on stderr and in "errors"; the scan goes on.
smb:// paths are walked over SMB; the server gives only allocated ranges there, so their
sharing is unknown (sharingUnknown, a note, and bounds from 0): the table shows shared and
exclusive as "unknown" (and the totals over the files whose sharing is known). In JSON such
a file keeps the numbers as defined (shared 0, exclusive = allocated, its bytes in unique):
check "sharingUnknown" (and the totals' "sharingUnknownFiles") before reading them as measured.
With several PATHs the table is followed by each one's files summed (files, allocated, shared,
exclusive: a line per PATH, as btrfs filesystem du -s; a file under two nested PATHs counts
under the deeper one, and a PATH with others inside it reads "PATH (without INNER)": its line
leaves their files out, while deleting the whole folder frees more) and what deleting that
PATH's files alone would free ("frees alone"):
data shared only between its own files counts, data another PATH (or a file outside) also
references does not; exact where the whole selection's figure is (btrfs and XFS with rmapbt,
as root, or a complete --exact-scan), else bounds as the total's (its exclusive bytes to its
unique bytes).
The table's "shares" column: how many other files of the selection share extents with the file
(sharesWithCount). Files outside the selection (a snapshot, a clone elsewhere) are not counted,
so a file can show shared bytes and 0 here.
Exit status (as du): 0 when every path was accounted for, 1 when some could not be (the rows and
totals of the rest are still printed), 2 on a usage error. Not failures, only notes on stderr
("failed":false in "errors"): a FIFO, socket or device met in a folder (skipped), a file that
changed during the scan (counted as mapped). A file removed during the scan is a failure (it
cannot be accounted; as du), and so is a special file or symbolic link named directly. When no named path could be read at all (missing, a
wrong SMB password or share, a refused connection) only the errors are printed (--json: the
document with the errors), exit 1.

JSON: {"files":[{"path","size":"N","allocated":"N","shared":"N","exclusive":"N","sharedInside":"N",
        "sharesWith":[{"path","bytes":"N"}],"sharesWithCount":N,"fileSystem":N,"encoded":"N",...},...],
       "total":{"files":N,"size":"N","allocated":"N","shared":"N","exclusive":"N","unique":"N",
                "reclaimable":"N","reclaimableExact":bool,"reclaimableMax":"N","reclaimableBounds":bool,
                "sharingUnknownFiles":N (only when some file's sharing is unknown)},
       "paths":[{"path","files":N,"size":"N","allocated":"N","shared":"N","exclusive":"N","reclaimable":"N",
                 "reclaimableExact":bool,"reclaimableMax":"N","reclaimableBounds":bool,"without":[PATH,...]},...]
               (each PATH's files summed; what deleting it alone frees; "without": the PATHs given inside it, whose files it leaves out),
       "fileSystems":[{...the total's members,"filesystem","id","mountPoint","encoded":"N","notes":[...]}],
       "errors":[{"path","code","message","failed":bool}],"symlinks":N,"hardLinks":N,"notes":[...],"durationMs":N}`,
  examples: [
    { command: 'extent-lens space vms', says: 'what the folder takes on disk, shared and exclusive, and what deleting it frees' },
    { command: 'extent-lens space vms backup --json', says: "two folders, each one's sums too, for a script" },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const opts = {
      signal: ctx.signal,
      exactScan: ctx.values['exact-scan'] === true,
      // files and bytes while mapping; the engine's message names a later step (owners, exact scan)
      onProgress: ctx.progress((p) => {
        const files = `${groupDigits(BigInt(p.files ?? 0))} file${p.files === 1 ? '' : 's'}, ${humanUnit(p.done)} allocated`;
        return p.message ? `${files}; ${p.message}` : files;
      }),
    };
    if (ctx.json) {
      // The rows are written as the engine makes them, never all held (issue 13: memory).
      // Rows gathered into ~64 KiB of text per write: one UTF-8 encode per batch, not per row.
      const w = new ChunkWriter();
      let rows = 0;
      let batch = '';
      const onFile = (f: SpaceFile): void => {
        batch += (rows++ === 0 ? '{"files":[' : ',') + fileJson(f);
        if (batch.length >= 65536) {
          w.push(batch);
          batch = '';
        }
      };
      const r = await engine.space(ctx.positionals, { ...opts, onFile });
      w.push(batch);
      const p = classifyProblems(ctx.positionals, r.errors);
      writeProblems('space', r.errors, p);
      writeSpaceTail(r, w, rows === 0, p);
      return exitStatus(p);
    }
    const r = await engine.space(ctx.positionals, opts);
    const p = classifyProblems(ctx.positionals, r.errors);
    writeProblems('space', r.errors, p);
    // Nothing could be read (a wrong password, a missing share or path): the errors say it all.
    if (!p.nothingExamined) writeOut(spaceHuman(r, p, ctx.positionals));
    return exitStatus(p);
  },
};

/** 1 (like du) when some path could not be accounted for, else 0 (notes are not failures: path-problems.ts). */
const exitStatus = (p: PathProblems): number => (p.failures.length > 0 ? EXIT_FAILURE : EXIT_OK);

const totalsMembers = (t: SpaceTotals): [string, string | undefined][] => [
  ['files', String(t.files)],
  ['size', dec(t.size)],
  ['allocated', dec(t.allocated)],
  ['shared', dec(t.shared)],
  ['exclusive', dec(t.exclusive)],
  ['unique', dec(t.unique)],
  ['reclaimable', dec(t.reclaimable)],
  ['reclaimableExact', String(t.reclaimableExact)],
  ['reclaimableMax', dec(t.reclaimableMax)],
  ['reclaimableBounds', String(t.reclaimableBounds)],
  ['sharingUnknownFiles', t.sharingUnknownFiles === undefined ? undefined : String(t.sharingUnknownFiles)],
];

/** One file's row, concatenated directly (the members in this order; 200,000 rows per second matter). */
function fileJson(f: SpaceFile): string {
  let shares = '';
  for (const x of f.sharesWith) shares += (shares === '' ? '{"path":' : ',{"path":') + str(x.path) + ',"bytes":"' + x.bytes + '"}';
  return (
    '{"path":' +
    str(f.path) +
    ',"size":"' +
    f.size +
    '","allocated":"' +
    f.allocated +
    '","shared":"' +
    f.shared +
    '","exclusive":"' +
    f.exclusive +
    (f.sharedInside === undefined ? '' : '","sharedInside":"' + f.sharedInside) +
    '","sharesWith":[' +
    shares +
    '],"sharesWithCount":' +
    f.sharesWithCount +
    ',"fileSystem":' +
    f.fileSystem +
    (f.sharingUnknown ? ',"sharingUnknown":true' : '') +
    (f.encoded === undefined ? '' : ',"encoded":"' + f.encoded + '"') +
    (f.inline === undefined ? '' : ',"inline":"' + f.inline + '"') +
    '}'
  );
}

/** After the rows (`noRows`: none was written, so the document is opened here): the rest, then flush. */
function writeSpaceTail(r: SpaceResult, w: ChunkWriter, noRows: boolean, p: PathProblems): void {
  if (noRows) w.push('{"files":[');
  const tail = obj([
    ['total', obj(totalsMembers(r.total))],
    // the rows summed per path given, and what deleting each alone frees (the engine's paths)
    [
      'paths',
      '[' +
        (r.paths ?? [])
          .map((x) =>
            obj([
              ['path', str(x.path)],
              ['files', String(x.files)],
              ['size', dec(x.size)],
              ['allocated', dec(x.allocated)],
              ['shared', dec(x.shared)],
              ['exclusive', dec(x.exclusive)],
              ['sharingUnknownFiles', x.sharingUnknownFiles === undefined ? undefined : String(x.sharingUnknownFiles)],
              ['reclaimable', dec(x.reclaimable)],
              ['reclaimableExact', String(x.reclaimableExact)],
              ['reclaimableMax', dec(x.reclaimableMax)],
              ['reclaimableBounds', String(x.reclaimableBounds)],
              // the paths given inside it, whose files its figures leave out
              ['without', x.without ? strings(x.without) : undefined],
            ]),
          )
          .join(',') +
        ']',
    ],
    [
      'fileSystems',
      '[' +
        r.fileSystems
          .map((s) =>
            obj([
              ...totalsMembers(s),
              ['filesystem', str(s.filesystem)],
              ['id', str(s.id)],
              ['mountPoint', s.mountPoint === undefined ? undefined : str(s.mountPoint)],
              ['encoded', s.encoded === undefined ? undefined : '"' + s.encoded + '"'],
              ['notes', strings(s.notes)],
            ]),
          )
          .join(',') +
        ']',
    ],
    ['errors', problemsJson(r.errors, p)],
    ['symlinks', String(r.symlinks)],
    ['hardLinks', String(r.hardLinks)],
    ['notes', strings(r.notes)],
    ['durationMs', num(r.durationMs)],
  ]);
  w.push('],' + tail.slice(1) + '\n');
  w.flush();
}

const strings = (xs: string[]): string => '[' + xs.map(str).join(',') + ']';

/** The table (one row per file), then the totals, the bound or exact figure, and the notes. */
function spaceHuman(r: SpaceResult, p: PathProblems, given: readonly string[] = []): string {
  const rows = r.files.map((f) => [
    f.size.toString(),
    f.allocated.toString(),
    f.sharingUnknown ? 'unknown' : f.shared.toString(),
    f.sharingUnknown ? 'unknown' : f.exclusive.toString(),
    f.sharingUnknown ? '?' : String(f.sharesWithCount),
    escapeControls(f.path),
  ]);
  const table = rows.length
    ? renderTable(
        [
          { header: 'size', align: 'right' },
          { header: 'allocated', align: 'right' },
          { header: 'shared', align: 'right' },
          { header: 'exclusive', align: 'right' },
          { header: 'shares', align: 'right' },
          { header: 'path', align: 'left' },
        ],
        rows,
      )
    : '';
  const lines = [table + perPathHuman(r, given) + totalsHuman('total', r.total, sharingSums(r.files), r.fileSystems.some(estimated))];
  // each file system by its mount point where there are several (two XFS mounts read alike)
  const label = (s: SpaceResult['fileSystems'][number]): string =>
    r.fileSystems.length === 1
      ? s.filesystem
      : s.mountPoint === undefined
        ? `${s.filesystem} ${s.id}`
        : `${s.filesystem} on ${s.mountPoint}`;
  if (r.fileSystems.length > 1)
    r.fileSystems.forEach((s, k) =>
      lines.push(totalsHuman(label(s), s, sharingSums(r.files.filter((f) => f.fileSystem === k)), estimated(s))),
    );
  for (const s of r.fileSystems)
    for (const n of s.notes) lines.push(noteLine(escapeControls(`${label(s)}: ${withHumanSizes(n, '')}`)) + '\n');
  for (const n of r.notes) lines.push(noteLine(escapeControls(withHumanSizes(n, ''))) + '\n');
  lines.push(problemsSummary(p, 'accounted for'));
  lines.push(`${r.files.length} file${r.files.length === 1 ? '' : 's'} in ${formatMs(r.durationMs)}\n`);
  return lines.join('');
}

/**
 * With more than one path given: each one's files, allocated, shared and exclusive (the rows
 * summed), as `btrfs filesystem du -s` gives a line per argument, and what deleting its files
 * alone frees (the engine's paths: "which snapshot can I drop?").
 */
function perPathHuman(r: SpaceResult, given: readonly string[]): string {
  if (given.length < 2 || !r.paths) return '';
  const unknown = (x: SpacePathTotals, v: bigint): string =>
    x.sharingUnknownFiles === x.files && x.files > 0 ? 'unknown' : exactAndHuman(v);
  // a path given that could not be read is said so, not shown as an empty folder (a trial)
  const rows = r.paths.map((x) =>
    x.unread && x.files === 0
      ? ['-', 'not read (see above)', '', '', '', escapeControls(x.path)]
      : [String(x.files), exactAndHuman(x.allocated), unknown(x, x.shared), unknown(x, x.exclusive), freesAloneHuman(x), pathWithout(x)],
  );
  // a path with another given inside it: its line leaves that one's files out, rm -rf does not (a trial)
  const nested = r.paths.some((x) => x.without)
    ? 'a path "(without …)" leaves out the files of the paths given inside it (they have their own line);\n' +
      'deleting the whole folder deletes those too and frees more: run space on it alone for that\n'
    : '';
  return (
    'per path given (its files summed; a file under two of them counts under the deeper one;\n' +
    '"frees alone": what deleting that path\'s files, and nothing else, frees):\n' +
    renderTable(
      [
        { header: 'files', align: 'right' },
        { header: 'allocated', align: 'right' },
        { header: 'shared', align: 'right' },
        { header: 'exclusive', align: 'right' },
        { header: 'frees alone', align: 'right' },
        { header: 'path', align: 'left' },
      ],
      rows,
    ) +
    nested
  );
}

/** A path given as its line names it: with the paths given inside it, whose files it leaves out. */
const pathWithout = (x: SpacePathTotals): string =>
  escapeControls(x.path) + (x.without ? ` (without ${x.without.map((p) => escapeControls(p)).join(', ')})` : '');

/** A path's "frees alone": exact, between bounds, an estimate (btrfs without root, SMB), or a floor (some of it not read). */
function freesAloneHuman(x: SpacePathTotals): string {
  if (x.reclaimableExact) return exactAndHuman(x.reclaimable);
  if (x.unread && !x.reclaimableBounds) return `at least ${exactAndHuman(x.reclaimable)}`;
  const range =
    x.reclaimable === x.reclaimableMax
      ? exactAndHuman(x.reclaimable)
      : `${exactAndHuman(x.reclaimable)} to ${exactAndHuman(x.reclaimableMax)}`;
  // (bounds, or an estimate from the bytes referenced: btrfs without root, SMB; the notes say why)
  // ("roughly A to B", as the total's line words an estimate)
  if (x.reclaimableBounds) return range;
  return x.reclaimable === x.reclaimableMax ? `about ${range}` : `roughly ${range}`;
}

/**
 * shared, exclusive and unique as far as they are known (src/protocol/space-sharing.ts): the
 * engine's figures, "unknown" where no file's sharing is known, or over the files whose
 * sharing is known (unique then an upper bound).
 */
function sharingHuman(t: SpaceTotals, sums: SharingSums): string {
  const k = sharingKnown(sums);
  if (k.kind === 'known')
    return `shared ${exactAndHuman(t.shared)}, exclusive ${exactAndHuman(t.exclusive)}, unique ${exactAndHuman(t.unique)}`;
  if (k.kind === 'unknown') return 'shared unknown, exclusive unknown, unique unknown (sharing unknown for every file)';
  return (
    `shared ${exactAndHuman(sums.knownShared)}, exclusive ${exactAndHuman(sums.knownExclusive)} ` +
    `(of the ${k.knownFiles} file${k.knownFiles === 1 ? '' : 's'} whose sharing is known; unknown for ${k.unknownFiles}), ` +
    `unique at most ${exactAndHuman(t.unique)}`
  );
}

/**
 * A file system whose two figures count the bytes its files reference rather than bound what
 * deleting frees (btrfs without root, SMB: the engine's reclaimableBounds); the table then says
 * "about A to B", not "between".
 */
const estimated = (s: SpaceTotals): boolean => !s.reclaimableBounds;

/** `notBounds`: the two figures count the bytes the files reference, not what the file system frees (see the notes). */
function totalsHuman(label: string, t: SpaceTotals, sums: SharingSums, notBounds: boolean): string {
  const frees = t.reclaimableExact
    ? `deleting it frees ${exactAndHuman(t.reclaimable)}`
    : !t.reclaimableBounds && !notBounds
      ? `deleting it frees at least ${exactAndHuman(t.reclaimable)} (paths that could not be read are not counted: see the notes)`
      : t.reclaimable === t.reclaimableMax
        ? `deleting it frees about ${exactAndHuman(t.reclaimable)} (not exact: see the notes)`
        : notBounds
          ? // (as the Space view says it: "about A to B (by the bytes referenced, not bounds)" was hard to follow, a trial)
            `deleting it frees roughly ${exactAndHuman(t.reclaimable)} to ${exactAndHuman(t.reclaimableMax)}: an estimate from the bytes ` +
            'the files reference, which the true figure can fall outside (see the notes)'
          : `deleting it frees between ${exactAndHuman(t.reclaimable)} and ${exactAndHuman(t.reclaimableMax)}`;
  return (
    `${escapeControls(label)}: ${t.files} file${t.files === 1 ? '' : 's'}, size ${exactAndHuman(t.size)}\n` +
    `  allocated ${exactAndHuman(t.allocated)}, ${sharingHuman(t, sums)}\n  ${frees}\n`
  );
}
