// engine.space's arithmetic over maps a real file system cannot be made to give on demand: a
// stand-in backend (the engine's test seam) answers with fixed maps for real (empty, sized)
// files in a temporary folder. Covers the sweep (union, pairwise overlaps), the exact answer
// from reference counts (ReFS), bounds without them, SEEK-only maps and inline extents.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import { createEngine, EXTENT_FLAG, type PackedExtentMap } from '../../src/engine';
import { bytesNotCovered, heldOnce, mergeRanges } from '../../src/engine/space-scan';
import { partnersOf, sweep, type OwnerSet } from '../../src/engine/space-sweep';
import { SharedRanges, type Group } from '../../src/engine/space-table';

type Row = [offset: number, length: number, physical: number, flags: number, refcount?: number];

const S = EXTENT_FLAG.SHARED;

function fakeBackend(maps: Record<string, { size: number; rows: Row[]; source?: 'fiemap' | 'seek' }>): ExtendedBackend {
  const unsupported = (): never => {
    throw new Error('not in this test');
  };
  return {
    name: 'fake',
    allocatedRanges: unsupported,
    extentMap: unsupported,
    volume: unsupported,
    cloneFile: unsupported,
    cloneRange: unsupported,
    copyFile: unsupported,
    punchHole: unsupported,
    setSparse: unsupported,
    fsInfo: async () => ({ filesystem: 'refs', blockSize: 4096 }),
    async extentMapPacked(p): Promise<PackedExtentMap> {
      const m = maps[path.basename(p)];
      const n = m.rows.length;
      const refs = m.rows.some((r) => r[4] !== undefined);
      return {
        path: p,
        size: BigInt(m.size),
        blockSize: 4096,
        window: { offset: 0n, length: BigInt(m.size) },
        source: m.source ?? 'fiemap',
        calls: 1,
        durationMs: 0,
        packed: {
          count: n,
          offset: BigInt64Array.from(m.rows.map((r) => BigInt(r[0]))),
          length: BigInt64Array.from(m.rows.map((r) => BigInt(r[1]))),
          physical: BigInt64Array.from(m.rows.map((r) => BigInt(r[2]))),
          flags: Uint32Array.from(m.rows.map((r) => r[3])),
          ...(refs ? { refcounts: Uint32Array.from(m.rows.map((r) => r[4] ?? 0)) } : {}),
        },
      };
    },
  };
}

describe('space arithmetic (stand-in backend)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-unit-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function files(spec: Record<string, { size: number }>, sub: string): string {
    const d = path.join(dir, sub);
    fs.mkdirSync(d);
    for (const [name, { size }] of Object.entries(spec)) {
      fs.writeFileSync(path.join(d, name), '');
      fs.truncateSync(path.join(d, name), size);
    }
    return d;
  }

  test('reference counts make it exact: a range all of whose references are selected is freed', async () => {
    const maps = {
      a: {
        size: 300,
        rows: [
          [0, 100, 0, S, 2],
          [100, 100, 1000, S, 2],
          [200, 50, 5000, 0, 1],
        ] as Row[],
      },
      b: { size: 100, rows: [[0, 100, 0, S, 2]] as Row[] },
    };
    const d = files(maps, 'refs');
    const r = await createEngine({ backend: fakeBackend(maps) }).space([d]);
    assert.deepEqual(r.errors, []);
    assert.equal(r.total.allocated, 350n);
    assert.equal(r.total.shared, 300n);
    assert.equal(r.total.exclusive, 50n);
    assert.equal(r.total.unique, 250n);
    assert.equal(r.total.reclaimableExact, true);
    assert.equal(r.total.reclaimable, 150n); // a's own 50 + the range a and b hold together
    assert.equal(r.total.reclaimableMax, 150n);
    assert.deepEqual(r.files[0].sharesWith, [{ path: path.join(d, 'b'), index: 1, bytes: 100n }]);
    assert.equal(r.files[1].path, path.join(d, 'b'));
  });

  test('without reference counts: bounds, exclusive to unique, and the reason', async () => {
    const maps = {
      a: {
        size: 300,
        rows: [
          [0, 100, 0, S],
          [100, 100, 1000, S],
          [200, 50, 5000, 0],
        ] as Row[],
      },
      b: { size: 100, rows: [[0, 100, 0, S]] as Row[] },
    };
    const d = files(maps, 'flags');
    const r = await createEngine({ backend: fakeBackend(maps) }).space([d]);
    assert.equal(r.total.reclaimableExact, false);
    assert.equal(r.total.reclaimable, 50n);
    assert.equal(r.total.reclaimableMax, 250n);
    assert.match(r.fileSystems[0].notes.join(' '), /^Deleting these files frees between 50 bytes .* and 250 bytes /);
    // one file: said of it (a trial read "Deleting these files frees between 0 bytes …" for one),
    // and the exact scan named as each place offers it
    const one = await createEngine({ backend: fakeBackend(maps) }).space([path.join(d, 'a')]);
    assert.match(
      one.fileSystems[0].notes.join(' '),
      /^Deleting this file frees between 50 bytes \(its exclusive bytes, .*\) and 250 bytes \(its unique bytes, .*\): here .* does not say who else references a shared extent\. .*\(Exact scan in VS Code, --exact-scan in the CLI\)\.$/,
    );
  });

  test('the sweep: overlapping ranges of three files, union and every pair', async () => {
    const maps = {
      a: { size: 100, rows: [[0, 100, 0, S]] as Row[] },
      b: { size: 100, rows: [[0, 100, 50, S]] as Row[] },
      c: {
        size: 10,
        rows: [
          [0, 5, 75, S],
          [5, 5, 75, S], // the same physical stretch twice in one file: counted once
        ] as Row[],
      },
    };
    const d = files(maps, 'sweep');
    const r = await createEngine({ backend: fakeBackend(maps) }).space([d]);
    assert.equal(r.total.unique, 150n);
    const sw = Object.fromEntries(r.files.map((f) => [path.basename(f.path), f.sharesWith.map((s) => [path.basename(s.path), s.bytes])]));
    assert.deepEqual(sw, {
      a: [
        ['b', 50n],
        ['c', 5n],
      ],
      b: [
        ['a', 50n],
        ['c', 5n],
      ],
      c: [
        ['a', 5n],
        ['b', 5n],
      ],
    });
  });

  test('clones of one file: every pair counted, the first 100 partners listed, the rest counted', async () => {
    // 150 whole-file clones of a 40-extent file, and two other files whose ranges lie between
    // the clones' extents (so the stretches' sets of files alternate) and overlap each other.
    const extents = 40;
    const rows: Row[] = Array.from({ length: extents }, (_, e) => [e * 100, 100, e * 1000, S]);
    const maps: Record<string, { size: number; rows: Row[] }> = {};
    for (let c = 0; c < 150; c++) maps[`c${String(c).padStart(3, '0')}`] = { size: extents * 100, rows };
    maps.x = { size: 400, rows: Array.from({ length: 4 }, (_, e) => [e * 100, 100, e * 1000 + 500, S]) as Row[] };
    maps.y = { size: 200, rows: [[0, 200, 450, S]] as Row[] };
    const d = files(maps, 'clones');
    const r = await createEngine({ backend: fakeBackend(maps) }).space([d]);
    assert.equal(r.total.unique, BigInt(extents * 100 + 300 + 200)); // y covers x's first range
    const byName = new Map(r.files.map((f) => [path.basename(f.path), f]));
    const c0 = byName.get('c000')!;
    assert.equal(c0.sharesWithCount, 149);
    assert.equal(c0.sharesWith.length, 100);
    assert.ok(c0.sharesWith.every((s) => s.bytes === BigInt(extents * 100)));
    // equal bytes: in the order the sweep met them (ascending index among one set's files)
    assert.deepEqual(
      c0.sharesWith.slice(0, 3).map((s) => path.basename(s.path)),
      ['c001', 'c002', 'c003'],
    );
    // x overlaps y where x's first range lies (500..600)
    assert.deepEqual(
      byName.get('x')!.sharesWith.map((s) => [path.basename(s.path), s.bytes]),
      [['y', 100n]],
    );
    assert.equal(byName.get('y')!.sharesWithCount, 1);
  });

  test('overlapping paths (a folder and a file in it) count each file once', async () => {
    const maps = { a: { size: 100, rows: [[0, 100, 0, 0]] as Row[] }, b: { size: 100, rows: [[0, 100, 500, 0]] as Row[] } };
    const d = files(maps, 'overlap');
    const r = await createEngine({ backend: fakeBackend(maps) }).space([d, path.join(d, 'a'), d]);
    assert.equal(r.total.files, 2);
    assert.equal(r.total.allocated, 200n);
    assert.equal(r.hardLinks, 0);
    assert.equal(r.total.reclaimable, 200n);
  });

  test('SEEK-only maps: allocated counted, sharing unknown, not exact; inline extents left out', async () => {
    const maps = {
      s: { size: 8192, rows: [[0, 4096, -1, 0]] as Row[], source: 'seek' as const },
      i: { size: 10, rows: [[0, 4096, -1, EXTENT_FLAG.INLINE | EXTENT_FLAG.LAST]] as Row[] },
    };
    const d = files(maps, 'seek');
    const r = await createEngine({ backend: fakeBackend(maps) }).space([d]);
    const [i, s] = r.files;
    assert.equal(s.sharingUnknown, true);
    assert.equal(s.allocated, 4096n);
    assert.equal(i.allocated, 0n);
    assert.equal(i.inline, 4096n);
    assert.equal(r.total.unique, 4096n);
    assert.equal(r.total.reclaimableExact, false);
    assert.match(r.fileSystems[0].notes.join(' '), /sharing is not known/);
  });
});

test('exact scan arithmetic: merged ranges and the bytes no outside range covers', () => {
  const r = (pairs: [number, number][]): { start: bigint[]; end: bigint[] } =>
    mergeRanges(
      pairs.map((p) => BigInt(p[0])),
      pairs.map((p) => BigInt(p[1])),
    );
  assert.deepEqual(
    r([
      [10, 20],
      [0, 5],
      [5, 8],
      [15, 30],
    ]),
    { start: [0n, 10n], end: [8n, 30n] },
  );
  assert.equal(bytesNotCovered(r([[0, 100]]), r([])), 100n);
  assert.equal(
    bytesNotCovered(
      r([[0, 100]]),
      r([
        [10, 20],
        [30, 40],
        [90, 200],
      ]),
    ),
    70n,
  );
  assert.equal(
    bytesNotCovered(
      r([
        [0, 10],
        [20, 30],
        [40, 50],
      ]),
      r([
        [5, 25],
        [45, 46],
      ]),
    ),
    19n,
  );
  assert.equal(bytesNotCovered(r([[0, 10]]), r([[0, 10]])), 0n);
});

test('partners: sums over the sets, most bytes first, exact above 2^53, at most the limit', () => {
  const big = 2n ** 60n + 1n;
  const sets: OwnerSet[] = [
    { files: Uint32Array.from([0, 1, 2]), bytes: 5n },
    { files: Uint32Array.from([0, 2]), bytes: big },
    { files: Uint32Array.from([0, 3]), bytes: 5n },
    { files: Uint32Array.from([1, 3]), bytes: 1n },
  ];
  const got: [number, number[], bigint[], number][] = [];
  partnersOf(sets, 5, 2, (f, partners, bytes, count) => got.push([f, [...partners], [...bytes], count]));
  assert.deepEqual(got, [
    [0, [2, 1], [big + 5n, 5n], 3], // 1 and 3 tie at 5: 1 was met first, 3 is past the limit
    [1, [0, 2], [5n, 5n], 3],
    [2, [0, 1], [big + 5n, 5n], 2],
    [3, [0, 1], [5n, 1n], 2],
    [4, [], [], 0],
  ]);
});

/** The partners by their definition: bytes summed over the sets with both, most first, then in the order met. */
function partnersByDefinition(sets: OwnerSet[], fileCount: number, limit: number): [number, number[], bigint[], number][] {
  const out: [number, number[], bigint[], number][] = [];
  for (let f = 0; f < fileCount; f++) {
    const bytes = new Map<number, bigint>(); // in the order met: the file's sets in order, their files ascending
    for (const s of sets) if (s.files.includes(f)) for (const p of s.files) if (p !== f) bytes.set(p, (bytes.get(p) ?? 0n) + s.bytes);
    const order = [...bytes.keys()];
    const ranked = order.map((p, i) => ({ p, b: bytes.get(p)!, i })).sort((x, y) => (x.b !== y.b ? (x.b > y.b ? -1 : 1) : x.i - y.i));
    const top = ranked.slice(0, limit);
    out.push([f, top.map((t) => t.p), top.map((t) => t.b), order.length]);
  }
  return out;
}

test("partners of files in one set (clones of one file): the set's first files, as the definition gives", () => {
  // 3,000 clones of file 0 (one set), files 3,001–3,004 sharing with each other in two sets, and
  // file 3,005 in one small set with 3,001: a mix of files in one set and in several
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const clones = Uint32Array.from({ length: 3001 }, (_, i) => i);
  const sets: OwnerSet[] = [
    { files: clones, bytes: 8192n },
    { files: Uint32Array.from([3001, 3002, 3003]), bytes: 4096n },
    { files: Uint32Array.from([3001, 3004]), bytes: 2n ** 60n },
    { files: Uint32Array.from([3001, 3005]), bytes: 4096n },
  ];
  for (const limit of [1, 2, 100, 5000]) {
    const got: [number, number[], bigint[], number][] = [];
    partnersOf(sets, 3006, limit, (f, partners, bytes, count) => got.push([f, [...partners], [...bytes], count]));
    const want = partnersByDefinition(sets, 3006, limit);
    for (const f of [0, 1, 2, 1500, 2999, 3000, 3001, 3002, 3003, 3004, 3005, rnd(3000)]) assert.deepEqual(got[f], want[f], `file ${f}, limit ${limit}`);
  }
  // random small sets, some files in one of them only
  for (let round = 0; round < 50; round++) {
    const n = 2 + rnd(12);
    const random: OwnerSet[] = [];
    for (let k = rnd(6); k >= 0; k--) {
      const members = [...new Set(Array.from({ length: 2 + rnd(n - 1) }, () => rnd(n)))].sort((a, b) => a - b);
      if (members.length > 1) random.push({ files: Uint32Array.from(members), bytes: BigInt(1 + rnd(3)) * 4096n });
    }
    const got: [number, number[], bigint[], number][] = [];
    const limit = 1 + rnd(4);
    partnersOf(random, n, limit, (f, partners, bytes, count) => got.push([f, [...partners], [...bytes], count]));
    assert.deepEqual(got, partnersByDefinition(random, n, limit), JSON.stringify(random.map((x) => [...x.files])));
  }
});

test('shared ranges in typed columns: they grow, stay exact near 2^63, and sort exactly where doubles tie', () => {
  const rs = new SharedRanges();
  const top = (1n << 63n) - 4096n;
  // 40 ranges (the columns start at 16): pairs of files on stretches 1 byte apart above 2^53,
  // where Number() gives the same double for neighbouring offsets
  const base = (1n << 60n) + 1n;
  for (let k = 0; k < 20; k++) {
    const at = base + BigInt(k) * 3n;
    rs.push(at + 1n, at + 3n, 100 + k, 0); // pushed before the lower one: index order is not value order
    rs.push(at, at + 2n, k, 0);
  }
  rs.push(top, top + 4095n, 7, 2);
  assert.equal(rs.count, 41);
  assert.equal(rs.start[40], top);
  assert.equal(rs.end[40], top + 4095n);
  assert.equal(rs.ref[40], 2);
  const g = { ranges: rs } as unknown as Group;
  const sets: OwnerSet[] = [];
  const s = sweep(g, sets, 200);
  // each pair [at, at+2) and [at+1, at+3) covers 3 bytes, 1 of them by both files
  assert.equal(s.union, 20n * 3n + 4095n);
  assert.equal(sets.length, 20);
  assert.ok(sets.every((x, k) => x.bytes === 1n && x.files.join() === `${k},${100 + k}`));
});

test('heldOnce: where exactly one range lies, touching stretches joined', () => {
  // a [0,20), b [10,30), c [20,40): once in [0,10), twice in [10,30) (b with a, then with c), once
  // in [30,40); d [40,45) touches c: [30,45) once; [50,60) twice (one file referencing a block twice)
  const start = [0n, 10n, 20n, 40n, 50n, 50n];
  const end = [20n, 30n, 40n, 45n, 60n, 60n];
  assert.deepEqual(heldOnce(start, end, 6), { start: [0n, 30n], end: [10n, 45n] });
  assert.deepEqual(heldOnce([], [], 0), { start: [], end: [] });
  // exact above 2^53
  const big = 1n << 60n;
  assert.deepEqual(heldOnce([big, big + 1n], [big + 3n, big + 2n], 2), { start: [big, big + 2n], end: [big + 1n, big + 3n] });
});
