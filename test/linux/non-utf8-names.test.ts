// File names that are not UTF-8, on a real XFS (issue 11 item 11). Linux names are bytes; the
// engine takes paths as strings and carries each byte that is not valid UTF-8 as the lone
// surrogate U+DC00 + byte (surrogateescape, src/engine/os-path.ts). Every operation must reach
// the file with exactly those bytes, in the caller's thread and in the worker, make new names
// (the folder's own name, "name (clone).ext", names cut to 255 bytes) from the same bytes, and
// report them in the same form. The files are made and listed with Buffer paths, never as text.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createEngine, type FsctlError } from '../../src/engine';
import { LinuxBackend } from '../../src/engine/backends/linux';
import { loadLibc, O_TMPFILE, type Libc } from '../../src/engine/backends/linux/libc';
import { fromOsBytes, osPathBytes } from '../../src/engine/os-path';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';

/** A path as bytes: `dir` (UTF-8 text) + "/" + the raw name bytes. */
const bytesPath = (dir: string | Buffer, name: Buffer): Buffer => Buffer.concat([Buffer.from(dir), Buffer.from('/'), name]);
/** The same path as the engine takes it (surrogateescape). */
const enginePath = (b: Buffer): string => fromOsBytes(b);

function pattern(n: number, seed = 7): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = ((i * 131 + seed) % 251) + 1;
  return b;
}
const sha = (p: Buffer): string => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
/** The folder's names as bytes, in hex (a listing as text would turn every bad byte into U+FFFD). */
const names = (dir: Buffer | string): string[] =>
  (fs.readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).map((n) => n.toString('hex')).sort();
const hex = (...names: Buffer[]): string[] => names.map((n) => n.toString('hex')).sort();

/** Names that are not UTF-8: a lone 0xff, Latin-1 "é", an encoded surrogate (CESU), a truncated sequence. */
const BAD = [
  Buffer.from('bad\xff.bin', 'latin1'),
  Buffer.from('caf\xe9 \xe0 la carte.bin', 'latin1'),
  Buffer.from([0x73, 0xed, 0xa0, 0x80, 0x2e, 0x62, 0x69, 0x6e]), // "s" + U+D800 as UTF-8 bytes + ".bin"
  Buffer.from([0x74, 0xe2, 0x82, 0x2e, 0x62, 0x69, 0x6e]), // "t" + 2 of 3 bytes of "€" + ".bin"
];

describe('non-UTF-8 file names reach the file (xfs)', { skip: skipReason('xfs') }, () => {
  let xfs: TestFs;
  const engine = createEngine();
  const worker = createEngine({ worker: true });
  before(() => {
    xfs = makeFs('xfs');
  });
  after(async () => {
    await worker.dispose();
    xfs?.cleanup();
  });

  test('space: a folder walk lists, maps and names every file by its bytes', async () => {
    const d = freshDir(xfs, 'space-walk');
    const sub = bytesPath(d, Buffer.from('dir\xfe', 'latin1'));
    fs.mkdirSync(sub);
    for (const n of BAD) fs.writeFileSync(bytesPath(sub, n), pattern(8192));
    for (const e of [engine, worker]) {
      const r = await e.space([d]);
      assert.deepEqual(r.errors, [], 'no file is missed');
      assert.deepEqual(
        r.files.map((f) => f.path).sort(),
        BAD.map((n) => enginePath(bytesPath(sub, n))).sort(),
        'every name carried with its bytes',
      );
      for (const f of r.files) assert.equal(f.allocated, 8192n);
    }
  });

  test('the mapping: bytes -> string -> the same bytes; a bad byte is U+DC00 + byte', () => {
    for (const n of BAD) assert.deepEqual(osPathBytes(fromOsBytes(n)), n);
    assert.equal(fromOsBytes(BAD[0]), 'bad\udcff.bin');
    assert.equal(fromOsBytes(Buffer.from('ünïcödé €𝄞')), 'ünïcödé €𝄞'); // valid UTF-8 is unchanged
  });

  for (const [label, e] of [
    ['in this thread', () => engine],
    ['in the worker', () => worker],
  ] as const) {
    test(`${label}: ranges, map, mapPacked, volume, punch, clone-range, dig-holes, zero on names that are not UTF-8`, async () => {
      const d = freshDir(xfs, `read-${label.replace(/ /g, '-')}`);
      for (const n of BAD) {
        const b = bytesPath(d, n);
        fs.writeFileSync(b, Buffer.concat([pattern(65536), Buffer.alloc(65536), pattern(65536)]));
        const p = enginePath(b);
        const r = await e().ranges(p);
        assert.equal(r.size, 196608n, n.toString('hex'));
        assert.equal(r.ranges.length >= 1, true);
        const m = await e().map(p);
        assert.equal(m.extents.length >= 1, true);
        const pk = await e().mapPacked(p);
        assert.equal(pk.packed.count >= 1, true);
        const v = await e().volume(p);
        assert.equal(v.filesystem, 'xfs');
        assert.equal(v.supportsClone, true, v.cloneEvidence);
        const before = fs.statSync(b).blocks;
        const pr = await e().punch(p, { offset: 0n, length: 65536n });
        assert.equal(pr.bytes, 65536n);
        assert.equal(fs.statSync(b).blocks, before - 128);
        const cr = await e().cloneRange(p, 131072n, p, 0n, 65536n, {});
        assert.equal(cr.bytes, 65536n);
        assert.deepEqual(fs.readFileSync(b).subarray(0, 65536), pattern(65536));
        fs.writeFileSync(b, Buffer.alloc(8192), { flag: 'a' }); // zeros at the end: dig-holes frees them
        assert.equal((await e().digHoles(p)).bytes >= 8192n, true);
        assert.equal((await e().zero(p, { offset: 0n, length: 4096n })).bytes, 4096n);
        assert.equal((await e().setSparse(p, true)).operation, 'set-sparse');
      }
      // Nothing else appeared in the folder (no name made from a U+FFFD form of the bytes).
      assert.deepEqual(names(d), hex(...BAD));
    });

    test(`${label}: clone and copy, source and destination not UTF-8, every policy, into a folder not UTF-8`, async () => {
      const d = freshDir(xfs, `write-${label.replace(/ /g, '-')}`);
      const srcB = bytesPath(d, BAD[0]);
      fs.writeFileSync(srcB, pattern(200_000));
      const src = enginePath(srcB);
      for (const op of ['clone', 'copy'] as const) {
        const tag = Buffer.from(op);
        const folder = bytesPath(d, Buffer.concat([tag, Buffer.from('-dir\xfe', 'latin1')]));
        fs.mkdirSync(folder);
        const run = (to: string, onExisting: 'fail' | 'rename' | 'overwrite' = 'fail') =>
          op === 'clone' ? e().clone(src, to, { onExisting }) : e().copy(src, to, { onExisting });
        // A new path whose name is not UTF-8.
        const destName = Buffer.concat([tag, Buffer.from('-\xc3\x28.bin', 'latin1')]);
        const destB = bytesPath(d, destName);
        const r1 = await run(enginePath(destB));
        assert.equal(r1.destination, enginePath(destB));
        assert.equal(r1.source, src);
        assert.equal(sha(destB), sha(srcB));
        // It exists: fail says so, naming it in the same form; rename makes "name (clone).ext" of the same bytes.
        await assert.rejects(run(enginePath(destB)), (err: FsctlError) => err.code === 'E_EXISTS' && err.paths[0] === enginePath(destB));
        const renamed = bytesPath(d, Buffer.concat([tag, Buffer.from(`-\xc3\x28 (${op}).bin`, 'latin1')]));
        const r2 = await run(enginePath(destB), 'rename');
        assert.equal(r2.destination, enginePath(renamed));
        assert.equal(sha(renamed), sha(srcB));
        // Overwrite replaces that file, through its bytes.
        fs.writeFileSync(destB, 'old');
        const r3 = await run(enginePath(destB), 'overwrite');
        assert.equal(r3.destination, enginePath(destB));
        assert.equal(sha(destB), sha(srcB));
        // Into a folder whose own name is not UTF-8: the source's name, then the renamed one.
        const intoB = bytesPath(folder, BAD[0]);
        const r4 = await run(enginePath(folder));
        assert.equal(r4.destination, enginePath(intoB));
        assert.equal(sha(intoB), sha(srcB));
        const r5 = await run(enginePath(folder) + '/', 'rename');
        const renamedInto = bytesPath(folder, Buffer.from(`bad\xff (${op}).bin`, 'latin1'));
        assert.equal(r5.destination, enginePath(renamedInto));
        assert.equal(sha(renamedInto), sha(srcB));
        assert.deepEqual(names(folder), hex(BAD[0], Buffer.from(`bad\xff (${op}).bin`, 'latin1')));
      }
      // Nothing hidden or mis-named was left behind: only the names made above.
      assert.deepEqual(
        names(d),
        hex(
          BAD[0],
          Buffer.from('clone-dir\xfe', 'latin1'),
          Buffer.from('copy-dir\xfe', 'latin1'),
          Buffer.from('clone-\xc3\x28.bin', 'latin1'),
          Buffer.from('clone-\xc3\x28 (clone).bin', 'latin1'),
          Buffer.from('copy-\xc3\x28.bin', 'latin1'),
          Buffer.from('copy-\xc3\x28 (copy).bin', 'latin1'),
        ),
      );
    });
  }

  test('a renamed name is cut to 255 bytes counting each carried byte as one byte', async () => {
    const d = freshDir(xfs, 'long');
    // 200 × "a", 50 × 0xff, ".bin": 254 bytes. "(clone)" needs 8 more: the stem loses 8 bytes, not 24.
    const long = Buffer.concat([Buffer.alloc(200, 0x61), Buffer.alloc(50, 0xff), Buffer.from('.bin')]);
    const srcB = bytesPath(d, long);
    fs.writeFileSync(srcB, pattern(4096));
    const r = await engine.clone(enginePath(srcB), d, { onExisting: 'rename' });
    const expected = Buffer.concat([Buffer.alloc(200, 0x61), Buffer.alloc(43, 0xff), Buffer.from(' (clone).bin')]);
    assert.equal(expected.length, 255);
    assert.equal(r.destination, enginePath(bytesPath(d, expected)));
    assert.deepEqual(names(d), hex(long, expected));
  });

  test('without O_TMPFILE: the temporary name and the no-replace rename in a folder that is not UTF-8', async () => {
    const d = freshDir(xfs, 'notmp');
    const folder = bytesPath(d, Buffer.from('f\xff\xfe', 'latin1'));
    fs.mkdirSync(folder);
    const srcB = bytesPath(folder, BAD[1]);
    fs.writeFileSync(srcB, pattern(100_000));
    const e = createEngine({ backend: new LinuxBackend(withoutTmpfile()) });
    const src = enginePath(srcB);
    for (const op of ['clone', 'copy'] as const) {
      const destB = bytesPath(folder, Buffer.concat([Buffer.from(op), BAD[2]]));
      const run = (onExisting: 'fail' | 'rename' | 'overwrite') =>
        op === 'clone' ? e.clone(src, enginePath(destB), { onExisting }) : e.copy(src, enginePath(destB), { onExisting });
      assert.equal((await run('fail')).destination, enginePath(destB));
      assert.equal(sha(destB), sha(srcB));
      fs.writeFileSync(destB, 'old');
      assert.equal((await run('overwrite')).destination, enginePath(destB));
      assert.equal(sha(destB), sha(srcB));
      const renamed = bytesPath(
        folder,
        Buffer.concat([Buffer.from(op), Buffer.from([0x73, 0xed, 0xa0, 0x80]), Buffer.from(` (${op}).bin`)]),
      );
      assert.equal((await run('rename')).destination, enginePath(renamed));
      assert.equal(sha(renamed), sha(srcB));
    }
    await e.dispose();
    // No temporary name is left (each was renamed to its final name or removed).
    const made = ['clone', 'copy'].flatMap((op) => [
      Buffer.concat([Buffer.from(op), BAD[2]]),
      Buffer.concat([Buffer.from(op), Buffer.from([0x73, 0xed, 0xa0, 0x80]), Buffer.from(` (${op}).bin`)]),
    ]);
    assert.deepEqual(names(folder), hex(BAD[1], ...made));
  });

  test('a missing name that is not UTF-8 is ENOENT naming it, and no other file is reached', async () => {
    const d = freshDir(xfs, 'missing');
    // A file whose name is the U+FFFD form of the bad bytes: the lossy name must never reach it.
    fs.writeFileSync(`${d}/bad\ufffd.bin`, pattern(4096));
    const p = enginePath(bytesPath(d, BAD[0]));
    await assert.rejects(engine.ranges(p), (err: FsctlError) => err.code === 'ENOENT' && err.paths[0] === p);
    await assert.rejects(engine.punch(p, { offset: 0n, length: 4096n }), (err: FsctlError) => err.code === 'ENOENT');
    assert.equal(fs.statSync(`${d}/bad\ufffd.bin`).blocks > 0, true);
  });
});

/** The real libc, except that open(dir, O_TMPFILE) fails with EOPNOTSUPP (a file system without it). */
function withoutTmpfile(): Libc {
  const real = loadLibc();
  let fake = 0;
  return {
    ...real,
    open(p, flags, mode) {
      if ((flags & O_TMPFILE) === O_TMPFILE) {
        fake = 95;
        return -1;
      }
      fake = 0;
      return real.open(p, flags, mode);
    },
    errno: () => fake || real.errno(),
  };
}
