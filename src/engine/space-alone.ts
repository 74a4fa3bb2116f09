// What deleting each path given alone would free (engine.space with several paths: "which
// snapshot can I drop?"), from the same facts as the whole selection's figure: the owners the
// file system named per extent (btrfs: space-btrfs.ts; XFS rmapbt: space-owners.ts, swept in
// space-sweep.ts), or the same bounds (exclusive bytes; the union of the path's places). A
// file's part is the path given it counts under (space-roots.ts). Definitions: docs/ENGINE.md,
// "Space accounting", "Each path alone".

import type { FilesMet, FileMet } from './walk';
import { PerRoot } from './space-roots';
import type { FileTable, Group, Intervals } from './space-table';
import type { SpaceError, SpacePathTotals, SpaceTotals } from './space-types';

/** The parts of a selection of several paths, and what each frees alone as the figures are made. */
export interface AloneParts {
  roots: PerRoot;
  /** Per file, the path given it counts under (rootOf). */
  part: Int32Array;
  /**
   * Per file, the part whose deletion alone frees it; -1 where none does: kept by a hard link
   * outside the selection (or an overlay's lower layer), or with names under two paths given.
   */
  partOf: Int32Array;
  count: number;
  /** Per part: what deleting it alone frees at least, at most, and whether that is exact / bounds. */
  min: bigint[];
  max: bigint[];
  exact: boolean[];
  bounds: boolean[];
  /** Files whose names lie under two paths given (deleting one leaves the other name). */
  spanning: number;
  /**
   * Files with one name reached under two paths given through a mount (a bind mount shows the
   * same folder twice): deleting either path deletes them. A file belongs to one part, so the
   * parts it is under get bounds (its exclusive bytes to its allocated ones), not an exact figure.
   */
  mounted: Map<number, number[]>;
}

/** How a file system's figure was known, which says how each part's is (space-figures.ts). */
export type AloneMode = 'disk' | 'owners' | 'exclusive' | 'bounds';

/** The sweep's per-part sums for one file system (space-sweep.ts). */
export interface PartSweep {
  partOf: Int32Array;
  /** Per split range (XFS owners), the part all of whose owners are its files, else -1. */
  insidePart?: Int32Array;
  /**
   * The places referenced outside the selection, where a complete exact scan found them all
   * (space-scan.ts): a stretch whose files are one part's is then freed by that part but for
   * those places (XFS frees block by block).
   */
  outside?: Intervals;
  /** Per part: bytes of shared stretches its files cover, and those only its files reference. */
  union: bigint[];
  freed: bigint[];
  stamp: Int32Array;
  step: number;
}

export function aloneParts(
  paths: readonly string[],
  table: FileTable,
  met: FilesMet,
  indexOf: ReadonlyMap<FileMet, number>,
  keptFiles: ReadonlySet<number>,
): AloneParts {
  const roots = new PerRoot(paths);
  const count = paths.length;
  const part = new Int32Array(table.count);
  for (let i = 0; i < table.count; i++) {
    part[i] = roots.rootOf(table.path[i]);
    roots.addAt(part[i], table.size[i], table.allocated[i], table.shared[i], (table.bits[i] & 1) !== 0);
  }
  const partOf = part.slice();
  for (const i of keptFiles) partOf[i] = -1;
  let spanning = 0;
  const mounted = new Map<number, number[]>();
  for (const l of met.all.values()) {
    if (!l.paths || l.paths.length < 2) continue;
    const i = indexOf.get(l);
    if (i === undefined || partOf[i] < 0) continue;
    if (l.paths.some((p) => roots.rootOf(p) !== partOf[i])) {
      partOf[i] = -1;
      if (l.nlink === 1)
        mounted.set(
          i,
          [...new Set(l.paths.map((p) => roots.rootOf(p)))].filter((k) => k >= 0),
        );
      else spanning++;
    }
  }
  return {
    roots,
    part,
    partOf,
    count,
    min: Array<bigint>(count).fill(0n),
    max: Array<bigint>(count).fill(0n),
    exact: Array<boolean>(count).fill(true),
    bounds: Array<boolean>(count).fill(true),
    spanning,
    mounted,
  };
}

export function partSweep(a: AloneParts, insidePart?: Int32Array, outside?: Intervals): PartSweep {
  return {
    partOf: a.partOf,
    insidePart,
    outside,
    union: Array<bigint>(a.count).fill(0n),
    freed: Array<bigint>(a.count).fill(0n),
    stamp: new Int32Array(a.count),
    step: 0,
  };
}

/** The part every one of `owners` (file keys) is a file of, or -1 (an owner outside the selection, or two parts). */
export function commonPart(owners: Iterable<string>, keyPart: ReadonlyMap<string, number>): number {
  let part = -1;
  for (const o of owners) {
    const p = keyPart.get(o);
    if (p === undefined || p < 0 || (part >= 0 && p !== part)) return -1;
    part = p;
  }
  return part;
}

/**
 * Add file system `gi`'s share of each part's figure. `mode`: how the file system's own figure
 * was known; `disk` (btrfs as root: per part, whole extents), `swept` and `sweptEncoded` (the
 * sweeps of its shared ranges and compressed extents), `beyond` (XFS: each file's blocks beyond
 * its extents), `attr` (ext4 attribute blocks, which only upper bounds count), `bounds` (the
 * file system's figures bound what deleting frees).
 */
export function addAlone(
  a: AloneParts,
  g: Group,
  gi: number,
  table: FileTable,
  x: {
    mode: AloneMode;
    disk?: bigint[];
    swept: PartSweep;
    sweptEncoded?: PartSweep;
    beyond: ReadonlyMap<number, bigint>;
    attr: bigint;
    bounds: boolean;
  },
): void {
  const n = a.count;
  const exclusive = Array<bigint>(n).fill(0n);
  const shared = Array<bigint>(n).fill(0n);
  const present = new Uint8Array(n);
  for (let i = 0; i < table.count; i++) {
    if (table.fileSystem[i] !== gi) continue;
    if (a.part[i] >= 0) present[a.part[i]] = 1;
    const k = a.partOf[i];
    if (k < 0) continue;
    exclusive[k] += table.exclusive(i);
    shared[k] += table.shared[i];
    const b = x.beyond.get(i);
    if (b !== undefined) exclusive[k] += b; // (XFS: its own, freed with it)
  }
  // files with one name under several parts (mounted): each of those parts frees them, at least
  // their exclusive bytes, at most their allocated ones; its other figures stay as bounds
  const mountedMin = Array<bigint>(n).fill(0n);
  const mountedMax = Array<bigint>(n).fill(0n);
  for (const [i, parts] of a.mounted) {
    if (table.fileSystem[i] !== gi) continue;
    const own = x.beyond.get(i) ?? 0n;
    for (const k of parts) {
      present[k] = 2;
      mountedMin[k] += table.exclusive(i) + own;
      mountedMax[k] += table.allocated[i] + own;
    }
  }
  // the shared bytes with a place (swept), so those without one count whole in the upper bound
  const placed = Array<bigint>(n).fill(0n);
  for (const rs of [g.ranges, g.encoded])
    for (let r = 0; r < rs.count; r++) {
      const k = a.partOf[rs.file[r]];
      if (k >= 0) placed[k] += rs.end[r] - rs.start[r];
    }
  const smb = g.filesystem === 'smb';
  for (let k = 0; k < n; k++) {
    if (!present[k]) continue;
    let min: bigint;
    let max = 0n; // (set below in every mode)
    let exact = x.mode !== 'bounds';
    if (x.mode === 'disk') min = max = x.disk?.[k] ?? 0n;
    else if (x.mode === 'owners') min = max = exclusive[k] + x.swept.freed[k];
    else if (x.mode === 'exclusive') min = max = exclusive[k];
    else min = smb ? 0n : exclusive[k];
    if (x.mode === 'bounds' || present[k] === 2) {
      const unplacedShared = shared[k] > placed[k] ? shared[k] - placed[k] : 0n;
      max = exclusive[k] + x.swept.union[k] + (x.sweptEncoded?.union[k] ?? 0n) + unplacedShared;
    }
    let bounds = x.bounds;
    if (present[k] === 2) {
      min += mountedMin[k];
      max += mountedMax[k];
      exact = false;
      if (x.mode === 'disk') bounds = false; // (btrfs: bytes referenced, not on disk: an estimate, as without root)
    }
    if (x.attr > 0n) {
      max += x.attr;
      exact = false;
    }
    if (max < min) max = min;
    a.min[k] += min;
    a.max[k] += max;
    a.exact[k] &&= exact;
    a.bounds[k] &&= bounds;
  }
}

/**
 * Each path given: its sums and what deleting it alone frees. A path under which something could
 * not be read (`uncounted`: errors of paths that may hold data no figure counts) is a floor only;
 * one named by an error (`errors`) that has no files was not read at all.
 */
export function pathTotals(a: AloneParts, errors: readonly SpaceError[], uncounted: readonly SpaceError[]): SpacePathTotals[] {
  const floors = new Set<number>();
  for (const e of uncounted) floors.add(a.roots.rootOf(e.path));
  const named = new Set(errors.map((e) => e.path));
  return a.roots.sums.map((given, g) => {
    // a place given twice: the repeat deletes the same files, so it has the first's figures
    const k = a.roots.sameAs[g];
    const s = { ...a.roots.sums[k], path: given.path };
    const floor = floors.has(k);
    const exact = a.exact[k] && !floor;
    return {
      path: s.path,
      files: s.files,
      size: s.size,
      allocated: s.allocated,
      shared: s.shared,
      exclusive: s.exclusive,
      ...(s.sharingUnknown > 0 ? { sharingUnknownFiles: s.sharingUnknown } : {}),
      reclaimable: a.min[k],
      reclaimableExact: exact,
      reclaimableMax: exact ? a.min[k] : a.max[k],
      reclaimableBounds: a.bounds[k] && !floor,
      ...(floor || (s.files === 0 && named.has(s.path)) ? { unread: true } : {}),
      ...(a.roots.inside[g].length > 0 ? { without: a.roots.inside[g] } : {}),
    };
  });
}

/** One path given: its sums and what deleting it frees are the whole selection's (no parts to find); as pathTotals. */
export function onePathTotals(
  path: string,
  t: SpaceTotals,
  errors: readonly SpaceError[],
  uncounted: readonly SpaceError[],
): SpacePathTotals {
  return {
    path,
    files: t.files,
    size: t.size,
    allocated: t.allocated,
    shared: t.shared,
    exclusive: t.exclusive,
    ...(t.sharingUnknownFiles ? { sharingUnknownFiles: t.sharingUnknownFiles } : {}),
    reclaimable: t.reclaimable,
    reclaimableExact: t.reclaimableExact,
    reclaimableMax: t.reclaimableMax,
    reclaimableBounds: t.reclaimableBounds,
    ...(uncounted.length > 0 || (t.files === 0 && errors.some((e) => e.path === path)) ? { unread: true } : {}),
  };
}
