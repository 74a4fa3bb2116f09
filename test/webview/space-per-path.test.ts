// The Space view's "each path alone" in real Chromium: three paths analysed together (a
// multi-selection in the Explorer: a btrfs subvolume and two read-only snapshots of it, as root,
// so the engine's figures are exact), each one's "frees alone" against the engine's
// SpaceResult.paths, next to "Deleting all of this frees"; at 320 px with no sideways scroll; not
// while the rows stream (the figures need the sweep at the end), then with the end's data; nested
// paths (`live live/sub`) say "live (without sub)" with a note; the JSON export carries "paths".
//
// Real: btrfs on a loop device, the engine, spaceData (what the panel sends), the bundle, Chromium.
// Replaced: the VS Code host, by the postMessage bridge in ./harness.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { createEngine, type Engine, type SpaceResult } from '../../src/engine';
import { spaceData, spaceJsonChunks, spaceRow } from '../../src/views/space-data';
import { humanBytes } from '../../src/protocol/format';
import type { SpaceData, SpaceWireRow, SpaceWireSharing } from '../../src/protocol/messages';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, screenshotPath, type Chromium } from '../support/chromium';
import { MiB, overwrite, randomFile } from '../support/space-files';
import { buildWebviews, frames, installBridge, startShellServer, type HostBridge, type ShellServer } from './harness';
import { applyTheme } from './themes';

const skip = skipReason('btrfs') ?? chromiumSkipReason() ?? (process.getuid?.() === 0 ? undefined : 'needs root (btrfs owners)');

describe('Space view: what deleting each path alone frees (Chromium, btrfs snapshots)', { skip, timeout: 180_000 }, () => {
  let btrfs: TestFs | undefined;
  let engine: Engine;
  let server: ShellServer;
  let chromium: Chromium;
  let live = '';
  let snaps: string[] = [];
  let result: SpaceResult;
  let mapped: SpaceWireRow[] = [];
  let data: SpaceData;

  before(async () => {
    buildWebviews();
    btrfs = makeFs('btrfs', 300);
    live = path.join(btrfs.mountPoint, 'live');
    execFileSync('btrfs', ['subvolume', 'create', live], { stdio: 'ignore' });
    randomFile(path.join(live, 'base.img'), 2 * MiB);
    randomFile(path.join(live, 'only1.img'), 640 * 1024);
    execFileSync('sync');
    const snap = (name: string): string => {
      const p = path.join(btrfs!.mountPoint, name);
      execFileSync('btrfs', ['subvolume', 'snapshot', '-r', live, p], { stdio: 'ignore' });
      return p;
    };
    const day1 = snap('day1');
    fs.rmSync(path.join(live, 'only1.img'));
    overwrite(path.join(live, 'base.img'), 0, 512 * 1024); // day1 alone holds base's first 512 KiB as it was
    randomFile(path.join(live, 'new.img'), MiB);
    execFileSync('sync');
    const day2 = snap('day2');
    fs.mkdirSync(path.join(live, 'sub'));
    randomFile(path.join(live, 'sub', 'own.img'), 384 * 1024);
    execFileSync('sync');
    snaps = [live, day1, day2];
    engine = createEngine();
    result = await engine.space(snaps, { onFileMapped: (f, i) => (mapped[i] = spaceRow(f)) });
    data = spaceData(result, snaps);
    server = await startShellServer();
    chromium = await launchChromium('space');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose().catch(() => undefined);
    btrfs?.cleanup();
  });

  async function openPage(width: number, d?: SpaceData): Promise<{ page: Page; bridge: HostBridge }> {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width, height: 900 });
    const bridge = await installBridge(page, {
      onReady: async (b) => {
        await b.post({ type: 'spaceProgress', files: 0, bytes: '0', message: '', exactScan: false });
        if (d) await b.post({ type: 'space', data: d });
      },
    });
    await page.goto(server.url('space'));
    await applyTheme(page, 'dark');
    await page.waitForSelector(d ? 'body[data-state="done"]' : 'body[data-state="scanning"]');
    return { page, bridge };
  }

  const items = (page: Page): Promise<Array<{ path: string; name: string; frees: string; explain: string }>> =>
    page.$$eval('.per-path-list li', (els) =>
      els.map((e) => ({
        path: (e as HTMLElement).dataset.path ?? '',
        name: e.querySelector('.per-path-name')?.textContent ?? '',
        frees: e.querySelector('.per-path-frees')?.textContent ?? '',
        explain: (e as HTMLElement).dataset.explain ?? '',
      })),
    );
  const grouped = (v: bigint): string => v.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

  test("each path's 'frees alone' is the engine's, exact, beside 'Deleting all of this frees'; it fits 320 px", async () => {
    assert.deepEqual(result.errors, []);
    assert.ok(result.paths && result.paths.length === 3);
    for (const p of result.paths)
      assert.equal(p.reclaimableExact, true, `${p.path}: exact as root on btrfs (${result.fileSystems[0].notes})`);
    // day1 alone holds only1 (base's first 512 KiB as it was is part of an extent the others still reference: btrfs frees it only whole)
    assert.equal(result.paths[1].reclaimable, 640n * 1024n, `day1 frees ${result.paths[1].reclaimable}`);
    for (const width of [1000, 320]) {
      const { page } = await openPage(width, data);
      assert.equal(await page.textContent('.reclaim-line'), `Deleting all of this frees ${humanBytes(result.total.reclaimable)}.`);
      assert.equal(await page.textContent('.per-path-head'), 'Deleting one path alone, the others kept:');
      const got = await items(page);
      assert.deepEqual(
        got.map((x) => [x.path, x.name, x.frees]),
        result.paths.map((p) => [p.path, path.basename(p.path), `frees alone: ${humanBytes(p.reclaimable)}`]),
      );
      // the exact byte count under each, as its tooltip and accessible description
      got.forEach((x, k) => assert.equal(x.explain, `${x.path}\n${grouped(result.paths![k].reclaimable)} bytes`));
      assert.equal(await page.locator('.per-path-note').count(), 0, 'no path inside another: no note');
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(wide, 0, `no sideways scroll at ${width} px`);
      const box = await page.locator('.per-path').boundingBox();
      assert.ok(box && box.x + box.width <= width, `the list within ${width} px: ${JSON.stringify(box)}`);
      await page.screenshot({ path: screenshotPath(`space-per-path-${width}px.png`), fullPage: false });
      await page.close();
    }
  });

  test('while the rows stream and after a cancel: no per-path figures; the end brings them', async () => {
    const { page, bridge } = await openPage(400);
    const base = data.base;
    await bridge.post({ type: 'spaceRows', start: 0, rows: mapped.slice(0, 2), base, sep: data.sep, exactScan: false });
    await page.waitForSelector('body[data-shown="streaming"][data-files="2"]');
    assert.equal(await page.locator('.per-path').count(), 0, 'streaming: not known yet');
    const sharing = data.files.map((f): SpaceWireSharing => {
      const n = f.sharesWithCount ?? 0;
      return f.sharedInside === undefined ? [n, f.overlap ?? '0'] : [n, f.overlap ?? '0', f.sharedInside];
    });
    await bridge.post({ type: 'spaceDone', start: 2, rows: mapped.slice(2), sharing, data: { ...data, files: [] } });
    await page.waitForSelector('body[data-state="done"]');
    await frames(page, 2);
    assert.deepEqual(
      (await items(page)).map((x) => x.frees),
      result.paths!.map((p) => `frees alone: ${humanBytes(p.reclaimable)}`),
    );
    await page.close();
  });

  test('nested paths: "live (without sub)" with a note that deleting the whole folder frees more; bounds in words', async () => {
    const sub = path.join(live, 'sub');
    const r = await engine.space([live, sub]);
    assert.deepEqual(
      r.paths!.map((p) => p.without),
      [[sub], undefined],
    );
    // a bounded figure too (as without root): the words and both exact counts
    const d = spaceData(r, [live, sub]);
    d.paths![1] = { ...d.paths![1], reclaimableExact: false, reclaimable: '1000', reclaimableMax: String(3 * MiB) };
    const { page } = await openPage(320, d);
    const got = await items(page);
    assert.deepEqual(
      got.map((x) => x.name),
      ['live (without sub)', 'sub'],
    );
    assert.equal(got[0].frees, `frees alone: ${humanBytes(r.paths![0].reclaimable)}`);
    assert.equal(got[1].frees, `frees alone: between ${humanBytes(1000n)} and ${humanBytes(BigInt(3 * MiB))} (see below)`);
    assert.equal(got[1].explain, `${sub}\n1,000 bytes – ${grouped(BigInt(3 * MiB))} bytes`);
    assert.match(
      (await page.textContent('.per-path-note')) ?? '',
      /^A path “\(without …\)” leaves out the files of the paths selected inside it .*deleting the whole folder deletes those too and frees more\.$/,
    );
    await page.screenshot({ path: screenshotPath('space-per-path-nested-320px.png') });
    await page.close();
    // rm -rf live frees more than its line: live alone is the whole folder
    const whole = await engine.space([live]);
    assert.ok(whole.total.reclaimable > r.paths![0].reclaimable, `${whole.total.reclaimable} > ${r.paths![0].reclaimable}`);
  });

  test("the JSON export carries each path's figures as the CLI's paths (and without)", () => {
    const doc = JSON.parse([...spaceJsonChunks(data, [])].join(''));
    assert.deepEqual(
      doc.paths,
      result.paths!.map((p) => ({
        path: p.path,
        files: p.files,
        size: String(p.size),
        allocated: String(p.allocated),
        shared: String(p.shared),
        exclusive: String(p.exclusive),
        reclaimable: String(p.reclaimable),
        reclaimableExact: p.reclaimableExact,
        reclaimableMax: String(p.reclaimableMax),
        reclaimableBounds: p.reclaimableBounds,
      })),
    );
    assert.deepEqual(Object.keys(doc).slice(0, 3), ['files', 'total', 'paths'], 'in the CLI order');
  });
});
