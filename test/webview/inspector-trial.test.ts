// Fixes from a user trial (trial79) in real Chromium, on maps the engine reads from real XFS files:
// - extents past the end of the file (fallocate --keep-size): a note, an end-of-file line on the
//   map, rows flagged "past EOF", Allocated saying how much lies past the end, and an accessible
//   label that does not read "5 MiB allocated of 1 MiB" (none of these were there);
// - mapDetail "ranges": Allocated labelled and explained as SEEK_DATA's data, Sparse too, with the
//   note on what the block count holds beyond (it claimed "all extents, unwritten included");
// - Esc on the map clears the table's selection and the live region too (only the map's went);
// - the map's keyboard focus ring shows in every theme (a later `outline` rule hid it);
// - an empty or all-hole file says so under the table and disables zoom (the table was blank and
//   zoom stayed on);
// - a summary figure's meaning reaches the keyboard and screen readers (it was a tooltip only).
// A later trial on VM images (trial158):
// - Z on the map zooms to the selected extent, as a double-click does: a 12 KiB extent near 2^53
//   in an 8 PiB sparse image, chosen with N, took about 40 presses of + to see.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type Engine } from '../../src/engine';
import { MapModel } from '../../src/views/map-model';
import { readMap } from '../../src/views/read-map';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, screenshotPath, type Chromium } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import type { Page } from 'playwright-core';
import { buildWebviews, frames, installBridge, pixel, startShellServer, type ShellServer } from './harness';
import { applyTheme, hexToRgb, THEMES, type ThemeName } from './themes';

const skip = skipReason('xfs') ?? chromiumSkipReason();
const MiB = 1024 * 1024;

describe('inspector: fixes from the trials (past EOF, ranges mode, Esc, focus ring, no extents, Z)', { skip, timeout: 180_000 }, () => {
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

  async function open(model: () => Promise<MapModel>, width = 1280, theme: ThemeName = 'dark'): Promise<Page> {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width, height: 900 });
    await installBridge(page, { model });
    await page.goto(server.url('inspector', { body: THEMES[theme].body }));
    await applyTheme(page, theme);
    await page.waitForFunction(() => document.body.dataset.windowMode !== undefined && document.body.dataset.busy === '0');
    await page.waitForSelector('.tbody .tr');
    await frames(page);
    return page;
  }
  const full = (f: string) => async () => new MapModel(await engine.map(f), await engine.volume(f));
  const kv = (page: Page, key: string) =>
    page.$eval(`.summary .kv[data-key="${key}"]`, (d) => ({
      label: d.querySelector('dt')!.textContent,
      value: d.querySelector('dd')!.textContent,
      tip: d.querySelector('dd')!.getAttribute('title'),
    }));

  test('extents past EOF: note, end-of-file line, rows flagged, Allocated and the label say so (1280 and 320 px)', async () => {
    const f = path.join(xfs!.mountPoint, 'past-eof.bin');
    xfsIo(f, 'pwrite 0 1m', 'falloc -k 1m 4m', 'fsync');
    for (const width of [1280, 320]) {
      const page = await open(full(f), width);
      const notes = await page.$$eval('.map-notes li', (li) => li.map((l) => l.textContent ?? ''));
      assert.ok(
        notes.some((n) =>
          n.startsWith('The file is 1,048,576 bytes (1 MiB) long and 4,194,304 bytes (4 MiB) of its extents lie past that end'),
        ),
        JSON.stringify(notes),
      );
      const alloc = await kv(page, 'Allocated');
      assert.match(alloc.value!, /^5,242,880 bytes \(5 MiB\), 4 MiB of it past the end of the file/);
      assert.match(alloc.tip!, /Extents past the end of the file \(preallocated\) are included, as du counts them\./);
      const label = (await page.$eval('canvas.map', (c) => c.getAttribute('aria-label')))!;
      assert.match(label, /5 MiB allocated for a file of 1 MiB; .* 4 MiB of it past the end of the file \(preallocated\)\./);
      // the end-of-file line: at byte 1 MiB of the 5 MiB shown, in the foreground colour
      const eofX = Number(await page.evaluate(() => document.body.dataset.eofX));
      const w = await page.$eval('canvas.map', (c) => (c as HTMLCanvasElement).width);
      assert.ok(Math.abs(eofX - Math.round(w / 5)) <= 1, `EOF line at ${eofX} of ${w}`);
      const h = await page.$eval('canvas.map', (c) => (c as HTMLCanvasElement).height);
      assert.deepEqual((await pixel(page, 'canvas.map', eofX, h - 4)).slice(0, 3), hexToRgb('#cccccc'));
      // the rows: the written extent is inside, the preallocated one past EOF
      const flags = await page.$$eval('.tbody .tr .c5', (c) => c.map((x) => x.textContent));
      assert.deepEqual(flags, ['', 'last, unwritten, past EOF']);
      assert.equal(await page.$$eval('.tbody .tr.past-eof', (r) => r.length), 1);
      // the map's tooltip says it as the row does (a trial: "Flags: last, unwritten" there)
      const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
      await page.mouse.move(bb.x + bb.width * 0.6, bb.y + bb.height / 2);
      await page.waitForSelector('.tooltip:not([hidden]) .tt-flags');
      assert.equal(await page.$eval('.tooltip .tt-flags', (x) => x.textContent), 'Flags: last, unwritten, past EOF');
      await page.mouse.move(bb.x + bb.width * 0.1, bb.y + bb.height / 2);
      await page.waitForFunction(
        () => !document.querySelector('.tooltip .tt-flags') || !/past EOF/.test(document.querySelector('.tooltip')!.textContent!),
      );
      await page.mouse.move(0, 0);
      await page.screenshot({ path: screenshotPath(`inspector-past-eof-${width}px.png`), fullPage: true });
      await page.close();
    }
  });

  test('an extent across EOF reads "partly past EOF", saying how much lies beyond (a trial: a 248 MiB row flagged "past EOF")', async () => {
    const f = path.join(xfs!.mountPoint, 'across-eof.bin');
    // one unwritten extent of 4 MiB, of which the last 3 MiB lie past the 1 MiB file
    xfsIo(f, 'falloc -k 0 4m', 'truncate 1m', 'fsync');
    const m = await engine.map(f);
    assert.equal(m.extents.length, 1, 'one extent across the end of the file');
    const page = await open(full(f), 1280);
    const flags = await page.$$eval('.tbody .tr .c5', (c) => c.map((x) => x.textContent));
    assert.deepEqual(flags, ['last, unwritten, partly past EOF']);
    const title = await page.$eval('.tbody .tr', (r) => r.getAttribute('title'));
    assert.match(title!, /Its last 3,145,728 bytes run past the end of the file: space preallocated beyond EOF\./);
    const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
    await page.mouse.move(bb.x + bb.width * 0.5, bb.y + bb.height / 2);
    await page.waitForSelector('.tooltip:not([hidden]) .tt-flags');
    assert.equal(await page.$eval('.tooltip .tt-flags', (x) => x.textContent), 'Flags: last, unwritten, partly past EOF');
    await page.close();
  });

  test('mapDetail "ranges": Allocated is SEEK_DATA\'s data, with the note on what du counts beyond it', async () => {
    const f = path.join(xfs!.mountPoint, 'prealloc.bin');
    xfsIo(f, 'falloc 0 12m', 'pwrite 0 128k', 'fsync');
    const ranges = async () => new MapModel(await readMap(engine, f, 'ranges', engine.volume(f), {}), await engine.volume(f));
    for (const width of [1280, 320]) {
      const page = await open(ranges, width);
      const alloc = await kv(page, 'Allocated');
      assert.equal(alloc.label, 'Allocated (SEEK_DATA)');
      assert.equal(alloc.value, '131,072 bytes (128 KiB) of data ranges');
      assert.match(alloc.tip!, /^Allocated, as SEEK_DATA sees it: .* Unwritten \(preallocated\) extents read as holes there/);
      assert.doesNotMatch(alloc.tip!, /unwritten \(preallocated\) ones included/);
      assert.match((await kv(page, 'Sparse')).tip!, /SEEK_HOLE reports as holes; unwritten \(preallocated\) extents count as holes here/);
      const notes = await page.$$eval('.map-notes li', (li) => li.map((l) => l.textContent ?? ''));
      assert.equal(notes.length, 1, JSON.stringify(notes));
      assert.match(notes[0], /^xfs counts 12,582,912 bytes \(12 MiB\) in use for this file .* the other 12,451,840 bytes/);
      await page.screenshot({ path: screenshotPath(`inspector-ranges-prealloc-${width}px.png`), fullPage: true });
      await page.close();
    }
  });

  test('Esc on the map clears the selection on the map, in the table and in the live region', async () => {
    const f = path.join(xfs!.mountPoint, 'three.bin');
    xfsIo(f, 'truncate 8m', 'pwrite 0 64k', 'pwrite 2m 64k', 'pwrite 4m 64k', 'fsync');
    const page = await open(full(f));
    await page.focus('canvas.map');
    await page.keyboard.press('n');
    await page.keyboard.press('n');
    await page.keyboard.press('p');
    await frames(page);
    assert.equal(await page.$$eval('.tbody .tr[aria-selected="true"]', (r) => r.length), 1);
    assert.ok(await page.evaluate(() => document.body.dataset.selection));
    assert.match((await page.$eval('#live', (e) => e.textContent))!, /^Selected extent 1: Data from 0 to 65,536/);
    await page.keyboard.press('Escape');
    await frames(page);
    assert.equal(await page.$$eval('.tbody .tr[aria-selected="true"]', (r) => r.length), 0, 'no row stays selected');
    assert.equal(await page.$$eval('.tbody .tr.active', (r) => r.length), 0);
    assert.equal(await page.evaluate(() => document.body.dataset.selection), undefined);
    assert.equal(await page.$eval('#live', (e) => e.textContent), 'Selection cleared');
    // n starts again from the first extent in view
    await page.keyboard.press('n');
    await frames(page);
    assert.deepEqual(await page.$$eval('.tbody .tr[aria-selected="true"]', (r) => r.map((x) => x.getAttribute('aria-rowindex'))), ['2']);
    await page.close();
  });

  test('N past the last extent says so, each time; Enter on a hole leaves no table row selected (one selection, not two)', async () => {
    const f = path.join(xfs!.mountPoint, 'three-again.bin');
    xfsIo(f, 'truncate 8m', 'pwrite 0 64k', 'pwrite 2m 64k', 'pwrite 4m 64k', 'fsync');
    const page = await open(full(f));
    await page.focus('canvas.map');
    for (let i = 0; i < 3; i++) await page.keyboard.press('n');
    await frames(page);
    assert.match((await page.$eval('#live', (e) => e.textContent))!, /^Selected extent 3: /);
    await page.keyboard.press('n');
    await frames(page);
    const first = (await page.$eval('#live', (e) => e.textContent))!;
    assert.match(first, /^No extent after this one: it is the last/);
    await page.keyboard.press('n');
    await frames(page);
    const second = (await page.$eval('#live', (e) => e.textContent))!;
    assert.match(second, /^No extent after this one: it is the last/);
    assert.notEqual(second, first, 'changed, so a screen reader speaks it again');
    assert.deepEqual(await page.$$eval('.tbody .tr[aria-selected="true"]', (r) => r.map((x) => x.getAttribute('aria-rowindex'))), ['4']);
    // zoomed in and moved right: the centre lies in the hole after 4 MiB + 64 KiB
    await page.keyboard.press('0');
    await page.keyboard.press('+');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await frames(page);
    assert.match((await page.$eval('#live', (e) => e.textContent))!, /^Selected: Hole from /);
    assert.equal(await page.$$eval('.tbody .tr[aria-selected="true"]', (r) => r.length), 0, 'no row selected beside the hole');
    // P goes on from the hole: the extent before it
    await page.keyboard.press('p');
    await frames(page);
    assert.match((await page.$eval('#live', (e) => e.textContent))!, /^Selected extent 3: /);
    await page.close();
  });

  test('the map shows a keyboard focus ring in the focus colour, in every theme', async () => {
    const f = path.join(xfs!.mountPoint, 'focus.bin');
    xfsIo(f, 'pwrite 0 64k', 'fsync');
    for (const theme of Object.keys(THEMES) as ThemeName[]) {
      const page = await open(full(f), 1000, theme);
      // Tab until the map has the focus (keyboard focus: :focus-visible applies)
      for (let i = 0; i < 40 && !(await page.evaluate(() => document.activeElement?.matches('canvas.map'))); i++)
        await page.keyboard.press('Tab');
      const ring = await page.$eval('canvas.map', (c) => {
        const s = getComputedStyle(c);
        return { visible: c.matches(':focus-visible'), style: s.outlineStyle, color: s.outlineColor, width: s.outlineWidth };
      });
      // (and its label counts in words: "1 extent")
      assert.match(
        (await page.$eval('canvas.map', (c) => c.getAttribute('aria-label')))!,
        /^Range map of focus\.bin: 1 extent, 64 KiB allocated for a file of 64 KiB;/,
      );
      const [r, g, b] = hexToRgb(THEMES[theme].vars['--vscode-focusBorder']);
      assert.deepEqual(ring, { visible: true, style: 'solid', color: `rgb(${r}, ${g}, ${b})`, width: '1px' }, theme);
      if (theme === 'dark') {
        const box = (await page.$eval('.map-wrap', (e) => e.getBoundingClientRect().toJSON())) as {
          x: number;
          y: number;
          width: number;
          height: number;
        };
        await page.screenshot({
          path: screenshotPath('inspector-map-focus-ring.png'),
          clip: { x: 0, y: box.y - 4, width: 1000, height: box.height + 8 },
        });
      }
      await page.close();
    }
  });

  test('a zoomed-out pixel holding one extent is announced as "1 extent", not "1 extents"', async () => {
    // 3,000 extents at the start (more than the view draws exactly: bins), one alone at the end
    const f = path.join(xfs!.mountPoint, 'one-in-a-pixel.bin');
    const fd = fs.openSync(f, 'w');
    for (let i = 0; i < 3000; i++) fs.writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, i * 8192);
    fs.writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, 1024 * MiB);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const page = await open(full(f));
    assert.equal(await page.evaluate(() => document.body.dataset.windowMode), 'bins');
    const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
    await page.mouse.click(bb.x + bb.width - 1, bb.y + bb.height / 2);
    await frames(page);
    assert.match((await page.$eval('#live', (e) => e.textContent))!, /^Selected: One pixel with 1 extent, 0\.\d% allocated, from /);
    await page.close();
  });

  test('an empty file and an all-hole file: a line under the table says so; zoom is off, export on', async () => {
    const empty = path.join(xfs!.mountPoint, 'empty.bin');
    xfsIo(empty, 'truncate 0');
    const holes = path.join(xfs!.mountPoint, 'holes.bin');
    xfsIo(holes, 'truncate 1g');
    for (const [f, line] of [
      [empty, 'No extents: the file is empty.'],
      [holes, 'No extents: the file is all holes (nothing allocated in it).'],
    ]) {
      const page = await chromium.context.newPage();
      await page.setViewportSize({ width: 1000, height: 800 });
      await installBridge(page, { model: full(f) });
      await page.goto(server.url('inspector', { body: THEMES.dark.body }));
      await applyTheme(page, 'dark');
      await page.waitForFunction(() => document.body.dataset.windowMode !== undefined && document.body.dataset.busy === '0');
      await frames(page);
      const note = await page.$eval('.tnote', (n) => ({
        text: n.textContent,
        shown: !(n as HTMLElement).hidden && (n as HTMLElement).offsetParent !== null,
      }));
      assert.deepEqual(note, { text: line, shown: true });
      const buttons = await page.$$eval('.toolbar vscode-toolbar-button', (bs) => bs.map((b) => [b.id, b.hasAttribute('disabled')]));
      assert.deepEqual(buttons, [
        ['btn-refresh', false],
        ['btn-zoom-in', true],
        ['btn-zoom-out', true],
        ['btn-reset', true],
        ['btn-copy', true],
        ['btn-export-json', false],
        ['btn-export-csv', false],
      ]);
      // the keys do not zoom either
      const before = await page.evaluate(() => document.body.dataset.view);
      await page.focus('canvas.map');
      await page.keyboard.press('+');
      await frames(page);
      assert.equal(await page.evaluate(() => document.body.dataset.view), before);
      await page.close();
    }
  });

  test('what a summary figure means reaches the keyboard: Tab to it shows it, and it is its description (320 px)', async () => {
    const f = path.join(xfs!.mountPoint, 'explained.bin');
    xfsIo(f, 'pwrite 0 64k', 'fsync');
    const page = await open(full(f), 320);
    const shared = '.summary .kv[data-key="Shared"]';
    let reached = false;
    for (let i = 0; i < 40 && !(reached = await page.evaluate((s) => !!document.activeElement?.matches(s), shared)); i++)
      await page.keyboard.press('Tab');
    assert.ok(reached, 'Tab reaches Shared (before, only a mouse could read its meaning)');
    const seen = await page.$eval(shared, (e) => ({
      shown: getComputedStyle(e, '::after').content,
      description: e.getAttribute('aria-description'),
      icon: e.querySelector('.codicon-info')?.getAttribute('aria-hidden'),
      scrollWidth: document.documentElement.scrollWidth,
    }));
    const meaning =
      "Shared: allocated bytes the file system reports as shared (FIEMAP's SHARED flag): also used by another file (a clone, a snapshot) or by another place in this file (a range cloned within it).";
    assert.deepEqual(seen, { shown: `"${meaning}"`, description: meaning, icon: 'true', scrollWidth: 320 });
    await page.close();
  });

  test('N then Z: the axis shows the extent whole, exact to the byte above 2^53; Z with nothing selected says how', async () => {
    const f = path.join(xfs!.mountPoint, 'huge.img');
    const TWO_53 = 2n ** 53n;
    // bytes 2^53 - 3 .. 2^53 + 4197: three blocks, one extent (node's fs positions are inexact above 2^53)
    xfsIo(f, `pwrite -q -S 0x5a ${TWO_53 - 3n} 4200`, `pwrite -q -S 0x5a ${TWO_53 + 4097n} 100`, `truncate ${TWO_53 + 16384n}`, 'fsync');
    const [start, length] = [TWO_53 - 4096n, 12288n];
    const page = await open(full(f));
    const row = await page.$eval('.tbody .tr', (r) => [...r.querySelectorAll('.td')].map((td) => td.textContent!.replace(/,/g, '')));
    assert.deepEqual(row.slice(1, 4), [String(start), String(start + length), String(length)]);
    assert.match((await page.getAttribute('canvas.map', 'aria-label'))!, /Z zooms to the selected one/);
    await page.focus('canvas.map');
    await page.keyboard.press('z');
    assert.equal(await page.$eval('#live', (e) => e.textContent), 'Nothing is selected: N selects the next extent, then Z zooms to it');
    await page.keyboard.press('n');
    await page.keyboard.press('z');
    await page.waitForFunction(
      () => document.body.dataset.busy === '0' && /^15 KiB shown/.test(document.querySelector('.axis-len')?.textContent ?? ''),
    );
    const digits = (sel: string) => page.$eval(sel, (e) => e.textContent!.replace(/[^0-9]/g, ''));
    // an eighth of the extent either side of it
    assert.deepEqual(
      [await digits('.axis-start'), await digits('.axis-end')],
      [String(start - length / 8n), String(start + length + length / 8n)],
    );
    await page.close();
  });
});
