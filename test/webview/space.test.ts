// The Space view in real Chromium, fed the engine's real answer (./space-view-fixture.ts): totals
// and the bounds wording, then the exact wording after an Exact scan; table rows, sort and filter;
// layout from 320 px up and narrow columns; export (JSON and CSV, with a filter); malformed host
// messages. The treemap: space-treemap.test.ts; streaming: space-streaming.test.ts; sharing
// unknown over SMB: space-unknown.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spaceData, spaceExportText } from '../../src/views/space-data';
import type { WebviewMessage } from '../../src/protocol/messages';
import { screenshotPath } from '../support/chromium';
import { frames } from './harness';
import {
  skip,
  spaceViewHooks,
  MiB,
  xfs,
  engine,
  result,
  exactResult,
  data,
  mappedRows,
  dir,
  open,
  key,
  rowsMsg,
} from './space-view-fixture';

describe('Space webview in Chromium with a real XFS analysis: totals, table, layout, export', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

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
