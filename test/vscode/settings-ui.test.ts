// The Settings editor (Preferences: Open Settings (UI)) in the real VS Code web workbench
// (code-server) on the demo workspace: each Extent Lens setting is found by its id and shows a
// control to change it (text box, number box, checkbox or drop-down), with its description, not
// only "Edit in settings.json" (which VS Code shows for a setting whose type is a union).
// Screenshot: test-results/screenshots/vscode-settings-<id>.png for a setting that fails.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import pkg from '../../package.json';
import { demoWorkbench, demoWorkbenchSkip } from './demo-workbench';
import { runCommand } from './ui-driver';

const skip = demoWorkbenchSkip([]);
const SETTINGS = Object.keys(pkg.contributes.configuration.properties);

describe('Extent Lens settings in the Settings editor (Chromium + code-server, demo workspace)', { skip }, () => {
  const w = demoWorkbench({ tmpPrefix: 'el-vscode-settings-', keep: [] });

  test('every setting has a control to change it, not only "Edit in settings.json"', async () => {
    const page = w.page();
    await runCommand(page, 'Preferences: Open Settings (UI)');
    const search = page.locator('.settings-editor .settings-header .suggest-input-container').first();
    await search.waitFor({ timeout: 30_000 });
    for (const id of SETTINGS) {
      await search.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.type(id);
      // The setting's row: .setting-item, whose class names the editor it got (setting-item-string,
      // -number, -bool, -enum; setting-item-complex: only "Edit in settings.json").
      const item = page.locator('.settings-editor .setting-item', { has: page.locator(`[data-key="${id}"]`) }).first();
      await item.waitFor({ timeout: 20_000 });
      const kind = /setting-item-(string|number|bool|enum|complex|[a-z]+)/.exec((await item.getAttribute('class')) ?? '')?.[1];
      const shot = path.join(w.shots, `vscode-settings-${id}.png`);
      if (kind === 'complex' || kind === undefined) await page.screenshot({ path: shot });
      assert.ok(
        kind !== 'complex' && kind !== undefined,
        `${id}: the Settings editor shows it as "${kind}" (${JSON.stringify(await item.innerText())}; see ${shot})`,
      );
      assert.match(await item.innerText(), /\S{20,}|\w+ \w+ \w+/, `${id}: its description is shown`);
    }
  });
});
