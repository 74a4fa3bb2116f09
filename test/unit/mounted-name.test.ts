// ext2, ext3 and ext4 share one statfs magic; the mount table says which a file system is. Per-file
// messages (map notes, error sentences) ask for every file, so the table is read once per file
// system instance (st_dev + f_fsid), not once per file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountedNames } from '../../src/engine/backends/linux/mounted-name';
import type { Mount } from '../../src/engine/space-fs';

const mount = (dev: string, fsType: string): Mount => ({
  dev,
  root: '/',
  mountPoint: `/mnt/${dev}`,
  fsType,
  source: '/dev/x',
  options: [],
});
const DEV_7_1 = (7n << 8n) | 1n; // 7:1
const DEV_7_2 = (7n << 8n) | 2n; // 7:2

test('ext3 and ext2 are named as mounted; the mount table is read once per file system', () => {
  let reads = 0;
  const name = mountedNames(() => {
    reads++;
    return [mount('7:1', 'ext3'), mount('7:2', 'ext2')];
  });
  for (let i = 0; i < 100; i++) assert.equal(name('ext4', DEV_7_1, 'a:b'), 'ext3');
  assert.equal(reads, 1, 'one read for 100 files on one file system');
  assert.equal(name('ext4', DEV_7_2, 'c:d'), 'ext2');
  assert.equal(name('ext4', DEV_7_2, 'c:d'), 'ext2');
  assert.equal(reads, 2);
});

test('a device reused for another file system (new fsid) is looked up again; other magics never read the table', () => {
  let table = [mount('7:1', 'ext3')];
  let reads = 0;
  const name = mountedNames(() => {
    reads++;
    return table;
  });
  assert.equal(name('ext4', DEV_7_1, 'a:b'), 'ext3');
  table = [mount('7:1', 'ext4')];
  assert.equal(name('ext4', DEV_7_1, 'e:f'), 'ext4');
  assert.equal(reads, 2);
  assert.equal(name('xfs', DEV_7_1, 'e:f'), 'xfs');
  assert.equal(name('btrfs', DEV_7_2, '1:2'), 'btrfs');
  assert.equal(reads, 2);
  // not in the table: statfs's name
  assert.equal(name('ext4', DEV_7_2, '3:4'), 'ext4');
});
