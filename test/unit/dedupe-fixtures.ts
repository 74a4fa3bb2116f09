// A file as dedupe's find sees it (Hashed), written out by hand for the unit tests.
import type { Hashed } from '../../src/engine/dedupe-hash';

/** An XFS file of `size` bytes with the extents [offset, length, physical, flags], not yet hashed. */
export function hashedFile(path: string, size: bigint, extents: [bigint, bigint, bigint, number][], fsKey = 'fs'): Hashed {
  return {
    path,
    size,
    filesystem: 'xfs',
    fsKey,
    blockSize: 4096,
    off: extents.map((e) => e[0]),
    len: extents.map((e) => e[1]),
    phys: extents.map((e) => e[2]),
    flags: extents.map((e) => e[3]),
    chunkAt: [],
    chunkKeys: [],
  };
}
