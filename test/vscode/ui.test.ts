// UI end-to-end: a person's flows in the real VS Code web workbench (code-server), driven by
// Debian's Chromium through playwright-core, with Extent Lens installed from the VSIX that
// scripts/package.mjs builds (EL_UI_FROM_SOURCE=1: loaded unpackaged from this repository).
// One code-server and one browser serve every flow:
//   - F1 > "Extent Lens: Inspect Allocated Ranges" on a sparse fixture: the summary, the range
//     map (canvas pixels) and the virtualised table show the fixture's ranges;
//   - "Reopen Editor With..." > "Extent Lens Inspector" opens the same view as a custom editor;
//   - explorer: right-click a file > Select for Block Clone, right-click a folder > Block Clone
//     Here (XFS loop mount, root only): the clone appears in the explorer, the results view opens.
// Screenshots go to test-results/screenshots/vscode-*.png (and to docs/screenshots/ with
// EL_UPDATE_SCREENSHOTS=1; the README shows those).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { findVsCode, installBuiltVsix, launchBrowser, openWorkbench, REPO_ROOT, startCodeServer, type Browser, type CodeServer, type VsCodeInstall } from '../support/codeserver';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { expandFolder, explorerContextMenu, explorerRow, pickQuickItem, pollFrames, quickOpen, runCommand, sleep } from './ui-driver';

const install = findVsCode();
const distMissing = ['dist/extension.js', 'dist/webview/inspector.js'].find((f) => !fs.existsSync(path.join(REPO_ROOT, f)));
const skip = typeof install === 'string' ? install : distMissing ? `${distMissing} is missing: run npm run build` : undefined;

const fromSource = process.env.EL_UI_FROM_SOURCE === '1';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The sparse fixture: data ranges [offset, length], size 5 MiB. */
const DATA: Array<[number, number]> = [
  [0, 64 * KiB],
  [1 * MiB, 64 * KiB],
  [3 * MiB, 128 * KiB],
];
const SIZE = 5 * MiB;

function writeSparse(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const [off, len] of DATA) fs.writeSync(fd, Buffer.alloc(len, 0xa5), 0, len, off);
    fs.ftruncateSync(fd, SIZE);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

interface InspectorView {
  label: string;
  summary: string;
  rows: string[][];
  width: number;
  /** Pixel (RGBA) at the middle row of the map, sampled at fractions of the width. */
  samples: Record<string, string>;
}

/** Read an inspector webview for `name` once it has drawn its summary and table rows. */
async function readInspector(frame: Frame, name: string, fractions: Record<string, number>): Promise<InspectorView | undefined> {
  return frame.evaluate(
    ({ name, fractions }) => {
      const map = document.querySelector('canvas.map') as HTMLCanvasElement | null;
      const label = map?.getAttribute('aria-label') ?? '';
      if (!map || !label.includes(name) || label.includes('loading')) return undefined;
      const rows = [...document.querySelectorAll('.tbody .tr')].map((r) => [...r.querySelectorAll('.td')].map((td) => (td as HTMLElement).innerText.trim()));
      if (rows.length === 0 || rows.some((r) => r.length < 4 || r[1] === '')) return undefined;
      const ctx = map.getContext('2d');
      if (!ctx || map.width < 10) return undefined;
      const y = Math.floor(map.height / 2);
      const samples: Record<string, string> = {};
      for (const [k, f] of Object.entries(fractions)) samples[k] = [...ctx.getImageData(Math.min(map.width - 1, Math.floor(f * map.width)), y, 1, 1).data].join(',');
      return { label, summary: (document.querySelector('dl.summary') as HTMLElement | null)?.innerText ?? '', rows, width: map.width, samples };
    },
    { name, fractions },
  );
}

/** Fractions of the file (5 MiB) inside each data range and inside each hole. */
const SAMPLES = {
  data0: (32 * KiB) / SIZE,
  data1: (1 * MiB + 32 * KiB) / SIZE,
  data2: (3 * MiB + 64 * KiB) / SIZE,
  hole0: (512 * KiB) / SIZE,
  hole1: (2 * MiB) / SIZE,
  hole2: (4 * MiB) / SIZE,
};

const digits = (s: string): string => s.replace(/[^0-9]/g, '');

function assertShowsFixture(v: InspectorView): void {
  assert.match(v.label, /3 extents/, `map label: ${v.label}`);
  assert.ok(v.summary.length > 0, 'summary is shown');
  assert.deepEqual(
    v.rows.slice(0, 3).map((r) => [digits(r[1]), digits(r[3])]),
    DATA.map(([o, l]) => [String(o), String(l)]),
    `table rows (Start, Length): ${JSON.stringify(v.rows)}`,
  );
  assert.equal(v.rows.length, 3, 'exactly the three data ranges');
  // The map draws data and holes in different colours, at the right places.
  const s = v.samples;
  assert.equal(s.data1, s.data0, `data ranges share a colour: ${JSON.stringify(s)}`);
  assert.equal(s.data2, s.data0, `data ranges share a colour: ${JSON.stringify(s)}`);
  assert.equal(s.hole1, s.hole0, `holes share a colour: ${JSON.stringify(s)}`);
  assert.equal(s.hole2, s.hole0, `holes share a colour: ${JSON.stringify(s)}`);
  assert.notEqual(s.data0, s.hole0, `data and holes differ: ${JSON.stringify(s)}`);
}

/**
 * Poll the webviews until an inspector of `name` shows the fixture (the map's window arrives
 * after the summary and rows, so the first frame drawn can still be empty), or time out and
 * assert on the last thing seen, so a failure says what was on screen.
 */
async function inspectorShowingFixture(page: import('playwright-core').Page, name: string, timeoutMs = 90_000): Promise<InspectorView> {
  const end = Date.now() + timeoutMs;
  let last: InspectorView | undefined;
  for (;;) {
    try {
      const { value } = await pollFrames(page, `the inspector of ${name}`, (f) => readInspector(f, name, SAMPLES), Math.max(1000, end - Date.now()));
      last = value;
      assertShowsFixture(value);
      return value;
    } catch (e) {
      if (Date.now() > end) {
        if (last) assertShowsFixture(last);
        throw e;
      }
      await sleep(250);
    }
  }
}

describe('Extent Lens UI in VS Code (Chromium + code-server)', { skip }, () => {
  let runDir = '';
  let ws = '';
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let xfs: TestFs | undefined;
  let xfsSkip: string | undefined;
  const shots = path.join(REPO_ROOT, 'test-results', 'screenshots');
  // vscode- prefix: docs/screenshots/ is shared with the webview's own screenshots.
  const shot = (name: string): string => path.join(shots, `vscode-${name}`);

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    runDir = fs.mkdtempSync('/tmp/el-vscode-ui-');
    ws = path.join(runDir, 'demo');
    fs.mkdirSync(ws, { recursive: true });
    writeSparse(path.join(ws, 'sparse.bin'));
    xfsSkip = skipReason('xfs');
    if (!xfsSkip) {
      xfs = makeFs('xfs', 320, { mountPoint: path.join(ws, 'xfs') });
      fs.mkdirSync(path.join(xfs.mountPoint, 'src'));
      fs.mkdirSync(path.join(xfs.mountPoint, 'dst'));
      // 8 MiB: data at [0, 2M) and [4M, 6M), holes between. Sized first, so that XFS does no
      // speculative preallocation past the old EOF (it would show up as unwritten extents).
      const fd = fs.openSync(path.join(xfs.mountPoint, 'src', 'disk.img'), 'w');
      fs.ftruncateSync(fd, 8 * MiB);
      for (const base of [0, 4 * MiB]) for (let i = 0; i < 2; i++) fs.writeSync(fd, Buffer.alloc(MiB, 0x30 + i), 0, MiB, base + i * MiB);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    // The extension as people get it: the VSIX that scripts/package.mjs builds for this
    // platform (bundles + the one koffi binary), installed with code-server's CLI. With
    // EL_UI_FROM_SOURCE=1 the repository is loaded unpackaged instead (faster to iterate).
    const extensionsDir = path.join(runDir, 'extensions');
    fs.mkdirSync(extensionsDir);
    if (!fromSource) {
      installBuiltVsix(install as VsCodeInstall, runDir, extensionsDir);
    }
    server = await startCodeServer(install as VsCodeInstall, {
      runDir: path.join(runDir, 'server'),
      extensionsDir,
      userSettings: { 'extentLens.clone.onExisting': 'rename', 'workbench.editor.enablePreview': false, 'files.exclude': { '**/.*': true } },
    });
    browser = await launchBrowser();
    await openWorkbench(server, browser.page, ws, fromSource ? REPO_ROOT : undefined);
    await explorerRow(browser.page, 'sparse.bin', 1).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    xfs?.cleanup();
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
    if (process.env.EL_UPDATE_SCREENSHOTS === '1' && fs.existsSync(shots)) {
      const docs = path.join(REPO_ROOT, 'docs', 'screenshots');
      fs.mkdirSync(docs, { recursive: true });
      for (const f of fs.readdirSync(shots).filter((n) => n.startsWith('vscode-'))) fs.copyFileSync(path.join(shots, f), path.join(docs, f));
    }
  });

  test('command palette: Extent Lens: Inspect Allocated Ranges shows the map and the table', { timeout: 180_000 }, async () => {
    const page = browser!.page;
    await quickOpen(page, 'sparse.bin');
    try {
      await runCommand(page, 'Extent Lens: Inspect Allocated Ranges');
      await inspectorShowingFixture(page, 'sparse.bin');
      await page.screenshot({ path: shot('inspector.png') });
    } finally {
      await runCommand(page, 'View: Close All Editor Groups');
    }
  });

  test('Reopen Editor With... > Extent Lens Inspector opens the custom editor', { timeout: 180_000 }, async () => {
    const page = browser!.page;
    await quickOpen(page, 'sparse.bin');
    try {
      await runCommand(page, 'View: Reopen Editor With...');
      await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Extent Lens Inspector' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: shot('reopen-with.png') });
      await pickQuickItem(page, 'Extent Lens Inspector');
      await inspectorShowingFixture(page, 'sparse.bin');
      await page.locator('.tabs-container .tab.active', { hasText: 'sparse.bin' }).waitFor({ timeout: 10_000 });
    } finally {
      await runCommand(page, 'View: Close All Editor Groups');
    }
  });

  test('explorer: Select for Block Clone, then Block Clone Here on a folder', { timeout: 180_000, skip: skipReason('xfs') }, async () => {
    const page = browser!.page;
    await expandFolder(page, 'xfs', 1);
    await expandFolder(page, 'src', 2);
    await explorerContextMenu(page, 'disk.img', 3, 'Select for Block Clone', { screenshot: shot('select-for-block-clone.png') });
    await explorerContextMenu(page, 'dst', 2, 'Block Clone Here', { screenshot: shot('block-clone-here.png') });
    // The clone appears in the explorer, under dst.
    await expandFolder(page, 'dst', 2);
    await page.waitForFunction(() => document.querySelectorAll('.explorer-folders-view .monaco-list-row[aria-label="disk.img"][aria-level="3"]').length === 2, undefined, { timeout: 30_000 });
    assert.ok(fs.existsSync(path.join(xfs!.mountPoint, 'dst', 'disk.img')), 'the clone exists on disk');
    // The results view opens, and says how the bytes were shared.
    await page.locator('.tabs-container .tab', { hasText: 'Clone Results' }).first().waitFor({ timeout: 30_000 });
    const { value: text } = await pollFrames(page, 'the clone results', (f) =>
      f.evaluate(() => {
        const t = document.body?.innerText ?? '';
        return /FICLONE/.test(t) && /disk\.img/.test(t) ? t : undefined;
      }),
    60_000);
    assert.match(text, /FICLONE/);
    await sleep(500); // let the results view finish drawing its maps
    await page.screenshot({ path: shot('clone-results.png') });
  });
});
