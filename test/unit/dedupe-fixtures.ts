// Files as dedupe sees them, written out by hand for the unit tests: mapped (FileData), hashed
// (Hashed), and owner lookups as root on btrfs.
import type { Hashed } from '../../src/engine/dedupe-hash';
import type { FileData } from '../../src/engine/dedupe-file-data';
import type { ExtentRef, OwnerLookup } from '../../src/engine/dedupe-owners';
import { EXTENT_FLAG } from '../../src/engine/map-format';

export const K = 1024n;

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

/** A file with one extent per [offset, length, physical] (physical -1n: unknown). */
export function mappedFile(path: string, size: bigint, extents: [bigint, bigint, bigint][], filesystem = 'xfs', shared = false): FileData {
  return {
    path,
    size,
    filesystem,
    fsKey: 'fs',
    blockSize: 4096,
    off: extents.map((e) => e[0]),
    len: extents.map((e) => e[1]),
    phys: extents.map((e) => e[2]),
    flags: extents.map(() => (shared ? EXTENT_FLAG.SHARED : 0)),
  };
}

/**
 * As root on btrfs: owner lookups whose extent items are the files' FIEMAP records, one extent
 * each (a partly overwritten one by its address less its offset, as FIEMAP shows it), or `items`
 * where given.
 */
export function asRoot(items = new Map<string, ExtentRef[]>()): Map<string, OwnerLookup> {
  const extentsOf = (f: FileData): ExtentRef[] =>
    items.get(f.path) ?? f.off.map((o, i) => ({ off: o, end: o + f.len[i], bytenr: f.phys[i] - o, bytes: f.len[i] }));
  return new Map([['fs', { method: 'TEST', forShared: false, ownerName: (o) => o, keptOutside: () => [], extentsOf }]]);
}
