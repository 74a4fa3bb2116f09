// The Dedupe view's range rows as a screen reader reads them, in real Chromium: each row's role
// (source, duplicate, already shared) was only an icon, a glyph of the codicon font with the words
// in a tooltip, so the row was read as "<private-use glyph> copy2.bin" and a duplicate to be
// shared said nothing of it; an empty indent cell was read as a cell too. Now the icon's cell is
// named by its words and the indent cell is hidden from the accessibility tree.
// STAND-IN: the plan is built here in the engine's types (as dedupe.test.ts does); the view, the
// CSP shell and Chromium are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DedupePlan } from '../../src/engine';
import { dedupeWirePlan } from '../../src/views/dedupe-data';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { buildWebviews, frames, installBridge, startShellServer, type ShellServer } from './harness';

const skip = chromiumSkipReason();
const MiB = 1024n * 1024n;
const D = '/mnt/xfs/dups';

function plan(): DedupePlan {
  const groups = [
    {
      length: 8n * MiB,
      ranges: [
        { path: `${D}/copy1.bin`, offset: 0n },
        { path: `${D}/copy2.bin`, offset: 0n },
        { path: `${D}/copy3.bin`, offset: 0n, alreadyShared: true },
      ],
      netSaving: 8n * MiB,
      candidateBytes: 16n * MiB,
      wholeFiles: true,
      warnings: [],
    },
  ];
  return {
    groups,
    total: { groups: 1, candidateBytes: 16n * MiB, netSaving: 8n * MiB, files: 3, hashedBytes: 24n * MiB },
    errors: [],
    notes: [],
    durationMs: 100,
  };
}

describe('Dedupe view: range rows read by a screen reader', { skip, timeout: 60_000 }, () => {
  let server: ShellServer;
  let chromium: Chromium;

  before(async () => {
    buildWebviews();
    server = await startShellServer();
    chromium = await launchChromium('dedupe-row-names');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  });

  test('each range row says its role in words, and no glyph or empty cell is read', async () => {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 700, height: 520 });
    await installBridge(page, {
      onReady: (b) =>
        b.post({ type: 'dedupe', plan: dedupeWirePlan(plan(), [D], { chunk: 128n * 1024n, minSize: 4096n }), canApply: true }),
    });
    await page.goto(server.url('dedupe'));
    await page.waitForSelector('body[data-state="done"]');
    await frames(page, 2);
    const rows = page.locator('.dedupe-grid .range-row');
    assert.equal(await rows.count(), 3);
    const snaps = await Promise.all([0, 1, 2].map((i) => rows.nth(i).ariaSnapshot()));
    for (const s of snaps) {
      assert.doesNotMatch(s, /[\uE000-\uF8FF]/, `a codicon glyph is read aloud:\n${s}`);
      assert.doesNotMatch(s, /gridcell\s*(""\s*)?$/m, `an empty cell is read:\n${s}`);
    }
    assert.match(snaps[0], /gridcell "Source: the others will share its data"/, snaps[0]);
    assert.match(snaps[1], /gridcell "Duplicate: will share the source’s data"/, snaps[1]);
    assert.match(snaps[2], /gridcell "Already shares the source’s extents: frees nothing"/, snaps[2]);
    // the glyph, now a span in its cell, is centred in its row as the file name is (it sat 3 px high)
    const offCentre = await rows.evaluateAll((trs) =>
      trs.map((tr) => {
        const g = tr.querySelector('.c-role .codicon')!.getBoundingClientRect();
        const p = tr.querySelector('.c-path')!.getBoundingClientRect();
        return Math.abs(g.top + g.height / 2 - (p.top + p.height / 2));
      }),
    );
    assert.ok(
      offCentre.every((d) => d <= 1),
      `icon centres off the name's by ${offCentre.join(', ')} px`,
    );
    await page.close();
  });
});
