// engine.space on real file systems, against the file systems' own accounting:
// - btrfs (a subvolume, partial clones by cp --reflink=always and FICLONERANGE through the
//   engine, a snapshot): per-file allocated/exclusive equal `btrfs filesystem du --raw`, and a
//   selection's unique equals its `btrfs filesystem du -s --raw` Exclusive + Set shared; as root
//   what deleting frees is whole extents at their size on disk (a partly overwritten file,
//   compressed files and a compressed clone), measured after the delete;
// - XFS reflink: exclusive <= the space actually freed by deleting the selection <= unique
//   (statfs after sync), with part of the selection shared with a file outside it;
// - ext4: nothing shared, exact, and the freed space equals it;
// - hard links once, symlinks not followed, and per-path errors (EACCES, a FIFO, a symlink
//   loop, a file vanishing mid-scan, a file being written) that never abort the scan.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type SpaceFile, type SpaceResult } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { fromOsBytes, osPath, osPathBytes } from '../../src/engine/os-path';

const MiB = 1024 * 1024;

function randomFile(p: string, bytes: number): void {
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 65536) buf.set(require('node:crypto').randomBytes(Math.min(65536, bytes - i)), i);
  fs.writeFileSync(p, buf);
}

/** Overwrite `bytes` at `offset` with new random data (unsharing those blocks). */
function overwrite(p: string, offset: number, bytes: number): void {
  const fd = fs.openSync(p, 'r+');
  fs.writeSync(fd, require('node:crypto').randomBytes(bytes), 0, bytes, offset);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

interface DuRow {
  total: bigint;
  exclusive: bigint;
  setShared: bigint | undefined;
}

/** `btrfs filesystem du --raw [-s] paths...` by file name. */
function btrfsDu(paths: string[], summarize: boolean): Map<string, DuRow> {
  const out = execFileSync('btrfs', ['filesystem', 'du', '--raw', ...(summarize ? ['-s'] : []), ...paths], { encoding: 'utf8' });
  const rows = new Map<string, DuRow>();
  for (const line of out.split('\n').slice(1)) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m) rows.set(m[4], { total: BigInt(m[1]), exclusive: BigInt(m[2]), setShared: m[3] === '-' ? undefined : BigInt(m[3]) });
  }
  return rows;
}

function freeBytes(mountPoint: string): bigint {
  const s = fs.statfsSync(mountPoint, { bigint: true });
  return s.bfree * s.bsize;
}

/** Free space once the file system has settled after deletes (XFS frees inodes in the background). */
async function settledFree(mountPoint: string, syncCmd: string[]): Promise<bigint> {
  let last = -1n;
  for (let i = 0; i < 40; i++) {
    execFileSync(syncCmd[0], syncCmd.slice(1));
    const now = freeBytes(mountPoint);
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

/** The data btrfs holds on `mountPoint` (`btrfs filesystem df -b`, the Data line's used=), after a sync. */
function dataUsed(mountPoint: string): bigint {
  execFileSync('btrfs', ['filesystem', 'sync', mountPoint]);
  const m = /^Data\b.*used=(\d+)/m.exec(execFileSync('btrfs', ['filesystem', 'df', '-b', mountPoint], { encoding: 'utf8' }));
  assert.ok(m, 'btrfs filesystem df -b has a Data line');
  return BigInt(m[1]);
}

/** The data deleting `dir` frees, as btrfs counts its data (dataUsed before and after). */
function dataFreedByDeleting(mountPoint: string, dir: string): bigint {
  const before = dataUsed(mountPoint);
  fs.rmSync(dir, { recursive: true });
  return before - dataUsed(mountPoint);
}

const byPath = (r: SpaceResult): Map<string, SpaceResult['files'][number]> => new Map(r.files.map((f) => [f.path, f]));

describe('space on btrfs', { skip: skipReason('btrfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('btrfs');
  });
  after(() => t?.cleanup());

  test('per-file exclusive and the selection unique equal btrfs filesystem du (clones, range clones, a snapshot)', async () => {
    const root = t.mountPoint;
    const sv = path.join(root, 'sv');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    const d = path.join(sv, 'data');
    fs.mkdirSync(d);
    randomFile(path.join(d, 'a'), 2 * MiB);
    execFileSync('cp', ['--reflink=always', path.join(d, 'a'), path.join(d, 'b')]);
    overwrite(path.join(d, 'b'), 0, 256 * 1024); // b shares 1.75 MiB with a
    randomFile(path.join(d, 'c'), 1 * MiB);
    const engine = createEngine();
    try {
      // c's second half is a's bytes 1 MiB..1.5 MiB (FICLONERANGE through the engine)
      await engine.cloneRange(path.join(d, 'a'), 1n * BigInt(MiB), path.join(d, 'c'), 512n * 1024n, 512n * 1024n);
      randomFile(path.join(d, 'own'), 300 * 1024);
      fs.writeFileSync(path.join(d, 'tiny'), 'inline data'); // inline: no data extent
      fs.mkdirSync(path.join(d, 'sub'));
      execFileSync('cp', ['--reflink=always', path.join(d, 'own'), path.join(d, 'sub', 'own2')]);
      execFileSync('sync');
      execFileSync('btrfs', ['subvolume', 'snapshot', sv, path.join(root, 'snap')]);
      overwrite(path.join(root, 'snap', 'data', 'a'), 0, 128 * 1024);
      execFileSync('btrfs', ['filesystem', 'sync', root]);

      const selections = [[sv], [d], [path.join(d, 'sub')], [path.join(root, 'snap')], [d, path.join(root, 'snap', 'data', 'a')]];
      for (const sel of selections) {
        const r = await engine.space(sel);
        assert.deepEqual(r.errors, [], sel.join(' '));
        const files = byPath(r);
        // per file: btrfs filesystem du's Total and Exclusive
        for (const [name, row] of btrfsDu(sel, false)) {
          const f = files.get(name);
          if (!f) continue; // folders
          assert.equal(f.allocated, row.total, `${name}: allocated = btrfs du Total`);
          assert.equal(f.exclusive, row.exclusive, `${name}: exclusive = btrfs du Exclusive`);
        }
        for (const f of r.files) assert.ok(btrfsDu([f.path], false).has(f.path));
        // the selection: one argument at a time, unique = Exclusive + Set shared
        if (sel.length === 1) {
          const row = btrfsDu(sel, true).get(sel[0])!;
          assert.equal(r.total.exclusive, row.exclusive, `${sel[0]}: exclusive total`);
          assert.equal(r.total.unique, row.exclusive + (row.setShared ?? 0n), `${sel[0]}: unique = Exclusive + Set shared`);
          assert.equal(r.total.allocated, row.total, `${sel[0]}: allocated total`);
        }
        assert.equal(r.fileSystems.length, 1, 'a subvolume and its snapshot are one file system');
        assert.equal(r.fileSystems[0].filesystem, 'btrfs');
        assert.ok(r.total.reclaimable <= r.total.reclaimableMax);
      }

      // shares-with: a and b share 1.75 MiB; a and c 512 KiB; own and sub/own2 300 KiB (a block-rounded 4 KiB multiple)
      const r = byPath(await engine.space([d]));
      const a = r.get(path.join(d, 'a'))!;
      const share = (x: typeof a, other: string): bigint | undefined => x.sharesWith.find((s) => s.path === other)?.bytes;
      assert.equal(share(a, path.join(d, 'b')), 1792n * 1024n);
      assert.equal(share(a, path.join(d, 'c')), 512n * 1024n);
      assert.equal(share(r.get(path.join(d, 'c'))!, path.join(d, 'a')), 512n * 1024n);
      assert.equal(share(r.get(path.join(d, 'own'))!, path.join(d, 'sub', 'own2')), 300n * 1024n);
      assert.equal(share(a, path.join(d, 'own')), undefined);
      assert.equal(r.get(path.join(d, 'tiny'))!.allocated, 0n);
      assert.ok(r.get(path.join(d, 'tiny'))!.inline! > 0n);
      // as root, the owners of every shared extent are known: exact (all of d is also in the snapshot: nothing is freed)
      const whole = await engine.space([d]);
      assert.equal(whole.total.reclaimableExact, true);
      assert.equal(whole.total.reclaimable, 0n);
      assert.match(whole.fileSystems[0].notes.join(' '), /exact: BTRFS_IOC_LOGICAL_INO_V2/);
    } finally {
      await engine.dispose();
    }
  });

  test('exact as root (BTRFS_IOC_LOGICAL_INO_V2): reclaimable equals the space freed; bounds without root', async () => {
    const d = freshDir(t, 'exact');
    const out = freshDir(t, 'outside');
    randomFile(path.join(d, 'x'), 2 * MiB);
    execFileSync('cp', ['--reflink=always', path.join(d, 'x'), path.join(d, 'y')]); // shared inside only
    overwrite(path.join(d, 'y'), 0, 256 * 1024);
    randomFile(path.join(out, 'o'), MiB);
    execFileSync('cp', ['--reflink=always', path.join(out, 'o'), path.join(d, 'z')]); // shared with outside
    randomFile(path.join(d, 'w'), 512 * 1024);
    fs.linkSync(path.join(d, 'w'), path.join(out, 'w-outside')); // a hard link outside: w stays
    execFileSync('btrfs', ['filesystem', 'sync', t.mountPoint]);
    for (const p of [path.dirname(t.mountPoint), t.mountPoint]) fs.chmodSync(p, 0o755);
    const engine = createEngine();
    try {
      process.seteuid!(65534);
      let bounded: SpaceResult;
      try {
        bounded = await engine.space([d]);
      } finally {
        process.seteuid!(0);
      }
      assert.equal(bounded.total.reclaimableExact, false);
      assert.match(bounded.fileSystems[0].notes.join(' '), /needs root.*\(EPERM\)/);
      assert.deepEqual(bounded.errors, []);
      // y's own 256 KiB (btrfs flags x's whole extent shared; w is kept by its outside link) .. unique without w
      assert.equal(bounded.total.reclaimable, 256n * 1024n);
      assert.equal(bounded.total.reclaimableMax, 3n * BigInt(MiB) + 256n * 1024n);
      const r = await engine.space([d]);
      assert.equal(r.total.reclaimableExact, true, r.fileSystems[0].notes.join(' '));
      // x (2 MiB, shared with y only) + y's own 256 KiB; not z (o holds it), not w (linked outside)
      assert.equal(r.total.reclaimable, 2n * BigInt(MiB) + 256n * 1024n);
      // per file, of its shared bytes those deleting frees: x's extent whole (btrfs flags it all
      // shared), y's part of it; none of z's (o holds its extent); w shares nothing
      const inside = Object.fromEntries(r.files.map((f) => [path.basename(f.path), f.sharedInside]));
      assert.deepEqual(inside, { w: 0n, x: 2n * BigInt(MiB), y: 2n * BigInt(MiB) - 256n * 1024n, z: 0n });
      assert.ok(bounded.files.every((f) => f.sharedInside === undefined));
      const before = await settledFree(t.mountPoint, ['btrfs', 'filesystem', 'sync', t.mountPoint]);
      for (const f of r.files) fs.rmSync(f.path);
      const freed = (await settledFree(t.mountPoint, ['btrfs', 'filesystem', 'sync', t.mountPoint])) - before;
      assert.equal(freed, r.total.reclaimable);
    } finally {
      await engine.dispose();
    }
  });

  test('exact as root: whole extents (a partly overwritten file) and compressed ones at their size on disk, as freed', async () => {
    const d = freshDir(t, 'whole');
    // 8 MiB in one write, then 1 MiB of it rewritten: the first extent stays whole until the
    // file goes (the references say 8 MiB, deleting frees 9)
    randomFile(path.join(d, 'vm.img'), 8 * MiB);
    execFileSync('btrfs', ['filesystem', 'sync', t.mountPoint]);
    overwrite(path.join(d, 'vm.img'), 3 * MiB, MiB);
    // compressed: 32 MiB of text that zstd packs into a little of it, and a clone of another
    const c = path.join(d, 'c');
    fs.mkdirSync(c);
    execFileSync('btrfs', ['property', 'set', c, 'compression', 'zstd']);
    fs.writeFileSync(path.join(c, 'log'), Buffer.alloc(32 * MiB, 'hello\n'));
    fs.writeFileSync(path.join(c, 'a'), Buffer.alloc(4 * MiB, 'hi\n'));
    execFileSync('btrfs', ['filesystem', 'sync', t.mountPoint]);
    execFileSync('cp', ['--reflink=always', path.join(c, 'a'), path.join(c, 'b')]);
    // Many files, their extent items read in key ranges of nearby inodes (several calls each:
    // more items than one buffer holds), and a gap of 200 inodes outside the selection between
    // two runs of them; the last file has a partly overwritten extent too.
    const many = path.join(d, 'many');
    fs.mkdirSync(many);
    for (let i = 0; i < 1500; i++) randomFile(path.join(many, `f${i}`), 4096 * (1 + (i % 3)));
    const gap = freshDir(t, 'gap');
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(gap, `g${i}`), 'x');
    for (let i = 0; i < 20; i++) randomFile(path.join(many, `late${i}`), 8192);
    randomFile(path.join(many, 'last'), 256 * 1024);
    execFileSync('btrfs', ['filesystem', 'sync', t.mountPoint]);
    overwrite(path.join(many, 'last'), 64 * 1024, 4096);
    execFileSync('btrfs', ['filesystem', 'sync', t.mountPoint]);
    const engine = createEngine();
    try {
      const vm = await engine.space([path.join(d, 'vm.img')]);
      assert.equal(vm.total.exclusive, 8n * BigInt(MiB)); // FIEMAP: the bytes referenced
      assert.equal(vm.total.reclaimable, 9n * BigInt(MiB), vm.fileSystems[0].notes.join(' '));
      assert.equal(vm.total.reclaimableExact, true);
      const log = await engine.space([path.join(c, 'log')]);
      assert.ok(log.total.reclaimable > 0n && log.total.reclaimable < 4n * BigInt(MiB), String(log.total.reclaimable)); // compressed
      assert.equal(log.total.reclaimableExact, true);
      // compressed extents carry an address and FIEMAP's SHARED flag: known not shared; a note says how they count
      assert.notEqual(log.files[0].sharingUnknown, true);
      assert.match(
        log.fileSystems[0].notes.join(' '),
        /One file on btrfs holds compressed data: allocated, shared, exclusive and unique count it uncompressed.*; what deleting the selection frees counts it compressed, as it is on disk\./,
      );
      assert.doesNotMatch(log.fileSystems[0].notes.join(' '), /sharing is not known/);
      assert.equal((await engine.space([path.join(c, 'b')])).total.reclaimable, 0n); // a still holds every extent
      // The clones of a compressed file: FIEMAP places their extents only by address, and that is
      // enough to see that a and b share all of them, and to count them once in unique
      // (uncompressed bytes; btrfs filesystem du's "Set shared" takes [address, address + length)
      // for them, which overlaps the next extents: no figure to compare with)
      const ab = await engine.space([path.join(c, 'a'), path.join(c, 'b')]);
      assert.deepEqual(
        byPath(ab)
          .get(path.join(c, 'a'))!
          .sharesWith.map((s) => [s.path, s.bytes]),
        [[path.join(c, 'b'), 4n * BigInt(MiB)]],
      );
      assert.equal(ab.total.unique, 4n * BigInt(MiB));
      const r = await engine.space([d]);
      assert.equal(r.total.reclaimableExact, true);
      assert.deepEqual(r.errors, []);
      // Measured as btrfs counts its data ("Data ... used=" of `btrfs filesystem df -b`): statfs's
      // free blocks also move with the metadata reservation (128 KiB more here, for the extent
      // items of the compressed files).
      assert.equal(dataFreedByDeleting(t.mountPoint, d), r.total.reclaimable);
    } finally {
      await engine.dispose();
    }
  });

  test('exact as root: extents next to each other on disk, which FIEMAP merges into one record, each counted once', async () => {
    // D clones A's 2 MiB then B's: A and B written together lie side by side, so D's FIEMAP is
    // one 4 MiB shared record over two extent items. Counting D's second item as its own (no
    // shared record starts in it) said 6 MiB for 4 MiB of data. A file system of its own: on a
    // fresh one the allocator lays A and B down in order.
    const own = makeFs('btrfs');
    const d = freshDir(own, 'adjacent');
    const [a, b, dd] = ['A', 'B', 'D'].map((n) => path.join(d, n));
    randomFile(a, 2 * MiB);
    randomFile(b, 2 * MiB);
    execFileSync('btrfs', ['filesystem', 'sync', own.mountPoint]);
    execFileSync('xfs_io', ['-f', '-c', `reflink ${a} 0 0 ${2 * MiB}`, '-c', `reflink ${b} 0 ${2 * MiB} ${2 * MiB}`, dd]);
    execFileSync('btrfs', ['filesystem', 'sync', own.mountPoint]);
    assert.match(execFileSync('filefrag', [dd], { encoding: 'utf8' }), /: 1 extent found/, 'A and B lie side by side');
    const engine = createEngine();
    try {
      const r = await engine.space([d]);
      assert.equal(r.total.reclaimableExact, true);
      assert.equal(r.total.unique, 4n * BigInt(MiB));
      assert.equal(r.total.reclaimable, 4n * BigInt(MiB), r.fileSystems[0].notes.join(' '));
      // D and A: A's extent goes; D's second half is B's, which stays
      assert.equal((await engine.space([dd, a])).total.reclaimable, 2n * BigInt(MiB));
      assert.equal((await engine.space([dd])).total.reclaimable, 0n);
      assert.equal(dataFreedByDeleting(own.mountPoint, d), r.total.reclaimable);
    } finally {
      await engine.dispose();
      own.cleanup();
    }
  });

  test('a folder named through a link and ..: the kernel resolves it, the rows keep the path as given', async () => {
    const d = freshDir(t, 'dotdot');
    fs.mkdirSync(path.join(d, 'x', 'y'), { recursive: true });
    fs.mkdirSync(path.join(d, 't'));
    randomFile(path.join(d, 't', 'f1'), 64 * 1024);
    execFileSync('cp', ['--reflink=always', path.join(d, 't', 'f1'), path.join(d, 't', 'f2')]);
    fs.symlinkSync('../../t', path.join(d, 'x', 'y', 'l'));
    execFileSync('btrfs', ['filesystem', 'sync', t.mountPoint]);
    // x/y/l/.. is d (the parent of the link's target t), not x/y as text would have it
    const given = `${d}/x/y/l/..`;
    const r = await createEngine().space([given]);
    assert.deepEqual(
      r.files.map((f) => f.path),
      [`${given}/t/f1`, `${given}/t/f2`],
    );
    for (const f of r.files) assert.ok(fs.statSync(f.path).isFile());
    assert.equal(r.fileSystems[0].filesystem, 'btrfs');
    assert.equal(r.total.reclaimableExact, true, r.fileSystems[0].notes.join(' '));
    assert.equal(r.total.reclaimable, 64n * 1024n);
  });

  test('the worker gives the same answer, with progress in files and bytes', async () => {
    const d = freshDir(t, 'worker');
    randomFile(path.join(d, 'x'), MiB);
    execFileSync('cp', ['--reflink=always', path.join(d, 'x'), path.join(d, 'y')]);
    const inThread = createEngine();
    const worker = createEngine({ worker: true });
    try {
      const events: { done: bigint; files?: number }[] = [];
      const a = await inThread.space([d]);
      const b = await worker.space([d], { onProgress: (p) => events.push(p) });
      const strip = (r: SpaceResult): unknown => ({ ...r, durationMs: 0 });
      assert.deepEqual(strip(b), strip(a));
      assert.equal(a.total.unique, BigInt(MiB));
      assert.equal(a.total.shared, 2n * BigInt(MiB));
      assert.ok(events.length >= 1 && events[0].files === 1);
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(worker.space([d], { signal: ac.signal }), { code: 'E_CANCELLED' });
    } finally {
      await inThread.dispose();
      await worker.dispose();
    }
  });
});

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
      assert.equal(r.symlinks, 3); // two inside, one named
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
    for (const n of names) fs.writeFileSync(Buffer.concat([dir, Buffer.from('/'), n]), require('node:crypto').randomBytes(4096));
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
    assert.equal(r.symlinks, 10);
    const names = r.files.map((f) => path.basename(f.path));
    assert.ok(names.includes('a-first') && names.includes('w-growing'), names.join(','));
  });
});
