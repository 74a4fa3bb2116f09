// `extent-lens space A B …`: the rows summed per path given, so that "which backup day costs how
// much" is one run, as `btrfs filesystem du -s` gives one line per argument (a trial asked for it).
// A row belongs to the deepest path given that holds it, as the file system resolves the paths
// (realpath: links and "..", never as text: `space . day1` names day1's files "./day1/f", and
// `a/link/..` is not `a`). The walk counts a file once, under the path it met it through first.
// A place given twice (`d ./d`, or a bind mount of `d`) is one part: the repeat has its figures.
// What deleting each path alone frees is not a sum of files either: space-alone.ts makes it from
// the owners of each extent (this module says only which path a file is under).

import * as fs from 'node:fs';
import type { SpaceFile, SpacePathTotals } from './space-types';
import { osPath } from './os-path';
import { realPath } from './real-path';

/** The sums of one path given (as the result gives them: SpacePathTotals). */
export type RootSums = Pick<SpacePathTotals, 'path' | 'files' | 'size' | 'allocated' | 'shared' | 'exclusive'> & {
  /** Files whose sharing is unknown (over SMB): shared and exclusive count them as the rows do. */
  sharingUnknown: number;
};

interface Given {
  at: number;
  /** As typed: the walk names the files below it with this text in front. */
  text: string;
  /** Where the file system says it is (undefined: smb://, or it could not be resolved). */
  real?: string;
  /** dev:ino of a folder (or a file with one name): a bind mount shows the same folder at another real path. */
  id?: string;
}

export class PerRoot {
  readonly sums: RootSums[];
  /** Longest text first: which path a file was walked through. */
  private readonly byText: Given[];
  /** Deepest place first; the same place given twice counts under its first spelling (a stable sort). */
  private readonly byPlace: Given[];
  /**
   * Per path given, the first given that names the same place (itself where none does): `./d`
   * after `d` holds no file of its own (they count under `d`), yet deleting it deletes them.
   */
  readonly sameAs: number[];
  /**
   * Per path given, the other paths given inside it, outermost only (`A A/sub A/sub/x`: A's is
   * [A/sub]): their files count there, so its figures leave them out (SpacePathTotals.without).
   */
  readonly inside: string[][];

  constructor(roots: readonly string[]) {
    this.sums = roots.map((path) => ({ path, files: 0, size: 0n, allocated: 0n, shared: 0n, exclusive: 0n, sharingUnknown: 0 }));
    const given: Given[] = roots.map((text, at) => ({ at, text, real: placeOf(text), id: idOf(text) }));
    this.byText = [...given].sort((a, b) => b.text.length - a.text.length);
    this.byPlace = given.filter((g) => g.real !== undefined).sort((a, b) => b.real!.length - a.real!.length);
    this.sameAs = given.map(
      (g) => (g.real === undefined ? g : given.find((e) => e.real === g.real || (g.id !== undefined && e.id === g.id))!).at,
    );
    this.inside = given.map((g) => insideOf(given, this.sameAs, g));
  }

  add(f: SpaceFile): void {
    this.addAt(this.rootOf(f.path), f.size, f.allocated, f.shared, f.sharingUnknown === true);
  }

  /** A file's numbers, to path given `k` (rootOf; -1: none). */
  addAt(k: number, size: bigint, allocated: bigint, shared: bigint, sharingUnknown: boolean): void {
    const s = this.sums[k];
    if (!s) return;
    s.files++;
    s.size += size;
    s.allocated += allocated;
    s.shared += shared;
    s.exclusive += allocated - shared;
    if (sharingUnknown) s.sharingUnknown++;
  }

  /** Which path given (its index) the file named `name` (as the walk names it) counts under; -1: none. */
  rootOf(name: string): number {
    // the path it was walked through: its text is the front of the name
    const walked = this.byText.find((g) => under(name, g.text));
    if (!walked) return -1;
    if (walked.real === undefined) return walked.at;
    // where it is: the resolved path, then the names the walk read (plain names: no link or ".." among them)
    let k = walked.text.length;
    while (isSep(name.charCodeAt(k))) k++;
    const rest = name.slice(k);
    const real = walked.real;
    const place = rest === '' ? real : isSep(real.charCodeAt(real.length - 1)) ? real + rest : real + SEP + rest;
    return this.sameAs[(this.byPlace.find((g) => under(place, g.real!)) ?? walked).at];
  }
}

/** The paths given inside `g` (a different place, not a repeat), those inside another of them left out. */
function insideOf(given: readonly Given[], sameAs: readonly number[], g: Given): string[] {
  // by where the file system says they are; smb:// (no real path) by the text given
  const place = (e: Given): string => e.real ?? e.text;
  const first = sameAs[g.at];
  const nested = given.filter((e) => sameAs[e.at] === e.at && e.at !== first && place(e) !== place(g) && under(place(e), place(g)));
  return nested.filter((e) => !nested.some((o) => o !== e && place(e) !== place(o) && under(place(e), place(o)))).map((e) => e.text);
}

const SEP = process.platform === 'win32' ? '\\' : '/';
const isSep = (c: number): boolean => c === 0x2f || (process.platform === 'win32' && c === 0x5c);

/** Whether `p` is `prefix` or lies below it ("/b/day1/f" is under "/b/day1", not under "/b/day"). */
function under(p: string, prefix: string): boolean {
  if (p === prefix) return true;
  if (!p.startsWith(prefix)) return false;
  return isSep(prefix.charCodeAt(prefix.length - 1)) || isSep(p.charCodeAt(prefix.length));
}

/** dev:ino of a local folder given, or of a file with one name (a file with several is not the same name); else undefined. */
function idOf(p: string): string | undefined {
  if (p.startsWith('smb://')) return undefined;
  try {
    const st = fs.statSync(osPath(p), { bigint: true });
    return st.isDirectory() || st.nlink === 1n ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/** realpath(3) of a local path given; undefined for smb:// and where it cannot be resolved (gone: its row says so). */
function placeOf(p: string): string | undefined {
  if (p.startsWith('smb://')) return undefined;
  try {
    return realPath(p);
  } catch {
    return undefined;
  }
}
