// The clone selection in the status bar of the real VS Code web workbench (code-server) on the
// demo workspace: right-click reflink/clone-me.bin › Select for Block Clone, and the status bar
// says which file is selected (the toast that said it goes away), in a few words that a narrow
// window does not cut (the sentence is its accessible name); a click on it clears the selection
// and the item goes. Screenshot: test-results/screenshots/vscode-clone-selection-status.png.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { demoWorkbench, demoWorkbenchSkip } from './demo-workbench';
import { expandFolder, explorerContextMenu } from './ui-driver';

const skip = demoWorkbenchSkip([]);

describe('the block clone selection in the status bar (Chromium + code-server, demo workspace)', { skip }, () => {
  const w = demoWorkbench({ tmpPrefix: 'el-vscode-selection-', keep: [] });

  test('Select for Block Clone shows the file in the status bar; clicking it clears the selection', async () => {
    const page = w.page();
    await expandFolder(page, 'reflink', 1);
    await explorerContextMenu(page, 'clone-me.bin', 2, 'Select for Block Clone');
    const item = page.locator('.statusbar .statusbar-item', { has: page.locator('[aria-label*="selected for block clone"]') });
    await item.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(w.shots, 'vscode-clone-selection-status.png') });
    assert.equal((await item.innerText()).trim(), 'clone-me.bin');
    assert.match(
      (await item.locator('[aria-label]').first().getAttribute('aria-label')) ?? '',
      /^clone-me\.bin selected for block clone\. Click to clear the selection\.$/,
    );
    await item.locator('a, .statusbar-item-label').first().click();
    await item.waitFor({ state: 'detached', timeout: 30_000 });
  });
});
