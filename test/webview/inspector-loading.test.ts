// The inspector before its first summary (the map of a big file still being read): the line
// under the map names no bytes, since the view's placeholder window (one byte) is no file's.
// A trial saw "0 … 1 B shown … 1" under "Reading all extents of million.img: 651264 extents…";
// the count in that line is grouped as every other figure of the view.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSkipReason } from '../support/chromium';
import { shellPages } from './harness';

describe('inspector while the first map is read', { skip: chromiumSkipReason(), timeout: 120_000 }, () => {
  const shell = shellPages();

  test('no summary yet: progress shown with its count grouped, the axis names no bytes', async () => {
    // no model: the host has not answered with a summary yet, as while a big map is read
    const { page, bridge } = await shell.page('inspector', {});
    await bridge.waitFor((m) => m.type === 'ready');
    await bridge.post({ type: 'progress', message: 'Reading all extents of million.img: 651264 extents…', done: '651264', total: '0' });
    const progress = await page.locator('.progress-text').textContent();
    assert.equal(progress, 'Reading all extents of million.img: 651,264 extents…');
    const axis = await page.locator('.axis').evaluate((e) => [...e.children].map((c) => c.textContent));
    assert.deepEqual(axis, ['', '', ''], `the axis before any summary: ${JSON.stringify(axis)}`);
    await page.close();
  });
});
