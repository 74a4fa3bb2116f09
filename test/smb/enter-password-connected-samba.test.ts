// "Enter SMB Password..." on a share that is already connected (a real Samba). A trial: the
// listing that followed reused the pooled session, so any answer, a wrong one too, "connected"
// in silence and was first used, and refused, at some later reconnection. The password is now
// used at once: the account's connections are made again with it, so the server says now.

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

interface Listing {
  readDirectory(uri: unknown): Promise<Array<[string, number]>>;
  stat(uri: unknown): Promise<unknown>;
}

describe('Enter SMB Password... while the share is connected (Samba)', { skip, timeout: 120000 }, () => {
  const host = new FakeExtension();
  const { fake, state, exec, context } = host;
  let fs: LoopFs;
  let smb: SambaServer;
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;
  /** The share's root (or a path inside it) as a vscode.Uri (the stand-in's Uri has no authority). */
  const shareUri = (inside = '') => {
    const u = new URL(smb.uri('data'));
    return {
      scheme: 'smb',
      authority: `${u.username}@${u.host}`,
      path: `/data${inside}`,
      fsPath: `/data${inside}`,
      query: '',
      fragment: '',
      toString: () => smb.uri('data') + inside,
    };
  };
  const fileUri = () => shareUri('/f.txt');

  before(async () => {
    delete process.env.EXTENT_LENS_SMB_PASSWORD; // only what the keychain and the question give
    fs = makeLoopFs('btrfs', 256);
    writeFileSync(join(fs.mnt, 'f.txt'), 'hello\n');
    chownSync(join(fs.mnt, 'f.txt'), smbUid(), 0);
    smb = await startSamba({ shares: [{ name: 'data', path: fs.mnt }] });
    host.activate();
    // the workspace's folder is the share, listed through the extension's smb: provider, as VS Code does
    const folder = shareUri();
    (fake.vscode.workspace as { workspaceFolders?: unknown }).workspaceFolders = [{ uri: folder, name: 'data', index: 0 }];
    // Another request of the window connects first each time (in code-server, the Explorer's
    // watch reconnecting): a refusal it meets must not make the command's own listing fall back
    // to the keychain's password and say the answer was accepted (a trial).
    const provider = () => state.fileSystems.get('smb') as Listing;
    (fake.vscode.workspace.fs as unknown as { readDirectory: Listing['readDirectory'] }).readDirectory = async (u) => {
      await provider()
        .stat(fileUri())
        .catch(() => undefined);
      return provider().readDirectory(u);
    };
  });
  after(async () => {
    await host.close();
    await stopSamba(smb, fs);
    if (saved !== undefined) process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });

  test('a wrong password entered is refused at once, and the right one connects with it', async () => {
    const key = `extentLens.smb.${SMB_USER}@127.0.0.1:${smb.port}`;
    const listing = () => (state.fileSystems.get('smb') as Listing).readDirectory(shareUri());
    await context.secrets.store(key, SMB_PASSWORD);
    assert.deepEqual(
      (await listing()).map(([name]) => name),
      ['f.txt'],
      'connected with the stored password',
    );

    state.inputAnswers = ['not-the-password'];
    assert.equal(await exec('extentLens.enterSmbPassword'), undefined, 'the command did not connect with a wrong password');
    assert.deepEqual(state.inputAnswers, [], 'the question was asked');
    const refused = state.messages.filter((m) => m.level === 'error');
    assert.equal(refused.length, 1, JSON.stringify(state.messages));
    assert.match(refused[0].text, /\(STATUS_LOGON_FAILURE\).*run "Extent Lens: Enter SMB Password\.\.\." from the Command Palette/);
    assert.equal(await context.secrets.get(key), SMB_PASSWORD, 'the refused answer did not replace the stored password');

    state.messages.length = 0;
    state.inputAnswers = [SMB_PASSWORD];
    assert.equal(await exec('extentLens.enterSmbPassword'), key);
    assert.deepEqual(
      state.messages.map((m) => [m.level, m.text]),
      [['info', `The server 127.0.0.1:${smb.port} accepted the password for ${SMB_USER}: connected to data with it.`]],
    );
    assert.deepEqual(
      (await listing()).map(([name]) => name),
      ['f.txt'],
    );
  });
});
