// Block Clone Here of several files of a share into a folder on this computer (a real Samba on
// XFS, the extension with the stand-in `vscode` of the unit tests): nothing can be cloned across,
// so the copy is offered once and, accepted, every selected file is copied. A trial saw the
// first file copied and the other two left without a word (the flow's "copied" read as a stop).

import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeContext, installFakeVscode, makeFakeVscode, Uri } from '../unit/commands-fake-vscode';
import { SMB_PASSWORD, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer } from '../support/samba';
import { smbUid } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const skip = sambaSkipReason();

describe('Block Clone Here from a share into a local folder (Samba)', { skip }, () => {
  const fake = makeFakeVscode();
  const { state } = fake;
  const exec = (id: string, ...args: unknown[]) => fake.vscode.commands.executeCommand(id, ...args) as Promise<unknown>;
  let undo: () => void;
  let ext: { activate(c: unknown): unknown; deactivate(): Promise<void> };
  let xfs: LoopFs;
  let smb: SambaServer;
  let local: string;

  before(async () => {
    xfs = makeLoopFs('xfs', 512);
    smb = await startSamba({ shares: [{ name: 'x', path: xfs.mnt }] });
    undo = installFakeVscode(fake.vscode);
    ext = require('../../src/extension');
    ext.activate(fakeContext(ROOT));
    local = mkdtempSync(path.join(tmpdir(), 'el-clone-here-share-'));
  });
  after(async () => {
    for (const p of state.panels) p.dispose();
    await ext?.deactivate();
    undo?.();
    await smb?.stop();
    xfs?.cleanup();
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
});
