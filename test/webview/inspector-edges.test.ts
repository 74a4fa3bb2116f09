// Edge cases of the inspector in real Chromium. A thin extent stays visible at any file size: one 4 KiB
// extent in the middle of files of 2^36 to 2^63 − 1 bytes (real XFS files, mapped by the
// engine): the map must show at least one coloured column where it lies. Before the fix files
// of 2^44 bytes and more showed none (the extent fell below pixelOfOffset's 2^-20 px step, and
// columns under 1e-9 coverage were skipped), although the table listed the extent. And an
// empty file's axis says it is empty ("0", "empty file", no end byte: it said "… 1"). An error
// disables zoom, copy and export until a summary comes (they stayed enabled with no map). The
// summary never drops to one column (it did at 422-462 px, pushing the map below the fold).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createEngine, type Engine } from '../../src/engine';
import { MapModel } from '../../src/views/map-model';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import type { Page } from 'playwright-core';
import { buildWebviews, frames, installBridge, startShellServer, type HostBridge, type ShellServer } from './harness';
import { applyTheme, hexToRgb, THEMES } from './themes';

const skip = skipReason('xfs') ?? chromiumSkipReason();
/** The toolbar's buttons and whether each is disabled after an error: all but Refresh. */
const DISABLED_ON_ERROR: [string, boolean][] = [
  ['btn-refresh', false],
  ['btn-zoom-in', true],
  ['btn-zoom-out', true],
  ['btn-reset', true],
  ['btn-copy', true],
  ['btn-export-json', true],
  ['btn-export-csv', true],
];
const buttons = (page: Page): Promise<[string, boolean][]> =>
  page.$$eval('.toolbar vscode-toolbar-button', (bs) => bs.map((b) => [b.id, b.hasAttribute('disabled')] as [string, boolean]));
const SIZES = [36n, 40n, 44n, 48n, 52n, 56n, 60n].map((b) => 1n << b).concat([(1n << 63n) - 1n]);

describe('inspector edge cases: thin extents in huge files, an empty file, the summary at every width', { skip, timeout: 120_000 }, () => {
  let xfs: TestFs | undefined;
  let engine: Engine;
  let server: ShellServer;
  let chromium: Chromium;

  before(async () => {
    buildWebviews();
    xfs = makeFs('xfs', 300);
    engine = createEngine();
    server = await startShellServer();
    chromium = await launchChromium('webview');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose().catch(() => undefined);
    xfs?.cleanup();
  });

  /** A page showing the inspector of `file` (mapped by the engine), once it has settled. */
  async function openInspector(file: string, width = 1280): Promise<{ page: Page; bridge: HostBridge }> {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width, height: 800 });
    const bridge = await installBridge(page, { model: async () => new MapModel(await engine.map(file), await engine.volume(file)) });
    await page.goto(server.url('inspector', { body: THEMES.dark.body }));
    await applyTheme(page, 'dark');
    await page.waitForFunction(() => document.body.dataset.windowMode !== undefined && document.body.dataset.busy === '0');
    await frames(page);
    return { page, bridge };
  }

  test('an empty file: the axis says so, not "1 B shown", and names no end byte', async () => {
    const file = path.join(xfs!.mountPoint, 'empty.img');
    xfsIo(file, 'truncate 0');
    const { page } = await openInspector(file);
    const axis = await page.$$eval('.axis span', (ss) =>
      ss.map((e) => [e.className, e.textContent, (e as HTMLElement).offsetParent !== null]),
    );
    // "0 … empty file … 1" said the file had a byte 0 to 1: it has none
    assert.deepEqual(axis, [
      ['axis-start', '0', true],
      ['axis-len', 'empty file', true],
      ['axis-end', '', false],
    ]);
    await page.close();
  });

  test('over SMB the file system is named as the server reports it (Samba says NTFS on btrfs); locally as it is', async () => {
    // Found by hand: an inspector of a file on a Samba share over btrfs said "File system NTFS,
    // 4,096-byte blocks", where Show Volume Capabilities and the CLI mark the name as the server's.
    const file = path.join(xfs!.mountPoint, 'fsname.img');
    xfsIo(file, 'truncate 1m', 'pwrite 0 64k');
    const url = 'smb://u@h/s/fsname.img';
    const map = { ...(await engine.map(file)), path: url, source: 'allocated-ranges' as const };
    const vol = { ...(await engine.volume(file)), path: url, filesystem: 'NTFS' };
    const page = await chromium.context.newPage();
    await installBridge(page, { model: async () => new MapModel(map, vol) });
    await page.goto(server.url('inspector', { body: THEMES.dark.body }));
    await page.waitForFunction(() => document.body.dataset.busy === '0' && document.querySelector('.summary .kv[data-key="File system"]'));
    const fsOf = (p: Page) =>
      p.$eval('.summary .kv[data-key="File system"] dd', (d) => [d.textContent, d.getAttribute('title') ?? ''] as [string, string]);
    const [text, tip] = await fsOf(page);
    assert.equal(text, 'NTFS (as the server reports it), 4,096-byte blocks');
    assert.match(tip, /Samba says NTFS whatever it is/);
    await page.close();
    const local = await openInspector(file);
    assert.equal((await fsOf(local.page))[0], 'xfs, 4,096-byte blocks');
    await local.page.close();
  });

  // A trial: at the right edge of a wide editor the tooltip wrapped its human size and hex
  // ("53.1 MiB ·" / "0x3518000"): it was measured at its last position, where it had less room.
  test('the tooltip near the right edge keeps each line whole, as it is at the left', async () => {
    // data to 60 MiB, then a hole to 64 MiB: the hole's tooltip is the narrower one
    const file = path.join(xfs!.mountPoint, 'edge-tip.img');
    xfsIo(file, 'truncate 64m', 'pwrite -S 1 0 60m');
    const { page } = await openInspector(file, 1400);
    const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
    const wrapped = (): Promise<string[]> =>
      page.$$eval('.tooltip .tt-h, .tooltip .tt-v, .tooltip .tt-flags', (xs) =>
        xs.filter((x) => (x as HTMLElement).offsetHeight > 20).map((x) => x.textContent ?? ''),
      );
    // the hole at the right edge, then the data just before it, then the start and back; each
    // time after the last tooltip was left near the right edge with little room beside it
    for (const at of [0.999, 0.93, 0.02, 0.999, 0.93]) {
      await page.$eval('.tooltip', (t) => {
        (t as HTMLElement).style.left = `${t.parentElement!.clientWidth - 40}px`;
      });
      await page.mouse.move(bb.x + bb.width * at, bb.y + bb.height / 2);
      await page.waitForSelector('.tooltip:not([hidden])');
      await frames(page);
      assert.deepEqual(await wrapped(), [], `lines wrapped with the pointer at ${at * 100}% of the map`);
      const box = (await (await page.$('.tooltip'))!.boundingBox())!;
      assert.ok(box.x + box.width <= bb.x + bb.width + 1, 'inside the map');
    }
    await page.close();
  });

  test('the summary has at least two columns at every width from 320 to 900 px', async () => {
    const file = path.join(xfs!.mountPoint, 'cols.img');
    xfsIo(file, 'truncate 16m', 'pwrite 0 1m');
    const { page } = await openInspector(file);
    const one: number[] = [];
    for (let width = 320; width <= 900; width += 10) {
      await page.setViewportSize({ width, height: 800 });
      await frames(page);
      const columns = await page.$eval('.summary', (e) => getComputedStyle(e).gridTemplateColumns.split(' ').length);
      if (columns < 2) one.push(width);
    }
    assert.deepEqual(one, [], 'widths with a one-column summary');
    await page.close();
  });

  test('an error after a read dims what that read showed and says so; an error before any read shows no empty map', async () => {
    const file = path.join(xfs!.mountPoint, 'gone.img');
    xfsIo(file, 'truncate 16m', 'pwrite 0 1m');
    const { page, bridge } = await openInspector(file);
    // the file deleted: the host's next read fails
    await bridge.post({
      type: 'error',
      code: 'ENOENT',
      message: 'map failed on gone.img: no such file or directory; check the path (ENOENT).',
    });
    await page.waitForSelector('.banner:not([hidden])');
    assert.match((await page.$eval('.banner', (b) => b.textContent))!, /\(ENOENT\)\. The figures below are from the last read\./);
    const dismiss = (p: Page) => p.$eval('.banner vscode-toolbar-button', (b) => b.checkVisibility());
    assert.equal(await dismiss(page), true, 'the last read is still shown: the banner can be dismissed');
    assert.equal(await page.$eval('.map-wrap', (e) => getComputedStyle(e).opacity), '0.45');
    // nothing to zoom or export any more: those buttons are disabled (and do nothing); Refresh works
    assert.deepEqual(await buttons(page), DISABLED_ON_ERROR);
    const before = bridge.received.length;
    await page.click('#btn-export-json', { force: true });
    await page.focus('canvas.map');
    await page.keyboard.press('+');
    await frames(page);
    assert.deepEqual(
      bridge.received.slice(before).map((m) => m.type),
      [],
      'no export and no window asked for after the error',
    );
    // a fresh summary (a Refresh that worked) brings them back
    const model = new MapModel(await engine.map(file), await engine.volume(file));
    await bridge.post({ type: 'summary', summary: model.summary() });
    assert.deepEqual(
      await buttons(page),
      DISABLED_ON_ERROR.map(([id]) => [id, false]),
    );
    await page.close();

    // nothing read yet (a FIFO): the banner alone, no map, axis, summary or table
    const fresh = await chromium.context.newPage();
    const b2 = await installBridge(fresh, {}); // no model: the host has read nothing
    await fresh.goto(server.url('inspector', { body: THEMES.dark.body, heading: JSON.stringify({ name: 'fifo', path: '/srv/fifo' }) }));
    await b2.post({ type: 'error', code: 'E_NOT_REGULAR', message: 'map: fifo is not a regular file (E_NOT_REGULAR).' });
    await fresh.waitForSelector('.banner:not([hidden])');
    // the heading names the file although no summary ever came (it said a bare "Extent Lens")
    assert.deepEqual(await fresh.$eval('h1.title', (h) => [h.textContent, (h as HTMLElement).title]), ['fifo', '/srv/fifo']);
    // the banner is all there is: no Dismiss (it left a blank page under a bare "Extent Lens")
    assert.equal(await dismiss(fresh), false, 'nothing read: the banner stays');
    for (const sel of ['.map-wrap', '.table-wrap', '.summary'])
      assert.equal(await fresh.$eval(sel, (e) => getComputedStyle(e).display), 'none', sel);
    // no map: zoom, whole file, copy and export are disabled (the trial found them enabled); Refresh is not
    assert.deepEqual(await buttons(fresh), DISABLED_ON_ERROR);
    assert.equal(await fresh.$eval('#btn-zoom-in', (b) => getComputedStyle(b).opacity), '0.4', 'and look it');
    await fresh.close();
  });

  test('a table that scrolls sideways is one tab stop: Tab from it leaves it (its scroller was a second)', async () => {
    const file = path.join(xfs!.mountPoint, 'tabs.img');
    xfsIo(file, 'truncate 8m', 'pwrite 0 4k', 'pwrite 1m 4k', 'pwrite 2m 4k', 'fsync');
    const { page } = await openInspector(file, 330);
    await page.waitForFunction(() => document.querySelectorAll('.tbody .tr').length === 3);
    const sideways = await page.$eval('.tscroll', (e) => e.scrollWidth > e.clientWidth);
    assert.ok(sideways, 'at 330 px the table scrolls sideways');
    await page.focus('.grid');
    await page.keyboard.press('Tab');
    const now = await page.evaluate(() => ({
      cls: document.activeElement?.className ?? '',
      inGrid: !!document.activeElement?.closest('.grid'),
    }));
    assert.equal(now.inGrid, false, `focus left the table: ${JSON.stringify(now)}`);
    await page.close();
  });

  for (const size of SIZES) {
    test(`${size} bytes: the extent at the middle shows, in the data colour, where it lies`, async () => {
      const file = path.join(xfs!.mountPoint, `thin-${size}.img`);
      const mid = (size / 2n / 4096n) * 4096n;
      xfsIo(file, `truncate ${size}`, `pwrite -S 0x5a ${mid} 4096`, 'fsync');
      const { page } = await openInspector(file, 1400);
      const blue = hexToRgb(THEMES.dark.vars['--vscode-charts-blue']);
      // the columns of the bottom row that hold the data colour (a thin extent is a mark of 2 CSS px there)
      const cols = await page.$eval(
        'canvas.map',
        (c, rgb) => {
          const cv = c as HTMLCanvasElement;
          const row = cv.getContext('2d')!.getImageData(0, cv.height - 1, cv.width, 1).data;
          const out: number[] = [];
          for (let x = 0; x < cv.width; x++)
            if (row[4 * x] === rgb[0] && row[4 * x + 1] === rgb[1] && row[4 * x + 2] === rgb[2]) out.push(x);
          return { out, w: cv.width };
        },
        blue,
      );
      const expected = Number((mid * BigInt(cols.w)) / size);
      assert.ok(cols.out.length > 0 && cols.out.length <= 2, `${size}: data columns ${JSON.stringify(cols.out)}`);
      assert.ok(Math.abs(cols.out[0] - expected) <= 1, `${size}: at x ${cols.out[0]}, expected ${expected}`);
      await page.close();
    });
  }
});
