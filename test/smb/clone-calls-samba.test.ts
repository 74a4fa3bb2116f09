// What a clone's or copy's "calls" counts over SMB, against a real Samba on a btrfs share: the
// calls of its method only (FSCTL_DUPLICATE_EXTENTS_TO_FILE, FSCTL_SRV_COPYCHUNK_WRITE), with
// the FSCTLs made on the way (the sparse flag, the integrity settings, the resume key) counted
// apart by name ("otherCalls"). They were summed: a one-call clone said "in 3 calls"; and a copy
// read and written through the client (--reflink never) counted its sparse flag and allocated-range
// query among its READs and WRITEs, and a punch its sparse flag and the allocated-range queries
// that measure what it freed among its FSCTL_SET_ZERO_DATA.

import assert from 'node:assert/strict';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { cli, ensureBuilt } from '../cli/run-cli';
import { makeDenseFile, makeSparseFile, smbUid } from './helpers';

const skip = sambaSkipReason();
const MiB = 1024 * 1024;

describe('clone and copy over SMB: calls counts the method’s calls, the others apart', { skip, timeout: 120_000 }, () => {
  let btrfs: LoopFs;
  let smb: SambaServer;
  const env = { ...process.env, EXTENT_LENS_SMB_PASSWORD: SMB_PASSWORD };

  before(async () => {
    ensureBuilt();
    btrfs = makeLoopFs('btrfs', 256);
    makeDenseFile(join(btrfs.mnt, 'src.bin'), 3 * MiB);
    makeSparseFile(join(btrfs.mnt, 'sparse.bin'), 8 * MiB, [
      [MiB, 256 * 1024],
      [6 * MiB, 128 * 1024],
    ]);
    makeDenseFile(join(btrfs.mnt, 'punch.bin'), MiB);
    makeDenseFile(join(btrfs.mnt, 'zero.bin'), MiB);
    for (const p of [btrfs.mnt, join(btrfs.mnt, 'src.bin'), join(btrfs.mnt, 'punch.bin'), join(btrfs.mnt, 'zero.bin')]) chownSync(p, smbUid(), 0);
    smb = await startSamba({ shares: [{ name: 'btrfs', path: btrfs.mnt, options: BTRFS_CLONING }] });
  });
  after(async () => {
    await stopSamba(smb, btrfs);
  });

  test('clone: 1 FSCTL_DUPLICATE_EXTENTS_TO_FILE call, the sparse flag and integrity FSCTLs named apart', () => {
    const r = cli(['clone', smb.uri('btrfs', 'src.bin'), smb.uri('btrfs', 'c1.bin')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /by FSCTL_DUPLICATE_EXTENTS_TO_FILE in 1 call \(and 2 FSCTL_SET_SPARSE, 1 FSCTL_GET_INTEGRITY_INFORMATION\), /);
    const j = JSON.parse(cli(['clone', smb.uri('btrfs', 'src.bin'), smb.uri('btrfs', 'c2.bin'), '--json'], { env }).stdout);
    assert.equal(j.calls, 1);
    assert.deepEqual(j.otherCalls, { FSCTL_SET_SPARSE: 2, FSCTL_GET_INTEGRITY_INFORMATION: 1 });
  });

  test('server-side copy: the resume key is not a COPYCHUNK_WRITE call', () => {
    const j = JSON.parse(cli(['copy', smb.uri('btrfs', 'src.bin'), smb.uri('btrfs', 'copy.bin'), '--json'], { env }).stdout);
    assert.equal(j.method, 'FSCTL_SRV_COPYCHUNK_WRITE');
    assert.equal(j.calls, 1, '3 MiB: one request (16 chunks of 1 MiB at most)');
    assert.deepEqual(j.otherCalls, { FSCTL_SRV_REQUEST_RESUME_KEY: 1 });
  });

  test('copy --reflink never: the READs and WRITEs are its calls; the sparse flag and the allocated-range query are named apart', () => {
    assert.equal(cli(['set-sparse', smb.uri('btrfs', 'sparse.bin')], { env }).code, 0);
    const copy = (src: string, dst: string) => JSON.parse(cli(['copy', smb.uri('btrfs', src), smb.uri('btrfs', dst), '--reflink', 'never', '--json'], { env }).stdout);
    const j = copy('sparse.bin', 'rn-sparse.bin');
    assert.equal(j.method, 'sparse-copy');
    assert.equal(j.bytes, String(384 * 1024));
    assert.equal(j.calls, 4, 'two data ranges: one READ and one WRITE each');
    assert.deepEqual(j.otherCalls, { FSCTL_SET_SPARSE: 1, FSCTL_QUERY_ALLOCATED_RANGES: 1 });
    const dense = copy('src.bin', 'rn-dense.bin');
    assert.deepEqual([dense.calls, dense.otherCalls], [6, undefined], '3 MiB: three READs and three WRITEs of 1 MiB, nothing else');
  });

  test('punch and zero: one FSCTL_SET_ZERO_DATA call; the sparse flag and the allocated-range queries that measure the punch named apart', () => {
    const p = JSON.parse(cli(['punch', smb.uri('btrfs', 'punch.bin'), '64K', '128K', '--json'], { env }).stdout);
    assert.deepEqual([p.method, p.bytes], ['FSCTL_SET_ZERO_DATA', String(128 * 1024)]);
    assert.equal(p.calls, 1);
    assert.deepEqual(p.otherCalls, { FSCTL_SET_SPARSE: 1, FSCTL_QUERY_ALLOCATED_RANGES: 2 }, 'marked sparse first; allocated bytes before and after');
    const text = cli(['punch', smb.uri('btrfs', 'punch.bin'), '512K', '4K'], { env });
    assert.match(text.stdout, / by FSCTL_SET_ZERO_DATA in 1 call \(and 2 FSCTL_QUERY_ALLOCATED_RANGES\), /);
    const z = JSON.parse(cli(['zero', smb.uri('btrfs', 'zero.bin'), '0', '8K', '--json'], { env }).stdout);
    assert.deepEqual([z.method, z.calls, z.otherCalls], ['FSCTL_SET_ZERO_DATA', 1, undefined]);
  });
});
