// Find Duplicate Data in the real VS Code web workbench (code-server) on the demo workspace
// (scripts/demo-workspace.sh; as root reflink/ is an XFS image holding original.img and its
// reflinked copy): right-click reflink/ › Extent Lens › Find Duplicate Data..., and the Dedupe
// view opens. Extent Lens is installed from the VSIX scripts/package.mjs builds
// (EL_UI_FROM_SOURCE=1: loaded unpackaged from this repository).
//
// The demo's reflink/ holds data that repeats (its pattern has a 256-byte period, so many 128 KiB
// chunks of original.img and clone-me.bin are equal) and the reflinked pair (already shared). The
// view shows the plan; Deduplicate (from the keyboard: Cancel then has the focus) asks in a modal,
// the file system shares the ranges, and the view shows the result measured from the file system's free space; the files' bytes are
// unchanged (sha256 before and after) and filefrag then reports shared extents in clone-me.bin.
// Screenshot: test-results/screenshots/vscode-dedupe.png (docs/screenshots/ with EL_UPDATE_SCREENSHOTS=1).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { demoWorkbench, demoWorkbenchSkip } from './demo-workbench';
import { dedupeViewSettled, extentLensMenu, sleep } from './ui-driver';

const skip = demoWorkbenchSkip(['dist/webview/dedupe.js']);

describe('Find Duplicate Data in VS Code (Chromium + code-server, demo workspace)', { skip }, () => {
  const w = demoWorkbench({ tmpPrefix: 'el-vscode-dedupe-', keep: ['vscode-dedupe.png'] });
  const shots = w.shots;

  test('explorer: reflink/ › Extent Lens › Find Duplicate Data... opens the Dedupe view', { timeout: 240_000 }, async () => {
    const page = w.page();
    await extentLensMenu(page, 'reflink', 1, /^Find Duplicate Data/, { screenshot: path.join(shots, 'vscode-find-duplicates-menu.png') });
    await page.locator('.tabs-container .tab', { hasText: 'Duplicates: reflink' }).first().waitFor({ timeout: 60_000 });
    const { frame, ...value } = await dedupeViewSettled(page, path.join(shots, 'vscode-dedupe-failed.png'));
    assert.equal(value.state, 'done', value.text);
    assert.match(value.text, /Net saving/);
    // groups of equal 128 KiB chunks (their ranges folded away: they are many), and the reflinked pair
    assert.match(value.text, /× 128 KiB/);
    assert.match(value.text, /reflinked-copy\.img/);
    const reflink = path.join(w.ws(), 'reflink');
    const sums = () =>
      execFileSync('sha256sum', ['original.img', 'reflinked-copy.img', 'clone-me.bin'], { cwd: reflink, encoding: 'utf8' });
    const before = sums();
    assert.doesNotMatch(execFileSync('filefrag', ['-v', path.join(reflink, 'clone-me.bin')], { encoding: 'utf8' }), /shared/);

    // From the keyboard: Deduplicate › the modal › Enter: the result, measured. The view's page
    // notes where its focus goes while the run is under way (a trial: the modal had the keyboard,
    // and afterwards the view's page had none: Cancel was out of a keyboard's reach).
    await frame.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { focusSeen: string[] }).focusSeen = seen;
      document.addEventListener('focusin', (e) => seen.push(`${document.body.dataset.state} ${(e.target as HTMLElement).id}`));
    });
    await frame.locator('#btn-dedupe').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /Deduplicate \d+ files to free .+\?/);
    await page.screenshot({ path: path.join(shots, 'vscode-dedupe-confirm.png') });
    await page.keyboard.press('Enter');
    const report = frame.locator('section.report:not([hidden])');
    await report.waitFor({ timeout: 120_000 });
    await frame.locator('body[data-state="done"]').waitFor({ timeout: 30_000 });
    const focus = await frame.evaluate(() => ({
      seen: (window as unknown as { focusSeen: string[] }).focusSeen,
      has: document.hasFocus(),
      at: document.activeElement?.className,
    }));
    assert.ok(focus.seen.includes('applying btn-cancel'), `Cancel had the focus while it ran: ${JSON.stringify(focus)}`);
    assert.deepEqual([focus.has, focus.at], [true, 'saving-line'], 'then the sentence that says what happened');
    const reportText = await report.innerText();
    assert.match(reportText, /Freed \(measured\)/);
    assert.match(reportText, /FIDEDUPERANGE/);
    assert.equal(sums(), before, 'no file changed');
    assert.match(execFileSync('filefrag', ['-v', path.join(reflink, 'clone-me.bin')], { encoding: 'utf8' }), /shared/);
    // the plan is spent: Deduplicate disabled with the reason, Find again first
    await frame.locator('#btn-dedupe[disabled]').waitFor({ timeout: 30_000 });
    assert.match(await frame.locator('.apply-why').innerText(), /Find again to see what is left/);
    assert.ok(await frame.locator('#btn-find-again').isVisible());
    await sleep(300);
    await page.screenshot({ path: path.join(shots, 'vscode-dedupe.png') });
  });
});
