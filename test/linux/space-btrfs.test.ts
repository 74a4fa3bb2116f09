// engine.space on real btrfs, against its own accounting: a subvolume, partial clones by
// cp --reflink=always and FICLONERANGE through the engine, a snapshot: per-file allocated/exclusive
// equal `btrfs filesystem du --raw`, and a selection's unique equals its `btrfs filesystem du -s
// --raw` Exclusive + Set shared; as root what deleting frees is whole extents at their size on disk
// (a partly overwritten file, compressed files and a compressed clone, extents FIEMAP merges),
// measured after the delete; bounds without root; a folder named through a link and `..`; the
// worker gives the same answer. XFS, ext4, tmpfs, links and errors: space.test.ts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type SpaceResult } from '../../src/engine';
import { createLinuxBackend } from '../../src/engine/backends/linux';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { btrfsDataUsed as dataUsed, MiB, overwrite, randomFile, settledFree } from '../support/space-files';

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
      // a read-only snapshot: its files cannot be deleted as they are, and the note says so (a
      // trial: "Deleting this frees 12 MiB", and rm said "Read-only file system")
      execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, path.join(root, 'ro-snap')]);
      const ro = await engine.space([d, path.join(root, 'ro-snap', 'data')]);
      const roNote = ro.fileSystems[0].notes.find((n) => /read-only snapshot/.test(n));
      assert.equal(
        roNote,
        '6 files of the selection on btrfs lie on a read-only snapshot or file system (EROFS): they cannot be deleted as they are; what deleting frees counts them as if they could be, once the snapshot is made writable ' +
          `(btrfs property set ${path.join(root, 'ro-snap')} ro false). The selection names files in ${path.join(root, 'ro-snap')}, ` +
          'not the snapshot itself: deleting the whole snapshot (btrfs subvolume delete) frees what its other files hold too, if any.',
        ro.fileSystems[0].notes.join('\n'),
      );
      assert.ok(!(await engine.space([d])).fileSystems[0].notes.some((n) => /read-only/.test(n)), 'a writable subvolume: no note');
      execFileSync('btrfs', ['subvolume', 'delete', path.join(root, 'ro-snap')], { stdio: 'ignore' });
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
      let scanAsked: SpaceResult;
      let one: SpaceResult;
      try {
        bounded = await engine.space([d]);
        scanAsked = await engine.space([d], { exactScan: true });
        one = await engine.space([path.join(d, 'x')]);
      } finally {
        process.seteuid!(0);
      }
      // one file is spoken of as one (it read "Deleting these files frees about …")
      assert.match(one.fileSystems[0].notes.join(' '), /Deleting this file frees roughly \d+ bytes to \d+ bytes, by the bytes it references: btrfs/);
      // --exact-scan asked for on btrfs without root: said not to run, not silently ignored (a trial)
      assert.equal(scanAsked.total.reclaimableMax, bounded.total.reclaimableMax);
      assert.match(scanAsked.fileSystems[0].notes.join(' '), /needs root.*\(EPERM\).*The exact scan does not run on btrfs: .*run as root/);
      assert.doesNotMatch(bounded.fileSystems[0].notes.join(' '), /exact scan does not run/);
      assert.equal(bounded.total.reclaimableExact, false);
      // an estimate from the bytes referenced, not bounds: said in JSON too (a trial freed more than reclaimableMax)
      assert.equal(bounded.total.reclaimableBounds, false);
      assert.equal(bounded.fileSystems[0].reclaimableBounds, false);
      assert.match(bounded.fileSystems[0].notes.join(' '), /needs root.*\(EPERM\)/);
      assert.deepEqual(bounded.errors, []);
      assert.ok(
        bounded.fileSystems[0].notes.some((n) =>
          /only root can read extent sizes and owners .*Run as root for the exact figure\.$/.test(n),
        ),
        bounded.fileSystems[0].notes.join('\n'),
      );
      // y's own 256 KiB (btrfs flags x's whole extent shared; w is kept by its outside link) .. unique without w
      assert.equal(bounded.total.reclaimable, 256n * 1024n);
      assert.equal(bounded.total.reclaimableMax, 3n * BigInt(MiB) + 256n * 1024n);
      const r = await engine.space([d]);
      assert.equal(r.total.reclaimableExact, true, r.fileSystems[0].notes.join(' '));
      assert.equal(r.total.reclaimableBounds, true);
      // w's bytes count as exclusive, yet deleting frees none of them: said beside the figure (a
      // trial: "Exclusive 2 MiB", "Deleting this frees 0 B" and no word why), with or without root
      for (const x of [r, bounded])
        assert.ok(
          x.fileSystems[0].notes.includes(
            'One file of the selection on btrfs has a hard link outside it: deleting the selection would not free it (the other name keeps the data, though its bytes count as exclusive), so what deleting frees leaves it out.',
          ),
          x.fileSystems[0].notes.join('\n'),
        );
      // x (2 MiB, shared with y only) + y's own 256 KiB; not z (o holds it), not w (linked outside)
      assert.equal(r.total.reclaimable, 2n * BigInt(MiB) + 256n * 1024n);
      // per file, of its shared bytes those deleting frees: x's extent whole (btrfs flags it all
      // shared), y's part of it; none of z's (o holds its extent); w shares nothing
      const inside = Object.fromEntries(r.files.map((f) => [path.basename(f.path), f.sharedInside]));
      assert.deepEqual(inside, { w: 0n, x: 2n * BigInt(MiB), y: 2n * BigInt(MiB) - 256n * 1024n, z: 0n });
      // who keeps what is not freed is named (a trial: "frees 0 bytes", and which snapshot?)
      assert.ok(
        r.fileSystems[0].notes.includes(
          `1048576 bytes of the selection's extents on btrfs stay allocated: files outside the selection reference them too, most of all ` +
            `${path.join(out, 'o')} (1048576 bytes) (bytes on disk of the extents each keeps; an extent two of them reference counts for both).`,
        ),
        r.fileSystems[0].notes.join('\n'),
      );
      assert.doesNotMatch(bounded.fileSystems[0].notes.join(' '), /stay allocated: files outside/);
      assert.ok(bounded.files.every((f) => f.sharedInside === undefined));
      // as root, an owner query that no longer names a file (it changed during the scan): the bounds,
      // and not the advice to run as root
      const real = createLinuxBackend();
      const losing = new Proxy(real, {
        get(target, prop, receiver) {
          if (prop !== 'extentOwners') {
            const v = Reflect.get(target, prop, receiver);
            return typeof v === 'function' ? v.bind(target) : v;
          }
          return (p: string) => {
            const q = target.extentOwners(p);
            return q && { ...q, referencesTo: () => new Set<string>(), close: () => q.close() };
          };
        },
      });
      const changed = await createEngine({ backend: losing }).space([d]);
      const said = changed.fileSystems[0].notes.join(' ');
      assert.equal(changed.total.reclaimableExact, false);
      assert.match(said, /did it change during the scan\?/);
      assert.match(said, /could not be read \(above\)\. Run it again once nothing is changing the files for the exact figure\./);
      assert.doesNotMatch(said, /Run as root/);
      const before = await settledFree(t.mountPoint, ['btrfs', 'filesystem', 'sync', t.mountPoint]);
      for (const f of r.files) fs.rmSync(f.path);
      const freed = (await settledFree(t.mountPoint, ['btrfs', 'filesystem', 'sync', t.mountPoint])) - before;
      assert.equal(freed, r.total.reclaimable);
    } finally {
      await engine.dispose();
    }
  });

  test('without root, compressed data a file holds alone counts in what deleting frees (the bytes referenced, as the note says)', async () => {
    // A compressed VM image that nothing else references: its bytes are exclusive, and the
    // estimate without root ("about A to B, by the bytes they reference") starts from them. It
    // once left unshared compressed extents out of A: "about 568 KiB" for 30 MiB exclusive, 33 MiB freed.
    const d = freshDir(t, 'compressed-alone');
    execFileSync('btrfs', ['property', 'set', d, 'compression', 'zstd']);
    fs.writeFileSync(path.join(d, 'vm.img'), Buffer.alloc(4 * MiB, 'block of a disk image\n'));
    randomFile(path.join(d, 'plain'), 256 * 1024); // random data: btrfs stores it uncompressed
    execFileSync('btrfs', ['filesystem', 'sync', t.mountPoint]);
    for (const p of [path.dirname(t.mountPoint), t.mountPoint]) fs.chmodSync(p, 0o755);
    const engine = createEngine();
    try {
      let r: SpaceResult;
      process.seteuid!(65534);
      try {
        r = await engine.space([d]);
      } finally {
        process.seteuid!(0);
      }
      assert.equal(r.total.reclaimableExact, false);
      assert.equal(r.total.exclusive, 4n * BigInt(MiB) + 256n * 1024n);
      assert.ok((r.fileSystems[0].encoded ?? 0n) > 0n, 'vm.img is compressed');
      assert.equal(r.total.reclaimable, r.total.exclusive, r.fileSystems[0].notes.join('\n'));
      assert.equal(r.total.reclaimableMax, r.total.unique);
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
      // and how many bytes are compressed (counted uncompressed, as FIEMAP gives them): the view says so in its totals
      assert.equal(log.files[0].encoded, 32n * BigInt(MiB));
      assert.equal(log.fileSystems[0].encoded, 32n * BigInt(MiB));
      assert.equal((await engine.space([path.join(d, 'vm.img')])).fileSystems[0].encoded, undefined, 'none: absent');
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
    // committed first: an extent not yet in btrfs's extent tree has no owner to name, and a commit
    // between the two runs (every 30 s) made them differ (exact in one, bounds in the other)
    execFileSync('btrfs', ['filesystem', 'sync', t.mountPoint]);
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
