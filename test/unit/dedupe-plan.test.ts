// Dedupe's plan mechanics, without a file system: the order in which linked groups are applied
// (dedupe-order.ts), the FIDEDUPERANGE argument layout (backends/linux/codec.ts), chunk keys
// (dedupe-hash.ts) that do not change with how a file system splits its extents, and a malformed
// plan refused before any call.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FileData } from '../../src/engine/dedupe-file-data';
import { decodeFileDedupeInfos, encodeFileDedupeRange } from '../../src/engine/backends/linux/codec';
import { hashFile, type Hashed, type Reader } from '../../src/engine/dedupe-hash';
import { SignalContext } from '../../src/engine/context';
import { applyDedupe } from '../../src/engine/dedupe-apply';
import type { DedupeGroup, DedupePlan, DedupeRange } from '../../src/engine/dedupe-types';
import { applyOrder } from '../../src/engine/dedupe-order';
import type { FsctlError } from '../../src/engine/errors';
import { K, mappedFile } from './dedupe-fixtures';

test("apply order: a group that moves part of another group's source goes first; unrelated groups stay free", () => {
  const range = (path: string, offset = 0n) => ({ path, offset });
  const group = (length: bigint, ...ranges: DedupeRange[]): DedupeGroup => ({
    length,
    ranges,
    netSaving: length,
    candidateBytes: length,
    wholeFiles: false,
    warnings: [],
  });
  // w2 duplicates all of w1 (listed first: the larger saving); w1's first MiB duplicates a.
  const whole = group(2048n * K, range('w1'), range('w2'));
  const head = group(1024n * K, range('a'), range('w1'));
  const other = group(64n * K, range('x'), range('y'));
  const o = applyOrder([whole, other, head]);
  assert.deepEqual(o.independent, [other]);
  assert.deepEqual(o.chained, [head, whole]);
  // Ranges that merely touch (w1's second MiB after a's group's end) are not linked.
  const tail = group(1024n * K, range('a'), range('w1', 1024n * K));
  const touching = group(1024n * K, range('w1'), range('w3'));
  assert.deepEqual(applyOrder([touching, tail]).chained, []);
  // A destination that already shares its source's blocks is not sent, so it moves nothing.
  const cloned = group(1024n * K, range('a'), { ...range('w1'), alreadyShared: true }, range('w4'));
  assert.deepEqual(applyOrder([whole, cloned]).chained, []);
  // A cycle (repeated data inside files) still applies every group once.
  const p = group(128n * K, range('f', 0n), range('g', 0n));
  const q = group(128n * K, range('g', 0n), range('f', 0n));
  const c = applyOrder([p, q]);
  assert.deepEqual(new Set(c.chained), new Set([p, q]));
  assert.equal(c.chained.length, 2);
});

test('FIDEDUPERANGE argument: 24-byte header, 32 bytes per destination, status and bytes read back', () => {
  const buf = encodeFileDedupeRange(4096n, 1n << 24n, [
    { fd: 7, offset: 8192n },
    { fd: 9, offset: (1n << 60n) + 4096n },
  ]);
  assert.equal(buf.length, 24 + 2 * 32);
  const v = new DataView(buf.buffer);
  assert.equal(v.getBigUint64(0, true), 4096n);
  assert.equal(v.getBigUint64(8, true), 1n << 24n);
  assert.equal(v.getUint16(16, true), 2);
  assert.equal(v.getBigInt64(24 + 32, true), 9n);
  assert.equal(v.getBigUint64(24 + 32 + 8, true), (1n << 60n) + 4096n);
  // What the kernel writes back: bytes_deduped @16, status @24 of each info.
  v.setBigUint64(24 + 16, 1n << 24n, true);
  v.setInt32(24 + 24, 0, true);
  v.setInt32(24 + 32 + 24, 1, true);
  assert.deepEqual(decodeFileDedupeInfos(buf, 2), [
    { status: 0, bytes: 1n << 24n },
    { status: 1, bytes: 0n },
  ]);
});

test('chunk keys depend on the data and where the holes are, not on how extents are split', async () => {
  const data = Buffer.alloc(256 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
  const copy = (buf: Buffer, n: number, pos: bigint): number => data.copy(buf, 0, Number(pos), Number(pos) + n);
  const reader: Reader = { read: copy, close: () => undefined };
  const ctx = new SignalContext('dedupe', []);
  const hashed = async (f: FileData, r = reader): Promise<Hashed> => {
    const h: Hashed = { ...f, chunkAt: [], chunkKeys: [] };
    await hashFile(h, r, 128n * K, ctx, () => undefined);
    return h;
  };
  const one = await hashed(mappedFile('one', 256n * K, [[0n, 256n * K, 100n * K]]));
  const split = await hashed(
    mappedFile('split', 256n * K, [
      [0n, 92n * K, 500n * K],
      [92n * K, 100n * K, 900n * K],
      [192n * K, 64n * K, 40n * K],
    ]),
  );
  assert.deepEqual(split.chunkKeys, one.chunkKeys);
  assert.equal(split.wholeKey, one.wholeKey);
  // Nor on how it is read: a reader that answers later (SMB) with less than it was asked for.
  const late: Reader = { read: async (buf, n, pos) => copy(buf, Math.min(n, 70_000), pos), close: () => undefined };
  const again = await hashed(
    mappedFile('split', 256n * K, [
      [0n, 92n * K, 500n * K],
      [92n * K, 164n * K, 900n * K],
    ]),
    late,
  );
  assert.deepEqual(again.chunkKeys, one.chunkKeys);
  assert.equal(again.wholeKey, one.wholeKey);
  // A hole where the other has data (even if that data reads as zeros) is a different chunk.
  const holed = await hashed(mappedFile('holed', 256n * K, [[0n, 64n * K, 100n * K]]));
  assert.deepEqual(holed.chunkAt, [0], 'the hole chunk is not listed');
  assert.notEqual(holed.chunkKeys[0], one.chunkKeys[0]);
});

test('a malformed plan is refused before any call (E_BAD_INPUT)', async () => {
  const ctx = new SignalContext('dedupe', []);
  const never = async (): Promise<never> => assert.fail('no backend may be asked');
  const plan = (groups: unknown[]): DedupePlan =>
    ({
      groups,
      total: { groups: groups.length, candidateBytes: 0n, netSaving: 1n, files: 0, hashedBytes: 0n },
      errors: [],
      notes: [],
      durationMs: 0,
    }) as DedupePlan;
  const range = (offset: unknown) => ({ path: '/x', offset });
  for (const groups of [
    [{ length: 4096, ranges: [range(0n), range(0n)], netSaving: 1n, wholeFiles: false, warnings: [] }],
    [{ length: 4096n, ranges: [range(-4096n), range(0n)], netSaving: 1n, wholeFiles: false, warnings: [] }],
    [{ length: 4096n, ranges: [range('0'), range(0n)], netSaving: 1n, wholeFiles: false, warnings: [] }],
    [{ length: 1n << 63n, ranges: [range(0n), range(0n)], netSaving: 1n, wholeFiles: false, warnings: [] }],
  ])
    await assert.rejects(applyDedupe(never, plan(groups), ctx), (e: FsctlError) => e.code === 'E_BAD_INPUT');
});
