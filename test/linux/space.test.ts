// engine.space on real file systems, against the file systems' own accounting:
// - XFS reflink: exclusive <= the space actually freed by deleting the selection <= unique
//   (statfs after sync), with part of the selection shared with a file outside it; a hard link
//   outside; 300 clones of one file (sharesWith capped);
// - ext4: nothing shared, exact, and the freed space equals it; tmpfs likewise (it cannot share);
// - hard links once, symlinks not followed, names that are not UTF-8, and per-path errors
//   (EACCES, a FIFO, a symlink loop, a file vanishing mid-scan, a file being written) that never
//   abort the scan; a readable file named under a named folder that cannot be listed is counted.
// btrfs: space-btrfs.test.ts; XFS with and without rmapbt as root: space-xfs.test.ts.
// (Over 400 lines: the tests share one XFS and one ext4 loop file system, made once.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type SpaceFile, type SpaceResult } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { fromOsBytes, osPath, osPathBytes } from '../../src/engine/os-path';
import { MiB, overwrite, randomFile, settledFree } from '../support/space-files';

describe('space on XFS (reflink) and ext4', { skip: skipReason('xfs') ?? skipReason('ext4') }, () => {
  let xfs: TestFs;
  let ext4: TestFs;
  before(() => {
    xfs = makeFs('xfs');
    ext4 = makeFs('ext4');
  });
  after(() => {
    xfs?.cleanup();
    ext4?.cleanup();
  });

  test('XFS: exclusive <= what deleting the selection frees <= unique', async () => {
    const sel = freshDir(xfs, 'sel');
    const outside = freshDir(xfs, 'outside');
    randomFile(path.join(sel, 'a'), 4 * MiB);
    execFileSync('cp', ['--reflink=always', path.join(sel, 'a'), path.join(sel, 'b')]); // shared inside only
    overwrite(path.join(sel, 'b'), 0, MiB);
    randomFile(path.join(sel, 'c'), 2 * MiB);
    execFileSync('cp', ['--reflink=always', path.join(sel, 'c'), path.join(outside, 'c2')]); // shared with outside
    randomFile(path.join(sel, 'own'), MiB);
    execFileSync('sync');
    const engine = createEngine();
    let r: SpaceResult;
    try {
      r = await engine.space([sel]);
    } finally {
      await engine.dispose();
    }
    assert.deepEqual(r.errors, []);
    assert.equal(r.fileSystems[0].filesystem, 'xfs');
    assert.equal(r.total.allocated, 11n * BigInt(MiB));
    assert.equal(r.total.exclusive, 3n * BigInt(MiB)); // a's first MiB (b no longer shares it), b's rewritten MiB, own
    assert.equal(r.total.unique, 8n * BigInt(MiB)); // a (4) + b's own (1) + c (2) + own (1)
    assert.equal(r.total.reclaimableExact, false);
    assert.equal(r.total.reclaimable, r.total.exclusive);
    assert.equal(r.total.reclaimableMax, r.total.unique);
    assert.equal(r.fileSystems[0].exactScan, 'possible', 'bounds on XFS without rmapbt: an exact scan is offered');
    // the exact scan maps every other file of the file system (c2 holds c): exact, and equal to what is freed
    const exact = await createEngine().space([sel], { exactScan: true });
    assert.equal(exact.total.reclaimableExact, true, exact.fileSystems[0].notes.join(' '));
    assert.equal(exact.total.reclaimable, 6n * BigInt(MiB));
    assert.match(exact.fileSystems[0].notes.join(' '), /exact: a scan of the one other file of xfs/);
    assert.equal(exact.fileSystems[0].exactScan, 'ran');
    // the whole file system selected: no other file to scan, and the note says so
    const whole = await createEngine().space([xfs.mountPoint], { exactScan: true });
    assert.equal(whole.total.reclaimableExact, true, whole.fileSystems[0].notes.join(' '));
    assert.match(whole.fileSystems[0].notes.join(' '), /exact: the selection holds every file of xfs, so nothing outside it/);
    const before = await settledFree(xfs.mountPoint, ['sync']);
    for (const f of r.files) fs.rmSync(f.path);
    const freed = (await settledFree(xfs.mountPoint, ['sync'])) - before;
    assert.ok(freed >= r.total.reclaimable, `freed ${freed} >= exclusive ${r.total.reclaimable}`);
    assert.ok(freed <= r.total.reclaimableMax, `freed ${freed} <= unique ${r.total.reclaimableMax}`);
    // the truth here: everything but c, which c2 still holds
    assert.equal(freed, 6n * BigInt(MiB));
    assert.equal(freed, exact.total.reclaimable);
  });

  test('ext4: a file with a hard link outside frees nothing, and the note beside the figure says so', async () => {
    const sel = freshDir(ext4, 'linked-sel');
    const outside = freshDir(ext4, 'linked-out');
    randomFile(path.join(sel, 'a'), MiB);
    fs.linkSync(path.join(sel, 'a'), path.join(outside, 'a-link'));
    execFileSync('sync');
    const r = await createEngine().space([sel]);
    assert.equal(r.total.reclaimable, 0n);
    assert.equal(r.total.reclaimableExact, true);
    assert.match(
      r.fileSystems[0].notes.join(' '),
      /exact: no extent of the selection on ext4 is shared, so deleting the selection frees its exclusive bytes, less the files that keep a hard link outside it\./,
    );
  });

  test('XFS: shared bytes only a file with a hard link outside holds are in no upper bound (here the bounds meet: exact)', async () => {
    const sel = freshDir(xfs, 'kept-sel');
    const outside = freshDir(xfs, 'kept-out');
    randomFile(path.join(sel, 'd'), 4 * MiB);
    fs.linkSync(path.join(sel, 'd'), path.join(outside, 'd-link')); // d stays when the selection goes
    execFileSync('cp', ['--reflink=always', path.join(sel, 'd'), path.join(outside, 'd-clone')]); // and is shared
    randomFile(path.join(sel, 'e'), MiB);
    execFileSync('sync');
    const r = await createEngine().space([sel]);
    assert.equal(r.total.unique, 5n * BigInt(MiB));
    assert.equal(r.total.reclaimable, BigInt(MiB));
    assert.equal(r.total.reclaimableMax, BigInt(MiB), 'not d: its name outside keeps it, shared or not');
    // the bounds meet, so the figure is exact without owners or a scan
    assert.equal(r.total.reclaimableExact, true);
    assert.match(
      r.fileSystems[0].notes.join(' '),
      /exact: every shared extent of the selection on xfs is held by files with hard links outside it/,
    );
    assert.equal(r.fileSystems[0].exactScan, undefined, 'no exact scan offered');
    assert.deepEqual(
      r.files.map((f) => [path.basename(f.path), f.sharedInside]),
      [
        ['d', 0n],
        ['e', 0n],
      ],
    );
    const before = await settledFree(xfs.mountPoint, ['sync']);
    for (const f of r.files) fs.rmSync(f.path);
    assert.equal((await settledFree(xfs.mountPoint, ['sync'])) - before, BigInt(MiB));
  });

  test('300 clones of one file: sharesWith capped at the 100 with most bytes in common, sharesWithCount counts all', async () => {
    const d = freshDir(xfs, 'clones');
    randomFile(path.join(d, 'a-orig'), 16 * 1024);
    // 'b-part' keeps only its first 4 KiB shared: it has the fewest bytes in common with every other file.
    fs.copyFileSync(path.join(d, 'a-orig'), path.join(d, 'b-part'), fs.constants.COPYFILE_FICLONE_FORCE);
    overwrite(path.join(d, 'b-part'), 4096, 12 * 1024);
    for (let i = 0; i < 299; i++)
      fs.copyFileSync(path.join(d, 'a-orig'), path.join(d, `c${String(i).padStart(3, '0')}`), fs.constants.COPYFILE_FICLONE_FORCE);
    execFileSync('sync');
    const engine = createEngine();
    let r: SpaceResult;
    try {
      r = await engine.space([d]);
    } finally {
      await engine.dispose();
    }
    assert.deepEqual(r.errors, []);
    assert.equal(r.files.length, 301);
    const byName = new Map(r.files.map((f) => [path.basename(f.path), f]));
    for (const f of r.files) {
      assert.equal(f.sharesWithCount, 300, f.path);
      assert.equal(f.sharesWith.length, 100, f.path);
      for (let k = 1; k < f.sharesWith.length; k++) assert.ok(f.sharesWith[k - 1].bytes >= f.sharesWith[k].bytes, 'most bytes first');
    }
    // every whole clone shares 16 KiB with the others and 4 KiB with b-part, which is left out of its 100
    for (const name of ['a-orig', 'c000', 'c298']) {
      const f = byName.get(name)!;
      assert.ok(
        f.sharesWith.every((s) => s.bytes === 16384n && path.basename(s.path) !== 'b-part'),
        name,
      );
    }
    const part = byName.get('b-part')!;
    assert.ok(part.sharesWith.every((s) => s.bytes === 4096n));
    assert.equal(part.shared, 4096n);
    // the totals are not capped: 16 KiB once, plus b-part's own 12 KiB
    assert.equal(r.total.unique, 28n * 1024n);
  });

  test('ext4: nothing is shared, the answer is exact and equals the space freed', async () => {
    const d = freshDir(ext4, 'plain');
    randomFile(path.join(d, 'a'), 3 * MiB);
    randomFile(path.join(d, 'b'), 100 * 1024);
    fs.writeFileSync(path.join(d, 'sparse'), '');
    fs.truncateSync(path.join(d, 'sparse'), 64 * MiB);
    overwrite(path.join(d, 'sparse'), 32 * MiB, 8192);
    execFileSync('sync');
    const engine = createEngine();
    let r: SpaceResult;
    try {
      r = await engine.space([d]);
    } finally {
      await engine.dispose();
    }
    assert.equal(r.fileSystems[0].filesystem, 'ext4');
    for (const f of r.files) assert.equal(f.allocated, fs.statSync(f.path, { bigint: true }).blocks * 512n, f.path);
    assert.equal(r.total.shared, 0n);
    assert.equal(r.total.reclaimableExact, true);
    assert.equal(r.total.reclaimable, r.total.allocated);
    assert.equal(r.total.reclaimableMax, r.total.allocated);
    assert.equal(r.total.unique, r.total.allocated);
    assert.equal(r.total.size, BigInt(3 * MiB + 100 * 1024 + 64 * MiB));
    const before = await settledFree(ext4.mountPoint, ['sync']);
    for (const f of r.files) fs.rmSync(f.path);
    const freed = (await settledFree(ext4.mountPoint, ['sync'])) - before;
    assert.equal(freed, r.total.reclaimable);
  });

  test('ext4: extent-tree blocks are counted in what deleting frees (exact); an attribute block files may share is in the upper figure only', async () => {
    const d = freshDir(ext4, 'beyond');
    // 40 separate blocks: more extents than the inode holds, so an extent-tree block (du counts it)
    const frag = path.join(d, 'frag');
    const fd = fs.openSync(frag, 'w');
    for (let i = 0; i < 40; i++) fs.writeSync(fd, Buffer.alloc(4096, i + 1), 0, 4096, i * 8192);
    fs.closeSync(fd);
    // three files with the same 900-byte attribute: ext4 keeps it in one block they share
    const attr = ['attr1', 'attr2', 'attr3'].map((n) => path.join(d, n));
    for (const [i, p] of attr.entries()) {
      randomFile(p, 8192 + i);
      execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "user.big", b"a" * 900)', p]);
    }
    execFileSync('sync');
    const blocks = (p: string): bigint => fs.statSync(p, { bigint: true }).blocks * 512n;
    const space = async (paths: string[]): Promise<SpaceResult> => {
      const engine = createEngine();
      try {
        return await engine.space(paths);
      } finally {
        await engine.dispose();
      }
    };
    const freedBy = async (paths: string[]): Promise<bigint> => {
      const before = await settledFree(ext4.mountPoint, ['sync']);
      for (const p of paths) fs.rmSync(p);
      return (await settledFree(ext4.mountPoint, ['sync'])) - before;
    };
    const f = await space([frag]);
    assert.ok(blocks(frag) > f.total.allocated, 'the block count holds more than the extents');
    assert.equal(f.total.reclaimableExact, true);
    assert.equal(f.total.reclaimable, blocks(frag), 'the extent tree is counted: as du, as the file system frees it');
    assert.ok(f.fileSystems[0].notes.some((n) => /beyond the blocks of its extents .*extent-tree blocks/.test(n)), JSON.stringify(f.fileSystems[0].notes));
    assert.equal(await freedBy([frag]), f.total.reclaimable);
    // two of the three sharers: their data for sure, the attribute block only if nothing else uses it
    const two = await space(attr.slice(0, 2));
    const block = blocks(attr[0]) - two.files[0].allocated;
    assert.ok(block > 0n, 'an attribute block');
    assert.equal(two.total.reclaimableExact, false);
    assert.equal(two.total.reclaimable, two.total.allocated);
    assert.equal(two.total.reclaimableMax, two.total.allocated + block, 'one block for both: counted once');
    assert.ok(two.fileSystems[0].notes.some((n) => /keep extended attributes in a block of their own/.test(n)));
    assert.equal(await freedBy(attr.slice(0, 2)), two.total.reclaimable, 'the third file still uses the block');
    const last = await space([attr[2]]);
    assert.equal(await freedBy([attr[2]]), last.total.reclaimableMax, 'the last user frees the block too');
  });

  test('tmpfs: it cannot share blocks, so its SEEK_DATA maps (no physical offsets) give an exact answer, equal to the space freed', async () => {
    // (a new-user trial: bounds, "sharing unknown" on every file)
    const tmp = makeFs('tmpfs');
    const engine = createEngine();
    try {
      const d = freshDir(tmp, 'plain');
      randomFile(path.join(d, 'a'), 3 * MiB);
      execFileSync('fallocate', ['-l', String(MiB), path.join(d, 'reserved')]);
      fs.writeFileSync(path.join(d, 'sparse'), '');
      fs.truncateSync(path.join(d, 'sparse'), 64 * MiB);
      overwrite(path.join(d, 'sparse'), 32 * MiB, 8192);
      const streamed: SpaceFile[] = [];
      const r = await engine.space([d], { onFileMapped: (f, i) => (streamed[i] = f) });
      assert.deepEqual(r.errors, []);
      assert.equal(r.fileSystems[0].filesystem, 'tmpfs');
      // the rows streamed while it ran say the same (the first was mapped before tmpfs was named)
      assert.deepEqual(
        streamed.map((f) => [f.path, f.sharingUnknown]),
        r.files.map((f) => [f.path, undefined]),
      );
      for (const f of r.files) {
        assert.equal(f.allocated, fs.statSync(f.path, { bigint: true }).blocks * 512n, f.path);
        assert.equal(f.sharingUnknown, undefined, f.path);
        assert.equal(f.exclusive, f.allocated, f.path);
      }
      assert.deepEqual(
        [r.total.reclaimableExact, r.total.reclaimable, r.total.reclaimableMax, r.total.unique],
        [true, r.total.allocated, r.total.allocated, r.total.allocated],
      );
      assert.match(r.fileSystems[0].notes.join(' '), /exact: tmpfs cannot share blocks between files/);
      const before = await settledFree(tmp.mountPoint, ['sync']);
      for (const f of r.files) fs.rmSync(f.path);
      assert.equal((await settledFree(tmp.mountPoint, ['sync'])) - before, r.total.reclaimable);
    } finally {
      await engine.dispose();
      tmp.cleanup();
    }
  });

  test('hard links once, symlinks not followed, two file systems apart', async () => {
    const d = freshDir(xfs, 'links');
    randomFile(path.join(d, 'f'), 256 * 1024);
    fs.linkSync(path.join(d, 'f'), path.join(d, 'f-hard'));
    fs.mkdirSync(path.join(d, 'sub'));
    fs.linkSync(path.join(d, 'f'), path.join(d, 'sub', 'f-hard2'));
    fs.symlinkSync('f', path.join(d, 'f-sym'));
    fs.symlinkSync(ext4.mountPoint, path.join(d, 'to-ext4'));
    const e = freshDir(ext4, 'other');
    randomFile(path.join(e, 'g'), 128 * 1024);
    const engine = createEngine();
    try {
      const r = await engine.space([d, e, path.join(d, 'f-sym')]);
      assert.equal(r.total.files, 2);
      assert.deepEqual(
        r.files.map((f) => path.basename(f.path)),
        ['f', 'g'],
      );
      assert.equal(r.hardLinks, 2);
      assert.equal(r.symlinks, 2); // the two inside (the one named is an error, not counted again)
      assert.deepEqual(
        r.errors.map((x) => [x.path, x.code]),
        [[path.join(d, 'f-sym'), 'E_NOT_REGULAR']],
      );
      assert.equal(r.fileSystems.length, 2);
      assert.deepEqual(r.fileSystems.map((s) => s.filesystem).sort(), ['ext4', 'xfs']);
      assert.equal(r.total.allocated, 384n * 1024n);
    } finally {
      await engine.dispose();
    }
  });

  test('names that are not UTF-8: each file once, its path the exact bytes (os-path surrogateescape), names in sorted order', async () => {
    const d = freshDir(xfs, 'bytes');
    const dir = Buffer.concat([Buffer.from(d + '/'), Buffer.from([0x73, 0x75, 0x62, 0xe9])]); // "sub" + Latin-1 é
    fs.mkdirSync(dir);
    const names = [Buffer.from([0x61, 0xff, 0x2e, 0x62, 0x69, 0x6e]), Buffer.from('b-é.bin'), Buffer.from([0xc0, 0xaf])];
    for (const n of names) fs.writeFileSync(Buffer.concat([dir, Buffer.from('/'), n]), randomBytes(4096));
    execFileSync('sync');
    const engine = createEngine();
    let r: SpaceResult;
    try {
      r = await engine.space([d]);
    } finally {
      await engine.dispose();
    }
    assert.deepEqual(r.errors, []);
    assert.equal(r.files.length, 3);
    for (const f of r.files) {
      // the path names the file on disk, byte for byte
      const st = fs.lstatSync(osPath(f.path));
      assert.ok(st.isFile(), f.path);
      assert.equal(f.allocated, 4096n);
    }
    const got = r.files.map((f) => osPathBytes(path.basename(f.path)).toString('hex'));
    const want = names
      .map((n) => fromOsBytes(n))
      .sort()
      .map((s) => osPathBytes(s).toString('hex'));
    assert.deepEqual(got, want);
  });

  test('errors per path never abort the scan: EACCES, a FIFO, a symlink loop, a vanishing file, a file being written', async () => {
    const d = freshDir(xfs, 'bad');
    for (const p of [path.dirname(xfs.mountPoint), xfs.mountPoint, d]) fs.chmodSync(p, 0o755);
    fs.mkdirSync(path.join(d, 'locked'), { mode: 0o700 });
    randomFile(path.join(d, 'locked', 'secret'), 4096);
    execFileSync('mkfifo', [path.join(d, 'fifo')]);
    let prev = 'l0';
    fs.symlinkSync('l9', path.join(d, 'l0'));
    for (let i = 1; i < 10; i++) {
      fs.symlinkSync(prev, path.join(d, `l${i}`));
      prev = `l${i}`;
    }
    randomFile(path.join(d, 'a-first'), 4096);
    randomFile(path.join(d, 'z-vanishes'), 4096);
    fs.writeFileSync(path.join(d, 'w-growing'), '');
    for (const n of fs.readdirSync(d)) fs.lchownSync(path.join(d, n), 65534, 65534);
    fs.chownSync(path.join(d, 'locked'), 0, 0);
    fs.chownSync(d, 65534, 65534);
    const writer = spawn('sh', ['-c', `while :; do head -c 4096 /dev/urandom >> '${path.join(d, 'w-growing')}'; done`], {
      stdio: 'ignore',
    });
    const engine = createEngine();
    let r: SpaceResult;
    process.setegid!(65534);
    process.seteuid!(65534);
    try {
      let removed = false;
      r = await engine.space([d, path.join(d, 'l3', 'x')], {
        onProgress: () => {
          if (removed) return;
          removed = true;
          fs.rmSync(path.join(d, 'z-vanishes'));
        },
      });
    } finally {
      process.seteuid!(0);
      process.setegid!(0);
      writer.kill();
      await engine.dispose();
    }
    const codes = new Map(r.errors.filter((x) => x.code !== 'E_CHANGED').map((x) => [path.relative(d, x.path), x.code]));
    assert.equal(codes.get('locked'), 'EACCES');
    assert.equal(codes.get('fifo'), 'E_NOT_REGULAR');
    assert.equal(codes.get('z-vanishes'), 'ENOENT');
    assert.equal(codes.get(path.join('l3', 'x')), 'ELOOP');
    assert.equal(codes.size, 4, JSON.stringify(r.errors));
    // each names what happened and what to do (a trial: "no such file or directory; check the path")
    const message = (n: string): string => r.errors.find((x) => path.relative(d, x.path) === n)!.message;
    assert.match(message('z-vanishes'), /z-vanishes was removed during the scan; it was skipped \(ENOENT\)\.$/);
    assert.match(message('locked'), /permission denied; it was skipped \(EACCES\)\. Run as root, or as a user who may read it\.$/);
    assert.match(message(path.join('l3', 'x')), /too many symbolic links .*a loop of links.*\(ELOOP\)/);
    assert.equal(r.symlinks, 10);
    const names = r.files.map((f) => path.basename(f.path));
    assert.ok(names.includes('a-first') && names.includes('w-growing'), names.join(','));
    // what the unread folder holds is in no figure: not exact, and no upper bound (a trial read
    // "deleting it frees 0 bytes", exact, beside the EACCES); the vanished, FIFO and loop hold nothing
    assert.equal(r.total.reclaimableExact, false);
    assert.equal(r.total.reclaimableBounds, false);
    assert.ok(r.fileSystems[0].reclaimableBounds, "each file system's figures still bound what was read");
    // and say so: not "exact:" beside the EACCES (a review read "exact: no extent … is shared" above "at least")
    const fsNotes = r.fileSystems[0].notes;
    assert.ok(!fsNotes.some((n) => n.startsWith('exact: ')), fsNotes.join('\n'));
    assert.ok(fsNotes.some((n) => n.startsWith('exact for the files that were read: no extent of the selection on xfs is shared')), fsNotes.join('\n'));
    assert.ok(
      r.notes.some((n) => n.startsWith('One path of the selection could not be read (errors): what it holds is in none of the figures')),
      r.notes.join('\n'),
    );
  });

  test('a readable file named under a named folder that cannot be listed is still counted (as du counts it); so in dedupe', async () => {
    // The trial: `space xonly xonly/y` (xonly mode 0311) said "total: 0 files": y was left to the
    // walk of xonly, which cannot read xonly's names.
    const d = freshDir(xfs, 'xonly-top');
    for (const p of [path.dirname(xfs.mountPoint), xfs.mountPoint, d]) fs.chmodSync(p, 0o755);
    const xonly = path.join(d, 'xonly');
    fs.mkdirSync(path.join(xonly, 'sub'), { recursive: true });
    randomFile(path.join(xonly, 'y'), MiB);
    fs.copyFileSync(path.join(xonly, 'y'), path.join(xonly, 'sub', 'y2'));
    for (const f of ['y', 'sub/y2', 'sub']) fs.chmodSync(path.join(xonly, f), f === 'sub' ? 0o755 : 0o644);
    fs.chmodSync(xonly, 0o311);
    const y = path.join(xonly, 'y');
    const y2 = path.join(xonly, 'sub', 'y2');
    const engine = createEngine();
    process.seteuid!(65534);
    try {
      for (const sel of [
        [xonly, y],
        [y, xonly],
      ]) {
        const r = await engine.space(sel);
        assert.deepEqual(
          r.files.map((f) => f.path),
          [y],
          JSON.stringify(sel),
        );
        assert.equal(r.total.allocated, BigInt(MiB));
        assert.deepEqual(
          r.errors.map((e) => [e.path, e.code]),
          [[xonly, 'EACCES']],
        );
      }
      // a folder on the way inside the named one: sub can be listed, but the walk never gets there
      const plan = await engine.findDuplicates([xonly, y, path.join(xonly, 'sub')]);
      assert.equal(plan.groups.length, 1, JSON.stringify(plan.errors));
      assert.deepEqual(plan.groups[0].ranges.map((x) => x.path).sort(), [y2, y]);
    } finally {
      process.seteuid!(0);
      await engine.dispose();
    }
    // as root the walk of xonly reaches y: it is counted once
    const asRoot = createEngine();
    try {
      const r = await asRoot.space([xonly, y]);
      assert.deepEqual(r.files.map((f) => f.path).sort(), [y2, y].sort());
    } finally {
      await asRoot.dispose();
    }
  });
});
