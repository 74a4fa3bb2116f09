// A path that fits its cell is shown whole, in real Chromium over the engine's real answer on a
// loop-mounted XFS (./space-view-fixture.ts). A trial: Analyze Space Usage of a tree of folders
// d00..d39, in an editor column about 500 px wide, read "d… f105" for d00/f105, in a path cell
// twice as wide as the path: the first folder was held to 30% of the cell even with room to
// spare. (Cutting a path too long for its cell: space.test.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { frames } from './harness';
import { skip, spaceViewHooks, data, dir, open } from './space-view-fixture';

describe('Space view: short paths in a narrow table (Chromium, real XFS)', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

  for (const width of [500, 420]) {
    test(`${width} px: "d00/f105" and its like are shown whole, nothing cut`, async () => {
      const { page, bridge } = await open(width);
      const files = data.files.map((f, k) => ({ ...f, path: `${dir}/d0${k}/f10${k}` }));
      await bridge.post({ type: 'space', data: { ...data, files } });
      await page.waitForFunction(() => document.querySelector('.space-grid .tscroll .c-path')?.getAttribute('title')?.startsWith('d0'));
      await frames(page, 2);
      const cells = await page.$$eval('.space-grid .tscroll .c-path', (els) =>
        els.map((e) => {
          // the width each part's text needs, to the fraction of a pixel (scrollWidth rounds, and
          // the trial's "d00/" lacked 0.4 px): the same text in the same font, laid out alone
          const needs = (p: HTMLElement): number => {
            const s = document.createElement('span');
            s.style.cssText = `position: absolute; white-space: pre; font: ${getComputedStyle(p).font}`;
            s.textContent = p.textContent;
            document.body.append(s);
            const w = s.getBoundingClientRect().width;
            s.remove();
            return w;
          };
          const parts = [...e.querySelectorAll<HTMLElement>('.p-head, .p-ltr')].map((p) => ({
            text: p.textContent,
            need: needs(p),
            got: p.getBoundingClientRect().width,
          }));
          return {
            title: e.getAttribute('title'),
            parts,
            need: parts.reduce((s, p) => s + p.need, 0),
            room: e.getBoundingClientRect().width,
          };
        }),
      );
      assert.equal(cells.length, data.files.length);
      for (const c of cells) {
        assert.ok(c.need < c.room / 1.5, `the path is well short of its cell: ${JSON.stringify(c)}`);
        for (const p of c.parts) assert.ok(p.got >= p.need - 0.01, `"${p.text}" of ${c.title} is cut: ${JSON.stringify(c)}`);
      }
      await page.close();
    });
  }
});
