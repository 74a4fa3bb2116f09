// The Space treemap's selected tile stands out in every theme, measured in pixels in real
// Chromium over the engine's real answer on a loop-mounted XFS (./space-view-fixture.ts). A
// trial in a high-contrast theme found the selected tile the least visible one when it was
// orange ("shared with files outside"): the frame was the focus colour, high contrast's orange
// (1.1:1 against that band), lined with one device pixel of the background, which reads as the
// gap between tiles. Measured as WCAG 2.2 measures a focus indicator: across each side of the
// frame, at least 2 CSS px of it must contrast by 3:1 or more with the band it lies on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshotPath } from '../support/chromium';
import { contrastRatio, type Rgb } from '../../webview/shared/contrast';
import { applyTheme, hexToRgb, THEMES, type ThemeName } from './themes';
import { skip, spaceViewHooks, idx, open, rectOf, type Rect } from './space-view-fixture';

/** Device pixels from one side's middle inward (`depth` of them), as [r, g, b] each. */
async function inward(page: Page, r: Rect, side: 'left' | 'right' | 'bottom', depth: number): Promise<Rgb[]> {
  return page.evaluate(
    ([x0, y0, x1, y1, s, n]) => {
      const ctx = (document.querySelector('canvas.treemap') as HTMLCanvasElement).getContext('2d')!;
      const out: [number, number, number][] = [];
      for (let i = 0; i < (n as number); i++) {
        const midX = Math.floor(((x0 as number) + (x1 as number)) / 2);
        const midY = Math.floor(((y0 as number) + (y1 as number)) / 2);
        const [x, y] =
          s === 'left' ? [(x0 as number) + i, midY] : s === 'right' ? [(x1 as number) - 1 - i, midY] : [midX, (y1 as number) - 1 - i];
        const d = ctx.getImageData(x, y, 1, 1).data;
        out.push([d[0], d[1], d[2]]);
      }
      return out;
    },
    [r.x0, r.y0, r.x1, r.y1, side, depth] as const,
  );
}

describe(
  'Space treemap: the selected tile stands out on every band, in every theme (Chromium, real XFS)',
  { skip, timeout: 180_000 },
  () => {
    spaceViewHooks();

    for (const theme of Object.keys(THEMES) as ThemeName[])
      test(`${theme}: at least 2 CSS px of the selection frame contrast 3:1 with the band under it, on every side measured`, async () => {
        const { page } = await open(1400);
        await applyTheme(page, theme);
        const dpr = await page.evaluate(() => window.devicePixelRatio);
        const orange = hexToRgb(THEMES[theme].vars['--vscode-charts-orange']).join(',');
        const bandsSeen = new Set<string>();
        // a.img: all shared inside (purple); sub/c.img: exclusive (blue); sub/d.img: exclusive and shared outside (orange)
        for (const name of ['a.img', 'sub/c.img', 'sub/d.img']) {
          const file = idx(name);
          const r = (await rectOf(page, file))!;
          assert.ok(r.x1 - r.x0 > 60 * dpr && r.y1 - r.y0 > 60 * dpr, `${name} is drawn large enough to measure: ${JSON.stringify(r)}`);
          /** Per side: the band under the frame, and how many device pixels of the frame's depth contrast 3:1 with it. */
          const measure = async (): Promise<{ side: string; band: string; strong: number }[]> => {
            const out = [];
            for (const side of ['left', 'right', 'bottom'] as const) {
              const px = await inward(page, r, side, 14 * dpr);
              const band = px[12 * dpr];
              const strong = px.slice(0, 6 * dpr).filter((p) => contrastRatio(p, band) >= 3).length;
              out.push({ side, band: band.join(','), strong });
            }
            return out;
          };
          // not selected: nothing there but the band (so what is measured below is the frame)
          await page.click(`.space-grid .tr[data-file="${idx('sub/e.txt')}"]`);
          for (const m of await measure()) assert.equal(m.strong, 0, `${theme} ${name} unselected, ${m.side}`);
          await page.click(`.space-grid .tr[data-file="${file}"]`);
          assert.equal(await page.getAttribute('body', 'data-selected'), String(file));
          for (const m of await measure()) {
            bandsSeen.add(m.band);
            assert.ok(m.strong >= 2 * dpr, `${theme}: ${name}'s frame on band ${m.band} (${m.side}): ${m.strong} device px contrast 3:1`);
          }
          if (name === 'sub/d.img') await page.screenshot({ path: screenshotPath(`space-selected-orange-${theme}.png`) });
        }
        assert.ok(bandsSeen.has(orange), `the orange band was measured (${[...bandsSeen].join(' ')})`);
        await page.close();
      });
  },
);
