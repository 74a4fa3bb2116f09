// MapModel (src/views/map-model.ts, with map-columns, map-bins and map-export): windows, bins, rows, summary and exports, checked against
// naive bigint computations over the same extents, including offsets above 2^53.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Extent, ExtentMap, VolumeInfo } from '../../src/engine/types';
import { MapModel, type PackedMapInput } from '../../src/views/map-model';
import { rowsToText } from '../../src/views/map-export';
import { EXTENT_FLAG, packExtents } from '../../src/engine/map-format';
import { EXTENT_CLASSES, parseHostMessage, parseWebviewMessage } from '../../src/protocol/messages';

const P53 = 1n << 53n;

function mapOf(extents: Extent[], size: bigint): ExtentMap {
  return {
    path: '/x/file.img',
    size,
    blockSize: 4096,
    window: { offset: 0n, length: size },
    extents,
    source: 'fiemap',
    calls: 1,
    durationMs: 1,
  };
}
const vol: VolumeInfo = {
  path: '/x',
  filesystem: 'xfs',
  blockSize: 4096,
  supportsSparse: true,
  supportsClone: true,
  cloneEvidence: 'reflink=1 in the XFS superblock.',
  volumeId: '7:0',
};

const ext = (offset: bigint, length: bigint, flags: Extent['flags'] = [], physical: bigint | null = offset + 1000n): Extent => ({
  offset,
  length,
  physical,
  flags,
});

test('summary: sizes, ratio, shared and unwritten bytes, volume facts', () => {
  const m = new MapModel(mapOf([ext(0n, 4096n), ext(8192n, 4096n, ['shared']), ext(16384n, 8192n, ['unwritten', 'last'])], 32768n), vol);
  const s = m.summary();
  assert.equal(s.size, '32768');
  assert.equal(s.allocated, '16384');
  assert.equal(s.sharedBytes, '4096');
  assert.equal(s.unwrittenBytes, '8192');
  assert.equal(s.extentCount, 3);
  assert.equal(s.sparseRatio, 0.5);
  assert.equal(s.filesystem, 'xfs');
  assert.equal(s.supportsClone, true);
  assert.equal(s.name, 'file.img');
  assert.ok(parseHostMessage({ type: 'summary', summary: s }), 'summary passes the webview-side validator');
});

test('window: exact extents, hole bounds and first index; exact above 2^53', () => {
  const far = P53 + 4096n;
  const m = new MapModel(mapOf([ext(0n, 4096n), ext(far, 4096n, ['last'], null)], far + 4096n));
  const w = m.window(P53, 1n << 20n, 100);
  assert.deepEqual(w.extents, [{ offset: '9007199254745088', length: '4096', physical: null, flags: ['last'], index: 1 }]);
  assert.equal(w.extentCount, 1);
  assert.equal(w.prevEnd, '4096');
  assert.equal(w.nextStart, (P53 + (1n << 20n)).toString(), 'no extent after: the window end (past EOF)');
  assert.equal(w.firstIndex, 1);
  // a window entirely in the hole
  const h = m.window(1n << 40n, 4096n, 100);
  assert.equal(h.extentCount, 0);
  assert.equal(h.prevEnd, '4096');
  assert.equal(h.nextStart, far.toString());
  // neighbouring offsets differing by 1 above 2^53 stay distinct
  assert.equal(m.indexAt(far - 1n), -1);
  assert.equal(m.indexAt(far), 1);
  assert.equal(m.indexAt(far + 4095n), 1);
  assert.equal(m.indexAt(far + 4096n), -1);
});

test('window: bins when more than maxExtents intersect, fractions per class', () => {
  // 100 extents of 4 KiB every 8 KiB: half of every 8 KiB is data; every 10th is shared
  const extents: Extent[] = [];
  for (let i = 0; i < 100; i++) extents.push(ext(BigInt(i) * 8192n, 4096n, i % 10 === 0 ? ['shared'] : []));
  const m = new MapModel(mapOf(extents, 100n * 8192n), vol);
  const w = m.window(0n, 100n * 8192n, 10, 100);
  assert.equal(w.extents, undefined);
  assert.equal(w.binCount, 100);
  assert.equal(w.bins!.length, 100 * EXTENT_CLASSES.length);
  const data = EXTENT_CLASSES.indexOf('data');
  const shared = EXTENT_CLASSES.indexOf('shared');
  for (let b = 0; b < 100; b++) {
    const row = w.bins!.slice(b * EXTENT_CLASSES.length, (b + 1) * EXTENT_CLASSES.length);
    assert.equal(row[b % 10 === 0 ? shared : data], 0.5, `bin ${b}`);
    assert.equal(
      row.reduce((x, y) => x + y, 0),
      0.5,
    );
  }
  assert.ok(parseHostMessage({ type: 'window', requestId: 1, window: w }));
});

test('bins stay exact for small extents at offsets above 2^60', () => {
  const base = 1n << 60n;
  const extents: Extent[] = [];
  for (let i = 0; i < 64; i++) extents.push(ext(base + BigInt(i) * 1024n, 512n));
  const m = new MapModel(mapOf(extents, base + 65536n));
  const w = m.window(base, 65536n, 8, 128); // 512-byte bins: each bin fully data or fully hole
  for (let b = 0; b < 128; b++) assert.equal(w.bins![b * EXTENT_CLASSES.length], b % 2 === 0 ? 1 : 0, `bin ${b}`);
});

test('bins: any allocation stays above 0 after rounding (4 KiB extents in a 2^60-byte file)', () => {
  const size = 1n << 60n;
  const extents: Extent[] = [];
  for (let i = 0; i < 20; i++) extents.push(ext(BigInt(i) * (size / 20n), 4096n));
  const m = new MapModel(mapOf(extents, size), vol);
  const w = m.window(0n, size, 10, 1000); // 20 extents > 10: bins of ~1.15e15 bytes each
  const data = EXTENT_CLASSES.indexOf('data');
  const withData = [...Array(1000).keys()].filter((b) => w.bins![b * EXTENT_CLASSES.length + data] > 0);
  assert.deepEqual(
    withData,
    [...Array(20).keys()].map((i) => i * 50),
    'each extent shades its bin (0.0001, not rounded to 0)',
  );
});

test('property: window extents = naive filter; bins sum to covered fraction', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 1n << 20n }), fc.bigInt({ min: 1n, max: 1n << 16n })), { maxLength: 60 }),
      fc.bigInt({ min: 0n, max: 1n << 62n }),
      fc.bigInt({ min: 0n, max: 1n << 21n }),
      fc.bigInt({ min: 1n, max: 1n << 21n }),
      (gaps, base, wOff, wLen) => {
        const extents: Extent[] = [];
        let pos = base;
        for (const [gap, len] of gaps) {
          pos += gap;
          extents.push(ext(pos, len));
          pos += len;
        }
        const m = new MapModel(mapOf(extents, pos));
        const W = base + wOff;
        const hit = extents.filter((e) => e.offset < W + wLen && e.offset + e.length > W);
        const exact = m.window(W, wLen, 1000);
        assert.deepEqual(
          exact.extents!.map((e) => [BigInt(e.offset), BigInt(e.length)]),
          hit.map((e) => [e.offset, e.length]),
        );
        const binned = m.window(W, wLen, 0, 16);
        if (hit.length === 0) {
          // 0 extents fit maxExtents = 0: the answer is the exact (empty) list, and no bins.
          assert.deepEqual(binned.extents, []);
          assert.equal(binned.bins, undefined);
          return;
        }
        let covered = 0n;
        for (const e of hit) covered += (e.offset + e.length < W + wLen ? e.offset + e.length : W + wLen) - (e.offset > W ? e.offset : W);
        const sum = binned.bins!.reduce((x, y) => x + y, 0) / 16;
        assert.ok(Math.abs(sum - Number(covered) / Number(wLen)) < 1e-3, `${sum} vs ${covered}/${wLen}`);
      },
    ),
    { numRuns: 200 },
  );
});

test('property: per-bin extent counts, allocated bytes and first index = naive bigint computation', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 1n << 16n }), fc.bigInt({ min: 1n, max: 1n << 14n })), { minLength: 1, maxLength: 80 }),
      fc.bigInt({ min: 0n, max: 1n << 60n }),
      fc.integer({ min: 1, max: 40 }),
      (gaps, base, bins) => {
        const extents: Extent[] = [];
        let pos = base;
        for (const [gap, len] of gaps) {
          pos += gap;
          extents.push(ext(pos, len));
          pos += len;
        }
        const m = new MapModel(mapOf(extents, pos));
        const W = base;
        const L = pos - base;
        const w = m.window(W, L, 0, bins);
        assert.equal(w.binExtents!.length, bins);
        for (let j = 0; j < bins; j++) {
          const a = W + (L * BigInt(j)) / BigInt(bins);
          const b = W + (L * BigInt(j + 1)) / BigInt(bins);
          let bytes = 0n;
          let count = 0;
          for (const e of extents) {
            const s = e.offset > a ? e.offset : a;
            const f = e.offset + e.length < b ? e.offset + e.length : b;
            if (f > s) {
              bytes += f - s;
              count++;
            }
          }
          assert.equal(w.binExtents![j], count, `bin ${j}: extents`);
          assert.equal(w.binBytes![j], Number(bytes), `bin ${j}: bytes`);
          assert.equal(
            w.binFirst![j],
            extents.findIndex((e) => e.offset + e.length > a),
            `bin ${j}: first index`,
          );
        }
        assert.ok(parseHostMessage({ type: 'window', requestId: 1, window: w }), 'the wire validator accepts it');
      },
    ),
    { numRuns: 200 },
  );
});

test('rows, answer() and clipping', () => {
  const extents: Extent[] = [];
  for (let i = 0; i < 50; i++) extents.push(ext(BigInt(i) * 8192n, 4096n));
  const m = new MapModel(mapOf(extents, 50n * 8192n));
  const r = m.answer(parseWebviewMessage({ type: 'requestRows', requestId: 7, start: 45, count: 10 })!);
  assert.equal(r?.type, 'rows');
  if (r?.type !== 'rows') return;
  assert.equal(r.total, 50);
  assert.equal(r.rows.length, 5);
  assert.equal(r.rows[0].index, 45);
  assert.equal(r.rows[0].offset, String(45 * 8192));
  assert.ok(parseHostMessage(r));
  const w = m.answer(parseWebviewMessage({ type: 'requestWindow', requestId: 8, offset: '0', length: '16384', maxExtents: 10 })!);
  assert.equal(w?.type, 'window');
  assert.equal(m.answer({ type: 'refresh' }), undefined);
  assert.match(rowsToText(m.rows(0, 1)), /^#\tstart\tend \(exclusive\)\tlength\tphysical\tflags\n1\t0\t4096\t4096\t1000\t\n$/);
});

test('export: JSON and CSV exact, above 2^53, chunked = whole', () => {
  const far = P53 + 1n;
  const m = new MapModel(
    mapOf(
      [ext(0n, 4096n, ['shared'], 12345n), { offset: far, length: 4096n, physical: null, flags: ['unwritten', 'last'], refcount: 3 }],
      far + 4096n,
    ),
    vol,
  );
  const json = m.exportText('json');
  const doc = JSON.parse(json);
  assert.equal(doc.size, (far + 4096n).toString());
  assert.equal(doc.filesystem, 'xfs');
  assert.deepEqual(doc.extents[1], {
    index: 2,
    offset: '9007199254740993',
    end: '9007199254745089',
    length: '4096',
    physical: null,
    flags: ['last', 'unwritten'],
    refcount: 3,
  });
  assert.deepEqual(doc.extents[0], { index: 1, offset: '0', end: '4096', length: '4096', physical: '12345', flags: ['shared'] });
  const csv = m.exportText('csv');
  assert.equal(
    csv,
    'index,offset,end,length,physical,flags,refcount\n1,0,4096,4096,12345,shared,\n2,9007199254740993,9007199254745089,4096,,last|unwritten,3\n',
  );
  assert.equal([...m.exportCsvChunks({ batch: 1 })].join(''), csv);
  assert.equal([...m.exportJsonChunks({ batch: 1 })].join(''), json);
});

test('a million extents: build, window, overview and rows (times logged; speed is measured in bench/)', () => {
  const n = 1_000_000;
  const extents: Extent[] = new Array(n);
  for (let i = 0; i < n; i++) extents[i] = ext(P53 + BigInt(i) * 8192n, 4096n, i % 3 === 0 ? ['shared'] : []);
  const size = P53 + BigInt(n) * 8192n;
  let t = performance.now();
  const m = new MapModel(mapOf(extents, size));
  const build = performance.now() - t;
  t = performance.now();
  const ov = m.overview(2048);
  const overview = performance.now() - t;
  t = performance.now();
  const mid = m.window(P53 + 8192n * 488_281n, 8192n * 100n, 4000);
  const rows = m.rows(999_990, 100);
  const small = performance.now() - t;
  assert.equal(ov.binCount, 2048);
  assert.equal(mid.extentCount, 100);
  assert.equal(rows.length, 10);
  assert.equal(rows[9].offset, (P53 + 999_999n * 8192n).toString());
  console.log(`1M extents: build ${build.toFixed(0)} ms, overview ${overview.toFixed(0)} ms, window+rows ${small.toFixed(2)} ms`);
});

test('property: the packed class of every extent equals classOf(flags, refcount)', async () => {
  const { classOf } = await import('../../src/protocol/extent-class');
  const allFlags: Extent['flags'] = [
    'last',
    'unknown',
    'delalloc',
    'encoded',
    'encrypted',
    'not-aligned',
    'inline',
    'tail',
    'unwritten',
    'merged',
    'shared',
  ];
  fc.assert(
    fc.property(fc.subarray(allFlags), fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), (flags, refcount) => {
      const e: Extent = { offset: 0n, length: 4096n, physical: null, flags };
      if (refcount !== undefined) e.refcount = refcount;
      const m = new MapModel(mapOf([e], 4096n));
      const w = m.window(0n, 4096n, 0, 1);
      const c = EXTENT_CLASSES.indexOf(classOf(flags, refcount));
      assert.equal(w.bins![c], 1, `${flags.join(',')} refcount ${refcount}`);
      const s = m.summary();
      assert.equal(s.sharedBytes, flags.includes('shared') || (refcount ?? 0) > 1 ? '4096' : '0');
      assert.equal(s.unwrittenBytes, flags.includes('unwritten') ? '4096' : '0');
    }),
    { numRuns: 300 },
  );
});

test('property: bins per class match a naive bigint computation (scan and prefix-sum paths)', () => {
  const NC = EXTENT_CLASSES.length;
  const flagsFor: Extent['flags'][] = [[], ['shared'], ['unwritten'], ['delalloc'], ['inline'], ['encoded']];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 1n << 14n }), fc.bigInt({ min: 1n, max: 1n << 14n }), fc.integer({ min: 0, max: 5 })), {
        minLength: 1,
        maxLength: 400,
      }),
      fc.bigInt({ min: 0n, max: 1n << 62n }),
      fc.integer({ min: 1, max: 40 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      (specs, base, bins, startFrac, lenFrac) => {
        const extents: Extent[] = [];
        let pos = base;
        for (const [gap, len, k] of specs) {
          pos += gap;
          extents.push(ext(pos, len, flagsFor[k]));
          pos += len;
        }
        const m = new MapModel(mapOf(extents, pos));
        const span = pos - base;
        const W = base + BigInt(Math.floor(Number(span) * startFrac * 0.9));
        let L = BigInt(Math.floor(Number(span) * lenFrac));
        if (L < BigInt(bins)) L = BigInt(bins);
        const w = m.window(W, L, 0, bins); // maxExtents 0: binned unless nothing intersects
        if (!w.bins) {
          assert.equal(w.extentCount, 0);
          return;
        }
        // naive: exact bytes per class per bin with integer boundaries, in bigint
        for (let j = 0; j < bins; j++) {
          const a = W + (L * BigInt(j)) / BigInt(bins);
          const b = W + (L * BigInt(j + 1)) / BigInt(bins);
          const bytes = new Array<bigint>(NC).fill(0n);
          for (let i = 0; i < extents.length; i++) {
            const s = extents[i].offset > a ? extents[i].offset : a;
            const e = extents[i].offset + extents[i].length < b ? extents[i].offset + extents[i].length : b;
            if (e > s)
              bytes[
                EXTENT_CLASSES.indexOf(
                  ['data', 'shared', 'unwritten', 'delalloc', 'inline', 'encoded'][specs[i][2]] as (typeof EXTENT_CLASSES)[number],
                )
              ] += e - s;
          }
          for (let c = 0; c < NC; c++) {
            const want = b > a ? Number(bytes[c]) / Number(b - a) : 0;
            const got = w.bins![j * NC + c];
            // the scan path uses fractional bin edges: allow one byte per edge, plus rounding
            const tol = 2 / Number(b - a) + 1e-4;
            assert.ok(
              Math.abs(got - want) <= tol,
              `bin ${j} class ${EXTENT_CLASSES[c]}: ${got} vs ${want} (extents ${extents.length}, bins ${bins})`,
            );
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

// ---- the packed path (engine.mapPacked -> MapModel.fromPacked) -------------------------------

function packedOf(extents: Extent[], size: bigint): PackedMapInput {
  const { extents: _e, ...rest } = mapOf(extents, size);
  return { ...rest, packed: packExtents(extents) };
}

/** Everything a model shows, for comparing two models built from the same extents. */
function observe(m: MapModel): unknown {
  const span = m.fullSpan();
  return {
    summary: m.summary(),
    count: m.count,
    span: span.toString(),
    rows: m.rows(0, m.count),
    overview: m.overview(64),
    exact: m.window(0n, span, 1_000_000),
    binned: m.window(span / 3n, span / 2n + 1n, 0, 32),
    json: m.exportText('json'),
    csv: m.exportText('csv'),
  };
}

test('fromPacked: the same model as from Extent objects (flags, unknown physical, above 2^63, EOF)', () => {
  const top = 1n << 63n;
  const extents: Extent[] = [
    ext(0n, 4096n),
    ext(8192n, 4096n, ['shared']),
    ext(16384n, 8192n, ['unwritten', 'last'], null),
    ext(P53 + 1n, 4095n, ['delalloc', 'unknown'], null),
    ext(top - 4096n, 8192n, ['encoded'], (1n << 62n) + 3n), // crosses 2^63: negative as int64
    ext(top + 8192n, 1n << 40n, ['inline', 'not-aligned', 'last'], 12345n), // straddles EOF
  ];
  const size = top + 8192n + 4096n;
  const a = new MapModel(mapOf(extents, size), vol);
  const b = MapModel.fromPacked(packedOf(extents, size), vol);
  assert.deepEqual(observe(b), observe(a));
  assert.equal(b.summary().unwrittenBytes, '8192');
  assert.equal(b.summary().sharedBytes, '4096');
  assert.equal(b.extentAt(3).physical, null);
  assert.equal(b.endAt(5), top + 8192n + (1n << 40n));
});

test('fromPacked: an unsorted packed map is sorted like Extent objects', () => {
  const extents = [ext(65536n, 4096n), ext(0n, 4096n, ['shared']), ext(8192n, 4096n)];
  const a = new MapModel(mapOf(extents, 1n << 20n));
  const b = MapModel.fromPacked(packedOf(extents, 1n << 20n));
  assert.deepEqual(observe(b), observe(a));
  assert.equal(b.offsetAt(0), 0n);
});

test('property: fromPacked equals the Extent-object model', () => {
  const flagSets: Extent['flags'][] = [
    [],
    ['shared'],
    ['unwritten'],
    ['last'],
    ['delalloc', 'unknown'],
    ['shared', 'unwritten', 'last'],
    ['inline', 'tail', 'not-aligned'],
  ];
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.bigInt({ min: 0n, max: 1n << 34n }), fc.bigInt({ min: 1n, max: 1n << 33n }), fc.nat(flagSets.length - 1), fc.boolean()),
        { maxLength: 40 },
      ),
      fc.bigInt({ min: 0n, max: (1n << 63n) + (1n << 62n) }),
      fc.bigInt({ min: -(1n << 30n), max: 1n << 30n }),
      (parts, base, sizeDelta) => {
        const extents: Extent[] = [];
        let pos = base;
        for (const [gap, len, f, known] of parts) {
          pos += gap;
          // the packed form holds physical offsets below 2^63 (a negative int64 means unknown)
          extents.push(ext(pos, len, flagSets[f], known ? (pos * 3n + 7n) % (1n << 63n) : null));
          pos += len;
        }
        const size = pos + sizeDelta > 0n ? pos + sizeDelta : 0n;
        assert.deepEqual(observe(MapModel.fromPacked(packedOf(extents, size), vol)), observe(new MapModel(mapOf(extents, size), vol)));
      },
    ),
    { numRuns: 150 },
  );
});

test('a million packed extents: fromPacked is exact (time logged)', () => {
  const n = 1_000_000;
  const offset = new BigInt64Array(n);
  const length = new BigInt64Array(n);
  const physical = new BigInt64Array(n);
  const flags = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    offset[i] = P53 + BigInt(i) * 8192n;
    length[i] = 4096n;
    physical[i] = i % 2 === 0 ? -1n : BigInt(i) * 4096n;
    flags[i] = i % 3 === 0 ? EXTENT_FLAG.SHARED : EXTENT_FLAG.UNWRITTEN;
  }
  const size = P53 + BigInt(n) * 8192n;
  const t = performance.now();
  const m = MapModel.fromPacked({ ...mapOf([], size), packed: { count: n, offset, length, physical, flags } });
  const build = performance.now() - t;
  const s = m.summary();
  assert.equal(s.extentCount, n);
  assert.equal(s.allocated, (4096n * BigInt(n)).toString());
  assert.equal(s.sharedBytes, (4096n * 333_334n).toString());
  assert.equal(s.unwrittenBytes, (4096n * 666_666n).toString());
  assert.equal(m.rows(999_999, 1)[0].offset, (P53 + 999_999n * 8192n).toString());
  assert.equal(m.rows(999_999, 1)[0].physical, (999_999n * 4096n).toString());
  assert.equal(m.rows(999_998, 1)[0].physical, null);
  console.log(`1M packed extents: fromPacked ${build.toFixed(0)} ms`);
});

test('summary: an SMB file not marked sparse (one range, holes and all): allocated and holes from its allocation size', () => {
  const size = (1n << 60n) + 8192n; // exact far above 2^53
  const held = (1n << 54n) + 4096n;
  const m = new MapModel({
    ...mapOf([{ offset: 0n, length: size, physical: null, flags: ['last'] }], size),
    source: 'allocated-ranges',
    allocationSize: held,
    notes: ['not marked sparse'],
  });
  const s = m.summary();
  assert.equal(s.allocated, held.toString(), 'what the server holds, not the range');
  assert.equal(s.sparseRatio, Number(((size - held) * 1_000_000n) / size) / 1_000_000);
  assert.deepEqual(s.notes, ['not marked sparse']);
  assert.equal(m.allocatedTotal, size, 'the map itself still shows the range the server gave');
});
