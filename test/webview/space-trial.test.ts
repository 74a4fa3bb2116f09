// Fixes from a user trial of the Space view, in real Chromium over the engine's real answer on a
// loop-mounted reflink XFS (./space-view-fixture.ts): the legend says what its shared colours
// mean with bounds (XFS before an Exact scan: who else holds a block is not known) and when exact.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spaceData } from '../../src/views/space-data';
import { skip, spaceViewHooks, data, exactResult, dir, open } from './space-view-fixture';

describe('Space view: fixes from a user trial', { skip, timeout: 120_000 }, () => {
  spaceViewHooks();

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
