// The Dedupe view's list from the keyboard, in real Chromium: the arrows, Page keys, Home and End
// move over group headers and ranges alike and scroll the row reached into view; Enter, Space,
// Right and Left open and close a group (a group of more than 20 ranges starts closed, and was
// out of reach of the keyboard: its header took only a click); Left on a range goes to its
// header; Enter on a range opens it; the list is one tab stop (its scroller is not another), and
// toolbar buttons that are off are none.
// STAND-IN: the plan is built here in the engine's types (as dedupe.test.ts does); the view, the
// CSP shell and Chromium are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { DedupePlan } from '../../src/engine';
import { dedupeWirePlan } from '../../src/views/dedupe-data';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { buildWebviews, frames, installBridge, startShellServer, type ShellServer } from './harness';

const skip = chromiumSkipReason();
const MiB = 1024n * 1024n;
const D = '/mnt/btrfs/proj';

/** 25 copies of one image (a group that starts closed), then two pairs, one with a warning. */
function keyboardPlan(): DedupePlan {
  const whole = (name: string, n: number, size: bigint, warnings: string[] = []) => ({
    length: size,
    ranges: Array.from({ length: n }, (_, i) => ({ path: `${D}/${name}-${String(i).padStart(2, '0')}.bin`, offset: 0n })),
    netSaving: size * BigInt(n - 1),
    candidateBytes: size * BigInt(n - 1),
    wholeFiles: true,
    warnings,
  });
  const groups = [
    whole('image', 25, 8n * MiB),
    whole('pair', 2, 3n * MiB, ['Part of an extent: sharing 1 MiB of a 2 MiB extent frees nothing until all of it is shared.']),
    whole('log', 2, 2n * MiB),
  ];
  return {
    groups,
    total: {
      groups: groups.length,
      candidateBytes: groups.reduce((t, g) => t + g.candidateBytes, 0n),
      netSaving: groups.reduce((t, g) => t + g.netSaving, 0n),
      files: 29,
      hashedBytes: 300n * MiB,
    },
    errors: [],
    notes: [],
    durationMs: 100,
  };
}

describe('Dedupe view: the list from the keyboard', { skip, timeout: 60_000 }, () => {
  let server: ShellServer;
  let chromium: Chromium;

  before(async () => {
    buildWebviews();
    server = await startShellServer();
    chromium = await launchChromium('dedupe-keyboard');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  });

  const state = (page: Page) =>
    page.evaluate(() => {
      const sel = document.querySelector('.dedupe-grid .tr[aria-selected="true"]') as HTMLElement | null;
      const sc = document.querySelector('.dedupe-grid .tscroll') as HTMLElement;
      const a = sel?.getBoundingClientRect();
      const b = sc.getBoundingClientRect();
      return {
        at: sel ? `${sel.classList.contains('group-row') ? 'header' : 'range'} ${sel.dataset.group}/${sel.dataset.range ?? ''}` : 'none',
        selected: document.body.dataset.selected,
        inView: !!a && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5,
        // the big group's header (the others may be out of the rows drawn once it is open)
        open: document.querySelector('.dedupe-grid .group-row[data-group="0"]')?.getAttribute('aria-expanded'),
      };
    });

  test('headers and ranges alike: open and close a group, go to the end and back, open a range', async () => {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 700, height: 520 });
    const bridge = await installBridge(page, {
      onReady: (b) =>
        b.post({ type: 'dedupe', plan: dedupeWirePlan(keyboardPlan(), [D], { chunk: 128n * 1024n, minSize: 4096n }), canApply: true }),
    });
    await page.goto(server.url('dedupe'));
    await page.waitForSelector('body[data-state="done"]');
    await frames(page, 2);
    assert.equal(await page.getAttribute('.dedupe-grid .tscroll', 'tabindex'), '-1', 'the list is one tab stop, not two');
    const visited: string[] = [];
    for (let i = 0; i < 30 && !(await page.evaluate(() => document.activeElement?.matches('.dedupe-grid'))); i++) {
      await page.keyboard.press('Tab');
      visited.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.className || ''));
    }
    assert.ok(await page.evaluate(() => document.activeElement?.matches('.dedupe-grid')), 'Tab reaches the list');
    // toolbar buttons that are off are not tab stops (they were, and Enter did nothing)
    assert.ok(visited.includes('btn-find'), visited.join(' '));
    assert.ok(!visited.includes('btn-inspect') && !visited.includes('btn-reveal'), visited.join(' '));
    let s = await state(page);
    assert.equal(s.open, 'false', 'the 25 copies start closed');
    assert.equal(await page.getAttribute('.group-row[data-group="1"]', 'aria-expanded'), 'true');
    await page.keyboard.press('ArrowDown');
    s = await state(page);
    assert.deepEqual([s.at, s.selected], ['header 0/', ''], 'the first header: no range selected (Open and Reveal off)');
    // the keyboard stays on the list: a screen reader follows the row with its place (aria-activedescendant)
    const active = async (): Promise<string | null> =>
      page.evaluate(() => {
        const id = document.querySelector('.dedupe-grid')!.getAttribute('aria-activedescendant');
        return id ? (document.getElementById(id)?.getAttribute('aria-rowindex') ?? 'missing') : null;
      });
    assert.equal(await active(), await page.getAttribute('.group-row[data-group="0"]', 'aria-rowindex'));
    assert.equal(await page.getAttribute('#btn-inspect', 'disabled'), '');
    // open it from the keyboard (before, only a click could), close and open again
    await page.keyboard.press('Enter');
    assert.equal((await state(page)).open, 'true');
    await page.keyboard.press('ArrowLeft');
    assert.equal((await state(page)).open, 'false');
    await page.keyboard.press('ArrowRight');
    assert.equal((await state(page)).open, 'true');
    await page.keyboard.press('Space');
    assert.equal((await state(page)).open, 'false');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    s = await state(page);
    assert.deepEqual([s.at, s.selected, s.inView], ['range 0/0', '0/0', true], 'into its ranges');
    // End: the last range, scrolled into view (it stayed below the list's edge)
    await page.keyboard.press('End');
    s = await state(page);
    assert.deepEqual([s.at, s.selected, s.inView], ['range 2/1', '2/1', true]);
    assert.ok((await page.$eval('.dedupe-grid .tscroll', (e) => e.scrollTop)) > 0, 'the list scrolled');
    assert.equal(await active(), await page.getAttribute('.range-row.selected', 'aria-rowindex'), 'the selected range is the active row');
    // up past a warning to its group's header, and Left from a range goes to its header
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal((await state(page)).at, 'header 2/');
    await page.keyboard.press('ArrowUp');
    assert.equal((await state(page)).at, 'range 1/1');
    await page.keyboard.press('ArrowLeft');
    assert.equal((await state(page)).at, 'header 1/');
    // Home: back to the top, in view
    await page.keyboard.press('Home');
    s = await state(page);
    assert.deepEqual([s.at, s.inView], ['header 0/', true]);
    assert.equal(await page.$eval('.dedupe-grid .tscroll', (e) => e.scrollTop), 0);
    // Enter on a range opens it; with a range selected, Open in the inspector is on again
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#btn-inspect', 'inert'), null);
    assert.equal(await page.getAttribute('#btn-inspect', 'disabled'), null);
    await page.keyboard.press('Enter');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'dedupeOpen'), { type: 'dedupeOpen', group: 0, range: 0 });
    assert.deepEqual(bridge.rejected, []);
    await page.close();
  });

  test('the keyboard keeps its place across a run: Deduplicate, then Cancel, then the sentence that says what happened', async () => {
    // a trial: after Deduplicate the focus fell to the page, and Cancel was six Shift+Tabs away
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 700, height: 520 });
    const plan = dedupeWirePlan(keyboardPlan(), [D], { chunk: 128n * 1024n, minSize: 4096n });
    const bridge = await installBridge(page, { onReady: (b) => b.post({ type: 'dedupe', plan, canApply: true }) });
    await page.goto(server.url('dedupe'));
    await page.waitForSelector('body[data-state="done"]');
    await page.focus('#btn-dedupe');
    await page.keyboard.press('Enter');
    await bridge.waitFor((m) => m.type === 'dedupeApply');
    // (the host asks, then runs it)
    await bridge.post({ type: 'dedupeProgress', phase: 'apply', files: 1, bytes: '0', total: '100', message: 'Deduplicating…' });
    await page.waitForSelector('body[data-state="applying"]');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'btn-cancel');
    await bridge.post({
      type: 'dedupe',
      plan,
      canApply: false,
      cannotApplyReason: 'Deduplicate ran on these groups: Find again to see what is left.',
      report: {
        ...{ deduped: '1024', alreadyShared: '0', differed: 0, skipped: [], calls: 1, freed: '1024', estimated: '1024' },
        ...{ method: 'FIDEDUPERANGE', notes: [], durationMs: 5, groups: 1, files: 2 },
      },
    });
    await page.waitForSelector('body[data-state="done"]');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'saving-line');
    assert.match((await page.textContent('.saving-line')) ?? '', /^Deduplicating freed 1 KiB \(measured\)/);
    assert.deepEqual(bridge.rejected, []);
    await page.close();
  });
});
