// Files whose map gives holes as data (an SMB file not marked sparse that holds less than its
// size: ExtentMap.allocationSize): hashFile takes their all-zero chunks as holes (no key, listed
// in zeroChunks) and dropZeroChunks leaves them out of the file's data runs, so such holes are
// never grouped or counted in a saving. Elsewhere zeros written as data are data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SignalContext } from '../../src/engine/context';
import { dropZeroChunks, hashFile, type Hashed, type Reader } from '../../src/engine/dedupe-hash';
import { hashedFile } from './dedupe-fixtures';

const KiB = 1024n;
const CHUNK = 128n * KiB;

/** An 8-chunk file given as one data run: data in chunks 0 and 5 (half of it), zeros elsewhere. */
function file(zerosMayBeHoles: boolean): { f: Hashed; reader: Reader } {
  const bytes = Buffer.alloc(Number(8n * CHUNK));
  randomBytes(Number(CHUNK)).copy(bytes, 0);
  randomBytes(Number(CHUNK / 2n)).copy(bytes, Number(5n * CHUNK + CHUNK / 4n));
  const f: Hashed = {
    path: 'smb://h/s/disk.img',
    size: BigInt(bytes.length),
    filesystem: 'smb',
    fsKey: 'smb://h/s',
    blockSize: 4096,
    off: [0n],
    len: [BigInt(bytes.length)],
    phys: [-1n],
    flags: [0],
    chunkAt: [],
    chunkKeys: [],
    ...(zerosMayBeHoles ? { zerosMayBeHoles } : {}),
  };
  const reader: Reader = {
    read: (buf, length, position) => bytes.copy(buf, 0, Number(position), Number(position) + length),
    close: () => undefined,
  };
  return { f, reader };
}

const ctx = () => new SignalContext('dedupe', []);

test('zeros that may be holes: no key, listed, and left out of the data runs', async () => {
  const { f, reader } = file(true);
  await hashFile(f, reader, CHUNK, ctx(), () => undefined);
  assert.deepEqual(f.zeroChunks, [1, 2, 3, 4, 6, 7]);
  assert.deepEqual(
    f.chunkKeys.map((k) => k !== undefined),
    [true, false, false, false, false, true, false, false],
  );
  assert.ok(f.wholeKey, 'still a whole-file candidate: a copy with the same data and holes matches it');
  dropZeroChunks(f, CHUNK);
  assert.deepEqual(f.off, [0n, 5n * CHUNK]);
  assert.deepEqual(f.len, [CHUNK, CHUNK], 'the chunk holding data is kept whole, zeros and all');
  assert.deepEqual(f.phys, [-1n, -1n]);
});

test('elsewhere zeros written as data are data', async () => {
  const { f, reader } = file(false);
  await hashFile(f, reader, CHUNK, ctx(), () => undefined);
  assert.equal(f.zeroChunks, undefined);
  assert.ok(f.chunkKeys.every((k) => k !== undefined));
  assert.equal(new Set(f.chunkKeys.filter((_, i) => i !== 0 && i !== 5)).size, 1, 'the zero chunks share one key');
  dropZeroChunks(f, CHUNK);
  assert.deepEqual(f.off, [0n]);
  assert.deepEqual(f.len, [8n * CHUNK]);
});

/** A mapped local file (physical offsets known) with the given extents and zero chunks. */
const mapped = (size: bigint, extents: Array<[bigint, bigint, bigint, number]>, zeroChunks: number[]): Hashed => ({
  ...hashedFile('/x', size, extents),
  zeroChunks,
});

test('dropZeroChunks splits extents at chunk edges and keeps physical offsets in step', () => {
  const f = mapped(
    4n * CHUNK,
    [
      [0n, 3n * CHUNK, 1000n * CHUNK, 0],
      [3n * CHUNK, CHUNK, 5000n * CHUNK, 1],
    ],
    [1],
  );
  dropZeroChunks(f, CHUNK);
  assert.deepEqual(f.off, [0n, 2n * CHUNK, 3n * CHUNK]);
  assert.deepEqual(f.len, [CHUNK, CHUNK, CHUNK]);
  assert.deepEqual(f.phys, [1000n * CHUNK, 1002n * CHUNK, 5000n * CHUNK]);
  assert.deepEqual(f.flags, [0, 0, 1]);
});

test('dropZeroChunks leaves an extent without zero chunks whole', () => {
  const f = mapped(
    6n * CHUNK,
    [
      [0n, 4n * CHUNK, 7n * CHUNK, 0],
      [4n * CHUNK, 2n * CHUNK, 100n * CHUNK, 0],
    ],
    [5],
  );
  dropZeroChunks(f, CHUNK);
  assert.deepEqual(f.off, [0n, 4n * CHUNK]);
  assert.deepEqual(f.len, [4n * CHUNK, CHUNK]);
  assert.deepEqual(f.phys, [7n * CHUNK, 100n * CHUNK]);
});
