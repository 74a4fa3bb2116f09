// engine.findDuplicates and engine.dedupe on real loop-mounted file systems:
// - btrfs and XFS (reflink=1): duplicates found (whole files, a 1 GiB sparse file hashing only
//   its data), a clone counts zero, near-duplicates (one byte different in every chunk) are not
//   grouped; after apply every file's sha256 is unchanged, filefrag -v shows the shared extents,
//   the report's freed is what statfs says and equals the estimate (XFS; btrfs frees the data's
//   checksums and extent items too: up to 1% more, or 64 KiB on small files); a file changed between find and apply is
//   left alone and reported; cancel leaves every file intact; 40 MiB goes in 16 MiB calls with
//   three destinations each; hashing and sharing on several threads give the same groups and
//   results, cancel there leaves every file intact, and a group whose source vanished is
//   reported while the others are shared;
//   sharing part of an extent is warned and left alone on btrfs (it would free nothing), freed
//   on XFS (per-block reference counts); repeated data inside one file is shared on XFS with a
//   warning that it fragments the file (and it does), and left alone on btrfs (it frees nothing);
//   clones are read once (a chunk on blocks already hashed takes that chunk's key), a changed
//   block's chunk is read;
//   blocks also held by files outside the selection: as root on btrfs (LOGICAL_INO_V2) and on XFS
//   with rmapbt (GETFSMAP) left out of an exact saving that equals what is freed (a read-write
//   snapshot holding both copies: 0, nothing shared); XFS without rmapbt: a range freed falls in;
//   compressed btrfs data: a range without root, its size on disk (= compsize) as root, freed;
// - ext4 and tmpfs: apply is refused with EOPNOTSUPP before any change.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, FsctlError, type DedupePlan, type DedupeReport, type Engine } from '../../src/engine';
import { applyBatch } from '../../src/engine/dedupe-apply';
import { SharedFlagContext } from '../../src/engine/context';
import { localBackend } from '../../src/engine/select-backend';
import type { ExtendedBackend } from '../../src/engine/backend-ext';
import { freshDir, makeFs, skipReason, type FsKind, type TestFs } from '../support/loopfs';

const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK = 128 * KiB;

/** sha256 of a file's content, read 8 MiB at a time (the sparse files are 1 GiB). */
function sha(p: string): string {
  const h = createHash('sha256');
  const buf = Buffer.alloc(8 * MiB);
  const fd = fs.openSync(p, 'r');
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return h.digest('hex');
}
function shas(dir: string): Map<string, string> {
  return new Map(fs.readdirSync(dir).map((n) => [n, sha(path.join(dir, n))]));
}

/** filefrag -v extents: logical and physical block, length, flags. */
function frags(p: string): { logical: number; physical: number; length: number; flags: string }[] {
  const out = execFileSync('filefrag', ['-v', p], { encoding: 'utf8' });
  const rows: { logical: number; physical: number; length: number; flags: string }[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*\d+:\s+(\d+)\.\.\s*\d+:\s+(\d+)\.\.\s*\d+:\s+(\d+):\s*(?:\d+:)?\s*(\S*)/.exec(line);
    if (m) rows.push({ logical: Number(m[1]), physical: Number(m[2]), length: Number(m[3]), flags: m[4] });
  }
  return rows;
}

/** A sparse file of `size` bytes holding data[i] at offset at[i]. */
function sparseFile(p: string, size: number, data: Buffer[], at: number[]): void {
  const fd = fs.openSync(p, 'w');
  fs.ftruncateSync(fd, size);
  at.forEach((o, i) => fs.writeSync(fd, data[i], 0, data[i].length, o));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

/**
 * Apply `plan`, cancelled at its first progress event: a report of what was done (not an error,
 * since sharing had begun), its `freed` what statfs says, and every file of `dir` reads as `before`.
 */
async function applyCancelledAtOnce(
  engine: Engine,
  plan: DedupePlan,
  dir: string,
  before: Map<string, string>,
  mountPoint: string,
): Promise<DedupeReport> {
  const c = new AbortController();
  const free0 = freeAfterSync(mountPoint);
  const r = await engine.dedupe(plan, { signal: c.signal, onProgress: () => c.abort() });
  assert.ok(r.cancelled, 'cancelled');
  assert.equal(r.cancelled.groups, plan.groups.length);
  assert.ok(r.cancelled.groupsDone < r.cancelled.groups, JSON.stringify(r.cancelled));
  assert.equal(r.cancelled.countsAtLeast, false, 'every thread handed back its counts');
  assert.equal(r.freed, freeAfterSync(mountPoint) - free0, 'freed as statfs says');
  assert.deepEqual(shas(dir), before);
  return r;
}

function freeAfterSync(mountPoint: string): bigint {
  execFileSync('sync');
  const s = fs.statfsSync(mountPoint, { bigint: true });
  return s.bfree * s.bsize;
}

/**
 * XFS frees exactly the data blocks. btrfs frees the data extents and, with them, metadata (their
 * checksums, 4 bytes per 4 KiB block, and extent items, in 16 KiB tree nodes): at most 1% more or
 * a few nodes (64 KiB), whichever is larger (a 3 MiB test once freed 32 KiB more); and at least
 * the estimate less one tree node written twice (DUP metadata: 32 KiB), which the same commit may
 * allocate (a 256 KiB test once freed 229,376 bytes).
 */
function freedMatches(kind: FsKind, freed: bigint, estimated: bigint): void {
  if (kind === 'xfs') assert.equal(freed, estimated);
  else {
    const slack = estimated / 100n > 65536n ? estimated / 100n : 65536n;
    assert.ok(freed >= estimated - 32768n && freed <= estimated + slack, `btrfs freed ${freed}, estimated ${estimated}`);
  }
}

function groupOf(plan: DedupePlan, name: string): DedupePlan['groups'][number] | undefined {
  return plan.groups.find((g) => g.ranges.some((r) => path.basename(r.path) === name));
}

/**
 * a, b, c copies in sel/; out/cclone clones c, out/bpart clones b's second MiB (a trial's layout:
 * 8 MiB estimated, 7 MiB freed on XFS, 4 MiB on btrfs, where bpart keeps b's whole extent).
 * Finds sel/ and applies the plan.
 */
async function outsideSharedLayout(d: string, kind: FsKind): Promise<{ plan: DedupePlan; r: DedupeReport }> {
  fs.mkdirSync(path.join(d, 'sel'));
  fs.mkdirSync(path.join(d, 'out'));
  const data = randomBytes(4 * MiB);
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(d, 'sel', n), data);
  execFileSync('sync');
  execFileSync('cp', ['--reflink=always', path.join(d, 'sel', 'c'), path.join(d, 'out', 'cclone')]);
  execFileSync('xfs_io', ['-f', '-c', `reflink ${path.join(d, 'sel', 'b')} ${MiB} 0 ${MiB}`, path.join(d, 'out', 'bpart')]);
  execFileSync('sync');
  const engine = createEngine();
  const plan = await engine.findDuplicates([path.join(d, 'sel')]);
  assert.equal(plan.groups.length, 1);
  // the copy with the most blocks shared elsewhere: c (XFS flags blocks); on btrfs, which
  // flags whole extents, b's is shared too, and either frees the same
  assert.match(path.basename(plan.groups[0].ranges[0].path), kind === 'xfs' ? /^c$/ : /^[bc]$/);
  return { plan, r: await engine.dedupe(plan) };
}

for (const kind of ['btrfs', 'xfs'] as FsKind[]) {
  describe(`dedupe on ${kind}`, { skip: skipReason(kind) }, () => {
    let t: TestFs;
    before(() => {
      // Room for every test's files at once (a sparse image: only what is written costs disk).
      t = makeFs(kind, 1024);
    });
    after(() => t?.cleanup());

    test('finds whole files and data only; apply shares them, content unchanged, freed measured = estimate', async () => {
      const d = freshDir(t, 'tree');
      const a = randomBytes(MiB);
      fs.writeFileSync(path.join(d, 'a'), a);
      fs.writeFileSync(path.join(d, 'b'), a); // a copy: its own blocks
      execFileSync('cp', ['--reflink=always', path.join(d, 'a'), path.join(d, 'a-clone')]);
      const near = Buffer.from(a);
      for (let o = 1000; o < near.length; o += CHUNK) near[o] ^= 0xff; // one byte different per chunk
      fs.writeFileSync(path.join(d, 'near'), near);
      const data = [randomBytes(CHUNK), randomBytes(CHUNK)];
      sparseFile(path.join(d, 'sparse'), 1024 * MiB, data, [0, 512 * MiB]);
      sparseFile(path.join(d, 'sparse2'), 1024 * MiB, data, [0, 512 * MiB]);
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine({ worker: true });
      try {
        const plan = await engine.findDuplicates([d]);
        // Only data was read, and a clone's blocks once: a (or a-clone), b and near, and 2 x 2
        // chunks of the sparse files.
        assert.equal(plan.total.hashedBytes, BigInt(3 * MiB + 4 * CHUNK));
        const whole = groupOf(plan, 'b')!;
        assert.ok(whole.wholeFiles);
        assert.deepEqual(whole.ranges.map((r) => path.basename(r.path)).sort(), ['a', 'a-clone', 'b']);
        // The clone already shares the source's blocks (the source is one of the two), so only b saves.
        assert.equal(whole.netSaving, BigInt(MiB));
        assert.equal(whole.ranges.filter((r) => r.alreadyShared).length, 1);
        assert.equal(groupOf(plan, 'near'), undefined, 'near-duplicates are not grouped');
        const sparse = groupOf(plan, 'sparse2')!;
        assert.ok(sparse.wholeFiles);
        assert.equal(sparse.netSaving, BigInt(2 * CHUNK));
        assert.equal(plan.total.netSaving, BigInt(MiB + 2 * CHUNK));
        // Duplicate bytes are data bytes: b and a-clone (1 MiB each), and sparse2's 2 chunks, not its 1 GiB.
        assert.equal(sparse.candidateBytes, BigInt(2 * CHUNK));
        assert.equal(plan.total.candidateBytes, BigInt(2 * MiB + 2 * CHUNK));
        assert.equal(plan.cannotApply, undefined, `${kind} can dedupe: the search's probe says so`);

        const progress: bigint[] = [];
        const free0 = freeAfterSync(t.mountPoint);
        const r = await engine.dedupe(plan, { onProgress: (p) => progress.push(p.done) });
        assert.equal(r.freed, freeAfterSync(t.mountPoint) - free0, 'the report says what statfs says');
        assert.equal(r.method, 'FIDEDUPERANGE');
        assert.equal(r.differed, 0);
        assert.deepEqual(r.skipped, []);
        assert.equal(r.estimated, plan.total.netSaving);
        // the clone the plan marks already shared is reported as such (not as nothing)
        assert.equal(r.alreadyShared, BigInt(MiB));
        assert.equal(r.deduped, BigInt(MiB + 2 * CHUNK));
        freedMatches(kind, r.freed, r.estimated);
        assert.ok(progress.length > 0);
        assert.deepEqual(shas(d), before, 'every file reads the same');
        // The file system's own map: b's blocks are a's, flagged shared; sparse2's data is sparse's.
        const fa = frags(path.join(d, 'a'));
        const fb = frags(path.join(d, 'b'));
        assert.deepEqual(
          fb.map((x) => [x.logical, x.physical, x.length]),
          fa.map((x) => [x.logical, x.physical, x.length]),
        );
        assert.ok(fb.every((x) => x.flags.includes('shared')));
        const s1 = frags(path.join(d, 'sparse'));
        const s2 = frags(path.join(d, 'sparse2'));
        assert.deepEqual(
          s2.map((x) => x.physical),
          s1.map((x) => x.physical),
        );
        assert.equal(fs.statSync(path.join(d, 'sparse2')).blocks * 512, 2 * CHUNK, 'the holes stay holes');
        assert.ok(
          frags(path.join(d, 'near')).every((x) => !x.flags.includes('shared')),
          'the near-duplicate shares nothing',
        );
        // Found again: nothing left to save.
        const again = await engine.findDuplicates([d]);
        assert.equal(again.total.netSaving, 0n);
        // applied, it is left alone, and its bytes are reported as already shared
        const r3 = await engine.dedupe(again);
        assert.equal(r3.calls, 0);
        assert.equal(r3.alreadyShared, again.total.candidateBytes);
        assert.equal(r3.alreadyShared, BigInt(2 * MiB + 2 * CHUNK), 'b, a-clone and sparse2’s data');
        // What the kernel says for a range already sharing the source's blocks (xfs_io, the peer
        // tool): FIDEDUPERANGE "dedupes" all of it again, so counting bytes_deduped would claim it.
        const io = execFileSync('xfs_io', ['-c', `dedupe ${path.join(d, 'a')} 0 0 ${MiB}`, path.join(d, 'b')], { encoding: 'utf8' });
        assert.match(io, new RegExp(`deduped ${MiB}/${MiB} bytes`));
        // The spent plan applied again: every range is mapped first, already shared, so no call
        // and nothing counted as deduplicated; the bytes are reported as already shared.
        const r2 = await engine.dedupe(plan);
        assert.equal(r2.calls, 0);
        assert.equal(r2.deduped, 0n);
        assert.equal(r2.alreadyShared, BigInt(2 * MiB + 2 * CHUNK), 'b, a-clone (already shared at the search) and sparse2’s data');
        assert.deepEqual(shas(d), before);
      } finally {
        await engine.dispose();
      }
    });

    test('a copy half cloned from its source already: only the other half is counted as deduplicated, the first as already shared', async () => {
      const d = freshDir(t, 'half-shared');
      const data = randomBytes(8 * MiB);
      fs.writeFileSync(path.join(d, 'a'), data);
      fs.writeFileSync(path.join(d, 'b'), data);
      execFileSync('sync');
      execFileSync('xfs_io', ['-c', `reflink ${path.join(d, 'a')} 0 0 ${4 * MiB}`, path.join(d, 'b')]);
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      try {
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.groups.length, 1);
        assert.equal(plan.groups[0].ranges[0].path, path.join(d, 'a'), 'the source: the one the other half-shares');
        const r = await engine.dedupe(plan);
        assert.deepEqual(r.skipped, []);
        assert.equal(r.deduped, BigInt(4 * MiB), 'the kernel was given 8 MiB; 4 MiB of it was shared already');
        assert.equal(r.alreadyShared, BigInt(4 * MiB));
        assert.deepEqual(shas(d), before);
      } finally {
        await engine.dispose();
      }
    });

    test('the search leaves access times alone (O_NOATIME, as the owner or root)', async () => {
      const d = freshDir(t, 'atime');
      const x = randomBytes(256 * KiB);
      for (const n of ['x', 'y']) fs.writeFileSync(path.join(d, n), x);
      // two days ago: under relatime a read would move it to now
      const old = new Date(Date.now() - 2 * 86400_000);
      for (const n of ['x', 'y']) fs.utimesSync(path.join(d, n), old, old);
      const atime = (n: string): bigint => fs.statSync(path.join(d, n), { bigint: true }).atimeNs;
      const before = atime('x');
      const plan = await createEngine().findDuplicates([d]);
      assert.equal(plan.total.hashedBytes, BigInt(512 * KiB));
      for (const n of ['x', 'y']) assert.equal(atime(n), before, n);
      // (the same read without O_NOATIME does move it: the test can fail)
      fs.readFileSync(path.join(d, 'x'));
      assert.notEqual(atime('x'), before);
    });

    test('repeated data inside one file: XFS shares it with a warning that it fragments the file; btrfs would free nothing', async () => {
      const d = freshDir(t, 'repeat');
      const x = randomBytes(CHUNK);
      fs.writeFileSync(path.join(d, 'r'), Buffer.concat([x, randomBytes(CHUNK), x, randomBytes(CHUNK), x]));
      execFileSync('sync');
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      const g = plan.groups[0];
      assert.deepEqual(
        g.ranges.map((r) => [path.basename(r.path), Number(r.offset)]),
        [
          ['r', 0],
          ['r', 2 * CHUNK],
          ['r', 4 * CHUNK],
        ],
      );
      const fragments = `3 of these ranges are in one file (${path.join(d, 'r')}): sharing them splits it into more extents, which can make reading it in order slower.`;
      const before = frags(path.join(d, 'r')).length;
      const r = await engine.dedupe(plan);
      if (kind === 'btrfs') {
        // the file is one extent: sharing parts of it frees nothing there, so nothing is done or warned of
        assert.equal(g.netSaving, 0n);
        assert.ok(!g.warnings.includes(fragments), g.warnings.join(' | '));
        assert.equal(r.deduped, 0n);
        return;
      }
      assert.equal(g.netSaving, BigInt(2 * CHUNK));
      assert.ok(g.warnings.includes(fragments), g.warnings.join(' | '));
      assert.equal(r.deduped, BigInt(2 * CHUNK));
      assert.equal(r.freed, BigInt(2 * CHUNK));
      assert.ok(frags(path.join(d, 'r')).length > before, 'more extents after sharing, as warned');
    });

    /** Two copies (x, y) of 512 KiB of random data in a fresh folder, and the plan that finds them: one group. */
    const twoCopiesFound = async (name: string): Promise<{ d: string; x: Buffer; engine: Engine; plan: DedupePlan }> => {
      const d = freshDir(t, name);
      const x = randomBytes(512 * KiB);
      fs.writeFileSync(path.join(d, 'x'), x);
      fs.writeFileSync(path.join(d, 'y'), x);
      execFileSync('sync');
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      return { d, x, engine, plan };
    };

    test('a file changed between find and apply is left alone and reported', async () => {
      const { d, x, engine, plan } = await twoCopiesFound('changed');
      const fd = fs.openSync(path.join(d, 'y'), 'r+');
      fs.writeSync(fd, Buffer.from([x[300 * KiB] ^ 1]), 0, 1, 300 * KiB);
      fs.closeSync(fd);
      const changed = sha(path.join(d, 'y'));
      const r = await engine.dedupe(plan);
      assert.equal(r.differed, 1);
      assert.equal(r.skipped.length, 1);
      assert.equal(r.skipped[0].reason, 'differs');
      assert.match(r.skipped[0].message, /FILE_DEDUPE_RANGE_DIFFERS/);
      assert.equal(path.basename(r.skipped[0].path), plan.groups[0].ranges[1].path === path.join(d, 'y') ? 'y' : 'x');
      assert.equal(r.deduped, 0n);
      assert.equal(sha(path.join(d, 'y')), changed);
      assert.equal(sha(path.join(d, 'x')), createHash('sha256').update(x).digest('hex'));
      assert.ok(frags(path.join(d, 'y')).every((e) => !e.flags.includes('shared')));
    });

    test('a file that shrank between find and apply: changed since the scan (E_CHANGED), not a block-size complaint', async () => {
      const { engine, plan } = await twoCopiesFound('shrank');
      const dest = plan.groups[0].ranges[1].path;
      fs.truncateSync(dest, 100000);
      const r = await engine.dedupe(plan);
      assert.equal(r.deduped, 0n);
      assert.deepEqual(
        r.skipped.map((s) => [s.path, s.reason]),
        [[dest, 'E_CHANGED']],
      );
      assert.match(r.skipped[0].message, /shorter than when it was scanned/);
      assert.equal(r.differed, 1, 'counted with the ranges that changed since the scan');
      assert.equal(fs.statSync(dest).size, 100000);
    });

    test('a source that shrank (to nothing, or to a partial block) and a copy that grew: left alone and reported, not a refusal', async () => {
      const d = freshDir(t, 'resized');
      // 1,000,000 bytes: the last block is partial, so a range to the end must end at both files' ends
      for (const n of ['a', 'b', 'c']) {
        const x = randomBytes(1_000_000);
        fs.writeFileSync(path.join(d, `${n}1`), x);
        fs.writeFileSync(path.join(d, `${n}2`), x);
      }
      execFileSync('sync');
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 3);
      const group = (n: string) => plan.groups.find((g) => path.basename(g.ranges[0].path).startsWith(n))!;
      const [a, b, c] = ['a', 'b', 'c'].map((n) => group(n).ranges.map((r) => r.path));
      fs.truncateSync(a[0], 0); // a's source: nothing left to share
      fs.truncateSync(b[0], 100_000); // b's source: cut inside a block
      fs.appendFileSync(c[1], 'nine more'); // c's copy: its tail is no longer at the end
      const before = shas(d);
      const r = await engine.dedupe(plan);
      assert.deepEqual(
        r.skipped.map((k) => [k.path, k.reason]).sort(),
        [
          [a[1], 'E_CHANGED'],
          [b[1], 'E_CHANGED'],
          [c[1], 'E_CHANGED'],
        ].sort(),
      );
      const msg = (p: string) => r.skipped.find((k) => k.path === p)!.message;
      assert.match(msg(a[1]), new RegExp(`${path.basename(a[0])}, the source: it is shorter than when it was scanned \\(0 bytes now`));
      assert.match(msg(b[1]), /the source: it is shorter than when it was scanned \(100000 bytes now/);
      assert.match(msg(c[1]), /it grew since the scan \(1000009 bytes now\), so the range's last, partial block can no longer be shared/);
      assert.equal(r.differed, 3, 'changed since the scan, all three');
      assert.equal(r.deduped, 0n);
      assert.equal(r.calls, 0);
      assert.deepEqual(shas(d), before);
      fs.rmSync(d, { recursive: true });
    });

    test('cancel leaves every file intact', async () => {
      const d = freshDir(t, 'cancel');
      for (let i = 0; i < 300; i++) {
        const b = randomBytes(64 * KiB);
        fs.writeFileSync(path.join(d, `f${i}`), b);
        fs.writeFileSync(path.join(d, `g${i}`), b);
      }
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine({ worker: true });
      try {
        // The find, cancelled at its first progress event.
        const c1 = new AbortController();
        await assert.rejects(
          engine.findDuplicates([d], { signal: c1.signal, onProgress: () => c1.abort() }),
          (e: FsctlError) => e.code === 'E_CANCELLED',
        );
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.groups.length, 300);
        // The apply, cancelled at its first progress event: it stops between calls.
        await applyCancelledAtOnce(engine, plan, d, before, t.mountPoint);
      } finally {
        await engine.dispose();
      }
    });

    test('a large selection is hashed and shared on several threads: the same groups; cancel ends them', async () => {
      // 192 MiB of data: above POOL_MIN_BYTES (64 MiB), so the hashing runs in dedupe-pool.ts's threads
      // (and the calling thread) when the machine has more than one core; and enough that the
      // hashing (~2 GB/s per core with xxHash128) outlasts the round trip of the cancel below.
      const d = freshDir(t, 'pool');
      for (let i = 0; i < 48; i++) {
        const b = randomBytes(2 * MiB);
        fs.writeFileSync(path.join(d, `p${i}`), b);
        fs.writeFileSync(path.join(d, `q${i}`), b);
      }
      execFileSync('sync');
      const engine = createEngine({ worker: true });
      try {
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.total.hashedBytes, BigInt(192 * MiB));
        assert.equal(plan.groups.length, 48);
        assert.ok(plan.groups.every((g) => g.wholeFiles && g.ranges.length === 2 && g.netSaving === BigInt(2 * MiB)));
        for (const g of plan.groups) assert.equal(path.basename(g.ranges[0].path).slice(1), path.basename(g.ranges[1].path).slice(1));
        const c = new AbortController();
        await assert.rejects(
          engine.findDuplicates([d], { signal: c.signal, onProgress: (p) => p.done > 0n && c.abort() }),
          (e: FsctlError) => e.code === 'E_CANCELLED',
        );
        const before = shas(d);
        // The apply of 96 MiB is shared out too (above POOL_MIN_BYTES): cancelled at its first
        // progress event, every file reads as before, and the threads' counts come back whole:
        // what it says it shared is what a new search finds shared.
        const cut = await applyCancelledAtOnce(engine, plan, d, before, t.mountPoint);
        const now = await engine.findDuplicates([d]);
        const sharedNow = now.groups.reduce((n, g) => n + g.length * BigInt(g.ranges.filter((x) => x.alreadyShared).length), 0n);
        assert.ok(cut.deduped > 0n, 'some groups were shared before the cancel was seen');
        assert.equal(cut.deduped, sharedNow);
        assert.equal(cut.calls, Number(sharedNow / BigInt(2 * MiB)), 'one call per group of 2 MiB');
        // A group whose source is gone since the search: its destination is reported, the other
        // groups are shared (one failed call does not end the apply).
        fs.unlinkSync(path.join(d, 'p0'));
        const r = await engine.dedupe(plan);
        const gone = r.skipped.filter((x) => x.reason === 'ENOENT');
        assert.deepEqual(
          gone.map((x) => path.basename(x.path)),
          ['q0'],
          r.skipped.map((x) => `${x.path} ${x.reason}`).join(', '),
        );
        assert.match(gone[0].message, /p0/);
        // the rest: shared now or by the cancelled run, never counted twice
        assert.equal(r.deduped + r.alreadyShared, BigInt(47 * 2 * MiB));
        before.delete('p0');
        assert.deepEqual(shas(d), before);
        const q = frags(path.join(d, 'q1'));
        assert.ok(q.length > 0 && q.every((e) => e.flags.includes('shared')), JSON.stringify(q));
      } finally {
        await engine.dispose();
      }
    });

    test("a batch cut by a cancel hands back the outcomes so far (a pool thread's: the report counts every call)", async () => {
      const d = freshDir(t, 'batch-cut');
      for (let i = 0; i < 4; i++) {
        const b = randomBytes(256 * KiB);
        fs.writeFileSync(path.join(d, `p${i}`), b);
        fs.writeFileSync(path.join(d, `q${i}`), b);
      }
      execFileSync('sync');
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      await engine.dispose();
      assert.equal(plan.groups.length, 4);
      // The cancel arrives during the second group's call (as the pool's stop flag would).
      const flag = new SharedArrayBuffer(4);
      const local = localBackend() as ExtendedBackend;
      let calls = 0;
      const stopping: ExtendedBackend = Object.assign(Object.create(local) as ExtendedBackend, {
        dedupeRange: async (...a: Parameters<NonNullable<ExtendedBackend['dedupeRange']>>) => {
          const out = await local.dedupeRange!(...a);
          if (++calls === 2) Atomics.store(new Int32Array(flag), 0, 1);
          return out;
        },
      });
      const out = await applyBatch(plan.groups, new SharedFlagContext('dedupe', [], flag), () => stopping as never);
      assert.equal(out.length, 3, 'two groups done, the third cut before its call');
      assert.deepEqual(
        out.map((x) => [x.calls, x.deduped, x.cut === true]),
        [
          [1, BigInt(256 * KiB), false],
          [1, BigInt(256 * KiB), false],
          [0, 0n, true],
        ],
      );
      fs.rmSync(d, { recursive: true });
    });

    test('a 40 MiB range goes in 16 MiB calls, three destinations in each; a cancel between them counts the calls made', async () => {
      const d = freshDir(t, 'long');
      const big = randomBytes(40 * MiB);
      for (const n of ['m', 'n', 'o', 'p']) fs.writeFileSync(path.join(d, n), big);
      execFileSync('sync');
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      assert.equal(plan.groups[0].netSaving, BigInt(3 * 40 * MiB));
      // Cancelled after the first call: one group, cut short, and what it already shared is said.
      const free0 = freeAfterSync(t.mountPoint);
      const c = new AbortController();
      const cut = await engine.dedupe(plan, { signal: c.signal, onProgress: () => c.abort() });
      assert.deepEqual(cut.cancelled, { groupsDone: 0, groups: 1, countsAtLeast: false });
      assert.equal(cut.calls, 1);
      assert.equal(cut.deduped, BigInt(3 * 16 * MiB));
      const free1 = freeAfterSync(t.mountPoint);
      assert.equal(cut.freed, free1 - free0, 'measured after a cancel too');
      const r = await engine.dedupe(plan);
      const free2 = freeAfterSync(t.mountPoint);
      assert.equal(r.freed, free2 - free1, 'the report says what statfs says');
      // the whole range again (the first 16 MiB are the source's already: the kernel says them
      // deduped too, the report says them shared before)
      assert.equal(r.calls, 3, '16 + 16 + 8 MiB, each call naming the three destinations');
      assert.equal(r.deduped, BigInt(3 * 24 * MiB));
      assert.equal(r.alreadyShared, BigInt(3 * 16 * MiB));
      freedMatches(kind, free2 - free0, r.estimated); // the two runs together
      const want = createHash('sha256').update(big).digest('hex');
      for (const n of ['m', 'n', 'o', 'p']) assert.equal(sha(path.join(d, n)), want);
      fs.rmSync(d, { recursive: true });
    });

    test('a copy changed at 20 MiB after the search: the first 16 MiB call shares, the rest is left alone and named so', async () => {
      const d = freshDir(t, 'changed-late');
      const big = randomBytes(40 * MiB);
      fs.writeFileSync(path.join(d, 'm'), big);
      fs.writeFileSync(path.join(d, 'n'), big);
      execFileSync('sync');
      const engine = createEngine();
      try {
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.groups.length, 1);
        const dest = plan.groups[0].ranges[1].path;
        const fd = fs.openSync(dest, 'r+');
        fs.writeSync(fd, Buffer.from('changed'), 0, 7, 20 * MiB);
        fs.closeSync(fd);
        execFileSync('sync');
        const r = await engine.dedupe(plan);
        assert.equal(r.deduped, BigInt(16 * MiB));
        assert.equal(r.differed, 1);
        assert.deepEqual(
          r.skipped.map((k) => [k.path, k.reason, k.offset, k.length]),
          [[dest, 'differs', BigInt(16 * MiB), BigInt(24 * MiB)]],
          'the part left alone, not the whole range',
        );
        assert.match(r.skipped[0].message, new RegExp(`at ${16 * MiB}: the bytes differ`));
      } finally {
        await engine.dispose();
      }
    });

    test('part of an extent: btrfs would free nothing (warned, left alone); XFS frees those blocks', async () => {
      const d = freshDir(t, 'part');
      const a = randomBytes(MiB);
      fs.writeFileSync(path.join(d, 'a'), a);
      // The first half is a's, the second its own: one extent of 1 MiB on both file systems.
      fs.writeFileSync(path.join(d, 'c'), Buffer.concat([a.subarray(0, MiB / 2), randomBytes(MiB / 2)]));
      execFileSync('sync');
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      const g = plan.groups[0];
      assert.equal(g.wholeFiles, false);
      assert.equal(g.length, BigInt(MiB / 2));
      const r = await engine.dedupe(plan);
      if (kind === 'btrfs') {
        assert.equal(g.netSaving, 0n);
        assert.match(g.warnings[0], /btrfs frees an extent only when nothing references any of it/);
        assert.equal(r.calls, 0);
        assert.ok(r.notes.some((n) => /1 group with no net saving .* was left alone/.test(n)));
      } else {
        assert.equal(g.netSaving, BigInt(MiB / 2));
        assert.deepEqual(g.warnings, []);
        assert.equal(r.freed, BigInt(MiB / 2));
      }
    });

    test('a preallocated extent written in part: btrfs keeps it for its unwritten rest, so it is the source or frees nothing', async () => {
      const d = freshDir(t, 'prealloc-part');
      /** `bytes` of preallocation (past the end with keepSize), `data` written at `at` into it. */
      const preallocated = (name: string, bytes: number, data: Buffer, keepSize = false, at = 0): void => {
        const p = path.join(d, name);
        fs.writeFileSync(p, ''); // fallocate -n does not create the file
        execFileSync('fallocate', [...(keepSize ? ['-n'] : []), '-l', String(bytes), p]);
        const fd = fs.openSync(p, 'r+');
        fs.writeSync(fd, data, 0, data.length, at);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      };
      // x is a file of its own; pre holds x's bytes in the first MiB of a 6 MiB preallocation
      const x = randomBytes(MiB);
      fs.writeFileSync(path.join(d, 'x'), x);
      preallocated('pre', 6 * MiB, x);
      // y's first MiB, in one 2 MiB extent, and in a preallocation past the end of pre2 (1 MiB long)
      const y = randomBytes(2 * MiB);
      fs.writeFileSync(path.join(d, 'y'), y);
      preallocated('pre2', 6 * MiB, y.subarray(0, MiB), true);
      // two preallocations alike, the same MiB written into the middle of each: equal whole files,
      // but only the written MiB would move (a whole-file group shares data only)
      const z = randomBytes(MiB);
      preallocated('w-pre3', 6 * MiB, z, false, 2 * MiB);
      preallocated('w-pre4', 6 * MiB, z, false, 2 * MiB);
      execFileSync('sync');
      if (kind === 'btrfs') {
        const pieces = frags(path.join(d, 'pre'));
        assert.ok(pieces.some((e) => /unwritten/.test(e.flags)) && pieces.some((e) => !/unwritten/.test(e.flags)), 'written and unwritten');
      }
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      const byPaths = new Map(plan.groups.map((g) => [g.ranges.map((r) => path.basename(r.path)).join(' '), g]));
      if (kind === 'btrfs') {
        // x moves to pre's blocks (pre keeps its extent anyway): x's own MiB is freed
        assert.equal(byPaths.get('pre x')?.netSaving, BigInt(MiB), [...byPaths.keys()].join(', '));
        // y and pre2 both keep their extents (y's second MiB, pre2's unwritten rest): nothing freed, said so
        const g2 = byPaths.get('pre2 y') ?? byPaths.get('y pre2');
        assert.equal(g2?.netSaving, 0n);
        assert.equal(g2?.netSavingMin, 0n);
        assert.match(g2!.warnings.join(' '), /btrfs frees an extent only when nothing references any of it/);
        // w-pre4's preallocation stays for its unwritten rest: sharing its written MiB frees nothing
        const g3 = byPaths.get('w-pre3 w-pre4');
        assert.equal(g3?.wholeFiles, true);
        assert.equal(g3?.netSaving, 0n);
        assert.match(g3!.warnings.join(' '), /btrfs frees an extent only when nothing references any of it/);
        assert.equal(plan.total.netSaving, BigInt(MiB));
      } else assert.equal(plan.total.netSaving, BigInt(3 * MiB), 'XFS frees block by block: both copies and the written MiB');
      const free0 = freeAfterSync(t.mountPoint);
      const r = await engine.dedupe(plan);
      assert.deepEqual(shas(d), before);
      freedMatches(kind, freeAfterSync(t.mountPoint) - free0, r.estimated);
    });

    test('a chain: w1 starts with a copy of a, w2 is a copy of w1; every copy ends on one set of blocks, freed = estimate', async () => {
      // Applied in the plan's order, w2 followed w1 to w1's blocks and only then did w1's first
      // MiB move to a's: w2 kept w1's old first MiB allocated (XFS: 2 MiB freed of 3 estimated).
      const d = freshDir(t, 'chain');
      const a = randomBytes(MiB);
      fs.writeFileSync(path.join(d, 'a'), a);
      const w1 = Buffer.concat([a, randomBytes(MiB)]);
      fs.writeFileSync(path.join(d, 'w1'), w1);
      fs.writeFileSync(path.join(d, 'w2'), w1);
      const free0 = freeAfterSync(t.mountPoint);
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, []);
      assert.deepEqual(shas(d), before);
      freedMatches(kind, r.freed, r.estimated);
      freedMatches(kind, freeAfterSync(t.mountPoint) - free0, r.estimated); // the file system's own count
      if (kind === 'xfs') {
        assert.equal(r.estimated, BigInt(3 * MiB));
        const first = (n: string): number => frags(path.join(d, n))[0].physical;
        assert.equal(first('w1'), first('a'));
        assert.equal(first('w2'), first('a'));
      }
    });

    test('a copy that a file outside the selection clones becomes the source: the other copy is the one freed', async () => {
      const d = freshDir(t, 'outside');
      fs.mkdirSync(path.join(d, 'sel'));
      const data = randomBytes(MiB);
      fs.writeFileSync(path.join(d, 'sel', 'a'), data);
      fs.writeFileSync(path.join(d, 'sel', 'b'), data);
      execFileSync('cp', ['--reflink=always', path.join(d, 'sel', 'b'), path.join(d, 'out')]);
      execFileSync('sync');
      const engine = createEngine();
      const plan = await engine.findDuplicates([path.join(d, 'sel')]);
      assert.equal(plan.groups.length, 1);
      assert.equal(path.basename(plan.groups[0].ranges[0].path), 'b');
      const r = await engine.dedupe(plan);
      assert.equal(r.estimated, BigInt(MiB));
      freedMatches(kind, r.freed, r.estimated);
      assert.ok(frags(path.join(d, 'sel', 'a')).every((e) => /shared/.test(e.flags)));
    });

    test('an immutable copy can only be the source: the other copy moves to it, nothing is refused', async () => {
      const d = freshDir(t, 'immutable');
      const data = randomBytes(MiB);
      fs.writeFileSync(path.join(d, 'a'), data);
      fs.writeFileSync(path.join(d, 'b'), data);
      execFileSync('chattr', ['+i', path.join(d, 'b')]);
      try {
        execFileSync('sync');
        const engine = createEngine();
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.groups.length, 1);
        assert.deepEqual(
          plan.groups[0].ranges.map((r) => path.basename(r.path)),
          ['b', 'a'],
        );
        const r = await engine.dedupe(plan);
        assert.deepEqual(r.skipped, [], 'before, a was the source and b was refused (EPERM)');
        freedMatches(kind, r.freed, BigInt(MiB));
      } finally {
        execFileSync('chattr', ['-i', path.join(d, 'b')]);
      }
    });

    test(
      'btrfs read-only snapshot: its files are only sources, their blocks kept; a new copy moves to them',
      { skip: kind !== 'btrfs' },
      async () => {
        const d = freshDir(t, 'snapshots');
        const sv = path.join(d, 'sv');
        execFileSync('btrfs', ['subvolume', 'create', sv]);
        const data = randomBytes(MiB);
        for (const n of ['f', 'g']) fs.writeFileSync(path.join(sv, n), data);
        execFileSync('sync');
        execFileSync('btrfs', ['subvolume', 'snapshot', '-r', sv, path.join(d, 'ro')]);
        fs.writeFileSync(path.join(sv, 'n'), data); // after the snapshot: blocks of its own
        execFileSync('sync');
        try {
          const before = shas(path.join(d, 'ro'));
          const engine = createEngine();
          const plan = await engine.findDuplicates([d]);
          assert.equal(plan.groups.length, 1);
          const g = plan.groups[0];
          assert.match(g.ranges[0].path, /\/ro\//, 'the source is in the read-only snapshot');
          assert.ok(
            g.ranges.slice(1).every((r) => !r.path.includes('/ro/')),
            'no destination in it',
          );
          assert.ok(g.warnings.some((w) => /1 more range is in files the kernel will not change for this user/.test(w)));
          // sv/f and sv/g still share the snapshot's blocks: only n's own MiB can be freed
          assert.equal(g.netSaving, BigInt(MiB));
          const r = await engine.dedupe(plan);
          assert.deepEqual(r.skipped, []);
          freedMatches(kind, r.freed, BigInt(MiB));
          assert.deepEqual(shas(path.join(d, 'ro')), before);
        } finally {
          execFileSync('btrfs', ['subvolume', 'delete', path.join(d, 'ro'), sv], { stdio: 'ignore' });
        }
      },
    );

    test(
      'btrfs: copies a read-write snapshot outside the selection still holds: as root the saving is 0, exactly, and nothing is shared',
      { skip: kind !== 'btrfs' },
      async () => {
        const d = freshDir(t, 'rw-snapshot');
        const sv = path.join(d, 'sv');
        execFileSync('btrfs', ['subvolume', 'create', sv]);
        const data = randomBytes(2 * MiB);
        for (const n of ['f', 'g']) fs.writeFileSync(path.join(sv, n), data);
        execFileSync('sync');
        execFileSync('btrfs', ['subvolume', 'snapshot', sv, path.join(d, 'snap')]);
        execFileSync('sync');
        const snapId = execFileSync('btrfs', ['inspect-internal', 'rootid', path.join(d, 'snap')], { encoding: 'utf8' }).trim();
        try {
          const engine = createEngine();
          const plan = await engine.findDuplicates([sv]);
          assert.equal(plan.groups.length, 1);
          const g = plan.groups[0];
          // without the owners this was "between 0 and 2 MiB"; the snapshot keeps both copies' blocks
          assert.equal(g.netSaving, 0n);
          assert.equal(g.netSavingMin, 0n);
          // named by its path in the snapshot (btrfs names the subvolume and the inode)
          const snap = path.join(d, 'snap');
          assert.ok(
            g.warnings.some((w) => w.startsWith(`${2 * MiB} bytes `) && (w.includes(`(e.g. ${snap}/f)`) || w.includes(`(e.g. ${snap}/g)`))),
            g.warnings.join('\n'),
          );
          // where no path leads to it (something mounted over the snapshot), by subvolume and inode
          execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', snap]);
          try {
            const hidden = await engine.findDuplicates([sv]);
            assert.ok(
              hidden.groups[0].warnings.some((w) =>
                new RegExp(`outside the selection \\(e\\.g\\. subvolume ${snapId}, inode \\d+\\)`).test(w),
              ),
              hidden.groups[0].warnings.join('\n'),
            );
          } finally {
            execFileSync('umount', [snap]);
          }
          const r = await engine.dedupe(plan);
          assert.equal(r.calls, 0);
          assert.equal(r.deduped, 0n);
          // the whole snapshot is in the selection too: now both of sv's copies can go to the snapshot's blocks
          const both = await engine.findDuplicates([d]);
          assert.equal(both.total.netSaving, BigInt(2 * MiB));
          assert.equal(both.total.netSavingMin, both.total.netSaving);
        } finally {
          execFileSync('btrfs', ['subvolume', 'delete', path.join(d, 'snap'), sv], { stdio: 'ignore' });
        }
      },
    );

    test(
      'btrfs compressed: a clone is already shared, and a plan applied twice makes no call the second time',
      { skip: kind !== 'btrfs' },
      async () => {
        const d = freshDir(t, 'compressed');
        execFileSync('btrfs', ['property', 'set', d, 'compression', 'zstd']);
        const text = Buffer.from(randomBytes(3 * MiB).toString('base64')); // 4 MiB that zstd packs
        for (const n of ['c1', 'c2']) fs.writeFileSync(path.join(d, n), text);
        execFileSync('cp', ['--reflink=always', path.join(d, 'c1'), path.join(d, 'c3')]);
        execFileSync('sync');
        const engine = createEngine();
        // The map keeps an encoded extent's address, as filefrag shows it.
        const m = await engine.map(path.join(d, 'c1'));
        const ff = frags(path.join(d, 'c1'));
        assert.match(ff[0].flags, /encoded/);
        assert.equal(m.extents[0].physical, BigInt(ff[0].physical) * 4096n);
        const before = shas(d);
        // Not root (the files theirs, so they may share them): the extent items cannot be read, so the saving is a range
        for (const p of [path.dirname(t.mountPoint), t.mountPoint]) fs.chmodSync(p, 0o755);
        for (const n of ['', ...fs.readdirSync(d)]) fs.chownSync(path.join(d, n), 65534, 65534);
        process.seteuid!(65534);
        let unprivileged: DedupePlan;
        try {
          unprivileged = await engine.findDuplicates([d]);
        } finally {
          process.seteuid!(0);
        }
        assert.equal(unprivileged.groups.length, 1, JSON.stringify(unprivileged.errors));
        assert.equal(unprivileged.groups[0].netSaving, BigInt(text.length), 'c2 counted in full: an upper bound for compressed data');
        assert.equal(unprivileged.groups[0].netSavingMin, 0n, 'and none of it in the lower bound: its size on disk is not known');
        assert.ok(
          unprivileged.notes.some((n) => /upper bound.*As root, btrfs extent items give compressed data its size on disk\.$/.test(n)),
        );
        // As root: c2's compressed extents at their size on disk, as compsize measures them
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.groups.length, 1);
        const byName = new Map(plan.groups[0].ranges.map((r) => [path.basename(r.path), r]));
        // c1 and its clone c3 share every extent: one is the source, the other already shared
        assert.equal(byName.get(path.basename(plan.groups[0].ranges[0].path) === 'c1' ? 'c3' : 'c1')?.alreadyShared, true);
        assert.equal(byName.get('c2')?.alreadyShared, undefined);
        /** compsize's Disk Usage of a file or folder: its data's bytes on disk, compressed. */
        const onDisk = (p: string): bigint =>
          BigInt(/^TOTAL\s+\d+%\s+(\d+)/m.exec(execFileSync('compsize', ['-b', p], { encoding: 'utf8' }))![1]);
        const disk = onDisk(path.join(d, 'c2'));
        assert.ok(disk < BigInt(text.length), `compressed: ${disk} bytes on disk`);
        assert.equal(plan.groups[0].netSaving, disk, "c2's size on disk (compsize)");
        assert.equal(plan.groups[0].netSavingMin, disk, 'one figure');
        assert.ok(
          plan.notes.some((n) =>
            /^Compressed data is counted at its size on disk \(btrfs extent items, read as root\) in one group/.test(n),
          ),
        );
        assert.ok(!plan.notes.some((n) => /upper bound/.test(n)), plan.notes.join('\n'));
        const usedBefore = onDisk(d);
        const first = await engine.dedupe(plan);
        assert.ok(first.calls > 0);
        // the data freed, as compsize counts it: exactly c2's compressed extents
        assert.equal(usedBefore - onDisk(d), disk);
        // statfs counts btrfs's metadata too (checksums, extent items, its chunks): within 64 KiB either way
        const off = first.freed > disk ? first.freed - disk : disk - first.freed;
        assert.ok(off <= 64n * BigInt(KiB), `freed ${first.freed} (statfs), estimated ${disk}`);
        assert.deepEqual(shas(d), before);
        const again = await engine.findDuplicates([d]);
        assert.equal(again.total.netSaving, 0n, 'everything already shares one set of extents');
        const second = await engine.dedupe(again);
        assert.equal(second.calls, 0);
        assert.equal(second.deduped, 0n);
      },
    );

    test('clones move together: a part of one set of clones duplicates another set; every reference moves, so it is freed', async () => {
      // a and a2 are clones (one set of blocks), p and p2 too; p's second half is a copy of a.
      // The whole-file groups (a, a2) and (p, p2) are already shared, so only one clone of each
      // set reaches the group of ranges: were the other left where it is, it would keep the old
      // blocks and sharing would free nothing (once estimated 0 and left for a second run).
      const d = freshDir(t, 'clone-sets');
      const data = randomBytes(2 * MiB);
      fs.writeFileSync(path.join(d, 'a'), data);
      fs.writeFileSync(path.join(d, 'p'), Buffer.concat([randomBytes(2 * MiB), data]));
      execFileSync('sync');
      execFileSync('cp', ['--reflink=always', path.join(d, 'a'), path.join(d, 'a2')]);
      execFileSync('cp', ['--reflink=always', path.join(d, 'p'), path.join(d, 'p2')]);
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      const part = plan.groups.find((g) => !g.wholeFiles)!;
      assert.ok(part, 'a group of ranges');
      // both clones of the set that moves are destinations; the other set's stays on its blocks
      const names = part.ranges.map((x) => path.basename(x.path)).sort();
      assert.ok(
        names.join() === 'a,a2,p' || names.join() === 'a,p,p2',
        `the moving set whole, the staying set by one clone: ${names.join()}`,
      );
      assert.equal(part.netSaving, BigInt(2 * MiB));
      assert.equal(plan.total.netSaving, BigInt(2 * MiB));
      assert.ok(!part.warnings.some((w) => /data the plan leaves in place/.test(w)), part.warnings.join('\n'));
      if (kind === 'btrfs') assert.equal(path.basename(part.ranges[0].path), 'p', "btrfs: p's extent stays (the rest of p keeps it)");
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, []);
      assert.deepEqual(shas(d), before);
      freedMatches(kind, r.freed, r.estimated);
      assert.equal(r.estimated, BigInt(2 * MiB));
      assert.equal((await engine.findDuplicates([d])).total.netSaving, 0n, 'nothing is left stored twice');
    });

    test('clones are read once: chunks on blocks already hashed take their keys; a changed block is read', async () => {
      // golden: 64 blocks of 4 KiB, one every 8 KiB (four chunks); c1-c3 clone it, c3 then gets
      // a new block in its second chunk; copy holds the same bytes in blocks of its own.
      const d = freshDir(t, 'read-once');
      const blocks = Array.from({ length: 64 }, () => randomBytes(4 * KiB));
      sparseFile(
        path.join(d, 'golden'),
        512 * KiB,
        blocks,
        blocks.map((_, i) => i * 8 * KiB),
      );
      for (const n of ['c1', 'c2', 'c3']) execFileSync('cp', ['--reflink=always', path.join(d, 'golden'), path.join(d, n)]);
      execFileSync('cp', ['--reflink=never', '--sparse=always', path.join(d, 'golden'), path.join(d, 'copy')]);
      const fd = fs.openSync(path.join(d, 'c3'), 'r+');
      fs.writeSync(fd, randomBytes(4 * KiB), 0, 4 * KiB, 17 * 8 * KiB);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      // read: one clone's four chunks, the copy's, and the changed chunk (c3's or, if c3 came first, golden's)
      assert.equal(plan.total.hashedBytes, BigInt(256 * KiB + 256 * KiB + 64 * KiB));
      const whole = plan.groups.find((g) => g.wholeFiles)!;
      assert.deepEqual(whole.ranges.map((r) => path.basename(r.path)).sort(), ['c1', 'c2', 'copy', 'golden']);
      assert.deepEqual(
        whole.ranges.filter((r) => !r.alreadyShared).map((r) => path.basename(r.path)),
        [path.basename(whole.ranges[0].path), 'copy'],
      );
      for (const g of plan.groups)
        for (const r of g.ranges)
          assert.ok(
            !(path.basename(r.path) === 'c3' && r.offset <= BigInt(CHUNK) && r.offset + g.length > BigInt(CHUNK)),
            "c3's changed chunk matches nothing",
          );
      assert.equal(plan.total.netSaving, BigInt(256 * KiB));
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, []);
      assert.deepEqual(shas(d), before);
      freedMatches(kind, r.freed, r.estimated);
      assert.ok(frags(path.join(d, 'copy')).every((e) => /shared/.test(e.flags)));
    });

    test("a partial duplicate of a set of copies moves to the copy that stays (the whole-file group's source)", async () => {
      // The copies' chunk groups once took the first copy walked as the set's representative;
      // when the whole-file group picked another source (the one with a clone), the partial
      // duplicate and that first copy were shared with each other instead: 1 MiB stayed twice.
      const d = freshDir(t, 'partial-of-copies');
      const vm = randomBytes(4 * MiB);
      fs.writeFileSync(path.join(d, 'old.img'), vm); // written first: the first copy walked
      fs.writeFileSync(path.join(d, 'vm.img'), vm);
      fs.writeFileSync(path.join(d, 'vm-copy.img'), vm);
      execFileSync('cp', ['--reflink=always', path.join(d, 'vm.img'), path.join(d, 'vm-clone.img')]);
      fs.writeFileSync(path.join(d, 'half.img'), Buffer.concat([vm.subarray(0, MiB), randomBytes(MiB)]));
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      const whole = plan.groups.find((g) => g.wholeFiles)!;
      const part = plan.groups.find((g) => !g.wholeFiles);
      assert.match(whole.ranges[0].path, /vm(-clone)?\.img$/, 'the source is one of the two that share');
      if (part) assert.equal(part.ranges[0].path, whole.ranges[0].path, 'the partial duplicate moves to the same source');
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, []);
      assert.deepEqual(shas(d), before);
      freedMatches(kind, r.freed, r.estimated);
      if (kind === 'xfs') {
        assert.equal(r.estimated, BigInt(9 * MiB));
        assert.equal((await engine.findDuplicates([d])).total.netSaving, 0n, 'nothing is left stored twice');
      }
    });

    test(
      'btrfs: a copy of part of a partly overwritten extent moves to it (the extent stays anyway), freed = estimate',
      { skip: kind !== 'btrfs' },
      async () => {
        // b's 4 MiB extent, its second MiB overwritten: b still references the first and last
        // parts. a copies b's first MiB. Sharing b's first MiB with a frees nothing (estimated
        // 1 MiB, freed 0 before); a moving to b frees a's MiB.
        const d = freshDir(t, 'bookend');
        const b = path.join(d, 'b');
        fs.writeFileSync(b, randomBytes(4 * MiB));
        execFileSync('sync');
        const fd = fs.openSync(b, 'r+');
        fs.writeSync(fd, randomBytes(MiB), 0, MiB, MiB);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.writeFileSync(path.join(d, 'a'), fs.readFileSync(b).subarray(0, MiB));
        execFileSync('sync');
        const before = shas(d);
        const engine = createEngine();
        const plan = await engine.findDuplicates([d]);
        assert.equal(plan.groups.length, 1);
        assert.equal(path.basename(plan.groups[0].ranges[0].path), 'b');
        const r = await engine.dedupe(plan);
        assert.equal(r.estimated, BigInt(MiB));
        freedMatches(kind, r.freed, r.estimated);
        assert.deepEqual(shas(d), before);
      },
    );

    test(
      'btrfs as root: a file written in two pieces side by side on disk (one FIEMAP record, two extents) frees the piece shared',
      { skip: kind !== 'btrfs' },
      async () => {
        // D: two fsynced 2 MiB writes, two extents that a fresh allocator lays side by side, so
        // FIEMAP shows one 4 MiB record. A holds D's first 2 MiB and is immutable (only the
        // source). Taking the record for one extent said "net saving 0" (sharing part of an
        // extent frees nothing); the extent items say D's first extent goes whole.
        const own = makeFs('btrfs');
        const d = freshDir(own, 'pieces');
        const [a, dd] = ['A', 'D'].map((n) => path.join(d, n));
        const data = randomBytes(4 * MiB);
        const fd = fs.openSync(dd, 'w');
        for (const at of [0, 2 * MiB]) {
          fs.writeSync(fd, data, at, 2 * MiB, at);
          fs.fsyncSync(fd);
        }
        fs.closeSync(fd);
        fs.writeFileSync(a, data.subarray(0, 2 * MiB));
        execFileSync('chattr', ['+i', a]);
        const engine = createEngine();
        try {
          execFileSync('btrfs', ['filesystem', 'sync', own.mountPoint]);
          assert.match(execFileSync('filefrag', [dd], { encoding: 'utf8' }), /: 1 extent found/, "D's two extents lie side by side");
          const before = shas(d);
          const plan = await engine.findDuplicates([d]);
          assert.equal(plan.groups.length, 1);
          const g = plan.groups[0];
          assert.deepEqual(
            g.ranges.map((x) => path.basename(x.path)),
            ['A', 'D'],
          );
          assert.deepEqual([g.netSaving, g.netSavingMin, g.warnings], [BigInt(2 * MiB), BigInt(2 * MiB), []]);
          const r = await engine.dedupe(plan);
          freedMatches(kind, r.freed, r.estimated);
          assert.deepEqual(shas(d), before);
        } finally {
          execFileSync('chattr', ['-i', a]);
          await engine.dispose();
          own.cleanup();
        }
      },
    );

    test('a partly overwritten file and its copy: the copy stays, and on btrfs the overwritten part of the old extent is freed too (estimated)', async () => {
      // f: a 4 MiB extent whose second MiB was overwritten (btrfs keeps that MiB, referenced
      // by nothing, until the extent goes) and the new MiB; g: a copy in one extent. g, in one
      // piece, stays; f moves: btrfs frees the old extent whole (4 MiB) and the new one (1 MiB).
      const d = freshDir(t, 'overwritten');
      const f = path.join(d, 'f');
      fs.writeFileSync(f, randomBytes(4 * MiB));
      execFileSync('sync');
      const fd = fs.openSync(f, 'r+');
      fs.writeSync(fd, randomBytes(MiB), 0, MiB, MiB);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.writeFileSync(path.join(d, 'g'), fs.readFileSync(f));
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      const g = plan.groups[0];
      // (XFS overwrote f in place: one piece each, and f, first on disk, stays)
      if (kind === 'btrfs')
        assert.deepEqual(
          g.ranges.map((x) => path.basename(x.path)),
          ['g', 'f'],
        );
      const extra = kind === 'btrfs' ? BigInt(MiB) : 0n; // XFS frees block by block: the overwritten MiB went at once
      assert.equal(g.netSaving, BigInt(4 * MiB) + extra);
      assert.equal(g.netSavingMin, g.netSaving);
      if (kind === 'btrfs')
        assert.ok(
          g.warnings.some((w) => new RegExp(`^${MiB} bytes more are freed: extents of the other ranges were partly overwritten`).test(w)),
          g.warnings.join('\n'),
        );
      const r = await engine.dedupe(plan);
      freedMatches(kind, r.freed, r.estimated);
      assert.deepEqual(shas(d), before);
    });

    test(
      kind === 'btrfs'
        ? 'blocks also shared with files outside the selection: as root, LOGICAL_INO_V2 names them, the saving is exact and freed equals it'
        : 'blocks also shared with files outside the selection (no rmapbt: owners unknown): the saving is a range, and freed falls in it',
      async () => {
        const { plan, r } = await outsideSharedLayout(freshDir(t, 'outside-range'), kind);
        if (kind === 'btrfs') {
          // bpart keeps b's whole extent, cclone c's: one copy of the data is freed
          assert.equal(plan.total.netSaving, BigInt(4 * MiB));
          assert.equal(plan.total.netSavingMin, plan.total.netSaving);
          assert.ok(
            plan.groups[0].warnings.some((w) =>
              /share their blocks with files outside the selection \(e\.g\. \/\S+\/out\/(cclone|bpart)\)/.test(w),
            ),
            plan.groups[0].warnings.join('\n'),
          );
          assert.ok(!plan.groups[0].warnings.some((w) => /freed only once nothing else references them/.test(w)));
          assert.ok(plan.notes.some((n) => /asked of the file system \(BTRFS_IOC_LOGICAL_INO_V2\)/.test(n)));
        } else {
          assert.equal(plan.total.netSaving, BigInt(8 * MiB));
          assert.equal(plan.total.netSavingMin, BigInt(7 * MiB));
          assert.ok(
            plan.notes.some((n) => /could not be asked, so the saving is a range: XFS: .*rmapbt=0/.test(n)),
            plan.notes.join('\n'),
          );
        }
        assert.equal(r.estimatedMin, plan.total.netSavingMin);
        freedMatches(kind, r.freed, r.estimatedMin!);
      },
    );

    test('files whose size is not a multiple of the block size: shared whole, the last block with them', async () => {
      // The last extent's block runs past the end of the file; it was once taken for a part of
      // an extent left unshared, so on btrfs such files (most files) were never deduplicated.
      const d = freshDir(t, 'unaligned');
      const sizes = [MiB + 1, 300000, 10000];
      for (const [i, n] of sizes.entries()) {
        const data = randomBytes(n);
        fs.writeFileSync(path.join(d, `x${i}`), data);
        fs.writeFileSync(path.join(d, `y${i}`), data);
      }
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 3);
      for (const g of plan.groups) {
        assert.deepEqual(g.warnings, [], g.warnings.join(' '));
        // whole blocks: the partly used last block is freed with the file's data
        assert.equal(g.netSaving, BigInt(Math.ceil(Number(g.length) / 4096) * 4096));
        assert.equal(g.candidateBytes, g.length, 'the duplicate data itself, in bytes');
      }
      const r = await engine.dedupe(plan);
      assert.deepEqual(r.skipped, []);
      // whole blocks, the partly used last one of each file included: as estimated
      const blocks = sizes.reduce((t, n) => t + BigInt(Math.ceil(n / 4096) * 4096), 0n);
      assert.equal(r.estimated, blocks);
      freedMatches(kind, r.freed, blocks);
      assert.deepEqual(shas(d), before);
      for (const [i] of sizes.entries()) assert.ok(frags(path.join(d, `y${i}`)).every((e) => /shared/.test(e.flags)));
    });

    test('identical files none of which may change (immutable): no group, and a note says they exist', async () => {
      const d = freshDir(t, 'locked');
      const data = randomBytes(256 * 1024);
      for (const n of ['p', 'q']) fs.writeFileSync(path.join(d, n), data);
      const locked = ['p', 'q'].map((n) => path.join(d, n));
      execFileSync('chattr', ['+i', ...locked]);
      try {
        execFileSync('sync');
        const plan = await createEngine().findDuplicates([d]);
        assert.deepEqual(plan.groups, []);
        assert.equal(plan.total.lockedIn, 1);
        // no group is listed, so not "1 more set"
        assert.ok(
          plan.notes.some((n) => /^1 set of identical data lies only in files the kernel will not change/.test(n)),
          plan.notes.join('\n'),
        );
      } finally {
        execFileSync('chattr', ['-i', ...locked]);
      }
    });

    test(
      'data kept inline in metadata (btrfs small files) is in no group, and a note says why; empty files are named as such',
      { skip: kind !== 'btrfs' },
      async () => {
        const d = freshDir(t, 'inline');
        for (const n of ['o1', 'o2']) fs.writeFileSync(path.join(d, n), 'x');
        for (const n of ['e1', 'e2']) fs.writeFileSync(path.join(d, n), '');
        execFileSync('sync');
        assert.match(frags(path.join(d, 'o1'))[0].flags, /inline/);
        const plan = await createEngine().findDuplicates([d], { minSize: 0n });
        assert.deepEqual(plan.groups, []);
        assert.ok(
          plan.notes.some((n) => /^2 files keep data inline in the file system's metadata/.test(n)),
          plan.notes.join('\n'),
        );
        assert.ok(!plan.notes.some((n) => /compressed/.test(n)), 'nothing here is compressed');
        assert.ok(plan.notes.includes('2 empty files were not examined.'), plan.notes.join('\n'));
        assert.ok(!plan.notes.some((n) => /smaller than the minimum size/.test(n)));
      },
    );

    test('unwritten (preallocated) extents read as zeros: never hashed, never grouped', async () => {
      const d = freshDir(t, 'prealloc');
      execFileSync('fallocate', ['-l', String(MiB), path.join(d, 'preallocated.bin')]);
      execFileSync('fallocate', ['-l', String(MiB), path.join(d, 'preallocated2.bin')]);
      fs.writeFileSync(path.join(d, 'zeros.bin'), Buffer.alloc(MiB)); // written zeros: data
      execFileSync('sync');
      assert.ok(
        frags(path.join(d, 'preallocated.bin')).every((x) => x.flags.includes('unwritten')),
        'filefrag: unwritten',
      );
      const plan = await createEngine().findDuplicates([d]);
      assert.equal(plan.total.hashedBytes, BigInt(MiB), 'only zeros.bin was read');
      // (zeros.bin's chunks match one another: written data; the preallocated files match nothing)
      const named = plan.groups.flatMap((g) => g.ranges.map((r) => path.basename(r.path)));
      assert.deepEqual(
        named.filter((n) => n.startsWith('preallocated')),
        [],
        'no group: neither with itself, nor with the other, nor with written zeros',
      );
    });

    test('a chunk that is not a multiple of the block size is refused', async () => {
      const d = freshDir(t, 'chunk');
      fs.writeFileSync(path.join(d, 'a'), randomBytes(64 * KiB));
      await assert.rejects(createEngine().findDuplicates([d], { chunk: 6000n }), (e: FsctlError) => e.code === 'E_MISALIGNED');
    });
  });
}

describe('dedupe on XFS with the reverse-mapping btree (rmapbt=1)', { skip: skipReason('xfs') }, () => {
  let t: TestFs;
  before(() => {
    t = makeFs('xfs', 300, { mkfsArgs: ['-q', '-f', '-m', 'rmapbt=1,reflink=1'] });
  });
  after(() => t?.cleanup());

  test('blocks also shared with files outside the selection: as root, GETFSMAP names them, the saving is exact and freed equals it', async () => {
    const { plan, r } = await outsideSharedLayout(freshDir(t, 'outside-exact'), 'xfs');
    // cclone keeps c's 4 MiB (c is the source), bpart b's second MiB: a's 4 and b's other 3 are freed
    assert.equal(plan.total.netSaving, BigInt(7 * MiB));
    assert.equal(plan.total.netSavingMin, plan.total.netSaving);
    assert.ok(
      plan.groups[0].warnings.some((w) => /^1048576 bytes .* files outside the selection \(e\.g\. inode \d+\)/.test(w)),
      plan.groups[0].warnings.join('\n'),
    );
    assert.ok(plan.notes.some((n) => /asked of the file system \(FS_IOC_GETFSMAP/.test(n)));
    assert.equal(r.estimated, BigInt(7 * MiB));
    assert.equal(r.freed, r.estimated);
  });

  test('copies of 100,000 bytes each cloned outside: their whole last blocks are kept too, so the saving is 0, as freed', async () => {
    const d = freshDir(t, 'unaligned-kept');
    const sel = path.join(d, 'sel');
    const out = path.join(d, 'out');
    fs.mkdirSync(sel);
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(sel, 'x'), randomBytes(100000));
    execFileSync('cp', ['--reflink=never', path.join(sel, 'x'), path.join(sel, 'y')]);
    execFileSync('cp', ['--reflink=always', path.join(sel, 'x'), path.join(out, 'w')]);
    execFileSync('cp', ['--reflink=always', path.join(sel, 'y'), path.join(out, 'z')]);
    execFileSync('sync');
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([sel]);
      assert.equal(plan.groups.length, 1);
      assert.equal(plan.total.netSaving, 0n, plan.groups[0].warnings.join('\n'));
      assert.equal(plan.total.netSavingMin, 0n);
      assert.ok(plan.groups[0].warnings.some((w) => /^102400 bytes of the other ranges share their blocks with files outside/.test(w)));
      const free0 = freeAfterSync(t.mountPoint);
      const r = await engine.dedupe(plan);
      assert.equal(r.calls, 0, 'a group that frees nothing is left alone');
      assert.equal(freeAfterSync(t.mountPoint) - free0, 0n);
    } finally {
      await engine.dispose();
    }
  });
});

for (const kind of ['ext4', 'tmpfs'] as FsKind[]) {
  describe(`dedupe on ${kind}`, { skip: skipReason(kind) }, () => {
    let t: TestFs;
    before(() => {
      t = makeFs(kind);
    });
    after(() => t?.cleanup());

    test('apply is refused with EOPNOTSUPP, and nothing changes', async () => {
      const d = freshDir(t, 'tree');
      const a = randomBytes(256 * KiB);
      fs.writeFileSync(path.join(d, 'a'), a);
      fs.writeFileSync(path.join(d, 'b'), a);
      execFileSync('sync');
      const before = shas(d);
      const engine = createEngine();
      const plan = await engine.findDuplicates([d]);
      assert.equal(plan.groups.length, 1);
      assert.equal(plan.groups[0].netSaving, BigInt(256 * KiB));
      // the search probed it already: one sentence, errno and what to do
      assert.equal(plan.cannotApply?.length, 1);
      assert.equal(plan.cannotApply[0].code, 'EOPNOTSUPP');
      assert.equal(
        plan.cannotApply[0].message,
        `${kind} cannot share blocks (EOPNOTSUPP): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).`,
      );
      const free = fs.statfsSync(t.mountPoint, { bigint: true }).bfree;
      await assert.rejects(engine.dedupe(plan), (e: FsctlError) => {
        assert.equal(e.code, 'EOPNOTSUPP');
        assert.match(e.message, new RegExp(`${kind} cannot share identical data .*FIDEDUPERANGE.*nothing was changed \\(EOPNOTSUPP\\)`));
        return true;
      });
      assert.deepEqual(shas(d), before);
      assert.equal(fs.statfsSync(t.mountPoint, { bigint: true }).bfree, free);
    });
  });
}
