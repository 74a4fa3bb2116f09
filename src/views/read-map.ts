// The map an inspector shows, read according to extentLens.inspector.mapDetail: a full extent
// map (FIEMAP / retrieval pointers), or, with "ranges", allocated ranges only (cheaper; data and
// holes without flags) dressed as an ExtentMap so the rest of the inspector is the same.
//
// The full map is read packed (engine.mapPacked: typed arrays across the worker boundary, no
// object per extent) and goes straight into MapModel: at a million extents, unpacking into
// Extent objects alone would cost about half a second. At most `maxExtents` are read
// (extentLens.inspector.maxExtents): a file with more comes back with `truncatedAt`, and the
// inspector reads what lies after it with bounded reads of the visible part.

import type { Engine, ExtentMap, MapSource, PackedExtentMap, RunOptions, VolumeInfo } from '../engine';
import type { MapDetail } from '../host/logic/map-detail';

export async function readMap(
  engine: Engine,
  file: string,
  detail: MapDetail,
  volume: Promise<VolumeInfo | undefined>,
  opts: RunOptions & { maxExtents?: number },
): Promise<ExtentMap | PackedExtentMap> {
  if (detail !== 'ranges') return engine.mapPacked(file, opts);
  const r = await engine.ranges(file, opts);
  // Linux and macOS find ranges with SEEK_DATA; every other method (Windows and SMB: allocated
  // ranges, retrieval pointers, a volume without sparse files) gives ranges without flags likewise
  const source: MapSource = r.method === 'seek' ? 'seek' : 'allocated-ranges';
  const m: ExtentMap = {
    path: r.path,
    size: r.size,
    blockSize: (await volume)?.blockSize ?? 0,
    window: r.window,
    extents: r.ranges.map((x) => ({ offset: x.offset, length: x.length, physical: null, flags: [] })),
    source,
    calls: r.calls,
    durationMs: r.durationMs,
  };
  // what the ranges cannot show (the block count's bytes beyond them: preallocated space that
  // SEEK_DATA reads as holes; an SMB file not marked sparse): the summary's notes and figures
  if (r.notes?.length) m.notes = r.notes;
  if (r.allocationSize !== undefined) m.allocationSize = r.allocationSize;
  if (r.heldOutsideExtents !== undefined) m.heldOutsideExtents = r.heldOutsideExtents;
  return m;
}
