// MapModel (src/views/map-model.ts, with map-columns, map-bins and map-export): summary, windows,
// bins, rows and exports, checked against naive bigint computations over the same extents,
// including offsets above 2^53. The packed form and per-class bins: map-model-packed.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Extent } from '../../src/engine/types';
import { MapModel } from '../../src/views/map-model';
import { rowsToText } from '../../src/views/map-export';
import { EXTENT_CLASSES, parseWebviewMessage } from '../../src/protocol/messages';
import { parseHostMessage } from '../../src/protocol/host-message-check';
import { P53, ext, mapOf, vol } from './map-model-fixtures';

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

test('summary: encoded (compressed) extents are counted before compression, and a note says so', () => {
  // btrfs compression: FIEMAP flags the extents encoded and gives their length before compression
  const m = new MapModel(
    mapOf([ext(0n, 131072n, ['encoded']), ext(131072n, 4096n), ext(262144n, 131072n, ['encoded', 'last'])], 393216n),
    vol,
  );
  const s = m.summary();
  assert.equal(s.allocated, '266240', 'allocated counts the encoded extents at their FIEMAP (uncompressed) length');
  assert.deepEqual(s.notes, [
    '262144 bytes in 2 extents are encoded (compressed): sizes here are before compression, so on disk they may take less; FIEMAP does not report how much.',
  ]);
  assert.ok(parseHostMessage({ type: 'summary', summary: s }), 'the note passes the webview-side validator');
  // the engine's own notes come first; a map with no encoded extent gets no note
  const withNote = new MapModel({ ...mapOf([ext(0n, 4096n, ['encoded', 'last'])], 4096n), notes: ['tmpfs note.'] });
  assert.deepEqual(withNote.summary().notes?.[0], 'tmpfs note.');
  assert.match(withNote.summary().notes?.[1] ?? '', /^4096 bytes in 1 extent are encoded/);
  assert.equal(new MapModel(mapOf([ext(0n, 4096n, ['last'])], 4096n)).summary().notes, undefined);
});

test('summary: a file whose every extent is inline (btrfs, a small file) says so; any other extent does not', () => {
  const inline = new MapModel(mapOf([ext(0n, 4096n, ['last', 'not-aligned', 'inline'], null)], 6n));
  assert.equal(inline.summary().inline, true);
  assert.ok(parseHostMessage({ type: 'summary', summary: inline.summary() }), 'inline passes the webview-side validator');
  assert.equal(new MapModel(mapOf([ext(0n, 4096n, ['last'])], 6n)).summary().inline, undefined);
  assert.equal(new MapModel(mapOf([], 0n)).summary().inline, undefined, 'no extents: nothing is inline');
  assert.equal(new MapModel(mapOf([ext(0n, 4096n, ['inline']), ext(4096n, 4096n, ['last'])], 8192n)).summary().inline, undefined);
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
  const json = [...m.exportJsonChunks()].join('');
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
  const csv = [...m.exportCsvChunks()].join('');
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
