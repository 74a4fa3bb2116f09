// The Space view in real Chromium, fed the engine's real answer: engine.space over a folder on a
// loop-mounted reflink XFS holding a file, its whole clone, a file with a clone of a file outside
// the folder, and plain files. spaceData (src/views/space-data.ts) turns the result into the
// view's message, as the panel does.
//
// Real: the bundle (dist/webview/space.js), the CSP shell, the engine, XFS, Chromium, d3's layout.
// Replaced: the VS Code host, by the postMessage bridge in ./harness.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { createEngine, type Engine, type SpaceResult } from '../../src/engine';
import { spaceData, spaceExportText, spaceRow } from '../../src/views/space-data';
import type { HostMessage, SpaceData, SpaceWireRow, SpaceWireSharing, WebviewMessage } from '../../src/protocol/messages';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium, screenshotPath } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import { SMB_PASSWORD, sambaSkipReason, startSamba, type SambaServer } from '../support/samba';
import { closeSmbConnections } from '../../src/engine/backends/smb';
import {
  applyTheme,
  buildWebviews,
  frames,
  hexToRgb,
  installBridge,
  startShellServer,
  THEMES,
  type HostBridge,
  type ShellServer,
} from './harness';

const skip = skipReason('xfs') ?? chromiumSkipReason();
const KiB = 1024;
const MiB = 1024n * 1024n;

type Rect = { x0: number; y0: number; x1: number; y1: number };

describe('Space webview in Chromium with a real XFS analysis', { skip, timeout: 120_000 }, () => {
  let xfs: TestFs | undefined;
  let engine: Engine;
  let server: ShellServer;
  let chromium: Chromium;
  let result: SpaceResult;
  let exactResult: SpaceResult;
  let data: SpaceData;
  /** The rows as engine.space's onFileMapped gave them while it walked (what the panel streams). */
  let mappedRows: SpaceWireRow[] = [];
  let dir = '';
  const idx = (name: string): number => data.files.findIndex((f) => f.path.endsWith(`/${name}`));

  before(async () => {
    buildWebviews();
    xfs = makeFs('xfs', 300);
    dir = path.join(xfs.mountPoint, 'proj');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    const outside = path.join(xfs.mountPoint, 'outside.img');
    xfsIo(outside, 'pwrite -S 0x11 0 512k', 'fsync');
    xfsIo(path.join(dir, 'a.img'), 'pwrite -S 0x22 0 1m', 'fsync');
    xfsIo(path.join(dir, 'b.img'), `reflink ${path.join(dir, 'a.img')} 0 0 1m`, 'fsync'); // whole clone, inside
    xfsIo(path.join(dir, 'sub', 'c.img'), 'pwrite -S 0x33 0 768k', 'fsync'); // exclusive
    // half shared with a file outside the selection, half its own
    xfsIo(path.join(dir, 'sub', 'd.img'), `reflink ${outside} 0 0 256k`, 'pwrite -S 0x44 256k 256k', 'fsync');
    xfsIo(path.join(dir, 'sub', 'e.txt'), 'pwrite -S 0x55 0 64k', 'fsync');
    engine = createEngine();
    result = await engine.space([dir], { onFileMapped: (f, i) => (mappedRows[i] = spaceRow(f)) });
    exactResult = await engine.space([dir], { exactScan: true });
    data = spaceData(result, [dir]);
    server = await startShellServer();
    chromium = await launchChromium('space');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose().catch(() => undefined);
    xfs?.cleanup();
  });

  async function open(
    width: number,
    height = 900,
    d: SpaceData = data,
    browser: Chromium = chromium,
  ): Promise<{ page: Page; bridge: HostBridge }> {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height });
    const bridge = await installBridge(page, {
      onReady: async (b) => {
        await b.post({ type: 'spaceProgress', files: 3, bytes: String(3 * 1024 * 1024), message: 'walking', exactScan: false });
        await b.post({ type: 'space', data: d });
      },
    });
    await page.goto(server.url('space'));
    await page.evaluate(
      (vars) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      },
      THEMES.dark.vars as unknown as Record<string, string>,
    );
    await page.waitForSelector('body[data-state="done"]');
    await frames(page, 3);
    return { page, bridge };
  }

  const rectOf = (page: Page, i: number): Promise<Rect | undefined> =>
    page.evaluate(
      (k) => (window as unknown as { __extentLensSpace: { fileRect(i: number): Rect | undefined } }).__extentLensSpace.fileRect(k),
      i,
    );

  /** Pixels of a rectangle of the treemap canvas counted by exact colour. */
  async function colourCounts(page: Page, r: Rect): Promise<Map<string, number>> {
    const counts = await page.evaluate(
      ([x0, y0, x1, y1]) => {
        const c = document.querySelector('canvas.treemap') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(x0, y0, x1 - x0, y1 - y0).data;
        const out: Record<string, number> = {};
        for (let i = 0; i < d.length; i += 4) {
          const k = `${d[i]},${d[i + 1]},${d[i + 2]}`;
          out[k] = (out[k] ?? 0) + 1;
        }
        return out;
      },
      [r.x0, r.y0, r.x1, r.y1] as const,
    );
    return new Map(Object.entries(counts));
  }
  const key = (hex: string): string => hexToRgb(hex).join(',');
  const BLUE = key(THEMES.dark.vars['--vscode-charts-blue']);
  const PURPLE = key(THEMES.dark.vars['--vscode-charts-purple']);
  const ORANGE = key(THEMES.dark.vars['--vscode-charts-orange']);

  test('the engine saw the clones: shared inside, shared with a file outside, exclusive', () => {
    const f = (n: string) => result.files.find((x) => x.path.endsWith(`/${n}`))!;
    assert.equal(result.files.length, 5);
    assert.equal(f('a.img').shared, 1024n * 1024n);
    assert.equal(f('b.img').sharesWith[0]?.path, f('a.img').path);
    assert.equal(f('d.img').shared, 256n * 1024n);
    assert.equal(f('d.img').sharesWith.length, 0);
    assert.equal(f('c.img').exclusive, 768n * 1024n);
    assert.equal(result.total.reclaimableExact, false, 'XFS without a scan gives bounds');
    assert.equal(exactResult.total.reclaimableExact, true, 'the exact scan makes it exact');
  });

  for (const [dpr, exact] of [
    [1, false],
    [2, false],
    [1, true],
  ] as const)
    test(`treemap pixels at DPR ${dpr}${exact ? ', exact' : ''}: each file split exclusive / inside / outside as the engine counts, area by allocated`, async () => {
      const hi = dpr === 2 ? await launchChromium('space-dpr2', { deviceScaleFactor: 2 }) : undefined;
      // exact (the scan): the engine says per file what deleting frees of its shared bytes (sharedInside)
      const d = exact ? spaceData(exactResult, [dir]) : data;
      assert.equal(
        d.files.every((f) => f.sharedInside !== undefined),
        exact,
      );
      const { page } = await open(dpr === 2 ? 700 : 1400, 900, d, hi ?? chromium);
      const areas = new Map<string, number>();
      for (const name of ['a.img', 'b.img', 'sub/c.img', 'sub/d.img', 'sub/e.txt']) {
        const i = idx(name);
        const f = d.files[i];
        const r = await rectOf(page, i);
        assert.ok(r, `${name} is drawn`);
        const w = r.x1 - r.x0;
        const h = r.y1 - r.y0;
        areas.set(name, w * h);
        const len = Math.max(w, h);
        const other = Math.min(w, h);
        const alloc = BigInt(f.allocated);
        const excl = BigInt(f.exclusive);
        const shared = BigInt(f.shared);
        let overlap = 0n;
        for (const [, b] of f.sharesWith) overlap += BigInt(b);
        const inside = f.sharedInside !== undefined ? BigInt(f.sharedInside) : overlap < shared ? overlap : shared;
        if (exact) assert.equal(BigInt(f.sharedInside!), name === 'a.img' || name === 'b.img' ? shared : 0n, name);
        const cut1 = Math.round(Number((BigInt(len) * excl * 1000n) / alloc) / 1000);
        const cut2 = Math.round(Number((BigInt(len) * (excl + inside) * 1000n) / alloc) / 1000);
        // along the long side: the bottom row (or right column), which the name never covers
        const line = w >= h ? { x0: r.x0, y0: r.y1 - 1, x1: r.x1, y1: r.y1 } : { x0: r.x1 - 1, y0: r.y0, x1: r.x1, y1: r.y1 };
        const counts = await colourCounts(page, line);
        assert.equal(counts.get(BLUE) ?? 0, cut1, `${name}: exclusive pixels`);
        assert.equal(counts.get(PURPLE) ?? 0, cut2 - cut1, `${name}: shared-inside pixels`);
        assert.equal(counts.get(ORANGE) ?? 0, len - cut2, `${name}: shared-outside pixels`);
        assert.equal(other > 0, true);
      }
      // a.img is all shared with b.img (inside): no exclusive pixel anywhere in it
      const counts = await colourCounts(page, (await rectOf(page, idx('a.img')))!);
      assert.equal(counts.get(BLUE) ?? 0, 0);
      assert.equal(counts.get(ORANGE) ?? 0, 0);
      // area follows allocated: a (1 MiB) vs c (768 KiB), within the padding's pixels
      const ratio = areas.get('a.img')! / areas.get('sub/c.img')!;
      assert.ok(Math.abs(ratio - 1024 / 768) < 0.15, `area ratio ${ratio}`);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'no CSP violation');
      assert.equal(
        await page.evaluate(() => (document.querySelector('canvas.treemap') as HTMLCanvasElement).width),
        Math.round((await page.evaluate(() => document.querySelector('canvas.treemap')!.clientWidth)) * dpr),
      );
      if (dpr === 1 && !exact) await page.screenshot({ path: screenshotPath('space-1400px.png'), fullPage: true });
      await page.close();
      await hi?.close();
    });

  test('20,000 files: the whole view is drawn, with only a screenful of rows in the DOM', async () => {
    const n = 20_000;
    const files = Array.from({ length: n }, (_, i) => ({
      path: `/big/d${i % 50}/e${i % 7}/f${i}.bin`,
      size: String(4096 * (1 + (i % 97))),
      allocated: String(4096 * (1 + (i % 97))),
      shared: String(i % 2 ? 4096 : 0),
      exclusive: String(4096 * (i % 97) + (i % 2 ? 0 : 4096)),
      fileSystem: 0,
      sharesWith: i % 2 ? ([[i - 1, '4096']] as Array<[number, string]>) : [],
    }));
    const big: SpaceData = { ...data, roots: ['/big'], base: '/big', files, fileSystems: [data.fileSystems[0]], errors: [] };
    const page = await chromium.context.newPage();
    await installBridge(page, {});
    await page.goto(server.url('space'));
    await page.waitForFunction(() => document.querySelector('.toolbar'));
    const ms = await page.evaluate(async (d) => {
      const t0 = performance.now();
      window.postMessage({ type: 'space', data: d }, '*');
      await new Promise<void>((resolve) => {
        const check = () => (document.body.dataset.state === 'done' ? requestAnimationFrame(() => resolve()) : setTimeout(check, 5));
        check();
      });
      return performance.now() - t0;
    }, big);
    // Speed is measured in bench/ (space-first-rows.ts), never asserted by a timed test: logged only.
    console.log(`# 20,000 files drawn in ${ms.toFixed(0)} ms`);
    assert.equal(await page.locator('.filter-count').textContent(), '20,000 files');
    assert.ok((await page.locator('.space-grid .tscroll .tr').count()) < 100, 'only a screenful of rows in the DOM');
    await page.fill('input.filter', 'f1999');
    assert.equal(await page.locator('.filter-count').textContent(), '11 of 20,000 files');
    await page.close();
  });

  test('many small files: folders whose files are below a pixel show their files’ bands, not a grey folder', async () => {
    // 500 folders of 100 files of 4 KiB at 600 px: even files exclusive, odd ones shared with the file before
    const n = 50_000;
    const files = Array.from({ length: n }, (_, i) => ({
      path: `/big/d${Math.floor(i / 100)}/f${i}.bin`,
      size: '4096',
      allocated: '4096',
      shared: i % 2 ? '4096' : '0',
      exclusive: i % 2 ? '0' : '4096',
      fileSystem: 0,
      sharesWith: i % 2 ? ([[i - 1, '4096']] as Array<[number, string]>) : [],
    }));
    const big: SpaceData = { ...data, roots: ['/big'], base: '/big', files, fileSystems: [data.fileSystems[0]], errors: [] };
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 600, height: 900 });
    await installBridge(page, {});
    await page.goto(server.url('space'));
    await page.evaluate(
      (vars) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      },
      THEMES.dark.vars as unknown as Record<string, string>,
    );
    await page.waitForFunction(() => document.querySelector('.toolbar'));
    await page.evaluate((d) => window.postMessage({ type: 'space', data: d }, '*'), big);
    await page.waitForSelector('body[data-state="done"]');
    await frames(page, 3);
    const size = await page.$eval('canvas.treemap', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    const counts = await colourCounts(page, { x0: 0, y0: 0, x1: size[0], y1: size[1] });
    const all = size[0] * size[1];
    const share = (colour: string): number => (counts.get(colour) ?? 0) / all;
    // half the bytes each way: each colour takes a good part of the picture (was ~7% each, the rest grey)
    assert.ok(share(BLUE) > 0.25, `exclusive ${(100 * share(BLUE)).toFixed(1)}%`);
    assert.ok(share(PURPLE) > 0.25, `shared inside ${(100 * share(PURPLE)).toFixed(1)}%`);
    assert.ok(Math.abs(share(BLUE) - share(PURPLE)) < 0.1, 'in proportion to the bytes');
    assert.equal(counts.get(ORANGE) ?? 0, 0, 'nothing is shared outside');
    await page.screenshot({ path: screenshotPath('space-small-files-600px.png') });
    await page.close();
  });

  test('totals and the bounds wording, then the exact wording after an Exact scan', async () => {
    const { page, bridge } = await open(1000);
    const text = async (sel: string) => (await page.textContent(sel))?.trim() ?? '';
    assert.match(await text('.kv[data-key="allocated"] dd'), /MiB/);
    assert.equal(
      await page.getAttribute('.kv[data-key="unique"] dd', 'title'),
      `${BigInt(data.total.unique).toLocaleString('en-US')} bytes`,
    );
    assert.match(await text('.reclaim-line'), /^Deleting this frees between .+ and .+\.$/);
    assert.equal(data.fileSystems[0].exactScan, 'possible', 'XFS without rmapbt: an exact scan can run');
    assert.doesNotMatch(await text('.details .meta'), /exact scan/, 'no exact scan ran');
    assert.match(await text('.details .meta'), /^Analyzed in /, 'no time given, none shown');
    // the notes as sentences, with human sizes beside the exact bytes
    const why = await text('.reclaim-why');
    assert.match(why, /Deleting these files frees between [\d,]+ bytes \([\d.]+ [KM]iB\) \(their exclusive bytes/);
    assert.doesNotMatch(why, /^xfs: |bounds: /);
    assert.equal(await page.getAttribute('.reclaim-line', 'data-exact'), 'false');
    assert.ok((await page.locator('.reclaim-why li').count()) >= 1, 'the reason is said');
    await page.click('#btn-exact-scan');
    const m = await bridge.waitFor((x) => x.type === 'spaceScan');
    assert.deepEqual(m, { type: 'spaceScan', exactScan: true });
    const exactData = spaceData(exactResult, [dir]);
    await bridge.post({ type: 'spaceProgress', files: 7, bytes: '1000', message: '', exactScan: true });
    assert.match(await text('.progress-text'), /^Exact scan: 7 files/);
    await bridge.post({ type: 'space', data: { ...exactData, finishedAt: Date.UTC(2026, 11, 4, 13, 5, 9) } });
    await page.waitForSelector('.reclaim-line[data-exact="true"]');
    // when it finished, so a refresh (after Deduplicate) shows as a new time
    assert.match(await text('.details .meta'), /^Analyzed at \d{1,2}:05:09\s?(AM|PM)? in /);
    const lo = BigInt(exactData.total.reclaimable);
    assert.equal(await page.getAttribute('.reclaim-line', 'title'), `${lo.toLocaleString('en-US')} bytes`);
    assert.match(await text('.reclaim-line'), /^Deleting this frees [^ ]+ [KMG]?i?B\.$/);
    assert.equal(await page.locator('#btn-exact-scan').count(), 0);
    assert.match(await text('.details .meta'), / · exact scan/, 'an exact scan ran');
    assert.equal(await page.locator('.reclaim-parts').count(), 0, 'one file system: no parts');
    // an exact figure's notes are shown too (how it was found, what it counts: compressed data)
    const compressedNote = '2 files on btrfs hold compressed data: allocated, shared, exclusive and unique count it uncompressed.';
    await bridge.post({
      type: 'space',
      data: { ...exactData, fileSystems: [{ ...exactData.fileSystems[0], notes: [compressedNote] }] },
    });
    await page.waitForFunction(() => document.querySelector('.reclaim-why')?.textContent?.includes('compressed'));
    assert.deepEqual(await page.locator('.reclaim-why li').allTextContents(), [compressedNote]);
    // two file systems: each one's part of the figure, named
    const xfsPart = { ...data.fileSystems[0], mountPoint: '/mnt/x', reclaimable: String(MiB), reclaimableMax: String(3n * MiB) };
    const btrfsPart = {
      ...data.fileSystems[0],
      filesystem: 'btrfs',
      mountPoint: '/mnt/b',
      reclaimable: String(64n * MiB),
      reclaimableMax: String(64n * MiB),
      reclaimableExact: true,
      notes: [],
    };
    await bridge.post({ type: 'space', data: { ...data, fileSystems: [xfsPart, btrfsPart] } });
    await page.waitForSelector('.reclaim-parts');
    assert.deepEqual(await page.locator('.reclaim-parts li').allTextContents(), [
      'On xfs (/mnt/x): frees between 1 MiB and 3 MiB.',
      'On btrfs (/mnt/b): frees 64 MiB.',
    ]);
    // btrfs without root (or SMB): the figures count the bytes referenced, not bounds
    const smbPart = { ...xfsPart, filesystem: 'smb', mountPoint: undefined, id: 'smb://h/s' };
    await bridge.post({ type: 'space', data: { ...data, fileSystems: [xfsPart, smbPart] } });
    await page.waitForFunction(() => document.querySelector('.reclaim-line')?.textContent?.includes('not bounds'));
    assert.match(await text('.reclaim-line'), /^Deleting this frees about .+ to .+, by the bytes referenced: not bounds \(see below\)\.$/);
    assert.deepEqual(await page.locator('.reclaim-parts li').allTextContents(), [
      'On xfs (/mnt/x): frees between 1 MiB and 3 MiB.',
      'On smb: frees about 1 MiB to 3 MiB, not bounds.',
    ]);
    await page.close();
  });

  test('table rows: the engine numbers, sort, filter', async () => {
    const { page, bridge } = await open(1400);
    const rows = () =>
      page.$$eval('.space-grid .tscroll .tr', (trs) =>
        trs
          .sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top))
          .map((tr) => [...tr.children].map((td) => (td as HTMLElement).title || td.textContent || '')),
      );
    let r = await rows();
    assert.equal(r.length, 5);
    // default: allocated, largest first; exact byte counts in the cells' titles
    const byAlloc = [...data.files].sort((a, b) => Number(BigInt(b.allocated) - BigInt(a.allocated)) || (a.path < b.path ? -1 : 1));
    assert.deepEqual(
      r.map((x) => x[2]),
      byAlloc.map((f) => `${BigInt(f.allocated).toLocaleString('en-US')} bytes`),
    );
    const first = byAlloc[0];
    assert.equal(r[0][0], first.path.slice(dir.length + 1));
    assert.equal(r[0][4], `${BigInt(first.exclusive).toLocaleString('en-US')} bytes`);
    assert.equal(r[0][5], String(first.sharesWith.length));
    await page.click('.space-grid .thead .c-path');
    r = await rows();
    assert.deepEqual(
      r.map((x) => x[0]),
      ['a.img', 'b.img', 'sub/c.img', 'sub/d.img', 'sub/e.txt'],
    );
    await page.click('.space-grid .thead .c-path');
    assert.equal((await rows())[0][0], 'sub/e.txt', 'again: reversed');
    await page.fill('input.filter', 'sub/');
    r = await rows();
    assert.deepEqual(r.map((x) => x[0]).sort(), ['sub/c.img', 'sub/d.img', 'sub/e.txt']);
    assert.match((await page.textContent('.filter-count')) ?? '', /^3 of 5 files$/);
    // a new result (Exact scan, Analyze again) keeps the sort and the filter
    await bridge.post({ type: 'space', data });
    await frames(page, 2);
    assert.deepEqual(
      (await rows()).map((x) => x[0]),
      ['sub/e.txt', 'sub/d.img', 'sub/c.img'],
    );
    // from the keyboard: a header is a tab stop, Enter or Space sorts by it
    await page.focus('.space-grid .thead .c-path');
    await page.keyboard.press('Enter');
    assert.equal((await rows())[0][0], 'sub/c.img', 'Enter on the header: reversed again');
    await page.keyboard.press(' ');
    await page.keyboard.press(' ');
    assert.equal((await rows())[0][0], 'sub/c.img', 'Space twice: the same order');
    await page.fill('input.filter', 'no such name');
    assert.equal(await page.textContent('.filter-count'), 'No file matches (of 5)');
    await page.close();
  });

  test('selecting a file marks the files it shares with (table and treemap); double-click opens; reveal', async () => {
    const { page, bridge } = await open(1400);
    const a = idx('a.img');
    const b = idx('b.img');
    await page.click(`.space-grid .tr[data-file="${a}"]`);
    assert.equal(await page.getAttribute('body', 'data-selected'), String(a));
    assert.equal(await page.locator(`.space-grid .tr.selected[data-file="${a}"]`).count(), 1);
    assert.equal(await page.locator(`.space-grid .tr.partner[data-file="${b}"]`).count(), 1);
    assert.equal(await page.locator('.space-grid .tr.partner').count(), 1);
    // treemap: the partner's frame in the partner colour, the selected one in the selection colour
    const rb = (await rectOf(page, b))!;
    const ra = (await rectOf(page, a))!;
    const at = (r: Rect) =>
      page.evaluate(
        ([x, y]) =>
          [...(document.querySelector('canvas.treemap') as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data]
            .slice(0, 3)
            .join(','),
        [r.x0, Math.floor((r.y0 + r.y1) / 2)] as const,
      );
    assert.equal(await at(rb), key(THEMES.dark.vars['--vscode-foreground']));
    assert.equal(await at(ra), key(THEMES.dark.vars['--vscode-focusBorder']));
    await page.screenshot({ path: screenshotPath('space-selected.png'), fullPage: true });
    // high contrast gives the selected row no background: it has an outline there, none here
    const outline = () =>
      page.$eval('.space-grid .tr.selected', (tr) => {
        const cs = getComputedStyle(tr);
        return `${cs.outlineStyle} ${cs.outlineColor}`;
      });
    assert.equal(await outline(), 'solid rgba(0, 0, 0, 0)');
    await applyTheme(page, 'highContrast');
    assert.equal(await outline(), 'solid rgb(243, 133, 24)');
    await applyTheme(page, 'dark');
    // a click in the treemap selects there too
    const rc = (await rectOf(page, idx('sub/c.img')))!;
    await page.click('canvas.treemap', { position: { x: (rc.x0 + rc.x1) / 2, y: (rc.y0 + rc.y1) / 2 } });
    assert.equal(await page.getAttribute('body', 'data-selected'), String(idx('sub/c.img')));
    assert.equal(await page.locator('.space-grid .tr.partner').count(), 0, 'c shares with nobody');
    await page.dblclick(`.space-grid .tr[data-file="${a}"]`);
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'spaceOpen'), { type: 'spaceOpen', index: a });
    await page.click('#btn-reveal');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'spaceReveal'), { type: 'spaceReveal', index: a });
    await page.click('#btn-export-csv');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'export'), { type: 'export', format: 'csv' });
    assert.deepEqual(bridge.rejected, []);
    await page.close();
  });

  test('from the keyboard: arrow keys move the selection to the tile that way, every file reachable; Space zooms, Backspace back, Enter opens', async () => {
    const { page, bridge } = await open(1400);
    const selectedNow = async (): Promise<number> => {
      const v = (await page.getAttribute('body', 'data-selected')) ?? '';
      assert.match(v, /^\d+$/, 'a file is selected');
      return Number(v);
    };
    await page.focus('canvas.treemap');
    await page.keyboard.press('ArrowRight');
    const largest = Math.max(...data.files.map((f) => Number(f.allocated)));
    assert.equal(Number(data.files[await selectedNow()].allocated), largest, 'nothing selected: the largest file first');
    const drawn = new Set<number>();
    for (let i = 0; i < data.files.length; i++) if (await rectOf(page, i)) drawn.add(i);
    assert.ok(drawn.size >= 4, `files drawn: ${drawn.size}`);
    // from every file reached, each arrow: the file it selects lies wholly that way (device pixels, snapped), or it stays
    const reached = new Set([await selectedNow()]);
    const todo = [...reached];
    const ways: Array<[string, (from: Rect, to: Rect) => boolean]> = [
      ['ArrowRight', (f, t) => t.x0 >= f.x1 - 2],
      ['ArrowLeft', (f, t) => t.x1 <= f.x0 + 2],
      ['ArrowDown', (f, t) => t.y0 >= f.y1 - 2],
      ['ArrowUp', (f, t) => t.y1 <= f.y0 + 2],
    ];
    while (todo.length > 0) {
      const from = todo.pop()!;
      const fromRect = (await rectOf(page, from))!;
      for (const [key, lies] of ways) {
        await page.click(`.space-grid .tr[data-file="${from}"]`);
        await page.focus('canvas.treemap');
        await page.keyboard.press(key);
        const to = await selectedNow();
        if (to === from) continue;
        assert.ok(lies(fromRect, (await rectOf(page, to))!), `${key} from ${data.files[from].path} to ${data.files[to].path}`);
        if (!reached.has(to)) {
          reached.add(to);
          todo.push(to);
        }
      }
    }
    assert.deepEqual([...reached].sort(), [...drawn].sort(), 'every file drawn can be reached with the arrow keys');
    // Space zooms into the selected file's folder, keeping it selected; Backspace goes back; Enter opens
    const zoomed = () => page.evaluate(() => (window as unknown as { __extentLensSpace: { zoomed(): string } }).__extentLensSpace.zoomed());
    const c = idx('sub/c.img');
    await page.click(`.space-grid .tr[data-file="${c}"]`);
    await page.focus('canvas.treemap');
    await page.keyboard.press(' ');
    assert.equal(await zoomed(), 'sub');
    assert.equal(await selectedNow(), c);
    await page.keyboard.press(' ');
    assert.equal(await zoomed(), 'sub', 'already in its folder: stays');
    await page.keyboard.press('Backspace');
    assert.equal(await zoomed(), '');
    await page.keyboard.press('Enter');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'spaceOpen'), { type: 'spaceOpen', index: c });
    assert.deepEqual(bridge.rejected, []);
    await page.close();
  });

  test('zoom into a folder by its frame, back by the breadcrumb; the table lists that folder', async () => {
    const { page, bridge } = await open(1400);
    const rows = () => page.$$eval('.space-grid .tscroll .tr .c-path', (els) => els.map((e) => (e as HTMLElement).innerText).sort());
    const zoomed = () => page.evaluate(() => (window as unknown as { __extentLensSpace: { zoomed(): string } }).__extentLensSpace.zoomed());
    const rc = (await rectOf(page, idx('sub/c.img')))!;
    // a.img selected, then zoomed away from: no selection is left out of sight (Inspect, Reveal)
    await page.click(`.space-grid .tr[data-file="${idx('a.img')}"]`);
    assert.equal(await page.getAttribute('body', 'data-selected'), String(idx('a.img')));
    // the folder's title strip lies just above its first file
    await page.click('canvas.treemap', { position: { x: rc.x0 + 6, y: rc.y0 - 6 } });
    assert.equal(await zoomed(), 'sub');
    assert.equal(await page.getAttribute('body', 'data-selected'), '');
    assert.equal(await page.getAttribute('#btn-reveal', 'disabled'), '');
    assert.equal(await rectOf(page, idx('a.img')), undefined, 'files outside the folder are not drawn');
    const rc2 = (await rectOf(page, idx('sub/c.img')))!;
    assert.ok((rc2.x1 - rc2.x0) * (rc2.y1 - rc2.y0) > (rc.x1 - rc.x0) * (rc.y1 - rc.y0), 'bigger when zoomed');
    assert.match((await page.textContent('.crumbs')) ?? '', /sub$/);
    assert.deepEqual(await rows(), ['sub/c.img', 'sub/d.img', 'sub/e.txt']);
    assert.equal(await page.textContent('.filter-count'), '3 of 5 files');
    // the filter applies within the folder (a.img matches "img" but is outside it)
    // a file the filter hides is no longer selected (Reveal would act on a file not shown)
    await page.click(`.space-grid .tr[data-file="${idx('sub/e.txt')}"]`);
    assert.equal(await page.getAttribute('body', 'data-selected'), String(idx('sub/e.txt')));
    await page.fill('input.filter', 'img');
    await page.waitForFunction(() => document.querySelector('.filter-count')!.textContent === '2 of 5 files');
    assert.deepEqual(await rows(), ['sub/c.img', 'sub/d.img']);
    assert.equal(await page.getAttribute('body', 'data-selected'), '');
    assert.equal(await page.getAttribute('#btn-reveal', 'disabled'), '');
    await page.click('#btn-export-json');
    const shown = ['sub/c.img', 'sub/d.img'].map(idx).sort((x, y) => x - y);
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'export'), {
      type: 'export',
      format: 'json',
      shown,
      filter: 'img',
      folder: 'sub',
    });
    await page.fill('input.filter', '');
    await page.click('.crumbs button.crumb');
    assert.equal(await zoomed(), '');
    assert.equal(await page.textContent('.filter-count'), '5 files');
    assert.equal((await rows()).length, 5);
    await page.close();
  });

  for (const width of [320, 520, 1400]) {
    test(`layout at ${width} px: treemap above the table, no horizontal overflow`, async () => {
      const { page } = await open(width, 800);
      const m = await page.evaluate(() => {
        const box = (s: string) => document.querySelector(s)!.getBoundingClientRect();
        const visible = [...document.querySelectorAll('.space-grid .thead .td')]
          .filter((e) => getComputedStyle(e).display !== 'none')
          .map((e) => (e as HTMLElement).dataset.key);
        return {
          scrollW: document.documentElement.scrollWidth,
          clientW: document.documentElement.clientWidth,
          mapBottom: box('canvas.treemap').bottom,
          tableTop: box('.space-grid').top,
          mapW: box('canvas.treemap').width,
          visible,
        };
      });
      assert.ok(m.scrollW <= m.clientW, `no horizontal overflow (${m.scrollW} > ${m.clientW})`);
      assert.ok(m.mapBottom <= m.tableTop, 'treemap above the table');
      assert.ok(m.mapW > width - 40, 'the treemap takes the width');
      assert.ok(m.visible.includes('path') && m.visible.includes('allocated') && m.visible.includes('sharesWith'), m.visible.join());
      if (width >= 1000) assert.equal(m.visible.length, 6);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
      await page.screenshot({ path: screenshotPath(`space-${width}px.png`), fullPage: true });
      await page.close();
    });
  }

  test('narrow columns keep the one the rows are sorted by, and paths their file names', async () => {
    const { page, bridge } = await open(1400, 800);
    const visible = () =>
      page.$$eval('.space-grid .thead .td', (els) =>
        els.filter((e) => getComputedStyle(e).display !== 'none').map((e) => (e as HTMLElement).dataset.key),
      );
    await page.click('.space-grid .thead .td[data-key="shared"]');
    for (const [width, want] of [
      [600, ['path', 'allocated', 'shared', 'sharesWith']],
      [400, ['path', 'allocated', 'shared']],
    ] as const) {
      await page.setViewportSize({ width, height: 800 });
      await frames(page, 2);
      assert.deepEqual(await visible(), want, `${width} px, sorted by shared`);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth));
    }
    // sorted by a column that is there anyway: the usual columns
    await page.setViewportSize({ width: 1400, height: 800 });
    await page.click('.space-grid .thead .td[data-key="allocated"]');
    await page.setViewportSize({ width: 400, height: 800 });
    await frames(page, 2);
    assert.deepEqual(await visible(), ['path', 'allocated', 'sharesWith']);
    // a long folder name gives way: each file's own name stays whole
    const deep = `${dir}/a very long folder name that will surely not fit in a narrow editor column at all`;
    await bridge.post({ type: 'space', data: { ...data, files: data.files.map((f) => ({ ...f, path: f.path.replace(dir, deep) })) } });
    const measure = () =>
      page.$$eval('.space-grid .tscroll .c-path', (els) =>
        els.map((e) => {
          const cell = e.getBoundingClientRect();
          const text = (e.querySelector('.p-ltr') as HTMLElement).getBoundingClientRect();
          // cut at its start: the text is wider than the cell and ends where the cell's content ends
          return {
            text: (e as HTMLElement).innerText,
            cutAtStart: text.width > cell.width && text.left < cell.left && text.right <= cell.right,
            cell: [cell.left, cell.right],
            span: [text.left, text.right],
          };
        }),
      );
    // In one CI run the rows measured the moment the new text appeared were not cut (not seen in
    // 21 local runs, under load too): the rule is for the layout that settles, so the test
    // measures again for up to 5 s and, if it never comes, says what it measured.
    let cells = await measure();
    for (const until = Date.now() + 5000; Date.now() < until; cells = await measure()) {
      if (cells.length > 0 && cells.every((c) => c.cutAtStart && c.text.startsWith('a very long folder'))) break;
      await frames(page, 1);
    }
    assert.equal(cells.length, data.files.length);
    for (const c of cells) assert.ok(c.cutAtStart && c.text.startsWith('a very long folder'), JSON.stringify(c));
    await page.$eval('.space-grid', (e) => e.scrollIntoView());
    await page.screenshot({ path: screenshotPath('space-long-paths-400px.png') });
    await page.close();
  });

  test('export text: CLI-shaped JSON and CSV from the same data', () => {
    const j = JSON.parse(spaceExportText(data, 'json')) as {
      files: Array<{ path: string; sharesWith: Array<{ path: string }> }>;
      total: unknown;
    };
    assert.equal(j.files.length, 5);
    assert.deepEqual(j.total, data.total);
    const b = j.files.find((f) => f.path.endsWith('/b.img'))!;
    assert.equal(b.sharesWith[0].path, path.join(dir, 'a.img'));
    const csv = spaceExportText(data, 'csv').trim().split('\n');
    assert.equal(csv[0], 'path,size,allocated,shared,exclusive,sharesWith');
    assert.equal(csv.length, 6);
  });

  // ---- streaming: the files appear while the analysis runs -------------------------------------

  async function openStreaming(width: number): Promise<{ page: Page; bridge: HostBridge }> {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width, height: 900 });
    const bridge = await installBridge(page, {
      onReady: (b) => b.post({ type: 'spaceProgress', files: 0, bytes: '0', message: '', exactScan: false }),
    });
    await page.goto(server.url('space'));
    await page.evaluate(
      (vars) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      },
      THEMES.dark.vars as unknown as Record<string, string>,
    );
    await page.waitForSelector('body[data-state="scanning"]');
    return { page, bridge };
  }
  const rowsMsg = (start: number, rows: SpaceWireRow[]): HostMessage => ({
    type: 'spaceRows',
    start,
    rows,
    base: data.base,
    sep: data.sep,
    exactScan: false,
  });
  /** The end of the analysis as the host sends it to a view it sent rows 0..start-1: the rest of the result. */
  const doneMsg = (start: number): HostMessage => ({
    type: 'spaceDone',
    start,
    rows: mappedRows.slice(start),
    sharing: data.files.map((f): SpaceWireSharing => {
      const n = f.sharesWithCount ?? f.sharesWith.length;
      return f.sharedInside === undefined ? [f.sharesWith, n] : [f.sharesWith, n, f.sharedInside];
    }),
    data: { ...data, files: [] },
  });
  const disabled = (page: Page, sel: string): Promise<boolean> => page.$eval(sel, (e) => e.hasAttribute('disabled'));
  const tableRows = (page: Page): Promise<string[]> =>
    page.$$eval('.space-grid .tscroll .tr .c-path', (els) => els.map((e) => (e as HTMLElement).innerText).sort());

  test('streaming: rows appear before the result, with the sums so far; the result then fills in the sharing', async () => {
    assert.equal(mappedRows.length, data.files.length);
    assert.deepEqual(
      mappedRows.map((r) => r.path),
      data.files.map((f) => f.path),
      'the mapped rows have the places of the final ones',
    );
    const { page, bridge } = await openStreaming(1000);
    await bridge.post(rowsMsg(0, mappedRows.slice(0, 3)));
    await bridge.post({ type: 'spaceProgress', files: 3, bytes: '1', message: '', exactScan: false });
    await page.waitForSelector('body[data-shown="streaming"][data-files="3"]');
    assert.equal(await page.getAttribute('body', 'data-state'), 'scanning', 'still scanning');
    assert.equal(await page.isVisible('.progress #btn-cancel'), true, 'Cancel is there while rows stream');
    assert.equal(await page.locator('.space-grid .tscroll .tr').count(), 3);
    assert.equal(await page.textContent('.kv[data-key="files"] dd'), '3');
    assert.equal(await page.locator('.kv[data-key="unique"]').count(), 0, 'unique waits for the end');
    assert.match((await page.textContent('.reclaim-line')) ?? '', /^So far\./);
    assert.equal(await page.isVisible('.legend-pending'), true);
    assert.equal(await disabled(page, '#btn-export-json'), true, 'no export of a partial result');
    // every file drawn; shared bytes grey (with whom is not known yet), never purple or orange
    for (let i = 0; i < 3; i++) assert.ok(await rectOf(page, i), `file ${i} drawn`);
    const a = idx('a.img');
    if (a < 3) {
      const c = await colourCounts(page, (await rectOf(page, a))!);
      assert.equal(c.get(PURPLE) ?? 0, 0);
      assert.equal(c.get(ORANGE) ?? 0, 0);
    }
    assert.equal(await page.textContent('.space-grid .tscroll .tr .c-sharesWith'), '…', 'with whom: not known yet');
    await bridge.post(rowsMsg(3, mappedRows.slice(3)));
    const alloc = mappedRows.reduce((s, r) => s + BigInt(r.allocated), 0n);
    await bridge.post({ type: 'spaceProgress', files: 5, bytes: String(alloc), message: '', exactScan: false });
    await page.waitForSelector('body[data-files="5"]');
    assert.equal(await page.getAttribute('.kv[data-key="allocated"] dd', 'title'), `${alloc.toLocaleString('en-US')} bytes`);
    assert.deepEqual(await tableRows(page), ['a.img', 'b.img', 'sub/c.img', 'sub/d.img', 'sub/e.txt']);
    await page.screenshot({ path: screenshotPath('space-streaming-1000px.png'), fullPage: true });
    await page.setViewportSize({ width: 320, height: 900 });
    await frames(page, 3);
    assert.ok(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
      'no overflow at 320 px',
    );
    await page.screenshot({ path: screenshotPath('space-streaming-320px.png'), fullPage: true });
    await page.setViewportSize({ width: 1000, height: 900 });
    // select a row while streaming; the result keeps the selection (same places) and marks its partners
    await page.click('.space-grid .tscroll .tr:has(.c-path[title="b.img"])');
    await bridge.post(doneMsg(5));
    await page.waitForSelector('body[data-state="done"][data-shown="done"]');
    assert.equal(await page.getAttribute('body', 'data-selected'), String(idx('b.img')));
    assert.equal(await page.textContent('.space-grid .tr.partner .c-path'), 'a.img');
    assert.match((await page.textContent('.reclaim-line')) ?? '', /^Deleting this frees between /);
    assert.equal(await page.isVisible('.legend-pending'), false);
    const c = await colourCounts(page, (await rectOf(page, idx('a.img')))!);
    assert.ok((c.get(PURPLE) ?? 0) > 0, 'shared inside the selection, once the sharing is known');
    assert.equal(await disabled(page, '#btn-export-json'), false);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    await page.close();
  });

  test('streaming: the end completes the rows sent; a view without them asks for the whole result', async () => {
    // the host sent three rows when the analysis ended: the other two come with the sharing
    const { page, bridge } = await openStreaming(800);
    await bridge.post(rowsMsg(0, mappedRows.slice(0, 3)));
    await page.waitForSelector('body[data-shown="streaming"][data-files="3"]');
    await bridge.post(doneMsg(3));
    await page.waitForSelector('body[data-state="done"][data-shown="done"][data-files="5"]');
    assert.deepEqual(await tableRows(page), ['a.img', 'b.img', 'sub/c.img', 'sub/d.img', 'sub/e.txt']);
    await page.click('.space-grid .tscroll .tr:has(.c-path[title="b.img"])');
    assert.equal(await page.textContent('.space-grid .tr.partner .c-path'), 'a.img', 'the sharing filled in');
    await page.close();
    // a view that was not sent the rows (reloaded in between): it asks, and the whole result comes
    const again = await openStreaming(800);
    const asked = again.bridge.received.length;
    await again.bridge.post(doneMsg(3));
    await again.bridge.waitFor((m) => m.type === 'ready' && again.bridge.received.indexOf(m) >= asked);
    assert.equal(await again.page.getAttribute('body', 'data-state'), 'scanning', 'nothing shown from a result it cannot complete');
    await again.bridge.post({ type: 'space', data });
    await again.page.waitForSelector('body[data-state="done"][data-files="5"]');
    await again.page.close();
  });

  test('streaming: Cancel mid-stream leaves the rows so far, said to be incomplete', async () => {
    const { page, bridge } = await openStreaming(800);
    await bridge.post(rowsMsg(0, mappedRows.slice(0, 2)));
    await page.waitForSelector('body[data-shown="streaming"][data-files="2"]');
    await page.click('#btn-cancel');
    await bridge.waitFor((m) => m.type === 'spaceCancel');
    // the host's answer to a cancel after two files (src/views/space-panel.ts)
    const message = 'Cancelled after 2 files: the files shown are those mapped until then, and the totals are incomplete.';
    await bridge.post({ type: 'error', code: 'E_CANCELLED', message });
    await page.waitForSelector('body[data-state="cancelled"][data-shown="stopped"]');
    assert.equal(await page.isVisible('.progress'), false, 'no progress after the cancel');
    // a state, not a failure: neutral, an info icon, no error code
    assert.equal(await page.getAttribute('.banner', 'class'), 'banner neutral');
    assert.equal(await page.getAttribute('.banner', 'role'), 'status');
    assert.equal(await page.locator('.banner .codicon-info').count(), 1);
    assert.equal(await page.locator('.banner .codicon-error').count(), 0);
    assert.equal(await page.textContent('.banner-code'), '');
    assert.equal(await page.textContent('.banner-text'), message);
    // a failure afterwards is red again, with its code
    await bridge.post({ type: 'error', code: 'EIO', message: 'space: input/output error (EIO).' });
    await page.waitForSelector('body[data-state="error"]');
    assert.equal(await page.getAttribute('.banner', 'class'), 'banner');
    assert.equal(await page.textContent('.banner-code'), 'EIO');
    await bridge.post({ type: 'error', code: 'E_CANCELLED', message });
    await page.waitForSelector('body[data-state="cancelled"]');
    assert.equal(await page.locator('.space-grid .tscroll .tr').count(), 2, 'the rows mapped before the cancel stay');
    assert.match((await page.textContent('.reclaim-line')) ?? '', /^Incomplete: the analysis stopped/);
    assert.equal(await disabled(page, '#btn-export-csv'), true);
    await page.screenshot({ path: screenshotPath('space-cancelled-800px.png'), fullPage: true });
    // Analyze again: a new stream starts from its first row
    await page.click('#btn-retry');
    await bridge.waitFor((m) => m.type === 'spaceScan');
    await bridge.post({ type: 'spaceProgress', files: 0, bytes: '0', message: '', exactScan: false });
    await bridge.post(rowsMsg(0, mappedRows.slice(0, 1)));
    await page.waitForSelector('body[data-shown="streaming"][data-files="1"]');
    assert.equal(await page.isVisible('.banner'), false);
    await page.close();
  });

  test("streaming: 38,480 rows in messages of 10,000 (the host's most per message), then a cancel: every row stays", async () => {
    const { page, bridge } = await openStreaming(1000);
    const row = (i: number): SpaceWireRow => ({
      ...mappedRows[0],
      path: `${data.base}${data.sep}t${i % 40}${data.sep}f${i}`,
    });
    const total = 38_480;
    await bridge.post(rowsMsg(0, [row(0)]));
    for (let start = 1; start < total; start += 10_000)
      await bridge.post(
        rowsMsg(
          start,
          Array.from({ length: Math.min(10_000, total - start) }, (_, k) => row(start + k)),
        ),
      );
    await page.waitForSelector(`body[data-files="${total}"]`, { timeout: 20_000 });
    const message = `Cancelled after ${total.toLocaleString('en-US')} files: the files shown are those mapped until then, and the totals are incomplete.`;
    await bridge.post({ type: 'error', code: 'E_CANCELLED', message });
    await page.waitForSelector('body[data-state="cancelled"]');
    assert.equal(await page.getAttribute('body', 'data-files'), String(total));
    assert.equal(await page.textContent('.kv[data-key="files"] dd'), total.toLocaleString('en-US'));
    await page.close();
  });

  describe('files whose sharing is unknown (over SMB: the server gives allocated ranges only)', { skip: sambaSkipReason() }, () => {
    let shareDir = '';
    let smb: SambaServer;
    let unknownData: SpaceData;
    let mixedData: SpaceData;
    const savedPw = process.env.EXTENT_LENS_SMB_PASSWORD;
    before(async () => {
      // a real Samba, the real engine: every file on the share sharingUnknown
      shareDir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-space-webview-smb-'));
      fs.writeFileSync(path.join(shareDir, 'x.bin'), Buffer.alloc(80 * KiB, 7));
      fs.writeFileSync(path.join(shareDir, 'y.bin'), Buffer.alloc(16 * KiB, 8));
      fs.chmodSync(shareDir, 0o755);
      smb = await startSamba({ shares: [{ name: 'w', path: shareDir }] });
      process.env.EXTENT_LENS_SMB_PASSWORD = SMB_PASSWORD;
      const top = smb.uri('w');
      unknownData = spaceData(await engine.space([top]), [top]);
      mixedData = spaceData(await engine.space([dir, top]), [dir, top]);
    });
    after(async () => {
      await closeSmbConnections();
      await smb?.stop();
      fs.rmSync(shareDir, { recursive: true, force: true });
      if (savedPw === undefined) delete process.env.EXTENT_LENS_SMB_PASSWORD;
      else process.env.EXTENT_LENS_SMB_PASSWORD = savedPw;
    });

    test('every file unknown: shared, exclusive and unique read "unknown"; no Exact scan; grey in the legend; tile tooltips', async () => {
      assert.equal(unknownData.files.length, 2, JSON.stringify(unknownData.errors));
      assert.ok(unknownData.files.every((f) => f.sharingUnknown));
      const { page, bridge } = await open(1000, 900, unknownData);
      const text = async (sel: string) => (await page.textContent(sel))?.trim() ?? '';
      for (const k of ['shared', 'exclusive', 'unique']) assert.equal(await text(`.kv[data-key="${k}"] dd`), 'unknown', k);
      assert.match(await text('.kv[data-key="allocated"] dd'), /96 KiB/);
      assert.equal(await page.locator('#btn-exact-scan').count(), 0, 'no exact scan can run here');
      assert.equal(
        await text('.reclaim-line'),
        'Deleting this frees about 0 B to 96 KiB, by the bytes referenced: not bounds (see below).',
      );
      assert.match(await text('.reclaim-why'), /the SMB server does not say which of their blocks are shared/);
      assert.doesNotMatch(await text('.details .meta'), /exact scan/);
      assert.equal(await page.isVisible('.legend-unknown'), true, 'grey tiles have a legend entry');
      const cells = await page.$$eval('.space-grid .tscroll .tr', (rows) =>
        rows.map((r) => [r.querySelector('.c-shared')!.textContent, r.querySelector('.c-exclusive')!.textContent]),
      );
      assert.deepEqual(cells, [
        ['unknown', 'unknown'],
        ['unknown', 'unknown'],
      ]);
      assert.doesNotMatch(await text('.results'), /sharingUnknown|bounds:/, 'no CLI internals');
      // hovering a tile: its path and numbers
      const i = unknownData.files.findIndex((f) => f.path.endsWith('/x.bin'));
      const r = (await rectOf(page, i))!;
      const box = (await page.locator('canvas.treemap').boundingBox())!;
      await page.mouse.move(box.x + (r.x0 + r.x1) / 2, box.y + (r.y0 + r.y1) / 2);
      await page.waitForFunction(() => (document.querySelector('canvas.treemap') as HTMLElement).title !== '');
      assert.equal(await page.getAttribute('canvas.treemap', 'title'), 'x.bin\nAllocated 80 KiB\nSharing unknown (no physical offsets)');
      // CSV: unknown, as shown
      await page.click('#btn-export-csv');
      assert.deepEqual(await bridge.waitFor((m) => m.type === 'export'), { type: 'export', format: 'csv' });
      assert.match(spaceExportText(unknownData, 'csv'), /,unknown,unknown,unknown\n/);
      await page.screenshot({ path: screenshotPath('space-sharing-unknown-1000px.png'), fullPage: true });
      await page.close();
    });

    test('some files unknown: shared and exclusive of the known files, said so; unique an upper bound; the treemap tooltip of a known file', async () => {
      const { page } = await open(1000, 900, mixedData);
      const text = async (sel: string) => (await page.textContent(sel))?.trim() ?? '';
      const known = mixedData.files.filter((f) => !f.sharingUnknown);
      const knownShared = known.reduce((a, f) => a + BigInt(f.shared), 0n);
      assert.ok(knownShared > 0n);
      assert.equal(await text('.kv[data-key="shared"] dt'), 'Shared (known files)');
      assert.equal(await page.getAttribute('.kv[data-key="shared"] dd', 'title'), `${knownShared.toLocaleString('en-US')} bytes`);
      assert.match(
        (await page.getAttribute('.kv[data-key="shared"]', 'title')) ?? '',
        /Of the 5 files whose sharing is known; unknown for 2/,
      );
      assert.equal(await text('.kv[data-key="unique"] dt'), 'Unique (at most)');
      assert.equal(await page.locator('#btn-exact-scan').count(), 1, 'the XFS part can still be scanned');
      const i = mixedData.files.findIndex((f) => f.path.endsWith('/sub/c.img'));
      const r = (await rectOf(page, i))!;
      const box = (await page.locator('canvas.treemap').boundingBox())!;
      await page.mouse.move(box.x + (r.x0 + r.x1) / 2, box.y + (r.y0 + r.y1) / 2);
      await page.waitForFunction(() => (document.querySelector('canvas.treemap') as HTMLElement).title !== '');
      assert.match((await page.getAttribute('canvas.treemap', 'title')) ?? '', /c\.img\nAllocated 768 KiB\nExclusive 768 KiB\n/);
      await page.close();
    });
  });

  test('export with a filter set: the files shown, and the filter, go to the host', async () => {
    const { page, bridge } = await open(1000);
    await page.fill('input.filter', 'sub/');
    await page.waitForFunction(() => document.querySelector('.filter-count')!.textContent === '3 of 5 files');
    await page.click('#btn-export-json');
    const m = await bridge.waitFor((x) => x.type === 'export');
    const shown = ['sub/c.img', 'sub/d.img', 'sub/e.txt']
      .map((n) => data.files.findIndex((f) => f.path.endsWith('/' + n)))
      .sort((a, b) => a - b);
    assert.deepEqual(m, { type: 'export', format: 'json', shown, filter: 'sub/' });
    await page.fill('input.filter', '');
    await page.click('#btn-export-csv');
    assert.deepEqual(await bridge.waitFor((x) => x.type === 'export' && x.format === 'csv'), { type: 'export', format: 'csv' });
    await page.close();
  });

  test('streaming: the counts follow every rows message, not only the redraws', async () => {
    const { page, bridge } = await openStreaming(1000);
    await bridge.post(rowsMsg(0, mappedRows.slice(0, 1)));
    await page.waitForSelector('body[data-shown="streaming"][data-files="1"]');
    await page.fill('input.filter', 'sub/');
    // the first redraw was just now: the next one waits (Pacer, 500 ms); the counts do not
    await bridge.post(rowsMsg(1, mappedRows.slice(1)));
    const now = await page.evaluate(() => ({
      drawn: document.body.dataset.files,
      files: document.querySelector('.kv[data-key="files"] dd')!.textContent,
      filter: document.querySelector('.filter-count')!.textContent,
    }));
    // (on a loaded machine the 500 ms may already have passed and the redraw come too: the
    // counts must be right either way; the redraw's count is not asserted, it is timing)
    assert.deepEqual({ files: now.files, filter: now.filter }, { files: '5', filter: '3 of 5 files' });
    assert.ok(now.drawn === '1' || now.drawn === '5', String(now.drawn));
    await page.waitForSelector('body[data-files="5"]');
    assert.equal(await page.textContent('.filter-count'), '3 of 5 files');
    await page.close();
  });

  test('malformed host messages are ignored', async () => {
    const { page, bridge } = await open(800);
    await bridge.post({ type: 'space', data: { ...data, files: [{ ...data.files[0], sharesWith: [[99, '1']] }] } });
    await bridge.post({ type: 'spaceProgress', files: 'x' });
    await bridge.post({ ...rowsMsg(0, mappedRows), rows: [{ ...mappedRows[0], size: 12 }] });
    await bridge.post({ ...rowsMsg(0, mappedRows), start: -1 });
    assert.equal(await page.getAttribute('body', 'data-ignored'), '4');
    assert.equal(await page.locator('.space-grid .tscroll .tr').count(), 5, 'still the real result');
    const ready: WebviewMessage[] = bridge.received.filter((m) => m.type === 'ready');
    assert.equal(ready.length, 1);
    await page.close();
  });
});
