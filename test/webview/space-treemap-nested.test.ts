// Folders inside folders in the Space view's treemap, in real Chromium (./space-view-fixture.ts).
// A trial: a chain of folders holding one file (a/very/deep/path/…/final.bin) drew each inner
// folder's title strip in the folder's translucent grey over the bands its parent painted, one
// layer lighter per level, and the names (very, deep, path, …) in the label colour on pale blue:
// unreadable in the dark theme. Every title strip is now the same grey, on the view's background.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpaceData } from '../../src/protocol/messages';
import { screenshotPath } from '../support/chromium';
import { skip, spaceViewHooks, chromium, data, open, colourCounts } from './space-view-fixture';

describe('Space view: nested folders in the treemap (Chromium)', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

  test('a chain of folders: every title strip is drawn alike, whatever its depth', async () => {
    const file = (p: string, kib: number) => {
      const bytes = String(kib * 1024);
      return { path: `/t/${p}`, size: bytes, allocated: bytes, shared: '0', exclusive: bytes, fileSystem: 0, sharesWithCount: 0 };
    };
    const files = [
      file('a/very/deep/path/that/goes/on/final-file-name-long.bin', 32),
      file('[weird] folder (1)/-leading dash.bin', 20),
      file('.hidden', 12),
      file('u.bin', 8),
      file('h.bin', 8),
      file('trailing punct!.bin', 4),
    ];
    const d: SpaceData = { ...data, roots: ['/t'], base: '/t', files, fileSystems: [data.fileSystems[0]], errors: [] };
    const { page } = await open(332, 900, d, chromium, []);
    type Label = { rel: string; side: 'top' | 'side'; x0: number; y0: number; x1: number; y1: number };
    const labels = await page.evaluate(() =>
      (window as unknown as { __extentLensSpace: { labels(): Label[] } }).__extentLensSpace.labels(),
    );
    const chain = labels.filter((l) => l.rel === 'a' || l.rel.startsWith('a/'));
    assert.ok(chain.length >= 4, `the chain's folders are labelled: ${JSON.stringify(labels.map((l) => l.rel))}`);
    /** The colour most of a strip is (the name's pixels are fewer): its background. */
    const ground = async (l: Label): Promise<string> => {
      const counts = await colourCounts(page, { x0: Math.ceil(l.x0), y0: Math.ceil(l.y0), x1: Math.floor(l.x1), y1: Math.floor(l.y1) });
      return [...counts].sort((x, y) => y[1] - x[1])[0][0];
    };
    const top = await ground(chain[0]);
    for (const l of chain) assert.equal(await ground(l), top, `${l.rel}'s strip is ${await ground(l)}, the top folder's ${top}`);
    await page.screenshot({ path: screenshotPath('space-nested-folders-332px.png') });
    await page.close();
  });
});
