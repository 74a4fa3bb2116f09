// engine.space and `extent-lens space` on a share whose files the server would not let the user
// delete: a read-only btrfs snapshot exposed in the share (the user's files: Samba answers
// STATUS_MEDIA_WRITE_PROTECTED), one of root's (STATUS_ACCESS_DENIED: the folder is root's) and a
// file marked read-only (smbclient setmode +r: STATUS_CANNOT_DELETE). A trial counted them all as
// freed by deleting ("frees up to 54 MiB" where only 28 MiB could be deleted). Now their bytes
// are left out of the upper figure and a note names them and the NT status; smbclient's `del`
// answers the same statuses.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/engine';
import { SMB_PASSWORD, SMB_USER, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, BTRFS_CLONING, stopSamba } from '../support/samba';
import { makeDenseFile, smbUid, useSmbPassword } from './helpers';
import { cli, ensureBuilt } from '../cli/run-cli';

const MiB = 1024 * 1024;

describe('space over SMB: files the server would not delete (Samba, btrfs)', { skip: sambaSkipReason(), timeout: 120_000 }, () => {
  let fs: LoopFs;
  let smb: SambaServer;
  useSmbPassword();

  const smbclient = (cmd: string): string => {
    const r = spawnSync('smbclient', [`//127.0.0.1/d`, '-p', String(smb.port), '-U', `${SMB_USER}%${SMB_PASSWORD}`, '-c', cmd], {
      encoding: 'utf8',
    });
    return r.stdout + r.stderr;
  };

  before(async () => {
    ensureBuilt();
    fs = makeLoopFs('btrfs', 200);
    execFileSync('btrfs', ['subvolume', 'create', join(fs.mnt, 'vol')], { stdio: 'ignore' });
    mkdirSync(join(fs.mnt, 'vol', 'root-only'));
    for (const [n, seed] of [
      ['vol/a.bin', 1],
      ['vol/b.bin', 2],
    ] as const) {
      makeDenseFile(join(fs.mnt, n), 2 * MiB, seed);
      chownSync(join(fs.mnt, n), smbUid(), 0);
    }
    makeDenseFile(join(fs.mnt, 'vol/root-only/r.bin'), MiB, 3); // root's, in root's 0755 folder
    chownSync(join(fs.mnt, 'vol'), smbUid(), 0);
    execFileSync('btrfs', ['subvolume', 'snapshot', '-r', join(fs.mnt, 'vol'), join(fs.mnt, 'snap')], { stdio: 'ignore' });
    makeDenseFile(join(fs.mnt, 'vol/ro.bin'), MiB, 4);
    chownSync(join(fs.mnt, 'vol/ro.bin'), smbUid(), 0);
    execFileSync('sync');
    smb = await startSamba({ shares: [{ name: 'd', path: fs.mnt, options: BTRFS_CLONING }] });
    assert.match(smbclient('setmode vol/ro.bin +r'), /^(?![\s\S]*NT_STATUS)/);
  });

  after(async () => {
    await stopSamba(smb, fs);
  });

  test('the snapshot, root’s file and the read-only file are left out of what deleting frees, named with their status', async () => {
    const engine = createEngine();
    try {
      const r = await engine.space([smb.uri('d')]);
      assert.deepEqual(r.errors, []);
      assert.equal(r.total.files, 2 * 3 + 1); // vol: a, b, root-only/r, ro; snap: a, b, root-only/r
      const deletable = 4n * BigInt(MiB); // vol/a.bin and vol/b.bin
      assert.equal(r.total.allocated, 2n * (deletable + BigInt(MiB)) + BigInt(MiB));
      assert.ok(
        r.total.reclaimableMax <= deletable,
        `frees at most the deletable files' ${deletable} bytes, not ${r.total.reclaimableMax}`,
      );
      const notes = r.fileSystems.flatMap((s) => s.notes).join('\n');
      assert.match(notes, /5 files of the selection the server would not let this user delete \(/);
      assert.match(notes, /2: STATUS_MEDIA_WRITE_PROTECTED, a read-only file system there: a read-only snapshot/);
      assert.match(notes, /2: STATUS_ACCESS_DENIED, no permission to delete/);
      assert.match(notes, /1: STATUS_CANNOT_DELETE, marked read-only/);
      // snap/a.bin, snap/b.bin (2 MiB each), the two root-only/r.bin and vol/ro.bin (1 MiB each)
      assert.match(notes, new RegExp(`leaves their ${7 * MiB} bytes out`));
    } finally {
      await engine.dispose();
    }
    // what smbclient's del meets on the same files (nothing is deleted)
    assert.match(smbclient('del snap/a.bin'), /NT_STATUS_MEDIA_WRITE_PROTECTED/);
    assert.match(smbclient('del vol/root-only/r.bin'), /NT_STATUS_ACCESS_DENIED/);
    assert.match(smbclient('del vol/ro.bin'), /NT_STATUS_CANNOT_DELETE/);
    for (const n of ['snap/a.bin', 'vol/root-only/r.bin', 'vol/ro.bin', 'vol/a.bin']) assert.ok(existsSync(join(fs.mnt, n)), n);
  });

  test('the CLI: the upper figure and the note', () => {
    const r = cli(['space', smb.uri('d', 'vol'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { total: { reclaimableMax: string }; fileSystems: { notes: string[] }[] };
    assert.equal(j.total.reclaimableMax, String(4 * MiB));
    assert.match(j.fileSystems[0].notes.join('\n'), /2 files of the selection the server would not let this user delete/);
    const h = cli(['space', smb.uri('d', 'snap')]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /deleting it frees about 0 bytes \(/);
    assert.match(
      h.stdout,
      /note: smb: Deleting these files frees nothing: the server would not let this user delete any of them \(below\)\.\n/,
    );
    assert.match(h.stdout, /note: smb: 3 files of the selection the server would not let this user delete/);
  });
});
