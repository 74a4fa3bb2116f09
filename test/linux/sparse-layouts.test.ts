// Sparse layouts on ext4 (SEEK_DATA/SEEK_HOLE + FIEMAP) and tmpfs (no FIEMAP: the map falls
// back to the seek view), windows, empty and all-hole files, and the map's flags/physical.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type ByteRange } from '../../src/engine';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { sha256, writeSparse } from '../support/sparse-files';

const engine = createEngine();
const KiB = 1024n;

/** Three data pieces with holes around them; sizes are block multiples so ranges are exact. */
function layout(p: string): ByteRange[] {
  writeSparse(p, 2048n * KiB, [
    { offset: 64n * KiB, length: 8192 },
    { offset: 512n * KiB, length: 131072 },
    { offset: 1920n * KiB, length: 4096 },
  ]);
  return [
    { offset: 64n * KiB, length: 8n * KiB },
    { offset: 512n * KiB, length: 128n * KiB },
    { offset: 1920n * KiB, length: 4n * KiB },
  ];
}

for (const kind of ['ext4', 'tmpfs'] as const) {
  describe(`sparse layouts on ${kind}`, { skip: skipReason(kind) }, () => {
    let tfs: TestFs;
    before(() => {
      tfs = makeFs(kind);
    });
    after(() => tfs?.cleanup());

    test('ranges: data ranges in order, with size, window, method and calls', async () => {
      const f = path.join(freshDir(tfs, 'r'), 'layout.bin');
      const want = layout(f);
      const r = await engine.ranges(f);
      assert.equal(r.size, 2048n * KiB);
      assert.deepEqual(r.ranges, want);
      assert.deepEqual(r.window, { offset: 0n, length: 2048n * KiB });
      assert.equal(r.method, 'seek');
      assert.ok(r.calls >= 6);
      // A window clips ranges to it.
      const w = await engine.ranges(f, { window: { offset: 68n * KiB, length: 500n * KiB } });
      assert.deepEqual(w.ranges, [
        { offset: 68n * KiB, length: 4n * KiB },
        { offset: 512n * KiB, length: 56n * KiB },
      ]);
    });

    test('map: fiemap with physical offsets on ext4, seek fallback on tmpfs', async () => {
      const f = path.join(freshDir(tfs, 'm'), 'layout.bin');
      const want = layout(f);
      const m = await engine.map(f);
      assert.equal(m.size, 2048n * KiB);
      assert.ok(m.blockSize >= 512);
      if (kind === 'tmpfs') {
        assert.equal(m.source, 'seek');
        assert.deepEqual(
          m.extents.map((e) => ({ offset: e.offset, length: e.length })),
          want,
        );
        assert.ok(m.extents.every((e) => e.physical === null && e.flags.length === 0));
      } else {
        assert.equal(m.source, 'fiemap');
        // Extents cover exactly the data (ext4 may split one range into several extents).
        const covered: ByteRange[] = [];
        for (const e of m.extents) {
          const last = covered[covered.length - 1];
          if (last && last.offset + last.length === e.offset) last.length += e.length;
          else covered.push({ offset: e.offset, length: e.length });
        }
        assert.deepEqual(covered, want);
        assert.ok(m.extents.every((e) => e.physical !== null && e.physical > 0n));
        assert.ok(m.extents[m.extents.length - 1].flags.includes('last'));
        const win = await engine.map(f, { window: { offset: 516n * KiB, length: 8n * KiB } });
        assert.deepEqual(
          win.extents.map((e) => [e.offset, e.length]),
          [[516n * KiB, 8n * KiB]],
        );
      }
    });

    test('fallocate: unwritten extents on ext4; on tmpfs the reserved pages are only in the block count, and a note says so', async () => {
      const d = freshDir(tfs, 'falloc');
      const f = path.join(d, 'reserved.bin');
      execFileSync('fallocate', ['-l', '4MiB', f]);
      const fd = fs.openSync(f, 'r+');
      fs.writeSync(fd, Buffer.alloc(1048576, 5), 0, 1048576, 2097152);
      fs.closeSync(fd);
      const m = await engine.map(f);
      if (kind === 'ext4') {
        assert.equal(m.notes, undefined, 'FIEMAP shows the reserved space (unwritten extents)');
        assert.ok(m.extents.some((e) => e.flags.includes('unwritten')));
        return;
      }
      assert.deepEqual(
        m.extents.map((e) => [e.offset, e.length]),
        [[2097152n, 1048576n]],
      );
      assert.equal(BigInt(fs.statSync(f).blocks) * 512n, 4194304n, 'tmpfs counts the reserved pages');
      assert.equal(m.notes?.length, 1);
      assert.match(
        m.notes![0],
        /^tmpfs counts 4194304 bytes in use for this file \(its block count\) but SEEK_DATA finds data in 1048576 bytes of blocks: the other 3145728 bytes /,
      );
      // the packed map (the CLI's and the inspector's) carries it too; a window cannot say (the count is the whole file's)
      assert.deepEqual((await engine.mapPacked(f)).notes, m.notes);
      assert.equal((await engine.map(f, { window: { offset: 0n, length: 4194304n } })).notes, undefined);
      // a short last block is held whole: no note for a 3-byte file
      const small = path.join(d, 'small.txt');
      fs.writeFileSync(small, 'hi\n');
      assert.equal((await engine.map(small)).notes, undefined);
    });

    test('empty, all-hole and all-data files', async () => {
      const d = freshDir(tfs, 'edge');
      const empty = path.join(d, 'empty');
      fs.writeFileSync(empty, '');
      assert.deepEqual((await engine.ranges(empty)).ranges, []);
      assert.deepEqual((await engine.map(empty)).extents, []);
      const hole = path.join(d, 'hole');
      writeSparse(hole, 1048576n, []);
      assert.deepEqual((await engine.ranges(hole)).ranges, []);
      assert.deepEqual((await engine.map(hole)).extents, []);
      const full = path.join(d, 'full');
      fs.writeFileSync(full, Buffer.alloc(10000, 1));
      assert.deepEqual((await engine.ranges(full)).ranges, [{ offset: 0n, length: 10000n }]);
    });

    test('punch, zero, dig-holes and set-sparse', async () => {
      const d = freshDir(tfs, 'holes');
      const f = path.join(d, 'f.bin');
      const buf = Buffer.alloc(1048576, 7);
      buf.fill(0, 262144, 524288); // 256 KiB of zeros written as data
      buf.fill(0, 1040384); // last 8 KiB zeros
      fs.writeFileSync(f, buf);
      const h = sha256(f);
      const dig = await engine.digHoles(f);
      assert.equal(dig.method, 'dig-holes');
      assert.equal(dig.bytes, 262144n + 8192n);
      assert.equal(sha256(f), h, 'content unchanged');
      assert.deepEqual((await engine.ranges(f)).ranges, [
        { offset: 0n, length: 262144n },
        { offset: 524288n, length: 1040384n - 524288n },
      ]);
      const p = await engine.punch(f, { offset: 0n, length: 65536n });
      assert.equal(p.method, 'FALLOC_FL_PUNCH_HOLE');
      assert.equal(p.bytes, 65536n);
      assert.equal(fs.statSync(f).size, 1048576, 'size kept');
      assert.equal((await engine.ranges(f)).ranges[0].offset, 65536n);
      assert.ok(fs.readFileSync(f).subarray(0, 65536).equals(Buffer.alloc(65536)));
      const z = await engine.zero(f, { offset: 65536n, length: 4096n });
      assert.equal(z.operation, 'zero');
      assert.ok(fs.readFileSync(f).subarray(65536, 69632).equals(Buffer.alloc(4096)));
      const s = await engine.setSparse(f, true);
      assert.equal(s.method, 'none');
      assert.match(s.notes![0], /no sparse attribute/);
    });

    test(
      'zero of preallocated space punches it: the report says what was deallocated (measured), which fallocate -z keeps',
      { skip: kind === 'tmpfs' ? 'tmpfs has no FIEMAP to measure with' : undefined },
      async () => {
        const d = freshDir(tfs, 'zero-prealloc');
        const f = path.join(d, 'reserved.img');
        execFileSync('fallocate', ['-l', '1M', f]);
        const z = await engine.zero(f, { offset: 0n, length: 524288n });
        assert.equal(z.bytes, 524288n);
        assert.deepEqual(z.notes, [
          "zeroed by punching a hole: 524288 bytes of the file's blocks in the range were deallocated (measured); the range held 524288 bytes of preallocated (unwritten) space, deallocated with it (`extent-lens zero --keep-allocated`, as `fallocate -z`, keeps it allocated)",
        ]);
        assert.equal(fs.statSync(f).blocks * 512, 524288, 'the other half stays reserved');
        // a hole zeroed: nothing deallocated, nothing said
        assert.equal((await engine.zero(f, { offset: 0n, length: 4096n })).notes, undefined);
        // preallocated only past the end (fallocate --keep-size), which ext4's punch leaves: not said gone
        const past = path.join(d, 'past.img');
        fs.writeFileSync(past, Buffer.alloc(4096, 7));
        execFileSync('fallocate', ['-n', '-o', '4096', '-l', '1M', past]);
        const blocks = fs.statSync(past).blocks;
        const zp = await engine.zero(past, { offset: 0n, length: 1048576n });
        const gone = BigInt((blocks - fs.statSync(past).blocks) * 512);
        assert.equal(gone, 4096n, 'ext4 punches nothing past the end of the file');
        assert.deepEqual(zp.notes, [
          '1044480 bytes of the range lie past the end of the file (4096 bytes): nothing there to zero, and the size is unchanged',
          "zeroed by punching a hole: 4096 bytes of the file's blocks in the range were deallocated (measured)",
        ]);
        // keepAllocated: the range stays allocated (its hole too), as fallocate -z leaves it
        const k = path.join(d, 'thick.img');
        execFileSync('fallocate', ['-l', '1M', k]);
        fs.writeFileSync(k, Buffer.alloc(4096, 7), { flag: 'r+' });
        execFileSync('fallocate', ['-p', '-o', '65536', '-l', '65536', k]); // a hole inside
        const kept = await engine.zero(k, { offset: 0n, length: 524288n }, { keepAllocated: true });
        assert.equal(kept.method, 'FALLOC_FL_ZERO_RANGE');
        assert.equal(kept.bytes, 524288n);
        // what was allocated, measured: the 64 KiB hole (a trial's note said "holes in it were
        // allocated" of every range, one without holes too)
        assert.deepEqual(kept.notes, [
          'the range stays allocated (FALLOC_FL_ZERO_RANGE, as fallocate -z: its blocks read as zeros): 65536 bytes of holes in it were allocated (measured)',
        ]);
        const again = await engine.zero(k, { offset: 0n, length: 524288n }, { keepAllocated: true });
        assert.deepEqual(again.notes, ['the range stays allocated (FALLOC_FL_ZERO_RANGE, as fallocate -z: its blocks read as zeros)']);
        assert.equal(fs.statSync(k).blocks * 512, 1048576, 'all of it still allocated, the hole too');
        assert.ok(fs.readFileSync(k).subarray(0, 524288).equals(Buffer.alloc(524288)), 'reads as zeros');
      },
    );

    test('zero keepAllocated of a range past the end of the file allocates nothing there', async () => {
      const f = path.join(freshDir(tfs, 'zero-past-end'), 'short.bin');
      fs.writeFileSync(f, Buffer.alloc(10000, 7));
      const blocks = fs.statSync(f).blocks;
      const z = await engine.zero(f, { offset: 8192n, length: 1048576n }, { keepAllocated: true });
      assert.equal(z.bytes, 1808n);
      assert.equal(fs.statSync(f).size, 10000, 'size kept');
      assert.equal(fs.statSync(f).blocks, blocks, 'no block allocated past the end of the file');
      assert.ok(fs.readFileSync(f).subarray(8192).equals(Buffer.alloc(1808)), 'the part inside reads as zeros');
      // wholly past the end: nothing to zero, nothing allocated
      const past = await engine.zero(f, { offset: 65536n, length: 1048576n }, { keepAllocated: true });
      assert.equal(past.bytes, 0n);
      assert.equal(fs.statSync(f).blocks, blocks, 'still nothing past the end');
    });

    test('volume: name, block size, sparse, and no clone support (known from the type: no probe file made)', async () => {
      const v = await engine.volume(tfs.mountPoint);
      assert.equal(v.filesystem, kind);
      assert.equal(v.rawType, kind === 'ext4' ? '0xef53' : '0x1021994');
      assert.ok(v.blockSize >= 1024);
      assert.equal(v.supportsSparse, true);
      assert.equal(v.supportsClone, false);
      assert.match(v.cloneEvidence, new RegExp(`^${kind} cannot share blocks: .*known from its type: no probe ran`));
      assert.ok(v.totalBytes! > 0n && v.freeBytes! > 0n);
      assert.deepEqual(
        fs.readdirSync(tfs.mountPoint).filter((n) => n.startsWith('.extent-lens')),
        [],
      );
    });

    test('copy keeps holes', async () => {
      const d = freshDir(tfs, 'copy');
      const f = path.join(d, 'layout.bin');
      const want = layout(f);
      const rep = await engine.copy(f, path.join(d, 'copy.bin'));
      assert.equal(rep.method, 'copy_file_range');
      assert.equal(
        rep.bytes,
        want.reduce((a, r) => a + r.length, 0n),
      );
      assert.equal(sha256(rep.destination!), sha256(f));
      assert.deepEqual((await engine.ranges(rep.destination!)).ranges, want);
      assert.deepEqual(fs.readdirSync(d).sort(), ['copy.bin', 'layout.bin']);
    });
  });
}

// A trial on ext3: the map's note on the blocks beyond a file's data said "ext4 holds … the blocks
// of its extent tree"; an ext3 file has no extents, its block map is indirect blocks.
describe('the blocks beyond a file without extents (ext3)', { skip: skipReason('ext4') }, () => {
  let ext3: TestFs;
  before(() => {
    ext3 = makeFs('ext4', 64, { mkfsArgs: ['-q', '-F', '-t', 'ext3'] });
  });
  after(() => ext3?.cleanup());

  test('are named its indirect blocks, not an extent tree', async () => {
    assert.equal((await engine.volume(ext3.mountPoint)).filesystem, 'ext3');
    const f = path.join(freshDir(ext3, 'indirect'), 'data.bin');
    fs.writeFileSync(f, Buffer.alloc(1 << 20, 7)); // 1 MiB: past the 12 direct blocks
    const m = await engine.map(f);
    assert.ok(m.heldOutsideExtents! > 0n, 'the block count holds more than the data');
    assert.match(
      m.notes![0],
      /^This file holds \d+ bytes beyond its data blocks .*: its indirect blocks \(it maps its blocks the ext2\/ext3 way/,
    );
    assert.doesNotMatch(m.notes![0], /extent tree/);
  });
});

// zero keepAllocated over reflinked blocks: they get blocks of their own (free space taken),
// which the report says, measured (FIEMAP's shared flag before and after, as filefrag shows it).
for (const kind of ['xfs', 'btrfs'] as const) {
  describe(`zero keepAllocated of shared blocks on ${kind}`, { skip: skipReason(kind) }, () => {
    let tfs: TestFs;
    before(() => {
      tfs = makeFs(kind);
    });
    after(() => tfs?.cleanup());

    test('half a hole, half shared with a clone: both said, measured; the clone unchanged', async () => {
      const d = freshDir(tfs, 'zero-shared');
      const a = path.join(d, 'a.img');
      const b = path.join(d, 'b.img');
      execFileSync('xfs_io', ['-f', '-c', 'pwrite -S 0x41 0 4m', '-c', 'fsync', a]);
      execFileSync('cp', ['--reflink=always', a, b]);
      execFileSync('fallocate', ['-p', '-o', '0', '-l', '1M', a]);
      const z = await engine.zero(a, { offset: 512n * KiB, length: 1024n * KiB }, { keepAllocated: true });
      assert.equal(z.method, 'FALLOC_FL_ZERO_RANGE');
      assert.deepEqual(z.notes, [
        'the range stays allocated (FALLOC_FL_ZERO_RANGE, as fallocate -z: its blocks read as zeros): 524288 bytes of holes in it ' +
          'were allocated; 524288 bytes shared with other files (reflinks, snapshots) got blocks of their own, which take free space (measured)',
      ]);
      const frag = execFileSync('filefrag', ['-v', '-b4096', a], { encoding: 'utf8' });
      assert.match(frag, /^\s*\d+:\s+128\.\.\s*383:.*unwritten/m, `the range is its own, unwritten: ${frag}`);
      assert.ok(
        fs
          .readFileSync(a)
          .subarray(0, 1536 * 1024)
          .equals(Buffer.alloc(1536 * 1024)),
        'reads as zeros',
      );
      assert.ok(fs.readFileSync(b).equals(Buffer.alloc(4 * 1024 * 1024, 0x41)), 'the clone keeps its data');
    });
  });
}
