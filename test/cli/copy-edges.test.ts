// copy at the edges, through the built CLI: the method a report names is what moved the data.
// An empty or all-hole source gets no copy_file_range call (only its size is set), so it is
// not reported "by copy_file_range", across file systems (where that call would be EXDEV) or
// within one. XFS (reflink) and ext4 loop images, as root.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, cliJson, ensureBuilt } from './run-cli';
import { makeLoopFs, skipReason, type LoopFs } from './loop';

const skip = skipReason('xfs') ?? skipReason('ext4');

describe('copy at the edges', { skip }, () => {
  let xfs: LoopFs;
  let ext4: LoopFs;
  before(() => {
    ensureBuilt();
    xfs = makeLoopFs('xfs', 300);
    ext4 = makeLoopFs('ext4', 64);
  });
  after(() => {
    xfs?.cleanup();
    ext4?.cleanup();
  });

  test('an empty or all-hole source: "sparse-copy" (its size set), never "copy_file_range", which did not run', () => {
    const empty = path.join(xfs.mnt, 'empty.bin');
    const holes = path.join(xfs.mnt, 'holes.bin');
    fs.writeFileSync(empty, '');
    fs.writeFileSync(holes, '');
    fs.truncateSync(holes, 1 << 30);
    for (const [src, size] of [
      [empty, 0],
      [holes, 1 << 30],
    ] as const) {
      for (const dir of [ext4.mnt, xfs.mnt]) {
        const dest = path.join(dir, `${path.basename(src)}.${dir === xfs.mnt ? 'same' : 'other'}`);
        const r = cliJson(['copy', src, dest]);
        assert.equal(r.method, 'sparse-copy', `${src} -> ${dest}: ${JSON.stringify(r)}`);
        assert.equal(r.bytes, '0');
        assert.equal(fs.statSync(dest).size, size);
        assert.equal(fs.statSync(dest).blocks, 0);
      }
    }
    // A source with data within XFS is still the kernel's copy (and shares the blocks).
    const data = path.join(xfs.mnt, 'data.bin');
    fs.writeFileSync(data, Buffer.alloc(1 << 16, 5));
    const d = cliJson(['copy', data, path.join(xfs.mnt, 'data.copy')]);
    assert.equal(d.method, 'copy_file_range');
    assert.equal(d.bytes, String(1 << 16));
  });

  test('into /proc, which takes no new files: "cannot create", not a path to check (ENOENT)', () => {
    const data = path.join(xfs.mnt, 'to-proc.bin');
    fs.writeFileSync(data, Buffer.alloc(4096, 3));
    for (const cmd of ['clone', 'copy']) {
      const r = cli([cmd, data, '/proc/']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^extent-lens ${cmd}: cannot create /proc/to-proc\\.bin: its folder takes no new files \\(ENOENT from open with O_CREAT, as on /proc\\); choose a destination on a file system that holds files\\.$`,
          'm',
        ),
      );
      assert.equal(fs.existsSync('/proc/to-proc.bin'), false);
    }
  });

  test('into a /proc/PID or /proc/sys folder (O_TMPFILE there: EPERM, EACCES): the same "cannot create", not "immutable" or "access"', () => {
    const data = path.join(xfs.mnt, 'to-proc-pid.bin');
    fs.writeFileSync(data, Buffer.alloc(4096, 3));
    for (const cmd of ['clone', 'copy']) {
      for (const dir of ['/proc/1', '/proc/sys']) {
        const r = cli([cmd, data, `${dir}/`]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`^extent-lens ${cmd}: cannot create ${dir}/to-proc-pid\\.bin: its folder takes no new files \\(ENOENT`, 'm'),
        );
      }
    }
  });
});
