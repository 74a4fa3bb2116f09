// Commands that change a file or fill a folder on a share the user may not change (a real Samba:
// a read-only share, a file another client holds open without sharing): the server's refusal
// comes before any question. A trial in code-server: Punch Hole on a read-only share asked the
// offset, the length and the confirmation, then failed; Block Clone Here into a read-only share's
// folder offered "Copy instead" and, accepted, failed. VS Code offers these commands there (its
// Explorer does not stat a folder's children, so they do not show read-only), so the commands
// themselves ask the server first (SmbFileApi.checkWritable).

import assert from 'node:assert/strict';
import { chownSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { smbFileApi } from '../../src/engine/backends/smb/files';
import { clientFor } from '../../src/engine/backends/smb/protocol/pool';
import { parseSmbUri } from '../../src/engine/backends/smb/protocol/uri';
import { Access } from '../../src/engine/backends/smb/protocol/messages';
import { FakeExtension } from '../support/fake-extension';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, stopSamba } from '../support/samba';
import { smbUid } from './helpers';

const skip = sambaSkipReason();

describe('changing commands on a share this user may not change (Samba)', { skip, timeout: 120000 }, () => {
  const host = new FakeExtension();
  const { fake, state, exec } = host;
  let fs: LoopFs;
  let smb: SambaServer;
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;
  const readOnlySentence = (uri: string) =>
    `The share "ro" on 127.0.0.1:${smb.port} is read-only for this user (it grants no writing: its MaximalAccess at TREE_CONNECT lacks FILE_WRITE_DATA), so ${uri} cannot be changed there (STATUS_ACCESS_DENIED); use a share this user may write, or ask the server's administrator for write access.`;

  before(async () => {
    fs = makeLoopFs('btrfs', 256);
    mkdirSync(join(fs.mnt, 'into'));
    writeFileSync(join(fs.mnt, 'f.bin'), Buffer.alloc(64 * 1024, 1));
    writeFileSync(join(fs.mnt, 'held.bin'), Buffer.alloc(64 * 1024, 2));
    for (const n of ['into', 'f.bin', 'held.bin']) chownSync(join(fs.mnt, n), smbUid(), 0);
    smb = await startSamba({
      shares: [
        { name: 'rw', path: fs.mnt, options: { 'vfs objects': 'btrfs', 'block size': '4096' } },
        { name: 'ro', path: fs.mnt, options: { 'read only': 'yes', 'vfs objects': 'btrfs', 'block size': '4096' } },
      ],
    });
    process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD; // the engine's own client (checkWritable below)
    host.activate();
  });
  after(async () => {
    await host.close();
    await stopSamba(smb, fs);
    if (saved === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
    else process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });

  test('checkWritable: a writable file and folder pass; on a read-only share both are refused by name', async () => {
    await smbFileApi.checkWritable(smb.uri('rw', 'f.bin'));
    await smbFileApi.checkWritable(smb.uri('rw', 'into'));
    for (const uri of [smb.uri('ro', 'f.bin'), smb.uri('ro', 'into')])
      await assert.rejects(smbFileApi.checkWritable(uri), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'STATUS_ACCESS_DENIED');
        assert.equal(e.message, readOnlySentence(uri));
        return true;
      });
    assert.deepEqual(readdirSync(join(fs.mnt, 'into')), [], 'nothing made');
  });

  test('checkWritable: a file another client holds open without sharing is STATUS_SHARING_VIOLATION', async () => {
    const uri = smb.uri('rw', 'held.bin');
    // another session (a domain spelling of the user is a connection of its own) holds it
    const other = smb.uri('rw', 'held.bin').replace('smb://', 'smb://WORKGROUP;');
    const c = await clientFor(parseSmbUri(other));
    const h = await c.create(
      { name: 'held.bin', desiredAccess: Access.FILE_READ_DATA | Access.SYNCHRONIZE, disposition: 1, options: 0x40, shareAccess: 0 },
      other,
    );
    try {
      await assert.rejects(smbFileApi.checkWritable(uri), (e: Error & { code?: string }) => e.code === 'STATUS_SHARING_VIOLATION');
    } finally {
      await c.close(h.fileId, other);
    }
    await smbFileApi.checkWritable(uri);
  });

  test('Punch Hole on a read-only share: refused before the offset is asked', async () => {
    const uri = smb.uri('ro', 'f.bin');
    const before = state.messages.length;
    state.inputAnswers = [SMB_PASSWORD, '0', '4096'];
    state.answers = [{ match: /Deallocate|Punch/, answer: 'Punch Hole' }];
    const report = await exec('extentLens.punchHole', uri);
    state.answers = [];
    const shown = state.messages.slice(before);
    assert.equal(report, undefined);
    assert.ok(!shown.some((m) => /Deallocate|Punch a hole of/.test(m.text)), `no confirmation: ${JSON.stringify(shown)}`);
    assert.ok(
      state.inputAnswers.includes('0') && state.inputAnswers.includes('4096'),
      `no offset or length asked: ${JSON.stringify(state.inputAnswers)}`,
    );
    assert.ok(
      shown.some((m) => m.level === 'error' && m.text.includes(readOnlySentence(uri))),
      JSON.stringify(shown),
    );
    state.inputAnswers = [];
    assert.ok(readFileSync(join(fs.mnt, 'f.bin')).equals(Buffer.alloc(64 * 1024, 1)));
  });

  test('Clone Range within a file of a read-only share: refused once the destination is chosen, before its offset', async () => {
    const uri = smb.uri('ro', 'f.bin');
    const before = state.messages.length;
    state.inputAnswers = [SMB_PASSWORD, '0', '32768', '4096'];
    state.quickPickAnswers = ['Same file'];
    state.answers = [{ match: /Replace bytes|Clone bytes/, answer: 'Clone Range' }];
    try {
      await exec('extentLens.cloneRange', uri);
    } finally {
      state.answers = [];
    }
    const shown = state.messages.slice(before);
    assert.ok(!shown.some((m) => /Replace bytes|Clone bytes/.test(m.text)), `no confirmation: ${JSON.stringify(shown)}`);
    assert.deepEqual(state.inputAnswers.slice(-2), ['32768', '4096'], 'no destination offset or length asked');
    assert.ok(
      shown.some((m) => m.level === 'error' && m.text.includes(readOnlySentence(uri))),
      JSON.stringify(shown),
    );
    state.inputAnswers = [];
    state.quickPickAnswers = [];
    assert.ok(readFileSync(join(fs.mnt, 'f.bin')).equals(Buffer.alloc(64 * 1024, 1)));
  });

  test('Block Clone Here into a folder of a read-only share: refused, no copy offered', async () => {
    const folder = smb.uri('ro', 'into');
    const before = state.messages.length;
    // the stand-in `vscode` has no file systems but the disk's: the share's folder is one
    const wfs = fake.vscode.workspace.fs as unknown as Record<string, unknown>;
    wfs.stat = async () => ({ type: 2 /* FileType.Directory */ });
    const U = fake.vscode.Uri as unknown as Record<string, unknown>;
    U.from = (parts: object) => parts;
    state.inputAnswers = [SMB_PASSWORD, SMB_PASSWORD];
    state.answers = [{ match: /.*/, answer: 'Copy instead (keeps holes)' }];
    try {
      await exec('extentLens.cloneHere', folder, undefined, { sources: [smb.uri('rw', 'f.bin')] });
    } finally {
      state.answers = [];
      state.inputAnswers = [];
      delete wfs.stat;
      delete U.from;
    }
    const shown = state.messages.slice(before);
    assert.ok(!shown.some((m) => m.items.some((i) => /Copy instead/.test(i))), `no copy offered: ${JSON.stringify(shown)}`);
    assert.ok(
      shown.some((m) => m.level === 'error' && m.text.includes(readOnlySentence(folder))),
      JSON.stringify(shown),
    );
    assert.deepEqual(readdirSync(join(fs.mnt, 'into')), []);
  });
});
