// Block Clone Here of several files of a share into a folder on this computer (a real Samba on
// XFS, the extension with the stand-in `vscode` of the unit tests): nothing can be cloned across,
// so the copy is offered once and, accepted, every selected file is copied. A trial saw the
// first file copied and the other two left without a word (the flow's "copied" read as a stop).
// Between two shares of that one XFS: the refusal says they are different shares, not "x (NTFS)
// and y (NTFS) are on different file systems" (a trial, two shares of one btrfs volume).

import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Uri } from '../support/fake-vscode';
import { FakeExtension } from '../support/fake-extension';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer, stopSamba } from '../support/samba';
import { smbUid } from './helpers';

const skip = sambaSkipReason();

describe('Block Clone Here from a share into a local folder (Samba)', { skip }, () => {
  const host = new FakeExtension();
  const { fake, state, exec } = host;
  let xfs: LoopFs;
  let smb: SambaServer;
  let local: string;

  before(async () => {
    xfs = makeLoopFs('xfs', 512);
    smb = await startSamba({
      shares: [
        { name: 'x', path: xfs.mnt },
        { name: 'y', path: xfs.mnt },
      ],
    });
    host.activate();
    local = mkdtempSync(path.join(tmpdir(), 'el-clone-here-share-'));
  });
  after(async () => {
    await host.close();
    await stopSamba(smb, xfs);
    if (local) rmSync(local, { recursive: true, force: true });
  });

  test('three files: the copy is offered once, and all three are copied', async () => {
    const names = ['a.bin', 'b.bin', 'c.bin'];
    const d = path.join(xfs.mnt, 'src');
    mkdirSync(d);
    chownSync(d, smbUid(), 0);
    for (const [i, n] of names.entries()) {
      writeFileSync(path.join(d, n), Buffer.alloc(64 * 1024 + i, i + 1));
      chownSync(path.join(d, n), smbUid(), 0);
    }
    const into = path.join(local, 'into');
    mkdirSync(into);
    state.answers = [{ match: /one is on an SMB share/, answer: 'Copy instead (holes are not kept)' }];
    state.inputAnswers = [SMB_PASSWORD];
    await exec('extentLens.cloneHere', Uri.file(into), undefined, { sources: names.map((n) => smb.uri('x', `src/${n}`)) });
    state.answers = [];
    assert.deepEqual(readdirSync(into).sort(), names);
    for (const n of names) assert.ok(readFileSync(path.join(into, n)).equals(readFileSync(path.join(d, n))), n);
    const offers = state.messages.filter((m) => /one is on an SMB share/.test(m.text));
    assert.equal(offers.length, 1, 'asked once for the selection');
    const stopped = state.messages.filter((m) => /stopped at/.test(m.text));
    assert.deepEqual(stopped, []);
  });

  test('a taken name, Rename, then the copy: "name (copy).ext" (the copy across is named as every copy), the old file kept', async () => {
    const d = path.join(xfs.mnt, 'taken');
    mkdirSync(d);
    chownSync(d, smbUid(), 0);
    writeFileSync(path.join(d, 'a.bin'), Buffer.alloc(64 * 1024, 9));
    chownSync(path.join(d, 'a.bin'), smbUid(), 0);
    const into = path.join(local, 'taken-into');
    mkdirSync(into);
    writeFileSync(path.join(into, 'a.bin'), 'old');
    const before = state.messages.length;
    state.answers = [
      { match: /already exists/, answer: 'Rename' },
      { match: /one is on an SMB share/, answer: 'Copy instead (holes are not kept)' },
    ];
    state.inputAnswers = [SMB_PASSWORD];
    try {
      await exec('extentLens.cloneHere', Uri.file(into), undefined, { sources: [smb.uri('x', 'taken/a.bin')] });
    } finally {
      state.answers = [];
    }
    // (it failed with EEXIST: the name taken was written to, without replacing, and refused)
    assert.deepEqual(readdirSync(into).sort(), ['a (copy).bin', 'a.bin'], JSON.stringify(state.messages.slice(before)));
    assert.equal(readFileSync(path.join(into, 'a.bin'), 'utf8'), 'old');
    assert.ok(readFileSync(path.join(into, 'a (copy).bin')).equals(readFileSync(path.join(d, 'a.bin'))));
    const asked = state.messageOptions.filter((m) => /already exists/.test(m.text)).at(-1);
    assert.match(String(asked?.options.detail), /"\(copy\)" name/, 'the question says what is made: a copy');
    const done = state.messages.slice(before).find((m) => /^Copied /.test(m.text));
    assert.match(done?.text ?? '', /a \(copy\)\.bin/);
  });

  test('into another share of the same file system: the refusal names the two shares; declined, nothing is made', async () => {
    const d = path.join(xfs.mnt, 'two');
    mkdirSync(path.join(d, 'into'), { recursive: true });
    writeFileSync(path.join(d, 'one.bin'), Buffer.alloc(64 * 1024, 7));
    chownSync(d, smbUid(), 0);
    chownSync(path.join(d, 'into'), smbUid(), 0);
    chownSync(path.join(d, 'one.bin'), smbUid(), 0);
    const before = state.messages.length;
    // the stand-in `vscode` has no file systems but the disk's: the share's folder is one
    const wfs = fake.vscode.workspace.fs as unknown as Record<string, unknown>;
    wfs.stat = async () => ({ type: 2 /* FileType.Directory */ });
    const U = fake.vscode.Uri as unknown as Record<string, unknown>;
    U.from = (parts: object) => parts;
    state.answers = [{ match: /.*/, answer: undefined }];
    state.inputAnswers = [SMB_PASSWORD, SMB_PASSWORD];
    await exec('extentLens.cloneHere', smb.uri('y', 'two/into'), undefined, { sources: [smb.uri('x', 'two/one.bin')] });
    state.answers = [];
    const offer = state.messages.slice(before).find((m) => m.items.includes('Copy instead (keeps holes)'));
    assert.ok(offer, JSON.stringify(state.messages.slice(before)));
    assert.equal(
      offer.text,
      `one.bin and ${smb.uri('y', 'two/into')} are in different SMB shares (x and y): a block clone over SMB shares blocks only within one share, even where two shares lie on one file system of the server (EXDEV).`,
    );
    assert.deepEqual(readdirSync(path.join(d, 'into')), []);
    delete wfs.stat;
    delete U.from;
  });
});
