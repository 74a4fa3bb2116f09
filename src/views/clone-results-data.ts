// The clone-results view's data (src/protocol/messages.ts CloneResultsData): the engine's
// report and the maps of both files before and after, each as a whole map or per-class bins.
// Pure: no `vscode`, no Node APIs.

import type { ExtentMap, OperationReport } from '../engine';
import { toWire, type CloneResultsData, type CloneSide } from '../protocol/messages';
import { MapModel } from './map-model';

export interface CloneMaps {
  source: { before?: ExtentMap; after: ExtentMap };
  destination: { before?: ExtentMap; after: ExtentMap };
}

/**
 * The clone-results view's data from an engine report and the maps read before and after the
 * operation. Each map is sent whole when it has at most `bins` extents, else as `bins` bins.
 * Space saved = the destination's shared bytes gained by the operation (0 after a fallback
 * copy, which shares nothing).
 */
export function cloneResultsData(report: OperationReport, maps: CloneMaps, bins = 1024): CloneResultsData {
  const side = (s: { before?: ExtentMap; after: ExtentMap }): CloneSide & { shared: bigint; sharedBefore: bigint } => {
    const after = new MapModel(s.after);
    const before = s.before ? new MapModel(s.before) : undefined;
    const out: CloneSide & { shared: bigint; sharedBefore: bigint } = {
      path: s.after.path,
      size: toWire(s.after.size),
      after: after.overview(bins),
      sharedBytes: toWire(after.sharedTotal),
      shared: after.sharedTotal,
      sharedBefore: before?.sharedTotal ?? 0n,
    };
    if (before) out.before = before.overview(bins);
    return out;
  };
  const { shared: _s1, sharedBefore: _b1, ...source } = side(maps.source);
  const { shared, sharedBefore, ...destination } = side(maps.destination);
  const gained = report.fellBack ? 0n : shared > sharedBefore ? shared - sharedBefore : 0n;
  const data: CloneResultsData = {
    operation: report.operation,
    method: report.method,
    fellBack: report.fellBack ?? false,
    bytes: toWire(report.bytes),
    calls: report.calls,
    durationMs: report.durationMs,
    spaceSaved: toWire(gained),
    source,
    destination,
    notes: report.notes ?? [],
  };
  if (report.fallbackReason) data.fallbackReason = report.fallbackReason;
  return data;
}
