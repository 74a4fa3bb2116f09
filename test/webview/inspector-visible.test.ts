// Nothing the inspector knows is hidden from view, in real Chromium with real maps:
//  - data in a huge sparse file: three small extents in a 2^62-byte XFS file are each a mark at
//    least 2 CSS px wide and 3 CSS px tall where they lie, on the map and on the overview strip
//    (DPR 1 and 2), and the tooltip over a mark names its extent with exact offsets. Before,
//    each was one device pixel wide and one CSS pixel tall (invisible), and the tooltip there
//    said "Hole".
//  - the table at 320 and 490 px keeps every column (it used to drop End and Flags below 640 px
//    and Physical below 480 px): the rows scroll sideways with their header, and no number wraps
//    or is cut.
//  - btrfs compressed (encoded) extents: FIEMAP gives their length before compression; the
//    summary's notes, the tooltip and the row's tooltip say so.
//
// Run: node --import tsx --test test/webview/inspector-visible.test.ts   (root; ~20 s)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { createEngine, type Engine } from '../../src/engine';
import { MapModel } from '../../src/views/map-model';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import { buildWebviews, frames, installBridge, startShellServer, type ShellServer } from './harness';
import { applyTheme, hexToRgb, THEMES } from './themes';

const skip = skipReason('xfs') ?? chromiumSkipReason();
const SIZE = 1n << 62n;
/** The three extents of the huge file: [offset, length]. */
const EXTENTS: [bigint, bigint][] = [
  [4096n, 4096n],
  [SIZE / 2n, 8192n],
  [SIZE - 8192n, 4096n],
];

interface Run {
  /** First and last device column holding the data colour. */
  x0: number;
  x1: number;
  /** Tallest column of the run, in device pixels. */
  height: number;
}

/** Runs of columns holding the colour `rgb` in a canvas, with their tallest column. */
async function colourRuns(page: Page, sel: string, rgb: [number, number, number]): Promise<{ w: number; runs: Run[] }> {
  return page.$eval(
    sel,
    (c, [r, g, b]) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      const heights = new Array<number>(cv.width).fill(0);
      for (let y = 0; y < cv.height; y++)
        for (let x = 0; x < cv.width; x++) {
          const i = (y * cv.width + x) * 4;
          if (d[i] === r && d[i + 1] === g && d[i + 2] === b) heights[x]++;
        }
      const runs: { x0: number; x1: number; height: number }[] = [];
      for (let x = 0; x < cv.width; x++) {
        if (!heights[x]) continue;
        const last = runs[runs.length - 1];
        if (last && last.x1 === x - 1) {
          last.x1 = x;
          last.height = Math.max(last.height, heights[x]);
        } else runs.push({ x0: x, x1: x, height: heights[x] });
      }
      return { w: cv.width, runs };
    },
    rgb,
  );
}

describe(
  'the inspector hides nothing: tiny extents in huge files, every table column, compressed sizes',
  { skip, timeout: 180_000 },
  () => {
    let xfs: TestFs | undefined;
    let btrfs: TestFs | undefined;
    let engine: Engine;
    let server: ShellServer;
    let chromium: Chromium;
    let huge = '';

    before(async () => {
      buildWebviews();
      xfs = makeFs('xfs', 300);
      huge = path.join(xfs.mountPoint, 'huge.img');
      xfsIo(huge, `truncate ${SIZE}`, ...EXTENTS.map(([o, l]) => `pwrite -S 0x5a ${o} ${l}`), 'fsync');
      engine = createEngine();
      server = await startShellServer();
      chromium = await launchChromium('webview-visible');
    });

    after(async () => {
      await chromium?.close().catch(() => undefined);
      await server?.close().catch(() => undefined);
      await engine?.dispose().catch(() => undefined);
      xfs?.cleanup();
      btrfs?.cleanup();
    });

    async function open(file: string, opts: { width?: number; dpr?: number; theme?: 'dark' | 'light' } = {}): Promise<Page> {
      const page = await chromium.context.newPage();
      const width = opts.width ?? 1200;
      await page.setViewportSize({ width, height: 800 });
      if ((opts.dpr ?? 1) !== 1) {
        const cdp = await chromium.context.newCDPSession(page);
        await cdp.send('Emulation.setDeviceMetricsOverride', { width, height: 800, deviceScaleFactor: opts.dpr!, mobile: false });
      }
      await installBridge(page, { model: async () => new MapModel(await engine.map(file), await engine.volume(file)) });
      const theme = opts.theme ?? 'dark';
      await page.goto(server.url('inspector', { body: THEMES[theme].body }));
      await applyTheme(page, theme);
      await page.waitForFunction(() => document.body.dataset.windowMode !== undefined && document.body.dataset.busy === '0');
      await page.waitForSelector('.tbody .tr[aria-rowindex="2"] .c1:not(:empty)');
      await frames(page, 3);
      return page;
    }

    for (const dpr of [1, 2]) {
      test(`a 2^62-byte file with three small extents: each a visible mark where it lies, its tooltip exact (DPR ${dpr})`, async () => {
        const page = await open(huge, { dpr });
        assert.equal(await page.evaluate(() => document.body.dataset.windowMode), 'exact');
        const blue = hexToRgb(THEMES.dark.vars['--vscode-charts-blue']);
        for (const sel of ['canvas.map', 'canvas.overview']) {
          const { w, runs } = await colourRuns(page, sel, blue);
          assert.equal(runs.length, 3, `${sel}: three marks, one per extent: ${JSON.stringify(runs)}`);
          EXTENTS.forEach(([off], i) => {
            const r = runs[i];
            const x = Number((off * BigInt(w)) / SIZE); // the device column the extent lies in
            assert.ok(r.x1 - r.x0 + 1 >= 2 * dpr, `${sel}, extent ${i + 1}: at least 2 CSS px wide: ${JSON.stringify(r)}`);
            assert.ok(r.height >= 3 * dpr, `${sel}, extent ${i + 1}: at least 3 CSS px tall: ${JSON.stringify(r)}`);
            // (the overview's viewport outline covers its first and last CSS pixel: a mark there shows beside it)
            const frame = sel === 'canvas.overview' ? dpr : 0;
            assert.ok(
              r.x0 - frame <= x && x <= r.x1 + frame,
              `${sel}, extent ${i + 1}: drawn where it lies (column ${x}): ${JSON.stringify(r)}`,
            );
            assert.ok(r.x1 - r.x0 + 1 <= 2 * dpr + 1, `${sel}, extent ${i + 1}: no wider than it must be: ${JSON.stringify(r)}`);
          });
        }
        // the tooltip over every column of a mark names that extent, with its exact offsets
        const { runs } = await colourRuns(page, 'canvas.map', blue);
        const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
        const rowsOf = () =>
          page.$$eval('.tooltip .tt-row', (rs) =>
            Object.fromEntries(rs.map((r) => [r.querySelector('.tt-k')!.textContent, r.querySelector('.tt-v')!.textContent])),
          );
        for (const [i, r] of runs.entries()) {
          for (const x of [r.x0, r.x1]) {
            await page.mouse.move(bb.x + (x + 0.5) / dpr, bb.y + bb.height / 2);
            await page.waitForFunction(
              (n) => new RegExp(`extent #${n}$`).test(document.querySelector('.tooltip:not([hidden]) .tt-title')?.textContent ?? ''),
              i + 1,
              { timeout: 5000 },
            );
            const rows = await rowsOf();
            const [off, len] = EXTENTS[i];
            const g = (v: bigint) => v.toLocaleString('en-US');
            assert.equal(rows['Start'], g(off), `extent ${i + 1} start, at column ${x}`);
            assert.equal(rows['End (exclusive)'], g(off + len));
            assert.equal(rows['Length'], g(len));
          }
        }
        // a click on the mark selects that extent (its row in the table)
        await page.mouse.click(bb.x + (runs[1].x0 + 0.5) / dpr, bb.y + bb.height / 2);
        await page.waitForFunction((s) => document.body.dataset.selection === s, `${EXTENTS[1][0]}:${EXTENTS[1][1]}`);
        assert.equal(await page.$eval('.tbody .tr.active .c0', (c) => c.textContent), '2');
        // far from any mark the tooltip still says what is there: the hole, exactly
        await page.mouse.move(bb.x + bb.width / 4, bb.y + bb.height / 2);
        await page.waitForFunction(() => /Hole/.test(document.querySelector('.tooltip:not([hidden]) .tt-title')?.textContent ?? ''));
        assert.equal((await rowsOf())['Start'], '8,192');
        await page.close();
      });
    }

    for (const width of [320, 490]) {
      test(`the table at ${width} px keeps every column: it scrolls sideways, and no number wraps or is cut`, async () => {
        const page = await open(huge, { width });
        const shown = await page.$$eval('.thead .td', (hs) => hs.map((h) => [h.textContent, getComputedStyle(h).display !== 'none']));
        assert.deepEqual(
          shown,
          ['#', 'Start', 'End (exclusive)', 'Length', 'Physical', 'Flags'].map((h) => [h, true]),
          'every column is there',
        );
        const cells = await page.$$eval('.tbody .tr .td', (tds) =>
          tds.map((td) => {
            const e = td as HTMLElement;
            const range = document.createRange();
            range.selectNodeContents(e);
            return {
              text: e.textContent ?? '',
              shown: getComputedStyle(e).display !== 'none',
              cut: e.scrollWidth > e.clientWidth + 1,
              lines: range.getClientRects().length,
              height: e.getBoundingClientRect().height,
            };
          }),
        );
        assert.equal(cells.length, 3 * 6);
        for (const c of cells) {
          assert.ok(c.shown, `cell ${c.text} shown`);
          assert.ok(!c.cut, `cell ${c.text} not cut`);
          assert.ok(c.lines <= 1, `cell ${c.text} on one line: ${c.lines}`);
          assert.equal(c.height, 22, `cell ${c.text} one row high`);
        }
        assert.ok(
          cells.some((c) => c.text === '4,611,686,018,427,383,808'),
          'the exact end of the last extent',
        );
        // the page itself does not scroll sideways: the rows do, inside the table, with their header
        const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(over <= 0, `no page overflow: ${over}`);
        const sc = await page.$eval('.tscroll', (e) => ({ sw: e.scrollWidth, cw: e.clientWidth }));
        assert.ok(sc.sw > sc.cw, `the rows are wider than ${width} px, so the table scrolls: ${JSON.stringify(sc)}`);
        // ...and shows it can: a scroll bar on the table's top edge, as far to scroll as the rows
        // (a trial at 360 px: Physical cut, Flags off to the right, and nothing said they were there)
        const bar = await page.$eval('.grid > .side-bar', (b) => {
          b.scrollIntoView({ block: 'center' });
          const r = b.getBoundingClientRect();
          const grid = document.querySelector('.grid')!.getBoundingClientRect();
          const head = document.querySelector('.thead')!.getBoundingClientRect();
          const t = b.querySelector('.side-bar-thumb')!.getBoundingClientRect();
          return {
            hidden: (b as HTMLElement).hidden,
            height: r.height,
            atTop: Math.abs(r.top - grid.top) <= 1.5 && r.bottom <= head.top + 0.5,
            thumb: { x: t.left + t.width / 2, y: t.top + t.height / 2, part: t.width / r.width },
            right: r.right,
          };
        });
        assert.deepEqual([bar.hidden, bar.atTop], [false, true], `the bar on the table's top edge: ${JSON.stringify(bar)}`);
        assert.ok(bar.height >= 8 && bar.thumb.part < 0.95, `the bar is drawn, its thumb the part in view: ${JSON.stringify(bar)}`);
        // dragging its thumb to the right end moves the rows and their header there
        await page.mouse.move(bar.thumb.x, bar.thumb.y);
        await page.mouse.down();
        await page.mouse.move(bar.right + 50, bar.thumb.y, { steps: 4 });
        await page.mouse.up();
        await page.waitForFunction(() => {
          const e = document.querySelector('.tscroll')!;
          return e.scrollLeft >= 0.9 * (e.scrollWidth - e.clientWidth);
        });
        await frames(page);
        const flags = await page.evaluate(() => {
          const inView = (sel: string) => {
            const e = document.querySelector(sel)!;
            const r = e.getBoundingClientRect();
            const box = document.querySelector('.tscroll')!.getBoundingClientRect();
            return r.left >= box.left - 1 && r.right <= box.right + 1;
          };
          return {
            cell: inView('.tbody .tr[aria-rowindex="4"] .c5'),
            head: inView('.thead .c5'),
            text: document.querySelector('.tbody .tr[aria-rowindex="4"] .c5')!.textContent,
          };
        });
        assert.deepEqual(flags, { cell: true, head: true, text: 'last' }, 'scrolled right: Flags and its header in view');
        // the tooltip over a mark fits too: each exact number on one line, beside its label, not over it
        const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
        await page.mouse.move(bb.x + bb.width / 2 + 0.5, bb.y + bb.height / 2);
        await page.waitForSelector('.tooltip:not([hidden]) .tt-row');
        const tip = await page.$$eval('.tooltip .tt-row', (rs) =>
          rs.map((r) => {
            // where the text itself is drawn (a grid cell's box does not show its overflow)
            const text = (e: Element): DOMRect[] => {
              const range = document.createRange();
              range.selectNodeContents(e);
              return [...range.getClientRects()];
            };
            const k = text(r.querySelector('.tt-k')!);
            const v = text(r.querySelector('.tt-v')!);
            const right = Math.max(...k.map((x) => x.right));
            return { v: r.querySelector('.tt-v')!.textContent, apart: right <= v[0].left + 0.5, lines: v.length };
          }),
        );
        for (const t of tip) assert.deepEqual([t.apart, t.lines], [true, 1], `tooltip value ${t.v}: beside its label, on one line`);
        await page.close();
      });
    }

    test(
      'btrfs compressed extents: the summary, the tooltip and the row say their sizes are before compression',
      { skip: skipReason('btrfs') },
      async () => {
        btrfs = makeFs('btrfs');
        const dir = path.join(btrfs.mountPoint, 'comp');
        fs.mkdirSync(dir);
        execFileSync('btrfs', ['property', 'set', dir, 'compression', 'zstd']);
        const file = path.join(dir, 'text.log');
        fs.writeFileSync(file, Buffer.alloc(1 << 20, 'hello, extent lens\n'));
        execFileSync('btrfs', ['filesystem', 'sync', btrfs.mountPoint]);
        const map = await engine.map(file);
        assert.ok(map.extents.length > 0 && map.extents.every((e) => e.flags.includes('encoded')), 'btrfs gives every extent as encoded');
        const page = await open(file);
        const notes = await page.$$eval('.map-notes li', (li) => li.map((l) => l.textContent));
        assert.deepEqual(notes, [
          `1,048,576 bytes (1 MiB) in ${map.extents.length} extents are encoded (compressed): sizes here are before compression, so on disk they may take less; FIEMAP does not report how much.`,
        ]);
        const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
        await page.mouse.move(bb.x + 5, bb.y + bb.height / 2);
        await page.waitForSelector('.tooltip:not([hidden]) .tt-encoded');
        assert.match((await page.$eval('.tooltip .tt-encoded', (n) => n.textContent))!, /before compression; on disk it may take less/);
        assert.match(
          (await page.$eval('.tbody .tr[aria-rowindex="2"]', (r) => r.getAttribute('title')))!,
          /Encoded \(compressed\): the length is before compression/,
        );
        await page.close();
      },
    );
  },
);
