// Fixes from a user trial of the Space view, in real Chromium over the engine's real answer on a
// loop-mounted reflink XFS (./space-view-fixture.ts): in a narrow column the table shows that it
// scrolls sideways (a scroll bar on its top edge that moves header and rows), the selected row's
// frame starts at the path, and the legend says what its shared colours mean with bounds (XFS
// before an Exact scan: who else holds a block is not known) and when exact.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { spaceData } from '../../src/views/space-data';
import { frames } from './harness';
import { screenshotPath } from '../support/chromium';
import { skip, spaceViewHooks, data, exactResult, dir, open } from './space-view-fixture';

/** The colour Chromium drew at CSS pixel (x, y) of `page`: a 1-pixel screenshot, decoded in a blank page. */
async function pixel(page: Page, x: number, y: number): Promise<number[]> {
  const png = await page.screenshot({ clip: { x: Math.floor(x), y: Math.floor(y), width: 1, height: 1 } });
  const blank = await page.context().newPage();
  try {
    return await blank.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const g = new OffscreenCanvas(1, 1).getContext('2d')!;
      g.drawImage(bmp, 0, 0);
      return [...g.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    }, png.toString('base64'));
  } finally {
    await blank.close();
  }
}

describe('Space view: fixes from a user trial', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

  for (const width of [362, 320]) {
    test(`${width} px: a scroll bar on the table's top edge shows the columns off to the right, and brings them into view`, async () => {
      const { page } = await open(width, 900);
      await page.$eval('.space-side-bar', (e) => e.scrollIntoView({ block: 'center' }));
      const m = await page.evaluate(() => {
        const bar = document.querySelector('.space-side-bar') as HTMLElement;
        const r = bar.getBoundingClientRect();
        const grid = document.querySelector('.space-grid')!.getBoundingClientRect();
        const host = document.querySelector('.rows-host')!.getBoundingClientRect();
        const t = bar.querySelector('.side-bar-thumb')!.getBoundingClientRect();
        return {
          hidden: bar.hidden,
          height: r.height,
          // on the table's top edge, as wide as the table, in view
          onTop: Math.abs(r.bottom - grid.top) <= 1.5 && Math.abs(r.left - host.left) <= 1.5 && Math.abs(r.right - host.right) <= 1.5,
          inView: r.top >= 0 && r.bottom <= innerHeight,
          thumb: { x: t.left + t.width / 2, y: t.top + t.height / 2, part: t.width / r.width },
          right: r.right,
          offRight: [...document.querySelectorAll<HTMLElement>('.space-grid .thead .td')]
            .filter((h) => h.getBoundingClientRect().right > host.right + 0.5)
            .map((h) => h.dataset.key),
        };
      });
      assert.deepEqual([m.hidden, m.onTop, m.inView], [false, true, true], JSON.stringify(m));
      assert.ok(m.height >= 8, `drawn: ${m.height} px`);
      assert.ok(m.thumb.part < 0.9, `its thumb is the part in view: ${m.thumb.part}`);
      assert.ok(m.offRight.includes('sharesWith'), `columns off to the right: ${m.offRight.join()}`);
      await page.screenshot({ path: screenshotPath(`space-table-${width}px-side-bar.png`) });
      // drag the thumb to the end: Size and Shares-with come into view, header and rows together
      await page.mouse.move(m.thumb.x, m.thumb.y);
      await page.mouse.down();
      await page.mouse.move(m.right + 40, m.thumb.y, { steps: 5 });
      await page.mouse.up();
      await frames(page, 2);
      const after = await page.evaluate(() => {
        const grid = document.querySelector('.rows-host')!.getBoundingClientRect();
        const inView = (sel: string) => {
          const r = document.querySelector(sel)!.getBoundingClientRect();
          return r.left >= grid.left - 0.5 && r.right <= grid.right + 0.5;
        };
        return {
          head: inView('.space-grid .thead .td[data-key="sharesWith"]') && inView('.space-grid .thead .td[data-key="size"]'),
          row: inView('.space-grid .tscroll .tr .td.c-sharesWith'),
          path: inView('.space-grid .tscroll .tr .td.c-path'),
        };
      });
      assert.deepEqual(after, { head: true, row: true, path: true }, 'scrolled: Size and Shares-with in view, the path still at the left');
      await page.close();
    });
  }

  test('wide, every column fits: no scroll bar', async () => {
    const { page } = await open(1000);
    assert.equal(await page.$eval('.space-side-bar', (e) => (e as HTMLElement).hidden), true);
    await page.close();
  });

  test("362 px: the selected row's frame starts at the path (it began at the first figure)", async () => {
    const { page } = await open(362, 900);
    // a theme whose selection has an outline (as VS Code's list.focusAndSelectionOutline, and high contrast)
    await page.evaluate(() => document.documentElement.style.setProperty('--vscode-list-focusAndSelectionOutline', '#ff0000'));
    await page.locator('.space-grid .tscroll .tr[data-file]').first().click();
    await page.$eval('.space-grid', (e) => e.scrollIntoView({ block: 'center' }));
    await frames(page, 2);
    const r = await page.$eval('.space-grid .tscroll .tr.selected .td.c-path', (e) => {
      const b = e.getBoundingClientRect();
      return { left: b.left, top: b.top, bottom: b.bottom, mid: b.left + b.width / 2 };
    });
    const red = [255, 0, 0];
    assert.deepEqual(await pixel(page, r.left + 0.5, (r.top + r.bottom) / 2), red, 'its left edge, on the path');
    assert.deepEqual(await pixel(page, r.mid, r.top + 0.5), red, 'its top edge over the path');
    assert.deepEqual(await pixel(page, r.mid, r.bottom - 0.5), red, 'its bottom edge under the path');
    await page.screenshot({ path: screenshotPath('space-selected-362px.png') });
    await page.close();
  });

  test('the legend says what the shared colours mean: with bounds (XFS before an Exact scan), when exact, and mixed', async () => {
    const { page, bridge } = await open(1000);
    const legend = () =>
      page.evaluate(() => {
        const li = (c: string) => document.querySelector(`.space-legend .legend-${c}`) as HTMLElement;
        const note = document.querySelector('.space-legend .legend-note') as HTMLElement;
        return {
          mode: (document.querySelector('.space-legend') as HTMLElement).dataset.mode,
          inside: li('inside').textContent,
          outside: li('outside').textContent,
          insideTip: li('inside').title,
          outsideTip: li('outside').title,
          described: li('inside').getAttribute('aria-description'),
          note: note.hidden || getComputedStyle(note).display === 'none' ? undefined : note.textContent,
        };
      });
    // bounds: purple is what a file shares with other selected files, which files outside may hold too
    let l = await legend();
    assert.equal(l.mode, 'bounds');
    assert.deepEqual([l.inside, l.outside], ['Shared with other selected files', 'Shared, not with selected files']);
    assert.match(l.insideTip, /may reference them too: that is not known here, so deleting the selection may not free them\.$/);
    assert.equal(l.described, l.insideTip, 'the keyboard and a screen reader get it too');
    assert.equal(
      l.note,
      'Whether files outside the selection also hold the bytes shared between selected files is known only after an Exact scan.',
    );
    // a tile's tooltip (spoken as the arrow keys select it) in the same words
    await page.focus('canvas.treemap');
    await page.keyboard.press('ArrowRight');
    assert.match((await page.textContent('#live')) ?? '', /Shared with other selected files .+, Shared, not with selected files /);
    // exact (after an Exact scan): purple is only what no file outside references
    const exact = spaceData(exactResult, [dir]);
    assert.ok(
      exact.files.some((f) => f.sharedInside !== undefined),
      'the exact scan gives sharedInside',
    );
    await bridge.post({ type: 'space', data: exact });
    await page.waitForFunction(() => (document.querySelector('.space-legend') as HTMLElement).dataset.mode === 'exact');
    l = await legend();
    assert.deepEqual([l.inside, l.outside], ['Shared only within the selection', 'Shared with files outside the selection']);
    assert.match(l.insideTip, /^Shared bytes no file outside the selection references: deleting the selection frees them\.$/);
    assert.match(l.outsideTip, /even where selected files share them too/);
    assert.equal(l.note, undefined, 'no caveat when exact');
    await page.focus('canvas.treemap');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('#live')?.textContent?.includes('Shared only within the selection'));
    assert.match((await page.textContent('#live')) ?? '', /Shared only within the selection .+, Shared with files outside the selection /);
    // some files exact, some not (two file systems): the bounds words, and the tooltips say the exact ones split otherwise
    const d = exact.files.findIndex((f) => f.sharedInside !== undefined && BigInt(f.shared) > 0n);
    const bounds = { ...data, files: data.files.map((f, i) => (i === d ? { ...f, sharedInside: exact.files[d].sharedInside } : f)) };
    await bridge.post({ type: 'space', data: bounds });
    await page.waitForFunction(() => (document.querySelector('.space-legend') as HTMLElement).dataset.mode === 'mixed');
    l = await legend();
    assert.equal(l.inside, 'Shared with other selected files');
    assert.match(l.insideTip, /Files on a file system whose figure is exact split as an Exact scan does/);
    assert.ok(l.note, 'the caveat stands');
    await page.close();
  });
});
