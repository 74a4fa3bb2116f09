// Restricted mode (an untrusted workspace): inspecting is allowed, every command that changes
// files refuses, at once (it must not even ask for input) and without touching anything.
// Runs only when the runner opened an untrusted workspace (EL_RESTRICTED=1).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { env } from './env';
import { activateExtension, closeAllEditors, inspectorSummary, listDir, makeSparseFile, settleWithin, tempDir, type TestApi } from './helpers';

/** The agreed mutating commands (src/host/logic/contributions.ts MUTATING_COMMANDS). */
const MUTATING = [
  'extentLens.cloneHere',
  'extentLens.cloneTo',
  'extentLens.cloneRange',
  'extentLens.serverSideCopy',
  'extentLens.punchHole',
  'extentLens.digHoles',
  'extentLens.setSparse',
  'extentLens.clearSparse',
];

/** Everything about a folder that a mutating command could change. */
function snapshot(dir: string): string {
  return listDir(dir)
    .map((n) => {
      const p = path.join(dir, n);
      const st = fs.statSync(p);
      const hash = st.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex') : 'dir';
      return `${n} size=${st.size} blocks=${st.blocks} ino=${st.ino} ${hash}`;
    })
    .join('\n');
}

suite('restricted mode', () => {
  let api: TestApi;
  let dir: string;
  let file: string;

  suiteSetup(async function () {
    if (!env.restricted) return this.skip();
    ({ api } = await activateExtension());
    dir = env.fixtures ? fs.mkdtempSync(path.join(env.fixtures, 'restricted-')) : tempDir('restricted');
    file = path.join(dir, 'sparse.bin');
    makeSparseFile(file);
    fs.mkdirSync(path.join(dir, 'folder'));
  });
  teardown(closeAllEditors);

  test('the workspace is not trusted', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the runner should have opened this folder in restricted mode');
  });

  test('inspecting still works', async () => {
    await vscode.commands.executeCommand('extentLens.inspect', vscode.Uri.file(file));
    const s = await inspectorSummary(api, file);
    assert.equal(s.size, String(fs.statSync(file).size));
  });

  for (const id of MUTATING) {
    test(`${id} refuses and changes nothing`, async () => {
      const before = snapshot(dir);
      const folderBefore = snapshot(path.join(dir, 'folder'));
      // Give it everything a person could have picked, so only the trust check can stop it.
      await vscode.commands.executeCommand('extentLens.selectForClone', vscode.Uri.file(file), [vscode.Uri.file(file)]);
      const target = id === 'extentLens.cloneHere' ? path.join(dir, 'folder') : file;
      const outcome = await settleWithin(vscode.commands.executeCommand(id, vscode.Uri.file(target), [vscode.Uri.file(target)]), 10_000);
      // A command still pending is waiting for input: it did not refuse up front.
      assert.notEqual(outcome.state, 'pending', `${id} did not return within 10 s in restricted mode (is it asking for input instead of refusing?)`);
      if (outcome.state === 'resolved' && Array.isArray(outcome.value)) assert.equal(outcome.value.length, 0, `${id} returned reports`);
      assert.equal(snapshot(dir), before, `${id} changed ${dir}`);
      assert.equal(snapshot(path.join(dir, 'folder')), folderBefore, `${id} changed the destination folder`);
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    });
  }
});
