// Issue 13: "The Space view shows first results within 1 s of the command on a 20,000-file
// tree". End to end but for VS Code's own IPC: a tree from bench/space-tree.ts on a loop-mounted
// btrfs (page cache dropped, as on a first look at a folder), then, timed from the command:
//   - a new engine in worker mode with the shipped dist/worker.js (the worker starts cold, as on
//     the first command of a session), engine.space with onFileMapped: the first row on the host;
//   - the rows batched and posted as src/views/space-panel.ts does (spaceRow, StreamingBase,
//     the first at once, then every 100 ms) to the real Space webview (dist/webview/space.js
//     in Chromium, through the test harness's postMessage bridge): the first rows drawn
//     (body[data-files]), and in the page, from the message's arrival to that draw;
//   - and when the whole result arrived.
// Run as root: node --import tsx bench/space-first-rows.ts [FILES]   (npm run build first)
// Prints one JSON line; bench/NOTES.md records the figures.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../src/engine';
import type { SpaceWireRow } from '../src/protocol/messages';
import { spaceRow, StreamingBase } from '../src/views/space-data';
import { launchChromium } from '../test/support/chromium';
import { installBridge, startShellServer } from '../test/webview/harness';
import { makeLoopFs } from './lib/loopfs';
import { makeSpaceTree } from './space-tree';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 20_000);
  const worker = path.join(ROOT, 'dist', 'worker.js');
  if (!fs.existsSync(worker) || !fs.existsSync(path.join(ROOT, 'dist', 'webview', 'space.js'))) throw new Error('run npm run build first');
  const l = makeLoopFs('btrfs', Math.ceil((files * 24 * 1024) / 2 ** 20) + 512, 'bench-space-first');
  const server = await startShellServer();
  const chromium = await launchChromium('bench-space-first');
  try {
    const tree = makeSpaceTree(path.join(l.mnt, 'tree'), files);
    execFileSync('sync');
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 1200, height: 900 });
    const bridge = await installBridge(page, {});
    await page.goto(server.url('space'));
    await page.waitForFunction(() => document.querySelector('.toolbar'));
    // in the page: when the first rows message arrived, and when the first rows were drawn
    await page.evaluate(() => {
      const w = window as unknown as { __first: { message?: number; drawn?: number } };
      w.__first = {};
      window.addEventListener('message', (e) => {
        if ((e.data as { type?: string })?.type === 'spaceRows') w.__first.message ??= performance.now();
      });
      new MutationObserver(() => {
        if (document.body.dataset.files) w.__first.drawn ??= performance.now();
      }).observe(document.body, { attributes: true });
    });
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');

    const t0 = performance.now();
    const engine = createEngine({ worker: true, workerScript: worker, workerExecArgv: [] });
    const since = (): number => Math.round(performance.now() - t0);
    let firstRowMs = -1;
    const base = new StreamingBase([tree.dir], '/');
    const rows: SpaceWireRow[] = [];
    let posted = 0;
    let timer: NodeJS.Timeout | undefined;
    const posts: Promise<void>[] = [];
    const postRows = (): void => {
      timer = undefined;
      const start = posted;
      const batch = rows.slice(start);
      posted = rows.length;
      posts.push(bridge.post({ type: 'spaceRows', start, rows: batch, base: base.base, sep: '/', exactScan: false }));
    };
    const drawn = page.waitForSelector('body[data-files]', { timeout: 60_000 }).then(since);
    const r = await engine.space([tree.dir], {
      onFileMapped: (f) => {
        if (firstRowMs < 0) firstRowMs = since();
        rows.push(spaceRow(f));
        base.add([f.path]);
        if (posted === 0) postRows();
        else timer ??= setTimeout(postRows, 100);
      },
    });
    const resultMs = since();
    const firstDrawnMs = await drawn;
    clearTimeout(timer);
    await Promise.all(posts);
    await engine.dispose();
    const inPage = await page.evaluate(() => (window as unknown as { __first: { message?: number; drawn?: number } }).__first);
    const pageDrawMs = Math.round((inPage.drawn ?? NaN) - (inPage.message ?? NaN));
    const out = {
      loadAverage: fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
      files,
      mapped: rows.length,
      resultFiles: r.files.length,
      firstRowMs,
      firstDrawnMs,
      pageDrawMs,
      resultMs,
      treeSeconds: tree.seconds,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    await chromium.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    l.cleanup();
  }
}

void main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
