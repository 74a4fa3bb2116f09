// The inspector before its first summary (the map of a big file still being read): the line
// under the map names no bytes, since the view's placeholder window (one byte) is no file's.
// A trial saw "0 … 1 B shown … 1" under "Reading all extents of million.img: 651264 extents…";
// the count in that line is grouped as every other figure of the view.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { buildWebviews, installBridge, startShellServer, type ShellServer } from './harness';

describe('inspector while the first map is read', { skip: chromiumSkipReason(), timeout: 120_000 }, () => {
  let server: ShellServer;
  let chromium: Chromium;

  before(async () => {
    buildWebviews();
    server = await startShellServer();
    chromium = await launchChromium('webview');
  });
  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  });

  test('no summary yet: progress shown with its count grouped, the axis names no bytes', async () => {
    const page = await chromium.context.newPage();
    // no model: the host has not answered with a summary yet, as while a big map is read
    const bridge = await installBridge(page, {});
    await page.goto(server.url('inspector'));
    await bridge.waitFor((m) => m.type === 'ready');
    await bridge.post({ type: 'progress', message: 'Reading all extents of million.img: 651264 extents…', done: '651264', total: '0' });
    const progress = await page.locator('.progress-text').textContent();
    assert.equal(progress, 'Reading all extents of million.img: 651,264 extents…');
    const axis = await page.locator('.axis').evaluate((e) => [...e.children].map((c) => c.textContent));
    assert.deepEqual(axis, ['', '', ''], `the axis before any summary: ${JSON.stringify(axis)}`);
    await page.close();
  });
});
