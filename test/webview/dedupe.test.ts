// The Dedupe view in real Chromium: groups, totals, sort, filter, the Deduplicate flow's
// messages, restricted mode, the measured result, thousands of groups, narrow columns.
//
// Real: the bundle (dist/webview/dedupe.js), the CSP shell, Chromium, and the host's conversion
// of a plan and a report to wire messages (src/views/dedupe-data.ts), as the panel does it.
// STAND-IN: the plan and report are built here, by hand, in the engine's types (DedupePlan,
// DedupeReport in src/engine/dedupe-types.ts), so the view meets what a real file system makes
// slowly or not at all here: offsets above 2^53, 5,000 groups, every warning at once. The real
// engine's plans and reports reach the real view in test/vscode/dedupe-ui.test.ts (code-server,
// XFS). Replaced: the VS Code host, by the postMessage bridge in ./harness.ts.
//
// Run: node --import tsx --test test/webview/dedupe.test.ts   (~15 s)
// (Over 400 lines: one suite whose tests are the steps of one flow over one fixture.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { DedupePlan, DedupeReport } from '../../src/engine';
import { applyFacts, choosePlanGroups, dedupeWirePlan, dedupeWireReport } from '../../src/views/dedupe-data';
import type { DedupeWirePlan, HostMessage, WebviewMessage } from '../../src/protocol/messages';
import { chromiumSkipReason, launchChromium, type Chromium, screenshotPath } from '../support/chromium';
import { buildWebviews, frames, installBridge, startShellServer, type HostBridge, type ShellServer } from './harness';
import { hexToRgb, applyTheme } from './themes';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine } from '../../src/engine';
import { freshDir, makeFs, skipReason } from '../support/loopfs';

const skip = chromiumSkipReason();
const KiB = 1024n;
const MiB = 1024n * KiB;
const BIG = (1n << 53n) + 4096n; // an offset no double holds exactly
const D = '/mnt/xfs/proj';

/** Four groups in the engine's order shuffled on purpose: the view sorts by net saving itself. */
function samplePlan(): DedupePlan {
  return {
    groups: [
      {
        // chunks of two disk images, one of them partly a clone already
        length: 128n * KiB,
        ranges: [
          { path: `${D}/vm/disk-a.img`, offset: BIG },
          { path: `${D}/vm/disk-b.img`, offset: 0n },
          { path: `${D}/vm/disk-c.img`, offset: 256n * KiB, alreadyShared: true },
        ],
        netSaving: 128n * KiB,
        candidateBytes: 2n * 128n * KiB,
        wholeFiles: false,
        warnings: ['Part of an extent: sharing 128 KiB of a 1 MiB extent frees nothing until all of it is shared.'],
      },
      {
        // three identical ISO copies: the biggest saving
        length: 700n * MiB,
        ranges: [
          { path: `${D}/iso/debian.iso`, offset: 0n },
          { path: `${D}/iso/copy of debian.iso`, offset: 0n },
          { path: `${D}/backup/debian.iso`, offset: 0n },
        ],
        netSaving: 1400n * MiB,
        candidateBytes: 2n * 700n * MiB,
        wholeFiles: true,
        warnings: [],
      },
      {
        // already clones of each other: zero net saving
        length: 64n * MiB,
        ranges: [
          { path: `${D}/db/base.sqlite`, offset: 0n },
          { path: `${D}/db/snapshot.sqlite`, offset: 0n, alreadyShared: true },
        ],
        netSaving: 0n,
        candidateBytes: 64n * MiB,
        wholeFiles: true,
        warnings: [],
      },
      {
        length: 4n * MiB,
        ranges: [
          { path: `${D}/logs/a.log`, offset: 0n },
          { path: `${D}/logs/b.log`, offset: 0n },
        ],
        netSaving: 4n * MiB,
        candidateBytes: 4n * MiB,
        wholeFiles: true,
        warnings: [],
      },
    ],
    total: {
      groups: 4,
      candidateBytes: 2n * 128n * KiB + 2n * 700n * MiB + 64n * MiB + 4n * MiB,
      netSaving: 128n * KiB + 1400n * MiB + 4n * MiB,
      files: 17,
      hashedBytes: 2200n * MiB,
    },
    errors: [{ path: `${D}/private`, code: 'EACCES', message: 'open: permission denied (EACCES); nothing in it was examined.' }],
    notes: ['btrfs: physical offsets are logical addresses; sharing is read from FIEMAP_EXTENT_SHARED.'],
    durationMs: 2345,
  };
}

const SETTINGS = { chunk: 128n * KiB, minSize: 4n * KiB };

describe('Dedupe webview in Chromium', { skip, timeout: 120_000 }, () => {
  let server: ShellServer;
  let chromium: Chromium;
  let plan: DedupePlan;
  let wire: DedupeWirePlan;

  before(async () => {
    buildWebviews();
    plan = samplePlan();
    wire = dedupeWirePlan(plan, [D], SETTINGS);
    server = await startShellServer();
    chromium = await launchChromium('dedupe');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  });

  async function open(
    width: number,
    first: HostMessage = { type: 'dedupe', plan: wire, canApply: true },
    height = 900,
  ): Promise<{ page: Page; bridge: HostBridge }> {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width, height });
    const bridge = await installBridge(page, {
      onReady: async (b) => {
        await b.post({ type: 'dedupeProgress', phase: 'find', files: 12, bytes: String(300n * MiB), message: 'hashing' });
        await b.post(first);
      },
    });
    await page.goto(server.url('dedupe'));
    await applyTheme(page, 'dark');
    await page.waitForSelector('body[data-state="done"]');
    await frames(page, 2);
    return { page, bridge };
  }

  const text = async (page: Page, sel: string): Promise<string> => ((await page.textContent(sel)) ?? '').trim();
  const exact = (v: bigint): string => `${v.toLocaleString('en-US')} bytes`;
  /** The rows in the DOM, top to bottom: [kind, group, range, text]. */
  const rows = (page: Page) =>
    page.$$eval('.dedupe-grid .tscroll .tr', (trs) =>
      trs
        .sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top))
        .map((tr) => {
          const e = tr as HTMLElement;
          const kind = e.classList.contains('group-row') ? 'group' : e.classList.contains('warning-row') ? 'warning' : 'range';
          return {
            kind,
            group: Number(e.dataset.group),
            range: e.dataset.range === undefined ? -1 : Number(e.dataset.range),
            text: e.textContent ?? '',
            titles: [...e.children].map((c) => (c as HTMLElement).title),
          };
        }),
    );

  test('totals: groups, duplicate bytes, already shared (the ranges marked so), net saving, exact bytes as tooltips', async () => {
    const { page, bridge } = await open(1000);
    const t = plan.total;
    assert.equal(await text(page, '.kv[data-key="groups"] dd'), '4');
    assert.equal(await page.getAttribute('.kv[data-key="candidate"] dd', 'title'), exact(t.candidateBytes));
    assert.equal(await page.getAttribute('.kv[data-key="net"] dd', 'title'), exact(t.netSaving));
    // and for the keyboard and screen readers (a title reaches neither): a tab stop described so
    assert.equal(
      await page.getAttribute('.kv[data-key="net"]', 'aria-description'),
      `${exact(t.netSaving)} What sharing the duplicates would free (an estimate until it is measured).`,
    );
    assert.equal(await page.getAttribute('.kv[data-key="net"]', 'tabindex'), '0');
    // each destination of a group holds an equal share of its candidate bytes (same data layout)
    const marked = plan.groups.reduce(
      (sum, g) => sum + (g.candidateBytes * BigInt(g.ranges.filter((r) => r.alreadyShared).length)) / BigInt(g.ranges.length - 1),
      0n,
    );
    assert.equal(marked, t.candidateBytes - t.netSaving, 'here all that is not freed is already shared');
    assert.equal(await page.getAttribute('.kv[data-key="shared"] dd', 'title'), exact(marked));
    assert.equal(await text(page, '.kv[data-key="net"] dd'), '1.37 GiB'); // 1,404.125 MiB
    assert.equal(await text(page, '.kv[data-key="candidate"] dd'), '1.43 GiB'); // 1,468.25 MiB
    assert.equal(await text(page, '.kv[data-key="shared"] dd'), '64.13 MiB'); // 64 MiB of sqlite + one 128 KiB chunk
    assert.equal(await text(page, '.saving-line'), 'Sharing these frees about 1.37 GiB: 1.43 GiB duplicate, already shared: 64.13 MiB.');
    assert.match(await text(page, '.details'), /Searched in 2\.35 s · chunks of 128 KiB · files from 4 KiB/);
    assert.match(await text(page, '.details'), /btrfs: physical offsets/);
    assert.match(await text(page, '.errors summary'), /^1 path could not be examined$/);
    // a FIFO is skipped on purpose, not a failure (a trial: "1 path could not be examined" and its
    // code twice, "E_NOT_REGULAR: dedupe: … skipped (E_NOT_REGULAR)"); a message naming its code
    // is shown as it is
    const fifo = `${D}/pipe`;
    const fifoMessage = `dedupe: ${fifo} is a FIFO (named pipe), not a regular file; skipped (E_NOT_REGULAR).`;
    const errors = [...plan.errors, { path: fifo, code: 'E_NOT_REGULAR', message: fifoMessage }];
    await bridge.post({ type: 'dedupe', plan: dedupeWirePlan({ ...plan, errors }, [D], SETTINGS), canApply: true });
    await page.waitForFunction(() => document.querySelectorAll('.details details').length === 2);
    assert.deepEqual(await page.$$eval('.details details summary', (x) => x.map((e) => e.textContent)), [
      '1 path could not be examined',
      '1 special file (FIFO, socket, device) skipped',
    ]);
    assert.deepEqual(
      await page.$$eval('.details details li', (x) => x.map((e) => e.textContent)),
      // each line names its path where the message does not (a server gone mid-search: ten
      // "Nothing accepts SMB connections" alike)
      [`${D}/private: open: permission denied (EACCES); nothing in it was examined.`, fifoMessage],
    );
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), [], 'no CSP violation');
    assert.deepEqual(bridge.rejected, []);
    await page.close();
  });

  test('a saving with a lower bound (blocks shared with files that may be outside) reads as a range', async () => {
    const bounded = { ...wire, total: { ...wire.total, netSavingMin: String(plan.total.netSaving - 1000n * MiB) } };
    const { page, bridge } = await open(1000, { type: 'dedupe', plan: bounded, canApply: true });
    // no group compressed (XFS, say): compression is not named
    assert.equal(
      await text(page, '.saving-line'),
      'Sharing these frees between 404.13 MiB and 1.37 GiB: 1000 MiB of their blocks are already shared with other files, which may lie outside the selection.',
    );
    // the tile and the button's scope say the range too, never the top alone
    assert.equal(await text(page, '.kv[data-key="net"] dd'), '404.13 MiB – 1.37 GiB');
    const big = bounded.groups.reduce((a, g, i) => (BigInt(g.netSaving) > BigInt(bounded.groups[a].netSaving) ? i : a), 0);
    const perGroup = {
      ...bounded,
      groups: bounded.groups.map((g, i) => (i === big ? { ...g, netSavingMin: String(BigInt(g.netSaving) - 1000n * MiB) } : g)),
    };
    await bridge.post({ type: 'dedupe', plan: perGroup, canApply: true });
    await page.waitForFunction(() => document.querySelector('.apply-scope')?.textContent?.includes('between'));
    assert.equal(await text(page, '.apply-scope'), '3 groups, between 404.13 MiB and 1.37 GiB');
    // a group not known to the byte: its header gives the most, as such ("up to"), the range exact in the tooltip
    const compressed = {
      ...bounded,
      groups: bounded.groups.map((g, i) => (i === 0 ? { ...g, compressed: true, netSavingMin: '0' } : g)),
    };
    await bridge.post({ type: 'dedupe', plan: compressed, canApply: true });
    await page.waitForFunction(() => document.querySelector('.saving-line')?.textContent?.includes('compressed'));
    const g0 = (await rows(page)).find((x) => x.kind === 'group' && x.group === 0)!;
    assert.match(g0.text, /frees up to 128 KiB$/);
    assert.equal(g0.titles.at(-1), `Between 0 bytes and ${BigInt(compressed.groups[0].netSaving).toLocaleString('en-US')} bytes`);
    const g1 = (await rows(page)).find((x) => x.kind === 'group' && x.group === 1)!;
    assert.match(g1.text, /frees 1\.37 GiB$|frees 1\.4 GiB$/, 'exact: one figure');
    assert.equal(
      await text(page, '.saving-line'),
      'Sharing these frees between 404.13 MiB and 1.37 GiB: 1000 MiB of their blocks are already shared with other files, which may lie outside the selection, or compressed, whose size on disk is not known.',
    );
    // compressed data sized on disk (btrfs as root): one figure below the duplicate bytes, nothing already shared
    const sized = {
      ...wire,
      total: { ...wire.total, netSaving: String(500n * MiB), netSavingMin: String(500n * MiB) },
      groups: wire.groups.map((g) => ({
        ...g,
        compressed: true,
        ranges: g.ranges.map((r) => ({ file: r.file, offset: r.offset })),
      })),
    };
    await bridge.post({ type: 'dedupe', plan: sized, canApply: true });
    await page.waitForFunction(() => document.querySelector('.saving-line')?.textContent?.includes('compressed on disk'));
    // (its lower bound is the saving: exact, so not "about", a trial)
    assert.equal(await text(page, '.saving-line'), 'Sharing these frees 500 MiB: 1.43 GiB duplicate, compressed on disk.');
    // files ending in part of a block: more is freed than the duplicate bytes, and the line says why
    const tails = {
      ...wire,
      total: {
        ...wire.total,
        candidateBytes: String(1000n * 4201n),
        netSaving: String(1000n * 8192n),
        netSavingMin: String(1000n * 8192n),
      },
      groups: wire.groups.map((g) => ({ ...g, ranges: g.ranges.map((r) => ({ file: r.file, offset: r.offset })) })),
    };
    await bridge.post({ type: 'dedupe', plan: tails, canApply: true });
    await page.waitForFunction(() => document.querySelector('.saving-line')?.textContent?.includes('partial block'));
    assert.equal(
      await text(page, '.saving-line'),
      'Sharing these frees 7.81 MiB, more than the 4.01 MiB duplicate: each file’s last, partial block is freed whole.',
    );
    assert.equal(await text(page, '.kv[data-key="shared"] dd'), '0 B', 'not the difference: nothing is already shared');
    // parts of ranges already at the source's place (a dedupe cut short): the engine's count
    const part = { ...tails, groups: tails.groups.map((g, i) => ({ ...g, alreadySharedBytes: i === 0 ? String(224n * MiB) : '0' })) };
    await bridge.post({ type: 'dedupe', plan: part, canApply: true });
    await page.waitForFunction(() => document.querySelector('.kv[data-key="shared"] dd')?.textContent === '224 MiB');
    // an SMB share: where the data lies is not known, so it may free nothing (not "already shared")
    const smb = { ...bounded, groups: bounded.groups.map((g) => ({ ...g, placeUnknown: true })) };
    await bridge.post({ type: 'dedupe', plan: smb, canApply: true });
    await page.waitForFunction(() => document.querySelector('.saving-line')?.textContent?.includes('SMB'));
    assert.equal(
      await text(page, '.saving-line'),
      'Sharing these frees between 404.13 MiB and 1.37 GiB: where 1000 MiB of their data lies on disk is not known here (an SMB share), so it may already be shared and free nothing.',
    );
    // and the result: the measured figure next to that range
    const report: DedupeReport = {
      deduped: 1404n * MiB,
      alreadyShared: 0n,
      differed: 0,
      skipped: [],
      calls: 3,
      freed: 500n * MiB,
      estimated: plan.total.netSaving,
      estimatedMin: plan.total.netSaving - 1000n * MiB,
      method: 'FIDEDUPERANGE',
      notes: [],
      durationMs: 10,
    };
    await bridge.post({ type: 'dedupe', plan: bounded, canApply: false, report: dedupeWireReport(report, { groups: 3, files: 8 }) });
    await page.waitForSelector('body[data-state="done"]');
    assert.equal(
      await text(page, '.saving-line'),
      'Deduplicating freed 500 MiB (measured); the search estimated between 404.13 MiB and 1.37 GiB.',
    );
    assert.equal(await text(page, '.kv[data-key="estimated"] dd'), '404.13 MiB – 1.37 GiB');
    await page.close();
  });

  test('groups: largest net saving first, with length, ranges, paths, offsets, source and already-shared marks, warnings', async () => {
    const { page } = await open(1400);
    const r = await rows(page);
    const headers = r.filter((x) => x.kind === 'group');
    // net: ISO 1400 MiB (group 1), logs 4 MiB (3), chunk 128 KiB (0), sqlite 0 (2)
    assert.deepEqual(
      headers.map((h) => h.group),
      [1, 3, 0, 2],
    );
    assert.match(headers[0].text, /#1 · 3 identical files of 700 MiB/);
    // wide: one line each
    assert.deepEqual(
      await page.$$eval('.group-row', (rows) => rows.map((x) => (x as HTMLElement).getBoundingClientRect().height)),
      [22, 22, 22, 22],
    );
    assert.match(headers[0].text, /frees 1\.37 GiB|frees 1\.4 GiB/);
    assert.match(headers[2].text, /#3 · 3 × 128 KiB · 1 already shared/);
    assert.match(headers[3].text, /#4 · 2 identical files of 64 MiB · 1 already shared.*frees 0 B/);
    // the chunk group: its warning, then source (offset above 2^53, exact in the tooltip), a duplicate, a clone
    const chunk = r.filter((x) => x.group === 0);
    assert.deepEqual(
      chunk.map((x) => x.kind),
      ['group', 'warning', 'range', 'range', 'range'],
    );
    assert.match(chunk[1].text, /Part of an extent/);
    assert.match(chunk[2].text, /vm\/disk-a\.img@ 8 PiB · source$/);
    assert.equal(
      chunk[2].titles.at(-1),
      `Bytes ${BIG.toLocaleString('en-US')} to ${(BIG + 128n * KiB).toLocaleString('en-US')} (exclusive), 0x${BIG.toString(16)}`,
    );
    assert.equal(chunk[2].titles[2], `${D}/vm/disk-a.img`, 'the full path as tooltip');
    assert.match(chunk[3].text, /vm\/disk-b\.img@ 0$/);
    assert.match(chunk[4].text, /vm\/disk-c\.img@ 256 KiB · shared$/);
    assert.equal(await page.locator('.range-row[data-group="0"][data-range="2"] .c-offset.is-shared').count(), 1);
    // whole files: no offsets
    assert.match(r.find((x) => x.group === 1 && x.range === 1)!.text, /iso\/copy of debian\.iso$/);
    await page.screenshot({ path: screenshotPath('dedupe-1400px.png'), fullPage: true });
    // a header closes and opens its group
    await page.click('.group-row[data-group="1"]');
    assert.equal((await rows(page)).filter((x) => x.group === 1).length, 1);
    assert.match((await rows(page)).find((x) => x.group === 1)!.text, /3 ranges \(show\)/);
    await page.click('.group-row[data-group="1"]');
    assert.equal((await rows(page)).filter((x) => x.group === 1).length, 4);
    await page.close();
  });

  test('a range the apply leaves alone (wholly in extents kept whole elsewhere) is marked in its row, with why', async () => {
    const marked = {
      ...wire,
      groups: wire.groups.map((g) => ({ ...g, ranges: g.ranges.map((r, k) => (k === 1 ? { ...r, freesNothing: true } : r)) })),
    };
    const { page } = await open(1000, { type: 'dedupe', plan: marked, canApply: true });
    const row = page.locator('.range-row[data-range="1"]').first();
    await row.waitFor();
    assert.match((await row.locator('.c-offset').textContent()) ?? '', /left alone$/);
    assert.match((await row.locator('.c-role .codicon').getAttribute('class')) ?? '', /codicon-circle-slash/);
    assert.match((await row.locator('.c-role').getAttribute('title')) ?? '', /^Left alone: its extents are kept whole by other references/);
    await page.close();
  });

  test('filter: groups with a matching path, numbered as before; Deduplicate then applies the groups shown', async () => {
    const { page, bridge } = await open(1000);
    assert.equal(await text(page, '.filter-count'), '4 groups');
    assert.equal(await text(page, '.apply-scope'), '3 groups, about 1.37 GiB', 'the zero-saving group is not applied');
    await page.fill('input.filter', 'DISK-');
    assert.equal(await text(page, '.filter-count'), '1 of 4 groups');
    const r = await rows(page);
    assert.deepEqual([...new Set(r.map((x) => x.group))], [0]);
    assert.match(r[0].text, /^#3 /, 'the group keeps its number');
    assert.equal(await text(page, '.apply-scope'), '1 group shown, about 128 KiB');
    await page.click('#btn-dedupe');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'dedupeApply'), { type: 'dedupeApply', groups: [0] });
    await page.fill('input.filter', 'sqlite');
    assert.equal(await page.getAttribute('#btn-dedupe', 'disabled'), '');
    assert.equal(await text(page, '.apply-why'), 'Nothing to free among the groups shown.');
    await page.fill('input.filter', 'nothing-like-this');
    assert.equal(await text(page, '.empty'), 'No group has a path containing "nothing-like-this".');
    await page.close();
  });

  test('Deduplicate: the groups to apply, then progress and Cancel, then the measured result', async () => {
    const { page, bridge } = await open(1000);
    await page.click('#btn-dedupe');
    const m = (await bridge.waitFor((x) => x.type === 'dedupeApply')) as Extract<WebviewMessage, { type: 'dedupeApply' }>;
    assert.deepEqual([...m.groups].sort(), [0, 1, 3], 'every group that frees something, by index into the plan');
    // what the host's confirmation names, from those indexes
    const chosen = (await choosePlanGroups(plan, m.groups))!;
    // ranges that need sharing: one of the five is already shared (its file changes in no other range: 7 files change)
    const facts = applyFacts(chosen);
    assert.deepEqual(facts, { bytes: 1400n * MiB + 4n * MiB + 128n * KiB, minBytes: facts.minBytes, files: 7, groups: 3, ranges: 4 });
    // the host confirmed: it says it is running and the button goes. The progress line is the
    // host's sentence, word for word the one its notification shows (src/views/dedupe-progress.ts)
    const first = 'Deduplicating 3 groups in 7 files: checking the files first…';
    await bridge.post({ type: 'dedupeProgress', phase: 'apply', files: 0, bytes: '0', message: first });
    await page.waitForFunction((t) => document.querySelector('.progress-text')?.textContent === t, first);
    const line = 'Deduplicating 3 groups in 7 files: 1 of 3 groups done, 2 MiB of 1.37 GiB compared';
    await bridge.post({
      type: 'dedupeProgress',
      phase: 'apply',
      files: 1,
      bytes: String(2n * MiB),
      total: String(1404n * MiB),
      message: line,
    });
    await bridge.post({ type: 'dedupe', plan: wire, canApply: false, running: 'apply' });
    await page.waitForSelector('body[data-state="applying"]');
    assert.equal(await text(page, '.progress-text'), line, 'as the host said it: no numbers of its own');
    assert.equal(await page.getAttribute('#btn-dedupe', 'disabled'), '');
    assert.equal(await page.locator('.apply-why[hidden]').count(), 1, 'no reason shown while it runs');
    await page.click('#btn-cancel');
    await bridge.waitFor((x) => x.type === 'dedupeCancel');
    // the report: measured freed next to the estimate, what differed and why
    const report: DedupeReport = {
      deduped: 1400n * MiB + 128n * KiB,
      alreadyShared: 0n,
      differed: 1,
      skipped: [
        {
          path: `${D}/logs/b.log`,
          offset: 1048576n,
          length: 3n * MiB,
          reason: 'differs',
          message: 'FILE_DEDUPE_RANGE_DIFFERS: its 3145728 bytes changed since the search.',
        },
      ],
      calls: 90,
      freed: 1400n * MiB - 12n * KiB,
      estimated: chosen.total.netSaving,
      method: 'FIDEDUPERANGE',
      notes: [],
      durationMs: 1500,
    };
    // the plan is spent: the host says so; Find again comes first
    const spent = 'Deduplicate ran on these groups: Find again to see what is left.';
    await bridge.post({
      type: 'dedupe',
      plan: wire,
      canApply: false,
      cannotApplyReason: spent,
      report: dedupeWireReport({ ...report, alreadyShared: 35n * MiB }, applyFacts(chosen)),
    });
    await page.waitForSelector('body[data-state="done"]');
    assert.equal(await page.getAttribute('#btn-dedupe', 'disabled'), '');
    assert.equal(await text(page, '.apply-why'), spent);
    assert.ok(await page.isVisible('#btn-find-again'), 'Find again shown where Deduplicate was');
    assert.equal(await page.getAttribute('#btn-dedupe', 'secondary'), '');
    assert.equal(await text(page, '.report .kv[data-key="already"] dd'), '35 MiB');
    // said to be the groups run's, beside the search's own "Already shared" (the whole plan's)
    assert.equal(await text(page, '.report .kv[data-key="already"] dt'), 'Already shared (groups run)');
    // the search's totals stay, dimmed, saying what they are: the result is what happened
    assert.equal(await page.getAttribute('.results > .totals', 'class'), 'totals spent');
    assert.equal(
      await page.getAttribute('.results > .totals', 'title'),
      'What the search found before deduplicating: Find again to see what is left.',
    );
    assert.equal(await page.$eval('.results > .totals', (e) => getComputedStyle(e).opacity), '0.6');
    // the line under the totals no longer says what sharing "frees": it was measured
    assert.equal(await text(page, '.saving-line'), 'Deduplicating freed 1.37 GiB (measured); the search estimated about 1.37 GiB.');
    assert.equal(await page.getAttribute('.saving-line', 'title'), exact(report.freed));
    await page.click('#btn-find-again');
    await bridge.waitFor((x) => x.type === 'dedupeFind');
    assert.equal(
      (await page.locator('.report .meta.note').allTextContents()).filter((x) => /free/i.test(x)).length,
      1,
      'one note on what freed means',
    );
    assert.equal(await page.getAttribute('.report .kv[data-key="freed"] dd', 'title'), exact(report.freed));
    assert.equal(await page.getAttribute('.report .kv[data-key="freed"]', 'aria-description'), exact(report.freed), 'for the keyboard too');
    assert.equal(await page.getAttribute('.report .kv[data-key="estimated"] dd', 'title'), exact(report.estimated));
    assert.equal(await text(page, '.report .kv[data-key="differed"] dd'), '1');
    // the range that differed is not counted again as refused ("Skipped 1" beside "differed 1", a trial)
    assert.equal(await text(page, '.report .kv[data-key="skipped"] dt'), 'Refused');
    assert.equal(await text(page, '.report .kv[data-key="skipped"] dd'), '0');
    assert.equal(await text(page, '.report .kv[data-key="freed"] dd'), '1.37 GiB');
    assert.match(await text(page, '.report'), /FIDEDUPERANGE · 90 calls · 3 groups in 7 files · 1\.50 s/);
    // the offset exact (not a size: it read "@ 0 B"), the message's bytes grouped with their unit
    assert.equal(
      await text(page, '.report .skipped li'),
      'logs/b.log @ 1,048,576: FILE_DEDUPE_RANGE_DIFFERS: its 3,145,728 bytes (3 MiB) changed since the search.',
    );
    assert.match(await text(page, '.report'), /Freed is measured from the file system’s free space/);
    await page.screenshot({ path: screenshotPath('dedupe-result.png'), fullPage: true });
    await page.close();
  });

  test('a group whose blocks another group counts (a saving of 0, countedElsewhere) is shared by Deduplicate too', async () => {
    // Found by a fuzzer: a file and its snapshot copy in different groups free their blocks once
    // both groups move them; the later group's saving is 0, and the view left it out, so the
    // blocks the first group counted stayed allocated.
    const counted = samplePlan();
    counted.groups[2] = {
      ...counted.groups[2],
      ranges: counted.groups[2].ranges.map((r) => ({ ...r, alreadyShared: undefined })),
      countedElsewhere: 64n * MiB,
    };
    const { page, bridge } = await open(1000, { type: 'dedupe', plan: dedupeWirePlan(counted, [D], SETTINGS), canApply: true });
    await page.click('#btn-dedupe');
    const m = (await bridge.waitFor((x) => x.type === 'dedupeApply')) as Extract<WebviewMessage, { type: 'dedupeApply' }>;
    assert.deepEqual([...m.groups].sort(), [0, 1, 2, 3]);
    await page.close();
  });

  test('a deduplication cancelled part way: its report, saying so; counts a thread did not hand back read "at least"', async () => {
    const { page, bridge } = await open(1000);
    const chosen = (await choosePlanGroups(plan, [0, 1, 3]))!;
    const cancelled: DedupeReport = {
      ...{ deduped: 4n * MiB, alreadyShared: 0n, differed: 0, skipped: [], calls: 1, freed: 4n * MiB },
      ...{ estimated: chosen.total.netSaving, method: 'FIDEDUPERANGE', notes: [], durationMs: 300 },
      cancelled: { groupsDone: 1, groups: 3, countsAtLeast: false },
    };
    const post = (r: DedupeReport) =>
      bridge.post({
        type: 'dedupe',
        plan: wire,
        canApply: false,
        cannotApplyReason: 'Deduplicate ran on these groups: Find again to see what is left.',
        report: dedupeWireReport(r, applyFacts(chosen)),
      });
    await post(cancelled);
    await page.waitForSelector('body[data-state="done"]');
    assert.equal(
      await text(page, '.saving-line'),
      'Deduplicating was cancelled after 1 of 3 groups: it freed 4 MiB (measured). Every file still reads as before; what was shared stays shared (the group in progress in part), and the groups not reached are unchanged.',
    );
    assert.equal(await text(page, '.report h2'), 'Result (cancelled)');
    assert.equal(await text(page, '.report .kv[data-key="estimated"] dt'), 'Estimated (all groups)', 'the estimate is the whole plan’s');
    assert.equal(await text(page, '.report .kv[data-key="deduped"] dd'), '4 MiB');
    // the line under the figures: the calls, how many groups ran of how many (it said "3 groups" as if all had)
    assert.match(await text(page, '.report .meta'), /^FIDEDUPERANGE · 1 call · 1 of 3 groups in \d+ files · 0\.30 s$/);
    await post({ ...cancelled, cancelled: { ...cancelled.cancelled!, countsAtLeast: true } });
    await page.waitForFunction(() => document.querySelector('.report .meta')?.textContent?.includes('at least 1 call'));
    assert.equal(await text(page, '.report .kv[data-key="deduped"] dd'), 'at least 4 MiB');
    assert.equal(await text(page, '.report .kv[data-key="freed"] dd'), '4 MiB', 'freed is measured all the same');
    await page.close();
  });

  test('a server that frees later: "measuring again", then the figure measured again; less free space than before reads as such', async () => {
    const { page, bridge } = await open(1000);
    const chosen = (await choosePlanGroups(plan, [0]))!;
    const base: DedupeReport = {
      deduped: chosen.total.netSaving,
      alreadyShared: 0n,
      differed: 0,
      skipped: [],
      calls: 1,
      freed: 0n,
      estimated: chosen.total.netSaving,
      method: 'FSCTL_DUPLICATE_EXTENTS_TO_FILE (verified)',
      notes: [],
      durationMs: 120,
    };
    const post = (r: DedupeReport, remeasured?: { afterS: number; pending: boolean }) =>
      bridge.post({
        type: 'dedupe',
        plan: wire,
        canApply: false,
        cannotApplyReason: 'Deduplicate ran on these groups: Find again to see what is left.',
        report: { ...dedupeWireReport(r, applyFacts(chosen)), ...(remeasured ? { remeasured } : {}) },
      });
    await post(base, { afterS: 0, pending: true });
    await page.waitForSelector('body[data-state="done"]');
    assert.equal(await text(page, '.report .kv[data-key="freed"] dd'), '0 B');
    assert.match(
      await text(page, '.report .remeasured'),
      /^Measuring the freed space again for a minute: .*commits .* Last measured 0 s after the run\.$/,
    );
    // not "Deduplicating freed 0 B (measured)" while the server has not counted it yet (a trial)
    assert.equal(
      await text(page, '.saving-line'),
      'Deduplicating shared 128 KiB; the server has not counted any space freed yet (its file system counts it when it commits, up to 30 s). Measuring again…',
    );
    await post({ ...base, freed: chosen.total.netSaving }, { afterS: 31, pending: false });
    await page.waitForFunction(() => /measured again 31 s after/.test(document.querySelector('.report .remeasured')?.textContent ?? ''));
    assert.equal(await text(page, '.report .kv[data-key="freed"] dd'), await text(page, '.report .kv[data-key="estimated"] dd'));
    assert.match(await text(page, '.saving-line'), /^Deduplicating freed .* \(measured\)/);
    // a run that freed nothing while the file system's metadata grew: a negative change, said in words
    await post({ ...base, freed: -8192n });
    await page.waitForFunction(() => document.querySelector('.report .remeasured') === null);
    assert.equal(await text(page, '.report .kv[data-key="freed"] dd'), '-8 KiB');
    assert.match(await text(page, '.saving-line'), /^Deduplicating freed nothing: the file system uses 8 KiB more than before/);
    await page.close();
  });

  test('restricted mode: Deduplicate disabled with the reason; a click sends nothing', async () => {
    const reason = 'Deduplicate changes files, so it needs a trusted workspace.';
    const { page, bridge } = await open(1000, { type: 'dedupe', plan: wire, canApply: false, cannotApplyReason: reason });
    assert.equal(await page.getAttribute('#btn-dedupe', 'disabled'), '');
    assert.equal(await text(page, '.apply-why'), reason);
    assert.equal(await page.getAttribute('#btn-dedupe', 'title'), reason);
    await page.locator('#btn-dedupe').click({ force: true });
    await frames(page, 2);
    assert.equal(bridge.received.filter((m) => m.type === 'dedupeApply').length, 0);
    // trust granted: the host sends the state again
    await bridge.post({ type: 'dedupe', plan: wire, canApply: true });
    await page.waitForFunction(() => !document.querySelector('#btn-dedupe')!.hasAttribute('disabled'));
    assert.equal(await page.locator('.apply-why[hidden]').count(), 1);
    // nothing to deduplicate: that is the reason, not the trust it would need
    const none = dedupeWirePlan(
      { ...plan, groups: [], total: { ...plan.total, groups: 0, candidateBytes: 0n, netSaving: 0n } },
      [D],
      SETTINGS,
    );
    await bridge.post({ type: 'dedupe', plan: none, canApply: false, cannotApplyReason: reason });
    await page.waitForFunction(() => document.querySelector('.apply-why-text')?.textContent === 'Nothing to deduplicate.');
    await page.close();
  });

  test(
    'ext4 (the real engine on a loop-mounted ext4): says up front it cannot deduplicate, why and what to do; claims no saving',
    {
      skip: skipReason('ext4'),
    },
    async () => {
      const t = makeFs('ext4');
      let real: DedupePlan;
      const d = freshDir(t, 'tree');
      try {
        const data = randomBytes(4 * 1024 * 1024);
        fs.writeFileSync(path.join(d, 'data.bin'), data);
        fs.writeFileSync(path.join(d, 'data-copy.bin'), data);
        const engine = createEngine();
        try {
          real = await engine.findDuplicates([d]);
        } finally {
          await engine.dispose();
        }
      } finally {
        t.cleanup();
      }
      const why = 'ext4 cannot share blocks (EOPNOTSUPP): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).';
      assert.equal(real.cannotApply?.[0].message, why);
      const ext4 = dedupeWirePlan(real, [d], SETTINGS);
      // as the host sends it: Deduplicate not allowed, the engine's sentence as the reason
      const { page, bridge } = await open(1000, { type: 'dedupe', plan: ext4, canApply: false, cannotApplyReason: why });
      assert.equal(
        await text(page, '.saving-line'),
        'This file system cannot deduplicate: 4 MiB of identical data found, but it cannot be shared here, so nothing would be freed.',
      );
      assert.doesNotMatch(await text(page, '.results'), /frees about|frees 4 MiB/);
      assert.equal(await text(page, '.kv[data-key="candidate"] dd'), '4 MiB', 'the identical data found');
      assert.equal(await text(page, '.kv[data-key="net"] dd'), '0 B', 'no saving claimed');
      // why, with what to do, right under the disabled button; nothing about scope
      assert.equal(await text(page, '.apply-why'), why);
      assert.equal(await page.getAttribute('#btn-dedupe', 'disabled'), '');
      assert.equal(await text(page, '.apply-scope'), '');
      // the group is listed, its files named, and it says it cannot be shared (its tooltip: why)
      const header = (await rows(page)).find((r) => r.kind === 'group')!;
      assert.match(header.text, /#1 · 2 identical files of 4 MiB.*cannot share here$/);
      assert.equal(header.titles.at(-1), why);
      assert.deepEqual(
        (await rows(page))
          .filter((r) => r.kind === 'range')
          .map((r) => r.text.replace(/source$/, '').trim())
          .sort(),
        ['data-copy.bin', 'data.bin'],
      );
      // even were the host to allow it, the view does not offer to share what cannot be shared
      await bridge.post({ type: 'dedupe', plan: ext4, canApply: true });
      await frames(page, 2);
      assert.equal(await page.getAttribute('#btn-dedupe', 'disabled'), '');
      assert.equal(await text(page, '.apply-why'), why);
      await page.screenshot({ path: screenshotPath('dedupe-ext4.png'), fullPage: true });
      await page.close();
    },
  );

  test('btrfs: every file holding the data is counted and named, the read-only ones marked; warnings read in full, wrapped', async () => {
    const S = '/mnt/btrfs';
    const warnings = [
      "1 more range is in files the kernel will not change for this user (a read-only snapshot or file system, an immutable file, another user's file without write permission): listed as read-only, left as they are, and their blocks stay allocated.",
      "50331648 bytes of the other ranges share their blocks with data the plan leaves in place (a clone, a copy in a read-only snapshot, or a group's source): sharing them frees nothing, so they are left out of the saving.",
    ];
    const snap: DedupePlan = {
      ...plan,
      groups: [
        {
          length: 48n * MiB,
          ranges: [
            { path: `${S}/snap-ro/db.dat`, offset: 0n, readOnly: true },
            { path: `${S}/snap-rw/db-copy.dat`, offset: 0n },
            { path: `${S}/snap-rw/db.dat`, offset: 0n, alreadyShared: true },
            { path: `${S}/vol/db-copy.dat`, offset: 0n },
            { path: `${S}/vol/db.dat`, offset: 0n, alreadyShared: true },
          ],
          readOnly: [{ path: `${S}/snap-ro/db-copy.dat`, offset: 0n, readOnly: true }],
          netSaving: 0n,
          candidateBytes: 4n * 48n * MiB,
          wholeFiles: true,
          warnings,
        },
      ],
      total: { ...plan.total, groups: 1, candidateBytes: 4n * 48n * MiB, netSaving: 0n },
      errors: [],
    };
    const wire6 = dedupeWirePlan(snap, [S], SETTINGS);
    const { page, bridge } = await open(700, { type: 'dedupe', plan: wire6, canApply: true });
    const r = await rows(page);
    const header = r.find((x) => x.kind === 'group')!;
    assert.match(header.text, /#1 · 6 identical files of 48 MiB · 2 already shared · 2 read-only/, 'six files hold the data');
    const ranges = r.filter((x) => x.kind === 'range');
    assert.equal(ranges.length, 6, 'a row for each');
    assert.match(ranges[0].text, /snap-ro\/db\.datsource · read-only$/);
    assert.match(ranges[5].text, /snap-ro\/db-copy\.datread-only$/);
    assert.equal(await page.locator('.range-row[data-group="0"][data-range="5"] .codicon-lock').count(), 1);
    // the read-only copy is a range like the others: selected, opened, revealed by index
    await page.dblclick('.range-row[data-group="0"][data-range="5"]');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'dedupeOpen'), { type: 'dedupeOpen', group: 0, range: 5 });
    // the warnings' text in the text colour (a paragraph in the warning colour read at ~3:1 on a
    // light theme), their icon in the warning colour
    const [text, icon, fg] = await page.$eval('.warning-row', (tr) => [
      getComputedStyle(tr.querySelector('.c-warning')!).color,
      getComputedStyle(tr.querySelector('.c-warning .codicon')!).color,
      getComputedStyle(document.body).getPropertyValue('--vscode-foreground').trim(),
    ]);
    assert.equal(text, `rgb(${hexToRgb(fg).join(', ')})`);
    assert.notEqual(icon, text);
    // the warnings: every word on screen, wrapped over more than one line, nothing cut off
    // (with the page's fonts: a font arriving later makes the view measure them again)
    await page.evaluate(() => document.fonts.ready);
    await frames(page, 2);
    const shown = await page.$$eval('.warning-row', (trs) =>
      trs.map((tr) => {
        const c = tr.querySelector('.c-warning') as HTMLElement;
        const box = c.getBoundingClientRect();
        return {
          text: c.textContent ?? '',
          height: (tr as HTMLElement).getBoundingClientRect().height,
          cut: c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1 || getComputedStyle(c).textOverflow === 'ellipsis',
          inside: box.bottom <= (tr as HTMLElement).getBoundingClientRect().bottom + 0.5,
        };
      }),
    );
    assert.deepEqual(
      shown.map((w) => w.text),
      [warnings[0], warnings[1].replace('50331648 bytes', '50,331,648 bytes (48 MiB)')],
    );
    for (const w of shown) {
      assert.ok(w.height > 22 * 1.5, `wrapped: ${w.height} px`);
      assert.ok(!w.cut && w.inside, `not cut: ${JSON.stringify(w)}`);
    }
    // the rows below start where the warnings end: none overlaps another
    const tops = await page.$$eval('.dedupe-grid .tscroll .tr', (trs) =>
      trs
        .map((tr) => (tr as HTMLElement).getBoundingClientRect())
        .sort((a, b) => a.top - b.top)
        .map((b) => [b.top, b.bottom]),
    );
    for (let i = 1; i < tops.length; i++) assert.ok(tops[i][0] >= tops[i - 1][1] - 0.5, `row ${i} overlaps the one above`);
    // narrower: still in full (measured again at the new width)
    await page.setViewportSize({ width: 360, height: 900 });
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.warning-row')].every((tr) => {
        const c = tr.querySelector('.c-warning') as HTMLElement;
        return c.scrollHeight <= c.clientHeight + 1 && tr.getBoundingClientRect().height > 22 * 3;
      }),
    );
    await page.screenshot({ path: screenshotPath('dedupe-read-only.png'), fullPage: true });
    // a larger editor font (a theme variable; the width stays): measured again, still in full
    await page.evaluate(() => document.documentElement.style.setProperty('--vscode-font-size', '19px'));
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.warning-row')].every((tr) => {
          const c = tr.querySelector('.c-warning') as HTMLElement;
          return c.scrollHeight <= c.clientHeight + 1 && c.getBoundingClientRect().bottom <= tr.getBoundingClientRect().bottom + 0.5;
        }),
      undefined,
      { timeout: 5_000 },
    );
    await page.close();
  });

  test('a range: click selects, double-click opens the inspector, Reveal in Explorer, Find again — by index only', async () => {
    const { page, bridge } = await open(1000);
    await page.click('.range-row[data-group="3"][data-range="1"]');
    assert.equal(await page.getAttribute('body', 'data-selected'), '3/1');
    await page.dblclick('.range-row[data-group="0"][data-range="2"]');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'dedupeOpen'), { type: 'dedupeOpen', group: 0, range: 2 });
    await page.click('#btn-reveal');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'dedupeReveal'), { type: 'dedupeReveal', group: 0, range: 2 });
    await page.click('#btn-find');
    assert.deepEqual(await bridge.waitFor((m) => m.type === 'dedupeFind'), { type: 'dedupeFind' });
    await page.click('.range-row[data-group="0"][data-range="2"]'); // focus back in the list
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('body', 'data-selected'), '', "the next group's header (dedupe-keyboard.test.ts)");
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('body', 'data-selected'), '2/0', 'its first range (the sqlite group)');
    await page.keyboard.press('Enter');
    await bridge.waitFor((m) => m.type === 'dedupeOpen' && m.group === 2);
    assert.deepEqual(bridge.rejected, []);
    await page.close();
  });

  test('an error from the host: the banner with the code; nothing found: said so', async () => {
    const { page, bridge } = await open(800);
    await bridge.post({ type: 'error', code: 'E_UNSUPPORTED', message: 'findDuplicates: deduplication is not implemented yet.' });
    await page.waitForSelector('body[data-state="error"]');
    assert.equal(await text(page, '.banner-code'), 'E_UNSUPPORTED');
    assert.equal(await page.getAttribute('.banner', 'class'), 'banner');
    // a Cancel is a state, not a failure: neutral, no code (src/views/dedupe-panel.ts's sentence)
    await bridge.post({ type: 'error', code: 'E_CANCELLED', message: 'The search was cancelled; nothing was changed.' });
    await page.waitForSelector('body[data-state="cancelled"]');
    assert.equal(await page.getAttribute('.banner', 'class'), 'banner neutral');
    assert.equal(await text(page, '.banner-code'), '');
    assert.equal(await page.locator('.banner .codicon-info').count(), 1);
    await page.click('#btn-find');
    await bridge.waitFor((m) => m.type === 'dedupeFind');
    const none = dedupeWirePlan(
      { ...plan, groups: [], total: { ...plan.total, groups: 0, candidateBytes: 0n, netSaving: 0n }, errors: [] },
      [D],
      SETTINGS,
    );
    await bridge.post({ type: 'dedupeProgress', phase: 'find', files: 1, bytes: '0', message: '' });
    await bridge.post({ type: 'dedupe', plan: none, canApply: true });
    await page.waitForSelector('body[data-state="done"]');
    assert.equal(await text(page, '.empty'), 'No duplicate data found in the selection.');
    assert.equal(await text(page, '.apply-why'), 'Nothing to deduplicate.');
    assert.equal(await text(page, '.saving-line'), '', 'no "frees about 0 B" beside the empty list');
    // identical data only in files that cannot be changed: not "no duplicate data found"
    await page.click('#btn-find');
    await bridge.waitFor((m) => m.type === 'dedupeFind');
    const locked = dedupeWirePlan(
      { ...plan, groups: [], total: { ...plan.total, groups: 0, candidateBytes: 0n, netSaving: 0n, lockedIn: 2 }, errors: [] },
      [D],
      SETTINGS,
    );
    await bridge.post({ type: 'dedupe', plan: locked, canApply: true });
    await page.waitForFunction(() => document.querySelector('.empty')?.textContent?.startsWith('No duplicate data that can be shared'));
    assert.equal(
      await text(page, '.empty'),
      'No duplicate data that can be shared: the 2 sets of identical data found are in files this user may not change (see the notes).',
    );
    // and Deduplicate does not say there is nothing (a trial: the CLI's --apply said "nothing to apply", exit 0)
    assert.equal(
      await text(page, '.apply-why'),
      'Nothing can be deduplicated: the identical data found is only in files this user may not change (the notes say why and what to do).',
    );
    // nothing found but paths failed: said plainly, first error shown, no claim about them
    const failed = dedupeWirePlan(
      {
        ...plan,
        groups: [],
        total: { ...plan.total, groups: 0, candidateBytes: 0n, netSaving: 0n, files: 3 },
        errors: [
          { path: `${D}/secret`, code: 'EACCES', message: `open ${D}/secret: permission denied (EACCES).` },
          { path: `${D}/gone`, code: 'ENOENT', message: 'gone' },
        ],
      },
      [D],
      SETTINGS,
    );
    await bridge.post({ type: 'dedupe', plan: failed, canApply: true });
    await page.waitForFunction(() => document.querySelector('.empty')!.textContent!.includes('could not'));
    assert.equal(
      await text(page, '.empty'),
      `2 paths could not be examined; the first: EACCES: open ${D}/secret: permission denied (EACCES). No duplicate data found in the 3 files examined.`,
    );
    // and with identical data no one here may change among the files examined: said, after the errors
    const failedLocked = { ...failed, total: { ...failed.total, lockedIn: 1 } };
    await bridge.post({ type: 'dedupe', plan: failedLocked, canApply: true });
    await page.waitForFunction(() => document.querySelector('.empty')!.textContent!.includes('can be shared'));
    assert.equal(
      await text(page, '.empty'),
      `2 paths could not be examined; the first: EACCES: open ${D}/secret: permission denied (EACCES). ` +
        'No duplicate data that can be shared: the 1 set of identical data found is in files this user may not change (see the notes).',
    );
    await page.close();
  });

  test('malformed host messages are ignored', async () => {
    const { page, bridge } = await open(800);
    const bad = JSON.parse(JSON.stringify(wire)) as DedupeWirePlan;
    bad.groups[0].ranges[0].file = 99; // names a file that is not in the plan
    await bridge.post({ type: 'dedupe', plan: bad, canApply: true });
    await bridge.post({
      type: 'dedupe',
      plan: { ...wire, groups: [{ ...wire.groups[0], ranges: [wire.groups[0].ranges[0]] }] },
      canApply: true,
    });
    await bridge.post({ type: 'dedupeProgress', phase: 'nope', files: 1, bytes: '1', message: '' });
    await bridge.post({ type: 'dedupe', plan: { ...wire, total: { ...wire.total, netSaving: '-1' } }, canApply: true });
    assert.equal(await page.getAttribute('body', 'data-ignored'), '4');
    assert.equal(await page.locator('.group-row').count(), 4, 'still the real plan');
    await page.close();
  });

  test('5,000 groups: drawn within 1 s, only a screenful of rows in the DOM, filtering is quick; big groups start closed', async () => {
    const groups = Array.from({ length: 5000 }, (_, i) => ({
      length: 128n * KiB,
      ranges: Array.from({ length: i % 100 === 0 ? 40 : 2 + (i % 3) }, (_, k) => ({
        path: `/big/d${i % 40}/f${i}-${k}.bin`,
        offset: BigInt(k) * 128n * KiB,
      })),
      netSaving: BigInt(1 + (i % 3)) * 128n * KiB,
      candidateBytes: BigInt(i % 100 === 0 ? 39 : 1 + (i % 3)) * 128n * KiB,
      wholeFiles: false,
      warnings: [],
    }));
    const big = dedupeWirePlan(
      { ...plan, groups, errors: [], notes: [], total: { ...plan.total, groups: groups.length } },
      ['/big'],
      SETTINGS,
    );
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 1000, height: 900 });
    await installBridge(page, {});
    await page.goto(server.url('dedupe'));
    await page.waitForFunction(() => document.querySelector('.toolbar'));
    const ms = await page.evaluate(async (p) => {
      const t0 = performance.now();
      window.postMessage({ type: 'dedupe', plan: p, canApply: true }, '*');
      await new Promise<void>((resolve) => {
        const check = () => (document.body.dataset.state === 'done' ? requestAnimationFrame(() => resolve()) : setTimeout(check, 5));
        check();
      });
      return performance.now() - t0;
    }, big);
    // Speed is never asserted by a timed test (a loaded machine would fail it): logged only.
    console.log(`# 5,000 groups drawn in ${ms.toFixed(0)} ms`);
    assert.equal(await text(page, '.filter-count'), '5,000 groups');
    assert.ok((await page.locator('.dedupe-grid .tscroll .tr').count()) < 100, 'only a screenful of rows in the DOM');
    // a new state for the same plan (trust granted, a report) keeps the place in the list
    await page.evaluate(() => (document.querySelector('.dedupe-grid .tscroll')!.scrollTop = 22 * 3000));
    await page.evaluate((p) => window.postMessage({ type: 'dedupe', plan: p, canApply: false, cannotApplyReason: 'r' }, '*'), big);
    await page.waitForFunction(() => document.querySelector('.apply-why-text')?.textContent === 'r');
    assert.equal(await page.evaluate(() => document.querySelector('.dedupe-grid .tscroll')!.scrollTop), 22 * 3000);
    await page.evaluate(() => (document.querySelector('.dedupe-grid .tscroll')!.scrollTop = 0));
    // the first group shown has the largest saving (3 chunks), group 0 (40 ranges) starts closed
    const first = await page.$eval('.group-row', (e) => (e as HTMLElement).dataset.group);
    assert.equal(Number(first) % 3, 2);
    await page.fill('input.filter', 'f0-');
    assert.equal(await text(page, '.filter-count'), '1 of 5,000 groups');
    assert.match(await text(page, '.group-row'), /40 ranges \(show\)/);
    await page.close();
  });

  for (const width of [320, 520]) {
    test(`layout at ${width} px: no horizontal overflow, paths shortened, the saving column kept`, async () => {
      const { page } = await open(width, undefined, 800);
      await page.click('.range-row[data-group="1"][data-range="1"]');
      const m = await page.evaluate(() => {
        const net = document.querySelector('.group-row .c-net') as HTMLElement;
        const pathCell = document.querySelector('.range-row .c-path') as HTMLElement;
        return {
          scrollW: document.documentElement.scrollWidth,
          clientW: document.documentElement.clientWidth,
          netRight: net.getBoundingClientRect().right,
          netVisible: net.getBoundingClientRect().width > 20,
          pathW: pathCell.getBoundingClientRect().width,
          // cut inside: the file's own name (the end of the path) stays in view
          pathEndShown:
            (pathCell.querySelector('.p-ltr') as HTMLElement).getBoundingClientRect().right <= pathCell.getBoundingClientRect().right + 0.5,
          gridRight: document.querySelector('.dedupe-grid')!.getBoundingClientRect().right,
        };
      });
      assert.ok(m.scrollW <= m.clientW, `no horizontal overflow (${m.scrollW} > ${m.clientW})`);
      assert.ok(m.netVisible && m.netRight <= m.gridRight + 0.5, 'the net saving stays visible');
      assert.ok(m.pathW > 60, `the path keeps room (${m.pathW} px)`);
      assert.ok(m.pathEndShown, 'a long path gives way before its end');
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
      // every group header reads in full: one line when wide, two when narrow (what it is; then
      // what is already shared beside what it frees)
      const headers = await page.$$eval('.group-row', (rows) =>
        rows.map((r) => ({
          h: (r as HTMLElement).getBoundingClientRect().height,
          cut: [...r.querySelectorAll('.g-what, .g-more, .c-net')]
            .filter((c) => (c as HTMLElement).scrollWidth > (c as HTMLElement).clientWidth + 1)
            .map((c) => c.textContent),
        })),
      );
      assert.ok(headers.length >= 4);
      for (const x of headers) {
        assert.deepEqual(x.cut, [], `nothing cut at ${width} px`);
        assert.equal(x.h, 40, 'two lines below 640 px');
      }
      if (width === 320) await page.screenshot({ path: screenshotPath('dedupe-320px.png'), fullPage: true });
      await page.close();
    });
  }
});
