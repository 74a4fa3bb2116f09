// The net saving of a dedupe group from physical offsets (src/engine/dedupe-saving.ts), on maps
// written out by hand (the loop-device tests check the same against real file systems): clones
// count zero, destinations that share with one another count once, the source is the range the
// most others already share (however their extents are split or flagged), then the most
// compressed, fewest pieces, first on disk, first by path; compressed extents; unknown physical
// offsets count in full; unwritten extents are left out like holes; tmpfs gives one figure.
// btrfs's whole-extent rules and owners: dedupe-saving-extents.test.ts; plan mechanics:
// dedupe-plan.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupSaving, sharedWithSource } from '../../src/engine/dedupe-saving';
import { fileDataOf, type FileData } from '../../src/engine/dedupe-file-data';
import { EXTENT_FLAG, packExtents } from '../../src/engine/map-format';
import { K, mappedFile } from './dedupe-fixtures';

test('a clone counts zero and becomes the source side; a copy counts its bytes', () => {
  const a = mappedFile('a', 256n * K, [[0n, 256n * K, 1000n * K]], 'xfs', true);
  const clone = mappedFile('clone', 256n * K, [[0n, 256n * K, 1000n * K]], 'xfs', true);
  const copy = mappedFile('copy', 256n * K, [[0n, 256n * K, 5000n * K]]);
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
  const a = mappedFile('a', 256n * K, [[0n, 256n * K, 1000n * K]]);
  const b = mappedFile('b', 256n * K, [[0n, 256n * K, 5000n * K]], 'xfs', true);
  const g = groupSaving([a, b], [0n, 0n], 256n * K, true);
  assert.deepEqual(
    g.ranges.map((r) => r.path),
    ['b', 'a'],
  );
  assert.equal(g.netSaving, 256n * K);
  assert.deepEqual(g.warnings, []);
});

test('otherwise equal copies: the source is the most compressed, then the one in fewest pieces, then first on disk, then first by path, in any order given', () => {
  const whole = (p: string, at: bigint) => mappedFile(p, 256n * K, [[0n, 256n * K, at]]);
  const split = (p: string, at: bigint) =>
    mappedFile(p, 256n * K, [
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
    ...mappedFile('b-compressed', 256n * K, [
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

test('the source is the range most others sit at the same place as, however their extents are split or flagged', () => {
  // Three ranges at place P (split three ways, one piece flagged shared), two at Q, one
  // compressed pair at the same encoded extent, one with an unknown place: P wins however listed.
  const at = (p: string, pieces: [bigint, bigint, bigint, number][]): FileData => ({
    ...mappedFile(p, 64n * K, []),
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

test('destinations that share blocks with one another count once; split extents at the same place count zero', () => {
  const src = mappedFile('s', 128n * K, [[0n, 128n * K, 100n * K]]);
  const d1 = mappedFile('d1', 128n * K, [[0n, 128n * K, 900n * K]], 'xfs', true);
  const d2 = mappedFile('d2', 128n * K, [[0n, 128n * K, 900n * K]], 'xfs', true);
  const g = groupSaving([src, d1, d2], [0n, 0n, 0n], 128n * K, true);
  // d1 and d2 are physically identical: one of them becomes the source, the other counts zero.
  assert.equal(g.netSaving, 128n * K);
  const split = mappedFile('split', 128n * K, [
    [0n, 64n * K, 100n * K],
    [64n * K, 64n * K, 164n * K],
  ]);
  assert.equal(groupSaving([src, split], [0n, 0n], 128n * K, true).netSaving, 0n);
});

test('compressed (encoded) extents: the same extent at the same place is already shared; others count in full', () => {
  const enc = (path: string, phys: bigint[]): FileData => ({
    ...mappedFile(path, 256n * K, [
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
    groupSaving([mappedFile('x', 4n * K, [[0n, 4n * K, 9n * K]]), mappedFile('y', 4n * K, [[0n, 4n * K, 99n * K]])], [0n, 0n], 4n * K, true)
      .compressed,
    undefined,
  );
  // Not a byte-for-byte mapping: an extent at 64 KiB whose address is a's first one + 64 KiB
  // would be "the same bytes" as a's by offset arithmetic; it is another compressed extent.
  const shifted: FileData = {
    ...mappedFile('shifted', 256n * K, [
      [0n, 64n * K, 3000n * K],
      [64n * K, 128n * K, 1064n * K],
      [192n * K, 64n * K, 3100n * K],
    ]),
    flags: [EXTENT_FLAG.ENCODED, EXTENT_FLAG.ENCODED, EXTENT_FLAG.ENCODED],
  };
  assert.deepEqual(sharedWithSource(a, 0n, shifted, 0n, 256n * K), { data: 256n * K, same: 0n });
});

test('unknown physical offsets count in full', () => {
  const a = mappedFile('a', 64n * K, [[0n, 64n * K, -1n]]);
  const b = mappedFile('b', 64n * K, [[0n, 64n * K, -1n]]);
  assert.equal(groupSaving([a, b], [0n, 0n], 64n * K, true).netSaving, 64n * K);
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
  const src = mappedFile('/m/s', 192n * K, [[0n, 192n * K, 1000n * K]]);
  assert.deepEqual(sharedWithSource(src, 0n, f, 0n, 192n * K), { data: 128n * K, same: 64n * K });
  assert.deepEqual(sharedWithSource(src, 0n, f, 0n, 64n * K), { data: 64n * K, same: 64n * K });
});

test('tmpfs: data with no physical place cannot already be shared there, so the saving is one figure (SMB: a range)', () => {
  const tm = (p: string) => mappedFile(p, 256n * K, [[0n, 256n * K, -1n]], 'tmpfs');
  const g = groupSaving([tm('a'), tm('b')], [0n, 0n], 256n * K, true);
  assert.equal(g.netSaving, 256n * K);
  assert.equal(g.netSavingMin, 256n * K, 'tmpfs shares no blocks: nothing is already the source’s');
  assert.equal(g.placeUnknown, undefined);
  // on an SMB share the same data may be a server-side clone: the lower bound counts none of it
  const smb = (p: string) => mappedFile(p, 256n * K, [[0n, 256n * K, -1n]], 'smb2');
  const s = groupSaving([smb('c'), smb('d')], [0n, 0n], 256n * K, true);
  assert.equal(s.netSavingMin, 0n);
  assert.equal(s.placeUnknown, true);
});
