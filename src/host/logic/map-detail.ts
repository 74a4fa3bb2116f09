// The extentLens.inspector.mapDetail setting:
//   "auto"   FIEMAP-style extent maps (flags where the OS gives them); a window holding more
//            extents than the webview asked for is sent as bins (fractions per class).
//   "exact"  never bins: every extent of the window is sent (up to the protocol's 1,000,000).
//   "ranges" allocated ranges only (SEEK_DATA/SEEK_HOLE, FSCTL_QUERY_ALLOCATED_RANGES): data
//            and holes, no flags; the cheapest query, useful on slow SMB shares.

export type MapDetail = 'auto' | 'exact' | 'ranges';

export function readMapDetail(v: unknown): MapDetail {
  return v === 'exact' || v === 'ranges' ? v : 'auto';
}

/** extentLens.inspector.maxExtents, kept within the range package.json declares. */
export const MAX_EXTENTS_DEFAULT = 5_000_000;
export function readMaxExtents(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) ? Math.min(100_000_000, Math.max(10_000, v)) : MAX_EXTENTS_DEFAULT;
}

/** The extent budget for one window: the webview's own limit unless the setting says exact. */
export function windowBudget(detail: MapDetail, requested: number): number {
  return detail === 'exact' ? 1_000_000 : requested;
}
