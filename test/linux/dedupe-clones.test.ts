// engine.dedupe with clones and odd layouts on loop-mounted btrfs and XFS (reflink=1): clones move
// together; clones are read once (a chunk on blocks already hashed takes that chunk's key; a
// changed block's chunk is read); a partial duplicate of a set of copies moves to the copy that
// stays; partly overwritten extents; a file written in two pieces side by side (btrfs, as root);
// sizes that are not a multiple of the block size; identical immutable files (no group, a note);
// inline data and empty files; unwritten extents never hashed; a chunk that is not a multiple of
// the block size refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, FsctlError } from '../../src/engine';
import { freshDir, makeFs } from '../support/loopfs';
import { KiB, MiB, CHUNK, shas, frags, sparseFile, freedMatches, outsideSharedLayout, onReflinkFileSystems } from '../support/dedupe-files';

onReflinkFileSystems((kind, t) => {
  test('clones move together: a part of one set of clones duplicates another set; every reference moves, so it is freed', async () => {
    // a and a2 are clones (one set of blocks), p and p2 too; p's second half is a copy of a.
    // The whole-file groups (a, a2) and (p, p2) are already shared, so only one clone of each
    // set reaches the group of ranges: were the other left where it is, it would keep the old
    // blocks and sharing would free nothing (once estimated 0 and left for a second run).
    const d = freshDir(t, 'clone-sets');
    const data = randomBytes(2 * MiB);
    fs.writeFileSync(path.join(d, 'a'), data);
    fs.writeFileSync(path.join(d, 'p'), Buffer.concat([randomBytes(2 * MiB), data]));
    execFileSync('sync');
    execFileSync('cp', ['--reflink=always', path.join(d, 'a'), path.join(d, 'a2')]);
    execFileSync('cp', ['--reflink=always', path.join(d, 'p'), path.join(d, 'p2')]);
    execFileSync('sync');
    const before = shas(d);
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    const part = plan.groups.find((g) => !g.wholeFiles)!;
    assert.ok(part, 'a group of ranges');
    // both clones of the set that moves are destinations; the other set's stays on its blocks
    const names = part.ranges.map((x) => path.basename(x.path)).sort();
    assert.ok(
      names.join() === 'a,a2,p' || names.join() === 'a,p,p2',
      `the moving set whole, the staying set by one clone: ${names.join()}`,
    );
    assert.equal(part.netSaving, BigInt(2 * MiB));
    assert.equal(plan.total.netSaving, BigInt(2 * MiB));
    assert.ok(!part.warnings.some((w) => /data the plan leaves in place/.test(w)), part.warnings.join('\n'));
    if (kind === 'btrfs') assert.equal(path.basename(part.ranges[0].path), 'p', "btrfs: p's extent stays (the rest of p keeps it)");
    const r = await engine.dedupe(plan);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(shas(d), before);
    freedMatches(kind, r.freed, r.estimated);
    assert.equal(r.estimated, BigInt(2 * MiB));
    assert.equal((await engine.findDuplicates([d])).total.netSaving, 0n, 'nothing is left stored twice');
  });

  test('a copy sharing part of its data already (a dedupe cut short): alreadySharedBytes counts that part', async () => {
    // b is a copy of a whose first MiB was cloned from a since: the range is not shared whole
    // (no alreadyShared mark), but that MiB frees nothing, and the plan says how much it is.
    const d = freshDir(t, 'part-shared');
    const data = randomBytes(4 * MiB);
    fs.writeFileSync(path.join(d, 'a'), data);
    fs.writeFileSync(path.join(d, 'b'), data);
    execFileSync('sync');
    const engine = createEngine();
    await engine.cloneRange(path.join(d, 'a'), 0n, path.join(d, 'b'), 0n, BigInt(MiB));
    execFileSync('sync');
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 1);
    const g = plan.groups[0];
    assert.equal(g.candidateBytes, BigInt(4 * MiB));
    assert.equal(g.alreadySharedBytes, BigInt(MiB));
    // btrfs frees b's old extent only whole: its first MiB, no longer referenced, goes with the rest
    assert.equal(g.netSaving, BigInt((kind === 'btrfs' ? 4 : 3) * MiB));
    assert.equal(g.ranges[1].alreadyShared, undefined, 'not shared whole');
  });

  test('clones are read once: chunks on blocks already hashed take their keys; a changed block is read', async () => {
    // golden: 64 blocks of 4 KiB, one every 8 KiB (four chunks); c1-c3 clone it, c3 then gets
    // a new block in its second chunk; copy holds the same bytes in blocks of its own.
    const d = freshDir(t, 'read-once');
    const blocks = Array.from({ length: 64 }, () => randomBytes(4 * KiB));
    sparseFile(
      path.join(d, 'golden'),
      512 * KiB,
      blocks,
      blocks.map((_, i) => i * 8 * KiB),
    );
    for (const n of ['c1', 'c2', 'c3']) execFileSync('cp', ['--reflink=always', path.join(d, 'golden'), path.join(d, n)]);
    execFileSync('cp', ['--reflink=never', '--sparse=always', path.join(d, 'golden'), path.join(d, 'copy')]);
    const fd = fs.openSync(path.join(d, 'c3'), 'r+');
    fs.writeSync(fd, randomBytes(4 * KiB), 0, 4 * KiB, 17 * 8 * KiB);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    execFileSync('sync');
    const before = shas(d);
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    // read: one clone's four chunks, the copy's, and the changed chunk (c3's or, if c3 came first, golden's)
    assert.equal(plan.total.hashedBytes, BigInt(256 * KiB + 256 * KiB + 64 * KiB));
    const whole = plan.groups.find((g) => g.wholeFiles)!;
    assert.deepEqual(whole.ranges.map((r) => path.basename(r.path)).sort(), ['c1', 'c2', 'copy', 'golden']);
    assert.deepEqual(
      whole.ranges.filter((r) => !r.alreadyShared).map((r) => path.basename(r.path)),
      [path.basename(whole.ranges[0].path), 'copy'],
    );
    for (const g of plan.groups)
      for (const r of g.ranges)
        assert.ok(
          !(path.basename(r.path) === 'c3' && r.offset <= BigInt(CHUNK) && r.offset + g.length > BigInt(CHUNK)),
          "c3's changed chunk matches nothing",
        );
    assert.equal(plan.total.netSaving, BigInt(256 * KiB));
    const r = await engine.dedupe(plan);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(shas(d), before);
    freedMatches(kind, r.freed, r.estimated);
    assert.ok(frags(path.join(d, 'copy')).every((e) => /shared/.test(e.flags)));
  });

  test("a partial duplicate of a set of copies moves to the copy that stays (the whole-file group's source)", async () => {
    // The copies' chunk groups once took the first copy walked as the set's representative;
    // when the whole-file group picked another source (the one with a clone), the partial
    // duplicate and that first copy were shared with each other instead: 1 MiB stayed twice.
    const d = freshDir(t, 'partial-of-copies');
    const vm = randomBytes(4 * MiB);
    fs.writeFileSync(path.join(d, 'old.img'), vm); // written first: the first copy walked
    fs.writeFileSync(path.join(d, 'vm.img'), vm);
    fs.writeFileSync(path.join(d, 'vm-copy.img'), vm);
    execFileSync('cp', ['--reflink=always', path.join(d, 'vm.img'), path.join(d, 'vm-clone.img')]);
    fs.writeFileSync(path.join(d, 'half.img'), Buffer.concat([vm.subarray(0, MiB), randomBytes(MiB)]));
    execFileSync('sync');
    const before = shas(d);
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    const whole = plan.groups.find((g) => g.wholeFiles)!;
    const part = plan.groups.find((g) => !g.wholeFiles);
    assert.match(whole.ranges[0].path, /vm(-clone)?\.img$/, 'the source is one of the two that share');
    if (part) assert.equal(part.ranges[0].path, whole.ranges[0].path, 'the partial duplicate moves to the same source');
    const r = await engine.dedupe(plan);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(shas(d), before);
    freedMatches(kind, r.freed, r.estimated);
    if (kind === 'xfs') {
      assert.equal(r.estimated, BigInt(9 * MiB));
      assert.equal((await engine.findDuplicates([d])).total.netSaving, 0n, 'nothing is left stored twice');
    }
  });

  test(
    'btrfs: a copy of part of a partly overwritten extent moves to it (the extent stays anyway), freed = estimate',
    { skip: kind !== 'btrfs' },
    async () => {
      // b's 4 MiB extent, its second MiB overwritten: b still references the first and last
      // parts. a copies b's first MiB. Sharing b's first MiB with a frees nothing (estimated
      // 1 MiB, freed 0 before); a moving to b frees a's MiB.
      const d = freshDir(t, 'bookend');
      const b = path.join(d, 'b');
      fs.writeFileSync(b, randomBytes(4 * MiB));
      execFileSync('sync');
      const fd = fs.openSync(b, 'r+');
      fs.writeSync(fd, randomBytes(MiB), 0, MiB, MiB);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.writeFileSync(path.join(d, 'a'), fs.readFileSync(b).subarray(0, MiB));
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      assert.equal(path.basename(plan.groups[0].ranges[0].path), 'b');
      const r = await engine.dedupe(plan);
      assert.equal(r.estimated, BigInt(MiB));
      freedMatches(kind, r.freed, r.estimated);
      assert.deepEqual(shas(d), before);
    },
  );

  test(
    'btrfs as root: a file written in two pieces side by side on disk (one FIEMAP record, two extents) frees the piece shared',
    { skip: kind !== 'btrfs' },
    async () => {
      // D: two fsynced 2 MiB writes, two extents that a fresh allocator lays side by side, so
      // FIEMAP shows one 4 MiB record. A holds D's first 2 MiB and is immutable (only the
      // source). Taking the record for one extent said "net saving 0" (sharing part of an
      // extent frees nothing); the extent items say D's first extent goes whole.
      const own = makeFs('btrfs');
      const d = freshDir(own, 'pieces');
      const [a, dd] = ['A', 'D'].map((n) => path.join(d, n));
      const data = randomBytes(4 * MiB);
      const fd = fs.openSync(dd, 'w');
      for (const at of [0, 2 * MiB]) {
        fs.writeSync(fd, data, at, 2 * MiB, at);
        fs.fsyncSync(fd);
      }
      fs.closeSync(fd);
      fs.writeFileSync(a, data.subarray(0, 2 * MiB));
      execFileSync('chattr', ['+i', a]);
      const engine = createEngine();
      try {
        execFileSync('btrfs', ['filesystem', 'sync', own.mountPoint]);
        assert.match(execFileSync('filefrag', [dd], { encoding: 'utf8' }), /: 1 extent found/, "D's two extents lie side by side");
        const before = shas(d);
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.groups.length, 1);
        const g = plan.groups[0];
        assert.deepEqual(
          g.ranges.map((x) => path.basename(x.path)),
          ['A', 'D'],
        );
        assert.deepEqual([g.netSaving, g.netSavingMin, g.warnings], [BigInt(2 * MiB), BigInt(2 * MiB), []]);
        const r = await engine.dedupe(plan);
        freedMatches(kind, r.freed, r.estimated);
        assert.deepEqual(shas(d), before);
      } finally {
        execFileSync('chattr', ['-i', a]);
        await engine.dispose();
        own.cleanup();
      }
    },
  );

  test('a partly overwritten file and its copy: the copy stays, and on btrfs the overwritten part of the old extent is freed too (estimated)', async () => {
    // f: a 4 MiB extent whose second MiB was overwritten (btrfs keeps that MiB, referenced
    // by nothing, until the extent goes) and the new MiB; g: a copy in one extent. g, in one
    // piece, stays; f moves: btrfs frees the old extent whole (4 MiB) and the new one (1 MiB).
    const d = freshDir(t, 'overwritten');
    const f = path.join(d, 'f');
    fs.writeFileSync(f, randomBytes(4 * MiB));
    execFileSync('sync');
    const fd = fs.openSync(f, 'r+');
    fs.writeSync(fd, randomBytes(MiB), 0, MiB, MiB);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.writeFileSync(path.join(d, 'g'), fs.readFileSync(f));
    execFileSync('sync');
    const before = shas(d);
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 1);
    const g = plan.groups[0];
    // (XFS overwrote f in place: one piece each, and f, first on disk, stays)
    if (kind === 'btrfs')
      assert.deepEqual(
        g.ranges.map((x) => path.basename(x.path)),
        ['g', 'f'],
      );
    const extra = kind === 'btrfs' ? BigInt(MiB) : 0n; // XFS frees block by block: the overwritten MiB went at once
    assert.equal(g.netSaving, BigInt(4 * MiB) + extra);
    assert.equal(g.netSavingMin, g.netSaving);
    if (kind === 'btrfs')
      assert.ok(
        g.warnings.some((w) => new RegExp(`^${MiB} bytes more are freed: extents of the other ranges were partly overwritten`).test(w)),
        g.warnings.join('\n'),
      );
    const r = await engine.dedupe(plan);
    freedMatches(kind, r.freed, r.estimated);
    assert.deepEqual(shas(d), before);
  });

  test(
    kind === 'btrfs'
      ? 'blocks also shared with files outside the selection: as root, LOGICAL_INO_V2 names them, the saving is exact and freed equals it'
      : 'blocks also shared with files outside the selection (no rmapbt: owners unknown): the saving is a range, and freed falls in it',
    async () => {
      const { plan, r } = await outsideSharedLayout(freshDir(t, 'outside-range'), kind);
      if (kind === 'btrfs') {
        // bpart keeps b's whole extent, cclone c's: one copy of the data is freed
        assert.equal(plan.total.netSaving, BigInt(4 * MiB));
        assert.equal(plan.total.netSavingMin, plan.total.netSaving);
        assert.ok(
          plan.groups[0].warnings.some((w) =>
            /share their blocks with files outside the selection \(e\.g\. \/\S+\/out\/(cclone|bpart)\)/.test(w),
          ),
          plan.groups[0].warnings.join('\n'),
        );
        assert.ok(!plan.groups[0].warnings.some((w) => /freed only once nothing else references them/.test(w)));
        assert.ok(plan.notes.some((n) => /asked of the file system \(BTRFS_IOC_LOGICAL_INO_V2\)/.test(n)));
      } else {
        assert.equal(plan.total.netSaving, BigInt(8 * MiB));
        assert.equal(plan.total.netSavingMin, BigInt(7 * MiB));
        assert.ok(
          plan.notes.some((n) => /could not be asked, so the saving is a range: XFS: .*rmapbt=0/.test(n)),
          plan.notes.join('\n'),
        );
      }
      assert.equal(r.estimatedMin, plan.total.netSavingMin);
      freedMatches(kind, r.freed, r.estimatedMin!);
    },
  );

  test('files whose size is not a multiple of the block size: shared whole, the last block with them', async () => {
    // The last extent's block runs past the end of the file; it was once taken for a part of
    // an extent left unshared, so on btrfs such files (most files) were never deduplicated.
    const d = freshDir(t, 'unaligned');
    const sizes = [MiB + 1, 300000, 10000];
    for (const [i, n] of sizes.entries()) {
      const data = randomBytes(n);
      fs.writeFileSync(path.join(d, `x${i}`), data);
      fs.writeFileSync(path.join(d, `y${i}`), data);
    }
    execFileSync('sync');
    const before = shas(d);
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 3);
    for (const g of plan.groups) {
      assert.deepEqual(g.warnings, [], g.warnings.join(' '));
      // whole blocks: the partly used last block is freed with the file's data
      assert.equal(g.netSaving, BigInt(Math.ceil(Number(g.length) / 4096) * 4096));
      assert.equal(g.candidateBytes, g.length, 'the duplicate data itself, in bytes');
    }
    const r = await engine.dedupe(plan);
    assert.deepEqual(r.skipped, []);
    // whole blocks, the partly used last one of each file included: as estimated
    const blocks = sizes.reduce((t, n) => t + BigInt(Math.ceil(n / 4096) * 4096), 0n);
    assert.equal(r.estimated, blocks);
    freedMatches(kind, r.freed, blocks);
    assert.deepEqual(shas(d), before);
    for (const [i] of sizes.entries()) assert.ok(frags(path.join(d, `y${i}`)).every((e) => /shared/.test(e.flags)));
  });

  test('identical files none of which may change (immutable): no group, and a note says they exist', async () => {
    const d = freshDir(t, 'locked');
    const data = randomBytes(256 * 1024);
    for (const n of ['p', 'q']) fs.writeFileSync(path.join(d, n), data);
    const locked = ['p', 'q'].map((n) => path.join(d, n));
    execFileSync('chattr', ['+i', ...locked]);
    try {
      execFileSync('sync');
      const plan = await createEngine().findDuplicates([d]);
      assert.deepEqual(plan.groups, []);
      assert.equal(plan.total.lockedIn, 1);
      // no group is listed, so not "1 more set"
      assert.ok(
        plan.notes.some((n) => /^1 set of identical data lies only in files the kernel will not change/.test(n)),
        plan.notes.join('\n'),
      );
      // and what to do about it (a trial: the note said why, not how to include them)
      assert.ok(
        plan.notes.some((n) => /To share them, clear the immutable flag \(chattr -i\)\./.test(n)),
        plan.notes.join('\n'),
      );
    } finally {
      execFileSync('chattr', ['-i', ...locked]);
    }
  });

  test(
    'data kept inline in metadata (btrfs small files) is in no group, and a note says why; empty files are named as such',
    { skip: kind !== 'btrfs' },
    async () => {
      const d = freshDir(t, 'inline');
      for (const n of ['o1', 'o2']) fs.writeFileSync(path.join(d, n), 'x');
      for (const n of ['e1', 'e2']) fs.writeFileSync(path.join(d, n), '');
      execFileSync('sync');
      assert.match(frags(path.join(d, 'o1'))[0].flags, /inline/);
      const plan = await createEngine().findDuplicates([d], { minSize: 0n });
      assert.deepEqual(plan.groups, []);
      assert.ok(
        plan.notes.some((n) => /^2 files keep data inline in the file system's metadata/.test(n)),
        plan.notes.join('\n'),
      );
      assert.ok(!plan.notes.some((n) => /compressed/.test(n)), 'nothing here is compressed');
      assert.ok(plan.notes.includes('2 empty files were not examined.'), plan.notes.join('\n'));
      assert.ok(!plan.notes.some((n) => /smaller than the minimum size/.test(n)));
    },
  );

  test('unwritten (preallocated) extents read as zeros: never hashed, never grouped', async () => {
    const d = freshDir(t, 'prealloc');
    execFileSync('fallocate', ['-l', String(MiB), path.join(d, 'preallocated.bin')]);
    execFileSync('fallocate', ['-l', String(MiB), path.join(d, 'preallocated2.bin')]);
    fs.writeFileSync(path.join(d, 'zeros.bin'), Buffer.alloc(MiB)); // written zeros: data
    execFileSync('sync');
    assert.ok(
      frags(path.join(d, 'preallocated.bin')).every((x) => x.flags.includes('unwritten')),
      'filefrag: unwritten',
    );
    const plan = await createEngine().findDuplicates([d]);
    assert.equal(plan.total.hashedBytes, BigInt(MiB), 'only zeros.bin was read');
    // (zeros.bin's chunks match one another: written data; the preallocated files match nothing)
    const named = plan.groups.flatMap((g) => g.ranges.map((r) => path.basename(r.path)));
    assert.deepEqual(
      named.filter((n) => n.startsWith('preallocated')),
      [],
      'no group: neither with itself, nor with the other, nor with written zeros',
    );
  });

  test('a chunk that is not a multiple of the block size is refused', async () => {
    const d = freshDir(t, 'chunk');
    fs.writeFileSync(path.join(d, 'a'), randomBytes(64 * KiB));
    await assert.rejects(createEngine().findDuplicates([d], { chunk: 6000n }), (e: FsctlError) => e.code === 'E_MISALIGNED');
  });
});
