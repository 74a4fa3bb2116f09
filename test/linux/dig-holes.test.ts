// dig-holes on real XFS (reflink), btrfs and ext4: a block size below the file system's block is
// refused (it freed nothing and unshared cloned blocks), `bytes` is what was deallocated
// (measured with FIEMAP) and `fsFreed` what the file system got back (statfs after syncfs: none
// on btrfs for part of an extent, none for a punch in a clone), an all-zero partial last block is freed as `fallocate --dig-holes`
// frees it, and a run of zeros is punched as soon as it is found and read again first, so data
// written into it after the scan survives where the file cannot be held alone (the deterministic
// part of "concurrent writers"; the lease that holds it alone: dig-holes-alone.test.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type FsctlError } from '../../src/engine';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { digHoles } from '../../src/engine/dig-holes';
import { freshDir, hasTool, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { sha256 } from '../support/sparse-files';
import { cli, ensureBuilt } from '../cli/run-cli';

const engine = createEngine();
const MiB = 1 << 20;
/**
 * A backend that cannot hold the file alone (as where no lease can be had: not the owner, SMB),
 * for the tests of a writer in this very thread: with the lease, its open would wait for the
 * dig, which waits for it (dig-holes-alone.test.ts tests the lease with other processes).
 */
function withoutLease(): LinuxBackend {
  const b = new LinuxBackend();
  b.io.holdAlone = () => ({ inUse: false, why: 'no lease in this test' });
  return b;
}
const NO_LEASE_NOTE = /^could not make sure that no other process opens the file while it is dug: no lease in this test; /;

const allocated = (p: string): bigint => fs.statSync(p, { bigint: true }).blocks * 512n;
function freeBytes(dir: string): bigint {
  execFileSync('sync');
  const s = fs.statfsSync(dir, { bigint: true });
  return s.bavail * s.bsize;
}
function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = ((i * 131 + seed) % 251) + 1;
  return b;
}
function writeAt(p: string, offset: number, data: Buffer): void {
  const fd = fs.openSync(p, 'r+');
  try {
    fs.writeSync(fd, data, 0, data.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

for (const kind of ['xfs', 'btrfs', 'ext4'] as const) {
  describe(`dig-holes on ${kind}`, { skip: skipReason(kind) }, () => {
    let tfs: TestFs;
    let fsBlock: number;
    before(async () => {
      tfs = makeFs(kind);
      fsBlock = (await engine.volume(tfs.mountPoint)).blockSize;
    });
    after(() => tfs?.cleanup());

    if (kind !== 'ext4')
      test('a block size below the file system block is refused: nothing punched, no space used by unsharing', async () => {
        const d = freshDir(tfs, 'small-bs');
        const a = path.join(d, 'a.bin');
        const buf = Buffer.alloc(16 * MiB);
        for (let i = 0; i < buf.length; i += 4096) buf[i + 4095] = 1; // the last byte of every 4 KiB is not zero
        fs.writeFileSync(a, buf);
        const b = path.join(d, 'b.bin');
        await engine.clone(a, b);
        const h = sha256(b);
        const free0 = freeBytes(d);
        const alloc0 = allocated(b);
        await assert.rejects(engine.digHoles(b, { blockSize: fsBlock / 2 }), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'E_BAD_INPUT');
          assert.match(e.message, new RegExp(`smaller than the file system's block size ${fsBlock}`));
          return true;
        });
        assert.equal(sha256(b), h);
        assert.equal(allocated(b), alloc0);
        const free1 = freeBytes(d);
        assert.ok(free0 - free1 < 1n * BigInt(MiB), `free space dropped by ${free0 - free1} bytes`);
        assert.ok(
          (await engine.map(b)).extents.every((e) => e.flags.includes('shared')),
          'still shared',
        );
      });

    if (kind !== 'btrfs')
      test('unwritten (preallocated) extents are never dug, even once read into the page cache (XFS then calls them data)', async () => {
        const d = freshDir(tfs, 'unwritten');
        const f = path.join(d, 'f.bin');
        // data, 1 MiB preallocated, then 1 MiB of written zeros (those are dug)
        execFileSync('xfs_io', ['-f', '-c', 'pwrite -S 0x41 0 64k', '-c', 'falloc 64k 1m', '-c', 'pwrite -S 0 1088k 1m', '-c', 'fsync', f]);
        fs.readFileSync(f); // the unwritten extent's pages now cached: XFS's SEEK_DATA reports them as data
        // (within the file: XFS may also preallocate past its end)
        const unwritten = async (): Promise<bigint> =>
          (await engine.map(f, { window: { offset: 0n, length: BigInt(fs.statSync(f).size) } })).extents
            .filter((e) => e.flags.includes('unwritten'))
            .reduce((a, e) => a + e.length, 0n);
        assert.equal(await unwritten(), BigInt(MiB));
        const h = sha256(f);
        const r = await engine.digHoles(f);
        assert.equal(sha256(f), h);
        assert.equal(await unwritten(), BigInt(MiB), 'the preallocation is kept');
        assert.equal(r.bytes, BigInt(MiB), 'only the written zeros were deallocated');
        assert.match(r.notes![0], /^scanned 1114112 bytes in 2 data ranges /);
        // and it says what it left: a preallocated image is not made thin
        const left = r.notes!.map((n) => /^left (\d+) bytes of preallocated \(unwritten\) space as they are/.exec(n)).find((m) => m);
        assert.ok(left && BigInt(left[1]) >= BigInt(MiB), JSON.stringify(r.notes));
        const thick = path.join(d, 'thick.img');
        execFileSync('fallocate', ['-l', '1M', thick]); // never written: no data range at all
        const t = await engine.digHoles(thick);
        assert.equal(t.bytes, 0n);
        assert.ok(t.notes!.some((n) => n.startsWith('left 1048576 bytes of preallocated (unwritten) space as')), JSON.stringify(t.notes));
      });

    test('bytes is what was deallocated (FIEMAP in each run), for whole blocks of zeros; one run punched in pieces counts once', async () => {
      const d = freshDir(tfs, 'measured');
      const f = path.join(d, 'f.bin');
      const buf = pattern(4 * MiB);
      buf.fill(0, MiB, 3 * MiB);
      fs.writeFileSync(f, buf);
      execFileSync('sync');
      const h = sha256(f);
      const before = allocated(f);
      const r = await engine.digHoles(f);
      const after = allocated(f);
      assert.equal(sha256(f), h);
      assert.equal(r.bytes, before - after);
      assert.equal(r.bytes, 2n * BigInt(MiB));
      assert.match(r.notes!.join(' '), /deallocated \(measured\)/);
      // one run of zeros, punched in 64 KiB pieces (each read again first): one run, not 32
      assert.match(r.notes![0], /^scanned 4194304 bytes in 1 data range at \d+-byte blocks; found 2097152 bytes of zeros; punched 1 run of zero blocks; /);
      assert.equal(r.sharedBytes, 0n, 'none of it was shared');
      // what the file system got back (statfs after syncfs): all of it where the blocks were the
      // file's alone; on btrfs nothing, since the rest of the file's one extent still uses it
      if (kind === 'btrfs') {
        assert.equal(r.fsFreed, 0n);
        assert.ok(
          r.notes!.some((n) =>
            /^the file system's free space grew by 0 bytes \(measured after sync\), less than the 2097152 bytes deallocated from the file/.test(
              n,
            ),
          ),
          JSON.stringify(r.notes),
        );
      } else assert.equal(r.fsFreed, r.bytes);
    });

    test('an all-zero partial last block is freed, like fallocate --dig-holes', async () => {
      const d = freshDir(tfs, 'tail');
      const f = path.join(d, 'f.bin');
      const tail = 5000; // one whole zero block (at 4 KiB blocks) and a partial one
      fs.writeFileSync(f, Buffer.concat([pattern(8192), Buffer.alloc(tail)]));
      const g = path.join(d, 'g.bin');
      fs.copyFileSync(f, g);
      execFileSync('sync');
      const h = sha256(f);
      const before = allocated(f);
      const r = await engine.digHoles(f);
      execFileSync('sync');
      assert.equal(sha256(f), h);
      assert.equal(fs.statSync(f).size, 8192 + tail, 'size kept');
      assert.equal(allocated(f), 8192n, 'only the data blocks are left');
      assert.equal(r.bytes, before - allocated(f));
      if (hasTool('fallocate')) {
        execFileSync('fallocate', ['--dig-holes', g]);
        execFileSync('sync');
        assert.equal(allocated(f), allocated(g), 'the same as util-linux');
      }
    });

    test('a run is punched before the scan moves on: a write into a scanned run survives', async () => {
      const d = freshDir(tfs, 'race');
      const f = path.join(d, 'f.bin');
      const buf = Buffer.alloc(8 * MiB);
      pattern(4096).copy(buf, 0);
      pattern(4096, 7).copy(buf, 8 * MiB - 4096);
      fs.writeFileSync(f, buf);
      const record = pattern(4096, 99);
      let wrote = false;
      const r = await createEngine({ backend: withoutLease() }).digHoles(f, {
        onProgress: () => {
          // The first progress event comes after the first 1 MiB was scanned. A writer puts a
          // record there now; the run of zeros it lands in must not be punched over it.
          if (wrote) return;
          wrote = true;
          writeAt(f, 512 * 1024, record);
        },
      });
      assert.ok(wrote);
      assert.ok(r.notes!.some((n) => NO_LEASE_NOTE.test(n)), 'the report says the file was not held alone');
      const got = fs.readFileSync(f).subarray(512 * 1024, 512 * 1024 + 4096);
      assert.ok(got.equals(record), 'the record written after the scan survived');
    });

    test('cancelled part way: the error says how much was already deallocated (measured), and the file reads as before', async () => {
      const d = freshDir(tfs, 'cancel');
      const f = path.join(d, 'f.bin');
      fs.writeFileSync(f, Buffer.alloc(8 * MiB)); // written zeros: every block a candidate
      execFileSync('sync');
      // the file's data blocks (FIEMAP), as the dig measures them: its block count also holds the
      // extent tree, which punching can grow by a block, or not, as free space lies (1 KiB on ext4)
      const mapped = async (): Promise<bigint> => (await engine.map(f)).extents.reduce((a, x) => a + x.length, 0n);
      const before = await mapped();
      const ac = new AbortController();
      // The first progress event comes after the first 1 MiB was scanned and punched.
      const err = await engine.digHoles(f, { signal: ac.signal, onProgress: () => ac.abort() }).catch((e: FsctlError) => e);
      const freed = before - (await mapped());
      await assert.rejects(Promise.reject(err), (e: FsctlError) => {
        assert.ok(freed > 0n, 'part of the file was deallocated before the cancel');
        assert.equal(e.code, 'E_CANCELLED');
        assert.match(
          e.message,
          new RegExp(
            `^dig-holes was cancelled \\(E_CANCELLED\\) after deallocating ${freed} bytes \\(measured\\); the file reads as before \\(only blocks of zeros became holes\\)\\. Run it again to finish\\.$`,
          ),
        );
        assert.doesNotMatch(e.message, /nothing was left behind/);
        return true;
      });
      assert.ok(fs.readFileSync(f).equals(Buffer.alloc(8 * MiB)));
      // cancelled before its first punch: it changed nothing (it works in place: nothing is "left behind")
      const early = new AbortController();
      early.abort();
      await assert.rejects(engine.digHoles(f, { signal: early.signal }), (e: FsctlError) => {
        assert.equal(e.code, 'E_CANCELLED');
        assert.match(e.message, /nothing was changed\.$/);
        return true;
      });
    });

    test('each run is read again just before it is punched: only blocks still zero are punched', async () => {
      const d = freshDir(tfs, 'reread');
      const f = path.join(d, 'f.bin');
      const buf = Buffer.alloc(4 * MiB);
      pattern(4096).copy(buf, 0);
      fs.writeFileSync(f, buf);
      execFileSync('sync');
      const record = pattern(fsBlock, 42);
      const seen: bigint[] = [];
      const ctx = {
        checkCancelled() {},
        progress() {},
        beforeVerify: (run: { offset: bigint; length: bigint }) => {
          seen.push(run.offset);
          // A concurrent writer between the scan and the punch, inside the run.
          if (seen.length === 1) writeAt(f, Number(run.offset) + 2 * fsBlock, record);
        },
      };
      const before = allocated(f);
      const r = await digHoles(withoutLease(), f, undefined, ctx);
      assert.ok(seen.length >= 1);
      const got = fs.readFileSync(f);
      assert.ok(got.subarray(Number(seen[0]) + 2 * fsBlock, Number(seen[0]) + 3 * fsBlock).equals(record), 'the record survived');
      // Everything else that was zero was punched: only the first block and the record are left
      // (as data ranges: st_blocks also counts an ext4 extent-tree block, when there is one).
      execFileSync('sync');
      const at = seen[0] + 2n * BigInt(fsBlock);
      assert.deepEqual((await engine.ranges(f)).ranges, [
        { offset: 0n, length: 4096n },
        { offset: at, length: BigInt(fsBlock) },
      ]);
      assert.equal(r.bytes, before - allocated(f));
    });
  });
}

describe('punch reports what was deallocated', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  before(() => {
    xfs = makeFs('xfs');
  });
  after(() => xfs?.cleanup());

  test('past the end of the file and over holes, bytes is the drop in allocated space', async () => {
    const f = path.join(freshDir(xfs, 'punch'), 'f.bin');
    fs.writeFileSync(f, pattern(8192));
    execFileSync('sync');
    const r = await engine.punch(f, { offset: 4096n, length: BigInt(MiB) });
    assert.equal(r.bytes, 4096n);
    assert.deepEqual(r.notes, [
      '1048576 bytes asked for; 4096 bytes deallocated (measured with FIEMAP)',
      `${MiB - 4096} bytes lie past the end of the file (8192 bytes)`,
      `of the ${MiB} bytes in whole blocks, ${MiB - 4096} were not allocated (holes already, or past the end)`,
    ]);
    assert.equal(fs.statSync(f).size, 8192);
    const again = await engine.punch(f, { offset: 4096n, length: 4096n });
    assert.equal(again.bytes, 0n, 'a hole frees nothing');
    assert.deepEqual(again.notes, [
      '4096 bytes asked for; 0 bytes deallocated (measured with FIEMAP)',
      'of the 4096 bytes in whole blocks, 4096 were not allocated (holes already)',
    ]);
    // the trial's case: an unaligned range inside data zeroes its partial blocks and frees nothing
    const u = path.join(path.dirname(f), 'u.bin');
    fs.writeFileSync(u, pattern(10_000));
    execFileSync('sync');
    const partial = await engine.punch(u, { offset: 100n, length: 4096n });
    assert.equal(partial.bytes, 0n);
    assert.deepEqual(partial.notes, [
      '4096 bytes asked for; 0 bytes deallocated (measured with FIEMAP)',
      '4096 bytes lie in partial 4096-byte blocks at the ends of the range: zeroed, not deallocated',
    ]);
    assert.ok(fs.readFileSync(u).subarray(100, 4196).equals(Buffer.alloc(4096)), 'zeroed');
    const whole = await engine.punch(f, { offset: 0n, length: 4096n });
    assert.equal(whole.bytes, 4096n);
    assert.equal(whole.notes, undefined);
    assert.equal(whole.fsFreed, 4096n, "the file system's own count");
  });

  // A trial punched [0, 1 GiB) of a file fragmented by a 4 KiB hole every 16 KiB and was told
  // 806383616 bytes were deallocated where the range held 805306368: st_blocks also counts XFS's
  // extent tree, whose blocks the punch freed too. And dig-holes on a file shared with nothing
  // blamed "other files sharing those blocks" for the extent tree's growth.
  test("on a fragmented XFS file: bytes are the data's alone (as filefrag counts them), not the extent tree's", async () => {
    const d = freshDir(xfs, 'fragmented');
    const f = path.join(d, 'frag.bin');
    const size = 64 * MiB;
    // 4096 holes of 4 KiB, one every 16 KiB: 4096 extents, far more than the inode holds
    execFileSync('xfs_io', ['-f', '-c', `pwrite -S 0x61 -b 1m 0 ${size}`, '-c', 'fsync', f]);
    const holes: string[] = [];
    for (let o = 0; o < size; o += 16384) holes.push('-c', `fpunch ${o + 8192} 4096`);
    execFileSync('xfs_io', [...holes, f]);
    execFileSync('sync');
    const dataIn = (from: number, to: number): bigint => {
      // filefrag -v -b1: extents in bytes; the peer tool's count of the data in [from, to)
      let n = 0n;
      for (const m of execFileSync('filefrag', ['-v', '-b1', f], { encoding: 'utf8' }).matchAll(/^\s*\d+:\s+(\d+)\.\.\s*(\d+):/gm)) {
        const s = BigInt(m[1]);
        const e = BigInt(m[2]) + 1n;
        const lo = s > BigInt(from) ? s : BigInt(from);
        const hi = e < BigInt(to) ? e : BigInt(to);
        if (hi > lo) n += hi - lo;
      }
      return n;
    };
    const half = size / 2;
    const expected = dataIn(0, half);
    assert.equal(expected, BigInt((half / 4) * 3), 'three quarters of the range is data');
    const blocksBefore = allocated(f);
    const r = await engine.punch(f, { offset: 0n, length: BigInt(half) });
    const blocksAfter = allocated(f);
    assert.ok(blocksBefore - blocksAfter > expected, `st_blocks fell by more (${blocksBefore - blocksAfter}): the extent tree shrank too`);
    assert.equal(r.bytes, expected);
    assert.ok(
      r.notes?.includes(`of the ${half} bytes in whole blocks, ${half / 4} were not allocated (holes already)`),
      JSON.stringify(r.notes),
    );
    assert.equal(dataIn(0, half), 0n);

    // dig-holes on a file shared with nothing: the file system's gain is short by its own records
    const z = path.join(d, 'zeros.bin');
    const buf = pattern(64 * MiB);
    for (let o = 0; o < buf.length; o += 2 * 65536) buf.fill(0, o, o + 65536); // 512 runs of 64 KiB zeros
    fs.writeFileSync(z, buf);
    execFileSync('sync');
    const dug = await engine.digHoles(z);
    assert.equal(dug.bytes, 32n * BigInt(MiB), 'exactly the zeros');
    assert.match(dug.notes![0], /found 33554432 bytes of zeros; punched 512 runs of zero blocks; 33554432 bytes deallocated/);
    assert.equal(dug.sharedBytes, 0n);
    const short = dug.notes!.find((n) => /less than the 33554432 bytes deallocated/.test(n));
    if (short) assert.match(short, /none of those blocks were shared with other files, so the rest is the file system's own bookkeeping/);
  });

  test('punch in a clone: deallocated from the file, nothing freed on the file system, and the report says so', async () => {
    const d = freshDir(xfs, 'punch-shared');
    const a = path.join(d, 'a.bin');
    fs.writeFileSync(a, pattern(4 * MiB));
    const b = path.join(d, 'b.bin');
    await engine.clone(a, b);
    execFileSync('sync');
    const free = freeBytes(d);
    const r = await engine.punch(b, { offset: BigInt(MiB), length: BigInt(MiB) });
    assert.equal(r.bytes, BigInt(MiB), "the clone's own block count fell by 1 MiB");
    assert.equal(r.sharedBytes, BigInt(MiB), 'all of it shared with a.bin');
    assert.equal(r.fsFreed, 0n);
    assert.equal(freeBytes(d), free, 'df agrees: nothing was freed');
    assert.ok(
      r.notes?.some((n) =>
        /less than the 1048576 bytes deallocated from the file: 1048576 of those bytes were shared with other files \(reflinks, snapshots\), which still hold them/.test(n),
      ),
      JSON.stringify(r.notes),
    );
    // A trial: an unaligned punch in a clone said "0 bytes deallocated": zeroing the partial
    // blocks at its ends unshares them (new blocks, st_blocks up), hiding the whole block freed
    const u = await engine.punch(b, { offset: 1000n, length: 10_000n });
    assert.equal(u.bytes, 4096n, 'the one whole block in the range');
    assert.equal(u.sharedBytes, 4096n);
    assert.match(u.notes!.join(' '), /5904 bytes lie in partial 4096-byte blocks at the ends of the range/);
    ensureBuilt();
    const c = cli(['punch', a, String(2 * MiB), String(MiB), '--json']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).fsFreed, '0', 'the source shares its blocks with the clone too');
  });
});
