// What a Linux report counts as its calls, on real loop-mounted XFS (reflink), btrfs and ext4:
// `calls` are the calls of the report's method alone (FICLONE, FICLONERANGE, copy_file_range,
// a sparse copy's pread64s and pwrite64s, fallocate), and every other call that read the
// file's layout or data or set its size is named apart in `otherCalls` (lseek for SEEK_DATA
// and SEEK_HOLE, FS_IOC_FIEMAP, ftruncate, ...). Before, a copy of 3 data ranges said "in 13
// calls" for its 3 copy_file_range calls (the 7 lseeks of its walk, its FIEMAPs and ftruncates
// summed in). The counts below are strace's (`strace -f -e trace=…` of the built CLI on the
// same layouts, counted on the files' descriptors).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import type { OperationReport } from '../../src/engine/types';
import { freshDir, makeFs, skipReason, type FsKind, type TestFs } from '../support/loopfs';
import { writeSparse } from '../support/sparse-files';

const KiB = 1024n;
const MiB = 1024n * KiB;
const engine = createEngine();

/** 3 MiB with 3 data extents of 64 KiB (at 0, 1 MiB and 2 MiB) and holes between and after. */
function threeExtents(p: string): void {
  writeSparse(p, 3n * MiB, [
    { offset: 0n, length: 64 * 1024, fill: 0xab },
    { offset: MiB, length: 64 * 1024, fill: 0xcd },
    { offset: 2n * MiB, length: 64 * 1024, fill: 0xef },
  ]);
}

/** The same 3 data extents, but the first and the second half of the third all zeros: dig-holes punches 2 runs. */
function zerosInTwo(p: string): void {
  writeSparse(p, 3n * MiB, [
    { offset: 0n, length: 64 * 1024, fill: 0 },
    { offset: MiB, length: 64 * 1024, fill: 0xcd },
    { offset: 2n * MiB, length: 32 * 1024, fill: 0xef },
    { offset: 2n * MiB + 32n * KiB, length: 32 * 1024, fill: 0 },
  ]);
}

const counts = (r: OperationReport) => ({ method: r.method, calls: r.calls, otherCalls: r.otherCalls });

for (const kind of ['xfs', 'btrfs', 'ext4'] as FsKind[]) {
  const clones = kind !== 'ext4';
  describe(`report calls on ${kind}`, { skip: skipReason(kind) }, () => {
    let t: TestFs;
    before(() => {
      t = makeFs(kind);
    });
    after(async () => {
      await engine.dispose();
      t?.cleanup();
    });

    test('copy: copy_file_range calls; the lseek walk, FIEMAPs, ftruncates and the read that finds EOF apart', async () => {
      const d = freshDir(t, 'copy');
      threeExtents(path.join(d, 'a'));
      const r = await engine.copy(path.join(d, 'a'), path.join(d, 'b'));
      // FIEMAP: the source's unwritten extents; the copy's sharing, where it shares measured again after a flush
      assert.deepEqual(counts(r), {
        method: 'copy_file_range',
        calls: 3,
        otherCalls: { lseek: 7, FS_IOC_FIEMAP: clones ? 3 : 2, ftruncate: 2, pread64: 1 },
      });
    });

    test('copy --reflink never: a sparse copy counts each pread64 and pwrite64 (the read that finds EOF too)', async () => {
      const d = freshDir(t, 'copy-never');
      threeExtents(path.join(d, 'a'));
      const r = await engine.copy(path.join(d, 'a'), path.join(d, 'b'), { reflink: 'never' });
      assert.deepEqual(counts(r), { method: 'sparse-copy', calls: 7, otherCalls: { lseek: 7, FS_IOC_FIEMAP: 1, ftruncate: 2 } });
    });

    test('punch and zero: the one fallocate; the FIEMAPs that measure what it freed apart', async () => {
      const d = freshDir(t, 'punch');
      const a = path.join(d, 'a');
      threeExtents(a);
      const fiemapTwice = { FS_IOC_FIEMAP: 2 };
      assert.deepEqual(counts(await engine.punch(a, { offset: MiB, length: 64n * KiB })), {
        method: 'FALLOC_FL_PUNCH_HOLE',
        calls: 1,
        otherCalls: fiemapTwice,
      });
      assert.deepEqual(counts(await engine.zero(a, { offset: 0n, length: 16n * KiB })), {
        method: 'FALLOC_FL_PUNCH_HOLE',
        calls: 1,
        otherCalls: fiemapTwice,
      });
      assert.deepEqual(counts(await engine.zero(a, { offset: 2n * MiB, length: 16n * KiB }, { keepAllocated: true })), {
        method: 'FALLOC_FL_ZERO_RANGE',
        calls: 1,
        otherCalls: fiemapTwice,
      });
    });

    test('dig-holes: one fallocate per run punched; the walk, the map, the reads and the measuring FIEMAPs apart', async () => {
      const d = freshDir(t, 'dig');
      zerosInTwo(path.join(d, 'a'));
      const r = await engine.digHoles(path.join(d, 'a'));
      assert.equal(r.bytes, 96n * KiB);
      // FIEMAP: the map for unwritten extents, then before and after each of the 2 punches
      assert.deepEqual(counts(r), { method: 'dig-holes', calls: 2, otherCalls: { lseek: 7, FS_IOC_FIEMAP: 5, pread64: 5 } });
    });

    if (clones)
      test('clone and clone-range: the one FICLONE or FICLONERANGE, nothing else', async () => {
        const d = freshDir(t, 'clone');
        threeExtents(path.join(d, 'a'));
        threeExtents(path.join(d, 't'));
        assert.deepEqual(counts(await engine.clone(path.join(d, 'a'), path.join(d, 'b'))), {
          method: 'FICLONE',
          calls: 1,
          otherCalls: undefined,
        });
        assert.deepEqual(counts(await engine.cloneRange(path.join(d, 'a'), 0n, path.join(d, 't'), 0n, 3n * MiB)), {
          method: 'FICLONERANGE',
          calls: 1,
          otherCalls: undefined,
        });
      });
    else
      test('clone and clone-range with the copy fallback: the copy calls, and the refused FICLONE or FICLONERANGE among the others', async () => {
        const d = freshDir(t, 'fallback');
        threeExtents(path.join(d, 'a'));
        writeSparse(path.join(d, 't'), 3n * MiB, [{ offset: 0n, length: 3 * 1024 * 1024, fill: 0x11 }]);
        const c = await engine.clone(path.join(d, 'a'), path.join(d, 'b'), { fallback: 'copy' });
        assert.equal(c.fellBack, true);
        assert.deepEqual(counts(c), {
          method: 'copy_file_range',
          calls: 3,
          otherCalls: { FICLONE: 1, lseek: 7, FS_IOC_FIEMAP: 2, ftruncate: 2, pread64: 1 },
        });
        const r = await engine.cloneRange(path.join(d, 'a'), 0n, path.join(d, 't'), 0n, 3n * MiB, { fallback: 'copy' });
        assert.equal(r.fellBack, true);
        // 3 pread64 + 3 pwrite64 of the data; its holes punched into the destination (3 fallocate)
        assert.deepEqual(counts(r), { method: 'sparse-copy', calls: 6, otherCalls: { FICLONERANGE: 1, lseek: 7, fallocate: 3 } });
      });
  });
}
