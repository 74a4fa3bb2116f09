// Whose blocks a copy has, on real loop-mounted XFS and ext4:
// - preallocated (unwritten) extents read as zeros and stay holes in the copy, as cp leaves
//   them, also once their pages are in the page cache (XFS's SEEK_DATA then calls them data; a
//   new-user trial found the copy 1 MiB of written zeros after one read of the source), on the
//   same file system (copy_file_range) and across (read/write), against cp's copy;
// - copy_file_range on XFS shares the source's blocks: the report says how many (measured with
//   FIEMAP, as filefrag shows them), and --reflink never (engine: reflink 'never') writes blocks
//   of the copy's own, as cp --reflink=never.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { withoutRanges } from '../../src/engine/byte-ranges';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { sha256, writeSparse } from '../support/sparse-files';
import { cli, ensureBuilt } from '../cli/run-cli';

const KiB = 1024;
const MiB = 1024 * KiB;
const engine = createEngine();

test('withoutRanges: what is left of ranges less others, in order, exact above 2^53', () => {
  const r = (o: bigint, l: bigint) => ({ offset: o, length: l });
  const big = 1n << 60n;
  assert.deepEqual(withoutRanges([r(0n, 100n), r(200n, 100n)], []), [r(0n, 100n), r(200n, 100n)]);
  assert.deepEqual(withoutRanges([r(0n, 100n), r(200n, 100n)], [r(50n, 200n)]), [r(0n, 50n), r(250n, 50n)]);
  assert.deepEqual(withoutRanges([r(0n, 100n)], [r(10n, 10n), r(30n, 10n), r(90n, 50n)]), [r(0n, 10n), r(20n, 10n), r(40n, 50n)]);
  assert.deepEqual(withoutRanges([r(0n, 100n)], [r(0n, 100n)]), []);
  assert.deepEqual(withoutRanges([r(big, 4096n)], [r(big + 1n, 1n)]), [r(big, 1n), r(big + 2n, 4094n)]);
});

describe('whose blocks a copy has (xfs + ext4)', { skip: skipReason('xfs') ?? skipReason('ext4') }, () => {
  let xfs: TestFs;
  let ext4: TestFs;
  before(() => {
    xfs = makeFs('xfs');
    ext4 = makeFs('ext4');
  });
  after(async () => {
    await engine.dispose();
    xfs?.cleanup();
    ext4?.cleanup();
  });

  const allocated = (p: string): bigint => fs.statSync(p, { bigint: true }).blocks * 512n;
  /** Where SEEK_DATA and SEEK_HOLE find data and holes (xfs_io seek -a -r, the peer tool). */
  const dataAndHoles = (p: string): string => execFileSync('xfs_io', ['-c', 'seek -a -r 0', p], { encoding: 'utf8' });

  test("progress counts the data copied of the data to copy, never the source map's reading over its size", async () => {
    // A trial: "copy: 2 MiB of 200 MiB (0%) copied", then "31 MiB of 100 MiB (31%)": the first line was
    // SEEK_DATA's walk of a file of 51,200 data ranges, counted over the file's size.
    const d = freshDir(ext4, 'progress');
    const src = path.join(d, 'many-ranges.bin');
    const pieces = Array.from({ length: 600 }, (_, i) => ({ offset: BigInt(i * 8 * KiB), length: 4 * KiB }));
    writeSparse(src, BigInt(600 * 8 * KiB), pieces);
    for (const dir of [d, freshDir(xfs, 'progress-copy')]) {
      const totals = new Set<bigint>();
      const r = await engine.copy(src, path.join(dir, 'copy.bin'), { onProgress: (p) => totals.add(p.total) });
      assert.equal(r.bytes, BigInt(600 * 4 * KiB));
      assert.deepEqual([...totals], [BigInt(600 * 4 * KiB)], dir);
    }
  });

  test("1 MiB preallocated with 64 KiB written in it, 4 KiB more at 3 MiB: the copy holds 68 KiB, as cp's, after the source was read", async () => {
    const d = freshDir(xfs, 'prealloc');
    const src = path.join(d, 'p');
    execFileSync('xfs_io', [
      '-f',
      '-c',
      'falloc 0 1m',
      '-c',
      'pwrite -S 0x5a 256k 64k',
      '-c',
      'truncate 4m',
      '-c',
      'pwrite -S 0x33 3m 4k',
      '-c',
      'fsync',
      src,
    ]);
    fs.readFileSync(src); // the unwritten pages now in the page cache: SEEK_DATA calls them data
    const seekData = execFileSync('xfs_io', ['-c', 'seek -a -r 0', src], { encoding: 'utf8' });
    assert.match(seekData, /DATA\s+0\b/, `SEEK_DATA finds the cached unwritten range at 0: ${seekData}`);
    for (const [name, dir] of [
      ['same file system (copy_file_range)', d],
      ['another file system (read/write)', freshDir(ext4, 'prealloc-copy')],
    ] as const) {
      const ours = path.join(dir, 'ours');
      const theirs = path.join(dir, 'cp');
      const r = await engine.copy(src, ours);
      execFileSync('cp', ['--reflink=never', src, theirs]);
      assert.equal(sha256(ours), sha256(src), name);
      assert.equal(r.bytes, BigInt(68 * KiB), `${name}: only the written bytes were copied`);
      assert.equal(allocated(ours), BigInt(68 * KiB), name);
      // "N bytes", so the views give it digit groups and a human size (a trial saw "the other 10285056 are holes");
      // the preallocated 960 KiB said apart from the holes (a trial copying a thick raw image read
      // "the other 16707584 bytes are holes, kept as holes": they were preallocated, and the copy is thin)
      assert.equal(
        r.notes?.[0],
        `the file is ${4 * MiB} bytes; of the other ${4 * MiB - 68 * KiB} bytes, ${960 * KiB} bytes are preallocated (unwritten) ` +
          'extents in the source, which read as zeros and are holes in the copy, as cp leaves them, so that space is not reserved ' +
          `for it (fallocate the copy to reserve it again), and ${3 * MiB - 4 * KiB} bytes are holes, kept as holes (bytes counts the data copied)`,
        name,
      );
      // cp reads the data SEEK_DATA gives and punches what is all zeros: the same data and holes
      // (its block count may differ: XFS preallocates for its writes)
      execFileSync('sync');
      assert.equal(dataAndHoles(ours), dataAndHoles(theirs), `${name}: as cp's copy`);
      assert.equal(fs.statSync(ours).size, 4 * MiB);
    }
  });

  // A trial: `copy` of an 8 MiB raw image made with fallocate (as qemu-img create -o
  // preallocation=falloc makes them) said "the source is all hole": it held 8 MiB on the disk.
  test('a file that is all preallocated, nothing written: the copy says so, not "all hole"', async () => {
    const d = freshDir(xfs, 'thick');
    const src = path.join(d, 'thick.raw');
    execFileSync('xfs_io', ['-f', '-c', 'falloc 0 8m', src]);
    const r = await engine.copy(src, path.join(d, 'copy.raw'));
    assert.equal(r.bytes, 0n);
    assert.equal(
      r.notes?.[0],
      `the file is ${8 * MiB} bytes; the other ${8 * MiB} bytes are preallocated (unwritten) extents in the source, which read as ` +
        'zeros and are holes in the copy, as cp leaves them, so that space is not reserved for it (fallocate the copy to reserve it again) ' +
        '(bytes counts the data copied)',
    );
    assert.equal(allocated(path.join(d, 'copy.raw')), 0n, 'the copy is thin, as said');
  });

  test("copy_file_range on XFS shares the source's blocks and says so; reflink 'never' writes its own (engine and CLI)", async () => {
    ensureBuilt();
    const d = freshDir(xfs, 'blocks');
    const src = path.join(d, 'src');
    execFileSync('xfs_io', ['-f', '-c', 'pwrite -S 0x42 0 8m', '-c', 'fsync', src]);
    const auto = await engine.copy(src, path.join(d, 'auto'));
    assert.equal(auto.method, 'copy_file_range');
    assert.equal(auto.sharedBytes, BigInt(8 * MiB));
    assert.match(
      auto.notes?.join(' ') ?? '',
      /shared 8388608 bytes of the source's blocks .*; extent-lens copy --reflink never makes a copy/,
    );
    assert.ok(/shared/.test(execFileSync('filefrag', ['-v', path.join(d, 'auto')], { encoding: 'utf8' })), 'filefrag shows it shared');
    const own = await engine.copy(src, path.join(d, 'own'), { reflink: 'never' });
    assert.equal(own.method, 'sparse-copy');
    assert.equal(own.sharedBytes, 0n, 'its own blocks, said as 0 (the help gives the field always on Linux)');
    assert.equal(sha256(path.join(d, 'own')), sha256(src));
    execFileSync('sync');
    assert.doesNotMatch(execFileSync('filefrag', ['-v', path.join(d, 'own')], { encoding: 'utf8' }), /shared/);
    // across file systems nothing can be shared: 0, and no such note
    const across = await engine.copy(src, path.join(freshDir(ext4, 'blocks-copy'), 'x'));
    assert.equal(across.sharedBytes, 0n);
    assert.doesNotMatch(across.notes?.join(' ') ?? '', /source's blocks/);
    // the CLI: the option and the JSON field
    const j = JSON.parse(cli(['copy', src, path.join(d, 'cli-own'), '--reflink', 'never', '--json']).stdout);
    assert.equal(j.method, 'sparse-copy');
    assert.equal(j.sharedBytes, '0');
    const k = JSON.parse(cli(['copy', src, path.join(d, 'cli-auto'), '--json']).stdout);
    assert.equal(k.sharedBytes, String(8 * MiB));
    const bad = cli(['copy', src, path.join(d, 'cli-bad'), '--reflink', 'sometimes']);
    assert.equal(bad.code, 2);
    assert.equal(fs.existsSync(path.join(d, 'cli-bad')), false);
  });

  // A trial: `copy --reflink never` of a sparse 50 GiB VM image (64 MiB, 32 MiB and 1 MiB of data)
  // onto XFS held 193 MiB for 97 MiB of data: each data range was written at the end of the
  // growing copy, so XFS preallocated past that end for more writes (speculative preallocation,
  // about as much as was written), and the copy's size, set after, left those blocks inside the
  // file as unwritten extents, which XFS never gives back. cp --reflink=never does the same.
  test('a read-and-write copy onto XFS holds its data only: no preallocation left between the data ranges', async () => {
    const src = path.join(freshDir(ext4, 'prealloc-left'), 'image.raw');
    writeSparse(src, BigInt(1024 * MiB), [
      { offset: 0n, length: 16 * MiB, fill: 0x11 },
      { offset: BigInt(512 * MiB), length: 4 * MiB, fill: 0x22 },
      { offset: BigInt(1000 * MiB), length: 64 * KiB, fill: 0x33 },
    ]);
    const data = BigInt(20 * MiB + 64 * KiB);
    const d = freshDir(xfs, 'prealloc-left');
    for (const [name, dest, opts] of [
      ['across file systems (read/write)', path.join(d, 'across.raw'), {}],
      ["reflink 'never' on the same file system", path.join(d, 'own.raw'), { reflink: 'never' as const }],
    ] as const) {
      const from = name.startsWith('across') ? src : path.join(d, 'src.raw');
      if (!name.startsWith('across')) await engine.copy(src, from);
      const r = await engine.copy(from, dest, opts);
      assert.equal(r.method, 'sparse-copy', name);
      assert.equal(r.bytes, data, name);
      assert.equal(sha256(dest), sha256(src), name);
      execFileSync('sync');
      const unwritten = (await engine.map(dest)).extents.filter((e) => e.flags.includes('unwritten'));
      assert.deepEqual(unwritten, [], `${name}: no preallocated extents inside the copy`);
      assert.equal(allocated(dest), data, `${name}: the copy holds its data, nothing more`);
    }
  });

  // A trial found "shared 1003520 bytes" for a 1,000,000-byte copy whose last block filefrag
  // showed as its own, and 4096 shared for a 17-byte copy that shared nothing: XFS shares the
  // last block whole, then setting the copy's size zeroes its tail, which unshares it once
  // written back. The report counts what filefrag shows after sync.
  test('copy_file_range on XFS of sizes that are not whole blocks: the shared bytes are those filefrag shows after sync', async () => {
    const d = freshDir(xfs, 'tail');
    for (const [name, size, shared] of [
      ['m2', 1_000_000, 244 * 4096],
      ['small', 17, 0],
    ] as const) {
      const src = path.join(d, name);
      execFileSync('xfs_io', ['-f', '-c', `pwrite -S 0x42 0 ${size}`, '-c', 'fsync', src]);
      const r = await engine.copy(src, path.join(d, `${name}.copy`));
      assert.equal(r.method, 'copy_file_range');
      assert.equal(sha256(path.join(d, `${name}.copy`)), sha256(src));
      execFileSync('sync');
      const frag = execFileSync('filefrag', ['-v', '-b4096', path.join(d, `${name}.copy`)], { encoding: 'utf8' });
      const sharedBlocks = frag
        .split('\n')
        .filter((l) => /shared/.test(l))
        .reduce((n, l) => n + Number(/^\s*\d+:\s+\d+\.\.\s*\d+:\s+\d+\.\.\s*\d+:\s+(\d+):/.exec(l)![1]), 0);
      assert.equal(sharedBlocks * 4096, shared, `${name}: filefrag ${frag}`);
      assert.equal(r.sharedBytes ?? 0n, BigInt(shared), name);
    }
  });
});

describe('copy_file_range on btrfs: the shared bytes are never more than the data copied', { skip: skipReason('btrfs') }, () => {
  let btrfs: TestFs;
  before(() => {
    btrfs = makeFs('btrfs');
  });
  after(() => btrfs?.cleanup());

  // A trial: "shared 102400 bytes" for a 100,000-byte copy (btrfs shares the last block whole,
  // and an extent's length is whole blocks), and 8192 for 5904 bytes of data.
  test('a file of whole and part blocks, with a hole: sharedBytes is at most bytes', async () => {
    const d = freshDir(btrfs, 'tail');
    const src = path.join(d, 'src');
    execFileSync('xfs_io', ['-f', '-c', 'pwrite -S 0x42 0 100000', '-c', 'fsync', src]);
    const r = await engine.copy(src, path.join(d, 'copy'));
    assert.equal(r.bytes, 100000n);
    assert.equal(r.sharedBytes, 100000n);
    assert.match(r.notes!.join(' '), /shared 100000 bytes of the source's blocks/);
    const holey = path.join(d, 'holey');
    execFileSync('xfs_io', ['-f', '-c', 'pwrite -S 0x42 4096 5904', '-c', 'fsync', holey]);
    const h = await engine.copy(holey, path.join(d, 'holey.copy'));
    assert.equal(h.bytes, 5904n);
    assert.ok(h.sharedBytes! <= h.bytes, String(h.sharedBytes));
  });
});
