// A plan's groups each count the blocks their other ranges would free (dedupe-saving.ts), by
// where they lie on disk. Two files that share blocks (a file and its snapshot's copy, reflinked
// copies) can end in different groups, one file's range in one and the other's in another, when
// one of them changed elsewhere: both groups then count the same blocks, which are freed once.
// Here each block is counted by the first group that frees it (a trial on btrfs: "exact" 659,456
// bytes, 401,408 freed, the 258,048 of one file's data counted in seven groups and in its copy's).

import { isApplied, type DedupeGroup } from './dedupe-types';
import type { FileData } from './dedupe-file-data';
import type { Intervals } from './space-table';
import type { LeftOut } from './dedupe-left-out';
import { withoutRanges } from './byte-ranges';
import type { ByteRange } from './types';
import { mergeRanges, unionOf } from './space-scan';
import { physEnd, segments } from './dedupe-segments';

const asRanges = (x: Intervals): ByteRange[] => x.start.map((s, i) => ({ offset: s, length: x.end[i] - s }));
const asIntervals = (r: ByteRange[]): Intervals => ({ start: r.map((x) => x.offset), end: r.map((x) => x.offset + x.length) });
const bytesOf = (x: Intervals): bigint => x.start.reduce((t, s, i) => t + x.end[i] - s, 0n);

/** The places on disk of [offset, offset + length) of `f` with a linear place (not compressed), merged. */
function placesOf(f: FileData, offset: bigint, length: bigint): Intervals {
  const start: bigint[] = [];
  const end: bigint[] = [];
  for (const x of segments(f, offset, length))
    if (x.phys >= 0n && !x.encoded) {
      start.push(x.phys);
      end.push(physEnd(f, offset, x));
    }
  return mergeRanges(start, end);
}

/**
 * Takes out of each group's saving the blocks an earlier group of `groups` (in their order)
 * counted already (DedupeGroup.countedElsewhere: the group is still shared, since the blocks are
 * freed only once both move). Runs last of the saving rules: places already left out of a
 * group's saving (`leftOut`: kept by references the plan leaves in place, in extents shared only
 * in part) count for neither.
 */
export function countPlacesOnce(groups: DedupeGroup[], files: Map<string, FileData>, leftOut: LeftOut): void {
  /** Per file system: the places counted so far. */
  const counted = new Map<string, Intervals>();
  for (const g of groups) {
    if (!isApplied(g)) continue;
    const src = files.get(g.ranges[0].path);
    if (!src) continue;
    const notMine = asRanges(unionOf(placesOf(src, g.ranges[0].offset, g.length), leftOut.places(g)));
    const mine = new Map<string, { start: bigint[]; end: bigint[] }>();
    for (const r of g.ranges.slice(1)) {
      const f = files.get(r.path);
      if (!f || r.alreadyShared) continue;
      const p = placesOf(f, r.offset, g.length);
      const m = mine.get(f.fsKey) ?? mine.set(f.fsKey, { start: [], end: [] }).get(f.fsKey)!;
      m.start.push(...p.start);
      m.end.push(...p.end);
    }
    const twice: ByteRange[] = [];
    for (const [fsKey, m] of mine) {
      const here = withoutRanges(asRanges(mergeRanges(m.start, m.end)), notMine);
      const before = counted.get(fsKey);
      // counted before: what is left of `here` less what was not counted before
      if (before) twice.push(...withoutRanges(here, withoutRanges(here, asRanges(before))));
      counted.set(fsKey, unionOf(asIntervals(here), before));
    }
    if (twice.length === 0) continue;
    const again = asIntervals(twice);
    const bytes = bytesOf(again);
    const taken = bytes < g.netSaving ? bytes : g.netSaving;
    g.netSaving -= taken;
    g.countedElsewhere = taken;
    if (g.netSavingMin !== undefined && g.netSavingMin > g.netSaving) g.netSavingMin = g.netSaving;
    g.warnings.push(
      `${taken} bytes of the other ranges lie in blocks that another group's saving counts already (a file and a copy sharing ` +
        'its blocks, in different groups): they are freed once both groups are shared, and counted there.',
    );
  }
}
