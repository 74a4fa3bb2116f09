// Inspecting fixture files opens the inspector, whose summary matches what the file system
// says: size from stat, allocated bytes and extent count from filefrag (FIEMAP, an independent
// reader of the same extents), unwritten bytes of a preallocated file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { env } from './env';
import { activateExtension, closeAllEditors, filefrag, hasFilefrag, inspectorSummary, makeSparseFile, tempDir, type TestApi } from './helpers';

suite('inspector', () => {
  let api: TestApi;
  let dir: string;
  let sparse: string;
  let sparseLayout: ReturnType<typeof makeSparseFile>;

  suiteSetup(async () => {
    ({ api } = await activateExtension());
    dir = env.fixtures ? fs.mkdtempSync(path.join(env.fixtures, 'inspect-')) : tempDir('inspect');
    sparse = path.join(dir, 'sparse.bin');
    sparseLayout = makeSparseFile(sparse);
  });
  teardown(closeAllEditors);

  test('Inspect Allocated Ranges opens an inspector with the right summary', async () => {
    await vscode.commands.executeCommand('extentLens.inspect', vscode.Uri.file(sparse));
    const s = await inspectorSummary(api, sparse);
    assert.equal(s.size, String(fs.statSync(sparse).size));
    assert.equal(s.size, sparseLayout.size.toString());
    assert.equal(s.name, 'sparse.bin');
    const written = sparseLayout.data.reduce((a, [, len]) => a + BigInt(len), 0n);
    if (hasFilefrag) {
      const ff = filefrag(sparse);
      const ffBytes = ff.reduce((a, e) => a + e.length, 0n);
      assert.equal(s.allocated, ffBytes.toString(), `allocated vs filefrag ${JSON.stringify(ff, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
      assert.equal(s.extentCount, ff.length, 'extent count vs filefrag');
    } else {
      // No filefrag (macOS/Windows desktop runs): the data written is the floor.
      assert.ok(BigInt(s.allocated) >= written, `allocated ${s.allocated} < written ${written}`);
      assert.ok(s.extentCount >= sparseLayout.data.length);
    }
    // Seeking past EOF-to-be makes holes on Linux and macOS file systems; NTFS only keeps them
    // in files marked sparse, which this plain fixture is not.
    if (process.platform !== 'win32') {
      assert.ok(BigInt(s.allocated) >= written && BigInt(s.allocated) < sparseLayout.size, 'a sparse file: allocated between the data written and the size');
      assert.ok(s.sparseRatio > 0.8 && s.sparseRatio < 1, `sparseRatio ${s.sparseRatio}`);
    }
  });

  test('Reopen Editor With... Extent Lens Inspector (vscode.openWith) opens the custom editor', async () => {
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(sparse), 'extentLens.inspector');
    const s = await inspectorSummary(api, sparse);
    assert.equal(s.size, sparseLayout.size.toString());
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom, `active tab is a custom editor (${tab?.label})`);
    assert.equal((tab.input as vscode.TabInputCustom).viewType, 'extentLens.inspector');
    assert.equal((tab.input as vscode.TabInputCustom).uri.fsPath, sparse);
  });

  test('a preallocated file shows its unwritten extents', async function () {
    if (process.platform !== 'linux') return this.skip(); // fallocate(1) is Linux
    const file = path.join(dir, 'prealloc.bin');
    fs.writeFileSync(file, Buffer.alloc(64 * 1024, 0x5a));
    execFileSync('fallocate', ['-o', String(64 * 1024), '-l', String(1024 * 1024), file]);
    const fd = fs.openSync(file, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    await vscode.commands.executeCommand('extentLens.inspect', vscode.Uri.file(file));
    const s = await inspectorSummary(api, file);
    assert.equal(s.size, String(64 * 1024 + 1024 * 1024));
    const ff = filefrag(file);
    const unwritten = ff.filter((e) => e.flags.includes('unwritten')).reduce((a, e) => a + e.length, 0n);
    assert.ok(unwritten > 0n, 'filefrag sees unwritten extents');
    assert.equal(s.unwrittenBytes, unwritten.toString(), 'unwritten bytes vs filefrag');
    assert.equal(s.allocated, ff.reduce((a, e) => a + e.length, 0n).toString());
  });
});
