// A read-only share (Samba `read only = yes`: TREE_CONNECT's MaximalAccess lacks FILE_WRITE_DATA)
// against a real Samba: an operation that would change a file there is refused by the server
// (STATUS_ACCESS_DENIED), and the error says the share is read-only for this user rather than
// "check the share's and the file's permissions for this user, or whether the share is read-only"
// (a trial: Dig Holes, Set Sparse, Punch Hole and Block Clone Here into such a share). Reading
// there works as ever, and a refusal on a writable share keeps the general sentence.

import assert from 'node:assert/strict';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/engine';
import type { FsctlError } from '../../src/engine/errors';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, stopSamba } from '../support/samba';
import { smbUid } from './helpers';

const skip = sambaSkipReason();

describe('a read-only share (Samba)', { skip, timeout: 120000 }, () => {
  let fs: LoopFs;
  let smb: SambaServer;
  let engine: Engine;
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;

  before(async () => {
    fs = makeLoopFs('xfs', 300);
    mkdirSync(join(fs.mnt, 'd'));
    writeFileSync(join(fs.mnt, 'd', 'f.bin'), Buffer.alloc(64 * 1024, 1));
    chownSync(join(fs.mnt, 'd'), smbUid(), 0);
    chownSync(join(fs.mnt, 'd', 'f.bin'), smbUid(), 0);
    writeFileSync(join(fs.mnt, 'theirs.bin'), Buffer.alloc(64 * 1024, 2)); // root's, mode 0644: not this user's to change
    smb = await startSamba({
      shares: [
        { name: 'rw', path: fs.mnt, options: { 'block size': '4096' } },
        { name: 'ro', path: fs.mnt, options: { 'read only': 'yes', 'block size': '4096' } },
      ],
    });
    process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
    engine = createEngine();
  });
  after(async () => {
    await engine?.dispose();
    await stopSamba(smb, fs);
    if (saved === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
    else process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });

  const readOnly = (uri: string) => (e: FsctlError) => {
    assert.equal(e.code, 'STATUS_ACCESS_DENIED', e.message);
    assert.equal(
      e.message,
      `The share "ro" on 127.0.0.1:${smb.port} is read-only for this user (it grants no writing: its MaximalAccess at TREE_CONNECT lacks FILE_WRITE_DATA), so ${uri} cannot be changed there (STATUS_ACCESS_DENIED); use a share this user may write, or ask the server's administrator for write access.`,
    );
    return true;
  };

  test('set-sparse, punch and a clone into it: refused, named as a read-only share; reading works', async () => {
    const f = smb.uri('ro', 'd/f.bin');
    await assert.rejects(engine.setSparse(f, true), readOnly(f));
    await assert.rejects(engine.punch(f, { offset: 0n, length: 4096n }), readOnly(f));
    await assert.rejects(engine.copy(smb.uri('ro', 'd/f.bin'), smb.uri('ro', 'd/g.bin')), (e: FsctlError) => {
      assert.equal(e.code, 'STATUS_ACCESS_DENIED', e.message);
      assert.match(e.message, /^The share "ro" on \S+ is read-only for this user /);
      return true;
    });
    assert.equal((await engine.ranges(f)).size, 64n * 1024n);
  });

  test("on a writable share, another owner's file keeps the general sentence", async () => {
    const f = smb.uri('rw', 'theirs.bin');
    await assert.rejects(engine.setSparse(f, true), (e: FsctlError) => {
      assert.equal(e.code, 'STATUS_ACCESS_DENIED', e.message);
      assert.match(e.message, /check the share's and the file's permissions for this user, or whether the share is read-only\.$/);
      return true;
    });
  });
});
