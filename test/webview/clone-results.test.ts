// The clone-results webview in real Chromium, fed a real clone: the engine clones a sparse file
// on a loop-mounted reflink XFS, maps before and after come from FIEMAP, and
// cloneResults (src/commands/logic/clone-results.ts, what the clone flow uses) turns them into
// the view's message.
//
// Real: the bundle (dist/webview/cloneResults.js), the CSP shell, the engine, XFS, Chromium.
// Replaced: the VS Code host, by the postMessage bridge in ./harness.ts (the next issue's suite
// runs the real VS Code). The "physical copy" the host measures on request is a plain
// read/write copy done here, as the panel would do it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type Engine } from '../../src/engine';
import { cloneResults } from '../../src/commands/logic/clone-results';
import type { CloneResultsData } from '../../src/protocol/messages';
import type { Page } from 'playwright-core';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium, screenshotPath } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import { buildWebviews, frames, installBridge, pixel, startShellServer, type ShellServer } from './harness';
import { applyTheme, hexToRgb, THEMES } from './themes';

const MiB = 1n << 20n;
const skip = skipReason('xfs') ?? chromiumSkipReason();

/** A physical copy with read/write (never a reflink), timed. */
function physicalCopy(src: string, dst: string): { ms: number; bytes: bigint } {
  const t0 = performance.now();
  const inFd = fs.openSync(src, 'r');
  const outFd = fs.openSync(dst, 'wx');
  const buf = Buffer.alloc(1 << 20);
  let bytes = 0n;
  try {
    for (;;) {
      const n = fs.readSync(inFd, buf, 0, buf.length, null);
      if (n === 0) break;
      fs.writeSync(outFd, buf, 0, n);
      bytes += BigInt(n);
    }
    fs.fsyncSync(outFd);
  } finally {
    fs.closeSync(inFd);
    fs.closeSync(outFd);
  }
  return { ms: performance.now() - t0, bytes };
}

describe('clone-results webview in Chromium with a real XFS clone', { skip, timeout: 60_000 }, () => {
  let xfs: TestFs | undefined;
  let engine: Engine;
  let server: ShellServer;
  let chromium: Chromium;
  let data: CloneResultsData;
  let src = '';

  before(async () => {
    buildWebviews();
    xfs = makeFs('xfs', 300);
    src = path.join(xfs.mountPoint, 'source.img');
    // 8 MiB, data at [0,1M) and [4M,5M)
    xfsIo(src, 'truncate 8m', 'pwrite -S 0x5a 0 1m', 'pwrite -S 0xa5 4m 1m', 'fsync');
    engine = createEngine();
    const srcBefore = await engine.map(src);
    const dst = path.join(xfs.mountPoint, 'clone.img');
    const report = await engine.clone(src, dst);
    const srcAfter = await engine.map(src);
    const dstAfter = await engine.map(report.destination ?? dst);
    data = cloneResults(report, src, report.destination ?? dst, srcBefore, srcAfter, undefined, dstAfter, false);
    server = await startShellServer();
    chromium = await launchChromium('webview');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose().catch(() => undefined);
    xfs?.cleanup();
  });

  test('the engine cloned with FICLONE and the data says so', () => {
    assert.equal(data.method, 'FICLONE');
    assert.equal(data.fellBack, false);
    assert.equal(data.spaceSaved, String(2n * MiB), 'both 1 MiB extents are shared now');
    assert.equal(data.destination.sharedBytes, String(2n * MiB));
    assert.equal(
      data.source.before!.extents!.every((e) => !e.flags.includes('shared')),
      true,
    );
  });

  test('renders both sides, shared extents highlighted, and the comparison on request', async () => {
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    let compared = 0;
    const bridge = await installBridge(page, {
      onReady: (b) => b.post({ type: 'cloneResults', data }),
      onMessage: async (m, b) => {
        if (m.type !== 'compareWithCopy') return;
        compared++;
        const copy = physicalCopy(src, path.join(xfs!.mountPoint, `physical-copy-${compared}.img`));
        await b.post({
          type: 'cloneResults',
          data: { ...data, comparison: { copyMs: copy.ms, copyBytes: copy.bytes.toString(), cloneMs: data.durationMs } },
        });
      },
    });
    await page.goto(server.url('cloneResults'));
    await applyTheme(page, 'dark');
    await page.waitForFunction(() => document.body.dataset.rendered === '1');
    await frames(page, 3);
    const facts = await page.$$eval('.facts .kv', (kvs) =>
      Object.fromEntries(kvs.map((k) => [k.getAttribute('data-key'), k.querySelector('dd')!.textContent])),
    );
    assert.equal(facts.method, 'FICLONE (reflink of the whole file)');
    assert.equal(facts.saved, '2,097,152 bytes (2\u00a0MiB)', 'the size in words never breaks in a narrow column');
    // counted from the maps, not measured: the label and its tooltip say what it is
    const saved = await page.$eval('.facts [data-key=saved]', (k) => [k.querySelector('dt')!.textContent, k.getAttribute('title')]);
    assert.equal(saved[0], 'Shared, not copied');
    assert.match(saved[1]!, /a copy would have taken, read from the extent maps\. Not a measured change of free space/);
    assert.equal(facts.calls, String(data.calls));
    assert.equal(await page.$eval('.head .method', (m) => m.textContent), 'FICLONE');
    // pixels: source before = plain data (blue), source after and destination after = shared (purple)
    const span = 8n * MiB;
    const at = async (sel: string, off: bigint) => {
      const { w, h } = await page.$eval(sel, (c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }));
      return (await pixel(page, sel, Number((off * BigInt(w)) / span), h / 2)).slice(0, 3);
    };
    const blue = hexToRgb(THEMES.dark.vars['--vscode-charts-blue']);
    const purple = hexToRgb(THEMES.dark.vars['--vscode-charts-purple']);
    const bg = hexToRgb(THEMES.dark.vars['--vscode-editor-background']);
    assert.deepEqual(await at('.side.source .before canvas', MiB / 2n), blue);
    assert.deepEqual(await at('.side.source .after canvas', MiB / 2n), purple);
    assert.deepEqual(await at('.side.destination .after canvas', (9n * MiB) / 2n), purple);
    assert.deepEqual(await at('.side.destination .after canvas', (5n * MiB) / 2n), bg);
    assert.match((await page.$eval('.side.destination p.muted', (p) => p.textContent))!, /did not exist before/);
    await page.click('#btn-compare');
    await page.waitForSelector('.compare-table');
    assert.equal(compared, 1);
    assert.ok(bridge.received.some((m) => m.type === 'compareWithCopy'));
    const row = await page.$eval('.compare-table tr[data-key="copy"] td', (td) => td.textContent);
    assert.match(row!, /, 8,388,608 bytes \(8\u00a0MiB\) written$/);
    assert.equal(await page.$eval('.compare-table tr[data-key="copy"] th', (th) => th.textContent), 'Copy, read and written (holes kept)');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: screenshotPath('clone-results.png'), fullPage: true });
    await page.close();
  });

  // A trial: in the clone of a 1 GiB sparse image, each shared 1 MiB extent (a 2-pixel mark) was
  // outlined in the focus blue over the map's height, and the map read as unshared data.
  /** A page showing `d` as the host sends it, dark theme, once its maps are drawn. */
  async function showResults(d: CloneResultsData): Promise<Page> {
    const page = await chromium.context.newPage();
    await installBridge(page, { onReady: (b) => b.post({ type: 'cloneResults', data: d }) });
    await page.goto(server.url('cloneResults'));
    await applyTheme(page, 'dark');
    await page.waitForFunction(() => document.body.dataset.rendered === '1');
    await frames(page, 3);
    return page;
  }

  test('a narrow shared extent in a big sparse file: drawn in the shared colour, no outline hiding it', async () => {
    const big = path.join(xfs!.mountPoint, 'big-sparse.img');
    xfsIo(big, 'truncate 1g', 'pwrite -S 0x77 512m 1m', 'fsync');
    const before = await engine.map(big);
    const report = await engine.clone(big, path.join(xfs!.mountPoint, 'big-clone.img'));
    const dst = report.destination!;
    const d = cloneResults(report, big, dst, before, await engine.map(big), undefined, await engine.map(dst), false);
    const page = await showResults(d);
    const focus = hexToRgb(THEMES.dark.vars['--vscode-focusBorder']);
    const purple = hexToRgb(THEMES.dark.vars['--vscode-charts-purple']);
    for (const sel of ['.side.source .after canvas', '.side.destination .after canvas']) {
      const colours = await page.$eval(sel, (c) => {
        const cv = c as HTMLCanvasElement;
        const px = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
        const seen = new Set<string>();
        for (let i = 0; i < px.length; i += 4) seen.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
        return [...seen];
      });
      assert.ok(colours.includes(purple.join(',')), `${sel}: the shared colour is drawn (${colours.length} colours)`);
      assert.ok(!colours.includes(focus.join(',')), `${sel}: no focus-blue outline over the narrow mark`);
    }
    await page.close();
  });

  // A trial: after "Copy instead" the results said "Operation: clone" beside "Bytes copied".
  test('after Copy instead the operation says it was done as a copy; notes give sizes grouped and in units', async () => {
    const copied = {
      ...data,
      method: 'sparse-copy',
      fellBack: true,
      fallbackReason: 'EXDEV',
      notes: ['2097152 bytes of the source are preallocated'],
    };
    const page = await showResults(copied);
    const op = () => page.$eval('.facts [data-key=operation] dd', (d) => d.textContent);
    assert.equal(await op(), 'clone, done as a copy (cloning was refused)');
    // the engine's notes with their sizes grouped and in human units, as the other views show them
    assert.equal(await page.$eval('ul.notes li', (li) => li.textContent), '2,097,152 bytes (2 MiB) of the source are preallocated');
    // nothing was cloned, so nothing to compare: a trial's comparison of this copy with another
    // read "Clone 33.7 ms", "Speed-up 0.9×"
    assert.equal(await page.$('.btn-compare'), null, 'no comparison offered after Copy instead');
    await page.close();
  });

  test('a server-side copy compared with a physical copy: its row says copy, not clone', async () => {
    const copy = {
      ...data,
      operation: 'copy' as const,
      method: 'copy_file_range',
      comparison: { copyMs: 30, copyBytes: String(8n * MiB), cloneMs: 10 },
    };
    const page = await showResults(copy);
    assert.equal(await page.$eval('.compare-table tr[data-key="clone"] th', (th) => th.textContent), 'Server-side copy');
    assert.equal(await page.$eval('.compare-table tr[data-key="speedup"] td', (td) => td.textContent), '3.0×');
    await page.close();
  });

  // (a trial: an SMB clone of one FSCTL_DUPLICATE_EXTENTS_TO_FILE call said "Calls 3": the sparse flag's and integrity FSCTLs were summed in)
  test('calls of the method, and the other calls made on the way named apart', async () => {
    const smbClone = {
      ...data,
      method: 'FSCTL_DUPLICATE_EXTENTS_TO_FILE',
      calls: 1,
      otherCalls: { FSCTL_SET_SPARSE: 2, FSCTL_GET_INTEGRITY_INFORMATION: 1 },
    };
    const page = await showResults(smbClone);
    assert.equal(await page.$eval('.facts [data-key=calls] dd', (d) => d.textContent), '1');
    assert.match(
      String(await page.$eval('.facts [data-key=calls]', (k) => k.getAttribute('title'))),
      /^Calls of FSCTL_DUPLICATE_EXTENTS_TO_FILE /,
    );
    const other = await page.$eval('.facts [data-key=other-calls]', (k) => [
      k.querySelector('dt')!.textContent,
      k.querySelector('dd')!.textContent,
    ]);
    assert.deepEqual(other, ['Other calls', '2 FSCTL_SET_SPARSE, 1 FSCTL_GET_INTEGRITY_INFORMATION']);
    await page.close();
    // none made: no such line
    const local = await showResults(data);
    assert.equal(await local.$('.facts [data-key=other-calls]'), null);
    await local.close();
  });

  test('a destination that grew: its before and after maps share one scale, so its old data lines up', async () => {
    // 2 MiB with data at [0, 1M); Clone Range puts the source's [4M, 5M) at 5M: it grows to 6 MiB
    const dst = path.join(xfs!.mountPoint, 'grows.img');
    xfsIo(dst, 'truncate 2m', 'pwrite -S 0x33 0 1m', 'fsync');
    const dstBefore = await engine.map(dst);
    const srcBefore = await engine.map(src);
    const report = await engine.cloneRange(src, 4n * MiB, dst, 5n * MiB, MiB);
    const grown = cloneResults(report, src, dst, srcBefore, await engine.map(src), dstBefore, await engine.map(dst), true);
    assert.equal(grown.destination.size, String(6n * MiB));
    assert.equal(grown.destination.sizeBefore, String(2n * MiB));
    const page = await showResults(grown);
    // the size the clone changed is shown as before → after
    assert.equal(
      await page.$eval('.side.destination [data-key=size] dd', (d) => d.textContent),
      '2,097,152 bytes (2\u00a0MiB) → 6,291,456 bytes (6\u00a0MiB)',
    );
    assert.equal(await page.$('.side.source [data-key=size][title]'), null, "the source's size did not change: one figure");
    const at = async (sel: string, fraction: number) => {
      const { w, h } = await page.$eval(sel, (c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }));
      return (await pixel(page, sel, Math.floor(w * fraction), h / 2)).slice(0, 3);
    };
    const blue = hexToRgb(THEMES.dark.vars['--vscode-charts-blue']);
    const bg = hexToRgb(THEMES.dark.vars['--vscode-editor-background']);
    // each map at its own size on one scale: the before map (2 MiB) a third as wide as the after
    // map (6 MiB), so the growth shows (a full-width before map read as a 6 MiB file)
    const width = (which: string) => page.$eval(`.side.destination .${which} canvas`, (c) => c.getBoundingClientRect().width);
    const [wBefore, wAfter] = [await width('before'), await width('after')];
    assert.ok(Math.abs(wBefore - wAfter / 3) <= 1, `before ${wBefore} px, after ${wAfter} px`);
    // 0.6 MiB: data in both maps (0.3 of the before map's width, 0.1 of the after map's)
    assert.deepEqual(await at('.side.destination .before canvas', 0.3), blue);
    assert.deepEqual(await at('.side.destination .after canvas', 0.1), blue);
    // 1.5 MiB: the old hole before its old end; 2.4 MiB: a hole after
    assert.deepEqual(await at('.side.destination .before canvas', 0.75), bg);
    assert.deepEqual(await at('.side.destination .after canvas', 0.4), bg);
    await page.close();
  });
});
