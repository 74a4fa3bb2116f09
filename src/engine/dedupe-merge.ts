// The chunk groups of the dedupe search (dedupe-find.ts) joined where they continue one another.

import type { Hashed } from './dedupe-hash';

/** Files with one equal range each (offsets index for index), of one length. */
interface RangeSet {
  files: Hashed[];
  offsets: bigint[];
  length: bigint;
  whole: boolean;
}

/**
 * Join chunk groups that continue one another in every file (the same files, each next range
 * right after the previous one), so a run of equal chunks becomes one range: fewer calls, and
 * whole extents shared rather than pieces of them.
 */
export function mergeAdjacent(sets: RangeSet[], chunk: bigint): RangeSet[] {
  const at = (f: Hashed, o: bigint): string => `${f.path}\0${o}`;
  for (const s of sets) {
    const order = s.files
      .map((_, i) => i)
      .sort((a, b) =>
        s.files[a].path < s.files[b].path ? -1 : s.files[a].path > s.files[b].path ? 1 : s.offsets[a] < s.offsets[b] ? -1 : 1,
      );
    s.files = order.map((i) => s.files[i]);
    s.offsets = order.map((i) => s.offsets[i]);
  }
  const byFirst = new Map<string, RangeSet>();
  for (const s of sets) byFirst.set(at(s.files[0], s.offsets[0]), s);
  const gone = new Set<RangeSet>();
  const ordered = [...sets].sort((a, b) =>
    a.files[0].path < b.files[0].path ? -1 : a.files[0].path > b.files[0].path ? 1 : a.offsets[0] < b.offsets[0] ? -1 : 1,
  );
  for (const s of ordered) {
    if (gone.has(s)) continue;
    for (;;) {
      if (s.length % chunk !== 0n) break; // a file's short last chunk ends the run
      const next = byFirst.get(at(s.files[0], s.offsets[0] + s.length));
      if (!next || next === s || gone.has(next) || next.files.length !== s.files.length) break;
      const fits = next.files.every((f, i) => f === s.files[i] && next.offsets[i] === s.offsets[i] + s.length);
      // Ranges of one file must not come to overlap.
      const grown = s.length + next.length;
      const overlaps = s.files.some((f, i) => i > 0 && f === s.files[i - 1] && s.offsets[i - 1] + grown > s.offsets[i]);
      if (!fits || overlaps) break;
      s.length = grown;
      gone.add(next);
    }
  }
  return sets.filter((s) => !gone.has(s));
}
