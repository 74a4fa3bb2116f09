// engine.space and `extent-lens space` on smb:// paths against a real Samba exporting a btrfs
// loop file system (vfs_btrfs): the share's folders are walked with QUERY_DIRECTORY, each file
// mapped with FSCTL_QUERY_ALLOCATED_RANGES; the numbers are checked against the server's own
// view of the same folder (the local backend: SEEK_DATA/SEEK_HOLE), and sharing is said to be
// unknown (the server's btrfs does share a reflinked pair here, which SMB cannot show).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, type SpaceFile } from '../../src/engine';
import { localBackend } from '../../src/engine/select-backend';
import { smbBackend } from '../../src/engine/backends/smb';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { ctx, makeDenseFile, makeSparseFile, smbUid, useSmbPassword } from './helpers';
import { cli, ensureBuilt } from '../cli/run-cli';

const skip = sambaSkipReason();
const KiB = 1024;
const MiB = 1024 * 1024;

describe('space accounting over SMB against Samba (btrfs share)', { skip, timeout: 120_000 }, () => {
  let btrfs: LoopFs;
  let smb: SambaServer;
  let dir: string;
  useSmbPassword();

  before(async () => {
    ensureBuilt();
    btrfs = makeLoopFs('btrfs', 320);
    smb = await startSamba({ shares: [{ name: 'b', path: btrfs.mnt, options: BTRFS_CLONING }] });
    dir = join(btrfs.mnt, 'proj');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    makeDenseFile(join(dir, 'a.img'), 256 * KiB);
    execFileSync('cp', ['--reflink=always', join(dir, 'a.img'), join(dir, 'sub', 'b.img')]); // shared on the server
    chownSync(join(dir, 'sub', 'b.img'), smbUid(), 0);
    makeSparseFile(join(dir, 'sparse bin%.img'), 4 * MiB, [
      [0, 64 * KiB],
      [2 * MiB, 128 * KiB],
    ]);
    for (const d of [dir, join(dir, 'sub')]) chownSync(d, smbUid(), 0);
    execFileSync('sync');
    // Samba reports holes only for a file marked sparse
    await smbBackend().setSparse(smb.uri('b', 'proj/sparse%20bin%25.img'), true, ctx);
  });

  after(async () => {
    await stopSamba(smb, btrfs);
  });

  /** The server's allocated bytes of a file in the share (SEEK_DATA/SEEK_HOLE on the btrfs itself). */
  const serverAllocated = async (rel: string): Promise<bigint> =>
    (await localBackend().allocatedRanges(join(dir, rel), undefined, ctx)).ranges.reduce((s, r) => s + r.length, 0n);

  test('engine.space walks the share: every file, allocated as the server has it, sharing unknown, bounds from 0', async () => {
    const engine = createEngine();
    const top = smb.uri('b', 'proj');
    const mapped: Array<[string, number]> = [];
    const r = await engine.space([top], { onFileMapped: (f, i) => mapped.push([f.path, i]) });
    assert.deepEqual(r.errors, []);
    const rel = (f: SpaceFile) => f.path.slice(top.length + 1);
    // depth first, names in order; a name with a space and a percent sign survives the URI
    assert.deepEqual(r.files.map(rel), ['a.img', 'sparse%20bin%25.img'.replace('%20', ' '), 'sub/b.img']);
    assert.deepEqual(
      mapped,
      r.files.map((f, i) => [f.path, i]),
      'streamed while the walk ran, at the rows’ places',
    );
    const byName = (n: string) => r.files.find((f) => decodeURIComponent(rel(f)) === n)!;
    for (const [n, size] of [
      ['a.img', 256 * KiB],
      ['sparse bin%.img', 4 * MiB],
      ['sub/b.img', 256 * KiB],
    ] as const) {
      const f = byName(n);
      assert.equal(f.size, BigInt(size), n);
      assert.equal(f.allocated, await serverAllocated(n), `${n}: allocated as SEEK_DATA on the server says`);
      assert.equal(f.shared, 0n, n);
      assert.equal(f.sharingUnknown, true, n);
      assert.deepEqual(f.sharesWith, []);
    }
    assert.equal(byName('sparse bin%.img').allocated, BigInt(192 * KiB), 'holes seen over SMB');
    const alloc = r.files.reduce((s, f) => s + f.allocated, 0n);
    assert.equal(r.total.files, 3);
    assert.equal(r.total.allocated, alloc);
    assert.equal(r.total.reclaimableExact, false);
    assert.equal(r.total.reclaimable, 0n, 'nothing is proven unshared over SMB');
    assert.equal(r.total.reclaimableMax, alloc);
    assert.equal(r.fileSystems.length, 1);
    assert.equal(r.fileSystems[0].filesystem, 'smb');
    assert.equal(r.fileSystems[0].id, smb.uri('b'));
    assert.equal(r.fileSystems[0].exactScan, undefined, 'no exact scan is offered over SMB');
    assert.ok(r.fileSystems[0].notes.some((n) => /^3 files are on an SMB share\. .*FSCTL_QUERY_ALLOCATED_RANGES.*are unknown\.$/.test(n)));
    // not bounds over SMB: btrfs behind the share frees extents only whole (a partly overwritten file frees more)
    assert.ok(
      r.fileSystems[0].notes.some((n) =>
        new RegExp(
          `^Deleting these files frees roughly 0 bytes to ${alloc} bytes, by the bytes they hold: .*btrfs frees an extent only whole`,
        ).test(n),
      ),
      String(r.fileSystems[0].notes),
    );
    // the server does share a.img and b.img (btrfs reflink): what SMB cannot tell
    const local = await engine.space([dir]);
    assert.ok(local.total.shared > 0n, 'the server-side btrfs shares the reflinked pair');
    await engine.dispose();
  });

  test('a sparse file the server does not mark sparse: its map says so, space counts its allocation size', async () => {
    // Made sparse on the server (as files on a NAS are) but never marked sparse over SMB: Samba
    // then answers QUERY_ALLOCATED_RANGES with one range over all of it.
    const plain = join(btrfs.mnt, 'plain');
    mkdirSync(plain, { recursive: true });
    chownSync(plain, smbUid(), 0);
    const fd = openSync(join(plain, 'disk.img'), 'w');
    ftruncateSync(fd, 8 * MiB);
    writeSync(fd, randomBytes(512 * KiB), 0, 512 * KiB, 0);
    writeSync(fd, randomBytes(256 * KiB), 0, 256 * KiB, 6 * MiB);
    closeSync(fd);
    chownSync(join(plain, 'disk.img'), smbUid(), 0);
    execFileSync('sync');
    const held = BigInt(statSync(join(plain, 'disk.img')).blocks * 512);
    assert.equal(held, BigInt(768 * KiB), 'the server holds the data only');
    const uri = smb.uri('b', 'plain/disk.img');
    const engine = createEngine();
    const m = await engine.mapPacked(uri);
    assert.equal(m.packed.count, 1, 'one range over the whole file, holes and all');
    assert.equal(m.packed.length[0], BigInt(8 * MiB));
    assert.equal(m.allocationSize, held);
    assert.ok(
      m.notes?.some((n) => /is not marked sparse.*allocation size is only 786432 bytes.*set-sparse/.test(n)),
      String(m.notes),
    );
    const r = await engine.space([smb.uri('b', 'plain')]);
    assert.equal(r.files.length, 1);
    assert.equal(r.files[0].allocated, held, 'allocated is what the server holds, not the range');
    assert.equal(r.total.allocated, held);
    assert.equal(r.total.reclaimableMax, held);
    const less = BigInt(8 * MiB) - held;
    assert.ok(
      r.fileSystems[0].notes.some((n) => n.startsWith('One file is not marked sparse') && n.includes(`holds ${less} bytes less`)),
      String(r.fileSystems[0].notes),
    );
    // a sparse-marked file has no such note (the map shows its holes)
    const sparse = await engine.mapPacked(smb.uri('b', 'proj/sparse%20bin%25.img'));
    assert.equal(sparse.allocationSize, undefined);
    assert.equal(sparse.notes, undefined);
    await engine.dispose();
    const j = cli(['map', uri, '--json'], { env: { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD } });
    assert.equal(j.code, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout).allocationSize, String(held));
    const t = cli(['map', uri], { env: { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD } });
    assert.match(t.stdout, /^note: .*is not marked sparse/m);
    // ranges says the same
    const rj = cli(['ranges', uri, '--json'], { env: { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD } });
    assert.equal(rj.code, 0, rj.stderr);
    const rdoc = JSON.parse(rj.stdout);
    assert.equal(rdoc.allocationSize, String(held));
    assert.match(rdoc.notes[0], /is not marked sparse/);
    const rt = cli(['ranges', uri], { env: { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD } });
    assert.match(rt.stdout, /^note: .*is not marked sparse/m);
    // the summary gives what the server holds, not the range's 100% (a trial: "100 GiB allocated
    // (100.0%)" above a note saying 4096)
    assert.match(
      rt.stdout,
      new RegExp(
        `^1 data range, 8388608 \\(8 MiB\\) as the server gives them, ${held} \\(.*\\) allocated \\(its allocation size: see the note\\) \\(`,
        'm',
      ),
    );
    assert.match(
      t.stdout,
      new RegExp(
        `; mapped 8388608 \\(8 MiB\\) \\(100\\.0%\\) as the server gives them, ${held} \\(.*\\) allocated \\(its allocation size: see the note\\); `,
        'm',
      ),
    );
  });

  test('a sparse-marked file with preallocated space: the server calls it holes, the map says what it holds beyond its ranges', async () => {
    // fallocate's unwritten extents: SEEK_DATA (Samba's allocated ranges) reports them as holes,
    // st_blocks (Samba's AllocationSize) counts them.
    const pre = join(btrfs.mnt, 'prealloc');
    mkdirSync(pre, { recursive: true });
    chownSync(pre, smbUid(), 0);
    const file = join(pre, 'disk.vhdx');
    makeSparseFile(file, 16 * MiB, [[0, 256 * KiB]]);
    execFileSync('fallocate', ['-o', String(4 * MiB), '-l', String(8 * MiB), file]);
    chownSync(file, smbUid(), 0);
    execFileSync('sync');
    assert.equal(statSync(file).blocks * 512, 256 * KiB + 8 * MiB, 'the server holds the data and the preallocated 8 MiB');
    await smbBackend().setSparse(smb.uri('b', 'prealloc/disk.vhdx'), true, ctx);
    const engine = createEngine();
    const m = await engine.mapPacked(smb.uri('b', 'prealloc/disk.vhdx'));
    // space accounting counts what the server holds: not "allocated 0 … frees 0 bytes, exact" (a trial)
    const space = await engine.space([smb.uri('b', 'prealloc')]);
    await engine.dispose();
    assert.deepEqual([m.packed.count, m.packed.offset[0], m.packed.length[0]], [1, 0n, BigInt(256 * KiB)], 'the ranges: the data only');
    assert.equal(m.allocationSize, undefined, 'the ranges stay the answer');
    const more = 8 * MiB;
    assert.equal(m.heldOutsideExtents, BigInt(more));
    assert.equal(space.files[0].allocated, BigInt(256 * KiB + more), 'allocated: what the server holds (its allocation size)');
    assert.equal(space.files[0].sharingUnknown, true);
    assert.equal(space.total.reclaimableExact, false);
    assert.equal(space.total.reclaimableMax, BigInt(256 * KiB + more));
    assert.ok(!space.fileSystems[0].notes.some((n) => n.startsWith('exact')), String(space.fileSystems[0].notes));
    // the server's word for what it holds (a trial read "smb counts them on disk (the block count…)")
    assert.ok(
      space.fileSystems[0].notes.some((n) =>
        n.includes('more than its map shows: the server counts them on disk (the allocation size), but reports them as holes'),
      ),
      String(space.fileSystems[0].notes),
    );
    // preallocated only, no data at all (fallocate -l of a thick image): no range to make its sharing unknown
    const only = join(pre, 'thick.img');
    execFileSync('fallocate', ['-l', String(4 * MiB), only]);
    chownSync(only, smbUid(), 0);
    execFileSync('sync');
    await smbBackend().setSparse(smb.uri('b', 'prealloc/thick.img'), true, ctx);
    const e2 = createEngine();
    const thick = await e2.space([smb.uri('b', 'prealloc/thick.img')]);
    await e2.dispose();
    assert.equal(thick.files[0].allocated, BigInt(4 * MiB));
    assert.equal(thick.files[0].sharingUnknown, true);
    // the totals, which include its made-up exclusive bytes, say so too (helper-106's trial)
    assert.equal(thick.total.sharingUnknownFiles, 1);
    assert.equal(thick.fileSystems[0].sharingUnknownFiles, 1);
    assert.equal(thick.total.reclaimableExact, false, 'not "exact: no extent of the selection is shared"');
    assert.equal(thick.total.reclaimableMax, BigInt(4 * MiB));
    assert.ok(
      m.notes?.some(
        (n) =>
          n.includes(`its allocated ranges cover ${256 * KiB} bytes: the other ${more} bytes are held outside them`) &&
          /preallocated/.test(n),
      ),
      String(m.notes),
    );
    const t = cli(['map', smb.uri('b', 'prealloc/disk.vhdx')], { env: { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD } });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^note: The server counts 8650752 bytes \(8\.25 MiB\) on disk for .*disk\.vhdx/m);
    const r = cli(['ranges', smb.uri('b', 'prealloc/disk.vhdx'), '--json'], {
      env: { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).notes[0], /held outside them/);
  });

  test("a file ending inside a cluster holds that cluster whole: allocated as the server's own FIEMAP and du say", async () => {
    // Samba's allocated ranges end at end-of-file; the file's last 4 KiB block is held whole.
    const tails = join(btrfs.mnt, 'tails');
    mkdirSync(tails, { recursive: true });
    chownSync(tails, smbUid(), 0);
    makeDenseFile(join(tails, 'dense.bin'), 100_000); // 25 blocks: 102,400 bytes held
    makeSparseFile(join(tails, 'sparse.img'), 4 * MiB + 100, [
      [0, 4 * KiB],
      [4 * MiB, 100],
    ]); // data at the start and in the last, partial block
    makeDenseFile(join(tails, 'tiny.txt'), 1000); // kept inline in btrfs metadata, yet counted as a block
    execFileSync('sync');
    await smbBackend().setSparse(smb.uri('b', 'tails/sparse.img'), true, ctx);
    const engine = createEngine();
    const overSmb = await engine.space([smb.uri('b', 'tails')]);
    const local = await engine.space([tails]);
    await engine.dispose();
    assert.deepEqual(overSmb.errors, []);
    const allocated = (r: typeof local) => Object.fromEntries(r.files.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f.allocated]));
    assert.deepEqual(allocated(overSmb), { 'dense.bin': 102_400n, 'sparse.img': 8_192n, 'tiny.txt': 4_096n });
    // the server's own view: FIEMAP through the local engine, and du's block count
    assert.equal(allocated(local)['dense.bin'], 102_400n);
    assert.equal(allocated(local)['sparse.img'], 8_192n);
    assert.equal(BigInt(statSync(join(tails, 'dense.bin')).blocks * 512), 102_400n);
    // an inline file: btrfs counts it as a block (st_blocks, so du and Samba's AllocationSize say
    // 4096), which SMB cannot tell from a block; locally FIEMAP says inline (not allocated)
    assert.equal(statSync(join(tails, 'tiny.txt')).blocks * 512, 4096);
    assert.equal(allocated(local)['tiny.txt'], 0n);
    // the map shows the cluster's tail as FIEMAP does; `ranges` stays the server's answer
    const m = await createEngine().mapPacked(smb.uri('b', 'tails/dense.bin'));
    assert.deepEqual([m.packed.count, m.packed.length[0]], [1, 102_400n]);
  });

  test('names of one file (a hard link, a symbolic link Samba follows) are counted once, by FileId', async () => {
    const links = join(btrfs.mnt, 'links');
    mkdirSync(links, { recursive: true });
    makeDenseFile(join(links, 'data.bin'), 128 * KiB);
    execFileSync('ln', [join(links, 'data.bin'), join(links, 'hard.bin')]);
    execFileSync('ln', ['-s', 'data.bin', join(links, 'soft.bin')]);
    makeDenseFile(join(links, 'other.bin'), 64 * KiB, 9);
    chownSync(links, smbUid(), 0);
    const engine = createEngine();
    const top = smb.uri('b', 'links');
    const r = await engine.space([top]);
    assert.deepEqual(r.errors, []);
    // Samba shows the symbolic link as a regular file (it follows it): without FileIds all three names counted
    assert.deepEqual(
      r.files.map((f) => f.path.slice(top.length + 1)),
      ['data.bin', 'other.bin'],
    );
    assert.equal(r.hardLinks, 2);
    assert.equal(r.total.allocated, BigInt(192 * KiB));
    assert.ok(
      r.notes.some((n) => /^2 hard links to files already counted were not counted again\. Over SMB .*FileId/.test(n)),
      String(r.notes),
    );
    // a file named by itself and inside a named folder: once, and not a link; its other names still are
    const named = await engine.space([smb.uri('b', 'links/soft.bin'), top]);
    assert.deepEqual(
      named.files.map((f) => f.path.slice(top.length + 1)),
      ['soft.bin', 'other.bin'],
    );
    assert.equal(named.hardLinks, 2, 'data.bin and hard.bin are other names of soft.bin; soft.bin met again is not');
    await engine.dispose();
  });

  test('a file by name, a missing path and a missing folder: each reported, the rest accounted', async () => {
    const engine = createEngine();
    const r = await engine.space([smb.uri('b', 'proj/a.img'), smb.uri('b', 'proj/nope'), smb.uri('b', 'gone/x')]);
    assert.deepEqual(
      r.files.map((f) => f.path),
      [smb.uri('b', 'proj/a.img')],
    );
    assert.deepEqual(
      r.errors.map((e) => [e.path, e.code]),
      [
        [smb.uri('b', 'proj/nope'), 'STATUS_OBJECT_NAME_NOT_FOUND'],
        [smb.uri('b', 'gone/x'), 'STATUS_OBJECT_NAME_NOT_FOUND'],
      ],
    );
    await engine.dispose();
  });

  test('extent-lens space smb://…: table and JSON, exit 0; exit 1 with a missing path', () => {
    const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD };
    const top = smb.uri('b', 'proj');
    const t = cli(['space', top], { env });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^ *size +allocated +shared +exclusive +shares +path$/m);
    assert.match(t.stdout, / unknown +unknown +\? +smb:\/\/.*\/proj\/a\.img$/m, 'shared, exclusive, shares: unknown');
    assert.match(t.stdout, /^ {2}allocated .*, shared unknown, exclusive unknown, unique unknown \(sharing unknown for every file\)$/m);
    assert.doesNotMatch(t.stdout, /exclusive \d/, 'no exclusive figure where sharing is unknown');
    assert.match(
      t.stdout,
      new RegExp(
        `deleting it frees roughly 0 bytes to ${2 * 256 * KiB + 192 * KiB} .*: an estimate from the bytes the files reference, which the true figure can fall outside \\(see the notes\\)`,
      ),
    );
    assert.match(t.stdout, /note: smb: 3 files are on an SMB share\. /);
    const j = cli(['space', top, '--json'], { env });
    assert.equal(j.code, 0, j.stderr);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.files.length, 3);
    assert.ok(doc.files.every((f: { sharingUnknown?: boolean }) => f.sharingUnknown === true));
    assert.equal(doc.total.sharingUnknownFiles, 3, 'the totals say how many files their shared/exclusive figures guess for');
    assert.equal(doc.fileSystems[0].sharingUnknownFiles, 3);
    assert.equal(doc.total.reclaimable, '0');
    assert.equal(doc.total.reclaimableExact, false);
    const bad = cli(['space', top, smb.uri('b', 'proj/nope')], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /STATUS_OBJECT_NAME_NOT_FOUND/);
    assert.match(bad.stdout, /^total: 3 files/m);
  });

  test('a share holding an empty file: every file counted as on the share, sharing unknown for all (not "known" for the empty one)', async () => {
    // Found by hand: with one empty file among 20 on a share, the note said "19 files are on an
    // SMB share" and the totals "shared 0 bytes, exclusive 0 bytes (of the 1 file whose sharing
    // is known; unknown for 19)" instead of unknown.
    const d = join(btrfs.mnt, 'withempty');
    mkdirSync(d);
    makeDenseFile(join(d, 'data.img'), 64 * KiB);
    closeSync(openSync(join(d, 'empty.bin'), 'w'));
    for (const x of [d, join(d, 'empty.bin')]) chownSync(x, smbUid(), 0);
    const engine = createEngine();
    try {
      const r = await engine.space([smb.uri('b', 'withempty')]);
      assert.deepEqual(r.errors, []);
      assert.equal(r.files.length, 2);
      assert.ok(
        r.files.every((f) => f.sharingUnknown),
        JSON.stringify(r.files.map((f) => [f.path, f.sharingUnknown])),
      );
      const notes = [...r.notes, ...r.fileSystems.flatMap((g) => g.notes)];
      assert.ok(
        notes.some((n) => /\b2 files are on an SMB share/.test(n)),
        JSON.stringify(notes),
      );
    } finally {
      await engine.dispose();
    }
    const out = cli(['space', smb.uri('b', 'withempty')], { env: { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD } });
    assert.match(out.stdout, /shared unknown, exclusive unknown, unique unknown \(sharing unknown for every file\)/);
    assert.doesNotMatch(out.stdout, /known files|whose sharing is known/);
  });

  test('clones of one file: the higher figure is no more than the volume has in use (a trial saw 218 MiB on 57 MB used)', async () => {
    const d = join(btrfs.mnt, 'clones');
    mkdirSync(d);
    makeDenseFile(join(d, 'orig.img'), 16 * MiB);
    for (let i = 0; i < 9; i++) execFileSync('cp', ['--reflink=always', join(d, 'orig.img'), join(d, `c${i}.img`)]);
    execFileSync('chown', ['-R', String(smbUid()), d]);
    execFileSync('sync');
    const engine = createEngine();
    try {
      const r = await engine.space([smb.uri('b', 'clones')]);
      const v = await engine.volume(smb.uri('b', 'clones'));
      const used = v.totalBytes! - v.freeBytes!;
      assert.equal(r.total.allocated, 160n * BigInt(MiB), 'ten files of 16 MiB as the server gives them');
      assert.ok(used < 160n * BigInt(MiB), `the volume has less in use (${used})`);
      assert.equal(r.total.reclaimableMax, used, 'capped at the bytes in use');
      assert.equal(r.total.reclaimable, 0n);
      assert.match(
        r.fileSystems[0].notes.join(' '),
        /The higher figure is the bytes the volume has in use \(its size less its free space\)/,
      );
    } finally {
      await engine.dispose();
    }
  });
});
