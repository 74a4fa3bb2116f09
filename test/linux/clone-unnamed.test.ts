// The whole-file clone's O_TMPFILE path (LinuxBackend.cloneFileAnonymous): the clone goes into
// an unnamed inode in the destination folder and gets its name with linkat at the end, which
// never replaces. Checked on a real XFS image: permissions kept, nothing visible before the
// name, nothing left after a failure or a cancel, a name taken meanwhile is never clobbered,
// and the destination policies and folder destinations behave as on the temp-name path.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createEngine, type FsctlError } from '../../src/engine';
import { LinuxBackend } from '../../src/engine/backends/linux';
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

  test('cancelled after the clone, before the name: nothing is left (the inode never had a name)', async () => {
    const d = freshDir(xfs, 'cancel');
    const src = path.join(d, 'src.bin');
    writeData(src, 65536);
    const free0 = fs.statfsSync(d).bfree;
    const b = new LinuxBackend();
    let checks = 0;
    const ctx = {
      checkCancelled() {
        // The first check is at the start; the second runs after FICLONE, before linkat.
        if (++checks === 2) throw Object.assign(new Error('cancelled'), { code: 'E_CANCELLED' });
      },
      progress() {},
    };
    let committed = false;
    await assert.rejects(
      b.cloneFileAnonymous(src, d, path.join(d, 'dst.bin'), ctx, async () => {
        committed = true;
        return undefined;
      }),
      /cancelled/,
    );
    assert.equal(committed, false);
    assert.deepEqual(listing(d), ['src.bin']);
    assert.ok(fs.statfsSync(d).bfree >= free0 - 16, 'no space held by a leftover inode');
  });

  test('a name taken meanwhile is never replaced: linkat fails with EEXIST', async () => {
    const d = freshDir(xfs, 'race');
    const src = path.join(d, 'src.bin');
    writeData(src, 8192);
    const dst = path.join(d, 'dst.bin');
    const b = new LinuxBackend();
    const ctx = { checkCancelled() {}, progress() {} };
    await assert.rejects(
      b.cloneFileAnonymous(src, d, dst, ctx, async (link) => {
        fs.writeFileSync(dst, 'arrived first'); // another program takes the name
        await link(dst);
        return dst;
      }),
      (e: NodeJS.ErrnoException) => e.code === 'EEXIST',
    );
    assert.equal(fs.readFileSync(dst, 'utf8'), 'arrived first');
    assert.deepEqual(listing(d), ['dst.bin', 'src.bin']);
  });

  describe('the synchronous fast path (cloneToNewName): the plain case only, nothing left otherwise', () => {
    const ctx = { checkCancelled() {}, progress() {} };

    test('plain case: a report with the exact size, permission bits kept with and without fchmod', () => {
      const d = freshDir(xfs, 'fast');
      const b = new LinuxBackend();
      for (const [name, mode] of [
        ['a.bin', 0o640], // the O_TMPFILE mode already equals it under umask 022: no fchmod
        ['b.bin', 0o666], // umask 022 takes 0o022 away: fchmod restores it
      ] as const) {
        const src = path.join(d, name);
        writeData(src, 300_001);
        fs.chmodSync(src, mode);
        const dst = path.join(d, `copy-${name}`);
        const rep = b.cloneToNewName(src, dst, ctx);
        assert.ok(rep, 'the plain case is done by the fast path');
        assert.equal(rep.method, 'FICLONE');
        assert.equal(rep.bytes, 300_001n);
        assert.equal(rep.destination, dst);
        assert.equal(sha256(dst), sha256(src));
        assert.equal(fs.statSync(dst).mode & 0o7777, mode);
      }
      // A path with "." and "//" segments is reported in its normal form.
      const src = path.join(d, 'a.bin');
      const rep = b.cloneToNewName(src, `${d}/./sub/..//dotted.bin`, ctx);
      assert.equal(rep?.destination, path.join(d, 'dotted.bin'));
    });

    test('not the plain case: undefined and nothing made (taken name, folder, FIFO, missing source or folder)', () => {
      const d = freshDir(xfs, 'fastno');
      const b = new LinuxBackend();
      const src = path.join(d, 'src.bin');
      writeData(src, 8192);
      fs.writeFileSync(path.join(d, 'taken.bin'), 'keep me');
      fs.mkdirSync(path.join(d, 'folder'));
      execFileSync('mkfifo', [path.join(d, 'pipe')]);
      const before = listing(d);
      assert.equal(b.cloneToNewName(src, path.join(d, 'taken.bin'), ctx), undefined);
      assert.equal(fs.readFileSync(path.join(d, 'taken.bin'), 'utf8'), 'keep me');
      assert.equal(b.cloneToNewName(src, path.join(d, 'folder'), ctx), undefined);
      assert.deepEqual(fs.readdirSync(path.join(d, 'folder')), []);
      // A FIFO is never opened (that would block): its type is read first.
      assert.equal(b.cloneToNewName(path.join(d, 'pipe'), path.join(d, 'out.bin'), ctx), undefined);
      assert.equal(b.cloneToNewName(path.join(d, 'missing.bin'), path.join(d, 'out.bin'), ctx), undefined);
      assert.equal(b.cloneToNewName(src, path.join(d, 'no-such-folder', 'out.bin'), ctx), undefined);
      // The mount root as a folder destination: the unnamed inode lands on the parent file
      // system, FICLONE fails with EXDEV, and the full path clones into the folder instead.
      assert.equal(b.cloneToNewName(src, xfs.mountPoint, ctx), undefined);
      assert.deepEqual(listing(d), before);
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
      // A live signal and no progress callback, as the CLI calls it: the same synchronous pass.
      const rep3 = await engine.clone(src, path.join(d, 'c.bin'), { signal: new AbortController().signal });
      assert.equal(rep3.method, 'FICLONE');
      assert.equal(sha256(path.join(d, 'c.bin')), sha256(src));
      fs.rmSync(path.join(d, 'c.bin'));
      // Declined by the fast path (name taken): the full path applies the policy, once.
      const rep2 = await engine.clone(src, path.join(d, 'a.bin'), { onExisting: 'rename' });
      assert.equal(rep2.destination, path.join(d, 'a (clone).bin'));
      assert.deepEqual(listing(d), ['a (clone).bin', 'a.bin', 'src.bin']);
    });

    test('ext4 (no reflinks): undefined, nothing made; the engine then names EOPNOTSUPP', { skip: skipReason('ext4') }, async () => {
      const ext4 = makeFs('ext4');
      try {
        const src = path.join(ext4.mountPoint, 'src.bin');
        writeData(src, 8192);
        assert.equal(new LinuxBackend().cloneToNewName(src, path.join(ext4.mountPoint, 'dst.bin'), ctx), undefined);
        assert.deepEqual(listing(ext4.mountPoint).filter((n) => n !== 'lost+found'), ['src.bin']);
        await assert.rejects(engine.clone(src, path.join(ext4.mountPoint, 'dst.bin')), (e: FsctlError) => e.code === 'EOPNOTSUPP');
      } finally {
        ext4.cleanup();
      }
    });
  });
});
