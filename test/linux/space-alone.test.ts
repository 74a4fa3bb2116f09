// engine.space with several paths: what deleting each path alone frees (SpaceResult.paths), on
// real file systems against their own accounting, one path deleted at a time on a fresh copy:
// - btrfs as root: a live subvolume (emptied at the end) and read-only snapshots day1..day4 of
//   it, files changed between days (a file each of day1 and day2 alone, partly rewritten ones:
//   btrfs frees an extent only whole), and in day3 two files reflinked to each other that no other day holds (FIEMAP
//   calls them shared, so their exclusive is 0; deleting day3 frees them): each day's figure is
//   exact and equal to what `btrfs subvolume delete` of that day alone frees (Data used, after
//   `btrfs subvolume sync`); a file with hard links under two paths is freed by neither alone;
// - XFS with rmapbt as root: day folders made with cp --reflink=always, the same changes: each
//   day's figure is exact and equal to what statfs shows freed after removing that day's files;
//   without rmapbt, bounds (the exclusive bytes to the day's unique bytes) that hold it, and with
//   the exact scan each day's figure exact and equal to it.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type SpaceResult } from '../../src/engine';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { btrfsDataUsed, MiB, overwrite, randomFile, settledFree, spaceOf } from '../support/space-files';

const DAYS = ['day1', 'day2', 'day3', 'day4'];

/** The live data as it is on each day; `snap(day)` keeps a copy of it under that name. */
function makeDays(live: string, snap: (day: string) => void): void {
  randomFile(path.join(live, 'base'), 4 * MiB);
  randomFile(path.join(live, 'big'), 2 * MiB);
  randomFile(path.join(live, 'only1'), 640 * 1024);
  execFileSync('sync');
  snap('day1');
  fs.rmSync(path.join(live, 'only1'));
  overwrite(path.join(live, 'base'), 0, 512 * 1024); // day1 alone holds the first 512 KiB as it was
  randomFile(path.join(live, 'new2'), 1 * MiB); // day2 and day3
  randomFile(path.join(live, 'only2'), 384 * 1024);
  execFileSync('sync');
  snap('day2');
  fs.rmSync(path.join(live, 'only2'));
  randomFile(path.join(live, 'x'), 1 * MiB);
  execFileSync('cp', ['--reflink=always', path.join(live, 'x'), path.join(live, 'y')]); // shared inside day3 only
  execFileSync('sync');
  snap('day3');
  for (const f of ['x', 'y', 'new2']) fs.rmSync(path.join(live, f));
  overwrite(path.join(live, 'big'), 256 * 1024, 256 * 1024);
  randomFile(path.join(live, 'new4'), 768 * 1024);
  execFileSync('sync');
  snap('day4');
  for (const f of fs.readdirSync(live)) fs.rmSync(path.join(live, f)); // the days alone hold the data
}

function checkSums(r: SpaceResult, days: string[]): void {
  assert.deepEqual(r.errors, []);
  assert.ok(r.paths, 'several paths: paths');
  assert.deepEqual(
    r.paths.map((p) => p.path),
    days,
  );
  for (const p of r.paths) {
    assert.equal(p.reclaimableExact, true, `${p.path}: exact (${r.fileSystems[0].notes.join(' | ')})`);
    assert.equal(p.reclaimableMax, p.reclaimable);
    assert.equal(p.reclaimableBounds, true);
  }
  // day3's two clones share only with each other: exclusive says 0 of them, deleting day3 frees them
  assert.ok(r.paths[2].reclaimable >= BigInt(MiB), `day3 frees its two clones' MiB: ${r.paths[2].reclaimable}`);
}

describe('space: what each path given frees alone, on btrfs snapshots', { skip: skipReason('btrfs') }, () => {
  const made: TestFs[] = [];
  after(() => made.forEach((t) => t.cleanup()));

  /** A fresh file system with the live subvolume and its read-only snapshots day1..day4. */
  function snapshots(): { t: TestFs; days: string[] } {
    const t = makeFs('btrfs');
    made.push(t);
    const live = path.join(t.mountPoint, 'live');
    execFileSync('btrfs', ['subvolume', 'create', live], { stdio: 'ignore' });
    makeDays(live, (day) =>
      execFileSync('btrfs', ['subvolume', 'snapshot', '-r', live, path.join(t.mountPoint, day)], { stdio: 'ignore' }),
    );
    return { t, days: DAYS.map((d) => path.join(t.mountPoint, d)) };
  }

  for (const [k, day] of DAYS.entries())
    test(`deleting ${day} alone frees what paths[${k}] says, to the byte`, async () => {
      const { t, days } = snapshots();
      const r = await spaceOf(days);
      checkSums(r, days);
      const before = btrfsDataUsed(t.mountPoint);
      execFileSync('btrfs', ['subvolume', 'delete', '--commit-after', days[k]], { stdio: 'ignore' }); // (the commit wakes the cleaner: no 30 s wait)
      execFileSync('btrfs', ['subvolume', 'sync', t.mountPoint], { stdio: 'ignore' });
      execFileSync('sync');
      const freed = before - btrfsDataUsed(t.mountPoint);
      assert.equal(freed, r.paths![k].reclaimable, `${day}: freed ${freed}, figure ${r.paths![k].reclaimable}`);
      t.cleanup();
    });

  test('a file with hard links under two of the paths: neither path alone frees it (a note says so)', async () => {
    const t = makeFs('btrfs');
    made.push(t);
    const [a, b] = ['a', 'b'].map((d) => path.join(t.mountPoint, d));
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    randomFile(path.join(a, 'linked'), 256 * 1024);
    randomFile(path.join(a, 'own'), 128 * 1024);
    fs.linkSync(path.join(a, 'linked'), path.join(b, 'linked'));
    execFileSync('sync');
    const r = await spaceOf([a, b]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.paths!.map((p) => [p.files, p.reclaimable, p.reclaimableExact]),
      [
        [2, BigInt(128 * 1024), true],
        [0, 0n, true],
      ],
    );
    assert.match(r.notes.join(' '), /One file has hard links under two of the paths given/);
    const before = btrfsDataUsed(t.mountPoint);
    for (const f of fs.readdirSync(a)) fs.rmSync(path.join(a, f));
    assert.equal(before - btrfsDataUsed(t.mountPoint), BigInt(128 * 1024));
    t.cleanup();
  });

  test('a folder given twice (as d and d/.): both entries say what deleting it frees, not 0 for the second', async () => {
    // a trial: `space B B` printed B's bounds, then "B  0 files  frees alone 0 bytes", exact
    const t = makeFs('btrfs');
    made.push(t);
    const a = path.join(t.mountPoint, 'a');
    fs.mkdirSync(a);
    randomFile(path.join(a, 'own'), 128 * 1024);
    execFileSync('sync');
    const r = await spaceOf([a, `${a}/.`]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.paths!.map((p) => [p.path, p.files, p.reclaimable, p.reclaimableMax, p.reclaimableExact]),
      [a, `${a}/.`].map((p) => [p, 1, BigInt(128 * 1024), BigInt(128 * 1024), true]),
    );
    const before = btrfsDataUsed(t.mountPoint);
    fs.rmSync(a, { recursive: true });
    execFileSync('sync');
    assert.equal(before - btrfsDataUsed(t.mountPoint), BigInt(128 * 1024));
    t.cleanup();
  });
});

describe('space: what each path given frees alone, on XFS', { skip: skipReason('xfs') }, () => {
  const made: TestFs[] = [];
  after(() => made.forEach((t) => t.cleanup()));

  /** A fresh XFS (`rmapbt` 1 or 0) with day folders, each a reflinked copy of the live folder, which is then emptied. */
  async function dayFolders(rmapbt: 0 | 1): Promise<{ t: TestFs; days: string[] }> {
    const t = makeFs('xfs', 300, { mkfsArgs: ['-q', '-f', '-m', `rmapbt=${rmapbt},reflink=1`] });
    made.push(t);
    const live = path.join(t.mountPoint, 'live');
    fs.mkdirSync(live);
    makeDays(live, (d) => execFileSync('cp', ['-a', '--reflink=always', live, path.join(t.mountPoint, d)]));
    await settledFree(t.mountPoint, ['sync']); // (XFS frees the removed live files in the background)
    return { t, days: DAYS.map((d) => path.join(t.mountPoint, d)) };
  }

  /** What statfs shows freed after removing the files of `dir` (not the folder: its own blocks are in no figure). */
  async function freedByRemoving(t: TestFs, dir: string): Promise<bigint> {
    const before = await settledFree(t.mountPoint, ['sync']);
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
    return (await settledFree(t.mountPoint, ['sync'])) - before;
  }

  for (const [k, day] of DAYS.entries())
    test(`with rmapbt: removing ${day}'s files alone frees what paths[${k}] says, to the byte`, async () => {
      const { t, days } = await dayFolders(1);
      const r = await spaceOf(days);
      checkSums(r, days);
      const freed = await freedByRemoving(t, days[k]);
      assert.equal(freed, r.paths![k].reclaimable, `${day}: freed ${freed}, figure ${r.paths![k].reclaimable}`);
      t.cleanup();
    });

  test('a folder shown again by a bind mount, given under both names: bounds that hold what deleting through either frees', async () => {
    // a trial: `space a view` (view a bind mount of a/sub) said "view  frees alone 0 bytes",
    // exact, and called a/sub's files hard links under two paths; deleting view/* freed 1 MiB
    const t = makeFs('xfs', 300, { mkfsArgs: ['-q', '-f', '-m', 'rmapbt=1,reflink=1'] });
    made.push(t);
    const [a, view] = ['a', 'view'].map((d) => path.join(t.mountPoint, d));
    fs.mkdirSync(path.join(a, 'sub'), { recursive: true });
    fs.mkdirSync(view);
    randomFile(path.join(a, 'own'), 128 * 1024);
    randomFile(path.join(a, 'sub', 'x'), MiB);
    execFileSync('cp', ['--reflink=always', path.join(a, 'sub', 'x'), path.join(a, 'sub', 'y')]); // shared by x and y only
    execFileSync('mount', ['--bind', path.join(a, 'sub'), view]);
    try {
      await settledFree(t.mountPoint, ['sync']);
      const r = await spaceOf([a, view]);
      assert.deepEqual(r.errors, []);
      assert.match(r.notes.join(' '), /2 files are reached under two of the paths given through a mount/);
      assert.doesNotMatch(r.notes.join(' '), /hard links under two of the paths/);
      const p = r.paths![1];
      assert.equal(p.reclaimableExact, false, `${p.reclaimable}..${p.reclaimableMax}`);
      // the same folder under both names (a/sub and view): one place, the same exact figure twice
      const same = await spaceOf([path.join(a, 'sub'), view]);
      assert.deepEqual(
        same.paths!.map((q) => [q.files, q.reclaimable, q.reclaimableMax, q.reclaimableExact]),
        [0, 1].map(() => [2, BigInt(MiB), BigInt(MiB), true]),
      );
      const before = await settledFree(t.mountPoint, ['sync']);
      for (const f of fs.readdirSync(view)) fs.rmSync(path.join(view, f));
      const freed = (await settledFree(t.mountPoint, ['sync'])) - before;
      assert.equal(freed, BigInt(MiB), 'x and y shared their MiB with each other only');
      assert.ok(p.reclaimable <= freed && freed <= p.reclaimableMax, `freed ${freed}, bounds ${p.reclaimable}..${p.reclaimableMax}`);
      assert.ok(r.paths![0].reclaimable <= BigInt(128 * 1024) && r.paths![0].reclaimableMax >= BigInt(128 * 1024 + MiB));
    } finally {
      execFileSync('umount', [view]);
    }
    t.cleanup();
  });

  test("without rmapbt: bounds (the exclusive bytes to the path's unique bytes) that hold what removing each day frees", async () => {
    for (const [k, day] of DAYS.entries()) {
      const { t, days } = await dayFolders(0);
      const r = await spaceOf(days);
      assert.deepEqual(r.errors, []);
      const p = r.paths![k];
      assert.equal(p.reclaimableExact, false, `${day}: ${p.reclaimable}..${p.reclaimableMax}`);
      assert.equal(p.reclaimableBounds, true);
      assert.equal(p.reclaimable, p.exclusive, `${day}: the lower bound is the exclusive bytes`);
      const freed = await freedByRemoving(t, days[k]);
      assert.ok(
        p.reclaimable <= freed && freed <= p.reclaimableMax,
        `${day}: freed ${freed}, bounds ${p.reclaimable}..${p.reclaimableMax}`,
      );
      t.cleanup();
    }
  });

  test('without rmapbt, with the exact scan: each day alone is exact, and frees what removing its files frees', async () => {
    // a trial: --exact-scan made the total exact ("deleting it frees 1966080") while every path
    // stayed between bounds ("1572864 to 4194304"), though the scan had found every outside
    // reference and XFS frees block by block
    for (const [k, day] of DAYS.entries()) {
      const { t, days } = await dayFolders(0);
      // outside the selection, a clone of the first 128 KiB of day3's x (which x and y share only inside day3)
      execFileSync('xfs_io', ['-f', '-c', `reflink ${path.join(days[2], 'x')} 0 0 128k`, path.join(t.mountPoint, 'kept')], {
        stdio: 'ignore',
      });
      const engine = createEngine();
      const r = await engine.space(days, { exactScan: true }).finally(() => engine.dispose());
      assert.deepEqual(r.errors, []);
      assert.equal(r.total.reclaimableExact, true, r.fileSystems[0].notes.join(' | '));
      assert.match(r.fileSystems[0].notes.join(' '), /a scan of the one other file of xfs/);
      for (const p of r.paths!)
        assert.equal(p.reclaimableExact && p.reclaimableMax === p.reclaimable, true, `${p.path}: ${p.reclaimable}..${p.reclaimableMax}`);
      const freed = await freedByRemoving(t, days[k]);
      assert.equal(freed, r.paths![k].reclaimable, `${day}: freed ${freed}, figure ${r.paths![k].reclaimable}`);
      t.cleanup();
    }
  });
});
