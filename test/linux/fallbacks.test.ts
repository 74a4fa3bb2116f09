// The zero-range fallbacks on a real file: the Linux backend is given a libc whose fallocate
// refuses PUNCH_HOLE (and then ZERO_RANGE) with EOPNOTSUPP, as file systems without those
// modes do (vfat, older NFS). Everything else is the real libc on a real ext4 file.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE, loadLibc, type Libc } from '../../src/engine/backends/linux/libc';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

const ctx = { checkCancelled() {}, progress() {} };

function refusing(modes: number): Libc {
  const real = loadLibc();
  let fakeErrno = 0;
  return {
    ...real,
    fallocate(fd, mode, offset, len) {
      if ((mode & modes) !== 0) {
        fakeErrno = 95; // EOPNOTSUPP
        return -1;
      }
      fakeErrno = 0;
      return real.fallocate(fd, mode, offset, len);
    },
    errno: () => fakeErrno || real.errno(),
  };
}

describe('zero fallbacks', { skip: skipReason('ext4') }, () => {
  let ext4: TestFs;
  before(() => {
    ext4 = makeFs('ext4');
  });
  after(() => ext4?.cleanup());

  test('no punch: FALLOC_FL_ZERO_RANGE', async () => {
    const f = path.join(freshDir(ext4, 'zr'), 'f.bin');
    fs.writeFileSync(f, Buffer.alloc(65536, 9));
    const b = new LinuxBackend(refusing(FALLOC_FL_PUNCH_HOLE));
    const r = await b.zeroRange(f, { offset: 4096n, length: 8192n }, ctx);
    assert.equal(r.method, 'FALLOC_FL_ZERO_RANGE');
    assert.match(r.notes!.join(' '), /cannot punch/);
    const data = fs.readFileSync(f);
    assert.ok(data.subarray(4096, 12288).equals(Buffer.alloc(8192)));
    assert.equal(data[4095], 9);
    assert.equal(data[12288], 9);
    assert.equal(data.length, 65536);
  });

  test('neither punch nor zero-range: zeros are written, never past EOF', async () => {
    const f = path.join(freshDir(ext4, 'wz'), 'f.bin');
    fs.writeFileSync(f, Buffer.alloc(10000, 9));
    const b = new LinuxBackend(refusing(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE));
    const r = await b.zeroRange(f, { offset: 5000n, length: 100000n }, ctx);
    assert.equal(r.method, 'write-zeros');
    assert.equal(r.bytes, 5000n);
    const data = fs.readFileSync(f);
    assert.equal(data.length, 10000, 'zeroing never extends the file');
    assert.ok(data.subarray(5000).equals(Buffer.alloc(5000)));
    assert.equal(data[4999], 9);
    assert.deepEqual(r.notes?.slice(-1), ['95000 bytes of the range lie past the end of the file (10000 bytes): nothing there to zero, and the size is unchanged']);
  });

  test('a range past the end: bytes counts only what lies inside the file, with a note, whichever way it is zeroed', async () => {
    for (const [name, refused] of [
      ['FALLOC_FL_PUNCH_HOLE', 0],
      ['FALLOC_FL_ZERO_RANGE', FALLOC_FL_PUNCH_HOLE],
      ['write-zeros', FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE],
    ] as const) {
      const f = path.join(freshDir(ext4, `pe-${refused}`), 'f.bin');
      fs.writeFileSync(f, Buffer.alloc(4199304, 9));
      const b = new LinuxBackend(refused ? refusing(refused) : loadLibc());
      const r = await b.zeroRange(f, { offset: 4194304n, length: 1048576n }, ctx);
      assert.equal(r.method, name);
      assert.equal(r.bytes, 5000n, `${name}: the 5,000 bytes inside the file, not the 1 MiB asked for`);
      assert.ok(
        r.notes?.includes('1043576 bytes of the range lie past the end of the file (4199304 bytes): nothing there to zero, and the size is unchanged'),
        `${name}: ${JSON.stringify(r.notes)}`,
      );
      const data = fs.readFileSync(f);
      assert.equal(data.length, 4199304);
      assert.ok(data.subarray(4194304).equals(Buffer.alloc(5000)));
      assert.equal(data[4194303], 9);
      // wholly past the end: nothing zeroed, and said so
      const none = await b.zeroRange(f, { offset: 8388608n, length: 4096n }, ctx);
      assert.equal(none.bytes, 0n, name);
    }
  });

  test('punch refused: EOPNOTSUPP named with the file system', async () => {
    const f = path.join(freshDir(ext4, 'p'), 'f.bin');
    fs.writeFileSync(f, Buffer.alloc(8192, 1));
    const b = new LinuxBackend(refusing(FALLOC_FL_PUNCH_HOLE));
    await assert.rejects(b.punchHole(f, { offset: 0n, length: 4096n }, ctx), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'EOPNOTSUPP');
      assert.match(e.message, /ext4 cannot deallocate ranges/);
      return true;
    });
  });
});
