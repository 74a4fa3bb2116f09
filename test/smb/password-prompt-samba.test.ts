// The password a request asks for (no password in the keychain: after a reload, or after Forget
// SMB Password) goes to the keychain only once the server accepted it. A trial in code-server: a
// mistyped password in that prompt was stored at once, and every later request of the window
// failed with STATUS_LOGON_FAILURE without asking again, until Forget SMB Password.

import assert from 'node:assert/strict';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeExtension } from '../support/fake-extension';
import {
  SMB_PASSWORD,
  SMB_USER,
  makeLoopFs,
  sambaSkipReason,
  startSamba,
  type LoopFs,
  type SambaServer,
  stopSamba,
} from '../support/samba';
import { smbUid } from './helpers';

const skip = sambaSkipReason();

describe('the password prompt of a request (Samba)', { skip, timeout: 120000 }, () => {
  const host = new FakeExtension();
  const { state, exec, context } = host;
  let fs: LoopFs;
  let smb: SambaServer;
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;

  before(async () => {
    delete process.env.EXTENT_LENS_SMB_PASSWORD; // only what the prompt gives
    fs = makeLoopFs('xfs', 300);
    writeFileSync(join(fs.mnt, 'f.bin'), Buffer.alloc(64 * 1024, 1));
    chownSync(join(fs.mnt, 'f.bin'), smbUid(), 0);
    smb = await startSamba({ shares: [{ name: 'a', path: fs.mnt }] });
    host.activate();
  });
  after(async () => {
    await host.close();
    await stopSamba(smb, fs);
    if (saved !== undefined) process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });

  test('a refused password is not kept and the next request asks again; an accepted one is kept', async () => {
    const key = `extentLens.smb.${SMB_USER}@127.0.0.1:${smb.port}`;
    const uri = smb.uri('a', 'f.bin');
    state.inputAnswers = ['not-the-password'];
    assert.equal(await exec('extentLens.showVolume', uri), undefined);
    assert.deepEqual(state.inputAnswers, [], 'the prompt was asked');
    assert.ok(
      state.messages.some((m) => m.level === 'error' && /STATUS_LOGON_FAILURE/.test(m.text)),
      JSON.stringify(state.messages),
    );
    assert.equal(await context.secrets.get(key), undefined, 'the refused password is not in the keychain');

    state.inputAnswers = [SMB_PASSWORD];
    const volume = (await exec('extentLens.showVolume', uri)) as { blockSize?: number } | undefined;
    assert.deepEqual(state.inputAnswers, [], 'asked again');
    assert.ok(volume?.blockSize, JSON.stringify(state.messages.slice(-2)));
    assert.equal(await context.secrets.get(key), SMB_PASSWORD);
  });

  test('the prompt names the account with its domain: the keychain keeps one password per DOMAIN\\user', async () => {
    const uri = smb.uri('a', 'f.bin').replace('smb://', 'smb://WORKGROUP;');
    const before = state.inputBoxes.length;
    state.inputAnswers = [SMB_PASSWORD];
    assert.ok(await exec('extentLens.showVolume', uri));
    const asked = state.inputBoxes.slice(before);
    assert.equal(asked.length, 1, JSON.stringify(asked));
    assert.equal(asked[0].prompt, `Password for WORKGROUP\\${SMB_USER} on 127.0.0.1 (kept in the system keychain).`);
    assert.equal(await context.secrets.get(`extentLens.smb.WORKGROUP\\${SMB_USER}@127.0.0.1:${smb.port}`), SMB_PASSWORD);
  });
});
