// The inspector's view of a huge file from bounded reads (src/views/map-sampler.ts), against
// the exact map of the same file read in full, on a real XFS image through the real engine.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { MapModel } from '../../src/views/map-model';
import { sampleWindow, type BoundedReads } from '../../src/views/map-sampler';
import { EXTENT_CLASSES } from '../../src/protocol/messages';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { preallocateMany, xfsIo } from '../support/xfs-fixture';

const NC = EXTENT_CLASSES.length;
const DATA = EXTENT_CLASSES.indexOf('data');
const UNWRITTEN = EXTENT_CLASSES.indexOf('unwritten');
const MiB = 1024n * 1024n;

describe('map sampler on xfs', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  let file: string;
  let size: bigint;
  const engine = createEngine();
  const queries: Array<{ windows: number; maxExtents: number }> = [];
  const query: BoundedReads = {
    window: (offset, length, maxExtents) => {
      queries.push({ windows: 1, maxExtents });
      return engine.mapPacked(file, { window: { offset, length }, maxExtents });
    },
    windows: (windows, maxExtents) => {
      queries.push({ windows: windows.length, maxExtents });
      return engine.mapWindows(file, windows, { maxExtents });
    },
  };

  before(() => {
    xfs = makeFs('xfs', 400);
    file = path.join(freshDir(xfs, 'sampler'), 'mixed.bin');
    // First 80 MiB: 10,000 unwritten 4 KiB extents, one every 8 KiB. Then 64 MiB of data in
    // one go, then a 64 MiB hole to the end.
    preallocateMany(file, 10_000, 4096, 8192);
    // (The size is set first: a write that extends the file would get speculative
    // preallocation past it, which the later size change would turn into unwritten extents.)
    xfsIo(file, `truncate ${208n * MiB}`, `pwrite -q -S 0x5a -b 4m ${80n * MiB} ${64n * MiB}`, 'fsync');
    size = 208n * MiB;
  });
  after(() => xfs?.cleanup());

  test('a window that fits one bounded read is exact: the same as the full model, without row numbers', async () => {
    const full = MapModel.fromPacked(await engine.mapPacked(file));
    const offset = 10n * MiB + 123n;
    const length = 2n * MiB;
    const w = await sampleWindow(query, offset, length, { exactBudget: 1000, binCount: 500, maxSampleBins: 64, perBin: 8 });
    const exact = full.window(offset, length, 1000, 500);
    assert.equal(w.sampled, undefined);
    // A windowed read clips the first and last extents to the window (physical moved along).
    const clipped = exact.extents!.map(({ index: _i, ...e }) => {
      const o = BigInt(e.offset);
      const end = o + BigInt(e.length);
      const from = o > offset ? o : offset;
      const to = end < offset + length ? end : offset + length;
      return { ...e, offset: String(from), length: String(to - from), physical: e.physical === null ? null : String(BigInt(e.physical) + (from - o)) };
    });
    assert.deepEqual(w.extents, clipped);
  });

  test('a window too big for one read: exact bins up to where it stopped, estimates after, fewer extents read', async () => {
    const full = MapModel.fromPacked(await engine.mapPacked(file));
    queries.length = 0;
    const bins = 104; // 2 MiB per bin
    const w = await sampleWindow(query, 0n, size, { exactBudget: 2000, binCount: bins, maxSampleBins: 512, perBin: 16 });
    const exact = full.window(0n, size, 0, bins);
    assert.equal(w.sampled, true);
    assert.equal(w.binCount, bins);
    assert.ok(w.extentCount >= 2000 && w.extentCount < full.count, `read ${w.extentCount} of ${full.count}`);
    // The first read stopped at extent 2000 (16,000 KiB, within bin 7): bins 0-6 come from it.
    for (let i = 0; i < 7; i++) for (let c = 0; c < NC; c++) assert.equal(w.bins![i * NC + c], exact.bins![i * NC + c], `bin ${i} class ${c}`);
    for (let i = 0; i < bins; i++) {
      const binStart = (size * BigInt(i)) / BigInt(bins);
      const binEnd = (size * BigInt(i + 1)) / BigInt(bins);
      const u = w.bins![i * NC + UNWRITTEN];
      const d = w.bins![i * NC + DATA];
      if (binEnd <= 10_000n * 8192n) assert.ok(Math.abs(u - 0.5) < 0.02 && d === 0, `bin ${i}: half unwritten (sampled ${u})`);
      else if (binStart >= 80n * MiB && binEnd <= 144n * MiB) assert.ok(d === 1 && u === 0, `bin ${i}: all data (${d})`);
      else if (binStart >= 144n * MiB) assert.ok(d === 0 && u === 0, `bin ${i}: a hole`);
    }
    // One bounded read, then one request for the bins after it, at most 16 extents each.
    assert.deepEqual(queries, [
      { windows: 1, maxExtents: 2000 },
      { windows: bins - 7, maxExtents: 16 },
    ]);
  });
});
