// What a figure means and its exact bytes reach the keyboard and screen readers, not only a mouse's
// tooltip (a `title`): in real Chromium, Tab reaches each of the Space view's totals, the line
// saying what deleting frees and the legend entries; the one with the focus shows its explanation
// under it (shared/ui.ts `explained`, theme.css `.explained`), has it as its accessible
// description, and the page stays within a 320 px column. The inspector's summary:
// inspector-trial.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshotPath } from '../support/chromium';
import { skip, spaceViewHooks, data, open } from './space-view-fixture';

/** Tab until `selector` has the keyboard focus (at most 60 presses); false if it never does. */
async function tabTo(page: Page, selector: string): Promise<boolean> {
  for (let i = 0; i < 60; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return true;
    await page.keyboard.press('Tab');
  }
  return false;
}

/** What the focused element shows under itself, its description, its height and the page's width. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement as HTMLElement;
    return {
      shown: getComputedStyle(e, '::after').content,
      visible: e.matches(':focus-visible'),
      description: e.getAttribute('aria-description'),
      height: e.getBoundingClientRect().height,
      scrollWidth: document.documentElement.scrollWidth,
    };
  });

describe('Space view: explanations and exact bytes reach the keyboard', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

  for (const width of [1000, 320]) {
    test(`Tab reaches the totals, the deleting line and the legend, each explained while focused (${width} px)`, async () => {
      const { page } = await open(width);
      const allocated = '.totals .kv[data-key="allocated"]';
      const before = await page.$eval(allocated, (e) => e.getBoundingClientRect().height);
      assert.equal(await page.$eval(allocated, (e) => getComputedStyle(e, '::after').content), 'none', 'hidden until focused');
      assert.ok(await tabTo(page, allocated), 'Tab reaches Allocated');
      const exact = `${BigInt(data.total.allocated).toLocaleString('en-US')} bytes`;
      const a = await focused(page);
      assert.equal(a.visible, true);
      // (the line break serialises as CSS's "\a ")
      assert.match(a.shown, new RegExp(`^"${exact}\\\\a Bytes in the files’ extents, counted once per file\\.`));
      assert.match(a.description!, new RegExp(`^${exact} Bytes in the files’ extents`));
      assert.ok(a.height > before + 10, `the explanation shows under the figure (${before} → ${a.height} px)`);
      assert.ok(a.scrollWidth <= width, `no sideways scroll (${a.scrollWidth} px)`);
      if (width === 320)
        await page.screenshot({ path: screenshotPath('space-explained-320.png'), clip: { x: 0, y: 0, width, height: 420 } });
      // the headline: what deleting frees, with its exact bytes
      assert.ok(await tabTo(page, '.reclaim-line'), 'Tab reaches what deleting frees');
      const r = await focused(page);
      const lo = BigInt(data.total.reclaimable).toLocaleString('en-US');
      const hi = BigInt(data.total.reclaimableMax).toLocaleString('en-US');
      assert.equal(r.shown, `"${lo} bytes – ${hi} bytes"`);
      // a legend entry: what its colour means (the legend is one tab stop, its entries by arrow keys)
      assert.ok(await tabTo(page, '.space-legend li.legend-exclusive'), 'Tab reaches the legend');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.evaluate(() => document.activeElement?.matches('.legend-outside')), true, 'the arrow keys reach the others');
      const l = await focused(page);
      // (bounds here, XFS before an Exact scan: legend.ts says what the colour means then)
      assert.match(l.shown, /^"Bytes the file system reports as shared that the file shares with no other selected file/);
      assert.ok(l.scrollWidth <= width, `no sideways scroll (${l.scrollWidth} px)`);
      await page.close();
    });
  }
});
