// The Space view's treemap in real Chromium, fed the engine's real answer (./space-view-fixture.ts):
// pixels against the engine's numbers (exclusive / shared inside / shared outside, area by
// allocated, at DPR 1 and 2), 20,000 files, many small files, selecting a file marks its sharing
// partners, the keyboard, zooming into folders.
// (Over 400 lines: every test uses the one XFS analysis, shell server and Chromium that spaceViewHooks() sets up once.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spaceData } from '../../src/views/space-data';
import type { SpaceData } from '../../src/protocol/messages';
import { launchChromium, screenshotPath } from '../support/chromium';
import { frames, installBridge } from './harness';
import { applyTheme, THEMES } from './themes';
import {
  skip,
  spaceViewHooks,
  type Rect,
  server,
  chromium,
  result,
  exactResult,
  data,
  dir,
  idx,
  open,
  rectOf,
  colourCounts,
  key,
  BLUE,
  PURPLE,
  ORANGE,
} from './space-view-fixture';

describe('Space webview in Chromium with a real XFS analysis: treemap', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

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
        const overlap = BigInt(f.overlap ?? '0');
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

  test('a theme whose chart colour is translucent (charts.orange left to its default) is drawn opaque: one colour per kind, the legend alike', async () => {
    // VS Code's default charts.orange, in themes that do not set it (Light / Dark Modern), is the
    // minimap's find-match colour at 33% alpha: a trial saw pale tiles whose colour changed with
    // the folder under them.
    const { page } = await open(1400);
    await page.evaluate(() => document.documentElement.style.setProperty('--vscode-charts-orange', 'rgba(234, 92, 0, 0.33)'));
    await frames(page, 3);
    const r = (await rectOf(page, idx('sub/d.img')))!;
    const line =
      r.x1 - r.x0 >= r.y1 - r.y0 ? { x0: r.x0, y0: r.y1 - 1, x1: r.x1, y1: r.y1 } : { x0: r.x1 - 1, y0: r.y0, x1: r.x1, y1: r.y1 };
    const counts = await colourCounts(page, line);
    assert.ok((counts.get('234,92,0') ?? 0) > 0, `the outside share in the theme's orange, opaque: ${JSON.stringify([...counts])}`);
    const swatch = await page.evaluate(() => {
      const probe = document.createElement('div');
      probe.style.background = 'var(--el-space-outside)';
      document.body.append(probe);
      return getComputedStyle(probe).backgroundColor;
    });
    assert.match(swatch, /^color\(srgb 0\.917647 0\.360784 0\)$|^rgb\(234, 92, 0\)$/, 'the legend: the same colour, no alpha');
    await page.close();
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
      sharesWithCount: i % 2,
      ...(i % 2 ? { overlap: '4096' } : {}),
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
      sharesWithCount: i % 2,
      ...(i % 2 ? { overlap: '4096' } : {}),
    }));
    const big: SpaceData = { ...data, roots: ['/big'], base: '/big', files, fileSystems: [data.fileSystems[0]], errors: [] };
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 600, height: 900 });
    await installBridge(page, {});
    await page.goto(server.url('space'));
    await applyTheme(page, 'dark');
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

  test('selecting a file marks the files it shares with (table and treemap); double-click opens; reveal', async () => {
    const { page, bridge } = await open(1400);
    const a = idx('a.img');
    const b = idx('b.img');
    await page.click(`.space-grid .tr[data-file="${a}"]`);
    assert.equal(await page.getAttribute('body', 'data-selected'), String(a));
    assert.equal(await page.locator(`.space-grid .tr.selected[data-file="${a}"]`).count(), 1);
    // whom it shares with is asked of the host (the rows carry only how many), then marked
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'spacePartners'), { type: 'spacePartners', index: a });
    await page.waitForSelector(`.space-grid .tr.partner[data-file="${b}"]`);
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
    const ex = await bridge.waitFor((m) => m.type === 'export');
    // every file (no filter), in the table's order
    assert.ok(ex.type === 'export' && ex.format === 'csv' && ex.filter === undefined && ex.shown?.length === 5, JSON.stringify(ex));
    assert.deepEqual(bridge.rejected, []);
    await page.close();
  });

  test('folders too narrow for a title strip along the top are labelled down their side; the tooltip names any folder', async () => {
    // 30 folders of falling sizes: squarify leaves some tall and narrow (as 40 folders of many files did)
    const files = Array.from({ length: 120 }, (_, i) => {
      const folder = Math.floor(i / 4);
      const bytes = BigInt(Math.round(64 * 1024 * 1024 * 0.85 ** folder));
      return {
        path: `/t/d${folder}/f${i % 4}.bin`,
        size: String(bytes),
        allocated: String(bytes),
        shared: '0',
        exclusive: String(bytes),
        fileSystem: 0,
        sharesWithCount: 0,
      };
    });
    const d: SpaceData = { ...data, roots: ['/t'], base: '/t', files, fileSystems: [data.fileSystems[0]], errors: [] };
    const { page } = await open(1000, 900, d, chromium, []);
    type Label = { rel: string; side: 'top' | 'side'; x0: number; y0: number; x1: number; y1: number };
    const labels = await page.evaluate(() =>
      (window as unknown as { __extentLensSpace: { labels(): Label[] } }).__extentLensSpace.labels(),
    );
    const tiles = await page.evaluate(() => {
      const c = document.querySelector('canvas.treemap') as HTMLCanvasElement;
      return { w: c.clientWidth, h: c.clientHeight };
    });
    assert.ok(tiles.w > 900);
    const side = labels.filter((l) => l.side === 'side');
    assert.ok(side.length > 0, `some folders are labelled down their side: ${JSON.stringify(labels.map((l) => [l.rel, l.side]))}`);
    // a side strip: tall and narrow, its label inside the folder's frame
    for (const l of side) assert.ok(l.y1 - l.y0 > 48 && l.x1 - l.x0 === 15, JSON.stringify(l));
    // the label's pixels: text in the strip, not only the folder's fill
    const k = side[0];
    const strip = await colourCounts(page, { x0: Math.round(k.x0), y0: Math.round(k.y0), x1: Math.round(k.x1), y1: Math.round(k.y1) });
    assert.ok(strip.size > 2, `text drawn in ${k.rel}'s side strip (${strip.size} colours)`);
    const names = new Set(labels.map((l) => l.rel));
    assert.ok(names.size >= 20, `most folders labelled: ${names.size}`);
    // hovering a side strip names the folder
    const box = await page.$eval('canvas.treemap', (c) => c.getBoundingClientRect().toJSON() as { x: number; y: number });
    await page.mouse.move(box.x + k.x0 + 7, box.y + (k.y0 + k.y1) / 2);
    assert.match((await page.getAttribute('canvas.treemap', 'title')) ?? '', new RegExp(`^${k.rel}: .+ allocated \\(click to zoom in\\)$`));
    await page.screenshot({ path: screenshotPath('space-folder-labels-1000px.png') });
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
    // the focus stays on the canvas: what was selected is spoken (a live region), as its tooltip says it
    const first = data.files[await selectedNow()];
    assert.match(
      (await page.textContent('#live')) ?? '',
      new RegExp(`^${first.path.slice(dir.length + 1).replace(/[.]/g, '\\.')}, Allocated .+, Exclusive .+, Shared with other selected files .+, Shared, not with selected files .+$`),
    );
    assert.equal(await page.getAttribute('#live', 'aria-live'), 'polite');
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
    const rows = () => page.$$eval('.space-grid .tscroll .tr .c-path', (els) => els.map((e) => e.textContent ?? '').sort());
    const zoomed = () => page.evaluate(() => (window as unknown as { __extentLensSpace: { zoomed(): string } }).__extentLensSpace.zoomed());
    const rc = (await rectOf(page, idx('sub/c.img')))!;
    // a.img selected, then zoomed away from: no selection is left out of sight (Inspect, Reveal)
    await page.click(`.space-grid .tr[data-file="${idx('a.img')}"]`);
    assert.equal(await page.getAttribute('body', 'data-selected'), String(idx('a.img')));
    // the folder's title strip lies just above its first file; a double-click there only zooms:
    // the first click zooms, and the second lands on whatever file is drawn there now, which is
    // neither selected nor opened
    await page.dblclick('canvas.treemap', { position: { x: rc.x0 + 6, y: rc.y0 - 6 } });
    assert.equal(await zoomed(), 'sub');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      bridge.received.filter((m) => m.type === 'spaceOpen'),
      [],
      'a double-click on a folder opens no file',
    );
    assert.equal(await page.getAttribute('body', 'data-selected'), '');
    assert.equal(await page.getAttribute('#btn-reveal', 'disabled'), '');
    assert.equal(await rectOf(page, idx('a.img')), undefined, 'files outside the folder are not drawn');
    const rc2 = (await rectOf(page, idx('sub/c.img')))!;
    assert.ok((rc2.x1 - rc2.x0) * (rc2.y1 - rc2.y0) > (rc.x1 - rc.x0) * (rc.y1 - rc.y0), 'bigger when zoomed');
    assert.equal(await page.textContent('.crumbs .crumb.current'), 'sub');
    // the folder's own figures under the trail (the totals above stay the selection's): the sums
    // of its files' rows, exact bytes when focused
    const under = data.files.filter((f) => f.path.startsWith(`${dir}/sub/`));
    const sum = (k: 'allocated' | 'exclusive' | 'shared') => under.reduce((a, f) => a + BigInt(f[k]), 0n);
    assert.deepEqual([sum('allocated'), sum('exclusive'), sum('shared')], [1376256n, 1114112n, 262144n], 'c, d and e on XFS');
    assert.equal(
      await page.textContent('.folder-sums'),
      'In this folder: 3 files, 1.31 MiB allocated, 1.06 MiB exclusive and 256 KiB shared.',
    );
    assert.equal(
      await page.getAttribute('.folder-sums', 'aria-description'),
      'Allocated: 1,376,256 bytes Exclusive: 1,114,112 bytes Shared: 262,144 bytes',
    );
    assert.deepEqual(await rows(), ['sub/c.img', 'sub/d.img', 'sub/e.txt']);
    assert.equal(await page.textContent('.filter-count'), '3 of 5 files');
    // a double-click on a file's tile opens that file
    await page.dblclick('canvas.treemap', { position: { x: (rc2.x0 + rc2.x1) / 2, y: (rc2.y0 + rc2.y1) / 2 } });
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'spaceOpen'), { type: 'spaceOpen', index: idx('sub/c.img') });
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
    assert.equal(await page.locator('.folder-sums').count(), 0, 'the base: the totals are its figures');
    assert.equal(await page.textContent('.filter-count'), '5 files');
    assert.equal((await rows()).length, 5);
    await page.close();
  });
});
