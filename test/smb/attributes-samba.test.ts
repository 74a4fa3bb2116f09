// The DOS attributes of clones and copies made on a Samba share with its defaults
// (`hide dot files = yes`, `store dos attributes = yes`): the new file is made under a dotted
// temporary name, which Samba reports as HIDDEN and stores in user.DOSATTRIB whenever it writes
// the attributes, and setting FileBasicInformation drops its stored sparse flag. Checked with
// smbclient's allinfo and the xattr on the server's disk, plus the data (sha256), sharing
// (filefrag) and holes (du) there.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/engine/engine';
import { smbBackend } from '../../src/engine/backends/smb';
import { smbTransport } from '../../src/engine/backends/smb/transport';
import { SMB_PASSWORD, SMB_USER, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { ctx, makeDenseFile, makeSparseFile, sha256File, useSmbPassword } from './helpers';

const skip = sambaSkipReason();
const MiB = 1024 * 1024;
const [READONLY, HIDDEN, ARCHIVE, SPARSE] = [0x1, 0x2, 0x20, 0x200];

describe('attributes of clones and copies on a Samba share with hide dot files', { skip }, () => {
  let btrfs: LoopFs;
  let xfs: LoopFs;
  let smb: SambaServer;
  useSmbPassword();

  before(async () => {
    btrfs = makeLoopFs('btrfs', 320);
    xfs = makeLoopFs('xfs', 320);
    smb = await startSamba({
      shares: [
        { name: 'btrfs', path: btrfs.mnt, options: BTRFS_CLONING },
        { name: 'xfs', path: xfs.mnt, options: { 'block size': '4096' } },
      ],
    });
  });

  after(async () => {
    await stopSamba(smb, btrfs, xfs);
  });

  /** The attributes smbclient's allinfo shows (its own SMB client, a fresh connection). */
  function allinfo(share: string, name: string): number {
    const out = execFileSync(
      'smbclient',
      [`//127.0.0.1/${share}`, '-p', String(smb.port), '-U', `${SMB_USER}%${SMB_PASSWORD}`, '-c', `allinfo "${name}"`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).toString();
    const m = /attributes: .*\(([0-9a-f]+)\)/.exec(out);
    assert.ok(m, out);
    return parseInt(m[1], 16);
  }
  /** The attributes Samba stored in the file's user.DOSATTRIB (version 5: the attribute word at byte 12). */
  function stored(path: string): number {
    const hex = execFileSync('getfattr', ['--absolute-names', '-n', 'user.DOSATTRIB', '-e', 'hex', path]).toString().split('=')[1].trim();
    return Buffer.from(hex.slice(2), 'hex').readUInt32LE(12);
  }
  async function setAttributes(uri: string, attrs: number): Promise<void> {
    const t = smbTransport();
    const h = await t.open(uri, { access: 'read-write', disposition: 'open' });
    await t.setBasicInfo(h, { creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n, fileAttributes: attrs });
    await t.close(h);
  }
  const allocated = (p: string) => statSync(p).blocks * 512;

  test("the test's Samba hides dot files (its default)", () => {
    const conf = execFileSync('testparm', ['-s', '-v', join(smb.dir, 'smb.conf')], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    assert.match(conf, /hide dot files = Yes/);
    assert.match(conf, /store dos attributes = Yes/);
  });

  test('whole-file clone: the source attributes, no HIDDEN; shared extents and equal bytes on the server', async () => {
    makeDenseFile(join(btrfs.mnt, 'src.bin'), 2 * MiB);
    const before = allinfo('btrfs', 'src.bin');
    const r = await createEngine().clone(smb.uri('btrfs', 'src.bin'), smb.uri('btrfs', 'w-clone.bin'));
    assert.equal(r.method, 'FSCTL_DUPLICATE_EXTENTS_TO_FILE');
    assert.equal(allinfo('btrfs', 'w-clone.bin'), before);
    assert.equal(stored(join(btrfs.mnt, 'w-clone.bin')) & HIDDEN, 0);
    assert.equal(sha256File(join(btrfs.mnt, 'w-clone.bin')), sha256File(join(btrfs.mnt, 'src.bin')));
    assert.match(execFileSync('filefrag', ['-v', join(btrfs.mnt, 'w-clone.bin')]).toString(), /shared/);
  });

  test('clone of a sparse source stays sparse, holes kept, no HIDDEN', async () => {
    const p = join(btrfs.mnt, 'sp.bin');
    makeSparseFile(p, 16 * MiB, [
      [0, 64 * 1024],
      [8 * MiB, 64 * 1024],
    ]);
    await smbBackend().setSparse(smb.uri('btrfs', 'sp.bin'), true, ctx);
    const r = await createEngine().clone(smb.uri('btrfs', 'sp.bin'), smb.uri('btrfs', 'sp-clone.bin'));
    assert.ok(
      r.notes?.some((n) => /sparse source, destination kept sparse/.test(n)),
      String(r.notes),
    );
    const a = allinfo('btrfs', 'sp-clone.bin');
    assert.equal(a & SPARSE, SPARSE, `attributes 0x${a.toString(16)}`);
    assert.equal(a & HIDDEN, 0, `attributes 0x${a.toString(16)}`);
    assert.equal(stored(join(btrfs.mnt, 'sp-clone.bin')) & (SPARSE | HIDDEN), SPARSE);
    assert.equal(sha256File(join(btrfs.mnt, 'sp-clone.bin')), sha256File(p));
    assert.ok(allocated(join(btrfs.mnt, 'sp-clone.bin')) <= 1 * MiB, 'holes kept');
  });

  test('clone of a read-only source is read-only, not hidden', async () => {
    makeDenseFile(join(btrfs.mnt, 'ro.bin'), 1 * MiB);
    await setAttributes(smb.uri('btrfs', 'ro.bin'), READONLY | ARCHIVE);
    await createEngine().clone(smb.uri('btrfs', 'ro.bin'), smb.uri('btrfs', 'ro-clone.bin'));
    assert.equal(allinfo('btrfs', 'ro-clone.bin'), READONLY | ARCHIVE);
  });

  test('clone of a hidden source stays hidden', async () => {
    makeDenseFile(join(btrfs.mnt, 'hid.bin'), 1 * MiB);
    await setAttributes(smb.uri('btrfs', 'hid.bin'), HIDDEN | ARCHIVE);
    await createEngine().clone(smb.uri('btrfs', 'hid.bin'), smb.uri('btrfs', 'hid-clone.bin'));
    assert.equal(allinfo('btrfs', 'hid-clone.bin'), HIDDEN | ARCHIVE);
  });

  test('server-side copy of a sparse source (XFS): sparse, holes kept, not hidden; of a dense one: A', async () => {
    const p = join(xfs.mnt, 'holey.bin');
    makeSparseFile(p, 16 * MiB, [
      [0, 64 * 1024],
      [8 * MiB, 64 * 1024],
    ]);
    await smbBackend().setSparse(smb.uri('xfs', 'holey.bin'), true, ctx);
    const r = await createEngine().copy(smb.uri('xfs', 'holey.bin'), smb.uri('xfs', 'holey-copy.bin'));
    assert.equal(r.method, 'FSCTL_SRV_COPYCHUNK_WRITE');
    assert.equal(allinfo('xfs', 'holey-copy.bin'), ARCHIVE | SPARSE);
    assert.equal(sha256File(join(xfs.mnt, 'holey-copy.bin')), sha256File(p));
    assert.ok(allocated(join(xfs.mnt, 'holey-copy.bin')) <= 1 * MiB, 'holes kept');

    makeDenseFile(join(xfs.mnt, 'd.bin'), 1 * MiB);
    await createEngine().copy(smb.uri('xfs', 'd.bin'), smb.uri('xfs', 'd-copy.bin'));
    assert.equal(allinfo('xfs', 'd-copy.bin'), ARCHIVE);
  });

  test('hole-keeping read/write copy of a sparse source: sparse, not hidden', async () => {
    const r = await smbBackend().sparseCopy!(smb.uri('xfs', 'holey.bin'), smb.uri('xfs', '.el-0123456789ab.tmp'), ctx);
    assert.equal(r.method, 'sparse-copy');
    await smbBackend().rename!(smb.uri('xfs', '.el-0123456789ab.tmp'), smb.uri('xfs', 'rw-copy.bin'), false);
    assert.equal(allinfo('xfs', 'rw-copy.bin'), ARCHIVE | SPARSE);
    assert.equal(sha256File(join(xfs.mnt, 'rw-copy.bin')), sha256File(join(xfs.mnt, 'holey.bin')));
  });
});
