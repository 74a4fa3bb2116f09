// Human-readable sizes read alike in every view: one rule (src/protocol/format.ts humanBytes: at
// most two decimals, as btrfs-progs and the command messages show sizes), so one byte count is one
// string in the Space view and in the Find Duplicate Data view. A trial read "750.1 MiB" in Space
// and "748.76 MiB" in Duplicate Data. Exact byte counts stay where they were (the tooltips).
// Real: the bundles, the CSP shell, Chromium, and for Space the engine's answer over a file on a
// loop-mounted ext4. STAND-IN: the dedupe plan is built here in the engine's types (as dedupe.test.ts does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { createEngine, type DedupePlan } from '../../src/engine';
import { dedupeWirePlan } from '../../src/views/dedupe-data';
import { spaceData } from '../../src/views/space-data';
import { humanBytes } from '../../src/protocol/format';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { buildWebviews, frames, installBridge, startShellServer, type ShellServer } from './harness';

const skip = skipReason('ext4') ?? chromiumSkipReason();
/** 318 blocks of 4 KiB: 1.2421875 MiB, "1.24 MiB" by the one rule ("1.2 MiB" at one decimal). */
const SIZE = 1_302_528;
const EXACT = '1,302,528 bytes';

function plan(dir: string): DedupePlan {
  const n = BigInt(SIZE);
  return {
    groups: [
      {
        length: n,
        ranges: [
          { path: `${dir}/a.img`, offset: 0n },
          { path: `${dir}/b.img`, offset: 0n },
        ],
        netSaving: n,
        candidateBytes: n,
        wholeFiles: true,
        warnings: [],
      },
    ],
    total: { groups: 1, candidateBytes: n, netSaving: n, files: 2, hashedBytes: 2n * n },
    errors: [],
    notes: [],
    durationMs: 10,
  };
}

describe('byte sizes: one rule in the Space and Duplicate Data views', { skip, timeout: 120_000 }, () => {
  let ext4: TestFs;
  let server: ShellServer;
  let chromium: Chromium;
  before(async () => {
    buildWebviews();
    ext4 = makeFs('ext4');
    server = await startShellServer();
    chromium = await launchChromium('byte-sizes');
  });
  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    ext4?.cleanup();
  });

  const kvText = (page: Page, key: string): Promise<{ text: string; title: string | null }> =>
    page.$eval(`.kv[data-key="${key}"] dd`, (dd) => ({ text: dd.textContent?.trim() ?? '', title: dd.getAttribute('title') }));

  test('one byte count reads the same in both views, two decimals at most; the exact count is in the tooltip', async () => {
    const dir = path.join(ext4.mountPoint, 'proj');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a.img'), Buffer.alloc(SIZE, 0x5a));
    const engine = createEngine();
    let space;
    try {
      space = spaceData(await engine.space([dir]), [dir]);
    } finally {
      await engine.dispose();
    }

    const spacePage = await chromium.context.newPage();
    await spacePage.setViewportSize({ width: 1000, height: 800 });
    await installBridge(spacePage, { onReady: (b) => b.post({ type: 'space', data: space }) });
    await spacePage.goto(server.url('space'));
    await spacePage.waitForSelector('body[data-state="done"]');
    await frames(spacePage, 2);
    const allocated = await kvText(spacePage, 'allocated');
    assert.deepEqual(allocated, { text: '1.24 MiB', title: EXACT }, 'Space: allocated');

    const dedupePage = await chromium.context.newPage();
    await dedupePage.setViewportSize({ width: 1000, height: 800 });
    await installBridge(dedupePage, {
      onReady: (b) =>
        b.post({ type: 'dedupe', plan: dedupeWirePlan(plan(dir), [dir], { chunk: 128n * 1024n, minSize: 4096n }), canApply: true }),
    });
    await dedupePage.goto(server.url('dedupe'));
    await dedupePage.waitForSelector('body[data-state="done"]');
    await frames(dedupePage, 2);
    const candidate = await kvText(dedupePage, 'candidate');
    assert.deepEqual(candidate, { text: '1.24 MiB', title: EXACT }, 'Duplicate Data: duplicate bytes');
    assert.equal(allocated.text, candidate.text, 'one byte count, one string in both views');
    assert.equal(humanBytes(BigInt(SIZE)), candidate.text, 'and in the CLI and the command messages (the same helper)');
  });
});
