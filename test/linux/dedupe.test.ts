// engine.findDuplicates and engine.dedupe on real loop-mounted file systems, the main flow:
// - btrfs and XFS (reflink=1): duplicates found (whole files, a 1 GiB sparse file hashing only
//   its data), a clone counts zero, near-duplicates (one byte different in every chunk) are not
//   grouped; after apply every file's sha256 is unchanged, filefrag -v shows the shared extents,
//   the report's freed is what statfs says and equals the estimate (XFS; btrfs frees the data's
//   checksums and extent items too: up to 1% more, or 64 KiB on small files); access times are
//   left alone; repeated data inside one file is shared on XFS with a warning that it fragments
//   the file (and it does), and left alone on btrfs (it frees nothing); a file changed, shrunk or
//   grown between find and apply is left alone and reported; cancel leaves every file intact;
// - ext4 and tmpfs: the search lists the identical data but claims no saving (cannotShare, with
//   what to do); apply is refused with EOPNOTSUPP before any change.
// Threads and kernel call limits: dedupe-threads.test.ts; extent rules: dedupe-extents.test.ts;
// clones, partial overwrites and odd sizes: dedupe-clones.test.ts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, FsctlError, type DedupePlan, type Engine } from '../../src/engine';
import { freshDir, makeFs, skipReason, type FsKind, type TestFs } from '../support/loopfs';
import {
  KiB,
  MiB,
  CHUNK,
  sha,
  shas,
  frags,
  sparseFile,
  applyCancelledAtOnce,
  freeAfterSync,
  freedMatches,
  groupOf,
  onReflinkFileSystems,
} from '../support/dedupe-files';

onReflinkFileSystems((kind, t) => {
  test('finds whole files and data only; apply shares them, content unchanged, freed measured = estimate', async () => {
    const d = freshDir(t, 'tree');
    const a = randomBytes(MiB);
    fs.writeFileSync(path.join(d, 'a'), a);
    fs.writeFileSync(path.join(d, 'b'), a); // a copy: its own blocks
    execFileSync('cp', ['--reflink=always', path.join(d, 'a'), path.join(d, 'a-clone')]);
    const near = Buffer.from(a);
    for (let o = 1000; o < near.length; o += CHUNK) near[o] ^= 0xff; // one byte different per chunk
    fs.writeFileSync(path.join(d, 'near'), near);
    const data = [randomBytes(CHUNK), randomBytes(CHUNK)];
    sparseFile(path.join(d, 'sparse'), 1024 * MiB, data, [0, 512 * MiB]);
    sparseFile(path.join(d, 'sparse2'), 1024 * MiB, data, [0, 512 * MiB]);
    execFileSync('sync');
    const before = shas(d);
    const engine = createEngine({ worker: true });
    try {
      const plan = await engine.findDuplicates([d]);
      // Only data was read, and a clone's blocks once: a (or a-clone), b and near, and 2 x 2
      // chunks of the sparse files.
      assert.equal(plan.total.hashedBytes, BigInt(3 * MiB + 4 * CHUNK));
      const whole = groupOf(plan, 'b')!;
      assert.ok(whole.wholeFiles);
      assert.deepEqual(whole.ranges.map((r) => path.basename(r.path)).sort(), ['a', 'a-clone', 'b']);
      // The clone already shares the source's blocks (the source is one of the two), so only b saves.
      assert.equal(whole.netSaving, BigInt(MiB));
      assert.equal(whole.ranges.filter((r) => r.alreadyShared).length, 1);
      assert.equal(groupOf(plan, 'near'), undefined, 'near-duplicates are not grouped');
      const sparse = groupOf(plan, 'sparse2')!;
      assert.ok(sparse.wholeFiles);
      assert.equal(sparse.netSaving, BigInt(2 * CHUNK));
      assert.equal(plan.total.netSaving, BigInt(MiB + 2 * CHUNK));
      // Duplicate bytes are data bytes: b and a-clone (1 MiB each), and sparse2's 2 chunks, not its 1 GiB.
      assert.equal(sparse.candidateBytes, BigInt(2 * CHUNK));
      assert.equal(plan.total.candidateBytes, BigInt(2 * MiB + 2 * CHUNK));
      assert.equal(plan.cannotApply, undefined, `${kind} can dedupe: the search's probe says so`);

      const progress: bigint[] = [];
      const free0 = freeAfterSync(t.mountPoint);
      const r = await engine.dedupe(plan, { onProgress: (p) => progress.push(p.done) });
      assert.equal(r.freed, freeAfterSync(t.mountPoint) - free0, 'the report says what statfs says');
      assert.equal(r.method, 'FIDEDUPERANGE');
      assert.equal(r.differed, 0);
      assert.deepEqual(r.skipped, []);
      assert.equal(r.estimated, plan.total.netSaving);
      // the clone the plan marks already shared is reported as such (not as nothing)
      assert.equal(r.alreadyShared, BigInt(MiB));
      assert.equal(r.deduped, BigInt(MiB + 2 * CHUNK));
      freedMatches(kind, r.freed, r.estimated);
      assert.ok(progress.length > 0);
      assert.deepEqual(shas(d), before, 'every file reads the same');
      // The file system's own map: b's blocks are a's, flagged shared; sparse2's data is sparse's.
      const fa = frags(path.join(d, 'a'));
      const fb = frags(path.join(d, 'b'));
      assert.deepEqual(
        fb.map((x) => [x.logical, x.physical, x.length]),
        fa.map((x) => [x.logical, x.physical, x.length]),
      );
      assert.ok(fb.every((x) => x.flags.includes('shared')));
      const s1 = frags(path.join(d, 'sparse'));
      const s2 = frags(path.join(d, 'sparse2'));
      assert.deepEqual(
        s2.map((x) => x.physical),
        s1.map((x) => x.physical),
      );
      assert.equal(fs.statSync(path.join(d, 'sparse2')).blocks * 512, 2 * CHUNK, 'the holes stay holes');
      assert.ok(
        frags(path.join(d, 'near')).every((x) => !x.flags.includes('shared')),
        'the near-duplicate shares nothing',
      );
      // Found again: nothing left to save.
      const again = await engine.findDuplicates([d]);
      assert.equal(again.total.netSaving, 0n);
      // applied, it is left alone, and its bytes are reported as already shared
      const r3 = await engine.dedupe(again);
      assert.equal(r3.calls, 0);
      assert.equal(r3.alreadyShared, again.total.candidateBytes);
      assert.equal(r3.alreadyShared, BigInt(2 * MiB + 2 * CHUNK), 'b, a-clone and sparse2’s data');
      // What the kernel says for a range already sharing the source's blocks (xfs_io, the peer
      // tool): FIDEDUPERANGE "dedupes" all of it again, so counting bytes_deduped would claim it.
      const io = execFileSync('xfs_io', ['-c', `dedupe ${path.join(d, 'a')} 0 0 ${MiB}`, path.join(d, 'b')], { encoding: 'utf8' });
      assert.match(io, new RegExp(`deduped ${MiB}/${MiB} bytes`));
      // The spent plan applied again: every range is mapped first, already shared, so no call
      // and nothing counted as deduplicated; the bytes are reported as already shared.
      const r2 = await engine.dedupe(plan);
      assert.equal(r2.calls, 0);
      assert.equal(r2.deduped, 0n);
      assert.equal(r2.alreadyShared, BigInt(2 * MiB + 2 * CHUNK), 'b, a-clone (already shared at the search) and sparse2’s data');
      assert.deepEqual(shas(d), before);
    } finally {
      await engine.dispose();
    }
  });

  test('a copy half cloned from its source already: only the other half is counted as deduplicated, the first as already shared', async () => {
    const d = freshDir(t, 'half-shared');
    const data = randomBytes(8 * MiB);
    fs.writeFileSync(path.join(d, 'a'), data);
    fs.writeFileSync(path.join(d, 'b'), data);
    execFileSync('sync');
    execFileSync('xfs_io', ['-c', `reflink ${path.join(d, 'a')} 0 0 ${4 * MiB}`, path.join(d, 'b')]);
    execFileSync('sync');
    const before = shas(d);
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      assert.equal(plan.groups[0].ranges[0].path, path.join(d, 'a'), 'the source: the one the other half-shares');
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, []);
      assert.equal(r.deduped, BigInt(4 * MiB), 'the kernel was given 8 MiB; 4 MiB of it was shared already');
      assert.equal(r.alreadyShared, BigInt(4 * MiB));
      assert.deepEqual(shas(d), before);
    } finally {
      await engine.dispose();
    }
  });

  test('files removed during the search are named as removed, not as a wrong path', async () => {
    // (a trial: thousands of "no such file or directory; check the path" for files deleted mid-run)
    const d = freshDir(t, 'removed');
    const data = randomBytes(8 * KiB);
    for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(d, `f${String(i).padStart(3, '0')}`), data);
    const engine = createEngine();
    try {
      let removed = false;
      const plan = await engine.findDuplicates([d], {
        onProgress: () => {
          if (removed) return;
          removed = true;
          for (const n of fs.readdirSync(d)) fs.rmSync(path.join(d, n));
        },
      });
      assert.ok(plan.errors.length > 0, 'some files were gone when the search came to them');
      for (const e of plan.errors) {
        assert.equal(e.code, 'ENOENT');
        assert.equal(e.message, `dedupe: ${e.path} was removed during the scan; it was skipped (ENOENT).`);
      }
    } finally {
      await engine.dispose();
    }
  });

  test('the search leaves access times alone (O_NOATIME, as the owner or root)', async () => {
    const d = freshDir(t, 'atime');
    const x = randomBytes(256 * KiB);
    for (const n of ['x', 'y']) fs.writeFileSync(path.join(d, n), x);
    // two days ago: under relatime a read would move it to now
    const old = new Date(Date.now() - 2 * 86400_000);
    for (const n of ['x', 'y']) fs.utimesSync(path.join(d, n), old, old);
    const atime = (n: string): bigint => fs.statSync(path.join(d, n), { bigint: true }).atimeNs;
    const before = atime('x');
    const plan = await createEngine().findDuplicates([d]);
    assert.equal(plan.total.hashedBytes, BigInt(512 * KiB));
    for (const n of ['x', 'y']) assert.equal(atime(n), before, n);
    // (the same read without O_NOATIME does move it: the test can fail)
    fs.readFileSync(path.join(d, 'x'));
    assert.notEqual(atime('x'), before);
  });

  test('repeated data inside one file: XFS shares it with a warning that it fragments the file; btrfs would free nothing', async () => {
    const d = freshDir(t, 'repeat');
    const x = randomBytes(CHUNK);
    fs.writeFileSync(path.join(d, 'r'), Buffer.concat([x, randomBytes(CHUNK), x, randomBytes(CHUNK), x]));
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 1);
    const g = plan.groups[0];
    assert.deepEqual(
      g.ranges.map((r) => [path.basename(r.path), Number(r.offset)]),
      [
        ['r', 0],
        ['r', 2 * CHUNK],
        ['r', 4 * CHUNK],
      ],
    );
    const fragments = `3 of these ranges are in one file (${path.join(d, 'r')}): sharing them splits it into more extents, which can make reading it in order slower.`;
    const before = frags(path.join(d, 'r')).length;
    const r = await engine.dedupe(plan);
    if (kind === 'btrfs') {
      // the file is one extent: sharing parts of it frees nothing there, so nothing is done or warned of
      assert.equal(g.netSaving, 0n);
      assert.ok(!g.warnings.includes(fragments), g.warnings.join(' | '));
      assert.equal(r.deduped, 0n);
      return;
    }
    assert.equal(g.netSaving, BigInt(2 * CHUNK));
    assert.ok(g.warnings.includes(fragments), g.warnings.join(' | '));
    assert.equal(r.deduped, BigInt(2 * CHUNK));
    assert.equal(r.freed, BigInt(2 * CHUNK));
    assert.ok(frags(path.join(d, 'r')).length > before, 'more extents after sharing, as warned');
  });

  /** Two copies (x, y) of 512 KiB of random data in a fresh folder, and the plan that finds them: one group. */
  const twoCopiesFound = async (name: string): Promise<{ d: string; x: Buffer; engine: Engine; plan: DedupePlan }> => {
    const d = freshDir(t, name);
    const x = randomBytes(512 * KiB);
    fs.writeFileSync(path.join(d, 'x'), x);
    fs.writeFileSync(path.join(d, 'y'), x);
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 1);
    return { d, x, engine, plan };
  };

  test('a file changed between find and apply is left alone and reported', async () => {
    const { d, x, engine, plan } = await twoCopiesFound('changed');
    const fd = fs.openSync(path.join(d, 'y'), 'r+');
    fs.writeSync(fd, Buffer.from([x[300 * KiB] ^ 1]), 0, 1, 300 * KiB);
    fs.closeSync(fd);
    const changed = sha(path.join(d, 'y'));
    const r = await engine.dedupe(plan);
    assert.equal(r.differed, 1);
    assert.equal(r.skipped.length, 1);
    assert.equal(r.skipped[0].reason, 'differs');
    assert.match(r.skipped[0].message, /FILE_DEDUPE_RANGE_DIFFERS/);
    assert.equal(path.basename(r.skipped[0].path), plan.groups[0].ranges[1].path === path.join(d, 'y') ? 'y' : 'x');
    assert.equal(r.deduped, 0n);
    assert.equal(sha(path.join(d, 'y')), changed);
    assert.equal(sha(path.join(d, 'x')), createHash('sha256').update(x).digest('hex'));
    assert.ok(frags(path.join(d, 'y')).every((e) => !e.flags.includes('shared')));
  });

  test('a file that shrank between find and apply: changed since the scan (E_CHANGED), not a block-size complaint', async () => {
    const { engine, plan } = await twoCopiesFound('shrank');
    const dest = plan.groups[0].ranges[1].path;
    fs.truncateSync(dest, 100000);
    const r = await engine.dedupe(plan);
    assert.equal(r.deduped, 0n);
    assert.deepEqual(
      r.skipped.map((s) => [s.path, s.reason]),
      [[dest, 'E_CHANGED']],
    );
    assert.match(r.skipped[0].message, /shorter than when it was scanned/);
    assert.equal(r.differed, 1, 'counted with the ranges that changed since the scan');
    assert.equal(fs.statSync(dest).size, 100000);
  });

  test('a source that shrank (to nothing, or to a partial block) and a copy that grew: left alone and reported, not a refusal', async () => {
    const d = freshDir(t, 'resized');
    // 1,000,000 bytes: the last block is partial, so a range to the end must end at both files' ends
    for (const n of ['a', 'b', 'c']) {
      const x = randomBytes(1_000_000);
      fs.writeFileSync(path.join(d, `${n}1`), x);
      fs.writeFileSync(path.join(d, `${n}2`), x);
    }
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 3);
    const group = (n: string) => plan.groups.find((g) => path.basename(g.ranges[0].path).startsWith(n))!;
    const [a, b, c] = ['a', 'b', 'c'].map((n) => group(n).ranges.map((r) => r.path));
    fs.truncateSync(a[0], 0); // a's source: nothing left to share
    fs.truncateSync(b[0], 100_000); // b's source: cut inside a block
    fs.appendFileSync(c[1], 'nine more'); // c's copy: its tail is no longer at the end
    const before = shas(d);
    const r = await engine.dedupe(plan);
    assert.deepEqual(
      r.skipped.map((k) => [k.path, k.reason]).sort(),
      [
        [a[1], 'E_CHANGED'],
        [b[1], 'E_CHANGED'],
        [c[1], 'E_CHANGED'],
      ].sort(),
    );
    const msg = (p: string) => r.skipped.find((k) => k.path === p)!.message;
    assert.match(msg(a[1]), new RegExp(`${path.basename(a[0])}, the source: it is shorter than when it was scanned \\(0 bytes now`));
    assert.match(msg(b[1]), /the source: it is shorter than when it was scanned \(100000 bytes now/);
    assert.match(msg(c[1]), /it grew since the scan \(1000009 bytes now\), so the range's last, partial block can no longer be shared/);
    assert.equal(r.differed, 3, 'changed since the scan, all three');
    assert.equal(r.deduped, 0n);
    assert.equal(r.calls, 0);
    assert.deepEqual(shas(d), before);
    fs.rmSync(d, { recursive: true });
  });

  test('cancel leaves every file intact', async () => {
    const d = freshDir(t, 'cancel');
    for (let i = 0; i < 300; i++) {
      const b = randomBytes(64 * KiB);
      fs.writeFileSync(path.join(d, `f${i}`), b);
      fs.writeFileSync(path.join(d, `g${i}`), b);
    }
    execFileSync('sync');
    const before = shas(d);
    const engine = createEngine({ worker: true });
    try {
      // The find, cancelled at its first progress event.
      const c1 = new AbortController();
      await assert.rejects(
        engine.findDuplicates([d], { signal: c1.signal, onProgress: () => c1.abort() }),
        (e: FsctlError) => e.code === 'E_CANCELLED',
      );
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 300);
      // The apply, cancelled at its first progress event: it stops between calls.
      await applyCancelledAtOnce(engine, plan, d, before, t.mountPoint);
    } finally {
      await engine.dispose();
    }
  });
});

// XFS made without reflink has the FIDEDUPERANGE call but shares nothing: a trial's plan promised
// 2 MiB there (the probe without destinations passed); its refusal shows only with a range.
for (const [kind, label, mkfsArgs] of [
  ['ext4', 'ext4', undefined],
  ['tmpfs', 'tmpfs', undefined],
  ['xfs', 'XFS without reflink', ['-m', 'reflink=0']],
] as Array<[FsKind, string, string[] | undefined]>) {
  describe(`dedupe on ${label}`, { skip: skipReason(kind) }, () => {
    let t: TestFs;
    before(() => {
      t = makeFs(kind, undefined, mkfsArgs ? { mkfsArgs } : {});
    });
    after(() => t?.cleanup());

    test('the search lists the identical data and claims no saving; apply is refused with EOPNOTSUPP, and nothing changes', async () => {
      const d = freshDir(t, 'tree');
      const a = randomBytes(256 * KiB);
      fs.writeFileSync(path.join(d, 'a'), a);
      fs.writeFileSync(path.join(d, 'b'), a);
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      // the search probed it already: one sentence, errno and what to do
      const why = `${kind} cannot share blocks (EOPNOTSUPP): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).`;
      assert.equal(plan.cannotApply?.length, 1);
      assert.equal(plan.cannotApply[0].code, 'EOPNOTSUPP');
      assert.equal(plan.cannotApply[0].message, why);
      // the identical data is found and listed, but no saving is claimed that cannot be made here
      const g = plan.groups[0];
      assert.equal(g.candidateBytes, BigInt(256 * KiB), 'the identical data found');
      assert.equal(g.cannotShare, why);
      assert.equal(g.netSaving, 0n);
      assert.equal(g.netSavingMin, 0n);
      assert.equal(plan.total.netSaving, 0n);
      assert.equal(plan.total.netSavingMin, 0n);
      assert.equal(plan.total.candidateBytes, BigInt(256 * KiB));
      const free = fs.statfsSync(t.mountPoint, { bigint: true }).bfree;
      await assert.rejects(engine.dedupe(plan), (e: FsctlError) => {
        assert.equal(e.code, 'EOPNOTSUPP');
        assert.match(e.message, new RegExp(`${kind} cannot share identical data .*FIDEDUPERANGE.*nothing was changed \\(EOPNOTSUPP\\)`));
        return true;
      });
      assert.deepEqual(shas(d), before);
      assert.equal(fs.statfsSync(t.mountPoint, { bigint: true }).bfree, free);
    });
  });
}
