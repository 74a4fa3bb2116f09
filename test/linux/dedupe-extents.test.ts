// engine.dedupe's whole-extent rules on loop-mounted btrfs and XFS (reflink=1): part of an extent
// (btrfs would free nothing: warned, left alone; XFS frees those blocks); a preallocated extent
// written in part; a chain of copies; a copy that a file outside the selection clones becomes the
// source; immutable copies and btrfs read-only snapshots are only sources; copies a read-write
// snapshot still holds save 0 (as root, exactly); compressed btrfs data (a range without root, its
// size on disk as root, as compsize measures it, and freed; a second apply makes no call); XFS with
// rmapbt: blocks also held outside the selection are named by GETFSMAP, and the exact saving
// equals what is freed.
// (Over 400 lines: one file system of each kind, made once, for every whole-extent rule.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type DedupePlan } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { KiB, MiB, shas, frags, freeAfterSync, freedMatches, outsideSharedLayout, onReflinkFileSystems } from '../support/dedupe-files';

/** compsize's Disk Usage of a file or folder: its data's bytes on disk, compressed. */
const onDisk = (p: string): bigint =>
  BigInt(/^TOTAL\s+\d+%\s+(\d+)/m.exec(execFileSync('compsize', ['-b', p], { encoding: 'utf8' }))![1]);

/** A btrfs subvolume `sv` compressing with zstd, holding `names`: each the same 4 MiB of text that zstd packs. */
function compressedCopies(sv: string, names: string[]): Buffer {
  execFileSync('btrfs', ['subvolume', 'create', sv]);
  execFileSync('btrfs', ['property', 'set', sv, 'compression', 'zstd']);
  const text = Buffer.from(randomBytes(3 * MiB).toString('base64'));
  for (const n of names) fs.writeFileSync(path.join(sv, n), text);
  execFileSync('sync');
  return text;
}

onReflinkFileSystems((kind, t) => {
  test('part of an extent: btrfs would free nothing (warned, left alone); XFS frees those blocks', async () => {
    const d = freshDir(t, 'part');
    const a = randomBytes(MiB);
    fs.writeFileSync(path.join(d, 'a'), a);
    // The first half is a's, the second its own: one extent of 1 MiB on both file systems.
    fs.writeFileSync(path.join(d, 'c'), Buffer.concat([a.subarray(0, MiB / 2), randomBytes(MiB / 2)]));
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 1);
    const g = plan.groups[0];
    assert.equal(g.wholeFiles, false);
    assert.equal(g.length, BigInt(MiB / 2));
    const r = await engine.dedupe(plan);
    if (kind === 'btrfs') {
      assert.equal(g.netSaving, 0n);
      assert.match(g.warnings[0], /btrfs frees an extent only when nothing references any of it/);
      assert.equal(r.calls, 0);
      assert.ok(r.notes.some((n) => /1 group with no net saving .* was left alone/.test(n)));
    } else {
      assert.equal(g.netSaving, BigInt(MiB / 2));
      assert.deepEqual(g.warnings, []);
      assert.equal(r.freed, BigInt(MiB / 2));
    }
  });

  test('a group that frees something, with one range wholly in an extent kept whole: that range is left alone (btrfs), not split', async () => {
    // a trial: x one extent, y = x's first half (its own extent), z = x's first half and new data
    // in one extent. The group frees y's extent; sharing z's range freed nothing and split z in two.
    const d = freshDir(t, 'part-of-group');
    const x = randomBytes(2 * MiB);
    fs.writeFileSync(path.join(d, 'x'), x);
    fs.writeFileSync(path.join(d, 'y'), x.subarray(0, MiB));
    fs.writeFileSync(path.join(d, 'z'), Buffer.concat([x.subarray(0, MiB), randomBytes(MiB)]));
    execFileSync('sync');
    const before = shas(d);
    const zBefore = frags(path.join(d, 'z'));
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    assert.equal(plan.groups.length, 1, JSON.stringify(plan.groups.map((g) => g.ranges.map((r) => r.path))));
    const g = plan.groups[0];
    const free0 = freeAfterSync(t.mountPoint);
    const r = await engine.dedupe(plan);
    assert.deepEqual(shas(d), before);
    if (kind === 'btrfs') {
      const z = g.ranges.find((x) => x.path.endsWith('/z'));
      if (z && g.ranges[0] !== z) {
        assert.equal(z.freesNothing, true);
        assert.match(g.warnings.join(' '), /The range wholly in such extents is left alone/);
        assert.deepEqual(frags(path.join(d, 'z')), zBefore, 'z untouched: its one extent, not split');
      }
      assert.ok(frags(path.join(d, 'y')).every((e) => /shared/.test(e.flags)), 'y shares x');
      assert.equal(r.deduped, BigInt(MiB), 'only y was shared');
    }
    freedMatches(kind, freeAfterSync(t.mountPoint) - free0, g.netSaving);
  });

  test('a preallocated extent written in part: btrfs keeps it for its unwritten rest, so it is the source or frees nothing', async () => {
    const d = freshDir(t, 'prealloc-part');
    /** `bytes` of preallocation (past the end with keepSize), `data` written at `at` into it. */
    const preallocated = (name: string, bytes: number, data: Buffer, keepSize = false, at = 0): void => {
      const p = path.join(d, name);
      fs.writeFileSync(p, ''); // fallocate -n does not create the file
      execFileSync('fallocate', [...(keepSize ? ['-n'] : []), '-l', String(bytes), p]);
      const fd = fs.openSync(p, 'r+');
      fs.writeSync(fd, data, 0, data.length, at);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    };
    // x is a file of its own; pre holds x's bytes in the first MiB of a 6 MiB preallocation
    const x = randomBytes(MiB);
    fs.writeFileSync(path.join(d, 'x'), x);
    preallocated('pre', 6 * MiB, x);
    // y's first MiB, in one 2 MiB extent, and in a preallocation past the end of pre2 (1 MiB long)
    const y = randomBytes(2 * MiB);
    fs.writeFileSync(path.join(d, 'y'), y);
    preallocated('pre2', 6 * MiB, y.subarray(0, MiB), true);
    // two preallocations alike, the same MiB written into the middle of each: equal whole files,
    // but only the written MiB would move (a whole-file group shares data only)
    const z = randomBytes(MiB);
    preallocated('w-pre3', 6 * MiB, z, false, 2 * MiB);
    preallocated('w-pre4', 6 * MiB, z, false, 2 * MiB);
    execFileSync('sync');
    if (kind === 'btrfs') {
      const pieces = frags(path.join(d, 'pre'));
      assert.ok(pieces.some((e) => /unwritten/.test(e.flags)) && pieces.some((e) => !/unwritten/.test(e.flags)), 'written and unwritten');
    }
    const before = shas(d);
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    const byPaths = new Map(plan.groups.map((g) => [g.ranges.map((r) => path.basename(r.path)).join(' '), g]));
    if (kind === 'btrfs') {
      // x moves to pre's blocks (pre keeps its extent anyway): x's own MiB is freed
      assert.equal(byPaths.get('pre x')?.netSaving, BigInt(MiB), [...byPaths.keys()].join(', '));
      // y and pre2 both keep their extents (y's second MiB, pre2's unwritten rest): nothing freed, said so
      const g2 = byPaths.get('pre2 y') ?? byPaths.get('y pre2');
      assert.equal(g2?.netSaving, 0n);
      assert.equal(g2?.netSavingMin, 0n);
      assert.match(g2!.warnings.join(' '), /btrfs frees an extent only when nothing references any of it/);
      // w-pre4's preallocation stays for its unwritten rest: sharing its written MiB frees nothing
      const g3 = byPaths.get('w-pre3 w-pre4');
      assert.equal(g3?.wholeFiles, true);
      assert.equal(g3?.netSaving, 0n);
      assert.match(g3!.warnings.join(' '), /btrfs frees an extent only when nothing references any of it/);
      assert.equal(plan.total.netSaving, BigInt(MiB));
    } else assert.equal(plan.total.netSaving, BigInt(3 * MiB), 'XFS frees block by block: both copies and the written MiB');
    const free0 = freeAfterSync(t.mountPoint);
    const r = await engine.dedupe(plan);
    assert.deepEqual(shas(d), before);
    freedMatches(kind, freeAfterSync(t.mountPoint) - free0, r.estimated);
  });

  test('a chain: w1 starts with a copy of a, w2 is a copy of w1; every copy ends on one set of blocks, freed = estimate', async () => {
    // Applied in the plan's order, w2 followed w1 to w1's blocks and only then did w1's first
    // MiB move to a's: w2 kept w1's old first MiB allocated (XFS: 2 MiB freed of 3 estimated).
    const d = freshDir(t, 'chain');
    const a = randomBytes(MiB);
    fs.writeFileSync(path.join(d, 'a'), a);
    const w1 = Buffer.concat([a, randomBytes(MiB)]);
    fs.writeFileSync(path.join(d, 'w1'), w1);
    fs.writeFileSync(path.join(d, 'w2'), w1);
    const free0 = freeAfterSync(t.mountPoint);
    const before = shas(d);
    const engine = createEngine();
    const plan = await engine.findDuplicates([d]);
    const r = await engine.dedupe(plan);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(shas(d), before);
    freedMatches(kind, r.freed, r.estimated);
    freedMatches(kind, freeAfterSync(t.mountPoint) - free0, r.estimated); // the file system's own count
    if (kind === 'xfs') {
      assert.equal(r.estimated, BigInt(3 * MiB));
      const first = (n: string): number => frags(path.join(d, n))[0].physical;
      assert.equal(first('w1'), first('a'));
      assert.equal(first('w2'), first('a'));
    }
  });

  test('a copy that a file outside the selection clones becomes the source: the other copy is the one freed', async () => {
    const d = freshDir(t, 'outside');
    fs.mkdirSync(path.join(d, 'sel'));
    const data = randomBytes(MiB);
    fs.writeFileSync(path.join(d, 'sel', 'a'), data);
    fs.writeFileSync(path.join(d, 'sel', 'b'), data);
    execFileSync('cp', ['--reflink=always', path.join(d, 'sel', 'b'), path.join(d, 'out')]);
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([path.join(d, 'sel')]);
    assert.equal(plan.groups.length, 1);
    assert.equal(path.basename(plan.groups[0].ranges[0].path), 'b');
    const r = await engine.dedupe(plan);
    assert.equal(r.estimated, BigInt(MiB));
    freedMatches(kind, r.freed, r.estimated);
    assert.ok(frags(path.join(d, 'sel', 'a')).every((e) => /shared/.test(e.flags)));
  });

  test('an immutable copy can only be the source: the other copy moves to it, nothing is refused', async () => {
    const d = freshDir(t, 'immutable');
    const data = randomBytes(MiB);
    fs.writeFileSync(path.join(d, 'a'), data);
    fs.writeFileSync(path.join(d, 'b'), data);
    execFileSync('chattr', ['+i', path.join(d, 'b')]);
    try {
      execFileSync('sync');
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      assert.deepEqual(
        plan.groups[0].ranges.map((r) => path.basename(r.path)),
        ['b', 'a'],
      );
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, [], 'before, a was the source and b was refused (EPERM)');
      freedMatches(kind, r.freed, BigInt(MiB));
    } finally {
      execFileSync('chattr', ['-i', path.join(d, 'b')]);
    }
  });

  test(
    'btrfs read-only snapshot: its files are only sources, their blocks kept; a new copy moves to them',
    { skip: kind !== 'btrfs' },
    async () => {
      const d = freshDir(t, 'snapshots');
      const sv = path.join(d, 'sv');
      execFileSync('btrfs', ['subvolume', 'create', sv]);
      const data = randomBytes(MiB);
      for (const n of ['f', 'g']) fs.writeFileSync(path.join(sv, n), data);
      execFileSync('sync');
      execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, path.join(d, 'ro')]);
      fs.writeFileSync(path.join(sv, 'n'), data); // after the snapshot: blocks of its own
      execFileSync('sync');
      try {
        const before = shas(path.join(d, 'ro'));
        const engine = createEngine();
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.groups.length, 1);
        const g = plan.groups[0];
        assert.match(g.ranges[0].path, /\/ro\//, 'the source is in the read-only snapshot');
        assert.ok(
          g.ranges.slice(1).every((r) => !r.path.includes('/ro/')),
          'no destination in it',
        );
        // with what the snapshot's other copy keeps allocated: its own 1 MiB (a trial: the warning gave no figure)
        assert.ok(
          g.warnings.some((w) =>
            /^1 more range is in files the kernel will not change for this user .*their blocks stay allocated: 1048576 bytes of their data lie in blocks of their own \(by the extent maps\)\.$/.test(w),
          ),
          g.warnings.join('\n'),
        );
        // every file holding the data is named, those that cannot change marked so: the source and the other snapshot copy
        assert.equal(g.ranges[0].readOnly, true, 'the source is read-only');
        assert.ok(g.ranges.slice(1).every((r) => r.readOnly === undefined));
        assert.deepEqual(
          g.readOnly?.map((r) => [path.relative(d, r.path), r.offset, r.readOnly]),
          [[g.ranges[0].path.endsWith('/f') ? 'ro/g' : 'ro/f', 0n, true]],
        );
        const holders = [...g.ranges, ...(g.readOnly ?? [])].map((r) => path.relative(d, r.path)).sort();
        assert.deepEqual(holders, ['ro/f', 'ro/g', 'sv/f', 'sv/g', 'sv/n'], 'five files hold the data: all five are in the group');
        // sv/f and sv/g still share the snapshot's blocks: only n's own MiB can be freed
        assert.equal(g.netSaving, BigInt(MiB));
        const r = await engine.dedupe(plan);
        assert.deepEqual(r.skipped, []);
        freedMatches(kind, r.freed, BigInt(MiB));
        assert.deepEqual(shas(path.join(d, 'ro')), before);
      } finally {
        execFileSync('btrfs', ['subvolume', 'delete', path.join(d, 'ro'), sv], { stdio: 'ignore' });
      }
    },
  );

  test(
    'btrfs: copies a read-write snapshot outside the selection still holds: as root the saving is 0, exactly, and nothing is shared',
    { skip: kind !== 'btrfs' },
    async () => {
      const d = freshDir(t, 'rw-snapshot');
      const sv = path.join(d, 'sv');
      execFileSync('btrfs', ['subvolume', 'create', sv]);
      const data = randomBytes(2 * MiB);
      for (const n of ['f', 'g']) fs.writeFileSync(path.join(sv, n), data);
      execFileSync('sync');
      execFileSync('btrfs', ['subvolume', 'snapshot', sv, path.join(d, 'snap')]);
      execFileSync('sync');
      const snapId = execFileSync('btrfs', ['inspect-internal', 'rootid', path.join(d, 'snap')], { encoding: 'utf8' }).trim();
      try {
        const engine = createEngine();
        const plan = await engine.findDuplicates([sv]);
        assert.equal(plan.groups.length, 1);
        const g = plan.groups[0];
        // without the owners this was "between 0 and 2 MiB"; the snapshot keeps both copies' blocks
        assert.equal(g.netSaving, 0n);
        assert.equal(g.netSavingMin, 0n);
        // named by its path in the snapshot (btrfs names the subvolume and the inode)
        const snap = path.join(d, 'snap');
        assert.ok(
          g.warnings.some((w) => w.startsWith(`${2 * MiB} bytes `) && (w.includes(`(e.g. ${snap}/f)`) || w.includes(`(e.g. ${snap}/g)`))),
          g.warnings.join('\n'),
        );
        // where no path leads to it (something mounted over the snapshot), by its path from the
        // file system's top level and its subvolume (it was "subvolume N, inode M")
        execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', snap]);
        try {
          const hidden = await engine.findDuplicates([sv]);
          const top = `/${path.relative(t.mountPoint, snap)}/`;
          assert.ok(
            hidden.groups[0].warnings.some(
              (w) =>
                w.includes(`(e.g. ${top}f [subvolume ${snapId}, not mounted; the path is from the top level])`) ||
                w.includes(`(e.g. ${top}g [subvolume ${snapId}, not mounted; the path is from the top level])`),
            ),
            hidden.groups[0].warnings.join('\n'),
          );
        } finally {
          execFileSync('umount', [snap]);
        }
        const r = await engine.dedupe(plan);
        assert.equal(r.calls, 0);
        assert.equal(r.deduped, 0n);
        // the whole snapshot is in the selection too: now both of sv's copies can go to the snapshot's blocks
        const both = await engine.findDuplicates([d]);
        assert.equal(both.total.netSaving, BigInt(2 * MiB));
        assert.equal(both.total.netSavingMin, both.total.netSaving);
      } finally {
        execFileSync('btrfs', ['subvolume', 'delete', path.join(d, 'snap'), sv], { stdio: 'ignore' });
      }
    },
  );

  test(
    'btrfs compressed copies a snapshot outside the selection still holds: as root the saving is 0, exactly (not their uncompressed size)',
    { skip: kind !== 'btrfs' },
    async () => {
      const d = freshDir(t, 'compressed-snapshot');
      const sv = path.join(d, 'sv');
      compressedCopies(sv, ['f', 'g']);
      execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, path.join(d, 'snap')]);
      execFileSync('sync');
      try {
        assert.match(frags(path.join(sv, 'g'))[0].flags, /encoded/);
        const engine = createEngine();
        const plan = await engine.findDuplicates([sv]);
        assert.equal(plan.groups.length, 1);
        const g = plan.groups[0];
        // the snapshot references every compressed extent of both copies: sharing them frees nothing
        assert.equal(g.netSaving, 0n, g.warnings.join('\n'));
        assert.equal(g.netSavingMin, 0n);
        const snap = path.join(d, 'snap');
        assert.ok(
          g.warnings.some((w) => /compressed/.test(w) && (w.includes(`(e.g. ${snap}/f)`) || w.includes(`(e.g. ${snap}/g)`))),
          g.warnings.join('\n'),
        );
        const r = await engine.dedupe(plan);
        assert.equal(r.calls, 0, 'a group that frees nothing is left alone');
        // with the read-only snapshot in the selection too: its g cannot move and keeps g's extents,
        // so moving sv/g to the snapshot's f still frees nothing, exactly, and the warning names it
        const both = await engine.findDuplicates([d]);
        assert.equal(both.total.netSaving, 0n, both.groups.map((x) => x.warnings.join('\n')).join('\n'));
        assert.equal(both.total.netSavingMin, 0n);
        assert.ok(
          both.groups.some((x) => x.warnings.some((w) => /files the plan leaves in place also reference \(e\.g\. .*\/snap\/g\)/.test(w))),
          both.groups.map((x) => x.warnings.join('\n')).join('\n'),
        );
      } finally {
        execFileSync('btrfs', ['subvolume', 'delete', path.join(d, 'snap'), sv], { stdio: 'ignore' });
      }
    },
  );

  test(
    'btrfs compressed copies shared only inside the selection (a clone, a snapshot): as root one figure, the extent on disk once, and that is freed',
    { skip: kind !== 'btrfs' },
    async () => {
      const d = freshDir(t, 'compressed-inside');
      const sv = path.join(d, 'w');
      const text = compressedCopies(sv, ['t1', 't2']);
      // t2's extents are shared, but only with files of the selection: its clone, and the snapshot's t2
      execFileSync('cp', ['--reflink=always', path.join(sv, 't2'), path.join(sv, 't2c')]);
      execFileSync('btrfs', ['subvolume', 'snapshot', sv, path.join(d, 'wsnap')]);
      execFileSync('sync');
      try {
        const engine = createEngine();
        const disk = onDisk(path.join(sv, 't2'));
        assert.ok(disk < BigInt(text.length), `compressed: ${disk} bytes on disk`);
        const plan = await engine.findDuplicates([sv, path.join(d, 'wsnap')]);
        // t2's extents, on disk, once (t2, t2c and the snapshot's t2 all move to t1's)
        assert.equal(plan.total.netSaving, disk, plan.groups.map((g) => g.warnings.join('\n')).join('\n'));
        assert.equal(plan.total.netSavingMin, disk, 'one figure');
        assert.ok(!plan.groups.some((g) => g.warnings.some((w) => /shared with other files/.test(w))), 'no file outside shares them');
        const all = () => [...shas(sv), ...shas(path.join(d, 'wsnap'))];
        const before = all();
        const usedBefore = onDisk(d);
        const r = await engine.dedupe(plan);
        assert.equal(usedBefore - onDisk(d), disk, 'freed: the extents of t2, as compsize counts them');
        const off = r.freed > disk ? r.freed - disk : disk - r.freed;
        assert.ok(off <= 64n * BigInt(KiB), `freed ${r.freed} (statfs), estimated ${disk}`);
        assert.deepEqual(all(), before);
      } finally {
        execFileSync('btrfs', ['subvolume', 'delete', path.join(d, 'wsnap'), sv], { stdio: 'ignore' });
      }
    },
  );

  test(
    'btrfs compressed: a clone is already shared, and a plan applied twice makes no call the second time',
    { skip: kind !== 'btrfs' },
    async () => {
      const d = freshDir(t, 'compressed');
      execFileSync('btrfs', ['property', 'set', d, 'compression', 'zstd']);
      const text = Buffer.from(randomBytes(3 * MiB).toString('base64')); // 4 MiB that zstd packs
      for (const n of ['c1', 'c2']) fs.writeFileSync(path.join(d, n), text);
      execFileSync('cp', ['--reflink=always', path.join(d, 'c1'), path.join(d, 'c3')]);
      execFileSync('sync');
      const engine = createEngine();
      // The map keeps an encoded extent's address, as filefrag shows it.
      const m = await engine.map(path.join(d, 'c1'));
      const ff = frags(path.join(d, 'c1'));
      assert.match(ff[0].flags, /encoded/);
      assert.equal(m.extents[0].physical, BigInt(ff[0].physical) * 4096n);
      const before = shas(d);
      // Not root (the files theirs, so they may share them): the extent items cannot be read, so the saving is a range
      for (const p of [path.dirname(t.mountPoint), t.mountPoint]) fs.chmodSync(p, 0o755);
      for (const n of ['', ...fs.readdirSync(d)]) fs.chownSync(path.join(d, n), 65534, 65534);
      process.seteuid!(65534);
      let unprivileged: DedupePlan;
      try {
        unprivileged = await engine.findDuplicates([d]);
      } finally {
        process.seteuid!(0);
      }
      assert.equal(unprivileged.groups.length, 1, JSON.stringify(unprivileged.errors));
      assert.equal(unprivileged.groups[0].netSaving, BigInt(text.length), 'c2 counted in full: an upper bound for compressed data');
      assert.equal(unprivileged.groups[0].netSavingMin, 0n, 'and none of it in the lower bound: its size on disk is not known');
      assert.ok(
        unprivileged.notes.some((n) => /upper bound.*As root, btrfs extent items give compressed data its size on disk\.$/.test(n)),
      );
      // As root: c2's compressed extents at their size on disk, as compsize measures them
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      const byName = new Map(plan.groups[0].ranges.map((r) => [path.basename(r.path), r]));
      // c1 and its clone c3 share every extent: one is the source, the other already shared
      assert.equal(byName.get(path.basename(plan.groups[0].ranges[0].path) === 'c1' ? 'c3' : 'c1')?.alreadyShared, true);
      assert.equal(byName.get('c2')?.alreadyShared, undefined);
      const disk = onDisk(path.join(d, 'c2'));
      assert.ok(disk < BigInt(text.length), `compressed: ${disk} bytes on disk`);
      assert.equal(plan.groups[0].netSaving, disk, "c2's size on disk (compsize)");
      assert.equal(plan.groups[0].netSavingMin, disk, 'one figure');
      assert.ok(
        plan.notes.some((n) => /^Compressed data is counted at its size on disk \(btrfs extent items, read as root\) in one group/.test(n)),
      );
      assert.ok(!plan.notes.some((n) => /upper bound/.test(n)), plan.notes.join('\n'));
      const usedBefore = onDisk(d);
      const first = await engine.dedupe(plan);
      assert.ok(first.calls > 0);
      // the data freed, as compsize counts it: exactly c2's compressed extents
      assert.equal(usedBefore - onDisk(d), disk);
      // statfs counts btrfs's metadata too (checksums, extent items, its chunks): within 64 KiB either way
      const off = first.freed > disk ? first.freed - disk : disk - first.freed;
      assert.ok(off <= 64n * BigInt(KiB), `freed ${first.freed} (statfs), estimated ${disk}`);
      assert.deepEqual(shas(d), before);
      const again = await engine.findDuplicates([d]);
      assert.equal(again.total.netSaving, 0n, 'everything already shares one set of extents');
      const second = await engine.dedupe(again);
      assert.equal(second.calls, 0);
      assert.equal(second.deduped, 0n);
    },
  );
});

describe('dedupe on XFS with the reverse-mapping btree (rmapbt=1)', { skip: skipReason('xfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('xfs', 300, { mkfsArgs: ['-q', '-f', '-m', 'rmapbt=1,reflink=1'] });
  });
  after(() => t?.cleanup());

  test('blocks also shared with files outside the selection: as root, GETFSMAP names them, the saving is exact and freed equals it', async () => {
    const { plan, r } = await outsideSharedLayout(freshDir(t, 'outside-exact'), 'xfs');
    // cclone keeps c's 4 MiB (c is the source), bpart b's second MiB: a's 4 and b's other 3 are freed
    assert.equal(plan.total.netSaving, BigInt(7 * MiB));
    assert.equal(plan.total.netSavingMin, plan.total.netSaving);
    // XFS names the owner by inode: with its mount and the command that finds it, which names bpart
    const named = plan.groups[0].warnings
      .map((w) => /^1048576 bytes .* files outside the selection \(e\.g\. inode (\d+) of (\S+), which `(find \S+ -xdev -inum \d+)` names\)/.exec(w))
      .find((m) => m);
    assert.ok(named, plan.groups[0].warnings.join('\n'));
    assert.equal(named[2], t.mountPoint);
    assert.match(execFileSync('sh', ['-c', named[3]], { encoding: 'utf8' }), /\/out\/bpart\n$/);
    assert.ok(plan.notes.some((n) => /asked of the file system \(FS_IOC_GETFSMAP/.test(n)));
    assert.equal(r.estimated, BigInt(7 * MiB));
    assert.equal(r.freed, r.estimated);
  });

  test('copies of 100,000 bytes each cloned outside: their whole last blocks are kept too, so the saving is 0, as freed', async () => {
    const d = freshDir(t, 'unaligned-kept');
    const sel = path.join(d, 'sel');
    const out = path.join(d, 'out');
    fs.mkdirSync(sel);
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(sel, 'x'), randomBytes(100000));
    execFileSync('cp', ['--reflink=never', path.join(sel, 'x'), path.join(sel, 'y')]);
    execFileSync('cp', ['--reflink=always', path.join(sel, 'x'), path.join(out, 'w')]);
    execFileSync('cp', ['--reflink=always', path.join(sel, 'y'), path.join(out, 'z')]);
    execFileSync('sync');
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([sel]);
      assert.equal(plan.groups.length, 1);
      assert.equal(plan.total.netSaving, 0n, plan.groups[0].warnings.join('\n'));
      assert.equal(plan.total.netSavingMin, 0n);
      assert.ok(plan.groups[0].warnings.some((w) => /^102400 bytes of the other ranges share their blocks with files outside/.test(w)));
      const free0 = freeAfterSync(t.mountPoint);
      const r = await engine.dedupe(plan);
      assert.equal(r.calls, 0, 'a group that frees nothing is left alone');
      assert.equal(freeAfterSync(t.mountPoint) - free0, 0n);
    } finally {
      await engine.dispose();
    }
  });
});
