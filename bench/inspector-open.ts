// Benchmark: open the inspector on a file with 1,000,000 extents and zoom it, in real
// Chromium, with the map produced by the engine from a real file on a loop-mounted XFS.
//
//   node --import tsx bench/inspector-open.ts [--extents N] [--json]      (root; ~1-2 min)
//
// Measures (targets from the issue: open < 2 s, zoom smooth):
//   create       fallocate N unwritten extents (setup, not part of the target)
//   engine.map   FIEMAP of the whole file through the engine
//   model        MapModel construction (packing N extents)
//   open         page navigation -> first map window drawn and the first table rows shown, with
//                the model already built (wall clock here, and the page's performance.now())
//   end to end   navigation -> 'ready' -> engine.map + MapModel -> first window drawn
//   zoom         one zoom step (+ key) -> the new window answered and drawn (median, max), both
//                wall clock here and inside the page (request posted -> window drawn)
//   frames       60 wheel events, one per animation frame: frame interval p50 / p95
//   table        End key in the table -> the last row shown with its exact offset
// The VS Code host is replaced by the same bridge the webview tests use (test/webview/harness.ts).
import * as path from 'node:path';
import { createEngine } from '../src/fsctl/index';
import { MapModel } from '../src/views/map-model';
import { makeFs, skipReason } from '../test/support/loopfs';
import { chromiumSkipReason, launchChromium } from '../test/support/chromium';
import { preallocateMany } from '../test/support/xfs-fixture';
import { applyTheme, buildWebviews, frames, installBridge, startShellServer } from '../test/webview/harness';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--extents') + 1] || 0) || 1_000_000;
const asJson = args.includes('--json');

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main(): Promise<void> {
  const why = skipReason('xfs') ?? chromiumSkipReason();
  if (why) {
    console.log(`inspector-open: skipped: ${why}`);
    return;
  }
  buildWebviews();
  // N x 4 KiB unwritten extents every 8 KiB: the file system needs N x 4 KiB of free space
  const fsMiB = Math.ceil((N * 4096 * 1.3) / (1 << 20)) + 300;
  const xfs = makeFs('xfs', fsMiB);
  const engine = createEngine();
  const server = await startShellServer();
  const chromium = await launchChromium('webview-bench', { width: 1280, height: 900 });
  const r: Record<string, number | string> = { extents: N };
  try {
    const file = path.join(xfs.mountPoint, 'million.img');
    let t = performance.now();
    preallocateMany(file, N, 4096, 8192);
    r.createMs = performance.now() - t;

    // end to end first (a fresh process, as when VS Code opens the inspector), as the
    // extension does it: the page boots, says 'ready', and only then the
    // host reads the map with the engine and builds the model; until the first map is drawn
    const page2 = await chromium.context.newPage();
    await installBridge(page2, { model: async () => new MapModel(await engine.map(file), await engine.volume(file)) });
    t = performance.now();
    await page2.goto(server.url('inspector'));
    await page2.waitForFunction(() => document.body.dataset.firstDrawMs !== undefined, undefined, { timeout: 60_000, polling: 'raf' });
    r.endToEndMs = performance.now() - t;
    await page2.close();

    t = performance.now();
    const map = await engine.map(file);
    r.engineMapMs = performance.now() - t;
    if (map.extents.length !== N) throw new Error(`engine returned ${map.extents.length} extents, expected ${N}`);
    const volume = await engine.volume(file);
    t = performance.now();
    const model = new MapModel(map, volume);
    r.modelMs = performance.now() - t;

    const page = await chromium.context.newPage();
    await installBridge(page, { model: async () => model });
    t = performance.now();
    await page.goto(server.url('inspector'));
    await page.waitForFunction(
      () => document.body.dataset.windowMode !== undefined && document.body.dataset.busy === '0' && /\d/.test(document.querySelector('.tbody [data-index="0"] .c1')?.textContent ?? ''),
      undefined,
      { timeout: 30_000, polling: 'raf' },
    );
    await frames(page, 1);
    r.openMs = performance.now() - t;
    r.firstDrawInPageMs = Number(await page.evaluate(() => document.body.dataset.firstDrawMs));
    await applyTheme(page, 'dark');

    // zoom steps: + key -> settled (window answered and drawn)
    await page.focus('canvas.map');
    const steps: number[] = [];
    const inPage: number[] = [];
    for (let i = 0; i < 12; i++) {
      const before = await page.evaluate(() => document.body.dataset.view);
      t = performance.now();
      await page.keyboard.press('+');
      await page.waitForFunction((b) => document.body.dataset.view !== b && document.body.dataset.busy === '0', before, { polling: 'raf' });
      await frames(page, 1);
      steps.push(performance.now() - t);
      inPage.push(Number(await page.evaluate(() => document.body.dataset.windowLatencyMs)));
    }
    r.zoomWindowMedianMs = pct(inPage, 50);
    r.zoomWindowMaxMs = Math.max(...inPage);
    r.zoomStepMedianMs = pct(steps, 50);
    r.zoomStepMaxMs = Math.max(...steps);
    r.finalMode = (await page.evaluate(() => document.body.dataset.windowMode)) ?? '';
    await page.keyboard.press('0');

    // frames while wheel-zooming: one wheel event per animation frame, measured in the page
    const box = (await (await page.$('canvas.map'))!.boundingBox())!;
    await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2);
    const intervals = await page.evaluate(async () => {
      const canvas = document.querySelector('canvas.map')!;
      const r = canvas.getBoundingClientRect();
      const out: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 60; i++) {
        canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 30 ? -120 : 120, clientX: r.left + r.width / 3, clientY: r.top + 10, bubbles: true, cancelable: true }));
        await new Promise((res) => requestAnimationFrame(res));
        const now = performance.now();
        out.push(now - last);
        last = now;
      }
      return out;
    });
    r.frameP50Ms = pct(intervals, 50);
    r.frameP95Ms = pct(intervals, 95);

    // table: jump to the last row (scaled scrolling above 16 M CSS px) and check it is exact
    await page.focus('[role=grid]');
    t = performance.now();
    await page.keyboard.press('End');
    await page.waitForFunction((n) => document.querySelector(`.tbody [data-index="${n - 1}"] .c1`)?.textContent === ((n - 1) * 8192).toLocaleString('en-US'), N, { polling: 'raf' });
    r.tableEndMs = performance.now() - t;
    r.tableDomRows = await page.$$eval('.tbody [role=row]', (rows) => rows.length);
    await page.close();

  } finally {
    await chromium.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    await engine.dispose().catch(() => undefined);
    xfs.cleanup();
  }
  for (const k of Object.keys(r)) if (typeof r[k] === 'number' && k !== 'extents' && k !== 'tableDomRows') r[k] = Math.round((r[k] as number) * 10) / 10;
  if (asJson) console.log(JSON.stringify({ bench: 'inspector-open', ...r }));
  else {
    console.log(`inspector-open: ${N.toLocaleString('en-US')} extents (unwritten, 4 KiB every 8 KiB, XFS)`);
    console.log(`  create (fallocate)     ${r.createMs} ms`);
    console.log(`  engine.map (FIEMAP)    ${r.engineMapMs} ms`);
    console.log(`  MapModel               ${r.modelMs} ms`);
    console.log(`  open -> map + rows     ${r.openMs} ms   (target < 2000 ms)`);
    console.log(`  first map draw         ${r.firstDrawInPageMs} ms after navigation start (in the page)`);
    console.log(`  end to end             ${r.endToEndMs} ms (page boot + engine.map + MapModel + first window)`);
    console.log(`  zoom step (+ key)      median ${r.zoomStepMedianMs} ms, max ${r.zoomStepMaxMs} ms (ends in ${r.finalMode} mode; wall clock incl. Playwright round trips)`);
    console.log(`  zoom window in page    median ${r.zoomWindowMedianMs} ms, max ${r.zoomWindowMaxMs} ms (request posted -> window drawn)`);
    console.log(`  wheel-zoom frames      p50 ${r.frameP50Ms} ms, p95 ${r.frameP95Ms} ms`);
    console.log(`  table End -> last row  ${r.tableEndMs} ms (${r.tableDomRows} row elements in the DOM)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
