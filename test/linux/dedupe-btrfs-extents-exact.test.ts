// engine.dedupe on btrfs as root, where the saving is said to be exact: what a plan frees is
// weighed per extent across all of its groups and files, and measured here against btrfs's own
// Data "Used" (`btrfs filesystem usage -b`) after the apply. Each layout is one a fuzzer of random
// trees (snapshots, reflinks, partly cloned and overwritten files; estimate against freed) found
// off: an extent kept by a range that already shares the source's blocks, or by a file that no
// group moves; a snapshot's shared extent with an overwritten part; one file's blocks counted in
// two groups, once through it and once through its snapshot's copy; compressed data taken out
// of a saving that never counted it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type DedupePlan } from '../../src/engine';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { KiB, shas } from '../support/dedupe-files';

/** btrfs's Data "Used" in bytes, after a sync of the file system. */
function dataUsed(mountPoint: string): bigint {
  execFileSync('btrfs', ['filesystem', 'sync', mountPoint]);
  const out = execFileSync('btrfs', ['filesystem', 'usage', '-b', mountPoint], { encoding: 'utf8' });
  const m = /^Data,[^\n]*Used:(\d+)/m.exec(out);
  assert.ok(m, out);
  return BigInt(m[1]);
}

/** Writes `data` as one extent (one write, then fsync). */
function writeSynced(p: string, data: Buffer, at = 0): void {
  const fd = fs.openSync(p, fs.existsSync(p) ? 'r+' : 'w');
  try {
    fs.writeSync(fd, data, 0, data.length, at);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const reflink = (src: string, srcOff: number, dst: string, dstOff: number, len: number): void => {
  execFileSync('xfs_io', ['-c', `reflink ${src} ${srcOff} ${dstOff} ${len}`, dst]);
};

describe('dedupe on btrfs: the saving said exact is what is freed', { skip: skipReason('btrfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('btrfs', 1024);
  });
  after(() => t?.cleanup());

  /** Finds `dirs` with `chunk`, checks the plan's saving is exact and `expected`, applies it and measures. */
  async function planAndApply(dirs: string[], chunk: number, expected: bigint): Promise<DedupePlan> {
    execFileSync('sync'); // (btrfs names an extent's owners once it is committed; else the plan says to sync)
    const before = dirs.map(shas);
    const engine = createEngine();
    const plan = await engine.findDuplicates(dirs, { chunk: BigInt(chunk) });
    const said = plan.groups.map(
      (g) => `${g.netSaving}: ${g.ranges.map((r) => `${path.basename(r.path)}@${r.offset}`).join(' ')} ${g.warnings.join(' ')}`,
    );
    assert.equal(plan.total.netSavingMin, plan.total.netSaving, `exact as root\n${said.join('\n')}`);
    assert.equal(plan.total.netSaving, expected, said.join('\n'));
    const used0 = dataUsed(t.mountPoint);
    await engine.dedupe(plan);
    assert.equal(used0 - dataUsed(t.mountPoint), expected, 'freed, as btrfs counts its data');
    assert.deepEqual(dirs.map(shas), before);
    return plan;
  }

  test('a file whose middle already shares the source: moving its two ends frees nothing of its extent', async () => {
    // e: X X X in one extent; a: a clone of e's last two thirds, and the source (first by path)
    const d = path.join(t.mountPoint, 'middle');
    fs.mkdirSync(d);
    const x = randomBytes(64 * KiB);
    writeSynced(path.join(d, 'e'), Buffer.concat([x, x, x]));
    fs.writeFileSync(path.join(d, 'a'), '');
    reflink(path.join(d, 'e'), 64 * KiB, path.join(d, 'a'), 0, 128 * KiB);
    await planAndApply([d], 64 * KiB, 0n);
  });

  test('an extent a file outside every group also references stays, though every range of it moves', async () => {
    // s: X W in one extent (the source: it keeps its extent anyway); d1: X, d2 a clone of it;
    // c: its own 4 KiB, then a clone of d1's first 124 KiB (its chunk matches nothing)
    const d = path.join(t.mountPoint, 'kept');
    fs.mkdirSync(d);
    const x = randomBytes(128 * KiB);
    writeSynced(path.join(d, 's'), Buffer.concat([x, randomBytes(128 * KiB)]));
    writeSynced(path.join(d, 'd1'), x);
    execFileSync('cp', ['--reflink=always', path.join(d, 'd1'), path.join(d, 'd2')]);
    writeSynced(path.join(d, 'c'), randomBytes(128 * KiB));
    reflink(path.join(d, 'd1'), 0, path.join(d, 'c'), 4 * KiB, 124 * KiB);
    await planAndApply([d], 128 * KiB, 0n);
  });

  test("a snapshot's shared extent with an overwritten part is freed whole when both copies move", async () => {
    // sv/f: X then Y in one extent, Y overwritten by Z (btrfs keeps Y's blocks until the extent
    // goes); then a snapshot; s: X W in one extent, the source
    const sv = path.join(t.mountPoint, 'bookend');
    const snap = path.join(t.mountPoint, 'bookend-snap');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    const x = randomBytes(64 * KiB);
    writeSynced(path.join(sv, 'f'), Buffer.concat([x, randomBytes(64 * KiB)]));
    writeSynced(path.join(sv, 'f'), randomBytes(64 * KiB), 64 * KiB);
    writeSynced(path.join(sv, 's'), Buffer.concat([x, randomBytes(64 * KiB)]));
    execFileSync('btrfs', ['subvolume', 'snapshot', sv, snap]);
    execFileSync('sync');
    await planAndApply([sv, snap], 64 * KiB, 128n * BigInt(KiB));
  });

  test('a file and its snapshot copy in different groups: their blocks are counted once', async () => {
    // s and f: the same 128 KiB, each in its own extent; a snapshot; then one block of sv/f
    // changes, so snap/f is in a whole-file group and sv/f's other blocks in groups of chunks
    const sv = path.join(t.mountPoint, 'twice');
    const snap = path.join(t.mountPoint, 'twice-snap');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    const data = randomBytes(128 * KiB);
    writeSynced(path.join(sv, 's'), data);
    writeSynced(path.join(sv, 'f'), data);
    execFileSync('btrfs', ['subvolume', 'snapshot', sv, snap]);
    writeSynced(path.join(sv, 'f'), randomBytes(4 * KiB), 64 * KiB);
    execFileSync('sync');
    await planAndApply([sv, snap], 4 * KiB, 128n * BigInt(KiB));
  });

  // A trial: two qcow2 images with the same guest data, their 64 KiB clusters at other places in
  // the files: 28 MiB duplicate and a net saving of 264 KiB in 128 KiB chunks, each extent's
  // first 64 KiB in a chunk with other data, with 32 warnings of extents shared only in part and
  // no word that 64 KiB chunks free all 32 MiB.
  test('duplicates whose extents the chunks straddle: the plan says smaller chunks may free them, and they do', async () => {
    // x and y: 64 KiB of their own, then the same 1 MiB in an extent of its own at 64 KiB
    const d = path.join(t.mountPoint, 'straddled');
    fs.mkdirSync(d);
    const data = randomBytes(1024 * KiB);
    for (const name of ['x', 'y']) {
      writeSynced(path.join(d, name), randomBytes(64 * KiB));
      writeSynced(path.join(d, name), data, 64 * KiB);
    }
    execFileSync('sync');
    const engine = createEngine();
    const coarse = await engine.findDuplicates([d], { chunk: BigInt(128 * KiB) });
    await engine.dispose();
    assert.equal(coarse.total.netSaving, 0n, 'the rest of the extent is in no chunk that matched');
    assert.match(
      coarse.notes.join('\n'),
      /Chunks of 131072 bytes .*, and 65536 bytes next to those groups' ranges are the same in each copy and its source .* searching again in smaller chunks \(down to the block size, 4096 bytes\)/,
    );
    const fine = await planAndApply([d], 64 * KiB, BigInt(1024 * KiB));
    assert.doesNotMatch(fine.notes.join('\n'), /smaller chunks/, 'nothing left in part: no such note');
  });

  // A trial: a copy's neighbouring ranges in two groups (a third file joins one of them) were each
  // counted as the other's continuation: 806912 bytes said, where 4 KiB chunks matched 299008 more
  test('the bytes smaller chunks would match are what a search in smaller chunks matches more', async () => {
    // x: 1 MiB in one extent; y: x's first 300 KiB, then its own; z: a block of its own, then x's
    // data from 4 KiB on to 524096 (not a whole block at its end)
    const d = path.join(t.mountPoint, 'continued');
    fs.mkdirSync(d);
    const x = randomBytes(1024 * KiB);
    writeSynced(path.join(d, 'x'), x);
    writeSynced(path.join(d, 'y'), Buffer.concat([x.subarray(0, 300 * KiB), randomBytes(200_000)]));
    writeSynced(path.join(d, 'z'), Buffer.concat([randomBytes(4 * KiB), x.subarray(4 * KiB, 524_096)]));
    execFileSync('sync');
    const engine = createEngine();
    const coarse = await engine.findDuplicates([d], { chunk: BigInt(128 * KiB) });
    const fine = await engine.findDuplicates([d], { chunk: BigInt(4 * KiB) });
    await engine.dispose();
    const more = fine.total.candidateBytes - coarse.total.candidateBytes;
    assert.equal(more, 299_008n, 'y: 44 KiB after its ranges; z: 124 KiB before and after');
    assert.match(coarse.notes.join('\n'), new RegExp(`and ${more} bytes next to those groups' ranges are the same`));
  });

  // A trial: the note said smaller chunks may free such extents where the rest of each was the
  // file's own data (duperemove -b 4096 found nothing more there either)
  test('extents shared only in part whose rest is each file’s own data: no word of smaller chunks', async () => {
    // x and y: the same 128 KiB, then 128 KiB of their own, each file one extent
    const d = path.join(t.mountPoint, 'own-rest');
    fs.mkdirSync(d);
    const same = randomBytes(128 * KiB);
    for (const name of ['x', 'y']) writeSynced(path.join(d, name), Buffer.concat([same, randomBytes(128 * KiB)]));
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([d], { chunk: BigInt(128 * KiB) });
    const fine = await engine.findDuplicates([d], { chunk: BigInt(4 * KiB) });
    await engine.dispose();
    assert.equal(plan.groups.length, 1);
    assert.equal(plan.total.netSaving, 0n, 'the rest of each extent keeps it');
    assert.ok(plan.groups[0].warnings.length > 0, 'the group is warned of the extent shared only in part');
    assert.doesNotMatch(plan.notes.join('\n'), /smaller chunks/);
    // and indeed a smaller chunk matches no more than the same 128 KiB
    assert.equal(fine.total.candidateBytes, plan.total.candidateBytes);
  });

  test("compressed data already in the source's extent is not taken out of the saving a second time", async () => {
    // s: 128 KiB of text zstd packs, one compressed extent; f: s's first 16 KiB, its first 4 KiB
    // written (a block too small to compress) and the rest a clone of s's, then a clone of
    // another 44 KiB of s (unlike anything at its offset in s). The group (s and f's first 16
    // KiB) frees f's own block; the cloned part, in s's extent already, was counted as the
    // source's, then taken out again as in an extent shared only in part (f keeps it with the
    // rest): the group fell to 0 and was left alone.
    const sv = path.join(t.mountPoint, 'packed');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    execFileSync('btrfs', ['property', 'set', sv, 'compression', 'zstd']);
    const text = Buffer.from(randomBytes(64 * KiB).toString('hex'));
    writeSynced(path.join(sv, 's'), text);
    writeSynced(path.join(sv, 'f'), text.subarray(0, 4 * KiB));
    reflink(path.join(sv, 's'), 4 * KiB, path.join(sv, 'f'), 4 * KiB, 12 * KiB);
    reflink(path.join(sv, 's'), 20 * KiB, path.join(sv, 'f'), 16 * KiB, 44 * KiB);
    assert.match(execFileSync('filefrag', ['-v', path.join(sv, 's')], { encoding: 'utf8' }), /encoded/, 's is compressed');
    await planAndApply([sv], 16 * KiB, 4n * BigInt(KiB));
  });

  test("compressed copies a read-only snapshot keeps: their last block's slack is not taken out twice", async () => {
    // A new user's trial: a, b and c the same text of 1,288,895 bytes, compressed; a read-only
    // snapshot holds a and b. b's copy is kept by the snapshot (left out of the saving), and the
    // unused end of its last block was taken out again as "shared only in part": 142,015
    // ("exact"), where 143,360 was freed.
    const sv = path.join(t.mountPoint, 'slack');
    const snap = path.join(t.mountPoint, 'slack-snap');
    execFileSync('btrfs', ['subvolume', 'create', sv]);
    execFileSync('btrfs', ['property', 'set', sv, 'compression', 'zstd']);
    const text = Buffer.from(Array.from({ length: 200000 }, (_, i) => `${i + 1}\n`).join(''));
    assert.equal(text.length, 1288895);
    writeSynced(path.join(sv, 'a'), text);
    writeSynced(path.join(sv, 'b'), text);
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, snap]);
    writeSynced(path.join(sv, 'c'), text);
    execFileSync('sync');
    const engine = createEngine();
    const plan = await engine.findDuplicates([sv, snap]);
    await engine.dispose();
    const g = plan.total.netSaving;
    assert.equal(g % 4096n, 0n, `whole blocks are freed: ${g}`);
    await planAndApply([sv, snap], 128 * KiB, g);
  });
});
