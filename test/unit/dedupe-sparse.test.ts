// Files far larger than their data (thin VM images of many TiB, sizes up to 2^63 - 1): dedupe's
// find lists and walks only the chunks that hold data (dedupe-hash.ts dataChunkFrom), so the
// logical size costs no time or memory, and chunk indexes and offsets stay exact at the top of
// the range. Two such files found by a trial took minutes of CPU and would have run out of
// memory with one array slot per 128 KiB of logical size.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignalContext } from '../../src/engine/context';
import { hashFile, setWholeKey, newXxh128, type Hashed, type Reader } from '../../src/engine/dedupe-hash';
import { ChunkTwins } from '../../src/engine/dedupe-twins';
import { EXTENT_FLAG } from '../../src/engine/map-format';
import { hashedFile } from './dedupe-fixtures';

const K = 1024n;
const CHUNK = 128n * K;
const MAX = (1n << 63n) - 1n;
const S = EXTENT_FLAG.SHARED;

/** Data readable anywhere, a function of where a read starts (so two files read at the same places read the same). */
const reader = (seed: number): Reader & { reads: bigint[] } => {
  const reads: bigint[] = [];
  return {
    reads,
    read: (buf, length, position) => {
      reads.push(position);
      buf.fill((Number(position % 251n) + seed) & 0xff, 0, length);
      return length;
    },
    close: () => undefined,
  };
};

/** A file of size 2^63 - 1 with 8 KiB of data at 4 MiB, and the last 4 KiB before its end, at `base` on disk. */
const huge = (path: string, base: bigint, flags = 0): Hashed => {
  const tail = (MAX / 4096n) * 4096n - 4096n;
  return hashedFile(path, MAX, [
    [4n << 20n, 8n * K, base, flags],
    [tail, 4096n, base + 8n * K, flags],
  ]);
};

test('a file of 2^63 - 1 bytes with 12 KiB of data: two chunks listed, read and keyed, exactly where they are', async () => {
  const f = huge('/a', 1n << 30n);
  const r = reader(1);
  const t0 = performance.now();
  const read = await hashFile(f, r, CHUNK, new SignalContext('dedupe', []), () => undefined);
  assert.ok(performance.now() - t0 < 5000, 'the logical size is not walked chunk by chunk');
  assert.equal(read, 12n * K, 'only the data is read');
  const last = (MAX / 4096n) * 4096n - 4096n;
  assert.deepEqual(f.chunkAt, [Number((4n << 20n) / CHUNK), Number(last / CHUNK)]);
  assert.equal(BigInt(f.chunkAt[1]) * CHUNK, (last / CHUNK) * CHUNK, 'the chunk index is exact near 2^63 (below 2^53 as a number)');
  assert.ok(f.chunkKeys.every((k) => k !== undefined));
  assert.deepEqual(r.reads, [4n << 20n, last]);
  assert.ok(f.wholeKey);

  // The same data at the same places matches whole; the same data one chunk further on does not.
  const g = huge('/b', 2n << 30n);
  await hashFile(g, reader(1), CHUNK, new SignalContext('dedupe', []), () => undefined);
  assert.equal(g.wholeKey, f.wholeKey);
  assert.deepEqual(g.chunkKeys, f.chunkKeys);
  const moved = hashedFile('/c', MAX, [
    [(4n << 20n) + CHUNK, 8n * K, 3n << 30n, 0],
    [last, 4096n, (3n << 30n) + 8n * K, 0],
  ]);
  await hashFile(moved, reader(1), CHUNK, new SignalContext('dedupe', []), () => undefined);
  assert.notEqual(moved.wholeKey, f.wholeKey);
});

test('clones of a 2^63 - 1 byte file: its data chunks stand in, nothing else is walked, and the keys are copied', async () => {
  const twins = new ChunkTwins(CHUNK);
  const one = huge('/one', 1n << 30n, S);
  const clone = huge('/clone', 1n << 30n, S);
  const t0 = performance.now();
  assert.equal(twins.note(one), 0n);
  assert.equal(twins.note(clone), 12n * K, 'the clone reads nothing');
  assert.ok(performance.now() - t0 < 5000);
  assert.deepEqual(clone.skipChunks, [32, Number(((MAX / 4096n) * 4096n - 4096n) / CHUNK)]);
  await hashFile(one, reader(7), CHUNK, new SignalContext('dedupe', []), () => undefined);
  const r = reader(7);
  await hashFile(clone, r, CHUNK, new SignalContext('dedupe', []), () => undefined);
  assert.deepEqual(r.reads, [], 'stood-in chunks are not read');
  assert.deepEqual(await twins.fill(new Set([one, clone])), []);
  assert.deepEqual(clone.chunkAt, one.chunkAt);
  assert.deepEqual(clone.chunkKeys, one.chunkKeys);
  assert.equal(clone.wholeKey, one.wholeKey);
});

test('the whole key counts where each keyed chunk is, not only the keys in order', async () => {
  const h = await newXxh128();
  const a = hashedFile('/a', 4n * CHUNK, [[0n, CHUNK, 0n, 0]]);
  const b = hashedFile('/b', 4n * CHUNK, [[2n * CHUNK, CHUNK, 0n, 0]]);
  a.chunkAt = [0];
  b.chunkAt = [2];
  a.chunkKeys = b.chunkKeys = ['k'];
  setWholeKey(a, h);
  setWholeKey(b, h);
  assert.ok(a.wholeKey && b.wholeKey);
  assert.notEqual(a.wholeKey, b.wholeKey);
});

test('an extent running past the end of the file (btrfs keeps a truncated file’s extent whole): only chunks before the end', async () => {
  // two clones of a 200 KiB file whose one extent is 1 MiB long on disk
  const size = 200n * K;
  const a = hashedFile('/a', size, [[0n, 1024n * K, 1n << 30n, S]]);
  const b = hashedFile('/b', size, [[0n, 1024n * K, 1n << 30n, S]]);
  const twins = new ChunkTwins(CHUNK);
  assert.equal(twins.note(a), 0n);
  assert.equal(twins.note(b), size, 'the clone reads nothing: its 200 KiB stand in');
  assert.deepEqual(b.skipChunks, [0, 1]);
  await hashFile(a, reader(3), CHUNK, new SignalContext('dedupe', []), () => undefined);
  await hashFile(b, reader(3), CHUNK, new SignalContext('dedupe', []), () => undefined);
  assert.deepEqual(a.chunkAt, [0, 1]);
  assert.deepEqual(await twins.fill(new Set([a, b])), [], 'every twin found');
  assert.deepEqual(b.chunkKeys, a.chunkKeys);
  assert.equal(b.wholeKey, a.wholeKey);
});

test('progress and a chance to yield every 64 chunks read, however many chunks stand in for twins', async () => {
  // 4,096 chunks of data, every other one a twin (not read): 2,048 read, 32 ticks
  const f = hashedFile('/f', 4096n * CHUNK, [[0n, 4096n * CHUNK, 1n << 40n, 0]]);
  f.skipChunks = Array.from({ length: 2048 }, (_, i) => 2 * i + 1);
  let ticks = 0;
  await hashFile(f, reader(5), CHUNK, new SignalContext('dedupe', []), () => ticks++);
  assert.equal(f.chunkAt.length, 4096);
  assert.equal(ticks, 32);
});

test('one big file: the bytes read so far are told as it is read (every 64 chunks), so progress moves before it ends', async () => {
  // 1 GiB of data in one extent (a server's file not marked sparse reads like this)
  const f = hashedFile('/big', 1n << 30n, [[0n, 1n << 30n, 1n << 32n, 0]]);
  const told: bigint[] = [];
  const read = await hashFile(f, reader(3), CHUNK, new SignalContext('dedupe', []), (n) => told.push(n));
  assert.equal(read, 1n << 30n);
  // (a trial: "3 MiB of 6.05 GiB hashed, 1 file done" for a minute while one file was read)
  assert.ok(told.length >= 100, `${told.length} ticks`);
  assert.ok(told.every((n, i) => n > 0n && n <= read && (i === 0 || n > told[i - 1])), 'increasing, within the file');
  assert.ok(told[0] < read / 2n, 'the first long before the end');
});
