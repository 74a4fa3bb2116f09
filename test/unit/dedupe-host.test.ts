// The Dedupe view's host side, in node with the stand-in `vscode` (test/support/fake-vscode.ts):
// Find Duplicate Data from the explorer, the palette and with its settings; the panel's
// lockdown; message validation (groups and ranges by index only); the Deduplicate flow
// (restricted mode refuses, the modal names bytes and files, declining changes nothing,
// confirming runs engine.dedupe on the chosen groups with progress, then the report and a
// refreshed Space view); cancel of a search and of a deduplication.
//
// First, with the real extension and the real engine: the command reaches the engine and the
// view shows its plan. STAND-IN after that: findDuplicates and dedupe of a small object that
// answers with plans and reports built here in the engine's types, so each step of the flow
// (declines, cancels, skipped ranges) can be given exactly; the real apply is tested on real
// file systems in test/linux/dedupe*.test.ts and in code-server (test/vscode/dedupe-ui.test.ts).
// Everything else is real: the commands, the panel, the Services, the Space view's engine.space.
//
// Run: node --import tsx --test test/unit/dedupe-host.test.ts
// (Over 400 lines: one suite whose tests are the steps of one flow over one fixture.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Uri, waitUntil, type FakeWebviewPanel } from '../support/fake-vscode';
import { FakeExtension, ROOT } from '../support/fake-extension';
import type { DedupeFindOptions, DedupePlan, DedupeReport, Engine, Progress, RunOptions } from '../../src/engine';
import type { DedupeWirePlan, DedupeWireReport } from '../../src/protocol/messages';

const host = new FakeExtension();
const { fake, state, exec, logged, context: ctx } = host;
const KiB = 1024n;
const MiB = 1024n * KiB;

let dir = '';
const dedupePanels = () => state.panels.filter((p) => p.viewType === 'extentLens.dedupe');
type Posted = { type: string } & Record<string, unknown>;
const lastOf = (p: FakeWebviewPanel, type: string) =>
  [...p.posted].reverse().find((m) => (m as Posted).type === type) as Posted | undefined;

function samplePlan(): DedupePlan {
  return {
    groups: [
      {
        length: 4n * MiB,
        ranges: [
          { path: path.join(dir, 'a.img'), offset: 0n },
          { path: path.join(dir, 'b.img'), offset: 0n },
          { path: path.join(dir, 'sub', 'c.img'), offset: 0n },
        ],
        // a copy in a file no one here may change: listed, never shared
        readOnly: [{ path: path.join(dir, 'sub', 'ro.img'), offset: 0n, readOnly: true }],
        netSaving: 8n * MiB,
        candidateBytes: 2n * 4n * MiB,
        wholeFiles: true,
        warnings: [],
      },
      {
        length: 128n * KiB,
        ranges: [
          { path: path.join(dir, 'a.img'), offset: 4n * MiB },
          { path: path.join(dir, 'd.img'), offset: (1n << 60n) + 4096n },
        ],
        netSaving: 0n,
        candidateBytes: 128n * KiB,
        wholeFiles: false,
        warnings: ['already shared'],
      },
      {
        length: 1n * MiB,
        ranges: [
          { path: path.join(dir, 'd.img'), offset: 0n },
          { path: path.join(dir, 'e.img'), offset: 1n * MiB },
        ],
        netSaving: 1n * MiB,
        candidateBytes: 1n * MiB,
        wholeFiles: false,
        warnings: [],
      },
    ],
    total: { groups: 3, candidateBytes: 8n * MiB + 128n * KiB + 1n * MiB, netSaving: 9n * MiB, files: 6, hashedBytes: 20n * MiB },
    errors: [],
    notes: [],
    durationMs: 12,
  };
}

/** The stand-in: findDuplicates / dedupe answer from here and record their calls; the rest is the real engine. */
interface StandIn {
  finds: Array<{ paths: string[]; opts: DedupeFindOptions }>;
  applied: DedupePlan[];
  /**
   * Resolve only when aborted (a long search or deduplication): true, E_CANCELLED; 'part way', a
   * deduplication resolves with a cancelled report (it had shared one group); 'then found', a
   * search resolves with its plan (the result was on its way from the worker as the Cancel came).
   */
  hang: boolean | 'part way' | 'then found';
  /** More progress updates, sent at once after the first (a burst, as the engine's threads give them). */
  updates?: Progress[];
  /** Every range refused (another client had the files open): nothing deduplicated. */
  refusedAll?: boolean;
  /** What the next plans say about file systems that cannot dedupe. */
  cannotApply?: DedupePlan['cannotApply'];
  /**
   * A server that frees at its commit (SMB) beside a local volume that freed `settled` at once:
   * the reports carry remeasure and freed = settled; engine.volume answers freeNow.
   */
  server?: { before: bigint; freeNow: bigint; asked: number; settled: bigint };
  /** The next report's alreadyShared (ranges found sharing the source's blocks when applied). */
  alreadyShared?: bigint;
}

describe('Find Duplicate Data (host side)', () => {
  const standIn: StandIn = { finds: [], applied: [], hang: false };
  const opened: string[] = [];
  const revealed: string[] = [];
  /** Inspectors told their file changed (a dedupe leaves modification times alone). */
  const inspectorsRead: string[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-dedupe-host-'));
    fs.mkdirSync(path.join(dir, 'sub'));
    for (const f of ['a.img', 'b.img', 'sub/c.img', 'sub/ro.img', 'd.img', 'e.img']) fs.writeFileSync(path.join(dir, f), Buffer.alloc(8192, 7));
    host.activate();
  });

  after(async () => {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('with the real engine: the view opens locked down and shows the plan', async () => {
    const r = (await exec('extentLens.findDuplicates', Uri.file(dir), [Uri.file(dir)])) as DedupeWirePlan | undefined;
    const panel = dedupePanels().at(-1)!;
    assert.equal(panel.options.retainContextWhenHidden, false);
    assert.equal(panel.webview.options.enableScripts, true);
    assert.deepEqual(
      panel.webview.options.localResourceRoots!.map((u) => u.fsPath),
      [path.join(ROOT, 'dist'), path.join(ROOT, 'media')],
    );
    const nonce = /script-src (?:'|&#39;)nonce-([A-Za-z0-9+/=_-]+)/.exec(panel.webview.html)?.[1];
    assert.ok(nonce && panel.webview.html.includes(`<script nonce="${nonce}"`), 'CSP nonce on the script');
    assert.match(panel.webview.html, /dist\/webview\/dedupe\.js/);
    // the real engine answered: the view shows the plan the command returned
    assert.ok(r, 'findDuplicates returned a plan');
    assert.deepEqual(lastOf(panel, 'dedupe')!.plan, JSON.parse(JSON.stringify(r)));
  });

  test('with the real engine: a chunk size the file system cannot use names the setting, offers to open it', async () => {
    // 6 KiB is a byte size (the setting parses) but not a multiple of the 4 KiB blocks here:
    // the engine refuses it (E_MISALIGNED) once it meets the file system
    fake.setConfig('extentLens.dedupe.chunkSize', '6 KiB');
    state.answers.push({ match: /extentLens\.dedupe\.chunkSize/, answer: 'Open Settings' });
    const openedSettings: unknown[] = [];
    const reg = fake.vscode.commands.registerCommand('workbench.action.openSettings', (q: unknown) => void openedSettings.push(q));
    try {
      assert.equal(await exec('extentLens.findDuplicates', Uri.file(dir), [Uri.file(dir)]), undefined);
      const said = /^dedupe: the chunk size 6144 is not a multiple of the block size .*\(E_MISALIGNED\)\. The chunk size is the setting extentLens\.dedupe\.chunkSize\.$/;
      assert.ok(
        state.messages.some((m) => m.level === 'error' && said.test(m.text) && m.items.includes('Open Settings')),
        JSON.stringify(state.messages.at(-1)),
      );
      const panel = dedupePanels().at(-1)!;
      await panel.waitFor((m) => m.type === 'error' && said.test(String(m.message)));
      await waitUntil(() => openedSettings.length > 0, 'Open Settings ran');
      assert.deepEqual(openedSettings, ['extentLens.dedupe.chunkSize']);
    } finally {
      reg.dispose();
      state.answers.pop();
      fake.setConfig('extentLens.dedupe.chunkSize', undefined);
    }
  });

  // From here on the commands are registered again over Services whose engine is the stand-in.
  test('set-up: the stand-in engine', async () => {
    for (const d of ctx.subscriptions) d.dispose();
    const { Services } = await import('../../src/host/services');
    const { registerFindDuplicates } = await import('../../src/commands/find-duplicates');
    const { registerAnalyzeSpace } = await import('../../src/commands/analyze-space');
    const { createEngine } = await import('../../src/engine');
    const log = fake.vscode.window.createOutputChannel('Extent Lens (test)', { log: true });
    const s = new Services(ctx as never, log as never);
    const real = createEngine();
    const until = (signal: AbortSignal | undefined) =>
      new Promise<never>((_, reject) => {
        const cancelled = () => reject(Object.assign(new Error('cancelled'), { name: 'FsctlError', code: 'E_CANCELLED' }));
        if (signal?.aborted) cancelled();
        else signal?.addEventListener('abort', cancelled);
      });
    const engine: Engine = Object.assign(Object.create(real) as Engine, {
      async findDuplicates(paths: string[], o: RunOptions & DedupeFindOptions = {}): Promise<DedupePlan> {
        standIn.finds.push({ paths, opts: { chunk: o.chunk, minSize: o.minSize } });
        o.onProgress?.({ done: 20n * MiB, total: 0n, files: 6, message: 'hashing' });
        for (const p of standIn.updates ?? []) o.onProgress?.(p);
        if (standIn.hang === 'then found') return until(o.signal).catch(() => samplePlan());
        if (standIn.hang) return until(o.signal);
        return { ...samplePlan(), ...(standIn.cannotApply ? { cannotApply: standIn.cannotApply } : {}) };
      },
      async dedupe(plan: DedupePlan, o: RunOptions = {}): Promise<DedupeReport> {
        standIn.applied.push(plan);
        o.onProgress?.({ done: 1n * MiB, total: plan.total.netSaving, files: 1 });
        for (const p of standIn.updates ?? []) o.onProgress?.(p);
        if (standIn.hang === 'part way') {
          await until(o.signal).catch(() => undefined);
          const g = plan.groups[0];
          return {
            ...{ deduped: g.netSaving, alreadyShared: 0n, differed: 0, skipped: [], calls: 1, freed: g.netSaving },
            ...{ estimated: plan.total.netSaving, method: 'FIDEDUPERANGE', notes: [], durationMs: 5 },
            cancelled: { groupsDone: 1, groups: plan.groups.length, countsAtLeast: false },
          };
        }
        if (standIn.hang) return until(o.signal);
        if (standIn.refusedAll) {
          const r = plan.groups[0].ranges[1];
          return {
            ...{ deduped: 0n, alreadyShared: 0n, differed: 1, calls: 2, freed: 0n, estimated: plan.total.netSaving, notes: [], durationMs: 5 },
            skipped: [{ path: r.path, offset: r.offset, length: plan.groups[0].length, reason: 'STATUS_SHARING_VIOLATION', message: 'open elsewhere' }],
            method: 'FSCTL_DUPLICATE_EXTENTS_TO_FILE (verified)',
            remeasure: { settled: 0n, volumes: [{ path: dir, freeBefore: 100n * MiB }] },
          };
        }
        return {
          deduped: plan.total.netSaving,
          alreadyShared: standIn.alreadyShared ?? 0n,
          differed: 0,
          skipped: [],
          calls: plan.groups.length,
          freed: standIn.server ? standIn.server.settled : plan.total.netSaving - 4096n,
          estimated: plan.total.netSaving,
          method: standIn.server ? 'FSCTL_DUPLICATE_EXTENTS_TO_FILE (verified)' : 'FIDEDUPERANGE',
          notes: [],
          durationMs: 5,
          ...(standIn.server
            ? {
                // over SMB the least a plan frees is nothing (no physical offsets)
                estimatedMin: 0n,
                remeasure: { settled: standIn.server.settled, volumes: [{ path: dir, freeBefore: standIn.server.before }] },
              }
            : {}),
        };
      },
      async volume(p: string) {
        const v = await real.volume(p);
        if (!standIn.server) return v;
        standIn.server.asked++;
        return { ...v, freeBytes: standIn.server.freeNow };
      },
    });
    s.engine = async () => engine;
    // an open inspector of a.img (a file of the groups) and of one outside them
    for (const f of ['a.img', 'elsewhere.img'])
      s.inspectors.add({ path: path.join(dir, f), active: false, summary: () => undefined, reveal() {}, changed: () => inspectorsRead.push(f), select() {} });
    ctx.subscriptions.push(registerFindDuplicates(s), registerAnalyzeSpace(s), { dispose: () => void real.dispose() });
    fake.vscode.commands.registerCommand('extentLens.inspect', (u: unknown) => void opened.push((u as Uri).fsPath));
    fake.vscode.commands.registerCommand('revealInExplorer', (u: unknown) => void revealed.push((u as Uri).fsPath));
  });

  let panel: FakeWebviewPanel;
  let plan: DedupeWirePlan;

  test('from the explorer: the whole multi-selection, the default settings, progress in files and bytes, the plan', async () => {
    state.progressReports = [];
    const a = Uri.file(path.join(dir, 'a.img'));
    const sub = Uri.file(path.join(dir, 'sub'));
    plan = (await exec('extentLens.findDuplicates', a, [a, sub])) as DedupeWirePlan;
    assert.ok(plan, 'resolves with the plan shown');
    assert.deepEqual(standIn.finds.at(-1), { paths: [a.fsPath, sub.fsPath], opts: { chunk: 128n * KiB, minSize: 4n * KiB } });
    panel = dedupePanels().at(-1)!;
    assert.equal(panel.title, 'Duplicates: 2 items');
    const progress = panel.posted.find((m) => (m as Posted).type === 'dedupeProgress' && (m as Posted).files === 6) as Posted;
    // the view's line is the notification's title and message, word for word
    assert.equal(state.progressTitles.at(-1), 'Finding duplicate data in 2 items');
    assert.deepEqual(state.progressReports.at(-1), { increment: 0, message: '6 files found' });
    assert.deepEqual(progress, {
      type: 'dedupeProgress',
      phase: 'find',
      files: 6,
      bytes: String(20n * MiB),
      message: 'Finding duplicate data in 2 items: 6 files found',
    });
    const m = lastOf(panel, 'dedupe')!;
    assert.equal(m.canApply, true);
    assert.equal(m.report, undefined);
    assert.deepEqual(m.plan, JSON.parse(JSON.stringify(plan)));
    // exact above 2^53 on the wire, files by index, the folder they lie under
    assert.equal(plan.groups[1].ranges[1].offset, String((1n << 60n) + 4096n));
    assert.equal(plan.files[plan.groups[1].ranges[1].file], path.join(dir, 'd.img'));
    assert.equal(plan.base, dir);
    assert.equal(plan.chunk, String(128n * KiB));
    assert.ok(logged(/dedupe find: 3 groups in 6 files, candidate \d+, net saving 9437184/));
  });

  test('settings: sizes in the byte-size grammar; a wrong one is named and nothing runs', async () => {
    fake.setConfig('extentLens.dedupe.chunkSize', '1 MiB');
    fake.setConfig('extentLens.dedupe.minSize', 0);
    await exec('extentLens.findDuplicates', Uri.file(dir));
    assert.deepEqual(standIn.finds.at(-1)!.opts, { chunk: MiB, minSize: 0n });
    const panels = state.panels.length;
    const finds = standIn.finds.length;
    fake.setConfig('extentLens.dedupe.chunkSize', 'lots');
    assert.equal(await exec('extentLens.findDuplicates', Uri.file(dir)), undefined);
    assert.ok(
      state.messages.some(
        (m) => m.level === 'error' && /^The setting extentLens\.dedupe\.chunkSize is not a byte size: "lots"/.test(m.text),
      ),
    );
    fake.setConfig('extentLens.dedupe.chunkSize', '0');
    assert.equal(await exec('extentLens.findDuplicates', Uri.file(dir)), undefined);
    assert.ok(state.messages.some((m) => /chunk size must be at least 4 KiB/.test(m.text)));
    assert.equal(state.panels.length, panels, 'no view opened');
    assert.equal(standIn.finds.length, finds, 'the engine was not asked');
    fake.setConfig('extentLens.dedupe.chunkSize', undefined);
    fake.setConfig('extentLens.dedupe.minSize', undefined);
  });

  test('from the palette: asks for files or folders; dismissed, nothing', async () => {
    state.openDialogAnswer = [Uri.file(path.join(dir, 'sub'))];
    await exec('extentLens.findDuplicates');
    assert.deepEqual(standIn.finds.at(-1)!.paths, [path.join(dir, 'sub')]);
    state.openDialogAnswer = undefined;
    const panels = state.panels.length;
    assert.equal(await exec('extentLens.findDuplicates'), undefined);
    assert.equal(state.panels.length, panels);
  });

  test('messages: malformed, out of range and path-carrying ones act on nothing', async () => {
    const modals = state.messageOptions.length;
    panel.send({ type: 'dedupeOpen', path: '/etc/passwd' });
    panel.send({ type: 'dedupeOpen', group: 9, range: 0 });
    panel.send({ type: 'dedupeReveal', group: 0, range: 4 }); // 3 to share, 1 read-only
    panel.send({ type: 'dedupeApply', groups: [0, 0] });
    panel.send({ type: 'dedupeApply', groups: [] });
    panel.send({ type: 'dedupeApply', groups: [7] });
    panel.send({ type: 'spaceOpen', index: 0 });
    await waitUntil(() => logged(/dedupe view: ignored spaceOpen/), 'the last one logged');
    assert.deepEqual(opened, []);
    assert.deepEqual(revealed, []);
    assert.equal(state.messageOptions.length, modals, 'no confirmation asked');
    assert.equal(standIn.applied.length, 0);
    assert.ok(logged(/dedupe view: ignored malformed or unknown webview message .*\/etc\/passwd/));
    assert.ok(logged(/dedupe view: ignored dedupeOpen for range 0 of group 9 \(not in the plan\)/));
    assert.ok(logged(/dedupe view: ignored dedupeReveal for range 4 of group 0/));
    assert.ok(logged(/dedupe view: ignored dedupeApply for groups not in the plan \(7/));
  });

  test('open in the inspector and reveal in the explorer, by (group, range)', async () => {
    panel.send({ type: 'dedupeOpen', group: 1, range: 1 });
    await waitUntil(() => opened.length > 0, 'the inspector');
    assert.deepEqual(opened, [path.join(dir, 'd.img')]);
    // a group's read-only ranges are numbered after its others
    panel.send({ type: 'dedupeOpen', group: 0, range: 3 });
    await waitUntil(() => opened.length > 1, 'the inspector on the read-only copy');
    assert.equal(opened[1], path.join(dir, 'sub', 'ro.img'));
    panel.send({ type: 'dedupeOpen', group: 0, range: 4 });
    await waitUntil(() => logged(/dedupe view: ignored dedupeOpen for range 4 of group 0/), 'one past them: ignored');
    panel.send({ type: 'dedupeReveal', group: 0, range: 2 });
    await waitUntil(() => revealed.length > 0, 'the reveal');
    assert.deepEqual(revealed, [path.join(dir, 'sub', 'c.img')]);
    // deleted since the search: said, with what to do; no inspector on nothing, no Reveal that does nothing
    const b = path.join(dir, 'b.img');
    fs.renameSync(b, `${b}.away`);
    try {
      for (const type of ['dedupeOpen', 'dedupeReveal'] as const) {
        const said = state.messages.length;
        panel.send({ type, group: 0, range: 1 });
        await waitUntil(() => state.messages.length > said, `${type}: said`);
        assert.equal(
          state.messages.at(-1)!.text,
          `${b} is no longer there (deleted or moved since the search). Find again to search the selection again.`,
        );
      }
      assert.equal(opened.length, 2);
      assert.equal(revealed.length, 1);
    } finally {
      fs.renameSync(`${b}.away`, b);
    }
  });

  test('ready re-sends the state (a webview reloaded while hidden)', async () => {
    const n = panel.posted.length;
    panel.send({ type: 'ready' });
    await panel.waitFor(() => panel.posted.length > n);
    assert.equal((panel.posted.at(-1) as Posted).type, 'dedupe');
  });

  test('restricted mode: the view says why Deduplicate is disabled, and the host refuses it', async () => {
    state.trusted = false;
    panel.send({ type: 'ready' });
    await waitUntil(() => lastOf(panel, 'dedupe')?.canApply === false && lastOf(panel, 'dedupe'), 'the restricted state');
    assert.equal(lastOf(panel, 'dedupe')!.cannotApplyReason, 'Deduplicate changes files, so it needs a trusted workspace.');
    const modals = state.messageOptions.length;
    panel.send({ type: 'dedupeApply', groups: [0] });
    await waitUntil(
      () => state.messages.some((m) => /Deduplicate changes files, so it needs a trusted workspace/.test(m.text)),
      'the refusal',
    );
    assert.equal(state.messageOptions.length, modals, 'not even asked');
    assert.equal(standIn.applied.length, 0);
    assert.ok(logged(/Deduplicate refused: the workspace is not trusted/));
    // trusting the workspace enables it at once
    const n = panel.posted.length;
    fake.grantTrust();
    await panel.waitFor((m) => panel.posted.indexOf(m) >= n && m.type === 'dedupe' && m.canApply === true);
  });

  test('Deduplicate: the modal names bytes and files; declining changes nothing', async () => {
    state.answers = [{ match: /^Deduplicate /, answer: undefined }];
    panel.send({ type: 'dedupeApply', groups: [2, 0] });
    await waitUntil(() => logged(/dedupe: not confirmed; nothing was changed/), 'declined');
    const asked = state.messageOptions.at(-1)!;
    // groups 0 and 2: 8 MiB + 1 MiB in a, b, c, d, e
    assert.equal(asked.text, 'Deduplicate 5 files to free 9 MiB?');
    assert.equal(asked.options.modal, true);
    assert.match(
      String(asked.options.detail),
      /^3 identical ranges in 2 groups will share one copy of their data, which should free 9,437,184 bytes \(9 MiB\)/,
    );
    assert.match(String(asked.options.detail), /compares the bytes first/);
    assert.equal(standIn.applied.length, 0);
  });

  test('Deduplicate confirmed: engine.dedupe on the chosen groups, progress, the measured report, open Space views analysed again', async () => {
    const space = (await exec('extentLens.analyzeSpace', Uri.file(dir))) as { files: unknown[] };
    assert.ok(space.files.length >= 5);
    const spacePanel = state.panels.filter((p) => p.viewType === 'extentLens.space').at(-1)!;
    // (the first result ends the streamed rows, spaceDone; a refresh of a shown result is a whole `space`)
    const spaceResults = () => spacePanel.posted.filter((m) => ['space', 'spaceDone'].includes((m as Posted).type)).length;
    assert.equal(spaceResults(), 1);
    state.answers = [{ match: /^Deduplicate /, answer: 'Deduplicate' }];
    const n = panel.posted.length;
    panel.send({ type: 'dedupeApply', groups: [2, 0] });
    const done = await panel.waitFor((m) => panel.posted.indexOf(m) >= n && m.type === 'dedupe' && m.report !== undefined);
    const applied = standIn.applied.at(-1)!;
    assert.deepEqual(
      applied.groups.map((g) => g.length),
      [4n * MiB, 1n * MiB],
      'the chosen groups, in the plan\u2019s order',
    );
    assert.equal(applied.total.netSaving, 9n * MiB);
    assert.equal(applied.total.candidateBytes, 8n * MiB + 1n * MiB);
    assert.equal(applied.total.groups, 2);
    const posted = panel.posted.slice(n) as Posted[];
    assert.ok(posted.some((m) => m.type === 'dedupeProgress' && m.phase === 'apply' && m.total === String(9n * MiB)));
    assert.ok(
      posted.some((m) => m.type === 'dedupe' && m.canApply === false),
      'disabled while it runs',
    );
    const report = done.report as DedupeWireReport;
    assert.deepEqual(
      { ...report },
      {
        groups: 2,
        files: 5,
        deduped: String(9n * MiB),
        alreadyShared: '0',
        differed: 0,
        skipped: [],
        calls: 2,
        freed: String(9n * MiB - 4096n),
        estimated: String(9n * MiB),
        method: 'FIDEDUPERANGE',
        notes: [],
        durationMs: 5,
      },
    );
    // the plan is spent: its groups and estimate are from before; Deduplicate says to find again
    assert.equal(done.canApply, false);
    assert.equal(done.cannotApplyReason, 'Deduplicate ran on these groups: Find again to see what is left.');
    assert.ok(state.messages.some((m) => m.text === 'Deduplicated 9 MiB: 9 MiB freed (measured), 9 MiB estimated.'));
    assert.ok(logged(/dedupe: FIDEDUPERANGE: deduped 9437184, already shared 0, freed 9433088 \(measured\) of 9437184 estimated/));
    // asked again anyway (a stale webview): refused with the reason, no confirmation, no call
    const asked = state.messageOptions.length;
    panel.send({ type: 'dedupeApply', groups: [2, 0] });
    await waitUntil(() => state.messages.some((m) => m.text === done.cannotApplyReason), 'refused');
    assert.equal(state.messageOptions.length, asked, 'no confirmation');
    assert.equal(standIn.applied.length, 1);
    await waitUntil(() => spaceResults() === 2, 'the Space view analysed again');
    assert.ok(logged(/dedupe: analysing 1 open Space view\(s\) again/));
    assert.deepEqual(inspectorsRead, ['a.img'], "the open inspector of a deduplicated file reads its map again; the other's does not");
  });

  /** A fresh search, then Deduplicate on its first group, confirmed; resolves with the posts' count before the apply, once its report is in. */
  async function findThenApplyFirstGroup(): Promise<number> {
    const found = panel.posted.length;
    panel.send({ type: 'dedupeFind' });
    await panel.waitFor((m) => panel.posted.indexOf(m) >= found && m.type === 'dedupe' && m.canApply === true);
    state.answers = [{ match: /^Deduplicate /, answer: 'Deduplicate' }];
    const n = panel.posted.length;
    panel.send({ type: 'dedupeApply', groups: [0] });
    await panel.waitFor((m) => panel.posted.indexOf(m) >= n && m.type === 'dedupe' && m.report !== undefined);
    return n;
  }

  test('bytes already shared when applied: the notification says they were besides what was deduplicated', async () => {
    // a trial read "Deduplicated 14 MiB (6 MiB was already shared)" as 6 MiB of the 14
    standIn.alreadyShared = 6n * MiB;
    try {
      await findThenApplyFirstGroup();
      await waitUntil(() => state.messages.some((m) => /^Deduplicated 8 MiB/.test(m.text)), 'the notification');
      assert.ok(
        state.messages.some(
          (m) => m.text === 'Deduplicated 8 MiB: 8 MiB freed (measured), 8 MiB estimated. Another 6 MiB was already shared and needed nothing.',
        ),
        state.messages.map((m) => m.text).join('\n'),
      );
    } finally {
      standIn.alreadyShared = undefined;
    }
  });

  test('every range refused: the notification says nothing was deduplicated, and nothing is measured again', async () => {
    // a trial: "Deduplicated 0 B: 0 B freed so far … the Dedupe view measures it again for a minute"
    standIn.refusedAll = true;
    try {
      const n = await findThenApplyFirstGroup();
      await waitUntil(() => state.messages.some((m) => /^Nothing was deduplicated/.test(m.text)), 'the notification');
      assert.ok(
        state.messages.some(
          (m) =>
            m.text ===
            'Nothing was deduplicated, and nothing was freed; every file reads as before. 1 range had changed since the search and was left alone. 1 range was refused (the Dedupe view says why).',
        ),
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(
        !(panel.posted.slice(n) as Posted[]).some((m) => m.type === 'dedupe' && (m.report as DedupeWireReport | undefined)?.remeasured !== undefined),
        'not measured again',
      );
    } finally {
      standIn.refusedAll = false;
    }
  });

  test('a server that frees at its commit (SMB): freed is measured again until it reaches the estimate', async () => {
    const { REMEASURE } = await import('../../src/views/dedupe-remeasure');
    const saved = { ...REMEASURE };
    REMEASURE.everyMs = 50;
    // 3 MiB freed at once on a local volume, the server's 5 MiB only at its commit
    const server = { before: 100n * MiB, freeNow: 100n * MiB, asked: 0, settled: 3n * MiB };
    standIn.server = server;
    try {
      const found = panel.posted.length;
      panel.send({ type: 'dedupeFind' }); // a fresh plan: the last one was applied
      await panel.waitFor((m) => panel.posted.indexOf(m) >= found && m.type === 'dedupe' && m.canApply === true);
      state.answers = [{ match: /^Deduplicate /, answer: 'Deduplicate' }];
      const n = panel.posted.length;
      panel.send({ type: 'dedupeApply', groups: [0] });
      const first = await panel.waitFor((m) => panel.posted.indexOf(m) >= n && m.type === 'dedupe' && m.report !== undefined);
      assert.equal((first.report as DedupeWireReport).freed, String(3n * MiB), 'the local volume only: nothing counted yet by the server');
      // the notification says the figure is not the last one (the trial's "0 B freed" stayed in the list)
      assert.match(
        state.messages.filter((m) => m.level === 'info').at(-1)!.text,
        /^Deduplicated .*: 3 MiB freed so far \(measured\), 0 B–8 MiB estimated\. This file system counts freed space when it commits: the Dedupe view measures it again/,
      );
      // nothing yet on the next looks; then the commit: 5 MiB free more on the server
      await waitUntil(() => server.asked >= 3, 'measured again');
      assert.equal((lastOf(panel, 'dedupe')!.report as DedupeWireReport).freed, String(3n * MiB), 'the local part kept');
      server.freeNow += 5n * MiB;
      const last = await panel.waitFor(
        (m) =>
          panel.posted.indexOf(m) >= n && m.type === 'dedupe' && (m.report as DedupeWireReport | undefined)?.remeasured?.pending === false,
      );
      const report = last.report as DedupeWireReport;
      assert.equal(report.freed, String(8n * MiB), 'the estimate of the group applied');
      await waitUntil(() => state.messages.some((m) => /^Deduplicating freed 8 MiB \(measured again \d+ s after the run\), 0 B–8 MiB estimated\.$/.test(m.text)), 'the last figure notified');
      assert.ok(report.remeasured!.afterS >= 0);
      assert.ok(
        (panel.posted.slice(n) as Posted[]).some(
          (m) => m.type === 'dedupe' && (m.report as DedupeWireReport | undefined)?.remeasured?.pending === true,
        ),
        'the view is told it is being measured again',
      );
      const asked = server.asked;
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(server.asked, asked, 'it stops once the estimate is reached');
      assert.ok(logged(/dedupe: freed 8388608 \(measured again \d+ s after the run; was 3145728\)/));

      // Find again while it is measured again: the measuring stops (the report is of the past),
      // and the view is told a search runs (not shown idle by the measuring's messages)
      const found2 = panel.posted.length;
      panel.send({ type: 'dedupeFind' });
      await panel.waitFor((m) => panel.posted.indexOf(m) >= found2 && m.type === 'dedupe' && m.canApply === true);
      state.answers = [{ match: /^Deduplicate /, answer: 'Deduplicate' }];
      server.freeNow = server.before; // this time the server does not commit
      const n2 = panel.posted.length;
      panel.send({ type: 'dedupeApply', groups: [0] });
      await panel.waitFor((m) => panel.posted.indexOf(m) >= n2 && m.type === 'dedupe' && m.report !== undefined);
      await waitUntil(() => server.asked >= asked + 2, 'measuring again');
      standIn.hang = true;
      const n3 = panel.posted.length;
      panel.send({ type: 'dedupeFind' });
      await panel.waitFor((m) => panel.posted.indexOf(m) >= n3 && m.type === 'dedupeProgress' && m.phase === 'find');
      const during = server.asked;
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(server.asked <= during + 1, 'no more measuring once a search runs');
      assert.ok(
        (panel.posted.slice(n3) as Posted[]).every((m) => m.type !== 'dedupe' || m.running === 'find'),
        'every state sent during the search says it runs',
      );
      panel.send({ type: 'dedupeCancel' });
      await panel.waitFor((m) => panel.posted.indexOf(m) >= n3 && m.type === 'error');
      standIn.hang = false;

      // A report that already reaches the estimate: nothing to measure again, nothing claimed
      server.settled = 8n * MiB;
      const found4 = panel.posted.length;
      panel.send({ type: 'dedupeFind' });
      await panel.waitFor((m) => panel.posted.indexOf(m) >= found4 && m.type === 'dedupe' && m.canApply === true);
      state.answers = [{ match: /^Deduplicate /, answer: 'Deduplicate' }];
      const n4 = panel.posted.length;
      const asked4 = server.asked;
      panel.send({ type: 'dedupeApply', groups: [0] });
      const done4 = await panel.waitFor((m) => panel.posted.indexOf(m) >= n4 && m.type === 'dedupe' && m.report !== undefined);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((done4.report as DedupeWireReport).remeasured, undefined);
      assert.equal(server.asked, asked4);
    } finally {
      Object.assign(REMEASURE, saved);
      standIn.server = undefined;
    }
  });

  /** Start a search (the stand-in as `hang` says), Cancel it in the view once it shows progress: the view's error. */
  async function cancelASearch(hang: StandIn['hang']): Promise<void> {
    standIn.hang = hang;
    try {
      const n = panel.posted.length;
      panel.send({ type: 'dedupeFind' });
      await panel.waitFor((m) => panel.posted.indexOf(m) >= n && m.type === 'dedupeProgress');
      panel.send({ type: 'dedupeCancel' });
      const err = await panel.waitFor((m) => panel.posted.indexOf(m) >= n && m.type === 'error');
      assert.equal(err.code, 'E_CANCELLED');
      assert.equal(err.message, 'The search was cancelled; nothing was changed. The groups shown are from the search before it.');
    } finally {
      standIn.hang = false;
    }
  }

  test('Cancel in the view stops a search; the view says so, no error notification', async () => {
    const errors = state.messages.filter((m) => m.level === 'error').length;
    await cancelASearch(true);
    assert.equal(state.messages.filter((m) => m.level === 'error').length, errors);
    const last = lastOf(panel, 'dedupe')!;
    assert.ok(last.plan && last.report, 'the previous plan and its report stay');
    assert.equal(last.cannotApplyReason, 'Deduplicate ran on these groups: Find again to see what is left.');
  });

  test("a Cancel taken in before a search's result wins: the plan that comes after it is not shown", async () => {
    const before = lastOf(panel, 'dedupe')!;
    await cancelASearch('then found');
    const last = lastOf(panel, 'dedupe')!;
    assert.deepEqual(last.plan, before.plan, 'the plan shown is the one from before');
    assert.equal(last.cannotApplyReason, before.cannotApplyReason);
  });

  test('a file system that cannot dedupe (the search probed it): Deduplicate disabled with its sentence, never a confirmation', async () => {
    const message = 'ext4 cannot share blocks (EOPNOTSUPP): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).';
    standIn.cannotApply = [{ path: path.join(dir, 'a.img'), code: 'EOPNOTSUPP', message }];
    try {
      const n = panel.posted.length;
      panel.send({ type: 'dedupeFind' });
      const m = await panel.waitFor((x) => panel.posted.indexOf(x) >= n && x.type === 'dedupe' && x.report === undefined);
      assert.equal(m.canApply, false);
      assert.equal(m.cannotApplyReason, message);
      assert.deepEqual((m.plan as DedupeWirePlan).cannotApply, standIn.cannotApply);
      const asked = state.messageOptions.length;
      panel.send({ type: 'dedupeApply', groups: [0] });
      await waitUntil(() => state.messages.filter((x) => x.text === message).length > 0, 'refused');
      assert.equal(state.messageOptions.length, asked, 'no confirmation');
    } finally {
      standIn.cannotApply = undefined;
    }
  });

  test('a verdict that one file system cannot share (cannotShare) leaves Deduplicate on for the groups elsewhere', async () => {
    const message = 'ext4 cannot share blocks (EOPNOTSUPP): use btrfs, or XFS made with reflink=1 (over SMB: a share on one of those).';
    standIn.cannotApply = [{ path: path.join(dir, 'a.img'), code: 'EOPNOTSUPP', message, cannotShare: true }];
    try {
      const n = panel.posted.length;
      panel.send({ type: 'dedupeFind' });
      const m = await panel.waitFor((x) => panel.posted.indexOf(x) >= n && x.type === 'dedupe' && x.report === undefined);
      assert.equal(m.canApply, true, String(m.cannotApplyReason));
      assert.equal(m.cannotApplyReason, undefined);
    } finally {
      standIn.cannotApply = undefined;
    }
  });

  test('Cancel on the notification stops a deduplication: before any sharing an error, part way the report of what was done', async () => {
    const found = panel.posted.length;
    panel.send({ type: 'dedupeFind' }); // a fresh plan: the last one was applied
    await panel.waitFor((m) => panel.posted.indexOf(m) >= found && m.type === 'dedupe' && m.canApply === true);
    standIn.hang = true;
    state.answers = [{ match: /^Deduplicate /, answer: 'Deduplicate' }];
    state.cancelProgress = 'onFirstReport';
    const n = panel.posted.length;
    try {
      panel.send({ type: 'dedupeApply', groups: [0] });
      const err = await panel.waitFor((m) => panel.posted.indexOf(m) >= n && m.type === 'error');
      assert.equal(err.code, 'E_CANCELLED');
      assert.equal(err.message, 'Deduplicating was cancelled before anything was shared; nothing was changed.');
      assert.ok(state.messages.some((m) => m.level === 'info' && m.text === err.message));

      // part way: the engine resolves with what it did; the view gets it as the report
      const found2 = panel.posted.length;
      standIn.hang = false;
      panel.send({ type: 'dedupeFind' });
      await panel.waitFor((m) => panel.posted.indexOf(m) >= found2 && m.type === 'dedupe' && m.canApply === true);
      standIn.hang = 'part way';
      const n2 = panel.posted.length;
      const errors = state.messages.filter((m) => m.level === 'error').length;
      panel.send({ type: 'dedupeApply', groups: [0, 1] });
      const done = await panel.waitFor((m) => panel.posted.indexOf(m) >= n2 && m.type === 'dedupe' && m.report !== undefined);
      const r = done.report as DedupeWireReport;
      assert.deepEqual(r.cancelled, { groupsDone: 1, groups: 2, countsAtLeast: false });
      assert.equal(r.calls, 1);
      assert.ok(
        state.messages.some(
          (m) =>
            m.level === 'info' &&
            /^Deduplicating was cancelled with 1 of 2 groups finished \(one under way may be shared in part\): .+ shared, .+ freed \(measured\)\. Every file still reads as before; Find again shows what is left to share\.$/.test(
              m.text,
            ),
        ),
        JSON.stringify(state.messages.slice(-2)),
      );
      assert.equal(state.messages.filter((m) => m.level === 'error').length, errors, 'no error notification');
      assert.equal((panel.posted.slice(n2) as Posted[]).filter((m) => m.type === 'error').length, 0, 'a report, not an error banner');
    } finally {
      state.cancelProgress = undefined;
      standIn.hang = false;
    }
  });

  test('progress: the view shows word for word what the notification shows, the last of a burst of updates too', async () => {
    const lastLine = (p: FakeWebviewPanel) => lastOf(p, 'dedupeProgress')?.message;
    /** The notification's line as VS Code shows it ("title: message"): its title and its last report (other notifications may run too). */
    const toast = (title: string, re: RegExp) =>
      `${title}: ${(state.progressReports as { message: string }[]).filter((r) => re.test(r.message)).at(-1)?.message}`;
    // a search: files found, then bytes hashed; three updates within a millisecond, then it runs on
    standIn.hang = true;
    standIn.updates = [
      { done: 0n, total: 0n, files: 40 },
      { done: 1n * MiB, total: 300n * MiB, files: 2 },
      { done: 2125n * KiB, total: 300n * MiB, files: 3 },
    ];
    const finds = standIn.finds.length;
    const b = path.join(dir, 'b.img');
    const pr = exec('extentLens.findDuplicates', Uri.file(b));
    try {
      await waitUntil(() => standIn.finds.length > finds, 'the search started');
      const p = dedupePanels().at(-1)!;
      const title = `Finding duplicate data in ${b}`;
      assert.ok(state.progressTitles.includes(title));
      const line = `${title}: 2.08 MiB of 300 MiB hashed, 3 files done`;
      assert.equal(toast(title, /hashed/), line);
      // the view's throttle holds the burst back, then shows its last update: the same line
      await waitUntil(() => lastLine(p) === line, "the view's line is the notification's");
      const lines = (p.posted as Posted[]).filter((m) => m.type === 'dedupeProgress').map((m) => m.message as string);
      const toasts = (state.progressReports as { message: string }[]).map((r) => `${title}: ${r.message}`);
      for (const l of lines.slice(1)) assert.ok(toasts.includes(l), `"${l}" was in the notification`);
      p.send({ type: 'dedupeCancel' });
      assert.equal(await pr, undefined);
    } finally {
      standIn.hang = false;
    }
    // a deduplication: groups done and bytes compared, in the notification and the view alike
    const p = dedupePanels().at(-1)!;
    const found = p.posted.length;
    p.send({ type: 'dedupeFind' });
    await p.waitFor((m) => p.posted.indexOf(m) >= found && m.type === 'dedupe' && m.canApply === true);
    standIn.updates = [{ done: 9n * MiB, total: 9n * MiB, files: 2 }];
    standIn.hang = true;
    state.answers = [{ match: /^Deduplicate /, answer: 'Deduplicate' }];
    try {
      p.send({ type: 'dedupeApply', groups: [2, 0] });
      const title = 'Deduplicating 2 groups in 5 files';
      await waitUntil(() => state.progressTitles.includes(title), 'the notification');
      const line = `${title}: 2 of 2 groups done, 9 MiB of 9 MiB compared`;
      await waitUntil(() => toast(title, /compared/) === line, 'the last update in the notification');
      await waitUntil(() => lastLine(p) === line, "the view's line is the notification's");
      const n = p.posted.length;
      p.send({ type: 'dedupeCancel' });
      await p.waitFor((m) => p.posted.indexOf(m) >= n && m.type === 'error');
    } finally {
      standIn.hang = false;
      standIn.updates = undefined;
    }
  });

  test('Find Duplicate Data again on the same selection reveals its view and searches again; another selection opens another', async () => {
    const a = Uri.file(path.join(dir, 'a.img'));
    const sub = Uri.file(path.join(dir, 'sub'));
    await exec('extentLens.findDuplicates', a, [a, sub]);
    const views = dedupePanels().filter((p) => !p.disposed).length;
    const first = dedupePanels().find((p) => !p.disposed && p.title === 'Duplicates: 2 items')!;
    const revealed = first.revealed;
    const finds = standIn.finds.length;
    fake.setConfig('extentLens.dedupe.minSize', '64K');
    try {
      // the same paths, in another order: the same view, brought forward, searched with the settings now in force
      const again = (await exec('extentLens.findDuplicates', sub, [sub, a])) as DedupeWirePlan;
      assert.equal(dedupePanels().filter((p) => !p.disposed).length, views, 'no new view');
      assert.equal(first.revealed, revealed + 1, 'revealed');
      assert.equal(standIn.finds.length, finds + 1, 'searched again');
      assert.deepEqual(standIn.finds.at(-1), { paths: [a.fsPath, sub.fsPath], opts: { chunk: 128n * KiB, minSize: 64n * KiB } });
      assert.deepEqual(lastOf(first, 'dedupe')!.plan, JSON.parse(JSON.stringify(again)));
    } finally {
      fake.setConfig('extentLens.dedupe.minSize', undefined);
    }
    // another selection: a view of its own
    await exec('extentLens.findDuplicates', a);
    assert.equal(dedupePanels().filter((p) => !p.disposed).length, views + 1);
    const other = dedupePanels().at(-1)!;
    assert.notEqual(other, first);
    // closed: the next search of that selection opens a new view
    first.dispose();
    await exec('extentLens.findDuplicates', a, [a, sub]);
    assert.notEqual(dedupePanels().at(-1), first);
    assert.equal(dedupePanels().filter((p) => !p.disposed).length, views + 1);
  });

  test('closing the view stops a search and keeps nothing', async () => {
    standIn.hang = true;
    const before = dedupePanels().length;
    const finds = standIn.finds.length;
    const pr = exec('extentLens.findDuplicates', Uri.file(path.join(dir, 'e.img'))); // a selection with no view yet
    await waitUntil(() => standIn.finds.length > finds, 'the search started');
    assert.equal(dedupePanels().length, before + 1);
    const p = dedupePanels().at(-1)!;
    p.dispose();
    assert.equal(await pr, undefined);
    standIn.hang = false;
    const n = p.posted.length;
    p.send({ type: 'ready' });
    await new Promise((r) => setImmediate(r));
    assert.equal(p.posted.length, n);
  });
});
