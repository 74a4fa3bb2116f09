// Byte ranges as sets: what is left of some ranges less others. Used where a map's data ranges
// lose their unwritten (preallocated) extents, which read as zeros and are space the file
// reserved: a copy keeps them holes (backends/linux/copy.ts), dig-holes never punches them.

import type { ByteRange } from './types';

/** `ranges` (in order, not overlapping) less `cut` (in order): what is left of each, in order. */
export function withoutRanges(ranges: ByteRange[], cut: ByteRange[]): ByteRange[] {
  if (cut.length === 0) return ranges;
  const out: ByteRange[] = [];
  let k = 0;
  for (const r of ranges) {
    let at = r.offset;
    const end = r.offset + r.length;
    while (k < cut.length && cut[k].offset + cut[k].length <= at) k++;
    for (let j = k; j < cut.length && cut[j].offset < end; j++) {
      const cs = cut[j].offset;
      const ce = cut[j].offset + cut[j].length;
      if (cs > at) out.push({ offset: at, length: cs - at });
      if (ce > at) at = ce;
      if (at >= end) break;
    }
    if (end > at) out.push({ offset: at, length: end - at });
  }
  return out;
}

/** How many bytes of `ranges` (not overlapping) lie in [start, end). */
export function bytesWithin(ranges: ByteRange[], start: bigint, end: bigint): bigint {
  let n = 0n;
  for (const r of ranges) {
    const s = r.offset > start ? r.offset : start;
    const e = r.offset + r.length < end ? r.offset + r.length : end;
    if (e > s) n += e - s;
  }
  return n;
}
