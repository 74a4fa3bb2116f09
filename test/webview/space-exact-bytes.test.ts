// Every rounded size the Space view shows ("1.18 MiB") carries its exact byte count, as the
// inspector's and the Dedupe view's figures do: a trial (new users, storage engineers) found the
// treemap's tooltip, a table cell's tooltip and the progress line giving MiB only. Checked in real
// Chromium (./space-view-fixture.ts) over sizes that are not whole KiB: each rounded size in the
// text is matched by an exact count in the title over it, and each in a title (the treemap's
// tooltips for files and folders too) by one in that title.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { SpaceData } from '../../src/protocol/messages';
import { humanBytes } from '../../src/protocol/format';
import { skip, spaceViewHooks, chromium, data, open } from './space-view-fixture';

/** A rounded size as humanBytes writes it (sizes under 1 KiB are written exactly, "376 B"). */
const ROUNDED = /\d+(?:\.\d+)? [KMGTPE]iB/g;

/** The rounded sizes in `text` that no exact count in `title` ("1,234,567 bytes") rounds to. */
function withoutExact(text: string, title: string): string[] {
  const exact = [...title.matchAll(/(\d[\d,]*) bytes/g)].map((m) => humanBytes(BigInt(m[1].replace(/,/g, ''))));
  return [...text.matchAll(ROUNDED)].map((m) => m[0]).filter((s) => !exact.includes(s));
}

/** Each shown element's own text (its text nodes) with the title nearest over it, and every title. */
async function textsAndTitles(page: Page): Promise<{ texts: Array<{ text: string; title: string }>; titles: string[] }> {
  return page.evaluate(() => {
    const texts: Array<{ text: string; title: string }> = [];
    for (const e of document.body.querySelectorAll('*')) {
      if (e.closest('.sr-only')) continue; // words for screen readers (a live region): no pointer reaches a title there
      const own = [...e.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent ?? '');
      if (own.join('').trim()) texts.push({ text: own.join(''), title: e.closest('[title]')?.getAttribute('title') ?? '' });
    }
    return { texts, titles: [...document.querySelectorAll('[title]')].map((e) => e.getAttribute('title') ?? '') };
  });
}

describe('Space view: every rounded size has its exact byte count (Chromium)', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

  test('totals, table cells, the folder line, the progress line and the treemap tooltips give exact bytes', async () => {
    const file = (p: string, bytes: bigint, shared = 0n, sharesWithCount = 0) => ({
      path: `/t/${p}`,
      size: String(bytes + 17n),
      allocated: String(bytes),
      shared: String(shared),
      exclusive: String(bytes - shared),
      fileSystem: 0,
      sharesWithCount,
      overlap: '0',
    });
    const files = [
      { ...file('dir/odd.bin', 1_234_567n, 300_001n, 0), encoded: '100003' }, // shared only with files outside, part compressed
      file('dir/other.bin', 2_345_678n),
      file('top.bin', 3_456_789n),
    ];
    const d: SpaceData = {
      ...data,
      roots: ['/t'],
      base: '/t',
      files,
      fileSystems: [{ ...data.fileSystems[0], encoded: '100003' }],
      errors: [],
    };
    const { page, bridge } = await open(1200, 900, d, chromium, []);
    const problems: string[] = [];
    const check = (where: string, text: string, title: string): void => {
      for (const s of withoutExact(text, title))
        problems.push(`${where}: "${s}" in ${JSON.stringify(text)} (title ${JSON.stringify(title)})`);
    };
    const checkPage = async (where: string): Promise<void> => {
      const { texts, titles } = await textsAndTitles(page);
      for (const t of texts) check(`${where} text`, t.text, `${t.text}\n${t.title}`);
      for (const t of titles) check(`${where} title`, t, t);
    };
    await checkPage('done');
    assert.ok(
      (await textsAndTitles(page)).texts.some((t) => /1\.18 MiB/.test(t.text)),
      'the odd file is shown rounded (the check has something to check)',
    );
    // the treemap's tooltip over each file, and over the folder's title strip
    const tooltips: string[] = [];
    for (let i = 0; i < files.length; i++) {
      const r = (await page.evaluate(
        (k) => (window as unknown as { __extentLensSpace: { fileRect(i: number): unknown } }).__extentLensSpace.fileRect(k),
        i,
      )) as { x0: number; y0: number; x1: number; y1: number };
      const box = (await page.locator('canvas.treemap').boundingBox())!;
      await page.mouse.move(box.x + (r.x0 + r.x1) / 2, box.y + (r.y0 + r.y1) / 2);
      tooltips.push((await page.getAttribute('canvas.treemap', 'title')) ?? '');
    }
    type Label = { rel: string; x0: number; y0: number; x1: number; y1: number };
    const labels = await page.evaluate(() =>
      (window as unknown as { __extentLensSpace: { labels(): Label[] } }).__extentLensSpace.labels(),
    );
    const folder = labels.find((l) => l.rel === 'dir');
    assert.ok(folder, `the folder is labelled: ${JSON.stringify(labels)}`);
    const box = (await page.locator('canvas.treemap').boundingBox())!;
    await page.mouse.move(box.x + (folder.x0 + folder.x1) / 2, box.y + (folder.y0 + folder.y1) / 2);
    tooltips.push((await page.getAttribute('canvas.treemap', 'title')) ?? '');
    assert.match(tooltips[tooltips.length - 1], /^dir: /, 'the folder strip was hovered');
    for (const t of tooltips) check('treemap tooltip', t, t);
    // the progress line of a new analysis (Refresh)
    await bridge.post({ type: 'spaceProgress', files: 2, bytes: '5555555', message: 'walking', exactScan: false });
    await checkPage('progress');
    assert.deepEqual(problems, []);
    assert.match(tooltips.join('\n'), /3,580,245 bytes/, "the folder's exact sum (1,234,567 + 2,345,678)");
    await page.close();
  });
});
