// Clone Range between two files of one name, with the stand-in `vscode` and the REAL engine on
// loop-mounted XFS and ext4. A trial: Clone Range of orig.bin into the orig.bin of another file
// system asked "orig.bin is on another file system than orig.bin, so a range cannot be cloned
// into it", and then "Destination offset in orig.bin": where the names are the same, the
// sentences name the paths.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Uri } from '../support/fake-vscode';
import { FakeExtension } from '../support/fake-extension';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { shownNames } from '../../src/host/logic/shown';

const host = new FakeExtension();
const { state, exec } = host;
let xfs: TestFs | undefined;
let ext4: TestFs | undefined;
const skip = skipReason('xfs') ?? skipReason('ext4');

before(() => {
  host.activate();
  if (!skip) {
    xfs = makeFs('xfs');
    ext4 = makeFs('ext4');
  }
});

after(async () => {
  await host.close();
  xfs?.cleanup();
  ext4?.cleanup();
});

test('shownNames: the names, or the paths where the names are the same', () => {
  assert.deepEqual(shownNames('/a/x.img', '/b/y.img'), ['x.img', 'y.img']);
  assert.deepEqual(shownNames('/a/orig.bin', '/b/orig.bin'), ['/a/orig.bin', '/b/orig.bin']);
});

describe('Clone Range into a file of the same name on another file system', { skip }, () => {
  test('the question and the offset prompt name the paths, not "orig.bin … than orig.bin"', async () => {
    const src = path.join(xfs!.mountPoint, 'orig.bin');
    const dst = path.join(ext4!.mountPoint, 'orig.bin');
    fs.writeFileSync(src, Buffer.alloc(64 * 1024, 0x33));
    fs.writeFileSync(dst, Buffer.alloc(64 * 1024, 0x44));
    state.inputBoxes = [];
    state.inputAnswers = ['0', '0'];
    state.quickPickAnswers = ['Another file…'];
    state.openDialogAnswer = [Uri.file(dst)];
    state.answers = [{ match: /another file system/, answer: 'Copy the Range Instead' }];
    const before = state.messages.length;
    try {
      // (the length is not answered: the flow ends there, nothing written)
      await exec('extentLens.cloneRange', Uri.file(src));
    } finally {
      state.answers = [];
      state.inputAnswers = [];
      state.quickPickAnswers = [];
      state.openDialogAnswer = undefined;
    }
    const notice = state.messages.slice(before).find((m) => /another file system/.test(m.text));
    assert.equal(
      notice?.text,
      `${dst} is on another file system than ${src}, so a range cannot be cloned into it: blocks are shared only within one file system.`,
    );
    assert.match(state.inputBoxes[1]?.prompt ?? '', new RegExp(`^Destination offset in ${dst.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(`));
    assert.ok(
      fs.readFileSync(dst).every((b) => b === 0x44),
      'nothing written',
    );
  });
});
