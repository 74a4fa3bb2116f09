// The Dedupe view's model in the webview: the plan's groups in the order shown (largest net
// saving first, whatever order they arrived in), the filter, and the flat list of rows the
// virtualised list draws (a group's header, its warnings, then its ranges unless collapsed).
import type { DedupeWirePlan } from '../../src/protocol/messages';

export interface GroupNums {
  length: bigint;
  net: bigint;
  /** Data bytes in the ranges beyond the first (holes count zero): what a tool that ignores sharing would claim. */
  candidate: bigint;
  /** Ranges already sharing the source's extents. */
  shared: number;
}

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
      candidate: BigInt(g.candidateBytes),
      shared: g.ranges.reduce((n, r) => n + (r.alreadyShared ? 1 : 0), 0),
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
  return order.filter((g) => plan.groups[g].ranges.some((r) => hit[r.file]));
}

/** The rows to draw: each group's header, its warnings and (unless collapsed) its ranges. */
export function flatten(plan: DedupeWirePlan, groups: readonly number[], isCollapsed: (g: number) => boolean): Row[] {
  const rows: Row[] = [];
  for (const g of groups) {
    rows.push({ kind: 'group', group: g });
    if (isCollapsed(g)) continue;
    plan.groups[g].warnings.forEach((_, w) => rows.push({ kind: 'warning', group: g, warning: w }));
    for (let r = 0; r < plan.groups[g].ranges.length; r++) rows.push({ kind: 'range', group: g, range: r });
  }
  return rows;
}
