// The SMB password question (src/host/smb-secrets.ts, smbPasswordAsker), in node with the
// stand-in `vscode`: a window whose folders are several shares of one server connects to them
// at once after a reload. Each request asked for itself: the second input box closed the first
// (that folder failed with "No password"), and answering one left the other asking again.
// Requests for the same user@host:port wait for the one question; another server is asked apart.
// A question closed (Escape) is remembered for the window: VS Code's Explorer retried at once and
// the question came straight back, so it could not be closed. Later requests for that key get no
// password without asking, the smb: provider fails them with a sentence naming "Enter SMB
// Password...", which (like Forget SMB Password) asks again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FakeExtension, ROOT } from '../support/fake-extension';
import { passwordKey } from '../../src/host/logic/smb-uri';

const host = new FakeExtension();
const { state } = host;
let asker: typeof import('../../src/host/smb-secrets').smbPasswordAsker;
let secrets: typeof import('../../src/host/smb-secrets');

before(() => {
  host.install();
  secrets = require('../../src/host/smb-secrets');
  asker = secrets.smbPasswordAsker;
});
after(() => host.close());

const target = (share: string, hostName = '127.0.0.1') => ({ user: 'el-smbtest', domain: '', host: hostName, port: 445, share });

test('two shares of one server at once: one question, its answer for both', async () => {
  const ask = asker(host.context as never);
  state.inputBoxes.length = 0;
  state.inputAnswers.push('pw');
  const answers = await Promise.all([ask(target('ro')), ask(target('rw'))]);
  assert.deepEqual(answers, ['pw', 'pw']);
  assert.equal(state.inputBoxes.length, 1, 'asked once');
  assert.match(state.inputBoxes[0].prompt ?? '', /Password for el-smbtest on 127\.0\.0\.1/);
});

test('cancelled: every request waiting on it gets no password; the next ones get none without asking, one notification', async () => {
  const ask = asker(host.context as never);
  state.inputBoxes.length = 0;
  state.messages.length = 0;
  const other = target('data', 'other.example');
  assert.deepEqual(await Promise.all([ask(other), ask({ ...other, share: 'backup' })]), [undefined, undefined]);
  assert.equal(state.inputBoxes.length, 1);
  state.inputAnswers.push('pw2');
  assert.equal(await ask(other), undefined, 'the closed question is not asked again');
  assert.equal(state.inputBoxes.length, 1);
  assert.equal(state.inputAnswers.shift(), 'pw2');
  assert.ok(secrets.passwordNotEntered(passwordKey(other)));
  const shown = state.messages.filter((m) => /other\.example/.test(m.text));
  assert.deepEqual(
    shown.map((m) => [m.level, m.text, m.items]),
    [
      [
        'warning',
        'The password for el-smbtest on other.example was not entered: its shares there stay unconnected in this window until you enter it.',
        ['Enter Password...'],
      ],
    ],
    'one notification for both requests and the one after',
  );
  // another server still asks
  state.inputAnswers.push('pw3');
  assert.equal(await ask(target('data', 'third.example')), 'pw3');
  assert.equal(state.inputBoxes.length, 2);
});

test('Enter SMB Password asks again; answered, requests get its answer', async () => {
  const ask = asker(host.context as never);
  const t4 = target('data', 'fourth.example');
  state.inputBoxes.length = 0;
  assert.equal(await ask(t4), undefined);
  assert.equal(await secrets.enterSmbPassword(t4), undefined, 'closed again');
  assert.equal(state.inputBoxes.length, 2);
  assert.ok(secrets.passwordNotEntered(passwordKey(t4)), 'still remembered');
  state.inputAnswers.push('pw4');
  assert.equal(await secrets.enterSmbPassword(t4), 'pw4');
  assert.ok(!secrets.passwordNotEntered(passwordKey(t4)));
  assert.equal(await ask({ ...t4, share: 'other' }), 'pw4');
  assert.equal(state.inputBoxes.length, 3);
});

test('Forget SMB Password forgets a closed question too: the next request asks', async () => {
  const ask = asker(host.context as never);
  const t5 = target('data', 'fifth.example');
  state.inputBoxes.length = 0;
  assert.equal(await ask(t5), undefined);
  assert.deepEqual(
    secrets.notEnteredPasswordKeys().filter((k) => k.includes('fifth')),
    ['extentLens.smb.el-smbtest@fifth.example:445'],
  );
  await secrets.forgetSmbPassword(host.context as never, passwordKey(t5));
  assert.ok(!secrets.passwordNotEntered(passwordKey(t5)));
  state.inputAnswers.push('pw5');
  assert.equal(await ask(t5), 'pw5');
  assert.equal(state.inputBoxes.length, 2);
});

test("the smb: provider: a closed question's share fails at once, naming the share, the user and the command", async () => {
  const { SmbFileSystemProvider } = require('../../src/host/smb-fs-provider') as typeof import('../../src/host/smb-fs-provider');
  const ask = asker(host.context as never);
  const t6 = target('projects', 'sixth.example');
  assert.equal(await ask(t6), undefined);
  let engineCalls = 0;
  const log = { debug: () => undefined, info: () => undefined, warn: () => undefined };
  const provider = new SmbFileSystemProvider(
    async () => {
      engineCalls++;
      throw new Error('not reached');
    },
    log as never,
    async () => undefined,
  );
  // (the stand-in's Uri has no authority: the parts the provider reads)
  const smbUri = (authority: string, p: string) => ({ scheme: 'smb', authority, path: p, toString: () => `smb://${authority}${p}` });
  const uri = smbUri('el-smbtest@sixth.example', '/projects/sub');
  const err = (await provider.readDirectory(uri as never).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; message: string };
  assert.equal(engineCalls, 0, 'failed without asking the engine');
  assert.equal(err.code, 'NoPermissions');
  assert.equal(
    err.message,
    'The share "projects" on sixth.example is not connected: the password for el-smbtest was not entered. Run "Extent Lens: Enter SMB Password..." from the Command Palette to connect.',
  );
  // the command named is the palette's
  const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
  assert.ok(err.message.includes(`"Extent Lens: ${nls['extentLens.enterSmbPassword.title']}"`));
  // another share of another server goes to the engine
  await provider.stat(smbUri('el-smbtest@seventh.example', '/projects') as never).catch(() => undefined);
  assert.equal(engineCalls, 1);
});

test('a password typed in Open SMB Share... answers a question closed before for that key', async () => {
  const ask = asker(host.context as never);
  state.inputBoxes.length = 0;
  const t = target('data', 'opened.example');
  assert.equal(await ask(t), undefined, 'closed');
  assert.ok(secrets.passwordNotEntered(passwordKey(t)));
  secrets.offerPassword(passwordKey(t), 'typed');
  assert.equal(secrets.passwordNotEntered(passwordKey(t)), false, 'the smb: provider no longer refuses the share');
  assert.equal(await ask(t), 'typed');
  secrets.dropPassword(passwordKey(t));
});
