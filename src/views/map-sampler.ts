// The visible part of a map, read for what is visible only: bounded, windowed engine queries
// instead of the whole file. The inspector uses it while the full map of a big file is still
// being read (opening it, or after a change), so that the map is on screen in a fraction of a
// second whatever the extent count, and past extentLens.inspector.maxExtents, where the full
// read stops.
//
// A window is first read with a budget of extents. When it fits, the answer is exact (the
// extents, or bins computed from all of them). When it does not, the part that was read is
// still exact up to `truncatedAt`, and every bin after that is *sampled*: its first few
// extents are read (one FIEMAP call per bin, all the bins in one engine request), and the
// bin's class fractions are those of the part read (so a bin is exact when its extents fit,
// an estimate otherwise). The window says
// so (`sampled: true`), and the webview labels it as a preview.
//
// Pure: no `vscode`; the reads are functions (engine.mapPacked and engine.mapWindows, which
// run on the engine's quick worker lane: all the bins' reads are one request).

import type { Engine, PackedExtentMap, VolumeInfo } from '../engine';
import { EXTENT_CLASSES, toWire, type WireSummary, type WireWindow } from '../protocol/messages';
import { fractionOf } from '../protocol/format';
import { MapModel } from './map-model';

/** Bounded, windowed reads of one file. */
export interface BoundedReads {
  /** engine.mapPacked(path, { window, maxExtents }) */
  window(offset: bigint, length: bigint, maxExtents: number): Promise<PackedExtentMap>;
  /** engine.mapWindows(path, windows, { maxExtents }): many windows, one request */
  windows(windows: Array<{ offset: bigint; length: bigint }>, maxExtents: number): Promise<PackedExtentMap[]>;
}

/** The BoundedReads of `path` through an engine. */
export function engineReads(engine: Pick<Engine, 'mapPacked' | 'mapWindows'>, path: string): BoundedReads {
  return {
    window: (offset, length, maxExtents) => engine.mapPacked(path, { window: { offset, length }, maxExtents }),
    windows: (windows, maxExtents) => engine.mapWindows(path, windows, { maxExtents }),
  };
}

interface SampleOptions {
  /** Extents read for the window as a whole before sampling (and the exact-extents limit). */
  exactBudget: number;
  /** Bins wanted (one per device pixel); sampled windows use at most `maxSampleBins`. */
  binCount: number;
  /** Most bins sampled (each is one bounded FIEMAP call). */
  maxSampleBins: number;
  /** Extents read per sampled bin. */
  perBin: number;
}

export const DEFAULT_SAMPLING: SampleOptions = { exactBudget: 20_000, binCount: 2048, maxSampleBins: 512, perBin: 16 };

const NCLASS = EXTENT_CLASSES.length;

/**
 * The window [offset, offset + length) of the file, from bounded queries only. Extent indexes
 * are left out: without the whole map they are not the table's row numbers.
 */
export async function sampleWindow(reads: BoundedReads, offset: bigint, length: bigint, opts: SampleOptions): Promise<WireWindow> {
  const first = await reads.window(offset, length, opts.exactBudget);
  const firstModel = MapModel.fromPacked(first);
  if (first.truncatedAt === undefined || length <= 0n) {
    const w = firstModel.window(offset, length, opts.exactBudget, opts.binCount);
    delete w.firstIndex;
    for (const e of w.extents ?? []) delete e.index;
    return w;
  }
  const exactTo = first.truncatedAt;
  const end = offset + length;
  // Never more bins than bytes: each bin covers at least one byte.
  const wanted = Math.max(1, Math.min(opts.binCount, opts.maxSampleBins));
  const bins = BigInt(wanted) < length ? wanted : Number(length);
  const edge = (i: number): bigint => offset + (length * BigInt(i)) / BigInt(bins);
  const fractions = new Array<number>(bins * NCLASS).fill(0);
  let seen = first.packed.count;
  const put = (i: number, model: MapModel, from: bigint, to: bigint): void => {
    if (to <= from) return;
    const w = model.window(from, to - from, 0, 1);
    if (!w.bins) return; // no extent there: a hole
    for (let c = 0; c < NCLASS; c++) fractions[i * NCLASS + c] = w.bins[c];
  };
  const sampled: Array<{ i: number; offset: bigint; length: bigint }> = [];
  for (let i = 0; i < bins; i++) {
    const a = edge(i);
    const b = i === bins - 1 ? end : edge(i + 1);
    if (b <= exactTo)
      put(i, firstModel, a, b); // read in full by the first query
    else sampled.push({ i, offset: a, length: b - a });
  }
  const maps =
    sampled.length > 0
      ? await reads.windows(
          sampled.map(({ offset: o, length: l }) => ({ offset: o, length: l })),
          opts.perBin,
        )
      : [];
  maps.forEach((m, k) => {
    const { i, offset: a, length: l } = sampled[k];
    seen += startsAfter(m, a > exactTo ? a : exactTo);
    put(i, MapModel.fromPacked(m), a, m.truncatedAt ?? a + l);
  });
  // `seen` is a lower bound of the window's extents: each counted once, where it starts.
  return { offset: toWire(offset), length: toWire(length), binCount: bins, bins: fractions, extentCount: seen, sampled: true };
}

/**
 * Extents of a bin's sample that start after `from`: the engine clips extents to the window,
 * so one starting exactly at the bin's edge may have begun in the bin before (or in the part
 * the first read already counted); leaving those out keeps the count a lower bound.
 */
function startsAfter(m: PackedExtentMap, from: bigint): number {
  let n = 0;
  for (let i = 0; i < m.packed.count; i++) if (BigInt.asUintN(64, m.packed.offset[i]) > from) n++;
  return n;
}

/**
 * The summary shown with a preview: exact size and volume facts, `allocated` from the file's
 * block count (st_blocks x 512), the extents read so far (a lower bound), and `pending` so the
 * webview says the rest is still being counted.
 */
export function pendingSummary(
  file: { path: string; name: string; size: bigint; blocks: bigint },
  overview: WireWindow,
  v: VolumeInfo | undefined,
): WireSummary {
  const allocated = file.blocks * 512n;
  const holes = file.size > allocated ? file.size - allocated : 0n;
  return {
    path: file.path,
    name: file.name,
    size: toWire(file.size),
    allocated: toWire(allocated),
    sparseRatio: fractionOf(holes, file.size),
    extentCount: overview.extentCount,
    sharedBytes: '0',
    unwrittenBytes: '0',
    filesystem: v?.filesystem ?? 'unknown',
    blockSize: v?.blockSize ?? 0,
    supportsClone: v?.supportsClone,
    supportsSparse: v?.supportsSparse ?? false,
    source: 'fiemap',
    cloneEvidence: v?.cloneEvidence ?? 'The volume was not queried.',
    pending: true,
  };
}
