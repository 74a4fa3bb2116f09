// Bounded map reads (engine.mapPacked with maxExtents), byte progress, and the worker lanes
// that keep bounded reads from waiting behind a long one. This is what the inspector uses to
// show the visible part of a huge file before (or instead of) reading every extent. On real
// XFS and tmpfs (the SEEK_DATA fallback) images.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createEngine, EXTENT_FLAG, type PackedExtentMap } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { preallocateMany } from '../support/xfs-fixture';
import { writeSparse } from '../support/sparse-files';

const KiB = 1024n;

function rows(m: PackedExtentMap, from = 0, to = m.packed.count): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${m.packed.offset[i]}+${m.packed.length[i]}:${m.packed.flags[i] & ~EXTENT_FLAG.LAST}`);
  return out;
}

describe('bounded map reads on xfs', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  let file: string;
  const N = 10_000; // 3 FIEMAP pages of 4096
  before(() => {
    xfs = makeFs('xfs', 400);
    file = path.join(freshDir(xfs, 'limit'), 'prealloc.bin');
    preallocateMany(file, N, 4096, 8192);
  });
  after(() => xfs?.cleanup());
  const engine = createEngine();

  test('maxExtents: the first n extents exactly, and truncatedAt where the exact part ends', async () => {
    const full = await engine.mapPacked(file);
    assert.equal(full.packed.count, N);
    assert.equal(full.truncatedAt, undefined);
    for (const n of [1, 7, 4096, 5000]) {
      const part = await engine.mapPacked(file, { maxExtents: n });
      assert.equal(part.packed.count, n, `maxExtents ${n}`);
      assert.deepEqual(rows(part), rows(full, 0, n));
      assert.equal(part.truncatedAt, BigInt(n - 1) * 8192n + 4096n, 'the end of the last extent read');
      // a bounded read asks the kernel for no more than it needs
      assert.ok(part.calls <= Math.ceil(n / 4096) + 1, `${part.calls} calls for ${n} extents`);
    }
    const all = await engine.mapPacked(file, { maxExtents: N });
    assert.equal(all.packed.count, N);
    const more = await engine.mapPacked(file, { maxExtents: N + 1 });
    assert.equal(more.truncatedAt, undefined, 'a limit above the count reads everything');
    assert.deepEqual(rows(more), rows(full));
  });

  test('maxExtents with a window: the window is clipped first, the limit counts from its start', async () => {
    const offset = 1000n * 8192n + 2048n; // inside extent 1000
    const length = 50n * 8192n;
    const win = await engine.mapPacked(file, { window: { offset, length } });
    const part = await engine.mapPacked(file, { window: { offset, length }, maxExtents: 10 });
    assert.equal(part.packed.count, 10);
    assert.deepEqual(rows(part), rows(win, 0, 10));
    assert.equal(part.packed.offset[0], offset, 'clipped to the window start');
    assert.equal(part.truncatedAt, 1009n * 8192n + 4096n);
    const whole = await engine.mapPacked(file, { window: { offset, length }, maxExtents: 1000 });
    assert.equal(whole.truncatedAt, undefined);
    assert.deepEqual(rows(whole), rows(win));
  });

  test('mapWindows: many bounded windows in one request, each as mapPacked gives it', async () => {
    const windows = [0n, 100n, 4095n, 9990n].map((i) => ({ offset: i * 8192n + 100n, length: 40n * 8192n }));
    const many = await engine.mapWindows(file, windows, { maxExtents: 5 });
    assert.equal(many.length, windows.length);
    for (let k = 0; k < windows.length; k++) {
      const one = await engine.mapPacked(file, { window: windows[k], maxExtents: 5 });
      assert.deepEqual(rows(many[k]), rows(one));
      assert.equal(many[k].truncatedAt, one.truncatedAt);
    }
    assert.equal(many[3].packed.count, 5, 'the last window holds 10 extents: cut at 5');
    await assert.rejects(engine.mapWindows(file, Array.from({ length: 40_000 }, () => windows[0]), { maxExtents: 1 }), (e: { code?: string }) => e.code === 'E_RANGE');
    const w = createEngine({ worker: true });
    try {
      const viaWorker = await w.mapWindows(file, windows, { maxExtents: 5 });
      assert.deepEqual(viaWorker.map((m) => rows(m)), many.map((m) => rows(m)), 'the same through the worker (transferred)');
    } finally {
      await w.dispose();
    }
  });

  test('a window cut inside an extent does not call that extent the last one; the file\'s last keeps it', async () => {
    const cut = await engine.map(file, { window: { offset: 0n, length: 2n * 8192n + 100n } });
    assert.deepEqual(
      cut.extents.map((e) => [e.offset, e.length, e.flags.includes('last')]),
      [
        [0n, 4096n, false],
        [8192n, 4096n, false],
        [16384n, 100n, false],
      ],
    );
    const tail = await engine.map(file, { window: { offset: BigInt(N - 2) * 8192n, length: 3n * 8192n } });
    assert.deepEqual(
      tail.extents.map((e) => e.flags.includes('last')),
      [false, true],
    );
  });

  test('a bad maxExtents is refused with E_RANGE', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(engine.mapPacked(file, { maxExtents: bad }), (e: { code?: string }) => e.code === 'E_RANGE', String(bad));
    }
  });

  test('progress counts bytes of the file walked, up to the file size', async () => {
    const events: { done: bigint; total: bigint }[] = [];
    const m = await engine.mapPacked(file, { onProgress: (p) => events.push({ done: p.done, total: p.total }) });
    assert.ok(events.length >= 1, 'an event between pages');
    let last = -1n;
    for (const e of events) {
      assert.equal(e.total, m.size);
      assert.ok(e.done > last && e.done <= e.total, `${e.done} of ${e.total}`);
      last = e.done;
    }
  });

  test('worker lanes: a bounded read is answered while full reads keep the main worker busy', async () => {
    const w = createEngine({ worker: true });
    try {
      await w.volume(file); // start the quick lane's thread
      await w.mapPacked(file, { maxExtents: 1 });
      let fullDone = 0;
      const fulls = Array.from({ length: 8 }, () => w.mapPacked(file).then(() => fullDone++));
      const quick = await w.mapPacked(file, { maxExtents: 16, window: { offset: 5000n * 8192n, length: 100n * 8192n } });
      assert.equal(quick.packed.count, 16);
      assert.ok(fullDone < 8, `the bounded read came back after all ${fullDone} full reads: it waited behind them`);
      await Promise.all(fulls);
    } finally {
      await w.dispose();
    }
  });
});

describe('bounded map reads on tmpfs (SEEK_DATA fallback)', { skip: skipReason('tmpfs') }, () => {
  let tmp: TestFs;
  before(() => {
    tmp = makeFs('tmpfs');
  });
  after(() => tmp?.cleanup());

  test('maxExtents trims the data ranges and marks truncatedAt', async () => {
    const f = path.join(freshDir(tmp, 'seek'), 'sparse.bin');
    const pieces = Array.from({ length: 20 }, (_, i) => ({ offset: BigInt(i) * 64n * KiB, length: 4096 }));
    writeSparse(f, 20n * 64n * KiB, pieces);
    const engine = createEngine();
    const full = await engine.mapPacked(f);
    assert.equal(full.source, 'seek');
    assert.equal(full.packed.count, 20);
    const part = await engine.mapPacked(f, { maxExtents: 5 });
    assert.equal(part.packed.count, 5);
    assert.deepEqual(rows(part), rows(full, 0, 5));
    assert.equal(part.truncatedAt, 4n * 64n * KiB + 4096n);
  });
});
