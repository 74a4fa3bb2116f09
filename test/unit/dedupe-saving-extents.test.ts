// The net saving of a dedupe group where extents are shared in part or held elsewhere, on maps
// written out by hand (src/engine/dedupe-saving.ts, dedupe-extent*.ts): on btrfs a destination
// extent shared only in part frees nothing (with a warning) unless other groups cover it whole;
// as root, extent items tell two extents side by side from one, and compressed data counts at its
// size on disk; a partly overwritten extent is one extent; a destination whose blocks a file the
// plan leaves in place also references frees nothing, and owners named make the saving exact.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupSaving, sharedBlockSavings } from '../../src/engine/dedupe-saving';
import { type FileData } from '../../src/engine/dedupe-file-data';
import { partialExtentWarnings } from '../../src/engine/dedupe-extents';
import { compressedSavings } from '../../src/engine/dedupe-extent-sizes';
import { EXTENT_FLAG } from '../../src/engine/map-format';
import type { DedupeGroup } from '../../src/engine/dedupe-types';
import type { ExtentRef, OwnerLookup } from '../../src/engine/dedupe-owners';
import { K, mappedFile, asRoot } from './dedupe-fixtures';

test('btrfs: a destination extent shared only in part frees nothing; whole coverage by other groups frees it', () => {
  const a = mappedFile('a', 256n * K, [[0n, 256n * K, 1000n * K]], 'btrfs');
  const c = mappedFile('c', 256n * K, [[0n, 256n * K, 3000n * K]], 'btrfs');
  const first = groupSaving([a, c], [0n, 0n], 128n * K, false);
  assert.equal(first.netSaving, 128n * K);
  partialExtentWarnings([first], new Map([a, c].map((f) => [f.path, f])), asRoot());
  assert.equal(first.netSaving, 0n);
  assert.match(
    first.warnings[0],
    /^131072 bytes of these ranges lie in extents that would be shared only in part \(e\.g\. c at 0 .*\): btrfs frees an extent only when nothing references any of it, so sharing them frees nothing: this group frees nothing, and is left alone\.$/,
  );
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
  const d = mappedFile('d', 384n * K, [[0n, 384n * K, 7000n * K]], 'btrfs');
  const e = mappedFile('e', 384n * K, [[0n, 384n * K, 9000n * K]], 'btrfs');
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

test('btrfs as root: a destination range wholly in an extent kept by other references is marked to be left alone; the group applies the rest', () => {
  // a trial: X one 16 MiB extent, Y = X's first 8 MiB (its own extent), Z = X's first 8 MiB and
  // new data, one extent. Sharing Z's range freed nothing and split Z in two.
  const x = mappedFile('x', 256n * K, [[0n, 256n * K, 1000n * K]], 'btrfs');
  const y = mappedFile('y', 128n * K, [[0n, 128n * K, 2000n * K]], 'btrfs');
  const z = mappedFile('z', 256n * K, [[0n, 256n * K, 3000n * K]], 'btrfs');
  const g = groupSaving([x, y, z], [0n, 0n, 0n], 128n * K, false);
  partialExtentWarnings([g], new Map([x, y, z].map((f) => [f.path, f])), asRoot());
  assert.equal(g.netSaving, 128n * K, "y's range frees its extent");
  assert.deepEqual(
    g.ranges.map((r) => [r.path, r.freesNothing === true]),
    [
      ['x', false],
      ['y', false],
      ['z', true],
    ],
  );
  assert.match(
    g.warnings[0],
    /; the saving is 131072 bytes less for it\. The range wholly in such extents is left alone: sharing it would only split its file’s extents\.$/,
  );
});

test('btrfs as root: a FIEMAP record that is two extents side by side (a file written in two pieces) frees the one shared whole', () => {
  const a = mappedFile('a', 128n * K, [[0n, 128n * K, 1000n * K]], 'btrfs');
  // c's two extents lie next to each other on disk: FIEMAP shows one record
  const c = mappedFile('c', 256n * K, [[0n, 256n * K, 3000n * K]], 'btrfs');
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
  const a = mappedFile('a', size, [[0n, 260n * K, 1000n * K]], 'btrfs');
  const c = mappedFile('c', size, [[0n, 260n * K, 3000n * K]], 'btrfs');
  const g = groupSaving([a, c], [256n * K, 256n * K], 1000n, false);
  assert.equal(g.netSaving, 4096n, 'the last block moves whole');
  partialExtentWarnings([g], new Map([a, c].map((f) => [f.path, f])), asRoot());
  assert.equal(g.netSaving, 0n, 'the extent stays: nothing of it is freed, not even the block past the end');
});

test('btrfs: a partly overwritten extent (pieces on both sides of new data) is one extent; its range is the source', () => {
  const M = 1024n * K;
  // b: a 4 MiB extent at 10 MiB whose second MiB was overwritten (new data at 50 MiB)
  const b = mappedFile(
    'b',
    4n * M,
    [
      [0n, M, 10n * M],
      [M, M, 50n * M],
      [2n * M, 2n * M, 12n * M],
    ],
    'btrfs',
  );
  const a = mappedFile('a', M, [[0n, M, 80n * M]], 'btrfs'); // a copy of b's first MiB, its own extent
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

test('a destination whose blocks a reflinked copy keeps frees nothing; moving both references frees them', () => {
  // orig holds two equal 128 KiB chunks; refl is a reflinked copy of orig (the same blocks, shared).
  const orig = mappedFile('orig', 256n * K, [[0n, 256n * K, 1000n * K]], 'xfs', true);
  const refl = mappedFile('refl', 256n * K, [[0n, 256n * K, 1000n * K]], 'xfs', true);
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
  const copy = mappedFile('copy', 128n * K, [[0n, 128n * K, 9000n * K]]);
  const plain = groupSaving([orig, copy], [0n, 0n], 128n * K, true);
  sharedBlockSavings([plain], new Map([...files, ['copy', copy]]));
  assert.equal(plain.netSaving, 128n * K);
});

test('owners named (dedupe-owners.ts): blocks kept outside the plan leave the saving, which becomes exact; unnamed: a range', () => {
  // a and b copies; b's blocks are also referenced by a file outside the selection for their first 64 KiB
  const a = mappedFile('a', 256n * K, [[0n, 256n * K, 1000n * K]]);
  const b = mappedFile('b', 256n * K, [[0n, 256n * K, 5000n * K]], 'xfs', true);
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
  const a = mappedFile('a', 256n * K, [[0n, 256n * K, 1000n * K]], 'btrfs');
  const enc = (path: string, extents: [bigint, bigint, bigint][], shared = false): FileData => ({
    ...mappedFile(path, 256n * K, extents, 'btrfs'),
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
  const x = mappedFile('x', 100000n, [[0n, 102400n, 1000n * K]], 'xfs', true);
  const y = mappedFile('y', 100000n, [[0n, 102400n, 5000n * K]], 'xfs', true);
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
  const z = mappedFile('z', 100000n, [[0n, 102400n, 5000n * K]], 'xfs', true); // y's clone, not moved
  const h = groupSaving([x, y], [0n, 0n], 100000n, true, new Set(['x']));
  sharedBlockSavings([h], new Map([x, y, z].map((f) => [f.path, f])), new Map([['fs', { ...keptAll, keptOutside: () => [] }]]));
  assert.equal(h.netSaving, 0n, 'z keeps all of y');
});
