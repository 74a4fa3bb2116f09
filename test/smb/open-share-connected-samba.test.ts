// "Open SMB Share..." with a typed password while that user's shares on the server are connected
// (a real Samba; smbpasswd changes the password between steps). The connect reused the pooled
// session of the same share: a wrong password, or the old one after a change on the server, was
// taken in silence and even replaced the keychain's; a right new one was first used at some later
// reconnection. A typed password now logs on anew, so the server takes or refuses it at once.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
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
const CHANGED = 'Changed-on-the-server-2';

interface Listing {
  readDirectory(uri: unknown): Promise<Array<[string, number]>>;
}
type Opened = { uri: string; dialect: string } | { error: string; code: string };

describe('Open SMB Share... with a typed password while the account is connected (Samba)', { skip, timeout: 120000 }, () => {
  const host = new FakeExtension();
  const { fake, state, exec, context } = host;
  let fs: LoopFs;
  let smb: SambaServer;
  const saved = process.env.EXTENT_LENS_SMB_PASSWORD;
  /** A share's root as a vscode.Uri (the stand-in's Uri has no authority). */
  const shareUri = (share: string) => {
    const u = new URL(smb.uri(share));
    return {
      scheme: 'smb',
      authority: `${u.username}@${u.host}`,
      path: `/${share}`,
      fsPath: `/${share}`,
      query: '',
      fragment: '',
      toString: () => smb.uri(share),
    };
  };
  const listing = async (share: string) =>
    (await (state.fileSystems.get('smb') as Listing).readDirectory(shareUri(share))).map(([name]) => name);
  const open = (share: string, password: string) =>
    exec('extentLens.openSmbShare', { address: smb.uri(share), password }) as Promise<Opened>;
  const key = () => `extentLens.smb.${SMB_USER}@127.0.0.1:${smb.port}`;
  const errors = () => state.messages.filter((m) => m.level === 'error').map((m) => m.text);

  before(async () => {
    delete process.env.EXTENT_LENS_SMB_PASSWORD; // only what the keychain and the command give
    fs = makeLoopFs('btrfs', 256);
    for (const share of ['data', 'other']) {
      mkdirSync(join(fs.mnt, share));
      writeFileSync(join(fs.mnt, share, `${share}.txt`), 'hello\n');
      chownSync(join(fs.mnt, share), smbUid(), 0);
      chownSync(join(fs.mnt, share, `${share}.txt`), smbUid(), 0);
    }
    smb = await startSamba({
      shares: [
        { name: 'data', path: join(fs.mnt, 'data') },
        { name: 'other', path: join(fs.mnt, 'other') },
      ],
    });
    host.activate();
    // both shares are folders of the workspace already: the command only shows the Explorer
    const folders = ['data', 'other'].map((name, index) => ({ uri: shareUri(name), name, index }));
    (fake.vscode.workspace as { workspaceFolders?: unknown }).workspaceFolders = folders;
    state.commands.set('workbench.view.explorer', () => undefined);
    // (the stand-in's Uri has no from(): the command's folder Uri, compared with the workspace's by its text)
    (fake.vscode.Uri as unknown as { from: unknown }).from = (u: { scheme: string; authority: string; path: string }) => ({
      ...u,
      toString: () => `${u.scheme}://${u.authority}${u.path}`,
    });
  });
  after(async () => {
    await host.close();
    await stopSamba(smb, fs);
    if (saved !== undefined) process.env.EXTENT_LENS_SMB_PASSWORD = saved;
  });

  test('a wrong password is refused at once, on the share connected and on another share of the account', async () => {
    await context.secrets.store(key(), SMB_PASSWORD);
    assert.deepEqual(await listing('data'), ['data.txt'], 'connected with the stored password');

    for (const share of ['data', 'other']) {
      state.messages.length = 0;
      const r = await open(share, 'not-the-password');
      assert.equal('code' in r ? r.code : `opened ${r.uri}`, 'STATUS_LOGON_FAILURE', `${share}: ${JSON.stringify(r)}`);
      assert.deepEqual(errors(), [`127.0.0.1:${smb.port} refused the password for ${SMB_USER} (STATUS_LOGON_FAILURE); enter it again.`]);
      assert.equal(await context.secrets.get(key()), SMB_PASSWORD, 'the refused password did not replace the stored one');
    }
    // the connection already made was left alone, and asked nothing; the other share connects with the stored password
    assert.deepEqual(await listing('data'), ['data.txt']);
    assert.deepEqual(await listing('other'), ['other.txt']);
    assert.equal(state.inputAnswers.length, 0);
  });

  test('after the password changed on the server, the old one typed is refused and the new one used at once', async () => {
    await context.secrets.store(key(), SMB_PASSWORD);
    for (const share of ['data', 'other']) assert.deepEqual(await listing(share), [`${share}.txt`], 'connected before the change');
    execFileSync('smbpasswd', ['-c', join(smb.dir, 'smb.conf'), '-s', SMB_USER], {
      input: `${CHANGED}\n${CHANGED}\n`,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    // (the pooled sessions, logged on with the old password, still work: Samba keeps them)
    assert.deepEqual(await listing('data'), ['data.txt']);
    assert.deepEqual(await listing('other'), ['other.txt']);

    state.messages.length = 0;
    const old = await open('data', SMB_PASSWORD);
    assert.equal('code' in old ? old.code : `opened ${old.uri}`, 'STATUS_LOGON_FAILURE');
    assert.equal(await context.secrets.get(key()), SMB_PASSWORD);

    state.messages.length = 0;
    const changed = await open('data', CHANGED);
    assert.deepEqual(changed, { uri: smb.uri('data'), dialect: (changed as { dialect: string }).dialect });
    assert.deepEqual(errors(), []);
    assert.equal(await context.secrets.get(key()), CHANGED, 'kept once the server took it');
    // Used at once: the account's sessions logged on with the old password are gone, so a
    // request now logs on with the keychain's new one (the old one would be refused).
    await context.secrets.store(key(), 'not-the-password');
    const refused = await listing('other').catch((e: Error) => e.message);
    assert.match(String(refused), /STATUS_LOGON_FAILURE/, 'the other share logged on anew');
    await context.secrets.store(key(), CHANGED);
    assert.deepEqual(await listing('data'), ['data.txt']);
    assert.deepEqual(await listing('other'), ['other.txt']);
  });

  test('a password typed into the questions is kept only once the share is opened: Escape at "Where to open the share" keeps none', async () => {
    await exec('extentLens.forgetSmbPassword', smb.uri('data'));
    assert.equal(await context.secrets.get(key()), undefined);
    state.inputAnswers = [smb.uri('data'), CHANGED];
    state.quickPickAnswers = [undefined]; // Escape at the last question, after the server took the password
    assert.equal(await exec('extentLens.openSmbShare'), undefined);
    assert.equal(await context.secrets.get(key()), undefined, 'nothing kept: the person cancelled');
    state.inputAnswers = [smb.uri('data'), CHANGED];
    state.quickPickAnswers = ['Add to Workspace'];
    const r = (await exec('extentLens.openSmbShare')) as Opened;
    assert.ok('uri' in r, JSON.stringify(r));
    assert.equal(await context.secrets.get(key()), CHANGED, 'kept once the share was opened');
  });
});
