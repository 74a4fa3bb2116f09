// MapModel from the engine's packed maps (src/views/map-model.ts fromPacked): the same model as
// from Extent objects (flags, unknown physical offsets, above 2^63, EOF, unsorted input), the
// class of every extent, bins per class against a naive bigint computation (the scan and the
// prefix-sum paths), a million packed extents, and an SMB file's summary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Extent } from '../../src/engine/types';
import { MapModel, type PackedMapInput } from '../../src/views/map-model';
import { EXTENT_FLAG, packExtents } from '../../src/engine/map-format';
import { EXTENT_CLASSES } from '../../src/protocol/messages';
import { P53, ext, mapOf, vol } from './map-model-fixtures';

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
    json: [...m.exportJsonChunks()].join(''),
    csv: [...m.exportCsvChunks()].join(''),
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
