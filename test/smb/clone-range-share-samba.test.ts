// Clone Range on a share that cannot clone (a real Samba on XFS without vfs_btrfs, the extension
// with the stand-in `vscode`): a trial was offered "Copy the Range Instead", answered every
// question and confirmed "Copy the Range", and only then was refused: "… A copy fallback is not
// available on SMB paths (E_UNSUPPORTED)". The engine copies no range over SMB, so nothing is
// offered: one error, before any question, and the file is unchanged.

import assert from 'node:assert/strict';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeExtension } from '../support/fake-extension';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, stopSamba } from '../support/samba';
import { smbUid } from './helpers';

const skip = sambaSkipReason();

describe('Clone Range on a share that cannot clone (Samba on XFS)', { skip }, () => {
  const host = new FakeExtension();
  const { state, exec } = host;
  let xfs: LoopFs;
  let smb: SambaServer;

  before(async () => {
    xfs = makeLoopFs('xfs', 300);
    smb = await startSamba({ shares: [{ name: 'x', path: xfs.mnt, options: { 'block size': '4096' } }] });
    host.activate();
  });
  after(async () => {
    await host.close();
    await stopSamba(smb, xfs);
  });

  test('no copy is offered: one error before any question; the file is unchanged', async () => {
    const f = path.join(xfs.mnt, 'disk.img');
    const data = Buffer.alloc(256 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    writeFileSync(f, data);
    chownSync(f, smbUid(), 0);
    const before = state.messages.length;
    state.inputAnswers = [SMB_PASSWORD];
    state.answers = [{ match: /.*/, answer: 'Copy the Range Instead' }];
    const r = await exec('extentLens.cloneRange', smb.uri('x', 'disk.img'));
    state.answers = [];
    assert.equal(r, undefined);
    const said = state.messages.slice(before);
    assert.deepEqual(
      said.map((m) => [m.level, m.items]),
      [['error', []]],
      JSON.stringify(said),
    );
    assert.match(
      said[0].text,
      /^disk\.img cannot be cloned: its share cannot share blocks\. The volume \(NTFS\) does not report FILE_SUPPORTS_BLOCK_REFCOUNTING .*\(or a server share that supports it\)\. A range cannot be copied into place over SMB either: clone ranges on a share that clones /,
    );
    assert.deepEqual(state.inputAnswers, [], 'the password was asked, nothing else');
    assert.ok(readFileSync(f).equals(data), 'unchanged');
  });
});
