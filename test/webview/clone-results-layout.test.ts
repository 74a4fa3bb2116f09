// Clone Results must be right and fit (issue 12), in real Chromium with real XFS clones:
// a destination the operation created (a rename after a name collision) shows "did not exist
// before" and no before map; the files of one multi-file operation are a list with per-file
// method, bytes and time and a total, each expandable to its maps; and the view fits 220 (a view
// beside another editor), 320, 520 and 1400 px (no horizontal overflow, source and destination
// stacked when narrow, long paths ellipsized with the full path as tooltip); a long method name
// wraps at its underscores only.
//
// Real: the engine (clones with FICLONE, a rename on collision), XFS, the command layer's pure
// result builder (src/commands/logic/clone-results.ts), the bundle, the CSP shell, Chromium.
// Replaced: the VS Code host, by the bridge in ./harness.ts.
// (Over 400 lines: every test shares one XFS and ext4 pair, one shell server and one Chromium, set up once.)
//
// Run: node --import tsx --test test/webview/clone-results-layout.test.ts   (root; ~15 s)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { createEngine, type Engine, type ExtentMap } from '../../src/engine';
import { MapModel } from '../../src/views/map-model';
import { buildCloneResults, destinationExistedBefore } from '../../src/commands/logic/clone-results';
import type { CloneResultsData } from '../../src/protocol/messages';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium, screenshotPath } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import { buildWebviews, frames, installBridge, pixel, startShellServer, type HostBridge, type ShellServer } from './harness';
import { applyTheme, hexToRgb, THEMES } from './themes';

const MiB = 1n << 20n;
const skip = skipReason('xfs') ?? chromiumSkipReason();

describe('clone results: new destinations, several files, narrow columns (Chromium, real XFS)', { skip, timeout: 120_000 }, () => {
  let xfs: TestFs | undefined;
  let ext4: TestFs | undefined;
  let engine: Engine;
  let server: ShellServer;
  let chromium: Chromium;
  let renamed: CloneResultsData; // a clone renamed after a collision
  const batch: CloneResultsData[] = []; // Block Clone Here of three files into one folder
  let requested = '';
  let copied: CloneResultsData; // "Copy instead" on ext4 (EOPNOTSUPP), renamed after a collision
  let copyFolder = '';

  const overview = (m: ExtentMap) => new MapModel(m).overview(1024);

  /** What the clone flow does for one file: maps before, clone, maps after, the command layer's builder. */
  async function cloneOne(src: string, folder: string, onExisting: 'fail' | 'rename', fallback?: 'copy'): Promise<CloneResultsData> {
    const want = path.join(folder, path.basename(src));
    const existed = fs.existsSync(want);
    const srcBefore = await engine.map(src);
    const destBefore = existed ? await engine.map(want) : undefined;
    const report = await engine.clone(src, folder, { onExisting, fallback });
    const final = report.destination ?? want;
    const isOld = destinationExistedBefore(want, final, existed);
    const srcAfter = await engine.map(src);
    const destAfter = await engine.map(final);
    return buildCloneResults(
      report,
      { path: src, before: srcBefore, after: srcAfter, beforeWindow: overview(srcBefore), afterWindow: overview(srcAfter) },
      {
        path: final,
        existedBefore: isOld,
        before: destBefore,
        after: destAfter,
        beforeWindow: destBefore && overview(destBefore),
        afterWindow: overview(destAfter),
      },
      folder, // what the engine was given (Block Clone Here gives it the folder)
    );
  }

  before(async () => {
    buildWebviews();
    xfs = makeFs('xfs', 400);
    const m = xfs.mountPoint;
    // a deep folder with a long name: the paths must ellipsize in a narrow column
    const deep = path.join(m, 'projects', 'storage-team', 'very-long-folder-name-for-virtual-machine-disk-images-and-snapshots');
    fs.mkdirSync(deep, { recursive: true });
    const out = path.join(m, 'clones', 'destination-folder-with-a-rather-long-name-as-people-make-them');
    fs.mkdirSync(out, { recursive: true });
    const names = ['disk-a-2026-12-01.img', 'disk-b-2026-12-01.img', 'disk-c-2026-12-01.img'];
    const srcs = names.map((n) => path.join(deep, n));
    xfsIo(srcs[0], 'truncate 8m', 'pwrite -S 0x5a 0 1m', 'pwrite -S 0xa5 4m 1m', 'fsync');
    xfsIo(srcs[1], 'truncate 16m', 'pwrite -S 0x11 2m 2m', 'fsync');
    xfsIo(srcs[2], 'truncate 4m', 'pwrite -S 0x22 0 4m', 'fsync');
    engine = createEngine();
    // a name collision: the destination name exists (another file), the clone is renamed
    requested = path.join(out, names[0]);
    xfsIo(requested, 'pwrite -S 0x77 0 2m', 'fsync');
    renamed = await cloneOne(srcs[0], out, 'rename');
    const batchDir = path.join(m, 'batch');
    fs.mkdirSync(batchDir);
    for (const s of srcs) batch.push(await cloneOne(s, batchDir, 'fail'));
    // ext4 cannot share blocks (EOPNOTSUPP): "Copy instead", into a folder where the name is taken
    ext4 = makeFs('ext4', 64);
    const e4src = path.join(ext4.mountPoint, 'vm-disk.img');
    xfsIo(e4src, 'truncate 8m', 'pwrite -S 0x5a 0 1m', 'pwrite -S 0xa5 4m 1m', 'fsync');
    copyFolder = path.join(ext4.mountPoint, 'copies');
    fs.mkdirSync(copyFolder);
    fs.writeFileSync(path.join(copyFolder, 'vm-disk.img'), 'taken');
    copied = await cloneOne(e4src, copyFolder, 'rename', 'copy');
    server = await startShellServer();
    chromium = await launchChromium('webview-clone-layout');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose().catch(() => undefined);
    xfs?.cleanup();
    ext4?.cleanup();
  });

  async function open(send: (b: HostBridge) => Promise<void>, width = 1200, height = 900): Promise<{ page: Page; bridge: HostBridge }> {
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width, height }); // through Playwright: screenshots keep it
    const bridge = await installBridge(page, { onReady: send });
    await page.goto(server.url('cloneResults'));
    await applyTheme(page, 'dark');
    await page.waitForFunction(() => document.body.dataset.rendered === '1');
    await frames(page, 3);
    assert.deepEqual(errors, []);
    return { page, bridge };
  }

  test('a clone renamed after a collision: the destination did not exist before, no before map', async () => {
    assert.notEqual(renamed.destination.path, requested, 'the engine renamed the clone');
    assert.equal(renamed.destination.before, undefined, 'the builder sends no before map for a new file');
    assert.equal(renamed.destination.existedBefore, false);
    // an older host sent the collision's map as "before": existedBefore = false wins over it
    const stale: CloneResultsData = { ...renamed, destination: { ...renamed.destination, before: renamed.source.before } };
    for (const d of [renamed, stale]) {
      const { page } = await open((b) => b.post({ type: 'cloneResults', data: d }));
      assert.match((await page.$eval('.side.destination .before-note', (p) => p.textContent))!, /Destination did not exist before/);
      assert.equal(await page.$('.side.destination figure.before'), null, 'no "Destination before" map');
      const labels = await page.$$eval('.side.destination canvas', (cs) => cs.map((c) => c.getAttribute('aria-label')));
      assert.deepEqual(labels.length, 1);
      assert.match(labels[0]!, /^Destination after: /);
      assert.ok(await page.$('.side.source figure.before'), 'the source existed: its before map stays');
      await page.close();
    }
  });

  test('smb:// names are shown decoded ("big sparse.img", not "big%20sparse.img"), the full path as the tooltip', async () => {
    const src = 'smb://u@h/data/dir%20%C3%BC/big%20sparse.img';
    const dst = 'smb://u@h/data/dir%20%C3%BC/big%20sparse%20(clone).img';
    const smbData: CloneResultsData = {
      ...renamed,
      source: { ...renamed.source, path: src },
      destination: { ...renamed.destination, path: dst },
    };
    const { page } = await open((b) => b.post({ type: 'cloneResults', data: smbData }));
    const names = await page.$$eval('.side .name', (n) => n.map((x) => [x.textContent, x.getAttribute('title')]));
    assert.deepEqual(names, [
      ['big sparse.img', 'smb://u@h/data/dir ü/big sparse.img'],
      ['big sparse (clone).img', 'smb://u@h/data/dir ü/big sparse (clone).img'],
    ]);
    // the path line under the name too (a trial read "big%20(copy).raw" there)
    assert.deepEqual(await page.$$eval('.side .path', (n) => n.map((x) => [x.textContent, x.getAttribute('title')])), [
      ['smb://u@h/data/dir ü/big sparse.img', 'smb://u@h/data/dir ü/big sparse.img'],
      ['smb://u@h/data/dir ü/big sparse (clone).img', 'smb://u@h/data/dir ü/big sparse (clone).img'],
    ]);
    await page.close();
  });

  test('a number never wraps at its thousands separators where the line can wrap at a space ("2,150,629," / "376 bytes")', async () => {
    const grown: CloneResultsData = {
      ...renamed,
      destination: { ...renamed.destination, sizeBefore: '1073741824', size: '2150629376' },
    };
    for (const width of [1400, 900, 700, 520, 400]) {
      const { page } = await open((b) => b.post({ type: 'cloneResults', data: grown }), width);
      // every number of the facts on one line, unless it alone is wider than its cell
      const split = await page.evaluate(() => {
        const out: string[] = [];
        for (const dd of document.querySelectorAll<HTMLElement>('.facts dd')) {
          const text = dd.textContent ?? '';
          for (const m of text.matchAll(/\d[\d,]*\d/g)) {
            const tops = new Set<number>();
            const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
            let at = 0;
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
              const len = n.textContent!.length;
              for (let i = Math.max(m.index!, at); i < Math.min(m.index! + m[0].length, at + len); i++) {
                const r = document.createRange();
                r.setStart(n, i - at);
                r.setEnd(n, i - at + 1);
                tops.add(Math.round(r.getBoundingClientRect().top));
              }
              at += len;
            }
            if (tops.size > 1 && dd.getBoundingClientRect().width > m[0].length * 9) out.push(`${m[0]} in "${text}"`);
          }
        }
        return out;
      });
      assert.deepEqual(split, [], `at ${width} px`);
      await page.close();
    }
  });

  test('a map of one extent is named "1 extent", not "1 extents" (what a screen reader says)', async () => {
    const before = renamed.source.before!;
    const one: CloneResultsData = { ...renamed, source: { ...renamed.source, before: { ...before, extentCount: 1 } } };
    const { page } = await open((b) => b.post({ type: 'cloneResults', data: one }));
    assert.match(
      (await page.$eval('.side.source figure.before canvas', (c) => c.getAttribute('aria-label')))!,
      /^Source before: 1 extent over /,
    );
    await page.close();
  });

  test('a small extent in a huge file: hovering its widened mark names the extent, not a hole', async () => {
    const size = 1n << 40n;
    const at = size / 2n;
    const huge: CloneResultsData = {
      ...renamed,
      destination: {
        ...renamed.destination,
        size: String(size),
        after: {
          offset: '0',
          length: String(size),
          extents: [{ offset: String(at), length: '4096', physical: '8192', flags: ['shared'], index: 0 }],
          extentCount: 1,
        },
      },
    };
    const { page } = await open((b) => b.post({ type: 'cloneResults', data: huge }));
    const sel = '.side.destination figure.after canvas';
    const box = (await page.locator(sel).boundingBox())!;
    // one CSS px right of the extent's own pixel: inside its 2 px mark, where the bytes are a hole
    await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height - 2);
    const tip = page.locator('.side.destination figure.after .tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.match((await tip.textContent())!, /Shared \(cloned\) · extent #1/);
    assert.match((await tip.textContent())!, /549,755,813,888/);
    await page.close();
  });

  test('after "Copy instead": what happened (copied, holes kept) names the file made; the refusal is a detail, not an error', async () => {
    const final = copied.destination.path;
    assert.equal(copied.fellBack, true);
    assert.equal(path.dirname(final), copyFolder);
    assert.notEqual(path.basename(final), 'vm-disk.img', 'renamed after the collision');
    // the engine's refusal named the folder it was given; the detail names neither path
    assert.equal(copied.fallbackReason, 'ext4 cannot share blocks; use XFS (mkfs.xfs -m reflink=1) or btrfs (EOPNOTSUPP)');
    const { page } = await open((b) => b.post({ type: 'cloneResults', data: copied }));
    assert.equal(await page.$('[role=alert]'), null, 'no error banner');
    assert.equal(await page.$('.banner'), null, 'no red banner');
    assert.equal(await page.$eval('.head h1', (h) => h.textContent), 'Copied, holes kept');
    const notice = await page.$eval('.notice', (n) => ({
      role: n.getAttribute('role'),
      text: n.querySelector('.notice-text')!.textContent,
      title: n.querySelector('.notice-text')!.getAttribute('title'),
      detail: n.querySelector('.notice-detail')!.textContent,
    }));
    assert.equal(notice.role, 'status');
    assert.equal(notice.text, `Copied vm-disk.img to ${path.basename(final)}, holes kept.`);
    assert.equal(notice.title, final, 'the full path of the file made as tooltip');
    // the same name in another folder: the folder's name too (a trial read "Copied a to a")
    const same = path.join(copyFolder, 'vm-disk.img');
    const { page: samePage } = await open((b) =>
      b.post({ type: 'cloneResults', data: { ...copied, destination: { ...copied.destination, path: same } } }),
    );
    assert.equal(
      await samePage.$eval('.notice-text', (n) => n.textContent),
      `Copied vm-disk.img to ${path.basename(copyFolder)}/vm-disk.img, holes kept.`,
    );
    await samePage.close();
    assert.equal(
      notice.detail,
      'Cloning was refused: ext4 cannot share blocks; use XFS (mkfs.xfs -m reflink=1) or btrfs (EOPNOTSUPP); ' +
        'a hole-keeping copy was made instead.',
    );
    assert.ok(!(await page.$eval('#app', (a) => a.textContent))!.includes(`${copyFolder}:`), 'the folder is not named as the destination');
    assert.equal(await page.$('[data-key=saved]'), null, 'a copy claims no "Space saved 0 bytes"');
    assert.ok(await page.$('[data-key=bytes]'), 'the other facts are there');
    await page.screenshot({ path: screenshotPath('clone-results-copied.png'), fullPage: true });
    await page.close();
  });

  test('a Server-Side Copy that the server did: "Copied" and "Bytes copied", not "Cloned"', async () => {
    // Stand-in: the XFS clone's result relabelled as the copy it would be (the real one over Samba: test/vscode's SMB suites).
    const data: CloneResultsData = { ...renamed, operation: 'copy', method: 'FSCTL_SRV_COPYCHUNK_WRITE' };
    const { page } = await open((b) => b.post({ type: 'cloneResults', data }));
    assert.equal(await page.$eval('.head h1', (h) => h.textContent), 'Copied');
    assert.equal(await page.$eval('[data-key=bytes] dt', (d) => d.textContent), 'Bytes copied');
    assert.doesNotMatch((await page.$eval('#app', (a) => a.textContent))!, /Cloned|Bytes cloned/);
    await page.close();
  });

  test('a Server-Side Copy the server could not do: "read and written", the server\'s reason, no word of a refused clone', async () => {
    // What the host sends after a Server-Side Copy between two shares (the engine's report there:
    // fellBack with copychunk's reason, test/smb/fsctl-samba.test.ts, its final stop dropped by
    // refusalDetail as for every reason); the maps are the copy above.
    const reason =
      'smb://u@host/b/vm-disk (copy).img is on another share than smb://u@host/a/vm-disk.img: server-side copy works within one share, so the data is copied through this client (E_UNSUPPORTED)';
    const data: CloneResultsData = { ...copied, operation: 'copy', fallbackReason: reason };
    const { page } = await open((b) => b.post({ type: 'cloneResults', data }));
    assert.equal(await page.$eval('.head h1', (h) => h.textContent), 'Copied (read and written)');
    const notice = await page.$eval('.notice', (n) => ({
      text: n.querySelector('.notice-text')!.textContent,
      detail: n.querySelector('.notice-detail')!.textContent,
    }));
    assert.equal(notice.text, `Copied vm-disk.img to ${path.basename(copied.destination.path)} by reading and writing it, holes kept.`);
    assert.equal(notice.detail, `No server-side copy: ${reason}.`);
    assert.doesNotMatch((await page.$eval('#app', (a) => a.textContent))!, /[Cc]lon(e|ing) was refused/);
    assert.equal(await page.$eval('.facts [data-key=operation] dd', (d) => d.textContent), 'copy, read and written (no server-side copy)');
    await page.close();
  });

  test('several files, one of which replaced a file of its name (Overwrite All): a "Replaced" fact and the row says so', async () => {
    // the second file as the host builds it after an overwrite: its destination existed before
    const items = batch.map((d, i) => (i === 1 ? { ...d, destination: { ...d.destination, existedBefore: true } } : d));
    const { page } = await open((b) => b.post({ type: 'cloneResults', data: items[0], items }));
    const names = await page.$$eval('.files details.file > summary .f-name', (ss) => ss.map((x) => x.textContent));
    assert.deepEqual(names, [
      path.basename(batch[0].destination.path),
      `${path.basename(batch[1].destination.path)}, replaced`,
      path.basename(batch[2].destination.path),
    ]);
    assert.equal(await page.$eval('.facts [data-key=replaced] dd', (d) => d.textContent), '1');
    await page.close();
  });

  test('several files of one operation: a list with method, bytes, time and a total; each expands to its maps', async () => {
    const { page, bridge } = await open((b) => b.post({ type: 'cloneResults', data: batch[0], items: batch }));
    assert.match((await page.$eval('.head h1', (h) => h.textContent))!, /^Cloned 3 files$/);
    const rows = await page.$$eval('.files details.file > summary', (ss) =>
      ss.map((s) => [...s.querySelectorAll(':scope > span')].map((x) => x.textContent)),
    );
    assert.equal(rows.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(rows[i][0], path.basename(batch[i].destination.path));
      assert.equal(rows[i][1], 'FICLONE');
      assert.equal(rows[i][2], BigInt(batch[i].bytes).toLocaleString('en-US'));
      assert.match(rows[i][3]!, /\d ms$|\d s$/);
    }
    const total = batch.reduce((a, d) => a + BigInt(d.bytes), 0n);
    const totalRow = await page.$$eval('.files .file-total span', (s) => s.map((x) => x.textContent));
    assert.equal(totalRow[0], 'Total (3 files)');
    assert.equal(totalRow[2], total.toLocaleString('en-US'));
    const facts = await page.$$eval('.facts .kv', (kvs) =>
      Object.fromEntries(kvs.map((k) => [k.getAttribute('data-key'), k.querySelector('dd')!.textContent])),
    );
    assert.equal(facts.files, '3');
    assert.match(facts.bytes!, new RegExp(`^${total.toLocaleString('en-US')} bytes`));
    // no legend without maps: it comes with a file's maps, when that file is expanded
    assert.equal(await page.$$eval('.legend', (l) => l.length), 0, 'no legend while every file is folded');
    // expand the second file: its maps are drawn (shared = purple at its data, 2-4 MiB of 16 MiB)
    await page.click('.files details.file[data-item="1"] > summary');
    await page.waitForSelector('.files details.file[data-item="1"] .side.destination .after canvas');
    assert.equal(await page.$$eval('.legend', (l) => l.length), 1);
    assert.ok(await page.$('.files details.file[data-item="1"] .legend'), "the legend sits with that file's maps");
    await frames(page, 3);
    const sel = '.files details.file[data-item="1"] .side.destination .after canvas';
    const { w, h } = await page.$eval(sel, (c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }));
    assert.ok(w > 100, `the map has its width once shown: ${w}`);
    const px = await pixel(page, sel, Number((3n * MiB * BigInt(w)) / (16n * MiB)), h - 2);
    assert.deepEqual(px.slice(0, 3), hexToRgb(THEMES.dark.vars['--vscode-charts-purple']));
    assert.match(
      (await page.$eval('.files details.file[data-item="1"] .side.destination .before-note', (p) => p.textContent))!,
      /did not exist before/,
    );
    await page.screenshot({ path: screenshotPath('clone-results-batch.png'), fullPage: true });
    // compare asks for that file
    await page.click('.files details.file[data-item="1"] .btn-compare');
    const m = await bridge.waitFor((x) => x.type === 'compareWithCopy');
    assert.deepEqual(m, { type: 'compareWithCopy', item: 1 });
    const waiting = await page.$$eval('.btn-compare', (bs) => bs.filter((b) => b.hasAttribute('disabled')).length);
    assert.ok(waiting >= 1 && waiting === (await page.$$eval('.btn-compare', (bs) => bs.length)), 'every compare button shown waits');
    // the host answers a failed (or cancelled) comparison with the results as they were: the view is usable again
    await bridge.post({ type: 'cloneResults', data: batch[0], items: batch });
    await page.waitForFunction(() => !document.querySelector('.btn-compare[disabled]'));
    assert.ok((await page.$$eval('.btn-compare', (bs) => bs.length)) >= 1, 'the buttons work again');
    assert.doesNotMatch((await page.$eval('#app', (a) => a.textContent))!, /Measuring a physical copy/);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'no CSP violation');
    await page.close();
  });

  for (const width of [320, 400, 520, 1000]) {
    test(`${width} px: a long method name (FSCTL_DUPLICATE_EXTENTS_TO_FILE) wraps at its underscores, never mid-word or cut`, async () => {
      // Stand-in: the XFS clone's result relabelled with the SMB method (its name is what is
      // laid out; test/vscode's SMB suites produce it for real through Samba).
      const method = 'FSCTL_DUPLICATE_EXTENTS_TO_FILE';
      const smb = { ...renamed, method };
      for (const many of [false, true]) {
        const { page } = await open(
          (b) =>
            b.post(many ? { type: 'cloneResults', data: smb, items: [smb, { ...batch[1], method }] } : { type: 'cloneResults', data: smb }),
          width,
          900,
        );
        const sel = many ? '.file-row .f-method' : '.head .method, .facts .kv[data-key="method"] dd';
        const laid = await page.evaluate((sel) => {
          // for each element: its text, and every place where a new line starts (by the glyphs' tops)
          return [...document.querySelectorAll<HTMLElement>(sel)]
            .filter((e) => e.textContent!.startsWith('FSCTL') && e.getClientRects().length > 0)
            .map((e) => {
              const chars: { ch: string; top: number }[] = [];
              const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
              for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                for (let i = 0; i < n.textContent!.length; i++) {
                  const r = document.createRange();
                  r.setStart(n, i);
                  r.setEnd(n, i + 1);
                  chars.push({ ch: n.textContent![i], top: r.getBoundingClientRect().top });
                }
              }
              const breaks = chars.flatMap((c, i) => (i > 0 && c.top > chars[i - 1].top + 2 ? [chars[i - 1].ch] : []));
              const de = document.documentElement;
              return {
                text: e.textContent,
                breaks,
                cut: e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > de.clientWidth + 0.5,
              };
            });
        }, sel);
        // (the list drops its method column below 420 px; the tooltip and details keep it)
        assert.equal(laid.length, many && width <= 420 ? 0 : 2, `the method is on screen: ${JSON.stringify(laid)}`);
        for (const l of laid) {
          assert.ok(l.text!.startsWith(method), l.text!);
          assert.ok(!l.cut, `not cut: ${JSON.stringify(l)}`);
          assert.ok(
            l.breaks.every((b) => b === '_' || b === ' '),
            `lines break after "_" or a space only: ${JSON.stringify(l)}`,
          );
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `no horizontal overflow: ${overflow}`);
        if (!many && width === 520) await page.screenshot({ path: screenshotPath('clone-results-narrow.png'), fullPage: true });
        if (!many && width === 320) await page.screenshot({ path: screenshotPath('clone-results-smb-320px.png'), fullPage: true });
        await page.close();
      }
    });
  }

  for (const width of [220, 270, 320, 520, 1400]) {
    test(`fits ${width} px: no horizontal overflow, sides stacked when narrow, paths ellipsized with a tooltip`, async () => {
      for (const many of [false, true]) {
        const { page } = await open(
          (b) => b.post(many ? { type: 'cloneResults', data: batch[0], items: batch } : { type: 'cloneResults', data: renamed }),
          width,
          900,
        );
        if (many) {
          await page.click('.files details.file[data-item="0"] > summary');
          await page.waitForSelector('.files details.file[data-item="0"] .side.destination');
          await frames(page, 3);
        }
        const fit = await page.evaluate(() => {
          const de = document.documentElement;
          const src = document.querySelector('.side.source')!.getBoundingClientRect();
          const dst = document.querySelector('.side.destination')!.getBoundingClientRect();
          const paths = [...document.querySelectorAll<HTMLElement>('.side .path')];
          const canvases = [...document.querySelectorAll<HTMLElement>('.side canvas')];
          return {
            scroll: de.scrollWidth,
            client: de.clientWidth,
            stacked: dst.top >= src.bottom - 1,
            pathsFit: paths.every((p) => p.getBoundingClientRect().right <= de.clientWidth + 0.5 && p.title === p.textContent),
            ellipsized: paths.some((p) => p.scrollWidth > p.clientWidth),
            mapsFit: canvases.every(
              (c) => c.getBoundingClientRect().right <= de.clientWidth + 0.5 && c.getBoundingClientRect().width > 100,
            ),
            rowsFit: [...document.querySelectorAll<HTMLElement>('.file-row .f-name, .file-row .f-bytes, .file-row .f-time')].every(
              (e) => e.getBoundingClientRect().right <= de.clientWidth + 0.5 && e.getBoundingClientRect().width > 20,
            ),
            bytesShown: [...document.querySelectorAll<HTMLElement>('.file-row .f-bytes')].every((e) => e.scrollWidth <= e.clientWidth + 1),
          };
        });
        assert.ok(fit.scroll <= fit.client, `${many ? 'list' : 'single'}: no horizontal overflow: ${fit.scroll} > ${fit.client}`);
        assert.equal(fit.stacked, width < 600, 'source and destination stacked only when narrow');
        assert.ok(fit.pathsFit, 'paths stay inside the view, the full path as tooltip');
        if (width < 600) assert.ok(fit.ellipsized, 'a long path is ellipsized');
        assert.ok(fit.mapsFit, 'maps fit and are usable');
        assert.ok(fit.rowsFit && fit.bytesShown, 'file, bytes and time columns of the list stay visible');
        if (many && width === 320) await page.screenshot({ path: screenshotPath('clone-results-batch-320px.png'), fullPage: true });
        await page.close();
      }
    });
  }
});
