// The SMB password question (src/host/smb-secrets.ts, smbPasswordAsker), in node with the
// stand-in `vscode`: a window whose folders are several shares of one server connects to them
// at once after a reload. Each request asked for itself: the second input box closed the first
// (that folder failed with "No password"), and answering one left the other asking again.
// Requests for the same user@host:port wait for the one question; another server is asked apart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeExtension } from '../support/fake-extension';

const host = new FakeExtension();
const { state } = host;
let asker: typeof import('../../src/host/smb-secrets').smbPasswordAsker;

before(() => {
  host.install();
  ({ smbPasswordAsker: asker } = require('../../src/host/smb-secrets'));
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

test('cancelled: every request waiting on it gets no password; the next one asks again', async () => {
  const ask = asker(host.context as never);
  state.inputBoxes.length = 0;
  const other = target('data', 'other.example');
  assert.deepEqual(await Promise.all([ask(other), ask({ ...other, share: 'backup' })]), [undefined, undefined]);
  assert.equal(state.inputBoxes.length, 1);
  state.inputAnswers.push('pw2');
  assert.equal(await ask(other), 'pw2');
  assert.equal(state.inputBoxes.length, 2);
});
