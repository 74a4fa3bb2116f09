// The clone-results view's numbers, computed from the engine's report and the extent maps
// made before and after the operation. Pure: buildCloneResults takes windows already built;
// cloneResults builds them itself (MapModel.overview, 1,024 bins) and calls it.

import type { Extent, ExtentMap, OperationReport } from '../../engine';
import type { CloneResultsData, CloneSide, WireWindow } from '../../protocol/messages';
import { toWire } from '../../protocol/messages';
import { withoutCopyAdvice } from '../../protocol/format';
import { MapModel } from '../../views/map-model';

/** Bytes of the extents `counted` keeps inside [from, from + len) (the whole map without len). */
function bytesIn(extents: readonly Extent[], counted: (e: Extent) => boolean, from = 0n, len?: bigint): bigint {
  const end = len === undefined ? undefined : from + len;
  let total = 0n;
  for (const e of extents) {
    if (!counted(e)) continue;
    const s = e.offset > from ? e.offset : from;
    const eEnd = e.offset + e.length;
    const f = end !== undefined && eEnd > end ? end : eEnd;
    if (f > s) total += f - s;
  }
  return total;
}

/** Bytes of extents flagged shared (or with a refcount above 1) inside [from, from + len). */
export function sharedBytes(extents: readonly Extent[], from = 0n, len?: bigint): bigint {
  return bytesIn(extents, (e) => e.flags.includes('shared') || (e.refcount !== undefined && e.refcount > 1), from, len);
}

/**
 * Space the operation did not need: for a clone, the cloned bytes that are now shared by the
 * destination (the after-map says so where the file system reports sharing; where it cannot
 * (no FIEMAP: SMB), a successful clone shares every byte of data it cloned, holes not counted).
 * A copy saves nothing. `rangeOffset`: where a Clone Range's bytes begin in the destination;
 * only that range is counted (a range cloned from a hole shares nothing, whatever the rest of
 * the destination shares: a trial saw "Shared, not copied 4 MiB" for 4 MiB of hole).
 */
export function spaceSaved(report: OperationReport, destAfter: ExtentMap | undefined, rangeOffset?: bigint): bigint {
  if (report.fellBack || report.method === 'sparse-copy') return 0n;
  const cloneMethods = ['FICLONE', 'FICLONERANGE', 'clonefile', 'FSCTL_DUPLICATE_EXTENTS_TO_FILE', 'FSCTL_DUPLICATE_EXTENTS_TO_FILE_EX'];
  const within = (counted: (e: Extent) => boolean): bigint => {
    const n =
      rangeOffset === undefined ? bytesIn(destAfter!.extents, counted) : bytesIn(destAfter!.extents, counted, rangeOffset, report.bytes);
    return n < report.bytes ? n : report.bytes;
  };
  if (destAfter && (destAfter.source === 'fiemap' || destAfter.source === 'refcount'))
    return within((e) => e.flags.includes('shared') || (e.refcount !== undefined && e.refcount > 1));
  if (!cloneMethods.includes(report.method)) return 0n;
  // No sharing flags (SMB: allocated ranges only): a clone shares at most the data the copy
  // holds, not its holes (a 1 TiB sparse file with 3 MiB of data shares 3 MiB, not 1 TiB)
  if (destAfter && (report.operation === 'clone' || rangeOffset !== undefined)) return within(() => true);
  return report.bytes;
}

/**
 * Did the file the operation ended with exist before it, under that name? Only when the
 * requested name existed and the operation wrote to that very name (overwrite). A rename after
 * a collision, a new name or a copy made a new file: it gets no "before" map.
 */
export function destinationExistedBefore(requested: string, final: string, requestedExisted: boolean): boolean {
  return requestedExisted && final === requested;
}

export interface SideMaps {
  path: string;
  /**
   * Clone Range: where its bytes begin in this file (the view shows the range; for the
   * destination, what it shares is counted there only).
   */
  rangeOffset?: bigint;
  /** false: created by the operation (no before map is shown, whatever `before` holds). */
  existedBefore?: boolean;
  before?: ExtentMap;
  after: ExtentMap;
  beforeWindow?: WireWindow;
  afterWindow: WireWindow;
}

/** `rangeLength`: a Clone Range's length (the bytes it cloned or copied). */
function side(s: SideMaps, rangeLength: bigint): CloneSide {
  const out: CloneSide = {
    path: s.path,
    size: toWire(s.after.size),
    after: s.afterWindow,
    sharedBytes: toWire(sharedBytes(s.after.extents)),
  };
  if (s.rangeOffset !== undefined) out.range = { offset: toWire(s.rangeOffset), length: toWire(rangeLength) };
  if (s.after.source === 'allocated-ranges') out.sharingUnknown = true;
  if (s.existedBefore !== undefined) out.existedBefore = s.existedBefore;
  if (s.existedBefore !== false && s.beforeWindow) out.before = s.beforeWindow;
  // a size the operation changed (Clone Range past the end grows the file) is shown as before → after
  if (s.existedBefore !== false && s.before && s.before.size !== s.after.size) out.sizeBefore = toWire(s.before.size);
  return out;
}

/**
 * Why cloning was refused, as a detail for the view once a copy was made instead: the engine's
 * reason without its "clone: ioctl(FICLONE) failed on <source> -> <destination>:" preamble (the
 * destination there is what the engine was given, for Block Clone Here the folder, not the file
 * made) and without the advice to "allow a copy", which was taken. `destinations`: the paths
 * the preamble may name. Text in another form is returned as is, less a final period.
 */
export function refusalDetail(reason: string, source: string, destinations: readonly string[]): string {
  let r = reason.trim().replace(/^(clone|clone-range|copy): /, '');
  const pre = /^\S+ failed on /.exec(r);
  if (pre) {
    const rest = r.slice(pre[0].length);
    const heads = [...destinations.map((d) => `${source} -> ${d}: `), `${source}: `].sort((x, y) => y.length - x.length);
    const head = heads.find((h) => rest.startsWith(h));
    if (head) r = rest.slice(head.length);
  }
  return withoutCopyAdvice(r).replace(/\.$/, '');
}

const parentOf = (p: string): string => p.slice(0, Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'))) || p;

/**
 * `requested`: the destination the operation was asked for (a folder, or a name a rename
 * replaced); the fallback's reason may name it rather than the file made.
 */
export function buildCloneResults(report: OperationReport, source: SideMaps, destination: SideMaps, requested?: string): CloneResultsData {
  const names = [destination.path, parentOf(destination.path), ...(requested === undefined ? [] : [requested, parentOf(requested)])];
  return {
    operation: report.operation,
    method: report.method,
    fellBack: report.fellBack === true,
    fallbackReason: report.fallbackReason === undefined ? undefined : refusalDetail(report.fallbackReason, source.path, names),
    bytes: toWire(report.bytes),
    calls: report.calls,
    ...(report.otherCalls ? { otherCalls: report.otherCalls } : {}),
    durationMs: report.durationMs,
    spaceSaved: toWire(spaceSaved(report, destination.after, destination.rangeOffset)),
    source: side(source, report.bytes),
    destination: side(destination, report.bytes),
    notes: report.notes ?? [],
  };
}

/**
 * The view's data for one clone-like operation from its report and the maps read before and
 * after it: each map sent whole or as 1,024 bins (MapModel.overview).
 */
export function cloneResults(
  report: OperationReport,
  source: string,
  destination: string,
  sourceBefore: ExtentMap | undefined,
  sourceAfter: ExtentMap,
  destBefore: ExtentMap | undefined,
  destAfter: ExtentMap,
  destExistedBefore?: boolean,
  requested?: string,
  range?: { sourceOffset: bigint; destinationOffset: bigint },
): CloneResultsData {
  const overview = (m: ExtentMap) => new MapModel(m).overview(1024);
  return buildCloneResults(
    report,
    {
      path: source,
      rangeOffset: range?.sourceOffset,
      before: sourceBefore,
      after: sourceAfter,
      beforeWindow: sourceBefore && overview(sourceBefore),
      afterWindow: overview(sourceAfter),
    },
    {
      path: destination,
      rangeOffset: range?.destinationOffset,
      existedBefore: destExistedBefore ?? destBefore !== undefined,
      before: destBefore,
      after: destAfter,
      beforeWindow: destBefore && overview(destBefore),
      afterWindow: overview(destAfter),
    },
    requested,
  );
}
