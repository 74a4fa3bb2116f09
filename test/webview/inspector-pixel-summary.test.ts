// The inspector's tooltip over a pixel that holds many extents, in real Chromium with real XFS
// maps. A huge-file trial at whole-file zoom pointed at a column holding 41 extents and the
// tooltip showed only the first one's details. Now it says how many extents, the exact bytes the
// pixel (or the mark standing for them) covers, and the bytes of each class and of holes in
// it, checked against the engine's own map classed by classOf; one extent is still shown as
// that extent. The 41 lie 1 TiB before the end of a file of 2^63 − 1 bytes (offsets above 2^53).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { createEngine, type Engine, type Extent } from '../../src/engine';
import { MapModel } from '../../src/views/map-model';
import { classOf } from '../../src/protocol/extent-class';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, screenshotPath, type Chromium } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import { buildWebviews, frames, installBridge, startShellServer, type ShellServer } from './harness';
import { applyTheme, THEMES } from './themes';

const skip = skipReason('xfs') ?? chromiumSkipReason();
const HUGE = (1n << 63n) - 1n;
/** The 41: every 16 KiB a 4 KiB extent, data, unwritten and shared (a reflink) in turn. */
const BASE = (1n << 63n) - (1n << 40n);
const K4 = 4096n;
const at = (i: number): bigint => BASE + BigInt(i) * 16384n;
const LONE = 1n << 20n;
const g = (v: bigint): string => v.toLocaleString('en-US');
const digits = (s: string | undefined): bigint => BigInt((s ?? '').replace(/,/g, ''));

/** Bytes of [a, b) per class of the engine's map (classOf, as the map draws them), and the extents meeting it. */
function expected(extents: readonly Extent[], a: bigint, b: bigint): { count: number; bytes: Map<string, bigint> } {
  const bytes = new Map<string, bigint>();
  let count = 0;
  let covered = 0n;
  for (const e of extents) {
    const end = e.offset + e.length;
    if (end <= a || e.offset >= b) continue;
    const part = (end < b ? end : b) - (e.offset > a ? e.offset : a);
    const c = classOf(e.flags, e.refcount);
    bytes.set(c, (bytes.get(c) ?? 0n) + part);
    covered += part;
    count++;
  }
  if (b - a - covered > 0n) bytes.set('hole', b - a - covered);
  return { count, bytes };
}

describe('inspector: the tooltip over a pixel of many extents sums them, exactly (Chromium, real XFS)', { skip, timeout: 180_000 }, () => {
  let xfs: TestFs | undefined;
  let engine: Engine;
  let server: ShellServer;
  let chromium: Chromium;
  let huge = '';
  let dense = '';

  before(async () => {
    buildWebviews();
    xfs = makeFs('xfs', 300);
    const src = path.join(xfs.mountPoint, 'src.img');
    xfsIo(src, 'pwrite -S 0x33 0 256k', 'fsync');
    huge = path.join(xfs.mountPoint, 'huge.img');
    const cmds = [`truncate ${HUGE}`, `pwrite -S 0x11 ${LONE} 4k`];
    for (let i = 0; i < 41; i++)
      cmds.push(i % 3 === 0 ? `pwrite -S 0x22 ${at(i)} 4k` : i % 3 === 1 ? `falloc ${at(i)} 4k` : `reflink ${src} ${i * 4096} ${at(i)} 4k`);
    xfsIo(huge, ...cmds, 'fsync');
    // a plain column of many extents (no mark): 1 GiB, 4 KiB written every 8 KiB over 8 MiB in its middle
    dense = path.join(xfs.mountPoint, 'dense.img');
    const d = ['truncate 1g'];
    for (let o = 512 * 1024 * 1024; o < 520 * 1024 * 1024; o += 8192) d.push(`pwrite -S 0x44 ${o} 4k`);
    xfsIo(dense, ...d, 'fsync');
    engine = createEngine();
    server = await startShellServer();
    chromium = await launchChromium('webview-pixel-summary');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose().catch(() => undefined);
    xfs?.cleanup();
  });

  async function open(file: string): Promise<Page> {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 1200, height: 800 });
    await installBridge(page, { model: async () => new MapModel(await engine.map(file), await engine.volume(file)) });
    await page.goto(server.url('inspector', { body: THEMES.dark.body }));
    await applyTheme(page, 'dark');
    await page.waitForFunction(() => document.body.dataset.windowMode !== undefined && document.body.dataset.busy === '0');
    await page.waitForSelector('.tbody .tr[aria-rowindex="2"] .c1:not(:empty)');
    await frames(page, 3);
    return page;
  }

  /** Point at CSS x of the map; the tooltip's title and its rows (label → exact number). */
  async function pointAt(page: Page, cssX: number, title: RegExp): Promise<{ title: string; rows: Record<string, string> }> {
    const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
    await page.mouse.move(bb.x + cssX, bb.y + bb.height / 2);
    await page.waitForFunction(
      (src) => new RegExp(src).test(document.querySelector('.tooltip:not([hidden]) .tt-title')?.textContent ?? ''),
      title.source,
      {
        timeout: 5000,
      },
    );
    return page.evaluate(() => ({
      title: document.querySelector('.tooltip .tt-title')!.textContent ?? '',
      rows: Object.fromEntries(
        [...document.querySelectorAll('.tooltip .tt-row')].map((r) => [
          r.querySelector('.tt-k')!.textContent,
          r.querySelector('.tt-v')!.textContent,
        ]),
      ),
    }));
  }

  /** The pixel's byte range from the tooltip, checked to be exact column edges of the whole-file view [0, span). */
  function checkRange(rows: Record<string, string>, span: bigint, width: number): [bigint, bigint] {
    const a = digits(rows['Pixel start']);
    const b = digits(rows['Pixel end (exclusive)']);
    assert.equal(digits(rows['Pixel length']), b - a);
    const edge = (v: bigint): boolean => {
      const c = (v * BigInt(width)) / span; // the column whose first byte v may be
      return [c, c + 1n].some((k) => (k * span) / BigInt(width) === v) || v === span;
    };
    assert.ok(edge(a) && edge(b), `${a}..${b} are column edges of [0, ${span}) over ${width} px`);
    return [a, b];
  }

  test('2^63 − 1 bytes, 41 extents 1 TiB before its end: one mark, its tooltip counts them and sums each class exactly', async () => {
    const map = await engine.map(huge);
    assert.equal(map.extents.length, 42, 'the lone extent and the 41');
    const page = await open(huge);
    assert.equal(await page.evaluate(() => document.body.dataset.windowMode), 'exact');
    const width = await page.$eval('canvas.map', (c) => (c as HTMLCanvasElement).width);
    const span = HUGE;
    // where the 41 lie: the column of the first (its mark is at least 2 CSS px wide around it)
    const col = Number((at(0) * BigInt(width)) / span);
    const tip = await pointAt(page, col + 0.5, /extents/);
    assert.match(tip.title, /^(One pixel|\d+ pixels): 41 extents$/);
    const [a, b] = checkRange(tip.rows, span, width);
    assert.ok(a <= at(0) && at(40) + K4 <= b, 'the range holds the 41');
    const want = expected(map.extents, a, b);
    assert.equal(want.count, 41);
    assert.deepEqual(
      {
        data: tip.rows['Data'],
        unwritten: tip.rows['Unwritten (preallocated)'],
        shared: tip.rows['Shared (cloned)'],
        hole: tip.rows['Hole'],
      },
      {
        data: g(want.bytes.get('data') ?? 0n),
        unwritten: g(want.bytes.get('unwritten') ?? 0n),
        shared: g(want.bytes.get('shared') ?? 0n),
        hole: g(want.bytes.get('hole') ?? 0n),
      },
    );
    assert.deepEqual([want.bytes.get('data'), want.bytes.get('unwritten'), want.bytes.get('shared')], [14n * K4, 14n * K4, 13n * K4]);
    await page.screenshot({ path: screenshotPath('inspector-pixel-41-extents.png') });
    // a click selects those bytes (the table's row no longer stands for the selection)
    const bb = (await (await page.$('canvas.map'))!.boundingBox())!;
    await page.mouse.click(bb.x + col + 0.5, bb.y + bb.height / 2);
    await page.waitForFunction((s) => document.body.dataset.selection === s, `${a}:${b - a}`);
    // one extent under the pointer: still that extent, exactly
    const lone = await pointAt(page, Number((LONE * BigInt(width)) / span) + 0.5, /extent #1$/);
    assert.deepEqual([lone.rows['Start'], lone.rows['End (exclusive)']], [g(LONE), g(LONE + K4)]);
    await page.close();
  });

  test('a plain column of many extents (no mark): "One pixel", its own bytes summed', async () => {
    const map = await engine.map(dense);
    const page = await open(dense);
    const width = await page.$eval('canvas.map', (c) => (c as HTMLCanvasElement).width);
    const span = 1n << 30n;
    // the middle of the 8 MiB written
    const col = Number(((516n << 20n) * BigInt(width)) / span);
    const tip = await pointAt(page, col + 0.5, /extents/);
    const [a, b] = checkRange(tip.rows, span, width);
    const want = expected(map.extents, a, b);
    assert.ok(want.count > 1, `${want.count} extents in the column`);
    assert.equal(tip.title, `One pixel: ${want.count} extents`);
    assert.equal(
      b - a,
      (BigInt(col + 1) * span) / BigInt(width) - (BigInt(col) * span) / BigInt(width),
      'the one column under the pointer',
    );
    assert.deepEqual([tip.rows['Data'], tip.rows['Hole']], [g(want.bytes.get('data') ?? 0n), g(want.bytes.get('hole') ?? 0n)]);
    await page.close();
  });
});
