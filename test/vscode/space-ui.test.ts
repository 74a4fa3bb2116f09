// Analyze Space Usage in the real VS Code web workbench (code-server) on the demo workspace
// (scripts/demo-workspace.sh: as root, reflink/ is an XFS image holding original.img and its
// reflinked copy): right-click reflink/ › Extent Lens › Analyze Space Usage, and the Space view
// shows the totals, the treemap and both files in the table, marked as sharing with each other.
// Extent Lens is installed from the VSIX scripts/package.mjs builds (EL_UI_FROM_SOURCE=1: loaded
// unpackaged from this repository). Screenshot: test-results/screenshots/vscode-space.png (and
// docs/screenshots/ with EL_UPDATE_SCREENSHOTS=1).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  findVsCode,
  installExtension,
  launchBrowser,
  openWorkbench,
  REPO_ROOT,
  startCodeServer,
  type Browser,
  type CodeServer,
  type VsCodeInstall,
} from '../support/codeserver';
import { skipReason } from '../support/loopfs';
import { explorerRow, extentLensMenu, pollFrames, sleep } from './ui-driver';

const install = findVsCode();
const distMissing = ['dist/extension.js', 'dist/webview/space.js'].find((f) => !fs.existsSync(path.join(REPO_ROOT, f)));
const skip = typeof install === 'string' ? install : distMissing ? `${distMissing} is missing: run npm run build` : skipReason('xfs');
const fromSource = process.env.EL_UI_FROM_SOURCE === '1';

describe('Analyze Space Usage in VS Code (Chromium + code-server, demo workspace)', { skip }, () => {
  let runDir = '';
  let ws = '';
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const shots = path.join(REPO_ROOT, 'test-results', 'screenshots');

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    runDir = fs.mkdtempSync('/tmp/el-vscode-space-');
    ws = path.join(runDir, 'demo');
    execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'demo-workspace.sh'), ws], { stdio: ['ignore', 'ignore', 'inherit'] });
    const extensionsDir = path.join(runDir, 'extensions');
    fs.mkdirSync(extensionsDir);
    if (!fromSource) {
      const vsixDir = path.join(runDir, 'vsix');
      const target = `${process.platform}-${process.arch}`;
      execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--target', target, '--no-build', '--out', vsixDir], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const vsix = fs.readdirSync(vsixDir).find((f) => f.endsWith('.vsix'));
      assert.ok(vsix, `scripts/package.mjs made no VSIX in ${vsixDir}`);
      installExtension(install as VsCodeInstall, extensionsDir, path.join(vsixDir, vsix));
    }
    server = await startCodeServer(install as VsCodeInstall, {
      runDir: path.join(runDir, 'server'),
      extensionsDir,
      userSettings: { 'workbench.editor.enablePreview': false, 'files.exclude': { '**/.*': true } },
    });
    browser = await launchBrowser();
    await openWorkbench(server, browser.page, ws, fromSource ? REPO_ROOT : undefined);
    await explorerRow(browser.page, 'reflink', 1).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (ws) execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'demo-workspace.sh'), '--cleanup', ws], { stdio: 'ignore' });
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
    if (process.env.EL_UPDATE_SCREENSHOTS === '1' && fs.existsSync(path.join(shots, 'vscode-space.png'))) {
      fs.copyFileSync(path.join(shots, 'vscode-space.png'), path.join(REPO_ROOT, 'docs', 'screenshots', 'vscode-space.png'));
    }
  });

  test('explorer: reflink/ › Extent Lens › Analyze Space Usage opens the Space view', { timeout: 240_000 }, async () => {
    const page = browser!.page;
    await extentLensMenu(page, 'reflink', 1, 'Analyze Space Usage', { screenshot: path.join(shots, 'vscode-analyze-space-menu.png') });
    await page.locator('.tabs-container .tab', { hasText: 'Space: reflink' }).first().waitFor({ timeout: 60_000 });
    const { frame, value } = await pollFrames(
      page,
      'the Space view',
      (f) =>
        f.evaluate(() => {
          if (document.body?.dataset.state !== 'done') return undefined;
          const rows = [...document.querySelectorAll('.space-grid .tscroll .tr')].map(
            (r) => (r.querySelector('.c-path') as HTMLElement).innerText,
          );
          return { rows, reclaim: (document.querySelector('.reclaim-line') as HTMLElement).innerText, text: document.body.innerText };
        }),
      90_000,
    );
    assert.ok(value.rows.includes('original.img') && value.rows.includes('reflinked-copy.img'), JSON.stringify(value.rows));
    assert.match(value.reclaim, /^Deleting this frees /);
    // select the original: its reflinked copy is marked as sharing extents with it
    await frame.click('.space-grid .tscroll .tr:has(.c-path:text-is("original.img"))');
    const partner = await frame.evaluate(
      () => (document.querySelector('.space-grid .tr.partner .c-path') as HTMLElement | null)?.innerText,
    );
    assert.equal(partner, 'reflinked-copy.img');
    await sleep(300);
    await page.screenshot({ path: path.join(shots, 'vscode-space.png') });
  });
});
