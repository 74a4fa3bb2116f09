// The progress line (Find Duplicate Data and the inspector here; the Space view builds the
// Duplicate data view's line) as a screen reader hears it, in real Chromium: the host sends a progress message every 100 ms, and the
// whole line, Cancel button included, was a live region: every message was spoken, each ending
// in "Cancel". Now a live region of its own speaks the line's words at once, then at most every
// SPOKEN_PROGRESS_MS with the latest; Cancel is not in it. The clock is Playwright's fake one
// (page.clock): no real waiting, nothing timed.
// STAND-IN: the progress messages are posted here as the host posts them; the view, the CSP
// shell and Chromium are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { buildWebviews, installBridge, startShellServer, type ShellServer } from './harness';

const skip = chromiumSkipReason();
/** webview/shared/view-parts.ts's SPOKEN_PROGRESS_MS (that module needs a page to load). */
const SPOKEN_PROGRESS_MS = 5000;

describe('progress line: spoken without flooding', { skip, timeout: 60_000 }, () => {
  let server: ShellServer;
  let chromium: Chromium;

  before(async () => {
    buildWebviews();
    server = await startShellServer();
    chromium = await launchChromium('progress-spoken');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  });

  /** Every text a live region takes from now on, in order, as a screen reader would be told of it. */
  async function record(page: Page): Promise<void> {
    await page.evaluate(() => {
      const w = window as unknown as { spoken: string[] };
      w.spoken = [];
      const last = new Map<Element, string>();
      const look = (): void => {
        for (const r of document.querySelectorAll('[role="status"], [role="alert"], [aria-live]:not([aria-live="off"])')) {
          const text = (r.textContent ?? '').trim();
          if (text && text !== last.get(r)) w.spoken.push(text);
          last.set(r, text);
        }
      };
      look();
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  }

  test('twenty progress messages: the first spoken at once, then only the latest, later; Cancel never', async () => {
    const page = await chromium.context.newPage();
    await page.clock.install();
    const bridge = await installBridge(page, {
      onReady: (b) => b.post({ type: 'dedupeProgress', phase: 'find', files: 0, bytes: '0', message: 'hashed 0 files' }),
    });
    await page.goto(server.url('dedupe'));
    await page.waitForSelector('.progress:not([hidden])');
    await record(page);
    for (let i = 1; i <= 20; i++) {
      await bridge.post({ type: 'dedupeProgress', phase: 'find', files: i, bytes: '0', message: `hashed ${i} files` });
      await page.clock.runFor(100);
    }
    const spoken = () => page.evaluate(() => (window as unknown as { spoken: string[] }).spoken.filter((t) => t.includes('hashed')));
    const soFar = await spoken();
    assert.ok(soFar.length <= 1, `spoken ${soFar.length} times in 2 s: ${JSON.stringify(soFar)}`);
    assert.ok(
      soFar.every((t) => !/Cancel/.test(t)),
      JSON.stringify(soFar),
    );
    await page.clock.runFor(SPOKEN_PROGRESS_MS);
    const later = await spoken();
    assert.equal(later.at(-1), 'hashed 20 files', `the latest words are spoken in the end: ${JSON.stringify(later)}`);
    assert.ok(later.length <= 2, JSON.stringify(later));
    assert.equal(await page.textContent('.progress .progress-text'), 'hashed 20 files', 'the line on screen follows every message');
    await page.close();
  });

  test('the inspector reading a big map: its count spoken at once, then the latest, later', async () => {
    const page = await chromium.context.newPage();
    await page.clock.install();
    const bridge = await installBridge(page, {});
    await page.goto(server.url('inspector'));
    await bridge.waitFor((m) => m.type === 'ready');
    await record(page);
    for (let i = 1; i <= 20; i++) {
      await bridge.post({
        type: 'progress',
        message: `Reading all extents of big.img: ${i * 1000} extents…`,
        done: String(i * 1000),
        total: '0',
      });
      await page.clock.runFor(100);
    }
    const spoken = () => page.evaluate(() => (window as unknown as { spoken: string[] }).spoken.filter((t) => t.includes('extents')));
    const soFar = await spoken();
    assert.ok(soFar.length <= 1, `spoken ${soFar.length} times in 2 s: ${JSON.stringify(soFar)}`);
    await page.clock.runFor(SPOKEN_PROGRESS_MS);
    assert.equal((await spoken()).at(-1), 'Reading all extents of big.img: 20,000 extents…');
    await page.close();
  });
});
