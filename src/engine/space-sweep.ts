// The sweep of engine.space (src/engine/space.ts): the shared ranges of one file system in
// physical order, for the union (`unique`), who overlaps whom, and what is freed.

import type { Group } from './space-table';

/**
 * Sweep the shared ranges of one file system in physical order: the union of them; for every
 * pair of files both present on a stretch, the stretch's length (into `pairs`, keyed
 * a * fileCount + b with a < b: exact while fileCount² < 2^53, ~94 million files); and, where
 * reference counts are given, the bytes all of whose references are in the selection.
 * Memory: the ranges, and the ranges open at one point.
 */
export function sweep(
  g: Group,
  pairs: Map<number, bigint>,
  fileCount: number,
): { union: bigint; reclaimableShared: bigint; refUnknown: bigint } {
  const n = g.start.length;
  const byStart = sortedIndices(g.start);
  const byEnd = sortedIndices(g.end);
  const open = new Set<number>();
  /** The distinct files of the open ranges at one stretch (reused). */
  const ids: number[] = [];
  let union = 0n;
  let reclaimableShared = 0n;
  let refUnknown = 0n;
  let i = 0;
  let j = 0;
  let prev = 0n;
  while (j < n) {
    const next = i < n && g.start[byStart[i]] < g.end[byEnd[j]] ? g.start[byStart[i]] : g.end[byEnd[j]];
    if (open.size > 0 && next > prev) {
      const len = next - prev;
      union += len;
      ids.length = 0;
      let maxRef = 0;
      let unknownRef = false;
      let inside = false;
      for (const r of open) {
        const f = g.file[r];
        if (!ids.includes(f)) ids.push(f);
        if (g.inside?.[r]) inside = true;
        if (g.ref[r] === 0) unknownRef = true;
        else if (g.ref[r] > maxRef) maxRef = g.ref[r];
      }
      // Owners known: every range over this stretch has the same owners (btrfs: one extent), freed or not.
      if (g.inside) {
        if (inside) reclaimableShared += len;
      } else if (unknownRef) refUnknown += len;
      else if (open.size >= maxRef) reclaimableShared += len;
      if (ids.length > 1) {
        ids.sort((a, b) => a - b);
        for (let a = 0; a < ids.length; a++)
          for (let b = a + 1; b < ids.length; b++) {
            const key = ids[a] * fileCount + ids[b];
            pairs.set(key, (pairs.get(key) ?? 0n) + len);
          }
      }
    }
    while (j < n && g.end[byEnd[j]] === next) open.delete(byEnd[j++]);
    while (i < n && g.start[byStart[i]] === next) open.add(byStart[i++]);
    prev = next;
  }
  return { union, reclaimableShared, refUnknown };
}

/**
 * The indices of `v` in ascending order of its values (stable among equal ones). Compared as
 * doubles first (Number() rounds monotonically, so a smaller double means a smaller value) and
 * exactly only where the doubles are equal: a BigInt comparison for every step of the sort was
 * most of the sweep's time.
 */
function sortedIndices(v: readonly bigint[]): number[] {
  const approx = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) approx[i] = Number(v[i]);
  return Array.from({ length: v.length }, (_, i) => i).sort((x, y) => approx[x] - approx[y] || (v[x] < v[y] ? -1 : v[x] > v[y] ? 1 : 0));
}
