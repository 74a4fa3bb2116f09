// Fixes from a user trial of the Dedupe view, in real Chromium: a result where nothing was
// deduplicated (every range refused, XFS without reflink) says so and why, not in a result's
// green; ranges that changed since the search or were refused are the first reasons freed falls
// short of the estimate; an exact estimate (btrfs as root) is not "about"; the result's figures
// keep one row in a wide column; the sentence a run ends on is framed only after keys. An SMB
// server stopped while deduplicating: the banner's "Before that, N bytes were shared" reads with
// digit groups and a unit, as the notification does (it showed "75497472 bytes").
// STAND-IN: the plans and reports are built here in the engine's types (as dedupe.test.ts does,
// after the trial's own: a group of d1, its clone d1-clone, d2 and d3 of 6 MiB); the view, the
// CSP shell and Chromium are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { DedupePlan, DedupeReport } from '../../src/engine';
import { dedupeWirePlan, dedupeWireReport } from '../../src/views/dedupe-data';
import type { DedupeWirePlan } from '../../src/protocol/messages';
import { chromiumSkipReason, launchChromium, screenshotPath, type Chromium } from '../support/chromium';
import { buildWebviews, frames, installBridge, startShellServer, type HostBridge, type ShellServer } from './harness';
import { applyTheme } from './themes';

const skip = chromiumSkipReason();
const MiB = 1024n * 1024n;
const D = '/mnt/btrfs/ws/fresh';
const SPENT = 'Deduplicate ran on these groups: Find again to see what is left.';

/** The trial's group: d1 the source, d1-clone already its clone, d2 and d3 to share; exact where `exact`. */
function freshPlan(exact: boolean): DedupePlan {
  const g = {
    length: 6n * MiB,
    ranges: [
      { path: `${D}/d1`, offset: 0n },
      { path: `${D}/d1-clone`, offset: 0n, alreadyShared: true },
      { path: `${D}/d2`, offset: 0n },
      { path: `${D}/d3`, offset: 0n },
    ],
    netSaving: 12n * MiB,
    ...(exact ? { netSavingMin: 12n * MiB } : {}),
    candidateBytes: 18n * MiB,
    alreadySharedBytes: 6n * MiB,
    wholeFiles: true,
    warnings: [],
  };
  return {
    groups: [g],
    total: {
      groups: 1,
      candidateBytes: 18n * MiB,
      netSaving: 12n * MiB,
      ...(exact ? { netSavingMin: 12n * MiB } : {}),
      files: 4,
      hashedBytes: 18n * MiB,
    },
    errors: [],
    notes: [],
    durationMs: 390,
  };
}

const report = (r: Partial<DedupeReport>): DedupeReport => ({
  ...{ deduped: 0n, alreadyShared: 0n, differed: 0, skipped: [], calls: 1, freed: 0n, estimated: 12n * MiB },
  ...{ method: 'FIDEDUPERANGE', notes: [], durationMs: 30 },
  ...r,
});
const refusal = (name: string) => ({
  path: `${D}/${name}`,
  offset: 0n,
  length: 6n * MiB,
  reason: 'EOPNOTSUPP',
  message: `dedupe: ioctl(FIDEDUPERANGE) failed on ${D}/d1 -> ${D}/${name}: this file system cannot share identical data between files (EOPNOTSUPP).`,
});
const change = (name: string) => ({
  path: `${D}/${name}`,
  offset: 0n,
  length: 6n * MiB,
  reason: 'differs',
  message: `changed since the search: ${D}/${name} at 0 (6291456 bytes): the bytes differ (FILE_DEDUPE_RANGE_DIFFERS)`,
});

describe('Dedupe view: fixes from a user trial', { skip, timeout: 90_000 }, () => {
  let server: ShellServer;
  let chromium: Chromium;

  before(async () => {
    buildWebviews();
    server = await startShellServer();
    chromium = await launchChromium('dedupe-result-reasons');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  });

  async function open(width: number, plan: DedupeWirePlan): Promise<{ page: Page; bridge: HostBridge }> {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width, height: 800 });
    const bridge = await installBridge(page, { onReady: (b) => b.post({ type: 'dedupe', plan, canApply: true }) });
    await page.goto(server.url('dedupe'));
    await applyTheme(page, 'dark');
    await page.waitForSelector('body[data-state="done"]');
    return { page, bridge };
  }
  const text = async (page: Page, sel: string) => ((await page.textContent(sel)) ?? '').trim();
  const showReport = async (bridge: HostBridge, page: Page, plan: DedupeWirePlan, r: DedupeReport, files = 3) => {
    await bridge.post({
      type: 'dedupe',
      plan,
      canApply: false,
      cannotApplyReason: SPENT,
      report: dedupeWireReport(r, { groups: 1, files }),
    });
    await page.waitForSelector('.report:not([hidden])');
    await frames(page, 2);
  };
  const wire = (exact: boolean) => dedupeWirePlan(freshPlan(exact), [D], { chunk: 128n * 1024n, minSize: 4096n });

  test('every range refused (XFS without reflink): "Nothing was deduplicated" and why, not a success', async () => {
    const plan = wire(false);
    const { page, bridge } = await open(1000, plan);
    await showReport(bridge, page, plan, report({ skipped: [refusal('d2'), refusal('d3')], estimated: 12n * MiB }));
    assert.equal(await text(page, '.saving-line'), 'Nothing was deduplicated. 2 ranges were refused (see why below).');
    assert.equal(await text(page, '.report h2'), 'Result: nothing was deduplicated');
    assert.equal(await page.getAttribute('.report', 'data-outcome'), 'nothing');
    const colours = await page.$eval('.report', (e) => ({
      border: getComputedStyle(e).borderLeftColor,
      green: getComputedStyle(document.body).getPropertyValue('--el-chart-green').trim(),
    }));
    const probe = await page.evaluate((c) => {
      const s = document.createElement('span');
      s.style.color = c;
      document.body.appendChild(s);
      const v = getComputedStyle(s).color;
      s.remove();
      return v;
    }, colours.green);
    assert.notEqual(colours.border, probe, 'not the green of a result that worked');
    // freed is 0: the generic "other activity on the volume" explanation is not given as the reason
    assert.doesNotMatch(await text(page, '.report'), /other activity on the volume/);
    assert.match(await text(page, '.report .skipped li'), /^d2 @ 0: EOPNOTSUPP — /);
    await page.screenshot({ path: screenshotPath('dedupe-nothing-deduplicated.png') });
    // one refused, one changed: each said, whole sentences per count
    await showReport(bridge, page, plan, report({ differed: 1, skipped: [change('d3'), refusal('d2')] }));
    assert.equal(
      await text(page, '.saving-line'),
      'Nothing was deduplicated. 1 range was refused (see why below). 1 range had changed since the search and was left alone.',
    );
    // a file that shrank (E_CHANGED, our code) reads as a change, in the engine's words alone: not
    // "E_CHANGED — …" nor "changed since the search — … changed since the scan" (a review)
    const shrank = {
      path: `${D}/d4`,
      offset: 0n,
      length: 6n * MiB,
      reason: 'E_CHANGED',
      message: `dedupe: ${D}/d4: it is shorter than when it was scanned (4096 bytes now; it shrank); left alone (E_CHANGED).`,
    };
    await showReport(bridge, page, plan, report({ differed: 2, skipped: [change('d3'), shrank] }));
    assert.deepEqual(await page.$$eval('.report .skipped li', (ls) => ls.map((l) => (l.textContent ?? '').trim())), [
      `d3 @ 0: changed since the search: ${D}/d3 at 0 (6,291,456 bytes, 6 MiB): the bytes differ (FILE_DEDUPE_RANGE_DIFFERS)`,
      `d4 @ 0: dedupe: ${D}/d4: it is shorter than when it was scanned (4,096 bytes (4 KiB) now; it shrank); left alone (E_CHANGED).`,
    ]);
    await page.close();
  });

  test('freed below the estimate: the ranges refused, then those that changed, then the generic remainder', async () => {
    const plan = wire(false);
    const { page, bridge } = await open(1000, plan);
    // the trial: d3 changed between find and apply; d2 shared, d1-clone was already
    await showReport(
      bridge,
      page,
      plan,
      report({ deduped: 6n * MiB, alreadyShared: 6n * MiB, differed: 1, skipped: [change('d3')], freed: 6n * MiB }),
    );
    assert.equal(await page.getAttribute('.report', 'data-outcome'), 'partial');
    await page.screenshot({ path: screenshotPath('dedupe-result-changed.png') });
    assert.equal(await text(page, '.report h2'), 'Result');
    assert.equal(
      await text(page, '.report .freed-why'),
      'Freed is measured from the file system’s free space before and after; the estimate was for the whole plan. 1 range had changed since the search and freed nothing (6 MiB long, holes included). The file system’s own metadata (sharing splits files into more extents, which the file system may keep track of in blocks of its own), other activity on the volume and extents still held by files outside the selection make up the rest of the difference.',
    );
    await showReport(
      bridge,
      page,
      plan,
      report({ deduped: 0n, alreadyShared: 6n * MiB, differed: 1, skipped: [change('d3'), refusal('d2')], freed: 0n }),
    );
    assert.equal(
      await text(page, '.report .freed-why'),
      'Freed is measured from the file system’s free space before and after; the estimate was for the whole plan. 1 range was refused and freed nothing (6 MiB long, holes included). 1 range had changed since the search and freed nothing (6 MiB long, holes included). The file system’s own metadata (sharing splits files into more extents, which the file system may keep track of in blocks of its own), other activity on the volume and extents still held by files outside the selection make up the rest of the difference.',
    );
    await page.close();
  });

  test('what else makes freed differ names the file system the run was on (a trial: "XFS keeps…" on btrfs)', async () => {
    const plan = wire(false);
    const { page, bridge } = await open(1000, plan);
    const why = async (fileSystems?: string[]) => {
      await showReport(
        bridge,
        page,
        plan,
        report({ deduped: 12n * MiB, freed: 12n * MiB + 65536n, ...(fileSystems ? { fileSystems } : {}) }),
      );
      return text(page, '.report .freed-why');
    };
    const lead = 'Freed is measured from the file system’s free space before and after, so the file system’s own metadata counts too (';
    const tail =
      '). That, other activity on the volume and extents still held by files outside the selection make it differ from the estimate.';
    assert.equal(
      await why(['btrfs']),
      `${lead}btrfs frees the checksums and extent items of the extents it frees, and keeps an item for each extent sharing splits files into${tail}`,
    );
    assert.equal(
      await why(['xfs']),
      `${lead}sharing splits files into more extents, and XFS keeps the extent map of a file in more than about 20 extents in blocks of its own${tail}`,
    );
    // none named (a share): said in general
    assert.equal(
      await why(),
      `${lead}sharing splits files into more extents, which the file system may keep track of in blocks of its own${tail}`,
    );
    await page.close();
  });

  test('a cancelled run: the cancel is why freed falls short, not metadata or other activity on the volume', async () => {
    const plan = wire(false);
    const { page, bridge } = await open(1000, plan);
    // the trial: 4 copies of 256 MiB on XFS, cancelled after the first 48 MiB of 768 MiB were shared
    await showReport(
      bridge,
      page,
      plan,
      report({ deduped: 2n * MiB, freed: 2n * MiB, cancelled: { groupsDone: 0, groups: 1, countsAtLeast: false } }),
    );
    assert.equal(await text(page, '.report h2'), 'Result (cancelled)');
    assert.equal(
      await text(page, '.report .freed-why'),
      'Freed is measured from the file system’s free space before and after; the estimate was for the whole plan, and the run was cancelled before its end: what it did not reach freed nothing.',
    );
    await page.close();
  });

  test('after a run, whole or cancelled, the view says once that Find again shows what is left (a trial: twice)', async () => {
    const plan = wire(false);
    const { page, bridge } = await open(1000, plan);
    const said = async () => ((await page.innerText('body')).match(/Find again (to see|shows) what is left/g) ?? []).length;
    await showReport(bridge, page, plan, report({ deduped: 12n * MiB, freed: 12n * MiB }));
    assert.equal(await said(), 1, await page.innerText('body'));
    await showReport(
      bridge,
      page,
      plan,
      report({ deduped: 2n * MiB, freed: 2n * MiB, cancelled: { groupsDone: 0, groups: 1, countsAtLeast: false } }),
    );
    assert.equal(await said(), 1, await page.innerText('body'));
    assert.equal(await text(page, '.apply-why'), SPENT);
    await page.close();
  });

  test('Find again after Deduplicate, nothing left to free: no "0 groups, about 0 B" beside the disabled button, only why', async () => {
    // the trial's group once shared: every range beyond the source already shares its extents
    const spent = freshPlan(true);
    const g = spent.groups[0];
    spent.groups[0] = {
      ...g,
      ranges: g.ranges.map((r, i) => (i === 0 ? r : { ...r, alreadyShared: true })),
      netSaving: 0n,
      netSavingMin: 0n,
    };
    spent.total = { ...spent.total, netSaving: 0n, netSavingMin: 0n };
    const plan = dedupeWirePlan(spent, [D], { chunk: 128n * 1024n, minSize: 4096n });
    const { page } = await open(1000, plan);
    assert.equal(await page.getAttribute('#btn-dedupe', 'disabled'), '');
    assert.match(await text(page, '.apply-why'), /^Nothing to free: every duplicate is already shared/);
    assert.equal(await text(page, '.apply-scope'), '');
    await page.fill('input.filter', 'd2');
    assert.equal(await text(page, '.apply-why'), 'Nothing to free among the groups shown.');
    assert.equal(await text(page, '.apply-scope'), '');
    await page.close();
  });

  test('an exact estimate (btrfs as root: its lower bound is the saving) is not "about"; a bounded-less one still is', async () => {
    const exact = wire(true);
    const { page, bridge } = await open(1000, exact);
    assert.equal(await text(page, '.saving-line'), 'Sharing these frees 12 MiB: 18 MiB duplicate, already shared: 6 MiB.');
    assert.equal(await text(page, '.apply-scope'), '1 group, 12 MiB');
    await showReport(
      bridge,
      page,
      exact,
      report({ deduped: 12n * MiB, alreadyShared: 6n * MiB, freed: 12n * MiB, estimated: 12n * MiB, estimatedMin: 12n * MiB }),
    );
    assert.equal(await text(page, '.saving-line'), 'Deduplicating freed 12 MiB (measured); the search estimated 12 MiB.');
    // a plan that does not say its lower bound: "about", as before
    const loose = wire(false);
    await bridge.post({ type: 'dedupe', plan: loose, canApply: true });
    await page.waitForFunction(() => document.querySelector('.report')?.hasAttribute('hidden'));
    assert.equal(await text(page, '.saving-line'), 'Sharing these frees about 12 MiB: 18 MiB duplicate, already shared: 6 MiB.');
    assert.equal(await text(page, '.apply-scope'), '1 group, about 12 MiB');
    await page.close();
  });

  for (const width of [1000, 1400]) {
    test(`the result's figures on one row at ${width} px (a trial: "Calls" wrapped onto a row of its own)`, async () => {
      const plan = wire(false);
      const { page, bridge } = await open(width, plan);
      await showReport(
        bridge,
        page,
        plan,
        report({ deduped: 6n * MiB, alreadyShared: 6n * MiB, differed: 1, skipped: [change('d3')], freed: 6n * MiB, calls: 1 }),
      );
      const tops = await page.$$eval('.report .kv', (els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
      assert.ok(tops.length >= 6, `every figure: ${tops.length}`);
      assert.ok(
        tops.every((t) => t === tops[0]),
        `one row: ${tops.join()}`,
      );
      assert.match(await text(page, '.report .meta'), /^FIDEDUPERANGE · 1 call · 1 group in 3 files · 0\.03 s$/);
      await page.close();
    });
  }

  test('the sentence a run ends on: no focus frame after a click, a thin one after keys', async () => {
    const plan = wire(false);
    const outline = (page: Page) =>
      page.$eval('.saving-line', (e) => ({
        focused: document.activeElement === e,
        style: getComputedStyle(e).outlineStyle,
        width: getComputedStyle(e).outlineWidth,
      }));
    for (const how of ['click', 'keys'] as const) {
      const { page, bridge } = await open(1000, plan);
      if (how === 'click') await page.click('#btn-dedupe');
      else {
        await page.focus('#btn-dedupe');
        await page.keyboard.press('Enter');
      }
      await bridge.waitFor((m) => m.type === 'dedupeApply');
      await bridge.post({ type: 'dedupeProgress', phase: 'apply', files: 1, bytes: '0', total: '100', message: 'Deduplicating…' });
      await page.waitForSelector('body[data-state="applying"]');
      await showReport(bridge, page, plan, report({ deduped: 12n * MiB, alreadyShared: 6n * MiB, freed: 12n * MiB }));
      await page.waitForSelector('body[data-state="done"]');
      const o = await outline(page);
      assert.equal(o.focused, true, `${how}: the keyboard's place is the sentence`);
      if (how === 'click') assert.equal(o.style, 'none', 'after a click: no frame around a line of text');
      else assert.deepEqual([o.style, o.width], ['solid', '1px'], 'after keys: a thin focus border');
      await page.close();
    }
  });

  test("a run that failed part way: the banner's byte counts read with digit groups and a unit", async () => {
    const { page, bridge } = await open(700, wire(false));
    const message =
      'Nothing accepts SMB connections at 127.0.0.1:38091 (ECONNREFUSED); check the host and port, and that the server runs. Before that, 75497472 bytes were shared in 72 calls; what was shared stays shared and every file reads as before. The space freed was not measured. Run dedupe again to share the rest.';
    await bridge.post({ type: 'error', code: 'ECONNREFUSED', message });
    await page.waitForSelector('body[data-state="error"]');
    assert.equal(await text(page, '.banner-code'), 'ECONNREFUSED');
    assert.match(await text(page, '.banner'), /Before that, 75,497,472 bytes \(72 MiB\) were shared in 72 calls;/);
    await page.close();
  });
});
