// The net saving of a dedupe group from physical offsets (src/engine/dedupe-saving.ts), on maps
// written out by hand (the loop-device tests check the same against real file systems):
// clones count zero, destinations that share with one another count once, the source is the
// range the most others already share, unknown physical offsets count in full, and on btrfs a
// destination extent shared only in part is taken out of the saving with a warning; a
// destination whose blocks a file the plan leaves in place also references frees nothing.
// Also the FIDEDUPERANGE argument layout (backends/linux/codec.ts), and chunk keys
// (dedupe-hash.ts) that do not change with how a file system splits its extents, and the order
// in which linked groups are applied (dedupe-order.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupSaving, sharedBlockSavings, sharedWithSource } from '../../src/engine/dedupe-saving';
import { fileDataOf, type FileData } from '../../src/engine/dedupe-file-data';
import { compressedSavings, partialExtentWarnings } from '../../src/engine/dedupe-extents';
import { decodeFileDedupeInfos, encodeFileDedupeRange } from '../../src/engine/backends/linux/codec';
import { EXTENT_FLAG, packExtents } from '../../src/engine/map-format';
import { hashFile, type Hashed, type Reader } from '../../src/engine/dedupe-hash';
import { SignalContext } from '../../src/engine/context';
import { applyDedupe } from '../../src/engine/dedupe-apply';
import type { DedupeGroup, DedupePlan, DedupeRange } from '../../src/engine/dedupe-types';
import { applyOrder } from '../../src/engine/dedupe-order';
import type { ExtentRef, OwnerLookup } from '../../src/engine/dedupe-owners';
import type { FsctlError } from '../../src/engine/errors';

const K = 1024n;

/** A file with one extent per [offset, length, physical] (physical -1n: unknown). */
function file(path: string, size: bigint, extents: [bigint, bigint, bigint][], filesystem = 'xfs', shared = false): FileData {
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
function asRoot(items = new Map<string, ExtentRef[]>()): Map<string, OwnerLookup> {
  const extentsOf = (f: FileData): ExtentRef[] =>
    items.get(f.path) ?? f.off.map((o, i) => ({ off: o, end: o + f.len[i], bytenr: f.phys[i] - o, bytes: f.len[i] }));
  return new Map([['fs', { method: 'TEST', forShared: false, ownerName: (o) => o, keptOutside: () => [], extentsOf }]]);
}

test('a clone counts zero and becomes the source side; a copy counts its bytes', () => {
  const a = file('a', 256n * K, [[0n, 256n * K, 1000n * K]], 'xfs', true);
  const clone = file('clone', 256n * K, [[0n, 256n * K, 1000n * K]], 'xfs', true);
  const copy = file('copy', 256n * K, [[0n, 256n * K, 5000n * K]]);
  // The copy is listed first, yet the source is one of the two that already share.
  const g = groupSaving([copy, a, clone], [0n, 0n, 0n], 256n * K, true);
  assert.equal(g.ranges[0].path, 'a');
  assert.deepEqual(
    g.ranges.map((r) => [r.path, r.alreadyShared === true]),
    [
      ['a', false],
      ['copy', false],
      ['clone', true],
    ],
  );
  assert.equal(g.netSaving, 256n * K);
});

test('on a tie the source is the copy whose blocks another file (outside the selection) also references', () => {
  // b is cloned by a file outside the selection: its blocks stay allocated whatever we do, so a
  // must move to them (frees a's), not b to a's (frees nothing).
  const a = file('a', 256n * K, [[0n, 256n * K, 1000n * K]]);
  const b = file('b', 256n * K, [[0n, 256n * K, 5000n * K]], 'xfs', true);
  const g = groupSaving([a, b], [0n, 0n], 256n * K, true);
  assert.deepEqual(
    g.ranges.map((r) => r.path),
    ['b', 'a'],
  );
  assert.equal(g.netSaving, 256n * K);
  assert.deepEqual(g.warnings, []);
});

test('otherwise equal copies: the source is the most compressed, then the one in fewest pieces, then first on disk, then first by path, in any order given', () => {
  const whole = (p: string, at: bigint) => file(p, 256n * K, [[0n, 256n * K, at]]);
  const split = (p: string, at: bigint) =>
    file(p, 256n * K, [
      [0n, 128n * K, at],
      [128n * K, 128n * K, at + 1024n * K],
    ]);
  const sourceOf = (files: FileData[]) =>
    groupSaving(
      files,
      files.map(() => 0n),
      256n * K,
      true,
    ).ranges[0].path;
  const orders = <T>(xs: T[]): T[][] =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((r) => [x, ...r]));
  // the least fragmented copy is kept, wherever it lies
  for (const o of orders([split('a', 100n * K), whole('b', 9000n * K), split('c', 50n * K)])) assert.equal(sourceOf(o), 'b');
  // equally fragmented: the one first on disk (the original, usually: the freed space is one stretch)
  for (const o of orders([whole('d1/later', 9000n * K), whole('d2/first', 100n * K), whole('d0/middle', 5000n * K)]))
    assert.equal(sourceOf(o), 'd2/first');
  // no known place: the first by path (the same plan from run to run)
  for (const o of orders([whole('y', -1n), whole('x', -1n), whole('z', -1n)])) assert.equal(sourceOf(o), 'x');
  // a compressed copy (btrfs: never joined, one piece per 128 KiB) is kept before a plain one in
  // one piece: the plain copy is then freed whole and exactly
  const packed: FileData = {
    ...file('b-compressed', 256n * K, [
      [0n, 128n * K, 7000n * K],
      [128n * K, 128n * K, 7040n * K],
    ]),
    flags: [EXTENT_FLAG.ENCODED, EXTENT_FLAG.ENCODED],
  };
  for (const o of orders([whole('a-plain', 100n * K), packed])) {
    const g = groupSaving(o, [0n, 0n], 256n * K, true);
    assert.equal(g.ranges[0].path, 'b-compressed');
    assert.equal(g.netSaving, 256n * K);
    assert.equal(g.netSavingMin, 256n * K, 'exact: nothing compressed is moved');
    assert.equal(g.compressed, undefined);
  }
});

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

test('destinations that share blocks with one another count once; split extents at the same place count zero', () => {
  const src = file('s', 128n * K, [[0n, 128n * K, 100n * K]]);
  const d1 = file('d1', 128n * K, [[0n, 128n * K, 900n * K]], 'xfs', true);
  const d2 = file('d2', 128n * K, [[0n, 128n * K, 900n * K]], 'xfs', true);
  const g = groupSaving([src, d1, d2], [0n, 0n, 0n], 128n * K, true);
  // d1 and d2 are physically identical: one of them becomes the source, the other counts zero.
  assert.equal(g.netSaving, 128n * K);
  const split = file('split', 128n * K, [
    [0n, 64n * K, 100n * K],
    [64n * K, 64n * K, 164n * K],
  ]);
  assert.equal(groupSaving([src, split], [0n, 0n], 128n * K, true).netSaving, 0n);
});

test('compressed (encoded) extents: the same extent at the same place is already shared; others count in full', () => {
  const enc = (path: string, phys: bigint[]): FileData => ({
    ...file(path, 256n * K, [
      [0n, 128n * K, phys[0]],
      [128n * K, 128n * K, phys[1]],
    ]),
    flags: [EXTENT_FLAG.ENCODED, EXTENT_FLAG.ENCODED],
  });
  const a = enc('a', [1000n * K, 1040n * K]); // two compressed extents, 40 KiB apart on disk
  const clone = enc('clone', [1000n * K, 1040n * K]);
  const copy = enc('copy', [2000n * K, 2040n * K]);
  const g = groupSaving([a, clone, copy], [0n, 0n, 0n], 256n * K, true);
  assert.deepEqual(
    g.ranges.map((r) => [r.path, r.alreadyShared === true]),
    [
      ['a', false],
      ['clone', true],
      ['copy', false],
    ],
  );
  assert.equal(g.netSaving, 256n * K, 'the copy in full (an upper bound), the clone not at all');
  assert.equal(g.compressed, true, 'the saving counts compressed data (its size on disk unknown)');
  assert.equal(
    groupSaving([a, clone], [0n, 0n], 256n * K, true).compressed,
    undefined,
    'only what is already shared: nothing compressed counted',
  );
  assert.equal(
    groupSaving([file('x', 4n * K, [[0n, 4n * K, 9n * K]]), file('y', 4n * K, [[0n, 4n * K, 99n * K]])], [0n, 0n], 4n * K, true).compressed,
    undefined,
  );
  // Not a byte-for-byte mapping: an extent at 64 KiB whose address is a's first one + 64 KiB
  // would be "the same bytes" as a's by offset arithmetic; it is another compressed extent.
  const shifted: FileData = {
    ...file('shifted', 256n * K, [
      [0n, 64n * K, 3000n * K],
      [64n * K, 128n * K, 1064n * K],
      [192n * K, 64n * K, 3100n * K],
    ]),
    flags: [EXTENT_FLAG.ENCODED, EXTENT_FLAG.ENCODED, EXTENT_FLAG.ENCODED],
  };
  assert.deepEqual(sharedWithSource(a, 0n, shifted, 0n, 256n * K), { data: 256n * K, same: 0n });
});

test('unknown physical offsets count in full', () => {
  const a = file('a', 64n * K, [[0n, 64n * K, -1n]]);
  const b = file('b', 64n * K, [[0n, 64n * K, -1n]]);
  assert.equal(groupSaving([a, b], [0n, 0n], 64n * K, true).netSaving, 64n * K);
});

test('btrfs: a destination extent shared only in part frees nothing; whole coverage by other groups frees it', () => {
  const a = file('a', 256n * K, [[0n, 256n * K, 1000n * K]], 'btrfs');
  const c = file('c', 256n * K, [[0n, 256n * K, 3000n * K]], 'btrfs');
  const first = groupSaving([a, c], [0n, 0n], 128n * K, false);
  assert.equal(first.netSaving, 128n * K);
  partialExtentWarnings([first], new Map([a, c].map((f) => [f.path, f])), asRoot());
  assert.equal(first.netSaving, 0n);
  assert.match(first.warnings[0], /btrfs frees an extent only when nothing references any of it/);
  // Not root: FIEMAP's one record may be two extents side by side, so the saving is a range.
  const guessed = groupSaving([a, c], [0n, 0n], 128n * K, false);
  partialExtentWarnings([guessed], new Map([a, c].map((f) => [f.path, f])));
  assert.deepEqual([guessed.netSaving, guessed.netSavingMin], [128n * K, 0n]);
  assert.match(guessed.warnings[0], /c at 0 \(262144 bytes in one piece.*FIEMAP also joins extents that lie side by side on disk/);
  // The same on XFS (per-block reference counts): no warning, the saving stands.
  const ax = { ...a, filesystem: 'xfs' };
  const cx = { ...c, filesystem: 'xfs' };
  const onXfs = groupSaving([ax, cx], [0n, 0n], 128n * K, false);
  partialExtentWarnings([onXfs], new Map([ax, cx].map((f) => [f.path, f])));
  assert.equal(onXfs.netSaving, 128n * K);
  // Both halves of c's extent covered by two groups: nothing is left out.
  const g1 = groupSaving([a, c], [0n, 0n], 128n * K, false);
  const g2 = groupSaving([a, c], [128n * K, 128n * K], 128n * K, false);
  partialExtentWarnings([g1, g2], new Map([a, c].map((f) => [f.path, f])), asRoot());
  assert.equal(g1.netSaving + g2.netSaving, 256n * K);
  assert.deepEqual([...g1.warnings, ...g2.warnings], []);
  // ... but only by groups that are applied: one left with no saving by an earlier rule is left
  // alone, so the other half of c's extent stays referenced and sharing the first frees nothing
  const h1 = groupSaving([a, c], [0n, 0n], 128n * K, false);
  const h2 = groupSaving([a, c], [128n * K, 128n * K], 128n * K, false);
  h2.netSaving = 0n; // (e.g. its blocks are kept by a file outside the selection)
  partialExtentWarnings([h1, h2], new Map([a, c].map((f) => [f.path, f])), asRoot());
  assert.equal(h1.netSaving, 0n);
  assert.match(h1.warnings.join(' '), /shared only in part \(e\.g\. c at 0 /);
  assert.deepEqual(h2.warnings, [], 'no "0 bytes are left out" on a saving already 0');
  // and in a chain: k1 counts on k2, which counts on k3, which an earlier rule left at no saving
  const d = file('d', 384n * K, [[0n, 384n * K, 7000n * K]], 'btrfs');
  const e = file('e', 384n * K, [[0n, 384n * K, 9000n * K]], 'btrfs');
  const k = [0n, 128n * K, 256n * K].map((at) => groupSaving([d, e], [at, at], 128n * K, false));
  partialExtentWarnings(k, new Map([d, e].map((f) => [f.path, f])), asRoot());
  assert.deepEqual(
    k.map((g) => g.netSaving),
    [128n * K, 128n * K, 128n * K],
    'all three together free the whole extent',
  );
  const j = [0n, 128n * K, 256n * K].map((at) => groupSaving([d, e], [at, at], 128n * K, false));
  j[2].netSaving = 0n;
  partialExtentWarnings(j, new Map([d, e].map((f) => [f.path, f])), asRoot());
  assert.deepEqual(
    j.map((g) => g.netSaving),
    [0n, 0n, 0n],
    'without the third, the extent stays whatever the other two do',
  );
});

test('btrfs as root: a FIEMAP record that is two extents side by side (a file written in two pieces) frees the one shared whole', () => {
  const a = file('a', 128n * K, [[0n, 128n * K, 1000n * K]], 'btrfs');
  // c's two extents lie next to each other on disk: FIEMAP shows one record
  const c = file('c', 256n * K, [[0n, 256n * K, 3000n * K]], 'btrfs');
  const items = new Map([
    [
      'c',
      [
        { off: 0n, end: 128n * K, bytenr: 3000n * K, bytes: 128n * K },
        { off: 128n * K, end: 256n * K, bytenr: 3128n * K, bytes: 128n * K },
      ],
    ],
  ]);
  const files = new Map([a, c].map((f) => [f.path, f]));
  const g = groupSaving([a, c], [0n, 0n], 128n * K, false, new Set(['a']));
  partialExtentWarnings([g], files, asRoot(items));
  assert.deepEqual([g.netSaving, g.netSavingMin, g.warnings], [128n * K, 128n * K, []], "c's first extent goes whole: one figure");
  // c's second half on its own: the same, from the other extent
  const h = groupSaving([a, c], [0n, 128n * K], 128n * K, false, new Set(['a']));
  partialExtentWarnings([h], files, asRoot(items));
  assert.equal(h.netSaving, 128n * K);
  // a third of c in one of its extents is still a part of an extent: it frees nothing
  const third = groupSaving([a, c], [0n, 64n * K], 64n * K, false, new Set(['a']));
  partialExtentWarnings([third], files, asRoot(items));
  assert.equal(third.netSaving, 0n);
  assert.match(third.warnings[0], /c at 0 \(131072 bytes in one piece, 65536 bytes of them not shared by the plan\)/);
});

test('btrfs: a range that ends the file in an extent shared only in part frees nothing, its last block either', () => {
  // c's one extent holds all of it (260 KiB on disk); only its last 1,000 bytes have a copy in a
  const size = 256n * K + 1000n;
  const a = file('a', size, [[0n, 260n * K, 1000n * K]], 'btrfs');
  const c = file('c', size, [[0n, 260n * K, 3000n * K]], 'btrfs');
  const g = groupSaving([a, c], [256n * K, 256n * K], 1000n, false);
  assert.equal(g.netSaving, 4096n, 'the last block moves whole');
  partialExtentWarnings([g], new Map([a, c].map((f) => [f.path, f])), asRoot());
  assert.equal(g.netSaving, 0n, 'the extent stays: nothing of it is freed, not even the block past the end');
});

test('btrfs: a partly overwritten extent (pieces on both sides of new data) is one extent; its range is the source', () => {
  const M = 1024n * K;
  // b: a 4 MiB extent at 10 MiB whose second MiB was overwritten (new data at 50 MiB)
  const b = file(
    'b',
    4n * M,
    [
      [0n, M, 10n * M],
      [M, M, 50n * M],
      [2n * M, 2n * M, 12n * M],
    ],
    'btrfs',
  );
  const a = file('a', M, [[0n, M, 80n * M]], 'btrfs'); // a copy of b's first MiB, its own extent
  const g = groupSaving([a, b], [0n, 0n], M, false);
  assert.deepEqual(
    g.ranges.map((r) => r.path),
    ['b', 'a'],
    'b keeps its extent whatever happens: a moves to it',
  );
  partialExtentWarnings([g], new Map([a, b].map((f) => [f.path, f])), asRoot());
  assert.equal(g.netSaving, M);
  // Made the destination, b's first MiB frees nothing: the extent's last 2 MiB stay referenced.
  const forced = groupSaving([a, b], [0n, 0n], M, false, new Set(['a']));
  assert.equal(forced.ranges[1].path, 'b');
  partialExtentWarnings([forced], new Map([a, b].map((f) => [f.path, f])), asRoot());
  assert.equal(forced.netSaving, 0n);
  assert.match(forced.warnings.join(' '), /b at 0 \(3145728 bytes in 2 pieces, 2097152 bytes of them not shared by the plan\)/);
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
  const one = await hashed(file('one', 256n * K, [[0n, 256n * K, 100n * K]]));
  const split = await hashed(
    file('split', 256n * K, [
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
    file('split', 256n * K, [
      [0n, 92n * K, 500n * K],
      [92n * K, 164n * K, 900n * K],
    ]),
    late,
  );
  assert.deepEqual(again.chunkKeys, one.chunkKeys);
  assert.equal(again.wholeKey, one.wholeKey);
  // A hole where the other has data (even if that data reads as zeros) is a different chunk.
  const holed = await hashed(file('holed', 256n * K, [[0n, 64n * K, 100n * K]]));
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

test('a destination whose blocks a reflinked copy keeps frees nothing; moving both references frees them', () => {
  // orig holds two equal 128 KiB chunks; refl is a reflinked copy of orig (the same blocks, shared).
  const orig = file('orig', 256n * K, [[0n, 256n * K, 1000n * K]], 'xfs', true);
  const refl = file('refl', 256n * K, [[0n, 256n * K, 1000n * K]], 'xfs', true);
  const files = new Map([orig, refl].map((f) => [f.path, f]));
  // Sharing orig's second chunk with its first: refl still references that block.
  const g = groupSaving([orig, orig], [0n, 128n * K], 128n * K, false);
  assert.equal(g.netSaving, 128n * K, "before: the blocks are not the source's");
  sharedBlockSavings([g], files);
  assert.equal(g.netSaving, 0n);
  assert.match(g.warnings.at(-1)!, /leaves in place/);
  // With refl's second chunk moved too (all four chunks in one group), the second block is freed once.
  const both = groupSaving([orig, orig, refl, refl], [0n, 128n * K, 0n, 128n * K], 128n * K, false);
  assert.equal(both.ranges[0].path, 'orig');
  assert.equal(both.ranges[0].offset, 0n);
  sharedBlockSavings([both], files);
  assert.equal(both.netSaving, 128n * K);
  // The reflinked copy listed as an already-shared destination of another group is not moved
  // (apply leaves it alone): it still keeps the block.
  const whole = groupSaving([orig, refl], [0n, 0n], 256n * K, true);
  assert.equal(whole.ranges[1].alreadyShared, true);
  const g2 = groupSaving([orig, orig], [0n, 128n * K], 128n * K, false);
  sharedBlockSavings([g2, whole], files);
  assert.equal(g2.netSaving, 0n);
  // An unshared copy's bytes are not touched by this rule.
  const copy = file('copy', 128n * K, [[0n, 128n * K, 9000n * K]]);
  const plain = groupSaving([orig, copy], [0n, 0n], 128n * K, true);
  sharedBlockSavings([plain], new Map([...files, ['copy', copy]]));
  assert.equal(plain.netSaving, 128n * K);
});

test('owners named (dedupe-owners.ts): blocks kept outside the plan leave the saving, which becomes exact; unnamed: a range', () => {
  // a and b copies; b's blocks are also referenced by a file outside the selection for their first 64 KiB
  const a = file('a', 256n * K, [[0n, 256n * K, 1000n * K]]);
  const b = file('b', 256n * K, [[0n, 256n * K, 5000n * K]], 'xfs', true);
  const files = new Map([
    ['a', a],
    ['b', b],
  ]);
  const asked: [string, bigint, bigint, bigint][] = [];
  const lookup: OwnerLookup = {
    method: 'TEST',
    forShared: true,
    ownerName: (o) => o,
    keptOutside: (f, offset, length, phys) => {
      asked.push([f.path, offset, length, phys]);
      return [{ start: offset, end: offset + 64n * K, owner: 'inode 7' }];
    },
  };
  const g = groupSaving([a, b], [0n, 0n], 256n * K, true);
  assert.equal(g.ranges[0].path, 'b', 'the copy with blocks shared elsewhere is the source');
  // b is the source: nothing of a's is shared, nothing asked, already exact
  sharedBlockSavings([g], files, new Map([['fs', lookup]]));
  assert.deepEqual(asked, []);
  assert.equal(g.netSaving, 256n * K);
  assert.equal(g.netSavingMin, 256n * K);
  // a read-only a must be the source: now b's shared blocks are the destination's
  const h = groupSaving([a, b], [0n, 0n], 256n * K, true, new Set(['a']));
  assert.equal(h.ranges[0].path, 'a');
  assert.equal(h.netSavingMin, 0n, 'unnamed, all of them might be kept');
  assert.ok(h.warnings.some((w) => /already shared with other files/.test(w)));
  const unnamed = structuredClone(h);
  sharedBlockSavings([h], files, new Map([['fs', lookup]]));
  assert.deepEqual(asked, [['b', 0n, 256n * K, 5000n * K]]);
  assert.equal(h.netSaving, 192n * K);
  assert.equal(h.netSavingMin, 192n * K);
  assert.ok(!h.warnings.some((w) => /already shared with other files/.test(w)), 'the unnamed warning goes');
  assert.match(
    h.warnings.at(-1)!,
    /^65536 bytes of the other ranges share their blocks with files outside the selection \(e\.g\. inode 7\)/,
  );
  // a query that fails (not root, no rmapbt) answers undefined: the range stays
  const failing: OwnerLookup = { method: 'TEST', forShared: true, keptOutside: () => undefined, ownerName: (o) => o };
  sharedBlockSavings([unnamed], files, new Map([['fs', failing]]));
  assert.equal(unnamed.netSaving, 256n * K);
  assert.equal(unnamed.netSavingMin, 0n);
});

test("btrfs as root: compressed data at its extents' size on disk, one figure; an extent moved by two groups shared out between them", () => {
  const a = file('a', 256n * K, [[0n, 256n * K, 1000n * K]], 'btrfs');
  const enc = (path: string, extents: [bigint, bigint, bigint][], shared = false): FileData => ({
    ...file(path, 256n * K, extents, 'btrfs'),
    flags: extents.map(() => EXTENT_FLAG.ENCODED | (shared ? EXTENT_FLAG.SHARED : 0)),
  });
  // c: two compressed extents of 128 KiB, 40 and 30 KiB on disk
  const c = enc('c', [
    [0n, 128n * K, 2000n * K],
    [128n * K, 128n * K, 2040n * K],
  ]);
  const items = new Map<string, ExtentRef[]>([
    [
      'c',
      [
        { off: 0n, end: 128n * K, bytenr: 2000n * K, bytes: 40n * K },
        { off: 128n * K, end: 256n * K, bytenr: 2040n * K, bytes: 30n * K },
      ],
    ],
    // d: one compressed extent over the whole file (50 KiB on disk)
    ['d', [{ off: 0n, end: 256n * K, bytenr: 3000n * K, bytes: 50n * K }]],
    ['s', [{ off: 0n, end: 256n * K, bytenr: 4000n * K, bytes: 50n * K }]],
  ]);
  const asRoot: OwnerLookup = {
    method: 'TEST',
    forShared: false,
    ownerName: (o) => o,
    keptOutside: () => [],
    extentsOf: (f) => items.get(f.path),
  };
  const notRoot: OwnerLookup = { method: 'TEST', forShared: false, keptOutside: () => undefined, ownerName: (o) => o };
  // a cannot change (read-only), so it is every group's source and the compressed copies move
  const ro = new Set(['a']);
  // (in dedupe-find.ts's order)
  const run = (gs: DedupeGroup[], files: FileData[], lookup: OwnerLookup): number => {
    const byPath = new Map(files.map((f) => [f.path, f]));
    const owners = new Map([['fs', lookup]]);
    const only = sharedBlockSavings(gs, byPath, owners);
    const sized = compressedSavings(gs, byPath, owners, only);
    partialExtentWarnings(gs, byPath, owners);
    return sized;
  };
  const g = groupSaving([a, c], [0n, 0n], 256n * K, true, ro);
  assert.deepEqual([g.netSaving, g.netSavingMin, g.compressed], [256n * K, 0n, true], 'before: c in full, a range');
  assert.equal(run([g], [a, c], asRoot), 1);
  assert.deepEqual([g.netSaving, g.netSavingMin], [70n * K, 70n * K], 'its two extents on disk: one figure');
  const unsized = groupSaving([a, c], [0n, 0n], 256n * K, true, ro);
  assert.equal(run([unsized], [a, c], notRoot), 0, 'without the extent items');
  assert.deepEqual([unsized.netSaving, unsized.netSavingMin], [256n * K, 0n]);
  // d's one extent is moved by two groups of 128 KiB: 50 KiB shared out, each group above 0
  const d = enc('d', [[0n, 256n * K, 3000n * K]]);
  const halves = [0n, 128n * K].map((o) => groupSaving([a, d], [o, o], 128n * K, false, ro));
  assert.equal(run(halves, [a, d], asRoot), 2);
  assert.deepEqual(
    halves.map((h) => [h.netSaving, h.netSavingMin]),
    [
      [25n * K, 25n * K],
      [25n * K, 25n * K],
    ],
  );
  // moved in part: frees nothing (the partial-extent rule), and nothing is added for it
  const half = groupSaving([a, d], [0n, 0n], 128n * K, false, ro);
  run([half], [a, d], asRoot);
  assert.equal(half.netSaving, 0n);
  // flagged shared (another file references it): its owners are not asked here, so it stays a range
  const s2 = enc('s', [[0n, 256n * K, 4000n * K]], true);
  const shared = groupSaving([a, s2], [0n, 0n], 256n * K, true, ro);
  assert.equal(run([shared], [a, s2], asRoot), 0);
  assert.equal(shared.netSavingMin, 0n);
});

test('a copy of 100,000 bytes whose blocks a file outside keeps: its whole last block is kept too, so the saving is 0 (not 2,400)', () => {
  // x and y: copies with their own blocks, each also cloned by a file outside the selection
  const x = file('x', 100000n, [[0n, 102400n, 1000n * K]], 'xfs', true);
  const y = file('y', 100000n, [[0n, 102400n, 5000n * K]], 'xfs', true);
  const files = new Map([x, y].map((f) => [f.path, f]));
  const g = groupSaving([x, y], [0n, 0n], 100000n, true);
  assert.equal(g.netSaving, 102400n, 'counted whole blocks');
  const keptAll: OwnerLookup = {
    method: 'TEST',
    forShared: true,
    ownerName: (o) => o,
    keptOutside: (_f, offset, length) => [{ start: offset, end: offset + length, owner: 'inode 9' }],
  };
  sharedBlockSavings([g], files, new Map([['fs', keptAll]]));
  assert.equal(g.netSaving, 0n);
  assert.equal(g.netSavingMin, 0n);
  // kept by the source only (a clone of it that the plan leaves in place): the same, through the plan's own references
  const z = file('z', 100000n, [[0n, 102400n, 5000n * K]], 'xfs', true); // y's clone, not moved
  const h = groupSaving([x, y], [0n, 0n], 100000n, true, new Set(['x']));
  sharedBlockSavings([h], new Map([x, y, z].map((f) => [f.path, f])), new Map([['fs', { ...keptAll, keptOutside: () => [] }]]));
  assert.equal(h.netSaving, 0n, 'z keeps all of y');
});

test('a map as dedupe data: unwritten (preallocated) extents are left out like holes; already-shared bytes measured', () => {
  const packed = packExtents([
    { offset: 0n, length: 64n * K, physical: 1000n * K, flags: [] },
    { offset: 64n * K, length: 64n * K, physical: 2000n * K, flags: ['unwritten'] },
    { offset: 128n * K, length: 64n * K, physical: 3000n * K, flags: ['shared'] },
  ]);
  const m = { size: 192n * K, packed } as unknown as Parameters<typeof fileDataOf>[1];
  const f = fileDataOf('/m/p', m, { filesystem: 'xfs', fsKey: 'fs', blockSize: 4096 });
  assert.deepEqual(f.off, [0n, 128n * K]);
  assert.deepEqual(f.len, [64n * K, 64n * K]);
  // a destination whose first 64 KiB is the source's block, the rest its own
  const src = file('/m/s', 192n * K, [[0n, 192n * K, 1000n * K]]);
  assert.deepEqual(sharedWithSource(src, 0n, f, 0n, 192n * K), { data: 128n * K, same: 64n * K });
  assert.deepEqual(sharedWithSource(src, 0n, f, 0n, 64n * K), { data: 64n * K, same: 64n * K });
});

test('the source is the range most others sit at the same place as, however their extents are split or flagged', () => {
  // Three ranges at place P (split three ways, one piece flagged shared), two at Q, one
  // compressed pair at the same encoded extent, one with an unknown place: P wins however listed.
  const at = (p: string, pieces: [bigint, bigint, bigint, number][]): FileData => ({
    ...file(p, 64n * K, []),
    off: pieces.map((x) => x[0]),
    len: pieces.map((x) => x[1]),
    phys: pieces.map((x) => x[2]),
    flags: pieces.map((x) => x[3]),
  });
  const S = EXTENT_FLAG.SHARED;
  const E = EXTENT_FLAG.ENCODED;
  const P = 1000n * K;
  const Q = 9000n * K;
  const ranges = [
    at('q1', [[0n, 64n * K, Q, S]]),
    at('p1', [[0n, 64n * K, P, S]]),
    at('q2', [
      [0n, 32n * K, Q, S],
      [32n * K, 32n * K, Q + 32n * K, S],
    ]),
    at('e1', [
      [0n, 32n * K, 7000n * K, S | E],
      [32n * K, 32n * K, 7000n * K, S | E],
    ]),
    at('p2', [
      [0n, 16n * K, P, 0],
      [16n * K, 48n * K, P + 16n * K, S],
    ]),
    at('u', [[0n, 64n * K, -1n, 0]]),
    at('e2', [[0n, 64n * K, 7000n * K, S | E]]),
    at('p3', [
      [0n, 8n * K, P, S],
      [8n * K, 8n * K, P + 8n * K, S],
      [16n * K, 48n * K, P + 16n * K, S],
    ]),
  ];
  for (let turn = 0; turn < ranges.length; turn++) {
    const list = [...ranges.slice(turn), ...ranges.slice(0, turn)];
    const g = groupSaving(
      list,
      list.map(() => 0n),
      64n * K,
      true,
    );
    assert.match(g.ranges[0].path, /^p/, `listed from ${list[0].path}`);
    const shared = g.ranges.filter((r) => r.alreadyShared).map((r) => r.path);
    assert.deepEqual(
      shared.sort(),
      ['p1', 'p2', 'p3'].filter((p) => p !== g.ranges[0].path),
    );
  }
  // Two compressed ranges of one extent are one place (as sameBytes counts them): with no P they win over q1 alone.
  const g = groupSaving([ranges[0], ranges[3], ranges[6]], [0n, 0n, 0n], 64n * K, true);
  assert.match(g.ranges[0].path, /^e/);
});

test('tmpfs: data with no physical place cannot already be shared there, so the saving is one figure (SMB: a range)', () => {
  const tm = (p: string) => file(p, 256n * K, [[0n, 256n * K, -1n]], 'tmpfs');
  const g = groupSaving([tm('a'), tm('b')], [0n, 0n], 256n * K, true);
  assert.equal(g.netSaving, 256n * K);
  assert.equal(g.netSavingMin, 256n * K, 'tmpfs shares no blocks: nothing is already the source’s');
  assert.equal(g.placeUnknown, undefined);
  // on an SMB share the same data may be a server-side clone: the lower bound counts none of it
  const smb = (p: string) => file(p, 256n * K, [[0n, 256n * K, -1n]], 'smb2');
  const s = groupSaving([smb('c'), smb('d')], [0n, 0n], 256n * K, true);
  assert.equal(s.netSavingMin, 0n);
  assert.equal(s.placeUnknown, true);
});
