// The Dedupe view's data: engine.findDuplicates' DedupePlan and engine.dedupe's DedupeReport as
// wire messages (decimal strings; ranges naming their file by index), the part of a plan the
// person chose to apply (totals summed by the engine's groupTotals), and what the confirmation names.
// No `vscode`, no Node APIs.

import type { DedupePlan, DedupeRange, DedupeReport } from '../engine';
import type { DedupeWirePlan, DedupeWireRange, DedupeWireReport } from '../protocol/messages';
import { commonBase, pathSeparator } from './space-data';

/** The `dedupe` message's plan from the engine's, with the options the search ran with. */
export function dedupeWirePlan(p: DedupePlan, roots: readonly string[], opts: { chunk: bigint; minSize: bigint }): DedupeWirePlan {
  const files: string[] = [];
  const index = new Map<string, number>();
  const fileOf = (path: string): number => {
    let i = index.get(path);
    if (i === undefined) {
      i = files.length;
      files.push(path);
      index.set(path, i);
    }
    return i;
  };
  const wireRange = (r: DedupeRange): DedupeWireRange => ({
    file: fileOf(r.path),
    offset: r.offset.toString(),
    ...(r.alreadyShared ? { alreadyShared: true } : {}),
    ...(r.readOnly ? { readOnly: true } : {}),
    ...(r.freesNothing ? { freesNothing: true } : {}),
  });
  const groups = p.groups.map((g) => ({
    length: g.length.toString(),
    ranges: g.ranges.map(wireRange),
    ...(g.readOnly?.length ? { readOnly: g.readOnly.map(wireRange) } : {}),
    ...(g.cannotShare !== undefined ? { cannotShare: g.cannotShare } : {}),
    netSaving: g.netSaving.toString(),
    ...(g.netSavingMin !== undefined ? { netSavingMin: g.netSavingMin.toString() } : {}),
    ...(g.countedElsewhere ? { countedElsewhere: g.countedElsewhere.toString() } : {}),
    candidateBytes: g.candidateBytes.toString(),
    ...(g.alreadySharedBytes !== undefined ? { alreadySharedBytes: g.alreadySharedBytes.toString() } : {}),
    wholeFiles: g.wholeFiles,
    warnings: [...g.warnings],
    ...(g.compressed ? { compressed: true } : {}),
    ...(g.placeUnknown ? { placeUnknown: true } : {}),
  }));
  const sep = pathSeparator(roots);
  return {
    roots: [...roots],
    base: commonBase(
      roots,
      files.map((path) => ({ path })),
      sep,
    ),
    sep,
    chunk: opts.chunk.toString(),
    minSize: opts.minSize.toString(),
    files,
    groups,
    total: {
      groups: p.total.groups,
      candidateBytes: p.total.candidateBytes.toString(),
      netSaving: p.total.netSaving.toString(),
      ...(p.total.netSavingMin !== undefined ? { netSavingMin: p.total.netSavingMin.toString() } : {}),
      files: p.total.files,
      hashedBytes: p.total.hashedBytes.toString(),
      ...(p.total.lockedIn ? { lockedIn: p.total.lockedIn } : {}),
    },
    errors: p.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })),
    ...(p.cannotApply?.length ? { cannotApply: p.cannotApply.map((e) => ({ path: e.path, code: e.code, message: e.message })) } : {}),
    notes: [...p.notes],
    durationMs: p.durationMs,
  };
}

/**
 * The groups `indexes` of a plan as a plan of their own (totals over them, as the engine sums a
 * plan's: loaded here as the host loads the engine, not at activation), or undefined if an index is not in it.
 */
export async function choosePlanGroups(p: DedupePlan, indexes: readonly number[]): Promise<DedupePlan | undefined> {
  if (indexes.some((i) => !Number.isInteger(i) || i < 0 || i >= p.groups.length) || new Set(indexes).size !== indexes.length)
    return undefined;
  const groups = [...indexes].sort((a, b) => a - b).map((i) => p.groups[i]);
  const { groupTotals } = await import('../engine');
  const touched = new Set(groups.flatMap((g) => g.ranges.map((r) => r.path)));
  // hashedBytes belongs to the search, not to a part of it: kept as it was
  return { ...p, groups, total: { ...p.total, ...groupTotals(groups), files: touched.size } };
}

/**
 * What the confirmation names: the bytes sharing would free (the estimate) and the files it
 * changes: each range that gets a call and its group's source; not a file whose range already
 * shares the source's extents or frees nothing (a trial: "Deduplicate 4 files" where 2 ranges
 * changed 3, the fourth a clone already).
 */
export function applyFacts(p: DedupePlan): { bytes: bigint; minBytes: bigint; files: number; groups: number; ranges: number } {
  const files = new Set<string>();
  let ranges = 0;
  for (const g of p.groups) {
    // those already shared, or freeing nothing, get no call
    const called = g.ranges.slice(1).filter((r) => !r.alreadyShared && !r.freesNothing);
    ranges += called.length;
    if (called.length > 0) files.add(g.ranges[0].path);
    for (const r of called) files.add(r.path);
  }
  // the plan's totals (choosePlanGroups: the engine's sums over the chosen groups)
  return {
    bytes: p.total.netSaving,
    minBytes: p.total.netSavingMin ?? p.total.netSaving,
    files: files.size,
    groups: p.groups.length,
    ranges,
  };
}

/** The `dedupe` message's report: what applying did, measured, next to the estimate. */
export function dedupeWireReport(r: DedupeReport, applied: { groups: number; files: number }): DedupeWireReport {
  return {
    groups: applied.groups,
    files: applied.files,
    deduped: r.deduped.toString(),
    alreadyShared: r.alreadyShared.toString(),
    differed: r.differed,
    skipped: r.skipped.map((k) => ({
      path: k.path,
      offset: k.offset.toString(),
      length: k.length.toString(),
      reason: k.reason,
      message: k.message,
    })),
    calls: r.calls,
    freed: r.freed.toString(),
    estimated: r.estimated.toString(),
    ...(r.estimatedMin !== undefined ? { estimatedMin: r.estimatedMin.toString() } : {}),
    method: r.method,
    ...(r.fileSystems?.length ? { fileSystems: [...r.fileSystems] } : {}),
    ...(r.cancelled ? { cancelled: { ...r.cancelled } } : {}),
    notes: [...r.notes],
    durationMs: r.durationMs,
  };
}
