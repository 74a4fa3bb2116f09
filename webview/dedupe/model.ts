// The Dedupe view's model in the webview: the plan's groups in the order shown (largest net
// saving first, whatever order they arrived in), the filter, and the flat list of rows the
// virtualised list draws (a group's header, its warnings, then its ranges unless collapsed). A
// group's ranges as shown are its ranges to share, then those in files no one here may change
// (read-only): numbered in that order, so (group, range) names either kind to the host.
import type { DedupeWireGroup, DedupeWirePlan, DedupeWireRange } from '../../src/protocol/messages';

export interface GroupNums {
  length: bigint;
  net: bigint;
  /** The least it frees (netSavingMin; netSaving where it is exact). */
  min: bigint;
  /** The search gave netSavingMin and it is netSaving: the saving is known exactly (btrfs as root). */
  exact: boolean;
  /** Deduplicate shares it: it frees something, or blocks an earlier group counts (DedupeGroup.countedElsewhere; engine isApplied). */
  applies: boolean;
  /** Data bytes in the ranges beyond the first (holes count zero): what a tool that ignores sharing would claim. */
  candidate: bigint;
  /** Ranges already sharing the source's extents. */
  shared: number;
  /** Ranges in files the kernel will not change for this user (the source among them, if it is one). */
  readOnly: number;
  /** Files holding the data: every range's, the read-only ones too. */
  files: number;
}

/** Every range of a group as shown: those to share, then the read-only ones. */
export const rangeCount = (g: DedupeWireGroup): number => g.ranges.length + (g.readOnly?.length ?? 0);
export const rangeAt = (g: DedupeWireGroup, r: number): DedupeWireRange | undefined =>
  r < g.ranges.length ? g.ranges[r] : g.readOnly?.[r - g.ranges.length];
const allRanges = (g: DedupeWireGroup): DedupeWireRange[] => (g.readOnly ? [...g.ranges, ...g.readOnly] : g.ranges);

export type Row =
  { kind: 'group'; group: number } | { kind: 'warning'; group: number; warning: number } | { kind: 'range'; group: number; range: number };

/** Groups with more ranges than this start collapsed (their header says how many). */
export const COLLAPSE_ABOVE = 20;

export function groupNums(plan: DedupeWirePlan): GroupNums[] {
  return plan.groups.map((g) => {
    const length = BigInt(g.length);
    return {
      length,
      net: BigInt(g.netSaving),
      min: g.netSavingMin !== undefined ? BigInt(g.netSavingMin) : BigInt(g.netSaving),
      exact: g.netSavingMin !== undefined && g.netSavingMin === g.netSaving,
      applies: BigInt(g.netSaving) > 0n || BigInt(g.countedElsewhere ?? '0') > 0n,
      candidate: BigInt(g.candidateBytes),
      shared: g.ranges.reduce((n, r) => n + (r.alreadyShared ? 1 : 0), 0),
      readOnly: allRanges(g).reduce((n, r) => n + (r.readOnly ? 1 : 0), 0),
      files: new Set(allRanges(g).map((r) => r.file)).size,
    };
  });
}

/** Every group's index, largest net saving first; then most candidate bytes; then as the engine listed them. */
export function sortedGroups(nums: readonly GroupNums[]): number[] {
  const order = nums.map((_, i) => i);
  const cmp = (a: bigint, b: bigint): number => (a > b ? -1 : a < b ? 1 : 0);
  order.sort((a, b) => cmp(nums[a].net, nums[b].net) || cmp(nums[a].candidate, nums[b].candidate) || a - b);
  return order;
}

export function relPath(plan: DedupeWirePlan, p: string): string {
  const base = plan.base.endsWith(plan.sep) ? plan.base : plan.base + plan.sep;
  return p.startsWith(base) ? p.slice(base.length) : p;
}

/** The groups of `order` with a range whose path (relative to the base) contains `text`, case-insensitive. */
export function filterGroups(plan: DedupeWirePlan, rel: readonly string[], order: readonly number[], text: string): number[] {
  const f = text.trim().toLowerCase();
  if (!f) return [...order];
  const hit = rel.map((r) => r.toLowerCase().includes(f));
  return order.filter((g) => allRanges(plan.groups[g]).some((r) => hit[r.file]));
}

/** The rows to draw: each group's header, its warnings and (unless collapsed) its ranges. */
export function flatten(plan: DedupeWirePlan, groups: readonly number[], isCollapsed: (g: number) => boolean): Row[] {
  const rows: Row[] = [];
  for (const g of groups) {
    rows.push({ kind: 'group', group: g });
    if (isCollapsed(g)) continue;
    plan.groups[g].warnings.forEach((_, w) => rows.push({ kind: 'warning', group: g, warning: w }));
    for (let r = 0, n = rangeCount(plan.groups[g]); r < n; r++) rows.push({ kind: 'range', group: g, range: r });
  }
  return rows;
}
