// The whole-file clone core on Linux (LinuxBackend.cloneNew + PendingClone.place, the one way
// every whole-file clone is made): the clone goes into an unnamed O_TMPFILE inode in the
// destination folder and gets its name with linkat at the end, which never replaces; where
// O_TMPFILE is missing, into a temporary name renamed with RENAME_NOREPLACE. Checked on a real
// XFS image: cp's permissions, nothing visible before the name, nothing left after a failure or
// a cancel, a name taken meanwhile is never clobbered, a FIFO is never opened, and the
// destination policies and folder destinations behave the same both ways.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createEngine, type ExistingPolicy, type FsctlError, type OperationReport } from '../../src/engine';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { loadLibc, O_TMPFILE, type Libc } from '../../src/engine/backends/linux/libc';
import { SignalContext } from '../../src/engine/context';
import { runRequest } from '../../src/engine/operations';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { listing, sha256, writeData } from '../support/sparse-files';

const engine = createEngine();

describe('clone through an unnamed O_TMPFILE inode on xfs', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
  });
  after(() => xfs?.cleanup());

  test('new path: same bytes, shared extents, the source permission bits, no other name made', async () => {
    const d = freshDir(xfs, 'new');
    const src = path.join(d, 'src.bin');
    writeData(src, 200_000);
    fs.chmodSync(src, 0o640);
    const dst = path.join(d, 'dst.bin');
    const rep = await engine.clone(src, dst);
    assert.equal(rep.method, 'FICLONE');
    assert.equal(rep.destination, dst);
    assert.equal(rep.bytes, 200_000n);
    assert.equal(sha256(dst), sha256(src));
    assert.equal(fs.statSync(dst).mode & 0o7777, 0o640);
    assert.ok((await engine.map(dst)).extents.every((e) => e.flags.includes('shared')));
    assert.deepEqual(listing(d), ['dst.bin', 'src.bin']);
  });

  test('policies: fail keeps the existing file; rename picks "(clone)"; a folder receives the source name', async () => {
    const d = freshDir(xfs, 'policy');
    const src = path.join(d, 'data.txt');
    writeData(src, 10_000);
    const dst = path.join(d, 'copy.txt');
    fs.writeFileSync(dst, 'keep me');
    await assert.rejects(engine.clone(src, dst), (e: FsctlError) => e.code === 'E_EXISTS' && e.paths.includes(dst));
    assert.equal(fs.readFileSync(dst, 'utf8'), 'keep me');
    assert.deepEqual(listing(d), ['copy.txt', 'data.txt']);
    const r = await engine.clone(src, dst, { onExisting: 'rename' });
    assert.equal(path.basename(r.destination!), 'copy (clone).txt');
    assert.equal(sha256(r.destination!), sha256(src));
    const sub = path.join(d, 'into');
    fs.mkdirSync(sub);
    const r2 = await engine.clone(src, sub);
    assert.equal(r2.destination, path.join(sub, 'data.txt'));
    assert.equal(fs.readFileSync(dst, 'utf8'), 'keep me');
  });

  test('the file system root folder as destination (its parent is another file system): cloned into it', async () => {
    // Regression: the unnamed inode used to be made in dirname(destination), which for a mount
    // root is on the parent file system, so FICLONE failed with EXDEV.
    const d = freshDir(xfs, 'rootsrc');
    const src = path.join(d, 'root-src.bin');
    writeData(src, 8192);
    const r = await engine.clone(src, xfs.mountPoint);
    assert.equal(r.method, 'FICLONE');
    assert.equal(r.destination, path.join(xfs.mountPoint, 'root-src.bin'));
    assert.equal(sha256(r.destination!), sha256(src));
    const again = await engine.clone(src, xfs.mountPoint, { onExisting: 'rename' });
    assert.equal(again.destination, path.join(xfs.mountPoint, 'root-src (clone).bin'));
  });

  test('a missing destination folder: ENOENT in the usual words, nothing made', async () => {
    const d = freshDir(xfs, 'nofolder');
    const src = path.join(d, 'src.bin');
    writeData(src, 4096);
    await assert.rejects(engine.clone(src, path.join(d, 'missing', 'dst.bin')), (e: FsctlError) => e.code === 'ENOENT' && /does not exist/.test(e.message));
    assert.deepEqual(listing(d), ['src.bin']);
  });

  test('cancelled after the clone, before the name: rejected as cancelled, nothing left (the inode never had a name)', async () => {
    const d = freshDir(xfs, 'cancel');
    const src = path.join(d, 'src.bin');
    writeData(src, 65536);
    const free0 = fs.statfsSync(d).bfree;
    // The core reports its one progress event after FICLONE; aborting there is a cancel that
    // arrives between the clone and its name.
    const ac = new AbortController();
    await assert.rejects(
      engine.clone(src, path.join(d, 'dst.bin'), { signal: ac.signal, onProgress: () => ac.abort() }),
      (e: FsctlError) => e.code === 'E_CANCELLED',
    );
    assert.deepEqual(listing(d), ['src.bin']);
    assert.ok(fs.statfsSync(d).bfree >= free0 - 16, 'no space held by a leftover inode');
  });

  describe('the core itself (cloneNew, place, close)', () => {
    const ctx = { checkCancelled() {}, progress() {} };

    test("a report with the exact size; cp's mode for a new file (the source's 0777 bits less the umask)", () => {
      const d = freshDir(xfs, 'core');
      const b = new LinuxBackend();
      const old = process.umask(0o022);
      for (const [name, mode, want] of [
        ['a.bin', 0o640, 0o640],
        ['b.bin', 0o666, 0o644], // umask 022 takes 0o022 away, as for cp
        ['c.bin', 0o6755, 0o755], // set-id bits dropped, as for cp
      ] as const) {
        const src = path.join(d, name);
        writeData(src, 300_001);
        fs.chmodSync(src, mode);
        const dst = path.join(d, `copy-${name}`);
        const p = b.cloneNew(src, { dir: d, final: dst, temp: path.join(d, `.${name}.tmp`) }, ctx);
        try {
          assert.equal(p.bytes, 300_001n);
          const before = ['a.bin', 'b.bin', 'c.bin'].slice(0, ['a.bin', 'b.bin', 'c.bin'].indexOf(name)).map((n) => `copy-${n}`);
          assert.deepEqual(listing(d).filter((n) => n.startsWith('copy-') || n.endsWith('.tmp')), before);
          p.place(dst, false);
        } finally {
          p.close();
        }
        assert.equal(sha256(dst), sha256(src));
        assert.equal(fs.statSync(dst).mode & 0o7777, want);
      }
      process.umask(old);
    });

    test('a name taken meanwhile is never replaced: EEXIST, the other file kept, nothing left', () => {
      const d = freshDir(xfs, 'race');
      const src = path.join(d, 'src.bin');
      writeData(src, 8192);
      const dst = path.join(d, 'dst.bin');
      const p = new LinuxBackend().cloneNew(src, { dir: d, final: dst, temp: path.join(d, '.dst.tmp') }, ctx);
      try {
        fs.writeFileSync(dst, 'arrived first'); // another program takes the name
        assert.throws(() => p.place(dst, false), (e: FsctlError) => e.code === 'EEXIST');
      } finally {
        p.close();
      }
      assert.equal(fs.readFileSync(dst, 'utf8'), 'arrived first');
      assert.deepEqual(listing(d), ['dst.bin', 'src.bin']);
    });

    test('never opens a FIFO or a device, never clones a folder: refused by type, nothing made', { timeout: 10000 }, () => {
      const d = freshDir(xfs, 'types');
      const b = new LinuxBackend();
      execFileSync('mkfifo', [path.join(d, 'pipe')]);
      const before = listing(d);
      const attempt = (source: string): (() => unknown) => () => b.cloneNew(source, { dir: d, final: path.join(d, 'x'), temp: path.join(d, '.x.tmp') }, ctx);
      assert.throws(attempt(path.join(d, 'pipe')), (e: FsctlError) => e.code === 'E_NOT_REGULAR' && /FIFO/.test(e.message));
      assert.throws(attempt('/dev/zero'), (e: FsctlError) => e.code === 'E_NOT_REGULAR' && /character device/.test(e.message));
      assert.throws(attempt(d), (e: FsctlError) => e.code === 'EISDIR');
      assert.throws(attempt(path.join(d, 'missing')), (e: FsctlError) => e.code === 'ENOENT');
      assert.deepEqual(listing(d), before);
    });

    test('ext4 (no reflinks): EOPNOTSUPP from the core, nothing made; the engine names it', { skip: skipReason('ext4') }, async () => {
      const ext4 = makeFs('ext4');
      try {
        const src = path.join(ext4.mountPoint, 'src.bin');
        writeData(src, 8192);
        const dst = path.join(ext4.mountPoint, 'dst.bin');
        assert.throws(() => new LinuxBackend().cloneNew(src, { dir: ext4.mountPoint, final: dst, temp: `${dst}.tmp` }, ctx), (e: FsctlError) => e.code === 'EOPNOTSUPP');
        assert.deepEqual(listing(ext4.mountPoint).filter((n) => n !== 'lost+found'), ['src.bin']);
        await assert.rejects(engine.clone(src, dst), (e: FsctlError) => e.code === 'EOPNOTSUPP');
        assert.deepEqual(listing(ext4.mountPoint).filter((n) => n !== 'lost+found'), ['src.bin']);
      } finally {
        ext4.cleanup();
      }
    });
  });

  test('through the in-thread engine: one final progress event, a live signal, an aborted one, a taken name', async () => {
    const d = freshDir(xfs, 'plain');
    const src = path.join(d, 'src.bin');
    writeData(src, 123_457);
    const events: { done: bigint; total: bigint }[] = [];
    const rep = await engine.clone(src, path.join(d, 'a.bin'), { signal: new AbortController().signal, onProgress: (p) => events.push(p) });
    assert.equal(rep.method, 'FICLONE');
    assert.equal(rep.bytes, 123_457n);
    assert.deepEqual(events, [{ done: 123_457n, total: 123_457n }]);
    assert.equal(sha256(path.join(d, 'a.bin')), sha256(src));
    // Already aborted: rejected as cancelled before any system call, nothing made.
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(engine.clone(src, path.join(d, 'b.bin'), { signal: ac.signal }), (e: FsctlError) => e.code === 'E_CANCELLED');
    // A path with "." and "//" segments is reported in its normal form.
    fs.mkdirSync(path.join(d, 'sub'));
    const dotted = await engine.clone(src, `${d}/./sub/..//dotted.bin`);
    assert.equal(dotted.destination, path.join(d, 'dotted.bin'));
    fs.rmSync(dotted.destination!);
    fs.rmdirSync(path.join(d, 'sub'));
    // A taken name: the policy decides, once.
    const rep2 = await engine.clone(src, path.join(d, 'a.bin'), { onExisting: 'rename' });
    assert.equal(rep2.destination, path.join(d, 'a (clone).bin'));
    const rep3 = await engine.clone(src, path.join(d, 'a.bin'), { onExisting: 'overwrite' });
    assert.equal(rep3.destination, path.join(d, 'a.bin'));
    assert.deepEqual(listing(d), ['a (clone).bin', 'a.bin', 'src.bin']);
  });
});

/** The real libc, except that open(dir, O_TMPFILE) fails with `errno`, as on a kernel or file system without it. */
function withoutTmpfile(errno: number): Libc {
  const real = loadLibc();
  let fake = 0;
  return {
    ...real,
    open(p, flags, mode) {
      if ((flags & O_TMPFILE) === O_TMPFILE) {
        fake = errno;
        return -1;
      }
      fake = 0;
      return real.open(p, flags, mode);
    },
    errno: () => fake || real.errno(),
  };
}

describe('where O_TMPFILE is missing: a temporary name, renamed without replacing', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
  });
  after(() => xfs?.cleanup());

  for (const [why, errno] of [['EOPNOTSUPP (the file system)', 95], ['EISDIR (the kernel, before 3.11)', 21]] as const) {
    test(`${why}: same bytes and permissions, policies, nothing left after a failure`, async () => {
      const b = new LinuxBackend(withoutTmpfile(errno));
      const run = (source: string, destination: string, onExisting?: ExistingPolicy): Promise<OperationReport> =>
        runRequest(async () => b, { op: 'clone', source, destination, onExisting }, new SignalContext('clone', [source, destination])) as Promise<OperationReport>;
      const d = freshDir(xfs, `notmp-${errno}`);
      const src = path.join(d, 'src.bin');
      writeData(src, 100_000);
      fs.chmodSync(src, 0o604);
      const dst = path.join(d, 'dst.bin');
      const rep = await run(src, dst);
      assert.equal(rep.method, 'FICLONE');
      assert.equal(rep.bytes, 100_000n);
      assert.equal(sha256(dst), sha256(src));
      assert.equal(fs.statSync(dst).mode & 0o7777, 0o604);
      assert.ok((await engine.map(dst)).extents.every((e) => e.flags.includes('shared')));
      await assert.rejects(run(src, dst), (e: FsctlError) => e.code === 'E_EXISTS');
      assert.equal((await run(src, dst, 'rename')).destination, path.join(d, 'dst (clone).bin'));
      fs.writeFileSync(dst, 'old');
      assert.equal((await run(src, dst, 'overwrite')).destination, dst);
      assert.equal(sha256(dst), sha256(src));
      assert.deepEqual(listing(d), ['dst (clone).bin', 'dst.bin', 'src.bin']);
      // A name taken between the clone and its name: the temporary file is never renamed over it.
      const p = b.cloneNew(src, { dir: d, final: path.join(d, 'late.bin'), temp: path.join(d, '.late.tmp') }, { checkCancelled() {}, progress() {} });
      try {
        assert.deepEqual(listing(d), ['.late.tmp', 'dst (clone).bin', 'dst.bin', 'src.bin']);
        fs.writeFileSync(path.join(d, 'late.bin'), 'arrived first');
        assert.throws(() => p.place(path.join(d, 'late.bin'), false), (e: FsctlError) => e.code === 'EEXIST');
      } finally {
        p.close();
      }
      assert.equal(fs.readFileSync(path.join(d, 'late.bin'), 'utf8'), 'arrived first');
      assert.deepEqual(listing(d), ['dst (clone).bin', 'dst.bin', 'late.bin', 'src.bin']);
    });
  }

  test('a clone the file system refuses (another file system): EXDEV, the temporary name removed', { skip: skipReason('ext4') }, async () => {
    const ext4 = makeFs('ext4');
    try {
      const b = new LinuxBackend(withoutTmpfile(95));
      const src = path.join(ext4.mountPoint, 'src.bin');
      writeData(src, 8192);
      const out = freshDir(xfs, 'notmp-xdev');
      const dst = path.join(out, 'dst.bin');
      await assert.rejects(
        runRequest(async () => b, { op: 'clone', source: src, destination: dst }, new SignalContext('clone', [src, dst])),
        (e: FsctlError) => e.code === 'EXDEV' && e.paths.includes(dst),
      );
      assert.deepEqual(listing(out), []);
    } finally {
      ext4.cleanup();
    }
  });
});
