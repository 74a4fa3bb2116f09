// Destinations as the kernel resolves them, on a real XFS (issue 11 items 1, 2 (overwrite),
// 9 and 12 (dangling link)):
//   - a ".." after a symbolic link is resolved by the file system, never by the text
//     ("sub/../t.bin" with sub -> ../else/deep is else/t.bin, as for cp and the kernel);
//   - a destination that is a link to a folder receives the source's name inside that folder;
//     a link to a file is written through (the file it points to is replaced, the link stays);
//     a dangling link is refused with overwrite, as cp refuses to write through it;
//   - names up to 255 bytes work for every policy: temporary names are short, and a renamed
//     "name (clone N).ext" is cut to 255 bytes on a UTF-8 boundary;
//   - overwrite refuses (EACCES) a file the caller could not open for writing, as cp would.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createEngine, type FsctlError } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { listing, sha256, writeData } from '../support/sparse-files';

const engine = createEngine();

/** d/src.bin, d/else/deep/, d/sub -> else/deep, d/t.bin ("unrelated"): the layout. */
function linkedLayout(d: string): { src: string; unrelated: string; elseDir: string } {
  const src = path.join(d, 'src.bin');
  writeData(src, 64 * 1024);
  fs.mkdirSync(path.join(d, 'else', 'deep'), { recursive: true });
  fs.symlinkSync('else/deep', path.join(d, 'sub'));
  const unrelated = path.join(d, 't.bin');
  fs.writeFileSync(unrelated, 'unrelated: keep me');
  return { src, unrelated, elseDir: path.join(d, 'else') };
}

describe('destinations resolved by the file system (xfs)', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
    // The mount's private parent folder is 0700: let the unprivileged-user test reach it.
    fs.chmodSync(path.dirname(xfs.mountPoint), 0o755);
  });
  after(() => xfs?.cleanup());

  for (const op of ['clone', 'copy'] as const) {
    test(`${op}: "sub/../t.bin" means else/t.bin (never the unrelated ./t.bin), every policy`, async () => {
      const d = freshDir(xfs, `dotdot-${op}`);
      const { src, unrelated, elseDir } = linkedLayout(d);
      const dest = `${d}/sub/../t.bin`; // not path.join: it would simplify the ".." as text
      const run = (onExisting: 'fail' | 'rename' | 'overwrite') =>
        op === 'clone' ? engine.clone(src, dest, { onExisting }) : engine.copy(src, dest, { onExisting });
      // A new file: in else/, not next to the link.
      const r1 = await run('fail');
      assert.equal(r1.destination, path.join(elseDir, 't.bin'));
      assert.equal(sha256(path.join(elseDir, 't.bin')), sha256(src));
      // It exists now (in else/): fail says so, rename picks else/t (clone).bin.
      await assert.rejects(run('fail'), (e: FsctlError) => e.code === 'E_EXISTS');
      const r2 = await run('rename');
      assert.equal(r2.destination, path.join(elseDir, `t (${op}).bin`));
      // Overwrite replaces else/t.bin, and never the unrelated ./t.bin.
      fs.writeFileSync(path.join(elseDir, 't.bin'), 'old');
      const r3 = await run('overwrite');
      assert.equal(r3.destination, path.join(elseDir, 't.bin'));
      assert.equal(sha256(path.join(elseDir, 't.bin')), sha256(src));
      assert.equal(fs.readFileSync(unrelated, 'utf8'), 'unrelated: keep me');
      assert.deepEqual(listing(d), ['else', 'src.bin', 'sub', 't.bin']);
      assert.deepEqual(listing(elseDir), ['deep', `t (${op}).bin`, 't.bin']);
    });
  }

  test('a folder given as "sub/.." (sub a link) is the folder the kernel means', async () => {
    const d = freshDir(xfs, 'dotdot-folder');
    const { src, elseDir } = linkedLayout(d);
    const r = await engine.clone(src, `${d}/sub/..`);
    assert.equal(r.destination, path.join(elseDir, 'src.bin'));
    const c = await engine.copy(src, `${d}/sub/../`, { onExisting: 'rename' });
    assert.equal(c.destination, path.join(elseDir, 'src (copy).bin'));
    assert.deepEqual(listing(elseDir), ['deep', 'src (copy).bin', 'src.bin']);
  });

  test('clone-range (and its copy fallback) into "sub/../t.bin" writes else/t.bin', async () => {
    const d = freshDir(xfs, 'dotdot-range');
    const { src, unrelated, elseDir } = linkedLayout(d);
    const target = path.join(elseDir, 't.bin');
    writeData(target, 64 * 1024, 99);
    const dest = `${d}/sub/../t.bin`; // not path.join: it would simplify the ".." as text
    await engine.cloneRange(src, 0n, dest, 0n, 64n * 1024n);
    assert.equal(sha256(target), sha256(src));
    writeData(target, 64 * 1024, 99);
    const r = await engine.cloneRange(src, 0n, dest, 100n, 1000n, { fallback: 'copy' });
    assert.equal(r.fellBack, true);
    assert.ok(fs.readFileSync(target).subarray(100, 1100).equals(fs.readFileSync(src).subarray(0, 1000)));
    assert.equal(fs.readFileSync(unrelated, 'utf8'), 'unrelated: keep me');
  });

  test('a link to a folder receives the source name inside it; a link to a file is written through', async () => {
    const d = freshDir(xfs, 'links');
    const src = path.join(d, 'src.bin');
    writeData(src, 16 * 1024);
    fs.mkdirSync(path.join(d, 'real'));
    fs.symlinkSync('real', path.join(d, 'to-dir'));
    const r = await engine.clone(src, path.join(d, 'to-dir'));
    assert.equal(r.destination, path.join(d, 'real', 'src.bin'));
    // A link to an existing file: overwrite replaces the file it points to; the link stays a link.
    const target = path.join(d, 'real', 'target.bin');
    fs.writeFileSync(target, 'old');
    const link = path.join(d, 'to-file');
    fs.symlinkSync('real/target.bin', link);
    const o = await engine.copy(src, link, { onExisting: 'overwrite' });
    assert.equal(o.destination, target);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(sha256(link), sha256(src));
    assert.deepEqual(listing(d), ['real', 'src.bin', 'to-dir', 'to-file']);
  });

  test('a dangling link: overwrite refuses to write through it (like cp), rename picks a free name', async () => {
    const d = freshDir(xfs, 'dangling');
    const src = path.join(d, 'src.bin');
    writeData(src, 8192);
    const link = path.join(d, 'dangling.bin');
    fs.symlinkSync('nowhere/missing.bin', link);
    for (const op of ['clone', 'copy'] as const) {
      const run = op === 'clone' ? engine.clone : engine.copy;
      await assert.rejects(
        run.call(engine, src, link, { onExisting: 'overwrite' }),
        (e: FsctlError) =>
          e.code === 'E_DANGLING_LINK' &&
          e.paths.includes(link) &&
          /dangling/.test(e.message) &&
          !/ask to rename or overwrite/.test(e.message),
      );
      await assert.rejects(
        run.call(engine, src, link),
        (e: FsctlError) => e.code === 'E_EXISTS' && /dangling symbolic link/.test(e.message) && !/overwrite/.test(e.message),
      );
    }
    const r = await engine.clone(src, link, { onExisting: 'rename' });
    assert.equal(r.destination, path.join(d, 'dangling (clone).bin'));
    assert.equal(fs.readlinkSync(link), 'nowhere/missing.bin');
    assert.deepEqual(listing(d), ['dangling (clone).bin', 'dangling.bin', 'src.bin']);
  });

  test('names of 226-255 bytes: copy, clone and every policy work; renamed names stay within 255 bytes', async () => {
    const d = freshDir(xfs, 'long');
    const src = path.join(d, 'src.bin');
    writeData(src, 8192);
    const long = 'n'.repeat(250) + '.bin'; // 254 bytes
    const dest = path.join(d, long);
    assert.equal((await engine.copy(src, dest)).destination, dest);
    assert.equal((await engine.copy(src, dest, { onExisting: 'overwrite' })).destination, dest);
    assert.equal((await engine.clone(src, dest, { onExisting: 'overwrite' })).destination, dest);
    const r1 = await engine.clone(src, dest, { onExisting: 'rename' });
    const r2 = await engine.copy(src, dest, { onExisting: 'rename' });
    const r3 = await engine.clone(src, dest, { onExisting: 'rename' });
    for (const r of [r1, r2, r3]) {
      const name = path.basename(r.destination!);
      assert.ok(Buffer.byteLength(name) <= 255, name);
      assert.equal(sha256(r.destination!), sha256(src));
    }
    assert.match(path.basename(r1.destination!), /^n+ \(clone\)\.bin$/);
    assert.match(path.basename(r2.destination!), /^n+ \(copy\)\.bin$/);
    assert.match(path.basename(r3.destination!), /^n+ \(clone 2\)\.bin$/);
    // Multi-byte characters are never cut in half.
    const wide = 'ü'.repeat(125) + '.b'; // 252 bytes
    fs.writeFileSync(path.join(d, wide), 'x');
    const w = await engine.clone(src, path.join(d, wide), { onExisting: 'rename' });
    const wn = path.basename(w.destination!);
    assert.ok(Buffer.byteLength(wn) <= 255 && !wn.includes('\uFFFD') && wn.endsWith(' (clone).b'), wn);
    assert.equal(listing(d).length, 7);
    assert.ok(listing(d).every((n) => !n.startsWith('.')));
  });

  test(
    "overwrite as a non-root user refuses a root-owned read-only file in the user's own folder (EACCES), as cp does",
    { skip: process.getuid?.() !== 0 ? 'needs root to switch user' : undefined },
    async () => {
      const d = freshDir(xfs, 'perm');
      fs.chmodSync(d, 0o755);
      const mine = path.join(d, 'mine');
      fs.mkdirSync(mine);
      fs.chownSync(mine, 65534, 65534);
      const src = path.join(mine, 'src.bin');
      writeData(src, 8192);
      fs.chownSync(src, 65534, 65534);
      const theirs = path.join(mine, 'root-ro.bin');
      fs.writeFileSync(theirs, 'root data');
      fs.chmodSync(theirs, 0o444);
      const linked = path.join(d, 'hardlink.bin');
      fs.linkSync(theirs, linked);
      const writable = path.join(mine, 'writable.bin');
      fs.writeFileSync(writable, 'old');
      fs.chownSync(writable, 65534, 65534);
      const script = `
        const { createEngine } = require(${JSON.stringify(path.resolve(__dirname, '../../src/engine/index.ts'))});
        const e = createEngine();
        const show = (p) => p.then((r) => 'OK ' + r.destination, (x) => x.code + ' ' + x.message);
        (async () => {
          console.log(await show(e.clone(${JSON.stringify(src)}, ${JSON.stringify(theirs)}, { onExisting: 'overwrite' })));
          console.log(await show(e.copy(${JSON.stringify(src)}, ${JSON.stringify(theirs)}, { onExisting: 'overwrite' })));
          console.log(await show(e.clone(${JSON.stringify(src)}, ${JSON.stringify(writable)}, { onExisting: 'overwrite' })));
        })();`;
      const r = spawnSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: '/tmp', HOME: '/tmp' },
        cwd: '/',
        timeout: 60000,
      });
      if (r.status !== 0 || !r.stdout) return assert.fail(`child failed: ${r.stderr}`);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 3, r.stdout);
      for (const l of lines.slice(0, 2)) {
        assert.match(l, /^EACCES /);
        assert.ok(l.includes(theirs), l);
        assert.match(l, /cannot open .* for writing/);
      }
      assert.equal(lines[2], `OK ${writable}`);
      assert.equal(fs.readFileSync(theirs, 'utf8'), 'root data');
      assert.equal(fs.statSync(theirs).uid, 0);
      assert.equal(fs.statSync(theirs).ino, fs.statSync(linked).ino);
      assert.equal(sha256(writable), sha256(src));
      assert.deepEqual(listing(mine), ['root-ro.bin', 'src.bin', 'writable.bin']);
    },
  );
});
