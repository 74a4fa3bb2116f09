// Clone Results fixes from a trial, in real Chromium with real XFS clones: a file that replaced
// one of its name keeps saying so in a narrow column (the words "(replaced)" after its name were
// the first thing ellipsized away at ~300 px); a Clone Range within one file shows that file
// once, with its source and destination ranges (two panels showed the same file and maps twice);
// the legend is one tab stop whose entries the arrow keys go through (seven tab stops before).
//
// Real: the engine (FICLONE with Overwrite, FICLONERANGE within a file), XFS, the command layer's
// result builder (src/commands/logic/clone-results.ts), the bundle, the CSP shell, Chromium.
// Replaced: the VS Code host, by the bridge in ./harness.ts.
//
// Run: node --import tsx --test test/webview/clone-results-trial.test.ts   (root; ~15 s)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { createEngine, type Engine } from '../../src/engine';
import { cloneResults } from '../../src/commands/logic/clone-results';
import type { CloneResultsData } from '../../src/protocol/messages';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium, screenshotPath } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import { buildWebviews, frames, installBridge, startShellServer, type ShellServer } from './harness';
import { applyTheme } from './themes';

const MiB = 1n << 20n;
const skip = skipReason('xfs') ?? chromiumSkipReason();

describe('clone results: replaced files, one-file ranges, the legend (Chromium, real XFS)', { skip, timeout: 120_000 }, () => {
  let xfs: TestFs | undefined;
  let engine: Engine;
  let server: ShellServer;
  let chromium: Chromium;
  const batch: CloneResultsData[] = []; // Block Clone Here of two files, the second over a file of its name
  let within: CloneResultsData; // Clone Range of [0, 1M) to 4M in one file

  before(async () => {
    buildWebviews();
    xfs = makeFs('xfs', 300);
    const m = xfs.mountPoint;
    const out = path.join(m, 'clones');
    fs.mkdirSync(out);
    engine = createEngine();
    for (const name of ['vm-disk-2026-12-01-nightly.img', 'vm-disk-2026-12-02-nightly.img']) {
      const src = path.join(m, name);
      xfsIo(src, 'truncate 4m', 'pwrite -S 0x5a 0 1m', 'fsync');
      const dest = path.join(out, name);
      if (batch.length === 1) xfsIo(dest, 'pwrite -S 0x77 0 2m', 'fsync'); // the name is taken: Overwrite
      const existed = fs.existsSync(dest);
      const destBefore = existed ? await engine.map(dest) : undefined;
      const srcBefore = await engine.map(src);
      const report = await engine.clone(src, out, { onExisting: existed ? 'overwrite' : 'fail' });
      const d = cloneResults(report, src, dest, srcBefore, await engine.map(src), destBefore, await engine.map(dest), existed);
      batch.push(d);
    }
    assert.equal(batch[1].destination.existedBefore, true);
    const one = path.join(m, 'one-file.img');
    xfsIo(one, 'truncate 8m', 'pwrite -S 0x33 0 1m', 'fsync');
    const before1 = await engine.map(one);
    const report = await engine.cloneRange(one, 0n, one, 4n * MiB, MiB);
    const after1 = await engine.map(one);
    within = cloneResults(report, one, one, before1, after1, before1, after1, true, one, {
      sourceOffset: 0n,
      destinationOffset: 4n * MiB,
    });
    server = await startShellServer();
    chromium = await launchChromium('webview-clone-trial');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose().catch(() => undefined);
    xfs?.cleanup();
  });

  async function open(data: CloneResultsData, items: CloneResultsData[] | undefined, width: number): Promise<Page> {
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width, height: 900 });
    await installBridge(page, { onReady: (b) => b.post({ type: 'cloneResults', data, items }) });
    await page.goto(server.url('cloneResults'));
    await applyTheme(page, 'dark');
    await page.waitForFunction(() => document.body.dataset.rendered === '1');
    await frames(page, 3);
    assert.deepEqual(errors, []);
    return page;
  }

  for (const width of [270, 300, 320]) {
    test(`a file that replaced one of its name says so at ${width} px: a badge the name's ellipsis never cuts`, async () => {
      const page = await open(batch[0], batch, width);
      const rows = await page.$$eval('.files details.file > summary .f-name', (cells) =>
        cells.map((c) => {
          const badge = c.querySelector('.f-replaced') as HTMLElement | null;
          const cell = c.getBoundingClientRect();
          const b = badge?.getBoundingClientRect();
          return {
            name: c.querySelector('.f-file')?.textContent,
            badge: badge?.textContent,
            // wholly inside the cell (which clips), and not cut itself
            inside: b ? b.left >= cell.left - 0.5 && b.right <= cell.right + 0.5 && b.bottom <= cell.bottom + 0.5 : false,
            uncut: badge ? badge.scrollWidth <= badge.clientWidth : false,
            spoken: c.textContent,
          };
        }),
      );
      assert.equal(rows.length, 2);
      assert.equal(rows[0].badge, undefined, 'the first file replaced nothing');
      assert.equal(rows[1].name, 'vm-disk-2026-12-02-nightly.img');
      assert.equal(rows[1].badge, 'replaced');
      assert.ok(rows[1].inside && rows[1].uncut, `the badge is shown whole: ${JSON.stringify(rows[1])}`);
      assert.equal(rows[1].spoken, 'vm-disk-2026-12-02-nightly.img, replaced');
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= width, 'no sideways scroll');
      if (width === 300)
        await page.screenshot({ path: screenshotPath('clone-results-replaced-300.png'), clip: { x: 0, y: 0, width, height: 360 } });
      await page.close();
    });
  }

  test('a Clone Range within one file: the file once, with its source and destination ranges', async () => {
    const page = await open(within, undefined, 320);
    assert.equal(await page.$$eval('.sides .side', (s) => s.length), 1, 'one panel, not the same file twice');
    assert.equal(await page.$eval('.side.same-file h2', (h) => h.textContent), 'Source and destination (one file)');
    assert.equal(await page.$eval('.side.same-file .name', (n) => n.textContent), 'one-file.img');
    assert.equal(await page.$eval('.side [data-key="source-range"] dd', (d) => d.textContent), '0 to 1,048,576 (1\u00a0MiB)');
    assert.equal(await page.$eval('.side [data-key="destination-range"] dd', (d) => d.textContent), '4,194,304 to 5,242,880 (1\u00a0MiB)');
    const maps = await page.$$eval('.side canvas.map', (cs) => cs.map((c) => c.getAttribute('aria-label') ?? ''));
    assert.equal(maps.length, 2, 'one before map and one after map');
    assert.match(maps[0], /^File before: 1 extent over 8 MiB, none of it shared$/);
    assert.match(maps[1], /^File after: 2 extents over 8 MiB, 2 MiB of it shared$/);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 320, 'no sideways scroll');
    await page.screenshot({ path: screenshotPath('clone-results-one-file-320.png'), fullPage: true });
    await page.close();
  });

  test('a Clone Range between two files: each panel says its range', async () => {
    const other = { ...within, destination: { ...within.destination, path: `${within.destination.path}.copy` } };
    const page = await open(other, undefined, 1000);
    assert.equal(await page.$$eval('.sides .side', (s) => s.length), 2);
    assert.equal(await page.$eval('.side.source [data-key="range"] dd', (d) => d.textContent), '0 to 1,048,576 (1\u00a0MiB)');
    assert.equal(await page.$eval('.side.destination [data-key="range"] dd', (d) => d.textContent), '4,194,304 to 5,242,880 (1\u00a0MiB)');
    await page.close();
  });

  test('the legend is one tab stop; the arrow keys go through its entries, each explained while focused', async () => {
    const page = await open(within, undefined, 320);
    const stops = await page.$$eval('.legend li', (li) => li.map((l) => (l as HTMLElement).tabIndex));
    assert.equal(stops.length, 7);
    assert.deepEqual(stops, [0, -1, -1, -1, -1, -1, -1], 'one tab stop: the first entry');
    const focusedText = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    await page.focus('.legend li');
    assert.equal(await focusedText(), 'Hole');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focusedText(), 'Data');
    const shown = await page.evaluate(() => getComputedStyle(document.activeElement!, '::after').content);
    assert.match(shown, /^"Data: written extents/, 'its meaning shows under it');
    await page.keyboard.press('End');
    assert.equal(await focusedText(), 'Encoded / encrypted');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focusedText(), 'Encoded / encrypted', 'the last entry stays');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedText(), 'Unwritten (preallocated)');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedText(), 'Data');
    // Tab leaves the legend at once (not through its other six entries), and Shift+Tab comes back to it
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.legend') ?? null), null, 'Tab left the legend');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedText(), 'Hole', 'back at the legend: its first entry');
    await page.close();
  });
});
