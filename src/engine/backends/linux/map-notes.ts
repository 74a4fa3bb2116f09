// The notes a Linux map carries about bytes its extents do not show (the block count holds more):
// tmpfs's reserved pages and unwritten extents under SEEK_DATA, XFS's and ext4's blocks beyond
// their extents. Apart from map.ts so that file keeps to the reading itself.

import { isExtFamily } from '../../ext-family';

/**
 * The sentence for a whole-file SEEK_DATA map (or allocated ranges) whose file holds `more` bytes
 * beyond the blocks of its data ranges (map-format.ts heldOutsideExtents): tmpfs counts pages
 * fallocate reserved (and huge pages whole) in the block count, and XFS, ext4 and btrfs their
 * unwritten (preallocated) extents; those read as zeros and SEEK_DATA reports them as holes, so no
 * SEEK_DATA map shows where they are. `filesystem`: as mounted (ext2, ext3 or ext4:
 * mounted-name.ts); `indirect`: an ext2/ext3-style file (no extents flag), whose extra blocks are
 * its indirect blocks, never preallocated ones (such files cannot be preallocated).
 */
export function heldNote(blockBytes: bigint, more: bigint, filesystem: string, indirect = false): string {
  const dataBlockBytes = blockBytes - more;
  const counts =
    `${filesystem} counts ${blockBytes} bytes in use for this file (its block count) but SEEK_DATA finds data in ` +
    `${dataBlockBytes} bytes of blocks: the other ${more} bytes are held for it outside its data ranges`;
  // (a trial on ext3: "unwritten (preallocated) extents, or the blocks of its extent tree")
  if (indirect)
    return (
      `${counts} (its indirect blocks: it maps its blocks the ext2/ext3 way, not with extents, lsattr shows no 'e'; ` +
      'or a block of extended attributes, which files with the same attributes may share). They hold no file data, so no ' +
      'map places them; du counts them.'
    );
  const what =
    filesystem === 'tmpfs'
      ? 'pages fallocate reserved that nothing has written yet, or the rest of a huge page'
      : filesystem === 'xfs'
        ? // (a trial: after a write into reflinked data `ranges` named only these two and pointed
          // to the map, which shows no staging block: beyondExtentsNote says what those are)
          'unwritten (preallocated) extents, the blocks of its extent tree, or copy-on-write staging blocks reserved by writes ' +
          'into shared (reflinked) data, which XFS gives back by itself every fs.xfs.speculative_prealloc_lifetime seconds'
        : `unwritten (preallocated) extents${isExtFamily(filesystem) ? ', or the blocks of its extent tree' : ''}`;
  return (
    `${counts} (${what}), which ` +
    (filesystem === 'tmpfs'
      ? 'read as zeros and which SEEK_DATA reports as holes, so no map can place them (tmpfs has no FIEMAP); du counts them.'
      : // (a trial: "cannot place them", where the extent map does, past the end of the file too)
        'read as zeros and which SEEK_DATA reports as holes, so data ranges cannot place them; the extent map (FIEMAP: ' +
        '`extent-lens map`) shows the unwritten ones, past the end of the file too; du counts them.')
  );
}

/**
 * The note on an XFS or ext4 file's blocks outside its extents (map-format.ts heldOutsideExtents).
 * `indirect`: an ext2/ext3 file (no extents flag, on ext2, ext3, or an ext4 that took them over),
 * whose block map is indirect blocks, not an extent tree (a trial on ext3 read "its extent tree").
 */
export function beyondExtentsNote(filesystem: 'xfs' | 'ext4', more: bigint, indirect = false): string {
  if (indirect)
    return (
      `This file holds ${more} bytes beyond its data blocks (its block count says so; du counts them): its indirect ` +
      "blocks (it maps its blocks the ext2/ext3 way, not with extents: lsattr shows no 'e'), or a block of extended " +
      'attributes, which files with the same attributes may share. No map shows them; deleting the file frees its ' +
      'indirect blocks, and the attribute block when no other file uses it.'
    );
  return filesystem === 'xfs'
    ? `XFS holds ${more} bytes for this file beyond the blocks of its extents (its block count says so; du counts them): ` +
        'the blocks of its extent tree (a file in many extents), attribute blocks, or copy-on-write staging blocks, reserved ' +
        'by writes into shared (reflinked) data for more writes, which XFS gives back by itself (its background reclaim, every ' +
        'fs.xfs.speculative_prealloc_lifetime seconds, 300 by default). No map shows them; deleting the file frees them.'
    : `ext4 holds ${more} bytes for this file beyond the blocks of its extents (its block count says so; du counts them): ` +
        'the blocks of its extent tree (a file in many extents), or a block of extended attributes, which files with the same ' +
        'attributes may share. No map shows them; deleting the file frees its extent tree, and the attribute block when no ' +
        'other file uses it.';
}
