// The Space view's data: engine.space's SpaceResult as the wire message (decimal strings), the
// files each file shares with (kept by the host, sent for one file when the view asks: they are
// most of a result's bytes), the folder the treemap starts from, and the JSON/CSV exports.
// Pure: no `vscode`, no Node APIs.

import type { SpaceFile, SpacePathTotals, SpaceResult, SpaceSharing, SpaceTotals } from '../engine';
import { isPathFailure } from '../protocol/error-codes';
import type { SpaceData, SpaceWireFile, SpaceWirePathTotals, SpaceWireRow, SpaceWireTotals, U64String } from '../protocol/messages';

/** Per file of a SpaceData (same places): the files it shares with, [index, bytes], most bytes first (at most 100). */
export type SpacePartnerLists = ReadonlyArray<ReadonlyArray<readonly [number, U64String]>>;

const totals = (t: SpaceTotals): SpaceWireTotals => ({
  files: t.files,
  size: t.size.toString(),
  allocated: t.allocated.toString(),
  shared: t.shared.toString(),
  exclusive: t.exclusive.toString(),
  unique: t.unique.toString(),
  reclaimable: t.reclaimable.toString(),
  reclaimableExact: t.reclaimableExact,
  reclaimableMax: t.reclaimableMax.toString(),
  reclaimableBounds: t.reclaimableBounds,
});

/** One path given's figures on the wire, members in the CLI's JSON order (the export writes them as they are). */
const pathTotals = (x: SpacePathTotals): SpaceWirePathTotals => ({
  path: x.path,
  files: x.files,
  size: x.size.toString(),
  allocated: x.allocated.toString(),
  shared: x.shared.toString(),
  exclusive: x.exclusive.toString(),
  ...(x.sharingUnknownFiles !== undefined ? { sharingUnknownFiles: x.sharingUnknownFiles } : {}),
  reclaimable: x.reclaimable.toString(),
  reclaimableExact: x.reclaimableExact,
  reclaimableMax: x.reclaimableMax.toString(),
  reclaimableBounds: x.reclaimableBounds,
  ...(x.unread ? { unread: true } : {}),
  ...(x.without ? { without: [...x.without] } : {}),
});

/** The last name of a path ('/' or '\\' separated): the path itself when it has none. */
export const baseName = (p: string): string => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1) || p;

/** The separator the paths use: '\' when a root is a Windows path (C:\..., \\server\...). */
export function pathSeparator(roots: readonly string[]): '/' | '\\' {
  return roots.some((r) => /^[A-Za-z]:\\/.test(r) || r.startsWith('\\\\')) ? '\\' : '/';
}

/**
 * The deepest folder every file lies under: each root that is a folder of files met, else the
 * folder holding it, then their common ancestor (by whole names, never a partial name).
 */
export function commonBase(roots: readonly string[], files: readonly { path: string }[], sep: '/' | '\\'): string {
  const trim = (p: string): string => (p.length > 1 && p.endsWith(sep) ? p.slice(0, -1) : p);
  const dirOf = (p: string): string => {
    const i = p.lastIndexOf(sep);
    return i <= 0 ? (i === 0 ? sep : p) : p.slice(0, i);
  };
  const folders = roots.map(trim).map((r) => (files.some((f) => f.path.startsWith(r === sep ? r : r + sep)) ? r : dirOf(r)));
  if (folders.length === 0) return sep;
  let parts = folders[0].split(sep);
  for (const f of folders.slice(1)) {
    const q = f.split(sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  const base = parts.join(sep);
  return base === '' ? sep : base;
}

/** A file's numbers on the wire (decimal strings), without sharesWith. */
export function spaceRow(f: SpaceFile): SpaceWireRow {
  return {
    path: f.path,
    size: f.size.toString(),
    allocated: f.allocated.toString(),
    shared: f.shared.toString(),
    exclusive: f.exclusive.toString(),
    ...(f.sharedInside !== undefined ? { sharedInside: f.sharedInside.toString() } : {}),
    fileSystem: f.fileSystem,
    ...(f.sharingUnknown ? { sharingUnknown: true } : {}),
    ...(f.encoded !== undefined ? { encoded: f.encoded.toString() } : {}),
  };
}

/**
 * commonBase while the rows stream in: remembers, per root, the first file met under it (what
 * commonBase looks for), so each batch costs its own rows, not all the rows so far.
 */
export class StreamingBase {
  private readonly witnesses: { path: string }[] = [];
  private waiting: string[];
  base: string;

  constructor(
    private readonly roots: readonly string[],
    readonly sep: '/' | '\\',
  ) {
    this.waiting = [...roots];
    this.base = commonBase(roots, [], sep);
  }

  add(paths: readonly string[]): void {
    if (this.waiting.length === 0) return;
    const before = this.waiting.length;
    this.waiting = this.waiting.filter((r) => {
      const under = (r.endsWith(this.sep) ? r : r + this.sep) as string;
      const p = paths.find((x) => x.startsWith(under));
      if (p !== undefined) this.witnesses.push({ path: p });
      return p === undefined;
    });
    if (this.waiting.length !== before) this.base = commonBase(this.roots, this.witnesses, this.sep);
  }
}

/** The files a file shares with, by their places ([index, bytes]: what a spacePartners message carries). */
export const partnerList = (s: Pick<SpaceSharing, 'sharesWith'>): Array<[number, U64String]> =>
  s.sharesWith.map((o): [number, U64String] => [o.index, o.bytes.toString()]);

/**
 * A file's final row on the wire: its row as mapped, completed by what the sweep adds (a
 * SpaceSharing, or the SpaceFile itself): how many files it shares with and the bytes in common
 * with them (not who they are: partnerList, asked for by the view when the file is selected).
 */
export function spaceWireFile(
  row: SpaceWireRow,
  s: Pick<SpaceSharing, 'sharesWith' | 'sharedInside'> & { sharesWithCount?: number },
): SpaceWireFile {
  // Field by field: an object spread of the row measured ~4 µs a file (0.45 s for 100,000).
  const w: SpaceWireFile = {
    path: row.path,
    size: row.size,
    allocated: row.allocated,
    shared: row.shared,
    exclusive: row.exclusive,
    fileSystem: row.fileSystem,
    sharesWithCount: s.sharesWithCount ?? s.sharesWith.length,
  };
  let overlap = 0n;
  for (const o of s.sharesWith) overlap += o.bytes;
  if (overlap > 0n) w.overlap = overlap.toString();
  const inside = s.sharedInside?.toString() ?? row.sharedInside;
  if (inside !== undefined) w.sharedInside = inside;
  if (row.sharingUnknown) w.sharingUnknown = true;
  if (row.encoded !== undefined) w.encoded = row.encoded;
  return w;
}

/**
 * The `space` message's data from the engine's result, with its rows: `files` when they were
 * streamed (onFileMapped and onFileShared, made into wire rows as they came; the result's own
 * `files` is then empty). Who each file shares with is apart: partnerList, per file.
 */
export function spaceData(
  r: SpaceResult,
  roots: readonly string[],
  files: SpaceWireFile[] = r.files.map((f) => spaceWireFile(spaceRow(f), f)),
): SpaceData {
  const sep = pathSeparator(roots);
  return {
    roots: [...roots],
    base: commonBase(roots, files, sep),
    sep,
    exactScan: r.fileSystems.some((s) => s.exactScan === 'ran'),
    files,
    total: totals(r.total),
    ...(r.paths ? { paths: r.paths.map(pathTotals) } : {}),
    fileSystems: r.fileSystems.map((s) => ({
      ...totals(s),
      filesystem: s.filesystem,
      ...(s.mountPoint !== undefined ? { mountPoint: s.mountPoint } : {}),
      notes: [...s.notes],
      ...(s.exactScan ? { exactScan: s.exactScan } : {}),
      ...(s.encoded !== undefined ? { encoded: s.encoded.toString() } : {}),
    })),
    errors: r.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })),
    notes: [...r.notes],
    symlinks: r.symlinks,
    hardLinks: r.hardLinks,
    ...(r.foldersAgain ? { foldersAgain: r.foldersAgain } : {}),
    ...(r.mountedAgain ? { mountedAgain: r.mountedAgain } : {}),
    durationMs: r.durationMs,
  };
}

/**
 * The files an export writes, in that order: all (by the result's order), or those the view
 * shows in the table's order (indices into d.files); `filter` or `folder` given: those the filter
 * and the zoom leave, else every file.
 */
export interface SpaceExportSel {
  shown?: readonly number[];
  filter?: string;
  /** The folder the view was zoomed into, relative to the base. */
  folder?: string;
}

/** A path relative to the analysis's base, made whole again (as the files' paths are). */
const joinRel = (d: SpaceData, rel: string): string => (d.base.endsWith(d.sep) ? d.base + rel : d.base + d.sep + rel);

const exported = (d: SpaceData, sel: SpaceExportSel): Iterable<number> => sel.shown ?? d.files.keys();

/** Whether an export is of the files a filter or a zoom leaves (not every file). */
export const exportNarrowed = (sel: SpaceExportSel): boolean =>
  sel.shown !== undefined && (sel.filter !== undefined || sel.folder !== undefined);

/**
 * JSON in the shape of `extent-lens space --json` (sharesWith by path, from `partners`), as
 * chunks. With a filter, only the files shown, and a "filter" member saying so (the totals stay
 * the whole analysis's). A file whose sharing is unknown keeps the engine's numbers with its
 * sharingUnknown flag, as in the CLI's JSON.
 */
export function* spaceJsonChunks(d: SpaceData, partners: SpacePartnerLists, sel: SpaceExportSel = {}): Generator<string> {
  yield '{"files":[';
  let first = true;
  for (const i of exported(d, sel)) {
    const f = d.files[i];
    const row = {
      path: f.path,
      size: f.size,
      allocated: f.allocated,
      shared: f.shared,
      exclusive: f.exclusive,
      ...(f.sharedInside !== undefined ? { sharedInside: f.sharedInside } : {}),
      fileSystem: f.fileSystem,
      ...(f.sharingUnknown ? { sharingUnknown: true } : {}),
      sharesWith: (partners[i] ?? []).map(([j, bytes]) => ({ path: d.files[j].path, bytes })),
      ...(f.sharesWithCount !== undefined ? { sharesWithCount: f.sharesWithCount } : {}),
    };
    yield (first ? '' : ',') + JSON.stringify(row);
    first = false;
  }
  const named = new Set(d.roots);
  const tail = JSON.stringify({
    ...(sel.shown && exportNarrowed(sel)
      ? {
          filter: {
            text: sel.filter ?? '',
            ...(sel.folder !== undefined ? { folder: joinRel(d, sel.folder) } : {}),
            files: sel.shown.length,
            of: d.files.length,
            note: 'the totals are those of every file analysed',
          },
        }
      : {}),
    total: d.total,
    // each path given and what deleting it alone frees, as the CLI's "paths" (unread is the CLI's problem list's)
    ...(d.paths ? { paths: d.paths.map(({ unread: _, ...x }) => x) } : {}),
    fileSystems: d.fileSystems.map(({ exactScan: _, ...s }) => s),
    errors: d.errors.map((e) => ({ ...e, failed: isPathFailure(e, named) })),
    symlinks: d.symlinks,
    hardLinks: d.hardLinks,
    notes: d.notes,
    durationMs: d.durationMs,
    exactScan: d.exactScan,
  });
  yield '],' + tail.slice(1) + '\n';
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * CSV: path,size,allocated,shared,exclusive,sharesWith (the count), one row per file (those
 * shown, with a filter; in the table's order when the view gives it); "unknown" in shared,
 * exclusive and sharesWith where the file's sharing is unknown (src/protocol/space-sharing.ts).
 */
export function* spaceCsvChunks(d: SpaceData, sel: SpaceExportSel = {}): Generator<string> {
  yield 'path,size,allocated,shared,exclusive,sharesWith\n';
  let chunk = '';
  for (const i of exported(d, sel)) {
    const f = d.files[i];
    chunk += f.sharingUnknown
      ? `${csvField(f.path)},${f.size},${f.allocated},unknown,unknown,unknown\n`
      : `${csvField(f.path)},${f.size},${f.allocated},${f.shared},${f.exclusive},${f.sharesWithCount ?? 0}\n`;
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
