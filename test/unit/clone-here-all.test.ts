// Block Clone Here of several files whose names are taken in the destination folder: the
// Rename / Overwrite question offers "Rename All" and "Overwrite All" while more of the
// command's files meet taken names (naming them), and such an answer is kept for the rest of
// that command only (a trial was asked once per file). With the stand-in `vscode` and the real
// engine in a folder under the system's temporary folder (no root: where cloning is impossible
// the files are copied, `fallback: 'copy'`, under the same questions, and named as copies).

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Uri } from '../support/fake-vscode';
import { FakeExtension } from '../support/fake-extension';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'el-clone-all-'));
let n = 0;

/** Sources `names` (content "new NAME") in a folder, and a destination folder holding `taken` (content "old NAME"). */
function setUp(names: string[], taken: string[]): { sources: string[]; into: string } {
  const dir = path.join(root, `s${n++}`);
  const into = path.join(dir, 'into');
  fs.mkdirSync(into, { recursive: true });
  for (const f of taken) fs.writeFileSync(path.join(into, f), `old ${f}`);
  return {
    sources: names.map((f) => {
      fs.writeFileSync(path.join(dir, f), `new ${f}`);
      return path.join(dir, f);
    }),
    into,
  };
}

const listing = (d: string): Record<string, string> =>
  Object.fromEntries(
    fs
      .readdirSync(d)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(d, f), 'utf8')]),
  );

describe('Block Clone Here: one answer for all the taken names', () => {
  const host = new FakeExtension();
  const { state, exec } = host;
  const questions = () => state.messages.filter((m) => /already exists\.$/.test(m.text));
  const detailOf = (text: string) => state.messageOptions.filter((o) => o.text === text).at(-1)?.options.detail as string;
  const cloneHere = (into: string, sources: string[]) =>
    exec('extentLens.cloneHere', Uri.file(into), undefined, { sources, fallback: 'copy', showResults: false }) as Promise<unknown[]>;

  // what is made here, the word the renamed names carry: "(copy)" where the temporary folder's
  // file system cannot share blocks (ext4, tmpfs)
  let word = 'clone';
  before(async () => {
    await host.activate();
    const { createEngine } = await import('../../src/engine');
    if ((await createEngine().volume(root)).supportsClone === false) word = 'copy';
  });
  after(async () => {
    await host.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    state.messages.length = 0;
    state.answers = [];
    state.trusted = true;
  });

  test('Rename All: asked once, naming the other taken names; every file kept, the new ones renamed', async () => {
    const { sources, into } = setUp(['a.bin', 'b.bin', 'c.bin'], ['a.bin', 'b.bin', 'c.bin']);
    state.answers = [{ match: /already exists/, answer: 'Rename All' }];
    const r = await cloneHere(into, sources);
    assert.equal(r.length, 3);
    const asked = questions();
    assert.equal(asked.length, 1, 'one question for the three taken names');
    assert.deepEqual(asked[0].items, ['Rename', 'Rename All', 'Overwrite', 'Overwrite All']);
    assert.match(
      detailOf(asked[0].text),
      /The names of 2 more selected files are taken here too: b\.bin, c\.bin\. Rename All and Overwrite All/,
    );
    assert.deepEqual(listing(into), {
      [`a (${word}).bin`]: 'new a.bin',
      'a.bin': 'old a.bin',
      [`b (${word}).bin`]: 'new b.bin',
      'b.bin': 'old b.bin',
      [`c (${word}).bin`]: 'new c.bin',
      'c.bin': 'old c.bin',
    });
  });

  test('Overwrite All: asked once; the files it named are replaced, a free name is made, nothing else asked', async () => {
    const { sources, into } = setUp(['a.bin', 'free.bin', 'b.bin'], ['a.bin', 'b.bin']);
    state.answers = [{ match: /already exists/, answer: 'Overwrite All' }];
    const r = await cloneHere(into, sources);
    assert.equal(r.length, 3);
    const asked = questions();
    assert.equal(asked.length, 1);
    assert.match(
      detailOf(asked[0].text),
      /The name of 1 more selected file is taken here too: b\.bin\. Rename All and Overwrite All answer for it as well\./,
    );
    assert.deepEqual(listing(into), { 'a.bin': 'new a.bin', 'b.bin': 'new b.bin', 'free.bin': 'new free.bin' });
    // the summary says what was replaced, as one file's notification does
    const summary = state.messages.find((m) => /^Block Clone Here: 3 files/.test(m.text));
    assert.ok(summary, state.messages.map((m) => m.text).join('\n'));
    assert.match(summary.text, /\. 2 of them replaced the files that had their names\.$/);
  });

  test('Rename (this file only) asks again; the last taken name is asked without "All"', async () => {
    const { sources, into } = setUp(['a.bin', 'b.bin'], ['a.bin', 'b.bin']);
    state.answers = [{ match: /already exists/, answer: 'Rename' }];
    await cloneHere(into, sources);
    const asked = questions();
    assert.equal(asked.length, 2);
    assert.deepEqual(asked[0].items, ['Rename', 'Rename All', 'Overwrite', 'Overwrite All']);
    assert.deepEqual(asked[1].items, ['Rename', 'Overwrite'], 'no more taken names after b.bin');
    assert.equal(
      detailOf(asked[1].text),
      `Rename keeps both files (the new one gets a "(${word})" name); Overwrite replaces the existing file.`,
    );
    assert.deepEqual(Object.keys(listing(into)), [`a (${word}).bin`, 'a.bin', `b (${word}).bin`, 'b.bin']);
  });

  test('one taken name among several files: no "All" (nothing else to answer for)', async () => {
    const { sources, into } = setUp(['a.bin', 'b.bin', 'c.bin'], ['b.bin']);
    state.answers = [{ match: /already exists/, answer: 'Overwrite' }];
    await cloneHere(into, sources);
    const asked = questions();
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0].items, ['Rename', 'Overwrite']);
    assert.equal(listing(into)['b.bin'], 'new b.bin');
  });

  test('where blocks cannot be shared (ext4, tmpfs) and no copy was asked for: the copy is offered first, then the taken name is asked about as a copy', async (t) => {
    if (word !== 'copy') return t.skip('the temporary folder can share blocks: a clone is made, no copy offered');
    const { sources, into } = setUp(['a.bin'], ['a.bin']);
    state.answers = [
      { match: /cannot be cloned/, answer: 'Copy instead (keeps holes)' },
      { match: /already exists/, answer: 'Rename' },
    ];
    await exec('extentLens.cloneHere', Uri.file(into), undefined, { sources, showResults: false });
    const said = state.messages.map((m) => m.text);
    const offer = said.findIndex((m) => /cannot be cloned/.test(m));
    const asked = said.findIndex((m) => /already exists\.$/.test(m));
    assert.ok(offer >= 0 && asked > offer, `the copy offered before the question: ${JSON.stringify(said)}`);
    assert.equal(
      detailOf(said[asked]),
      'Rename keeps both files (the new one gets a "(copy)" name); Overwrite replaces the existing file.',
    );
    assert.deepEqual(listing(into), { 'a (copy).bin': 'new a.bin', 'a.bin': 'old a.bin' });
  });

  test('Cancel stops at the first taken name: nothing is written', async () => {
    const { sources, into } = setUp(['a.bin', 'b.bin'], ['a.bin', 'b.bin']);
    state.answers = [{ match: /already exists/, answer: undefined }];
    const r = await cloneHere(into, sources);
    assert.equal(r.length, 0);
    assert.equal(questions().length, 1);
    assert.deepEqual(listing(into), { 'a.bin': 'old a.bin', 'b.bin': 'old b.bin' });
  });

  test('restricted mode: refused before any question', async () => {
    const { sources, into } = setUp(['a.bin', 'b.bin'], ['a.bin', 'b.bin']);
    state.trusted = false;
    state.answers = [{ match: /already exists/, answer: 'Overwrite All' }];
    const r = await cloneHere(into, sources);
    assert.equal(r.length, 0);
    assert.equal(questions().length, 0);
    assert.deepEqual(listing(into), { 'a.bin': 'old a.bin', 'b.bin': 'old b.bin' });
  });
});
