// One naming rule for renamed clones and copies (src/engine/destination.ts renameBase): what the
// engine's rename makes (Block Clone Here into a file's own folder, --on-existing rename) and
// what Clone To and Server-Side Copy suggest in their save dialogs (engine.renamedPath) always
// agree, for names with no extension, dotfiles, several dots and names already ending in
// "(clone N)". A trial saw Clone To suggest a name that was taken, or nest "(clone) (clone)",
// where Block Clone Here numbered on. No root: a folder under the system's temporary folder
// (where cloning is impossible, the clone falls back to a copy under the same name rule).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Uri } from '../support/fake-vscode';
import { FakeExtension } from '../support/fake-extension';
import { nodeDestinationFs, resolveDestination } from '../../src/engine/destination';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'el-name-rule-'));
let n = 0;

/** A fresh folder holding `names` (the first is the source). */
function folderWith(names: string[]): string {
  const dir = path.join(root, `d${n++}`);
  fs.mkdirSync(dir);
  for (const f of names) fs.writeFileSync(path.join(dir, f), f);
  return dir;
}

// [files in the folder (the first is cloned), the renamed name, the renamed copy's name]
const CASES: Array<[string[], string, string]> = [
  [['disk.img'], 'disk (clone).img', 'disk (copy).img'],
  [['disk.img', 'disk (clone).img', 'disk (copy).img'], 'disk (clone 2).img', 'disk (copy 2).img'],
  [['odd (clone).bin'], 'odd (clone 2).bin', 'odd (clone) (copy).bin'],
  [['odd (clone 3).bin', 'odd (clone 4).bin'], 'odd (clone 5).bin', 'odd (clone 3) (copy).bin'],
  [['odd (copy 2).bin'], 'odd (copy 2) (clone).bin', 'odd (copy 3).bin'],
  [['README'], 'README (clone)', 'README (copy)'],
  [['README (clone)'], 'README (clone 2)', 'README (clone) (copy)'],
  [['.bashrc'], '.bashrc (clone)', '.bashrc (copy)'],
  [['.bashrc (clone 2)'], '.bashrc (clone 3)', '.bashrc (clone 2) (copy)'],
  [['a.tar.gz'], 'a.tar (clone).gz', 'a.tar (copy).gz'],
  [['a.tar (clone).gz'], 'a.tar (clone 2).gz', 'a.tar (clone) (copy).gz'],
  [['v1.2 (clone).3.txt'], 'v1.2 (clone).3 (clone).txt', 'v1.2 (clone).3 (copy).txt'],
  [[' (clone).bin'], ' (clone) (clone).bin', ' (clone) (copy).bin'],
];

after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the rule (the engine resolving a taken name with rename)', () => {
  for (const [names, clone, copy] of CASES)
    test(`${names.join(', ')}: ${clone}, ${copy}`, async () => {
      const dir = folderWith(names);
      const src = path.join(dir, names[0]);
      const renamed = async (label: 'clone' | 'copy') =>
        path.basename((await resolveDestination(label, src, dir, 'rename', label, nodeDestinationFs)).final);
      assert.equal(await renamed('clone'), clone);
      assert.equal(await renamed('copy'), copy);
    });
});

describe("Clone To's suggestion is the name Block Clone Here then makes", () => {
  const host = new FakeExtension();
  const { state, exec } = host;
  before(() => host.activate());
  after(() => host.close());

  // what is made here: a copy where the temporary folder's file system cannot share blocks (ext4,
  // tmpfs), and it is named as one, suggested and made alike
  let madeHere: 'clone' | 'copy' = 'clone';
  before(async () => {
    const { createEngine } = await import('../../src/engine');
    madeHere = (await createEngine().volume(root)).supportsClone === false ? 'copy' : 'clone';
  });
  for (const [names, clone, copy] of CASES)
    test(names.join(', '), async () => {
      const dir = folderWith(names);
      const src = path.join(dir, names[0]);
      state.saveDialogAnswer = undefined; // the dialog is closed: nothing is made
      // a clone that may fall back to a copy, as Block Clone Here's below: where the folder's file
      // system cannot share blocks (ext4, tmpfs) nothing is asked first, and the name suggested is
      // a copy's, as the one Block Clone Here then makes (a copy chosen at that question:
      // commands-host.test.ts)
      await exec('extentLens.cloneTo', Uri.file(src), undefined, { fallback: 'copy' });
      const suggested = state.saveDialogOptions?.defaultUri?.fsPath;
      assert.equal(suggested, path.join(dir, madeHere === 'copy' ? copy : clone));
      const [made] = (await exec('extentLens.cloneHere', Uri.file(dir), undefined, {
        sources: [src],
        fallback: 'copy',
        showResults: false,
      })) as Array<{ destination?: string }>;
      assert.equal(made?.destination, suggested, 'Block Clone Here of the file into its own folder took the suggested name');
    });

  test("Server-Side Copy's suggestion is the copy's renamed name", async () => {
    const dir = folderWith(['odd (copy).bin', 'odd (copy 2).bin']);
    state.saveDialogAnswer = undefined;
    await exec('extentLens.serverSideCopy', Uri.file(path.join(dir, 'odd (copy).bin')));
    assert.equal(state.saveDialogOptions?.defaultUri?.fsPath, path.join(dir, 'odd (copy 3).bin'));
  });
});
