// The Space table's column headers from the keyboard, in real Chromium over the engine's real
// answer on a loop-mounted XFS (./space-view-fixture.ts). A keyboard trial pressed Tab six times
// to get past the header: every header was a tab stop of its own. Now the header row is one
// tab stop (roving tabindex): the arrow keys, Home and End move between the headers, Enter and
// Space sort, the focused header shows an outline, and each keeps its name and aria-sort.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshotPath } from '../support/chromium';
import { skip, spaceViewHooks, open } from './space-view-fixture';

/** What has the focus: a header's key, 'grid', or another element's tag and class. */
const focused = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    if (!a) return 'none';
    if (a.getAttribute('role') === 'columnheader') return `header:${a.dataset.key}`;
    if (a.classList.contains('space-grid')) return 'grid';
    return `${a.tagName.toLowerCase()}.${a.className}`;
  });

describe('Space view: the table header is one tab stop (Chromium, real XFS)', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

  test('Tab passes the header in one stop; arrows, Home and End move along it; Enter and Space sort; the focus shows', async () => {
    const { page } = await open(1400);
    // from the filter field, Tab until the focus leaves the table
    await page.focus('input.filter');
    const stops: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (f !== 'grid' && !f.startsWith('header:')) break;
      stops.push(f);
    }
    assert.deepEqual(stops, ['grid', 'header:path'], 'the grid, then one stop for the whole header row');
    // back into the header: the arrows move the focus and the one tab stop with it
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(page), 'header:path');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(page), 'header:allocated');
    const tabStops = () =>
      page.$$eval('.space-grid .thead .td', (ths) =>
        ths.filter((t) => (t as HTMLElement).tabIndex === 0).map((t) => (t as HTMLElement).dataset.key),
      );
    assert.deepEqual(await tabStops(), ['allocated']);
    // the focused header shows it (an outline in the focus colour)
    const ring = await page.$eval('.space-grid .thead .td[data-key="allocated"]', (t) => {
      const cs = getComputedStyle(t);
      return { visible: t.matches(':focus-visible'), style: cs.outlineStyle, width: cs.outlineWidth, colour: cs.outlineColor };
    });
    assert.deepEqual(ring, { visible: true, style: 'solid', width: '1px', colour: 'rgb(0, 120, 212)' });
    await page.screenshot({ path: screenshotPath('space-header-focus.png'), clip: { x: 0, y: 0, width: 1400, height: 900 } });
    // the rows' keys do not act on the header's arrows: nothing got selected
    assert.equal(await page.getAttribute('body', 'data-selected'), '');
    // Enter sorts by the focused header (it is already the sort: reversed), Space again
    const sortOf = (k: string) => page.getAttribute(`.space-grid .thead .td[data-key="${k}"]`, 'aria-sort');
    assert.equal(await sortOf('allocated'), 'descending');
    await page.keyboard.press('Enter');
    assert.equal(await sortOf('allocated'), 'ascending');
    await page.keyboard.press('End');
    assert.equal(await focused(page), 'header:sharesWith');
    await page.keyboard.press(' ');
    assert.equal(await sortOf('sharesWith'), 'descending');
    assert.equal(await sortOf('allocated'), 'none');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(page), 'header:sharesWith', 'the last header stays the last');
    await page.keyboard.press('Home');
    assert.equal(await focused(page), 'header:path');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await focused(page), 'header:path', 'the first stays the first');
    // screen readers: each header keeps its name and role
    const names = await page.$$eval('.space-grid .thead .td', (ths) =>
      ths.map((t) => `${t.getAttribute('role')}:${t.getAttribute('aria-label')}`),
    );
    assert.deepEqual(names, [
      'columnheader:Path',
      'columnheader:Size',
      'columnheader:Allocated',
      'columnheader:Shared',
      'columnheader:Exclusive',
      'columnheader:Shares',
    ]);
    // the count's column is named as the CLI's ("shares"), wide or narrow (it was "Shares with", and "With" narrow)
    assert.deepEqual(await page.$$eval('.space-grid .thead .td[data-key="sharesWith"] span', (s) => s.map((x) => x.textContent)), [
      'Shares',
      'Shares',
    ]);
    // a click moves the tab stop to the header clicked
    await page.click('.space-grid .thead .td[data-key="size"]');
    assert.deepEqual(await tabStops(), ['size']);
    await page.close();
  });
});
