// Chunks on the same blocks as another file's chunk are read once (src/engine/dedupe-twins.ts):
// which chunks stand in for which, on maps written out by hand. The loop-device test
// (test/linux/dedupe-clones.test.ts, "clones are read once") checks the same on XFS and btrfs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkTwins } from '../../src/engine/dedupe-twins';
import type { Hashed } from '../../src/engine/dedupe-hash';
import { hashedFile } from './dedupe-fixtures';
import { EXTENT_FLAG } from '../../src/engine/map-format';

const K = 1024n;
const S = EXTENT_FLAG.SHARED;

const file = hashedFile;

/** 4 KiB of data every 8 KiB, the physical offset always the logical one plus `base` (what XFS's allocator aims for). */
const sparse = (path: string, base: bigint, flags: number = S, blocks = 64): Hashed =>
  file(
    path,
    BigInt(blocks) * 8n * K,
    Array.from({ length: blocks }, (_, i): [bigint, bigint, bigint, number] => [
      BigInt(i) * 8n * K,
      4n * K,
      base + BigInt(i) * 8n * K,
      flags,
    ]),
  );

test('a clone stands in chunk by chunk; chunks of one file with the same layout do not stand in for each other', () => {
  const twins = new ChunkTwins(128n * K);
  const a = sparse('a', 1000n * K);
  const b = sparse('b', 1000n * K);
  assert.equal(twins.note(a), 0n); // every chunk has the same runs and phys - logical: still four places
  assert.equal(a.skipChunks, undefined);
  assert.equal(twins.note(b), 256n * K);
  assert.deepEqual(b.skipChunks, [0, 1, 2, 3]);
});

test('not stood in for: unshared, unknown or compressed places, another file system, other places in the chunk', () => {
  const twins = new ChunkTwins(128n * K);
  twins.note(sparse('a', 1000n * K));
  for (const f of [
    sparse('unshared', 1000n * K, 0),
    sparse('compressed', 1000n * K, S | EXTENT_FLAG.ENCODED),
    sparse('delalloc', 1000n * K, S | EXTENT_FLAG.DELALLOC),
    { ...sparse('elsewhere', 1000n * K), fsKey: 'other' },
    // the same blocks one chunk further on in the file: chunks 1-3 sit on a's chunks 0-2, so they stand in
    sparse('shifted', 1000n * K - 128n * K),
  ]) {
    const saved = twins.note(f);
    assert.ok(f.path === 'shifted' ? saved === 3n * 64n * K : saved === 0n, `${f.path}: ${saved}`);
  }
  // a modified block (its own place, unshared) keeps its chunk read; the others stand in
  const modified = sparse('modified', 1000n * K);
  modified.phys[17] = 9000n * K;
  modified.flags[17] = 0;
  assert.equal(twins.note(modified), 3n * 64n * K);
  assert.deepEqual(modified.skipChunks, [0, 2, 3]);
});

test('extents split differently over the same blocks still stand in; keys are copied and the whole key made', async () => {
  const twins = new ChunkTwins(128n * K);
  const one = file('one', 256n * K, [[0n, 256n * K, 5000n * K, S]]);
  const split = file('split', 256n * K, [
    [0n, 100n * K, 5000n * K, S],
    [100n * K, 156n * K, 5100n * K, S],
  ]);
  // the second chunk split too, at another place: runs join in every chunk, not only the first
  const split2 = file('split2', 256n * K, [
    [0n, 160n * K, 5000n * K, S],
    [160n * K, 96n * K, 5160n * K, S],
  ]);
  twins.note(one);
  assert.equal(twins.note(split), 256n * K);
  assert.equal(twins.note(split2), 256n * K);
  assert.deepEqual(split2.skipChunks, [0, 1]);
  one.chunkAt = split.chunkAt = [0, 1];
  one.chunkKeys = ['k0', 'k1'];
  split.chunkKeys = [undefined, undefined];
  assert.deepEqual(await twins.fill(new Set([one, split])), []);
  assert.deepEqual(split.chunkKeys, ['k0', 'k1']);
  assert.equal(split.skipChunks, undefined);
  assert.ok(split.wholeKey?.startsWith('fs/'));
});

test('a twin that could not be read: the file is to be read in full', async () => {
  const twins = new ChunkTwins(128n * K);
  const a = sparse('a', 1000n * K);
  const b = sparse('b', 1000n * K);
  twins.note(a);
  twins.note(b);
  b.chunkAt = [0, 1, 2, 3];
  b.chunkKeys = [undefined, undefined, undefined, undefined];
  assert.deepEqual(await twins.fill(new Set([b])), [b]);
  assert.equal(b.skipChunks, undefined);
  assert.deepEqual(b.chunkKeys, []);
  assert.deepEqual(b.chunkAt, []);
});
