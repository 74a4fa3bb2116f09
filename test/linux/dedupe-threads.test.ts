// engine.dedupe's threads and the kernel's per-call limits, on loop-mounted btrfs and XFS
// (reflink=1): a large selection is hashed and shared on several threads with the same groups
// and results, and cancel there leaves every file intact; a batch cut by a cancel hands back
// its counts; a 40 MiB range goes in 16 MiB calls with three destinations each; a copy changed
// after the search is shared up to the change and the rest is named.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, FsctlError } from '../../src/engine';
import { applyBatch } from '../../src/engine/dedupe-apply';
import { SharedFlagContext } from '../../src/engine/context';
import { localBackend } from '../../src/engine/select-backend';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import { freshDir } from '../support/loopfs';
import {
  KiB,
  MiB,
  sha,
  shas,
  frags,
  applyCancelledAtOnce,
  freeAfterSync,
  freedMatches,
  onReflinkFileSystems,
} from '../support/dedupe-files';

onReflinkFileSystems((kind, t) => {
  test('a large selection is hashed and shared on several threads: the same groups; cancel ends them', async () => {
    // 192 MiB of data: above POOL_MIN_BYTES (64 MiB), so the hashing runs in dedupe-pool.ts's threads
    // (and the calling thread) when the machine has more than one core; and enough that the
    // hashing (~2 GB/s per core with xxHash128) outlasts the round trip of the cancel below.
    const d = freshDir(t, 'pool');
    for (let i = 0; i < 48; i++) {
      const b = randomBytes(2 * MiB);
      fs.writeFileSync(path.join(d, `p${i}`), b);
      fs.writeFileSync(path.join(d, `q${i}`), b);
    }
    execFileSync('sync');
    const engine = createEngine({ worker: true });
    try {
      const seen: Array<{ done: bigint; total: bigint }> = [];
      const plan = await engine.findDuplicates([d], { onProgress: (p) => void seen.push({ done: p.done, total: p.total }) });
      assert.equal(plan.total.hashedBytes, BigInt(192 * MiB));
      // the threads' bytes as they read them (dedupe-pool-progress.test.ts): never counted twice, never going back
      assert.ok(
        seen.every((p, i) => p.done <= p.total && (i === 0 || p.done >= seen[i - 1].done)),
        JSON.stringify(seen, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
      );
      assert.equal(plan.groups.length, 48);
      assert.ok(plan.groups.every((g) => g.wholeFiles && g.ranges.length === 2 && g.netSaving === BigInt(2 * MiB)));
      for (const g of plan.groups) assert.equal(path.basename(g.ranges[0].path).slice(1), path.basename(g.ranges[1].path).slice(1));
      const c = new AbortController();
      await assert.rejects(
        engine.findDuplicates([d], { signal: c.signal, onProgress: (p) => p.done > 0n && c.abort() }),
        (e: FsctlError) => e.code === 'E_CANCELLED',
      );
      const before = shas(d);
      // The apply of 96 MiB is shared out too (above POOL_MIN_BYTES): cancelled at its first
      // progress event, every file reads as before, and the threads' counts come back whole:
      // what it says it shared is what a new search finds shared.
      const cut = await applyCancelledAtOnce(engine, plan, d, before, t.mountPoint);
      const now = await engine.findDuplicates([d]);
      const sharedNow = now.groups.reduce((n, g) => n + g.length * BigInt(g.ranges.filter((x) => x.alreadyShared).length), 0n);
      assert.ok(cut.deduped > 0n, 'some groups were shared before the cancel was seen');
      assert.equal(cut.deduped, sharedNow);
      assert.equal(cut.calls, Number(sharedNow / BigInt(2 * MiB)), 'one call per group of 2 MiB');
      // A group whose source is gone since the search: its destination is reported, the other
      // groups are shared (one failed call does not end the apply).
      fs.unlinkSync(path.join(d, 'p0'));
      const r = await engine.dedupe(plan);
      const gone = r.skipped.filter((x) => x.reason === 'ENOENT');
      assert.deepEqual(
        gone.map((x) => path.basename(x.path)),
        ['q0'],
        r.skipped.map((x) => `${x.path} ${x.reason}`).join(', '),
      );
      assert.match(gone[0].message, /p0/);
      // the rest: shared now or by the cancelled run, never counted twice
      assert.equal(r.deduped + r.alreadyShared, BigInt(47 * 2 * MiB));
      before.delete('p0');
      assert.deepEqual(shas(d), before);
      const q = frags(path.join(d, 'q1'));
      assert.ok(q.length > 0 && q.every((e) => e.flags.includes('shared')), JSON.stringify(q));
    } finally {
      await engine.dispose();
    }
  });

  test("a batch cut by a cancel hands back the outcomes so far (a pool thread's: the report counts every call)", async () => {
    const d = freshDir(t, 'batch-cut');
    for (let i = 0; i < 4; i++) {
      const b = randomBytes(256 * KiB);
      fs.writeFileSync(path.join(d, `p${i}`), b);
      fs.writeFileSync(path.join(d, `q${i}`), b);
    }
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    await engine.dispose();
    assert.equal(plan.groups.length, 4);
    // The cancel arrives during the second group's call (as the pool's stop flag would).
    const flag = new SharedArrayBuffer(4);
    const local = localBackend() as ExtendedBackend;
    let calls = 0;
    const stopping: ExtendedBackend = Object.assign(Object.create(local) as ExtendedBackend, {
      dedupeRange: async (...a: Parameters<NonNullable<ExtendedBackend['dedupeRange']>>) => {
        const out = await local.dedupeRange!(...a);
        if (++calls === 2) Atomics.store(new Int32Array(flag), 0, 1);
        return out;
      },
    });
    const out = await applyBatch(plan.groups, new SharedFlagContext('dedupe', [], flag), () => stopping as never);
    assert.equal(out.length, 3, 'two groups done, the third cut before its call');
    assert.deepEqual(
      out.map((x) => [x.calls, x.deduped, x.cut === true]),
      [
        [1, BigInt(256 * KiB), false],
        [1, BigInt(256 * KiB), false],
        [0, 0n, true],
      ],
    );
    fs.rmSync(d, { recursive: true });
  });

  test('a 40 MiB range goes in 16 MiB calls, three destinations in each; a cancel between them counts the calls made', async () => {
    const d = freshDir(t, 'long');
    const big = randomBytes(40 * MiB);
    for (const n of ['m', 'n', 'o', 'p']) fs.writeFileSync(path.join(d, n), big);
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 1);
    assert.equal(plan.groups[0].netSaving, BigInt(3 * 40 * MiB));
    // Cancelled after the first call: one group, cut short, and what it already shared is said.
    const free0 = freeAfterSync(t.mountPoint);
    const c = new AbortController();
    const cut = await engine.dedupe(plan, { signal: c.signal, onProgress: () => c.abort() });
    assert.deepEqual(cut.cancelled, { groupsDone: 0, groups: 1, countsAtLeast: false });
    assert.equal(cut.calls, 1);
    assert.equal(cut.deduped, BigInt(3 * 16 * MiB));
    const free1 = freeAfterSync(t.mountPoint);
    assert.equal(cut.freed, free1 - free0, 'measured after a cancel too');
    const r = await engine.dedupe(plan);
    const free2 = freeAfterSync(t.mountPoint);
    assert.equal(r.freed, free2 - free1, 'the report says what statfs says');
    // the whole range again (the first 16 MiB are the source's already: the kernel says them
    // deduped too, the report says them shared before)
    assert.equal(r.calls, 3, '16 + 16 + 8 MiB, each call naming the three destinations');
    assert.equal(r.deduped, BigInt(3 * 24 * MiB));
    assert.equal(r.alreadyShared, BigInt(3 * 16 * MiB));
    freedMatches(kind, free2 - free0, r.estimated); // the two runs together
    const want = createHash('sha256').update(big).digest('hex');
    for (const n of ['m', 'n', 'o', 'p']) assert.equal(sha(path.join(d, n)), want);
    fs.rmSync(d, { recursive: true });
  });

  test('copies changed after the search: the pieces that differ are left alone and named, the others shared', async () => {
    // 40 MiB in calls of 16 MiB: [0, 16), [16, 32), [32, 40). One copy changed at 20 MiB (the
    // second call differs, the third still shares); another at 20 and 36 MiB (the second and
    // third differ: named as one range). A trial found the rest of a range left alone after the
    // first piece that differed (124 MiB of identical data never tried).
    const d = freshDir(t, 'changed-late');
    const big = randomBytes(40 * MiB);
    for (const n of ['m', 'n', 'o']) fs.writeFileSync(path.join(d, n), big);
    execFileSync('sync');
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      const [, one, two] = plan.groups[0].ranges.map((r) => r.path);
      const change = (p: string, at: number[]): Buffer => {
        const fd = fs.openSync(p, 'r+');
        for (const a of at) fs.writeSync(fd, Buffer.from('changed'), 0, 7, a);
        fs.closeSync(fd);
        return fs.readFileSync(p);
      };
      const oneNow = change(one, [20 * MiB]);
      const twoNow = change(two, [20 * MiB, 36 * MiB]);
      execFileSync('sync');
      const r = await engine.dedupe(plan);
      assert.equal(r.deduped, BigInt(24 * MiB + 16 * MiB));
      assert.equal(r.differed, 2);
      assert.deepEqual(
        r.skipped.map((k) => [k.path, k.reason, k.offset, k.length]),
        [
          [one, 'differs', BigInt(16 * MiB), BigInt(16 * MiB)],
          [two, 'differs', BigInt(16 * MiB), BigInt(24 * MiB)],
        ],
        'the pieces left alone, not the rest of the range',
      );
      assert.match(r.skipped[0].message, new RegExp(`at ${16 * MiB} \\(${16 * MiB} bytes\\): the bytes differ`));
      assert.match(r.skipped[1].message, new RegExp(`at ${16 * MiB} \\(${24 * MiB} bytes\\): the bytes differ`));
      assert.ok(fs.readFileSync(one).equals(oneNow) && fs.readFileSync(two).equals(twoNow), 'the changed copies read as they were written');
      // the pieces that were the same now share the source's blocks
      const shared = (p: string): number =>
        frags(p)
          .filter((e) => /shared/.test(e.flags))
          .reduce((n, e) => n + e.length, 0) * 4096;
      assert.equal(shared(one), 24 * MiB);
      assert.equal(shared(two), 16 * MiB);
    } finally {
      await engine.dispose();
    }
  });
});
