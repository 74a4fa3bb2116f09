// clone-range at the edges, through the built CLI: a LENGTH 0 (to the source's end) that would
// carry the destination past 2^63 - 1 is refused by the engine with the reason (E_RANGE), not
// the kernel's EINVAL with a list of guesses; the in-place copy fallback's failure says what it
// measured. XFS (reflink) and ext4 loop images, as root.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, type LoopFs } from './loop';
import { makeFs, type TestFs } from '../support/loopfs';

const skip = skipReason('xfs') ?? skipReason('ext4');

describe('clone-range at the edges', { skip }, () => {
  let xfs: LoopFs;
  let ext4: TestFs;
  before(() => {
    ensureBuilt();
    xfs = makeLoopFs('xfs', 300);
    ext4 = makeFs('ext4', 64, { mkfsArgs: ['-q', '-F', '-b', '4096'] }); // 4 KiB blocks: files up to 16 TiB - 4 KiB
  });
  after(() => {
    xfs?.cleanup();
    ext4?.cleanup();
  });

  test('LENGTH 0 whose range would end past 2^63 - 1: E_RANGE naming the end, exit 1, nothing changed', () => {
    const a = path.join(xfs.mnt, 'a.bin');
    const b = path.join(xfs.mnt, 'b.bin');
    fs.writeFileSync(a, Buffer.alloc(1 << 20, 7));
    fs.writeFileSync(b, Buffer.alloc(1 << 16, 9));
    const before = fs.readFileSync(b);
    for (const [dest, extra] of [
      [b, []],
      [b, ['--fallback', 'copy']],
      [a, []], // the same file
    ] as const) {
      const r = cli(['clone-range', a, '0', dest, '0x7ffffffffff00000', '0', ...extra, '--json']);
      assert.equal(r.code, 1, r.stderr);
      const err = JSON.parse(r.stdout).error;
      assert.equal(err.code, 'E_RANGE', r.stdout);
      assert.match(err.message, /9223372036853727232\+1048576 \(to the source's end\) would end past the largest file size, 2\^63 - 1/);
      assert.doesNotMatch(r.stderr, /EINVAL|multiples of the block size/);
    }
    assert.deepEqual(fs.readFileSync(b), before);
    assert.equal(fs.statSync(a).size, 1 << 20);
    // The last place it fits is still taken (2^63 - 1 - 2^20 rounded down to a block).
    const ok = cli(['clone-range', a, '0', b, String((1n << 63n) - (1n << 20n) - 4096n), '0']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  // A trial: --atomic was accepted on Linux and did nothing different; FICLONERANGE has no
  // all-or-nothing mode, so it is refused before any call, as a wrong option (exit 2).
  test('--atomic on Linux: a usage error (exit 2) saying why, nothing changed', () => {
    const a = path.join(xfs.mnt, 'atomic-a.bin');
    const b = path.join(xfs.mnt, 'atomic-b.bin');
    fs.writeFileSync(a, Buffer.alloc(1 << 16, 7));
    fs.writeFileSync(b, Buffer.alloc(1 << 16, 9));
    for (const extra of [[], ['--fallback', 'copy']]) {
      const r = cli(['clone-range', '--atomic', a, '0', b, '0', '64k', ...extra]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        /^extent-lens clone-range: --atomic: an all-or-nothing clone is not possible on Linux \(E_UNSUPPORTED\): FICLONERANGE has no all-or-nothing mode/,
      );
      assert.match(r.stderr, /\nusage: extent-lens clone-range /);
      const j = cli(['clone-range', '--atomic', a, '0', b, '0', '64k', '--json', ...extra]);
      assert.equal(j.code, 2, j.stderr);
      assert.equal(JSON.parse(j.stdout).error.code, 'E_USAGE');
    }
    assert.deepEqual(fs.readFileSync(b), Buffer.alloc(1 << 16, 9));
    assert.equal(cli(['clone-range', a, '0', b, '0', '64k']).code, 0); // and without it, it clones
  });

  test('range refusals (E_RANGE) say what fits: offsets below the end, bytes that fit, growing allowed', () => {
    const a = path.join(xfs.mnt, 'r-a.bin');
    const b = path.join(xfs.mnt, 'r-b.bin');
    const empty = path.join(xfs.mnt, 'r-empty.bin');
    fs.writeFileSync(a, Buffer.alloc(1 << 20, 7));
    fs.writeFileSync(b, Buffer.alloc(1 << 20, 9));
    fs.writeFileSync(empty, '');
    const cases: [string[], RegExp][] = [
      [[a, '2m', b, '0', '4096'], /past the source's end \(1048576 bytes\); choose a source offset below 1048576 \(E_RANGE\)/],
      [
        [a, '1m', b, '0', '0'],
        /the range is empty \(nothing to clone\): the source offset 1048576 is the source's end; choose a source offset below 1048576/,
      ],
      [[a, '1020k', b, '0', '8192'], /ends past the source's end \(1048576 bytes\); at most 4096 bytes fit from that offset/],
      [[a, '1m', b, '0', '8192'], /ends past the source's end \(1048576 bytes\); choose a source offset below 1048576/],
      [[empty, '0', b, '0', '0'], /r-empty\.bin has a size of 0 bytes; choose a source that holds data/],
      [
        [a, '0', b, '1020k', '8192', '--no-extend'],
        /extending was not allowed; at most 4096 bytes fit there, or allow the destination to grow/,
      ],
      // (it said "the destination offset must be below 1048576", where 1048575 does not fit either)
      [
        [a, '0', b, '1m', '4096', '--no-extend'],
        /extending was not allowed; the destination offset must be at most 1044480 for 4096 bytes to fit, or allow/,
      ],
      [
        [a, '0', b, '2m', '0', '--no-extend'],
        /extending was not allowed; the destination offset must be at most 0 for 1048576 bytes to fit/,
      ],
      // (an empty destination: it said "the destination offset must be below 0")
      [
        [a, '0', empty, '0', '4096', '--no-extend'],
        /extending was not allowed; the destination is empty, so nothing fits in it: allow it to grow/,
      ],
    ];
    for (const [args, want] of cases) {
      const r = cli(['clone-range', ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, want);
    }
  });

  test('--fallback copy from a pseudo file: /sys (size 4096, reads less) is not said to have shrunk; /proc (size 0) not said empty', () => {
    const sysfs = '/sys/kernel/mm/transparent_hugepage/enabled';
    const d = path.join(xfs.mnt, 'p-dst.bin');
    fs.writeFileSync(d, '');
    if (fs.existsSync(sysfs) && fs.statSync(sysfs).size > fs.readFileSync(sysfs).length) {
      const got = fs.readFileSync(sysfs).length;
      const r = cli(['clone-range', sysfs, '0', d, '0', '0', '--fallback', 'copy', '--json']);
      assert.equal(r.code, 1, r.stderr);
      const err = JSON.parse(r.stdout).error;
      assert.equal(err.code, 'E_RANGE', r.stdout);
      assert.doesNotMatch(err.message, /shrank/);
      assert.match(
        err.message,
        new RegExp(
          `reading .* ended at ${got} bytes, inside the range, though the file system gives it a size of 4096 bytes \\(a pseudo file`,
        ),
      );
      // what was written, all past the destination's end, is cut off again
      assert.match(err.message, new RegExp(`p-dst\\.bin is unchanged: the ${got} bytes it had grown by were cut off again`));
      assert.equal(fs.statSync(d).size, 0);
    }
    const p = cli(['clone-range', '/proc/cpuinfo', '0', d, '0', '0', '--fallback', 'copy']);
    assert.equal(p.code, 1, p.stderr);
    assert.doesNotMatch(p.stderr, /cpuinfo is empty/);
    assert.match(p.stderr, /\/proc\/cpuinfo has a size of 0 bytes; .*copy it whole instead/);
  });

  test('DEST a running program (ETXTBSY from open): no hint to add --fallback copy, which would meet the same refusal', async () => {
    const prog = path.join(xfs.mnt, 'running-sleep');
    const a = path.join(xfs.mnt, 't-a.bin');
    fs.writeFileSync(a, Buffer.alloc(1 << 16, 7));
    fs.copyFileSync('/bin/sleep', prog);
    fs.chmodSync(prog, 0o755);
    const child = spawn(prog, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = cli(['clone-range', a, '0', prog, '0', '4096']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /open failed on .*running-sleep: the file is busy .*\(ETXTBSY\)/);
      assert.doesNotMatch(r.stderr, /hint: add --fallback copy/);
      const f = cli(['clone-range', a, '0', prog, '0', '4096', '--fallback', 'copy']);
      assert.equal(f.code, 1, 'the copy is refused the same way');
      assert.match(f.stderr, /\(ETXTBSY\)/);
    } finally {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone; // (the image is unmounted after the tests: nothing may still run from it)
    }
  });

  test('misaligned (E_MISALIGNED): the hint names --fallback copy, which copies the range as it is', () => {
    const a = path.join(xfs.mnt, 'm-a.bin');
    const b = path.join(xfs.mnt, 'm-b.bin');
    fs.writeFileSync(a, Buffer.alloc(1 << 16, 7));
    fs.writeFileSync(b, Buffer.alloc(1 << 16, 9));
    const r = cli(['clone-range', a, '100', b, '0', '4096']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /\(E_MISALIGNED\)/);
    assert.match(r.stderr, /^extent-lens clone-range: hint: add --fallback copy to copy the range as it is instead/m);
    const f = cli(['clone-range', a, '100', b, '0', '4096', '--fallback', 'copy']);
    assert.equal(f.code, 0, f.stderr);
    assert.deepEqual(fs.readFileSync(b).subarray(0, 4096), fs.readFileSync(a).subarray(100, 4196));
  });

  test('--fallback copy past what ext4 allows (EFBIG): nothing changed, the growth cut off again', () => {
    const a = path.join(ext4.mountPoint, 'a.bin');
    const b = path.join(ext4.mountPoint, 'b.bin');
    fs.writeFileSync(a, Buffer.alloc(1 << 16, 7));
    fs.writeFileSync(b, Buffer.alloc(1 << 16, 9));
    const before = fs.readFileSync(b);
    // 16 TiB: the first write is refused whole, so nothing of b.bin changed and its size did not grow.
    const none = cli(['clone-range', a, '0', b, String(1n << 44n), '4096', '--fallback', 'copy']);
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, /\(EFBIG\)/);
    assert.doesNotMatch(none.stderr, /may have changed|may have grown|changed in place/);
    assert.equal(fs.statSync(b).size, 1 << 16);
    assert.deepEqual(fs.readFileSync(b), before);
    // Across ext4's largest size (16 TiB - 4 KiB with 4 KiB blocks): one block is written, then EFBIG.
    const max = (1n << 44n) - 4096n;
    // (all of it past b.bin's end: the growth is cut off again, and b.bin is as it was; one block of
    // that growth was written, the rest a hole: the error says what it grew by, not "bytes written")
    const part = cli(['clone-range', a, '0', b, String(max - 4096n), '16384', '--fallback', 'copy']);
    assert.equal(part.code, 1, part.stderr);
    assert.equal(fs.statSync(b, { bigint: true }).size, 65536n);
    assert.deepEqual(fs.readFileSync(b), before);
    assert.match(
      part.stderr,
      new RegExp(
        `\\(EFBIG\\); .*b\\.bin is unchanged: the ${max - 65536n} bytes it had grown by were cut off again \\(its size is 65536 bytes, as before\\)\\.$`,
        'm',
      ),
    );
  });

  test("map, punch and zero at or past ext4's largest file: no extents there, and punch's EFBIG is fallocate's, in place", () => {
    // A trial: FIEMAP from an offset ext4 cannot hold fails with EFBIG (fiemap_prep), and `map
    // --offset 16T` and `punch FILE 16T 4K` both said "ioctl(FS_IOC_FIEMAP) failed … choose another
    // destination", where `ranges --offset 16T` answered "0 data ranges" and fallocate(1) says
    // "File too large" of the punch itself.
    const f = path.join(ext4.mountPoint, 'edge.bin');
    fs.writeFileSync(f, Buffer.alloc(1 << 16, 5));
    const at = String(1n << 44n); // 16 TiB: past ext4's largest file with 4 KiB blocks (16 TiB - 4 KiB)
    const map = cli(['map', f, '--offset', at, '--json']);
    assert.equal(map.code, 0, map.stderr);
    assert.deepEqual(JSON.parse(map.stdout).extents, []);
    assert.equal(cli(['map', f, '--offset', '100T', '--length', '4k']).code, 0);
    const punch = cli(['punch', f, at, '4096']);
    assert.equal(punch.code, 1, punch.stderr);
    assert.match(
      punch.stderr,
      /^extent-lens punch: fallocate\(PUNCH_HOLE\|KEEP_SIZE\) failed on .*edge\.bin: the offset lies beyond the largest file ext4 allows .*choose a range inside it \(EFBIG\)\.$/m,
    );
    const zero = cli(['zero', f, at, '4096']);
    assert.doesNotMatch(zero.stderr, /FS_IOC_FIEMAP|destination/);
    assert.match(zero.stderr, /the offset lies beyond the largest file ext4 allows/, 'named as punch names it');
    assert.deepEqual(fs.readFileSync(f), Buffer.alloc(1 << 16, 5));
  });

  test('--fallback copy that runs out of space (ENOSPC): what it wrote past the end is cut off again, the space given back', () => {
    // A trial: ENOSPC part way left the destination grown by 53 MiB of a partial copy and the file system full.
    const tiny = makeFs('tmpfs', 2);
    try {
      const a = path.join(xfs.mnt, 'enospc-src.bin');
      fs.writeFileSync(a, Buffer.alloc(4 << 20, 7));
      const b = path.join(tiny.mountPoint, 'b.bin');
      fs.writeFileSync(b, Buffer.alloc(65536, 9));
      const before = fs.readFileSync(b);
      const free = fs.statfsSync(tiny.mountPoint).bfree;
      // from the middle of b.bin on: its second half changed, the rest cut off again
      const mid = cli(['clone-range', a, '0', b, '32768', '0', '--fallback', 'copy']);
      assert.equal(mid.code, 1, mid.stderr);
      assert.match(
        mid.stderr,
        /\(ENOSPC\); .*b\.bin was being changed in place: bytes 32768 to 65536 of it may have changed; the rest is unchanged; the \d+ bytes it had grown by were cut off again \(its size is 65536 bytes, as before\)\.$/m,
      );
      assert.equal(fs.statSync(b).size, 65536);
      assert.deepEqual(fs.readFileSync(b).subarray(0, 32768), before.subarray(0, 32768));
      assert.equal(fs.statfsSync(tiny.mountPoint).bfree, free, 'the space taken is given back');
      // wholly past its end: b.bin is as it was
      fs.writeFileSync(b, before);
      const past = cli(['clone-range', a, '0', b, '65536', '0', '--fallback', 'copy']);
      assert.equal(past.code, 1, past.stderr);
      assert.match(past.stderr, /\(ENOSPC\); .*b\.bin is unchanged: the \d+ bytes it had grown by were cut off again/);
      assert.deepEqual(fs.readFileSync(b), before);
      assert.equal(fs.statfsSync(tiny.mountPoint).bfree, free);
    } finally {
      tiny.cleanup();
    }
  });
});
