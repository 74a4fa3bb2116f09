// dig-holes' own errors are named as dig-holes: its reads go through the Linux backend's
// positional I/O, which the copy uses too, and a failed read once said "copy: pread failed on …"
// in Dig Holes' notification (a trial). Real XFS, the real backend's pread on a closed descriptor.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { SignalContext } from '../../src/engine/context';
import { digHoles } from '../../src/engine/dig-holes';
import { createLinuxBackend } from '../../src/engine/backends/linux';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';

describe('dig-holes: a failed read is named as dig-holes, not copy', { skip: skipReason('xfs') }, () => {
  let tfs: TestFs;
  before(() => {
    tfs = makeFs('xfs');
  });
  after(() => tfs?.cleanup());

  // A trial read "copy: pread failed on …" from Dig Holes (the positional reads were the copy's).
  test('the backend’s pread failing (EBADF here) says dig-holes', async () => {
    const f = path.join(tfs.mountPoint, 'zeros.img');
    execFileSync('xfs_io', ['-f', '-c', 'pwrite -q -S 0 0 64k', '-c', 'fsync', f]);
    const real = createLinuxBackend();
    const io = real.io!;
    // the real pread on a descriptor that is not open: the kernel's EBADF, named by its caller's operation
    const b = Object.create(real) as typeof real;
    Object.defineProperty(b, 'io', {
      value: { ...io, pread: (...a: Parameters<typeof io.pread>) => io.pread(-1, a[1], a[2], a[3], a[4], a[5]) },
    });
    await assert.rejects(digHoles(b, f, undefined, new SignalContext('dig-holes', [f])), (e: Error) => {
      assert.match(e.message, /^dig-holes: pread failed on .*zeros\.img.*\(EBADF\)/);
      return true;
    });
  });
  // A trial on btrfs with a bad sector (EIO) in the second MiB of zeros: the first MiB had been
  // punched, the error said only "pread failed … (EIO)", as if nothing had been changed.
  test('a read failing after runs were punched says how many bytes were deallocated', async () => {
    const f = path.join(tfs.mountPoint, 'zeros-then-eio.img');
    execFileSync('xfs_io', ['-f', '-c', 'pwrite -q -S 0 0 2m', '-c', 'fsync', f]);
    const real = createLinuxBackend();
    const io = real.io!;
    let reads = 0;
    // the first MiB is read, read again and punched; the read of the second MiB fails (the real
    // pread on a descriptor that is not open: EBADF)
    const b = Object.create(real) as typeof real;
    Object.defineProperty(b, 'io', {
      value: {
        ...io,
        pread: (...a: Parameters<typeof io.pread>) => io.pread(++reads >= 3 ? -1 : a[0], a[1], a[2], a[3], a[4], a[5]),
      },
    });
    await assert.rejects(digHoles(b, f, undefined, new SignalContext('dig-holes', [f])), (e: Error) => {
      assert.match(
        e.message,
        /^dig-holes: pread failed on .*\(EBADF\); before it, 1048576 bytes were deallocated \(measured\): the file reads as before/,
      );
      return true;
    });
    assert.equal(execFileSync('xfs_io', ['-c', 'stat', f], { encoding: 'utf8' }).match(/stat\.blocks = (\d+)/)?.[1], '2048');
  });
});
