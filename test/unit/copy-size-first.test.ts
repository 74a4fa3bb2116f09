// When a copy gives the new file its size before its data (copyUntilEof): only where the data
// leaves holes. There, XFS's preallocation past a growing file's end would otherwise be stranded
// inside the copy (test/linux/copy-blocks.test.ts measures that on XFS). A copy of data with no
// hole writes front to back and is never grown first: on a file system that cannot hold holes
// (vfat, exFAT), growing it zero-fills the whole length, which the data then writes over again
// (a review of the change; no vfat on these machines, so the calls are checked here).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyUntilEof, nodeIo } from '../../src/engine/sparse-copy';
import type { PositionalIo } from '../../src/engine/backend-ext';
import { CallCount } from '../../src/engine/call-count';

const KiB = 1024;

/** Copy `src` to a new file with copyUntilEof over `ranges`, recording the I/O calls in order. */
async function recordedCopy(src: string, ranges: Array<{ offset: bigint; length: bigint }>): Promise<{ calls: string[]; dst: string }> {
  const dst = `${src}.copy`;
  const calls: string[] = [];
  const io: PositionalIo = {
    pread: (...a) => nodeIo.pread(...a),
    pwrite: (fd, buf, length, offset, p) => (calls.push(`pwrite ${offset}`), nodeIo.pwrite(fd, buf, length, offset, p)),
    ftruncate: (fd, size, p) => (calls.push(`ftruncate ${size}`), nodeIo.ftruncate(fd, size, p)),
  };
  const st = fs.statSync(src, { bigint: true });
  const sfd = fs.openSync(src, 'r');
  const dfd = fs.openSync(dst, 'wx');
  try {
    await copyUntilEof({
      operation: 'copy',
      io,
      src: { fd: sfd, path: src },
      dst: { fd: dfd, path: dst },
      start: { size: st.size, mtimeNs: st.mtimeNs },
      ranges,
      restat: () => {
        const s = fs.fstatSync(sfd, { bigint: true });
        return { size: s.size, mtimeNs: s.mtimeNs };
      },
      ctx: { checkCancelled: () => undefined, progress: () => undefined },
      count: new CallCount(),
    });
  } finally {
    fs.closeSync(sfd);
    fs.closeSync(dfd);
  }
  return { calls, dst };
}

test('data with no hole: written front to back, the file never grown by ftruncate before its data', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'el-size-first-'));
  try {
    const src = path.join(d, 'dense.bin');
    fs.writeFileSync(src, Buffer.alloc(300 * KiB, 0x5a));
    const { calls, dst } = await recordedCopy(src, [{ offset: 0n, length: BigInt(300 * KiB) }]);
    const firstWrite = calls.findIndex((c) => c.startsWith('pwrite'));
    assert.ok(firstWrite >= 0, calls.join(', '));
    assert.deepEqual(
      calls.slice(0, firstWrite).filter((c) => c.startsWith('ftruncate')),
      [],
      `no ftruncate before the first write: ${calls.join(', ')}`,
    );
    assert.ok(fs.readFileSync(dst).equals(fs.readFileSync(src)));
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('data with holes: the size is set first, then the data; the copy equals the source', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'el-size-first-'));
  try {
    const src = path.join(d, 'sparse.bin');
    const fd = fs.openSync(src, 'w');
    fs.writeSync(fd, Buffer.alloc(64 * KiB, 0x11), 0, 64 * KiB, 0);
    fs.writeSync(fd, Buffer.alloc(64 * KiB, 0x22), 0, 64 * KiB, 512 * KiB);
    fs.ftruncateSync(fd, 1024 * KiB);
    fs.closeSync(fd);
    const { calls, dst } = await recordedCopy(src, [
      { offset: 0n, length: BigInt(64 * KiB) },
      { offset: BigInt(512 * KiB), length: BigInt(64 * KiB) },
    ]);
    assert.equal(calls[0], `ftruncate ${1024 * KiB}`, calls.join(', '));
    assert.ok(fs.readFileSync(dst).equals(fs.readFileSync(src)));
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
