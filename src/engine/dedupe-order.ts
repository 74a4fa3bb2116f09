// The order in which a dedupe plan's groups are applied (dedupe-apply.ts).
//
// A range can be a destination in one group and part of another group's source: w1's first MiB
// duplicates `a` (group A: a ← w1[0, 1 MiB)) and w2 is a copy of all of w1 (group B: w1 ← w2).
// Applying B first puts w2 on w1's blocks; A then moves w1's first MiB to a's blocks, and the old
// ones stay allocated for w2 alone: 1 MiB of the estimate (which counts both groups) is never
// freed. The group that moves a range therefore goes before any group whose source overlaps it;
// the later group's destinations then follow its source to where its data ends up.
//
// Groups with no such overlap keep the plan's order and may run in parallel (dedupe-pool.ts);
// the chained ones run one after another in this order. A cycle (possible only with repeated
// data inside files) is broken in the plan's order: the kernel still compares every byte, only
// some of the saving may be missed.

import type { DedupeGroup } from './dedupe-types';

interface ApplyOrder {
  /** Groups no other group's change touches and that touch none: the plan's order. */
  independent: DedupeGroup[];
  /** Groups linked by overlaps, each after every group that moves part of its source. */
  chained: DedupeGroup[];
}

interface Interval {
  start: bigint;
  end: bigint;
  group: number;
  destination: boolean;
}

export function applyOrder(groups: DedupeGroup[]): ApplyOrder {
  const byPath = new Map<string, Interval[]>();
  groups.forEach((g, group) =>
    g.ranges.forEach((r, k) => {
      if (k > 0 && r.alreadyShared) return; // not sent: it does not move
      let list = byPath.get(r.path);
      if (!list) byPath.set(r.path, (list = []));
      list.push({ start: r.offset, end: r.offset + g.length, group, destination: k > 0 });
    }),
  );
  /** after[x]: the groups that must wait for group x. */
  const after: Set<number>[] = groups.map(() => new Set());
  const waitsFor = new Array<number>(groups.length).fill(0);
  const linked = new Array<boolean>(groups.length).fill(false);
  const edge = (first: number, then: number): void => {
    if (after[first].has(then)) return;
    after[first].add(then);
    waitsFor[then]++;
    linked[first] = linked[then] = true;
  };
  for (const list of byPath.values()) {
    if (list.length < 2) continue;
    list.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length && list[j].start < list[i].end; j++) {
        const x = list[i];
        const y = list[j];
        if (x.group === y.group || x.destination === y.destination) continue;
        if (x.destination) edge(x.group, y.group);
        else edge(y.group, x.group);
      }
  }
  const chained: DedupeGroup[] = [];
  const placed = new Array<boolean>(groups.length).fill(false);
  // Kahn's algorithm: the ready groups in the plan's order, then those they release.
  const ready = groups.map((_, i) => i).filter((i) => linked[i] && waitsFor[i] === 0);
  for (let k = 0; k < ready.length; k++) {
    const i = ready[k];
    placed[i] = true;
    chained.push(groups[i]);
    for (const then of after[i]) if (--waitsFor[then] === 0) ready.push(then);
  }
  for (let i = 0; i < groups.length; i++) if (linked[i] && !placed[i]) chained.push(groups[i]); // a cycle
  return { independent: groups.filter((_, i) => !linked[i]), chained };
}
