// Clone Results' maps as a screen reader hears them, in real Chromium with a real XFS clone: each
// map (a canvas) is a tab stop named in words, and the words said only "Source before: 1 extent
// over 4 MiB" and "Source after: 1 extent over 4 MiB", the same; what the clone changed (the
// extents became shared, blue turning purple) was drawn in colour only. Now each map's name says
// how much of it is shared: none before, all of it after.
//
// Real: the engine (FICLONE), XFS, the command layer's result builder, the bundle, the CSP shell,
// Chromium. Replaced: the VS Code host, by the bridge in ./harness.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type Engine, type ExtentMap } from '../../src/engine';
import { MapModel } from '../../src/views/map-model';
import { buildCloneResults } from '../../src/commands/logic/clone-results';
import type { CloneResultsData } from '../../src/protocol/messages';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { buildWebviews, frames, installBridge, startShellServer, type ShellServer } from './harness';

const skip = skipReason('xfs') ?? chromiumSkipReason();

describe('clone results: the maps named in words (Chromium, real XFS)', { skip, timeout: 120_000 }, () => {
  let xfs: TestFs | undefined;
  let engine: Engine;
  let server: ShellServer;
  let chromium: Chromium;
  let data: CloneResultsData;
  const overview = (m: ExtentMap) => new MapModel(m).overview(1024);

  before(async () => {
    buildWebviews();
    xfs = makeFs('xfs', 300);
    const src = path.join(xfs.mountPoint, 'plain.img');
    fs.writeFileSync(src, Buffer.alloc(4 << 20, 7));
    const out = path.join(xfs.mountPoint, 'out');
    fs.mkdirSync(out);
    engine = createEngine();
    const srcBefore = await engine.map(src);
    const report = await engine.clone(src, out, { onExisting: 'fail' });
    const dest = report.destination ?? path.join(out, 'plain.img');
    const srcAfter = await engine.map(src);
    const destAfter = await engine.map(dest);
    data = buildCloneResults(
      report,
      { path: src, before: srcBefore, after: srcAfter, beforeWindow: overview(srcBefore), afterWindow: overview(srcAfter) },
      { path: dest, existedBefore: false, after: destAfter, afterWindow: overview(destAfter) },
      out,
    );
    server = await startShellServer();
    chromium = await launchChromium('clone-results-map-names');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose();
    xfs?.cleanup();
  });

  test('before says none of it is shared, after says all of it is', async () => {
    const page = await chromium.context.newPage();
    await installBridge(page, { onReady: (b) => b.post({ type: 'cloneResults', data }) });
    await page.goto(server.url('cloneResults'));
    await page.waitForFunction(() => document.body.dataset.rendered === '1');
    await frames(page, 2);
    const names = await page.locator('canvas.map').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label') ?? ''));
    assert.deepEqual(names, [
      'Source before: 1 extent over 4 MiB, none of it shared',
      'Source after: 1 extent over 4 MiB, 4 MiB of it shared',
      'Destination after: 1 extent over 4 MiB, 4 MiB of it shared',
    ]);
    await page.close();
  });
});
