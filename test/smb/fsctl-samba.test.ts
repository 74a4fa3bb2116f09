// The Windows FSCTL algorithms (src/engine/nt) over the SMB2 transport against a real Samba,
// each result cross-checked on the server side: the Linux backend (SEEK_DATA/SEEK_HOLE, FIEMAP)
// and filefrag on the very folder the share exports.
// (Over 400 lines: every test shares one Samba serving btrfs, XFS and ext4 loop mounts, set up once.)

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { localBackend } from '../../src/engine/select-backend';
import { createEngine } from '../../src/engine/engine';
import type { FsctlError } from '../../src/engine/errors';
import { createSmbBackend, smbBackend } from '../../src/engine/backends/smb';
import { smbTransport } from '../../src/engine/backends/smb/transport';
import { clientFor } from '../../src/engine/backends/smb/protocol/pool';
import { parseSmbUri } from '../../src/engine/backends/smb/protocol/uri';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { ctx, makeDenseFile, makeSparseFile, sha256File, smbUid, useSmbPassword } from './helpers';
import { digHoles } from '../../src/engine/dig-holes';
import { CLI, cli, ensureBuilt } from '../cli/run-cli';

const skip = sambaSkipReason();
const KiB = 1024;
const MiB = 1024 * 1024;

describe('FSCTL algorithms over SMB2 against Samba', { skip }, () => {
  let btrfs: LoopFs;
  let xfs: LoopFs;
  let ext4: LoopFs;
  let smb: SambaServer;
  useSmbPassword();

  before(async () => {
    btrfs = makeLoopFs('btrfs', 320);
    xfs = makeLoopFs('xfs', 320);
    ext4 = makeLoopFs('ext4', 64);
    smb = await startSamba({
      shares: [
        { name: 'btrfs', path: btrfs.mnt, options: BTRFS_CLONING },
        { name: 'xfs', path: xfs.mnt, options: { 'block size': '4096' } },
        { name: 'ext4', path: ext4.mnt },
        { name: 'btrfs1k', path: btrfs.mnt, options: { 'vfs objects': 'btrfs' } },
      ],
    });
  });

  after(async () => {
    await stopSamba(smb, btrfs, xfs, ext4);
  });

  const local = () => localBackend();

  test('volume: btrfs share with vfs_btrfs reports block refcounting; XFS share does not', async () => {
    const vb = await smbBackend().volume(smb.uri('btrfs'));
    const vx = await smbBackend().volume(smb.uri('xfs'));
    assert.equal(vb.supportsClone, true, vb.cloneEvidence);
    assert.equal(vb.supportsSparse, true);
    assert.equal(vx.supportsClone, false);
    assert.equal(vb.blockSize, 4096);
    assert.notEqual(vb.volumeId, vx.volumeId);
  });

  test('allocated ranges of a sparse file match SEEK_DATA on the server; non-sparse gives one range', async () => {
    const p = join(xfs.mnt, 'sparse.bin');
    makeSparseFile(p, 8 * MiB, [
      [0, 64 * KiB],
      [1 * MiB, 128 * KiB],
      [5 * MiB, 4 * KiB],
    ]);
    const uri = smb.uri('xfs', 'sparse.bin');
    // Samba reports holes only for files marked sparse: before SET_SPARSE, one range for all.
    const before = await smbBackend().allocatedRanges(uri, undefined, ctx);
    assert.deepEqual(before.ranges, [{ offset: 0n, length: 8n * BigInt(MiB) }]);
    assert.equal(before.size, 8n * BigInt(MiB));

    await smbBackend().setSparse(uri, true, ctx);
    const r = await smbBackend().allocatedRanges(uri, undefined, ctx);
    const server = await local().allocatedRanges(p, undefined, ctx);
    assert.deepEqual(r.ranges, server.ranges);
    assert.deepEqual(r.ranges, [
      { offset: 0n, length: 64n * 1024n },
      { offset: 1n * BigInt(MiB), length: 128n * 1024n },
      { offset: 5n * BigInt(MiB), length: 4096n },
    ]);
    assert.match(r.method, /alloc/i);
    // The map over SMB: Samba has no retrieval pointers, so the extents are the allocated ranges.
    const map = await smbBackend().extentMap(uri, undefined, ctx);
    assert.equal(map.source, 'allocated-ranges');
    assert.deepEqual(
      map.extents.map((e) => ({ offset: e.offset, length: e.length })),
      r.ranges,
    );
    assert.equal(map.blockSize, 4096);
  });

  test('paging: a buffer smaller than the answer grows until every range is there (Samba: STATUS_BUFFER_TOO_SMALL)', async () => {
    const p = join(xfs.mnt, 'many.bin');
    const pieces: Array<[number, number]> = [];
    for (let i = 0; i < 40; i++) pieces.push([i * 128 * KiB, 4 * KiB]);
    makeSparseFile(p, 40 * 128 * KiB, pieces);
    const uri = smb.uri('xfs', 'many.bin');
    await smbBackend().setSparse(uri, true, ctx);
    const small = createSmbBackend({ rangesInitialOutputBytes: 16 });
    const client = await clientFor(parseSmbUri(uri));
    client.ioctlLog.length = 0;
    const r = await small.allocatedRanges(uri, undefined, ctx);
    const qar = client.ioctlLog.filter((x) => x.code === 0x940cf);
    // Samba answers a too-small buffer with STATUS_BUFFER_TOO_SMALL and no data; the loop grew it.
    assert.ok(
      qar.some((x) => x.status === 0xc0000023),
      JSON.stringify(qar),
    );
    assert.equal(qar[qar.length - 1].status, 0);
    assert.ok(qar[qar.length - 1].maxOutput >= 40 * 16);
    const server = await local().allocatedRanges(p, undefined, ctx);
    assert.equal(r.ranges.length, 40);
    assert.deepEqual(r.ranges, server.ranges);
    assert.ok(r.calls > 1, `expected several QUERY_ALLOCATED_RANGES calls, got ${r.calls}`);
  });

  test('set sparse + zero data: the hole shows in the next query and on the server (SEEK_HOLE)', async () => {
    const p = join(xfs.mnt, 'dense.bin');
    makeDenseFile(p, 4 * MiB);
    const uri = smb.uri('xfs', 'dense.bin');
    const rep = await smbBackend().punchHole(uri, { offset: 1n * BigInt(MiB), length: 1n * BigInt(MiB) }, ctx);
    assert.equal(rep.method, 'FSCTL_SET_ZERO_DATA');
    assert.equal(rep.bytes, 1n * BigInt(MiB), 'bytes: what was deallocated');
    // Over the hole again and past the end of the file: what was allocated there, not the length asked for.
    assert.equal((await smbBackend().punchHole(uri, { offset: 1n * BigInt(MiB), length: 1n * BigInt(MiB) }, ctx)).bytes, 0n);
    const tail = await smbBackend().punchHole(uri, { offset: 4n * BigInt(MiB), length: 1n * BigInt(MiB) }, ctx);
    assert.equal(tail.bytes, 0n);
    assert.match(
      tail.notes!.join(' '),
      /1048576 bytes asked for; 0 bytes deallocated \(measured with the allocated ranges\): holes, partial clusters/,
    );
    const r = await smbBackend().allocatedRanges(uri, undefined, ctx);
    assert.deepEqual(r.ranges, [
      { offset: 0n, length: 1n * BigInt(MiB) },
      { offset: 2n * BigInt(MiB), length: 2n * BigInt(MiB) },
    ]);
    const server = await local().allocatedRanges(p, undefined, ctx);
    assert.deepEqual(server.ranges, r.ranges);
    const seekOut = execFileSync('xfs_io', ['-c', 'seek -h 0', p]).toString();
    assert.match(seekOut, /HOLE\s+1048576/);
    // zero across the end of the file: only the part inside it is counted, the rest noted
    const z = await smbBackend().zeroRange!(uri, { offset: 4n * BigInt(MiB) - 5000n, length: 1n * BigInt(MiB) }, ctx);
    assert.equal(z.bytes, 5000n);
    assert.ok(
      z.notes?.includes(
        `${MiB - 5000} bytes of the range lie past the end of the file (${4 * MiB} bytes): nothing there to zero, and the size is unchanged`,
      ),
      JSON.stringify(z.notes),
    );
    assert.equal(statSync(p).size, 4 * MiB);
  });

  test('punch on a file with holes not yet marked sparse: what was deallocated, measured once it is sparse', async () => {
    // Made on the server with holes; over SMB it is not sparse, so the server answers its ranges
    // with the whole file until the punch marks it sparse.
    const p = join(xfs.mnt, 'holey-plain.bin');
    makeSparseFile(p, 8 * MiB, [[1 * MiB, 64 * KiB]]);
    const empty = join(xfs.mnt, 'empty-plain.bin');
    writeFileSync(empty, '');
    truncateSync(empty, 8 * MiB);
    chownSync(empty, smbUid(), 0);
    const before = statSync(p).blocks * 512;
    const rep = await smbBackend().punchHole(smb.uri('xfs', 'holey-plain.bin'), { offset: 0n, length: 8n * BigInt(MiB) }, ctx);
    assert.equal(rep.bytes, BigInt(64 * KiB), 'the data that was there, not the range');
    assert.ok(
      rep.notes?.some((n) => /marked the file sparse first/.test(n)),
      JSON.stringify(rep.notes),
    );
    execFileSync('sync');
    assert.equal(before - statSync(p).blocks * 512, 64 * KiB, "the server's block count fell by as much");
    const none = await smbBackend().punchHole(smb.uri('xfs', 'empty-plain.bin'), { offset: 0n, length: 8n * BigInt(MiB) }, ctx);
    assert.equal(none.bytes, 0n, 'a file holding nothing frees nothing');
    assert.equal(statSync(empty).blocks, 0);
  });

  test('dig-holes over SMB: zero blocks punched, bytes measured from the allocated ranges, content unchanged', async () => {
    const p = join(xfs.mnt, 'zeros-inside.bin');
    makeDenseFile(p, 4 * MiB);
    execFileSync('dd', ['if=/dev/zero', `of=${p}`, 'bs=1M', 'seek=1', 'count=2', 'conv=notrunc', 'status=none']);
    const h = sha256File(p);
    const uri = smb.uri('xfs', 'zeros-inside.bin');
    const rep = await digHoles(smbBackend(), uri, undefined, ctx);
    assert.equal(rep.bytes, 2n * BigInt(MiB));
    assert.match(rep.notes!.join(' '), /2097152 bytes deallocated \(measured\)/);
    // no lease over SMB: the report says what it could not make sure of
    assert.ok(
      rep.notes!.some((n) => /^could not make sure that no other program opens the file while it is dug: here \(SMB, Windows\)/.test(n)),
    );
    assert.equal(sha256File(p), h);
    const server = await local().allocatedRanges(p, undefined, ctx);
    assert.deepEqual(server.ranges, [
      { offset: 0n, length: 1n * BigInt(MiB) },
      { offset: 3n * BigInt(MiB), length: 1n * BigInt(MiB) },
    ]);
  });

  test('dig-holes over SMB of a file not marked sparse: its holes are not counted as freed nor read, and progress is its own', async () => {
    // 64 MiB with 1 MiB of data and 1 MiB of written zeros; the rest holes the server does not show
    const p = join(xfs.mnt, 'not-sparse-holes.bin');
    makeDenseFile(p, 1 * MiB);
    execFileSync('dd', ['if=/dev/zero', `of=${p}`, 'bs=1M', 'seek=8', 'count=1', 'conv=notrunc', 'status=none']);
    execFileSync('truncate', ['-s', '64M', p]);
    execFileSync('sync');
    const h = sha256File(p);
    const blocks = (): bigint => statSync(p, { bigint: true }).blocks * 512n;
    const before = blocks();
    const events: Array<{ done: bigint; total: bigint }> = [];
    const progressCtx = Object.assign(Object.create(ctx) as typeof ctx, {
      progress: (e: { done: bigint; total: bigint }) => events.push(e),
    });
    const rep = await digHoles(smbBackend(), smb.uri('xfs', 'not-sparse-holes.bin'), undefined, progressCtx);
    execFileSync('sync');
    assert.equal(sha256File(p), h);
    assert.equal(rep.bytes, before - blocks(), 'what the server freed, not the holes read as zeros');
    assert.equal(rep.bytes, 1n * BigInt(MiB));
    assert.match(rep.notes![0], /^scanned 2097152 bytes in 2 data ranges /, 'only the data was read');
    assert.ok(
      rep.notes!.some((n) => /^marked the file sparse first/.test(n)),
      JSON.stringify(rep.notes),
    );
    // (a trial saw the punches' own "64 KiB / 64 KiB" stand for the whole run)
    assert.ok(
      events.every((e) => e.total === 2n * BigInt(MiB)),
      JSON.stringify(events.map((e) => String(e.total))),
    );
  });

  test('server-side copy of 40 MiB: resume key + COPYCHUNK_WRITE, limits renegotiated, identical content', async () => {
    const p = join(xfs.mnt, 'big.bin');
    makeDenseFile(p, 40 * MiB + 12345);
    const b = createSmbBackend({ copyChunkLimits: { maxChunks: 1024, maxChunkBytes: 4 * MiB, maxTotalBytes: 64 * MiB } });
    const rep = await b.copyFile(smb.uri('xfs', 'big.bin'), smb.uri('xfs', 'big-copy.bin'), ctx);
    assert.equal(rep.method, 'FSCTL_SRV_COPYCHUNK_WRITE');
    assert.equal(rep.bytes, BigInt(40 * MiB + 12345));
    assert.ok(
      rep.notes?.some((n) => /renegotiated/.test(n)),
      JSON.stringify(rep.notes),
    );
    assert.ok(rep.calls >= 3, `40 MiB needs at least 3 requests of 16 MiB, got ${rep.calls}`);
    assert.deepEqual(rep.otherCalls, { FSCTL_SRV_REQUEST_RESUME_KEY: 1 }, 'the resume key is counted apart');
    assert.equal(sha256File(join(xfs.mnt, 'big-copy.bin')), sha256File(p));
  });

  test('server-side copy of a file with holes not marked sparse: where the server copies them as data (ext4) a note says so, and how to keep them', async () => {
    const b = createSmbBackend();
    for (const share of ['ext4', 'xfs'] as const) {
      const dir = share === 'ext4' ? ext4.mnt : xfs.mnt;
      const p = join(dir, 'holey.bin');
      writeFileSync(p, randomBytes(MiB));
      truncateSync(p, 16 * MiB); // 15 MiB of holes on the server's disk, no sparse attribute over SMB
      const rep = await b.copyFile(smb.uri(share, 'holey.bin'), smb.uri(share, 'holey-copy.bin'), ctx);
      assert.equal(rep.method, 'FSCTL_SRV_COPYCHUNK_WRITE');
      assert.equal(sha256File(join(dir, 'holey-copy.bin')), sha256File(p));
      const held = statSync(join(dir, 'holey-copy.bin')).blocks * 512;
      const note = rep.notes?.find((n) => /is not marked sparse/.test(n));
      if (share === 'ext4') {
        // Samba's copy on ext4 writes the zeros: the copy holds every byte, as the note says.
        assert.equal(held, 16 * MiB);
        assert.match(
          note ?? '',
          new RegExp(`copied all ${16 * MiB} bytes as data: the copy holds ${16 * MiB} bytes on disk where the source holds ${MiB}`),
        );
        assert.match(note ?? '', /mark the source sparse first .*set-sparse/);
        assert.doesNotMatch(note ?? '', /`/, 'plain text: a VS Code notification shows Markdown marks as they are');
      } else {
        // XFS with reflink: the server's copy_file_range shares the extents and keeps the holes.
        assert.equal(held, MiB);
        assert.equal(note, undefined, JSON.stringify(rep.notes));
      }
    }
  });

  test('copy to another share of the server: no resume key across connections (Samba crashed on one); copied through the client', async () => {
    const p = join(btrfs.mnt, 'across.bin');
    makeDenseFile(p, 3 * MiB + 7);
    const b = createSmbBackend();
    const rep = await b.copyFile(smb.uri('btrfs', 'across.bin'), smb.uri('xfs', 'across-copy.bin'), ctx);
    assert.equal(rep.fellBack, true);
    assert.match(
      rep.fallbackReason ?? '',
      /is on another share than .*: server-side copy works within one share, so the data is copied through this client \(E_UNSUPPORTED\)\.$/,
    );
    assert.equal(sha256File(join(xfs.mnt, 'across-copy.bin')), sha256File(p));
    // the server is still there for the next request
    const again = await b.copyFile(smb.uri('xfs', 'across-copy.bin'), smb.uri('xfs', 'across-copy2.bin'), ctx);
    assert.equal(again.method, 'FSCTL_SRV_COPYCHUNK_WRITE');
    assert.equal(sha256File(join(xfs.mnt, 'across-copy2.bin')), sha256File(p));
    // The CLI's line says what happened to a copy (no clone was asked for), naming the final file, never the temporary one.
    ensureBuilt();
    const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD };
    const r = cli(['copy', smb.uri('btrfs', 'across.bin'), smb.uri('xfs', 'across-cli.bin')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^copied \(read and written: no server-side copy\) smb:\/\/.*across\.bin -> smb:\/\/.*\/xfs\/across-cli\.bin: /);
    assert.match(r.stdout, /^note: smb:\/\/.*\/xfs\/across-cli\.bin is on another share than .*: server-side copy works within one share/m);
    assert.doesNotMatch(r.stdout, /clone|\.el-[0-9a-f]+\.tmp/);
    assert.equal(sha256File(join(xfs.mnt, 'across-cli.bin')), sha256File(p));
  });

  test('duplicate extents on the btrfs share: the clone shares physical extents with the source', async () => {
    const p = join(btrfs.mnt, 'orig.bin');
    makeDenseFile(p, 6 * MiB + 4096 + 100);
    execFileSync('sync');
    const clampsBefore = smbTransport().tailClamps;
    const rep = await smbBackend().cloneFile(smb.uri('btrfs', 'orig.bin'), smb.uri('btrfs', 'clone.bin'), ctx);
    assert.equal(rep.method, 'FSCTL_DUPLICATE_EXTENTS_TO_FILE');
    // The unaligned tail went out rounded up to a cluster, Samba refused it past EOF, and the
    // transport re-sent it ending at EOF.
    assert.equal(smbTransport().tailClamps, clampsBefore + 1);
    const q = join(btrfs.mnt, 'clone.bin');
    assert.equal(sha256File(q), sha256File(p));
    execFileSync('sync');
    const map = await local().extentMap(q, undefined, ctx);
    assert.ok(map.extents.length > 0);
    assert.ok(
      map.extents.every((e) => e.flags.includes('shared')),
      JSON.stringify(map.extents.map((e) => e.flags)),
    );
    assert.match(execFileSync('filefrag', ['-v', q]).toString(), /shared/);
  });

  test('clone on a share without block refcounting: clear E_UNSUPPORTED, nothing left, copy fallback works', async () => {
    const p = join(xfs.mnt, 'noclone.bin');
    makeDenseFile(p, 1 * MiB);
    await assert.rejects(
      smbBackend().cloneFile(smb.uri('xfs', 'noclone.bin'), smb.uri('xfs', 'noclone-clone.bin'), ctx),
      (e: FsctlError) =>
        e.code === 'E_UNSUPPORTED' &&
        /BLOCK_REFCOUNTING.*"vfs objects = btrfs" \(Samba\), or allow a copy\.$/.test(e.message) &&
        e.operation === 'clone',
    );
    assert.equal(existsSync(join(xfs.mnt, 'noclone-clone.bin')), false);
    const { createEngine } = await import('../../src/engine/engine');
    const engine = createEngine();
    try {
      const rep = await engine.clone(smb.uri('xfs', 'noclone.bin'), smb.uri('xfs', 'fallback.bin'), { fallback: 'copy' });
      assert.equal(rep.fellBack, true);
      assert.match(rep.fallbackReason ?? '', /BLOCK_REFCOUNTING|E_UNSUPPORTED/);
      assert.equal(sha256File(join(xfs.mnt, 'fallback.bin')), sha256File(p));
    } finally {
      await engine.dispose();
    }
  });

  test('dedupe on a share without block refcounting: refused before any change, with what would make it work', async () => {
    for (const n of ['dup-a.bin', 'dup-b.bin']) makeDenseFile(join(xfs.mnt, n), 512 * 1024, 5);
    const sums = ['dup-a.bin', 'dup-b.bin'].map((n) => sha256File(join(xfs.mnt, n)));
    const { createEngine } = await import('../../src/engine/engine');
    const engine = createEngine();
    try {
      const plan = await engine.findDuplicates([smb.uri('xfs', 'dup-a.bin'), smb.uri('xfs', 'dup-b.bin')]);
      assert.equal(plan.groups.length, 1);
      await assert.rejects(engine.dedupe(plan), (e: FsctlError) => {
        assert.equal(e.code, 'E_UNSUPPORTED');
        assert.match(e.message, /cannot block-clone \(E_UNSUPPORTED\): nothing can be shared there, and nothing was changed; /);
        assert.match(
          e.message,
          /over SMB block cloning needs a share on ReFS or a Dev Drive \(Windows\), or on btrfs with "vfs objects = btrfs" \(Samba\)\.$/,
        );
        assert.doesNotMatch(e.message, /allow a copy/, 'a copy is no answer to dedupe');
        return true;
      });
    } finally {
      await engine.dispose();
    }
    assert.deepEqual(
      ['dup-a.bin', 'dup-b.bin'].map((n) => sha256File(join(xfs.mnt, n))),
      sums,
    );
  });

  test('misaligned clone range: a named error and the destination unchanged', async () => {
    const p = join(btrfs.mnt, 'a.bin');
    makeDenseFile(p, 1 * MiB);
    const q = join(btrfs.mnt, 'b.bin');
    makeDenseFile(q, 1 * MiB, 99);
    const before = sha256File(q);
    await assert.rejects(
      smbBackend().cloneRange(smb.uri('btrfs', 'a.bin'), 100n, smb.uri('btrfs', 'b.bin'), 0n, 8192n, {}, ctx),
      // btrfs refuses the unaligned clone (EINVAL), Samba answers STATUS_INVALID_PARAMETER.
      (e: FsctlError) =>
        /^(E_MISALIGNED|STATUS_INVALID_PARAMETER)$/.test(e.code) && /misaligned/.test(e.message) && e.operation === 'clone-range',
    );
    assert.equal(sha256File(q), before);
  });

  test("Samba's default 1 KiB clusters: a range aligned to them, refused by btrfs, is explained (use 4 KiB multiples)", async () => {
    // The same btrfs folder through a share without "block size": Samba reports 1,024-byte clusters.
    const p = join(btrfs.mnt, 'k1.bin');
    makeDenseFile(p, 1 * MiB);
    const q = join(btrfs.mnt, 'k2.bin');
    makeDenseFile(q, 1 * MiB, 99);
    const before = sha256File(q);
    const engine = createEngine();
    assert.equal((await engine.volume(smb.uri('btrfs1k', 'k1.bin'))).blockSize, 1024);
    await assert.rejects(
      engine.cloneRange(smb.uri('btrfs1k', 'k1.bin'), 1024n, smb.uri('btrfs1k', 'k2.bin'), 0n, 1024n),
      (e: FsctlError) => {
        assert.equal(e.code, 'STATUS_INVALID_PARAMETER');
        assert.match(
          e.message,
          /refused a range aligned to the 1024-byte clusters it reports; .*Samba reports 1,024 bytes unless smb\.conf sets "block size".*use offsets and a length in multiples of 4 KiB\.$/,
        );
        return true;
      },
    );
    assert.equal(sha256File(q), before);
    // at 4 KiB multiples it shares
    const r = await engine.cloneRange(smb.uri('btrfs1k', 'k1.bin'), 4096n, smb.uri('btrfs1k', 'k2.bin'), 0n, 8192n);
    assert.equal(r.bytes, 8192n);
    await engine.dispose();
  });

  test('missing file: STATUS_OBJECT_NAME_NOT_FOUND with a sentence', async () => {
    await assert.rejects(
      smbBackend().allocatedRanges(smb.uri('xfs', 'no/such/file.bin'), undefined, ctx),
      (e: FsctlError) =>
        /^STATUS_OBJECT_(PATH|NAME)_NOT_FOUND$/.test(e.code) && /does not exist/.test(e.message) && e.operation === 'ranges',
    );
    const leftovers = readdirSync(xfs.mnt).filter((n) => /tmp|partial|~/.test(n));
    assert.deepEqual(leftovers, []);
    // every command names the server's status, also those that look at the path first (a trial:
    // punch, dig-holes, set-sparse and clone-range said ENOENT where ranges and map said this)
    makeDenseFile(join(xfs.mnt, 'here.bin'), 64 * KiB);
    const engine = createEngine();
    try {
      const missing = smb.uri('xfs', 'gone.bin');
      const named = (op: string) => (e: FsctlError) =>
        e.code === 'STATUS_OBJECT_NAME_NOT_FOUND' &&
        e.message === `${op}: ${missing} does not exist on the server (STATUS_OBJECT_NAME_NOT_FOUND); check the path.`;
      await assert.rejects(engine.punch(missing, { offset: 0n, length: 4096n }), named('punch'));
      await assert.rejects(engine.setSparse(missing, true), named('set-sparse'));
      await assert.rejects(engine.digHoles(missing), named('dig-holes'));
      await assert.rejects(engine.cloneRange(smb.uri('xfs', 'here.bin'), 0n, missing, 0n, 4096n), named('clone-range'));
      await assert.rejects(engine.cloneRange(missing, 0n, smb.uri('xfs', 'here.bin'), 0n, 4096n), named('clone-range'));
    } finally {
      await engine.dispose();
    }
  });

  test('the built CLI: set-sparse --clear on a file with holes says how many bytes the file system may now allocate', async () => {
    ensureBuilt();
    const p = join(xfs.mnt, 'clear.bin');
    makeSparseFile(p, 3 * MiB, [[MiB, 12 * KiB]]);
    const uri = smb.uri('xfs', 'clear.bin');
    await smbBackend().setSparse(uri, true, ctx);
    const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD };
    const r = cli(['set-sparse', uri, '--clear'], { env });
    assert.equal(r.code, 0, r.stderr);
    const holes = 3 * MiB - 12 * KiB;
    assert.match(r.stdout, /^cleared sparse flag on smb:\/\/.*clear\.bin by FSCTL_SET_SPARSE in 1 call, /m);
    assert.ok(
      r.stdout.includes(`note: the file had ${holes} (2.99 MiB) of holes: clearing the attribute asks the file system to allocate them as zeros.`),
      r.stdout,
    );
    // Samba keeps them (as the note says)
    assert.deepEqual((await local().allocatedRanges(p, undefined, ctx)).ranges, [{ offset: BigInt(MiB), length: 12n * BigInt(KiB) }]);
    // set again, or cleared on a file without holes: no note
    const set = cli(['set-sparse', uri, '--json'], { env });
    assert.deepEqual(JSON.parse(set.stdout).notes, ['the file is now sparse'], set.stdout);
    makeDenseFile(join(xfs.mnt, 'full.bin'), MiB);
    const dense = cli(['set-sparse', smb.uri('xfs', 'full.bin'), '--clear', '--json'], { env });
    assert.equal(dense.code, 0, dense.stderr);
    assert.doesNotMatch(dense.stdout, /of holes/);
  });

  test('the built CLI takes smb:// paths: ranges --json matches the server; a bad password is a named error', async () => {
    ensureBuilt();
    assert.ok(existsSync(CLI), 'dist/cli.js was built');
    const p = join(xfs.mnt, 'cli.bin');
    makeSparseFile(p, 3 * MiB, [
      [0, 8 * KiB],
      [2 * MiB, 12 * KiB],
    ]);
    const uri = smb.uri('xfs', 'cli.bin');
    await smbBackend().setSparse(uri, true, ctx);
    const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD };
    const r = cli(['ranges', uri, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { size: string; ranges: Array<{ offset: string; length: string }> };
    const server = await local().allocatedRanges(p, undefined, ctx);
    assert.equal(j.size, String(3 * MiB));
    assert.deepEqual(
      j.ranges,
      server.ranges.map((x) => ({ offset: String(x.offset), length: String(x.length) })),
    );
    // copy to a new name and into an existing folder (the name is kept), through the engine's
    // temporary-name-then-rename, server side.
    makeDenseFile(join(btrfs.mnt, 'cli-src.bin'), 3 * MiB + 77);
    const cp = cli(['copy', smb.uri('btrfs', 'cli-src.bin'), smb.uri('btrfs', 'cli-new.bin'), '--json'], { env });
    assert.equal(cp.code, 0, cp.stderr);
    assert.equal(sha256File(join(btrfs.mnt, 'cli-new.bin')), sha256File(join(btrfs.mnt, 'cli-src.bin')));
    const again = cli(['copy', smb.uri('btrfs', 'cli-src.bin'), smb.uri('btrfs', 'cli-new.bin'), '--json'], { env });
    assert.equal(again.code, 1, 'an existing destination is not overwritten by default');
    assert.match(again.stderr + again.stdout, /E_EXISTS|exists/);
    execFileSync('install', ['-d', '-o', 'el-smbtest', join(btrfs.mnt, 'sub')]);
    const cp2 = cli(['copy', smb.uri('btrfs', 'cli-src.bin'), smb.uri('btrfs', 'sub'), '--json'], { env });
    assert.equal(cp2.code, 0, cp2.stderr);
    const cj = JSON.parse(cp2.stdout) as { method: string; bytes: string; destination: string; copied: boolean; fellBack: boolean };
    assert.equal(cj.method, 'FSCTL_SRV_COPYCHUNK_WRITE');
    assert.equal(cj.copied, true, 'copychunk copies (on the server): "copied" as for copy_file_range');
    assert.equal(cj.fellBack, false);
    // Samba with vfs_btrfs clones the chunks (every extent of the copy shared on the server):
    // the report says it may have, since SMB does not show it
    assert.match(execFileSync('filefrag', ['-v', join(btrfs.mnt, 'sub', 'cli-src.bin')], { encoding: 'utf8' }), /shared/);
    assert.ok(
      ((cj as { notes?: string[] }).notes ?? []).some((n) => /may share the source's blocks .*--reflink never/.test(n)),
      cp2.stdout,
    );
    // the XFS share reports no block refcounting, yet Samba's copy_file_range shares the blocks
    // there too (a trial): the note is given for every copy, in the words that fit
    makeDenseFile(join(xfs.mnt, 'cli-src.bin'), 2 * MiB);
    execFileSync('chown', ['el-smbtest', join(xfs.mnt, 'cli-src.bin')]);
    const cx = cli(['copy', smb.uri('xfs', 'cli-src.bin'), smb.uri('xfs', 'cli-copy.bin'), '--json'], { env });
    assert.equal(cx.code, 0, cx.stderr);
    execFileSync('sync');
    assert.match(execFileSync('filefrag', ['-v', join(xfs.mnt, 'cli-copy.bin')], { encoding: 'utf8' }), /shared/, 'Samba shared them');
    assert.ok(
      ((JSON.parse(cx.stdout) as { notes?: string[] }).notes ?? []).some((n) =>
        /^A server may share the source's blocks .*copy_file_range.*--reflink never/.test(n),
      ),
      cx.stdout,
    );
    assert.equal(cj.destination, smb.uri('btrfs', 'sub/cli-src.bin'), 'the report keeps the smb:// URI intact');
    assert.equal(cj.bytes, String(3 * MiB + 77));
    assert.equal(sha256File(join(btrfs.mnt, 'sub', 'cli-src.bin')), sha256File(join(btrfs.mnt, 'cli-src.bin')));
    assert.deepEqual(readdirSync(join(btrfs.mnt, 'sub')), ['cli-src.bin'], 'no temporary left');
    const vol = cli(['volume', smb.uri('btrfs'), '--json'], { env });
    assert.equal(vol.code, 0, vol.stderr);
    assert.equal((JSON.parse(vol.stdout) as { supportsClone: boolean }).supportsClone, true);
    // the name is the server's (Samba says NTFS for a btrfs share), and the table says so
    assert.match(cli(['volume', smb.uri('btrfs')], { env }).stdout, /^file system +NTFS \(0x[0-9a-f]+\), as the server reports it$/m);

    const bad = cli(['ranges', uri, '--json'], { env: { ...env, EXTENT_LENS_SMB_PASSWORD: 'wrong' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr + bad.stdout, /STATUS_LOGON_FAILURE/);
  });
});
