// Maps written out by hand for the MapModel tests (test/unit/map-model*.test.ts).
import type { Extent, ExtentMap, VolumeInfo } from '../../src/engine/types';

export const P53 = 1n << 53n;

export function mapOf(extents: Extent[], size: bigint): ExtentMap {
  return {
    path: '/x/file.img',
    size,
    blockSize: 4096,
    window: { offset: 0n, length: size },
    extents,
    source: 'fiemap',
    calls: 1,
    durationMs: 1,
  };
}
export const vol: VolumeInfo = {
  path: '/x',
  filesystem: 'xfs',
  blockSize: 4096,
  supportsSparse: true,
  supportsClone: true,
  cloneEvidence: 'reflink=1 in the XFS superblock.',
  volumeId: '7:0',
};

export const ext = (offset: bigint, length: bigint, flags: Extent['flags'] = [], physical: bigint | null = offset + 1000n): Extent => ({
  offset,
  length,
  physical,
  flags,
});
