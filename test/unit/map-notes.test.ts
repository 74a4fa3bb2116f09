// The Linux map's note on blocks its data ranges do not show (src/engine/backends/linux/map-notes.ts):
// what they can be depends on the file system. A trial: ext4's note named only unwritten extents
// for a file with none (filefrag showed 9 written extents): the block was its extent tree's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beyondExtentsNote, heldNote } from '../../src/engine/backends/linux/map-notes';

test('held outside the data ranges: extent-tree blocks named on XFS and ext4, reserved pages on tmpfs', () => {
  assert.match(heldNote(40960n, 4096n, 'ext4'), /\(unwritten \(preallocated\) extents, or the blocks of its extent tree\)/);
  // XFS: and the copy-on-write staging blocks a write into reflinked data leaves (no map shows them)
  assert.match(
    heldNote(40960n, 4096n, 'xfs'),
    /\(unwritten \(preallocated\) extents, the blocks of its extent tree, or copy-on-write staging blocks reserved by writes into shared \(reflinked\) data, which XFS gives back by itself every fs\.xfs\.speculative_prealloc_lifetime seconds\)/,
  );
  assert.match(heldNote(40960n, 4096n, 'btrfs'), /\(unwritten \(preallocated\) extents\)/);
  assert.match(heldNote(40960n, 4096n, 'tmpfs'), /pages fallocate reserved/);
  assert.match(heldNote(40960n, 4096n, 'ext4'), /^ext4 counts 40960 bytes .* in 36864 bytes of blocks: the other 4096 bytes/);
});

// A trial: "so the map cannot place them" for preallocated space past the end of the file, which
// `extent-lens map` does show; and XFS's staging blocks read as if they stayed.
test('where FIEMAP exists the note points to the extent map; XFS staging blocks are said to go by themselves', () => {
  assert.match(
    heldNote(40960n, 4096n, 'xfs'),
    /the extent map \(FIEMAP: `extent-lens map`\) shows the unwritten ones, past the end of the file too/,
  );
  assert.doesNotMatch(heldNote(40960n, 4096n, 'xfs'), /the map cannot place them/);
  assert.match(heldNote(40960n, 4096n, 'tmpfs'), /no map can place them \(tmpfs has no FIEMAP\)/);
  assert.match(beyondExtentsNote('xfs', 4096n), /XFS gives back by itself .*speculative_prealloc_lifetime/);
});
