// Block Clone Here of several files that stops part way (the copy offer for a file on another
// file system declined): the files from there on are named as not cloned, in the wording of
// src/commands/logic/clone-here-text.ts, with the stand-in `vscode` and the real engine on
// loop-mounted XFS and ext4 (skipped without root).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Uri } from '../support/fake-vscode';
import { FakeExtension } from '../support/fake-extension';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { notClonedText } from '../../src/commands/logic/clone-here-text';


describe('notClonedText', () => {
  test('names the files from the one it stopped at, and counts past five', () => {
    assert.equal(notClonedText(['a', 'b', 'c'], 3), undefined);
    assert.equal(notClonedText(['a'], 0), undefined, 'one file: its own message says it all');
    assert.equal(
      notClonedText(['part.img', 'a.bin', 'sp.bin'], 1),
      'Block Clone Here stopped at a.bin: 2 of the 3 selected files were not cloned: a.bin, sp.bin.',
    );
    assert.equal(
      notClonedText(['odd.bin', 'sparse.img'], 1),
      'Block Clone Here stopped at sparse.img, the last of the 2 selected files: it was not cloned.',
      'one file left: said in the singular, named once',
    );
    assert.equal(
      notClonedText(['1', '2', '3', '4', '5', '6', '7', '8'], 0),
      'Block Clone Here stopped at 1: 8 of the 8 selected files were not cloned: 1, 2, 3, 4, 5 and 3 more.',
    );
  });
});

const fsSkip = skipReason('xfs') ?? skipReason('ext4');

describe('Block Clone Here stopped part way', { skip: fsSkip }, () => {
  const host = new FakeExtension();
  const { state, exec } = host;
  let xfs: TestFs;
  let ext4: TestFs;

  before(() => {
    host.activate();
    xfs = makeFs('xfs');
    ext4 = makeFs('ext4');
  });
  after(async () => {
    await host.close();
    xfs?.cleanup();
    ext4?.cleanup();
  });

  test('a declined copy offer stops it; the files not cloned are named', async () => {
    const first = path.join(xfs.mountPoint, 'first.img');
    const other = path.join(ext4.mountPoint, 'other.img');
    const last = path.join(xfs.mountPoint, 'last.img');
    for (const f of [first, other, last]) fs.writeFileSync(f, Buffer.alloc(65536, 7));
    const into = path.join(xfs.mountPoint, 'into');
    fs.mkdirSync(into);
    state.answers = [{ match: /different file systems/, answer: undefined }];
    const r = (await exec('extentLens.cloneHere', Uri.file(into), undefined, { sources: [first, other, last] })) as unknown[];
    state.answers = [];
    assert.equal(r.length, 1);
    assert.deepEqual(fs.readdirSync(into), ['first.img']);
    const warning = state.messages.filter((m) => m.level === 'warning').at(-1);
    assert.equal(warning?.text, 'Block Clone Here stopped at other.img: 2 of the 3 selected files were not cloned: other.img, last.img.');
  });

  test('a copy accepted for one file is the answer for the rest: asked once, every file copied or cloned', async () => {
    const names = ['one.img', 'two.img', 'three.img'];
    const onExt4 = names.map((n) => path.join(ext4.mountPoint, n));
    onExt4.forEach((f, i) => fs.writeFileSync(f, Buffer.alloc(65536 + i, i + 1)));
    const into = path.join(xfs.mountPoint, 'into-all');
    fs.mkdirSync(into);
    const before = state.messages.length;
    state.answers = [{ match: /different file systems/, answer: 'Copy instead (keeps holes)' }];
    const r = (await exec('extentLens.cloneHere', Uri.file(into), undefined, { sources: onExt4 })) as Array<{ fellBack?: boolean }>;
    state.answers = [];
    assert.equal(r.length, 3);
    assert.ok(r.every((x) => x.fellBack === true));
    assert.deepEqual(fs.readdirSync(into).sort(), [...names].sort());
    onExt4.forEach((f) => assert.ok(fs.readFileSync(path.join(into, path.basename(f))).equals(fs.readFileSync(f))));
    const asked = state.messages.slice(before).filter((m) => /different file systems/.test(m.text));
    assert.equal(asked.length, 1, 'asked once for the selection');
  });
});
