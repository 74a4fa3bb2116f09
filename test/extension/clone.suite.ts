// Block Clone Here, as the explorer calls it (Select for Block Clone on a file, then Block
// Clone Here on a folder), on a real XFS (reflink=1) loop mount prepared by the runner:
// the clone must SHARE its extents with the source (filefrag: same physical blocks, "shared"
// flag), keep the holes, and follow extentLens.clone.onExisting. A clone that cannot happen
// (across file systems, or on ext4 which has no reflinks) must leave nothing behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OperationReport } from '../../src/engine/types';
import { env } from './env';
import { activateExtension, closeAllEditors, filefrag, hasFilefrag, inspectorSummary, listDir, makeDataFile, makeSparseFile, setOnExisting, settleWithin, tempDir, type TestApi } from './helpers';

const fileUri = (p: string): vscode.Uri => vscode.Uri.file(p);

/** What the explorer does: right-click a file > Select for Block Clone. */
async function selectForClone(api: TestApi, file: string): Promise<void> {
  await vscode.commands.executeCommand('extentLens.selectForClone', fileUri(file), [fileUri(file)]);
  assert.deepEqual(api.cloneSelection(), [file]);
}

/** ...then right-click a folder > Block Clone Here. */
async function cloneHere(folder: string): Promise<OperationReport[]> {
  const r = await vscode.commands.executeCommand<OperationReport[]>('extentLens.cloneHere', fileUri(folder), [fileUri(folder)]);
  assert.ok(Array.isArray(r), `cloneHere returns OperationReport[] (got ${String(r)})`);
  return r;
}

const big = (v: unknown): string => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));

/**
 * Both files map to the same physical blocks at the same logical offsets, all flagged shared.
 * filefrag is the independent witness: the XFS cases run only on Linux, where e2fsprogs is there
 * (the workflows install it), so a missing filefrag fails the check instead of skipping it.
 */
function requireFilefrag(): void {
  assert.ok(hasFilefrag, 'filefrag (e2fsprogs) is needed to check the clone independently of the engine; install e2fsprogs');
}

function assertSharesExtents(source: string, clone: string): void {
  requireFilefrag();
  const a = filefrag(source);
  const b = filefrag(clone);
  assert.ok(a.length > 0, 'source has extents');
  assert.deepEqual(
    b.map((e) => [e.offset, e.length, e.physical]),
    a.map((e) => [e.offset, e.length, e.physical]),
    `clone extents differ from the source's:\nsource ${big(a)}\nclone  ${big(b)}`,
  );
  for (const e of [...a, ...b]) assert.ok(e.flags.includes('shared'), `extent without the shared flag: ${big(e)}`);
}

suite('block clone on XFS', () => {
  let api: TestApi;
  let root: string;
  let source: string;

  suiteSetup(async function () {
    if (env.restricted) return this.skip();
    if (!env.xfsDir) {
      console.log(`  (skipping the XFS clone tests: ${env.xfsSkip})`);
      return this.skip();
    }
    ({ api } = await activateExtension());
    root = fs.mkdtempSync(path.join(env.xfsDir, 'clone-'));
    fs.mkdirSync(path.join(root, 'src'));
    source = path.join(root, 'src', 'data.bin');
    makeSparseFile(source);
  });
  teardown(closeAllEditors);
  suiteTeardown(async () => {
    if (!env.restricted) await setOnExisting(undefined);
  });

  test('Select for Block Clone + Block Clone Here creates a clone that shares extents with its source', async () => {
    const dst = path.join(root, 'dst');
    fs.mkdirSync(dst);
    await selectForClone(api, source);
    const reports = await cloneHere(dst);
    assert.equal(reports.length, 1, `one report: ${big(reports)}`);
    const r = reports[0];
    const clone = path.join(dst, 'data.bin');
    assert.equal(r.method, 'FICLONE');
    assert.equal(r.fellBack ?? false, false);
    assert.equal(r.destination, clone);
    assert.equal(typeof r.bytes, 'bigint', 'report sizes are bigint');
    assert.equal(r.bytes, BigInt(fs.statSync(source).size));
    assert.ok(fs.readFileSync(clone).equals(fs.readFileSync(source)), 'same bytes');
    assertSharesExtents(source, clone);
    assert.deepEqual(listDir(dst), ['data.bin'], 'nothing else in the destination');
    const results = api.lastCloneResults();
    assert.ok(results, 'lastCloneResults() is set after a clone');
    assert.equal(results.destination.path, clone);
    assert.equal(results.fellBack, false);
    assert.ok(BigInt(results.destination.sharedBytes) > 0n, 'results view reports shared bytes');
  });

  test('the inspector of a clone reports its shared bytes and an XFS volume that can clone', async () => {
    const clone = path.join(root, 'dst', 'data.bin');
    assert.ok(fs.existsSync(clone), 'made by the previous test');
    await vscode.commands.executeCommand('extentLens.inspect', fileUri(clone));
    const s = await inspectorSummary(api, clone);
    assert.equal(s.filesystem, 'xfs');
    assert.equal(s.supportsClone, true, s.cloneEvidence);
    requireFilefrag();
    const shared = filefrag(clone).filter((e) => e.flags.includes('shared')).reduce((a, e) => a + e.length, 0n);
    assert.equal(s.sharedBytes, shared.toString(), 'shared bytes vs filefrag');
    assert.equal(s.sharedBytes, s.allocated, 'every allocated byte of a fresh clone is shared');
  });

  test('cloning onto an existing name with onExisting = rename keeps both files', async () => {
    const dst = path.join(root, 'dst-rename');
    fs.mkdirSync(dst);
    const existing = path.join(dst, 'data.bin');
    fs.writeFileSync(existing, 'I was here first\n');
    const before = fs.statSync(existing);
    await setOnExisting('rename');
    await selectForClone(api, source);
    const [r] = await cloneHere(dst);
    assert.ok(r, 'a report');
    assert.ok(r.destination && r.destination !== existing && path.dirname(r.destination) === dst, `renamed destination in ${dst}: ${r.destination}`);
    assert.equal(fs.readFileSync(existing, 'utf8'), 'I was here first\n', 'the existing file is untouched');
    assert.equal(fs.statSync(existing).ino, before.ino);
    assert.ok(fs.readFileSync(r.destination).equals(fs.readFileSync(source)));
    assertSharesExtents(source, r.destination);
    assert.equal(listDir(dst).length, 2, `exactly two files: ${listDir(dst).join(', ')}`);
  });

  test('cloning onto an existing name with onExisting = overwrite replaces it', async () => {
    const dst = path.join(root, 'dst-overwrite');
    fs.mkdirSync(dst);
    const existing = path.join(dst, 'data.bin');
    fs.writeFileSync(existing, 'old contents\n');
    await setOnExisting('overwrite');
    await selectForClone(api, source);
    const [r] = await cloneHere(dst);
    assert.ok(r, 'a report');
    assert.equal(r.destination, existing);
    assert.ok(fs.readFileSync(existing).equals(fs.readFileSync(source)), 'the existing file now holds the source bytes');
    assertSharesExtents(source, existing);
    assert.deepEqual(listDir(dst), ['data.bin'], 'no temporary file left behind');
  });

  test('a clone to another file system (XFS -> ext4) fails and leaves nothing behind', async () => {
    const target = env.fixtures ? fs.mkdtempSync(path.join(env.fixtures, 'xdev-')) : tempDir('xdev');
    await assertFailsCleanly(api, source, target);
  });
});

suite('failing clone', () => {
  let api: TestApi;

  suiteSetup(async function () {
    if (env.restricted) return this.skip();
    ({ api } = await activateExtension());
  });
  teardown(closeAllEditors);

  test('a clone where the file system has no block cloning fails and leaves nothing behind', async function () {
    const dir = env.fixtures ? fs.mkdtempSync(path.join(env.fixtures, 'noclone-')) : tempDir('noclone');
    const fsType = process.platform === 'linux' ? execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim() : 'unknown';
    if (process.platform !== 'linux' || /xfs|btrfs/.test(fsType)) {
      console.log(`  (${dir} is on ${fsType}, which may clone: this case needs a file system without reflinks, such as ext4)`);
      return this.skip();
    }
    const source = path.join(dir, 'data.bin');
    makeDataFile(source, 2 * 1024 * 1024);
    const target = path.join(dir, 'target');
    fs.mkdirSync(target);
    await assertFailsCleanly(api, source, target);
  });
});

/**
 * Clone `source` into `target` where it cannot work. The extension offers "Copy instead" in a
 * notification; nobody answers, the test closes it (= declined). Then: no report, and the
 * folder holds exactly what it held before (no partial file, no temporary name).
 */
async function assertFailsCleanly(api: TestApi, source: string, target: string): Promise<void> {
  const before = listDir(target);
  await selectForClone(api, source);
  const p = vscode.commands.executeCommand<OperationReport[]>('extentLens.cloneHere', fileUri(target), [fileUri(target)]);
  let outcome = await settleWithin(p, 2_000);
  for (let i = 0; i < 15 && outcome.state === 'pending'; i++) {
    // The "Copy instead (keeps holes)?" offer waits for an answer: closing it declines.
    await vscode.commands.executeCommand('notifications.clearAll');
    outcome = await settleWithin(p, 2_000);
  }
  assert.notEqual(outcome.state, 'pending', 'cloneHere never finished, even after its notifications were closed');
  if (outcome.state === 'resolved') assert.deepEqual(outcome.value, [], `no report for a failed clone: ${big(outcome.value)}`);
  assert.deepEqual(listDir(target), before, 'the destination folder is unchanged');
  assert.ok(fs.existsSync(source), 'the source is still there');
}
