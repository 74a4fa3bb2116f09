// The Linux map's note on blocks its data ranges do not show (src/engine/backends/linux/map-notes.ts):
// what they can be depends on the file system. A trial: ext4's note named only unwritten extents
// for a file with none (filefrag showed 9 written extents): the block was its extent tree's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldNote } from '../../src/engine/backends/linux/map-notes';

test('held outside the data ranges: extent-tree blocks named on XFS and ext4, reserved pages on tmpfs', () => {
  for (const fs of ['xfs', 'ext4'])
    assert.match(heldNote(40960n, 4096n, fs), /\(unwritten \(preallocated\) extents, or the blocks of its extent tree\)/, fs);
  assert.match(heldNote(40960n, 4096n, 'btrfs'), /\(unwritten \(preallocated\) extents\)/);
  assert.match(heldNote(40960n, 4096n, 'tmpfs'), /pages fallocate reserved/);
  assert.match(heldNote(40960n, 4096n, 'ext4'), /^ext4 counts 40960 bytes .* in 36864 bytes of blocks: the other 4096 bytes/);
});
