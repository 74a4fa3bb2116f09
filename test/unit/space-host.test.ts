// The Space view's host side, in node with the stand-in `vscode` (test/support/fake-vscode.ts) and the
// REAL engine (worker thread, as the extension runs it) on a loop-mounted reflink XFS: Analyze
// Space Usage on a folder (the files streamed before the result), on an explorer multi-selection
// and from the palette; cancel; the panel's lockdown; message validation (files by index only);
// open, reveal, export, Exact scan.
// (Over 400 lines: one activation and one loop-mounted XFS for every step of the view's flow.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Uri, type FakeWebviewPanel } from '../support/fake-vscode';
import { FakeExtension, ROOT } from '../support/fake-extension';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { xfsIo } from '../support/xfs-fixture';
import type { HostMessage, SpaceData } from '../../src/protocol/messages';
import { addRows, completeRows, type RowsSoFar } from '../../webview/space/stream';
import type { SpaceResult, SpaceRunOptions } from '../../src/engine';

const host = new FakeExtension();
const { fake, state, exec, logged } = host;
const skip = skipReason('xfs');

let xfs: TestFs | undefined;
let dir = '';
const revealed: string[] = [];

before(() => {
  host.activate();
  fake.vscode.commands.registerCommand('revealInExplorer', (u: unknown) => void revealed.push((u as Uri).fsPath));
  if (skip) return;
  xfs = makeFs('xfs');
  dir = path.join(xfs.mountPoint, 'proj');
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  xfsIo(path.join(dir, 'a.img'), 'pwrite -S 0x22 0 1m', 'fsync');
  xfsIo(path.join(dir, 'b.img'), `reflink ${path.join(dir, 'a.img')} 0 0 1m`, 'fsync');
  xfsIo(path.join(dir, 'sub', 'c.img'), 'pwrite -S 0x33 0 256k', 'fsync');
});

after(async () => {
  await host.close();
  xfs?.cleanup();
});

const spacePanels = () => state.panels.filter((p) => p.viewType === 'extentLens.space');
/** Close every Space view: the next Analyze Space Usage opens a new one (a view open on the same selection is reused). */
const closeSpaceViews = () => {
  for (const p of spacePanels()) if (!p.disposed) p.dispose();
};
/**
 * The last result the view was given, as the view takes it (its own code): a `space` message, or
 * the rows it was sent completed by a `spaceDone`.
 */
function lastSpace(p: FakeWebviewPanel): { data: SpaceData; type: 'space' | 'spaceDone' } | undefined {
  let rows: RowsSoFar | undefined;
  let last: { data: SpaceData; type: 'space' | 'spaceDone' } | undefined;
  for (const m of p.posted as HostMessage[]) {
    if (m.type === 'spaceRows') rows = addRows(rows, m);
    else if (m.type === 'space') last = { data: m.data, type: m.type };
    else if (m.type === 'spaceDone') {
      const data = completeRows(rows, m);
      assert.ok(data, 'the view has the rows spaceDone completes');
      last = { data, type: m.type };
    }
  }
  return last;
}

describe('Analyze Space Usage', { skip }, () => {
  let panel: FakeWebviewPanel;
  let data: SpaceData;

  test('on a folder: a locked-down Space panel, progress in files and bytes, the whole result', async () => {
    state.progressReports = [];
    const r = (await exec('extentLens.analyzeSpace', Uri.file(dir), [Uri.file(dir)])) as SpaceData;
    assert.ok(r, 'the command resolves with the result');
    panel = spacePanels().at(-1)!;
    assert.equal(panel.options.retainContextWhenHidden, true, 'a large result is not sent and drawn again at every tab switch');
    assert.equal(panel.webview.options.enableScripts, true);
    assert.deepEqual(
      panel.webview.options.localResourceRoots!.map((u) => u.fsPath),
      [path.join(ROOT, 'dist'), path.join(ROOT, 'media')],
    );
    const nonce = /script-src (?:'|&#39;)nonce-([A-Za-z0-9+/=_-]+)/.exec(panel.webview.html)?.[1];
    assert.ok(nonce && panel.webview.html.includes(`<script nonce="${nonce}"`), 'CSP nonce on the script');
    assert.match(panel.webview.html, /dist\/webview\/space\.js/);
    assert.ok(
      panel.posted.some((m) => (m as { type: string }).type === 'spaceProgress'),
      'progress mirrored into the view',
    );
    assert.ok(state.progressReports.length > 0, 'a progress notification');
    const last = lastSpace(panel)!;
    data = last.data;
    assert.deepEqual(data, JSON.parse(JSON.stringify(r)), 'the view has the whole result');
    // the files streamed into the view before the result, at the places the result gives them;
    // then only the rest of it (spaceDone), not the rows again
    assert.equal(last.type, 'spaceDone');
    const types = panel.posted.map((m) => (m as { type: string }).type);
    assert.ok(types.indexOf('spaceRows') >= 0 && types.indexOf('spaceRows') < types.lastIndexOf('spaceDone'), types.join());
    assert.ok(!types.includes('space'), types.join());
    const streamed: unknown[] = [];
    for (const m of panel.posted as Array<{ type: string; start: number; rows: unknown[]; base: string }>)
      if (m.type === 'spaceRows') {
        m.rows.forEach((row, i) => (streamed[m.start + i] = row));
        assert.equal(m.base, dir);
      }
    // (rows still waiting for their batch when the result comes go with it)
    assert.ok(streamed.length >= 1);
    const done = panel.posted.find((m) => (m as HostMessage).type === 'spaceDone') as Extract<HostMessage, { type: 'spaceDone' }>;
    assert.equal(done.start, streamed.length);
    assert.equal(done.start + done.rows.length, data.files.length);
    assert.deepEqual(done.data.files, []);
    assert.deepEqual(
      streamed,
      data.files.slice(0, streamed.length).map(({ sharesWithCount: _count, overlap: _overlap, ...row }) => row),
    );
    assert.equal(data.base, dir);
    assert.deepEqual(data.files.map((f) => path.relative(dir, f.path)).sort(), ['a.img', 'b.img', 'sub/c.img']);
    const a = data.files.findIndex((f) => f.path.endsWith('/a.img'));
    assert.equal(data.files[a].sharesWithCount, 1);
    assert.equal(data.files[a].overlap, String(1024 * 1024));
    assert.ok(!('sharesWith' in data.files[a]), 'who: asked for per file (spacePartners)');
    assert.equal(data.total.allocated, String(2 * 1024 * 1024 + 256 * 1024));
    assert.equal(data.total.reclaimableExact, false);
  });

  test('spacePartners: who a file shares with, from the result the host keeps; out of range: no answer', async () => {
    const a = data.files.findIndex((f) => f.path.endsWith('/a.img'));
    const b = data.files.findIndex((f) => f.path.endsWith('/b.img'));
    const c = data.files.findIndex((f) => f.path.endsWith('/c.img'));
    const answer = async (index: number) => {
      const n = panel.posted.length;
      panel.send({ type: 'spacePartners', index });
      return (await panel.waitFor((m) => m.type === 'spacePartners' && m.index === index && panel.posted.indexOf(m) >= n)) as Extract<
        HostMessage,
        { type: 'spacePartners' }
      >;
    };
    assert.deepEqual(await answer(a), { type: 'spacePartners', index: a, partners: [[b, String(1024 * 1024)]], count: 1 });
    assert.deepEqual(await answer(c), { type: 'spacePartners', index: c, partners: [], count: 0 });
    const n = panel.posted.length;
    panel.send({ type: 'spacePartners', index: 3 });
    panel.send({ type: 'spacePartners', index: -1 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(panel.posted.length, n);
    assert.ok(logged(/space view: ignored spacePartners for file 3/));
  });

  test('ready re-sends the result (a webview reloaded while hidden)', async () => {
    const n = panel.posted.length;
    panel.send({ type: 'ready' });
    await panel.waitFor(() => panel.posted.length > n);
    assert.equal((panel.posted.at(-1) as { type: string }).type, 'space');
  });

  test('messages: malformed, out of range and path-carrying ones act on nothing', async () => {
    const panels = state.panels.length;
    panel.send({ type: 'spaceOpen', path: '/etc/passwd' });
    panel.send({ type: 'spaceOpen', index: 99 });
    panel.send({ type: 'spaceReveal', index: -1 });
    panel.send({ type: 'nonsense' });
    panel.send({ type: 'requestRows', requestId: 1, start: 0, count: 1 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(state.panels.length, panels, 'no inspector opened');
    assert.deepEqual(revealed, []);
    assert.ok(logged(/space view: ignored malformed or unknown webview message .*\/etc\/passwd/));
    assert.ok(logged(/space view: ignored spaceOpen for file 99/));
    assert.ok(logged(/space view: ignored requestRows \(not served by this view\)/));
  });

  test('open in the inspector and reveal in the explorer, by index', async () => {
    const c = data.files.findIndex((f) => f.path.endsWith('/c.img'));
    panel.send({ type: 'spaceOpen', index: c });
    await waitFor(() => state.panels.some((p) => p.viewType === 'extentLens.inspectorPanel'));
    assert.ok(logged(new RegExp(`inspect ${data.files[c].path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)));
    panel.send({ type: 'spaceReveal', index: c });
    await waitFor(() => revealed.length > 0);
    assert.deepEqual(revealed, [data.files[c].path]);
  });

  test('export JSON and CSV through the save dialog', async () => {
    const json = path.join(xfs!.mountPoint, 'space.json');
    state.saveDialogAnswer = Uri.file(json);
    panel.send({ type: 'export', format: 'json' });
    await waitFor(() => fs.existsSync(json) && state.messages.some((m) => /Exported 3 files/.test(m.text)));
    const j = JSON.parse(fs.readFileSync(json, 'utf8')) as { files: Array<{ path: string; allocated: string }>; total: { unique: string } };
    assert.equal(j.files.length, 3);
    assert.equal(j.total.unique, data.total.unique);
    const csv = path.join(xfs!.mountPoint, 'space.csv');
    state.saveDialogAnswer = Uri.file(csv);
    panel.send({ type: 'export', format: 'csv' });
    await waitFor(() => fs.existsSync(csv) && fs.readFileSync(csv, 'utf8').split('\n').length === 5);
    assert.match(fs.readFileSync(csv, 'utf8'), /^path,size,allocated,shared,exclusive,sharesWith\n/);
    assert.equal(state.saveDialogOptions?.title, 'Export the space analysis (3 files)');
    // with a filter set in the view: the files shown, said in the dialog, the name and the message
    const c = data.files.findIndex((f) => f.path.endsWith('/c.img'));
    const part = path.join(xfs!.mountPoint, 'part.json');
    state.saveDialogAnswer = Uri.file(part);
    panel.send({ type: 'export', format: 'json', shown: [c], filter: 'c.i' });
    await waitFor(() => fs.existsSync(part) && state.messages.some((m) => /Exported the one file shown \(of 3\)/.test(m.text)));
    assert.equal(state.saveDialogOptions?.title, 'Export the one file shown (filter “c.i”) of 3');
    assert.match(state.saveDialogOptions?.defaultUri?.fsPath ?? 'space-proj-filtered.json', /space-[^/]+-filtered\.json$/);
    const pj = JSON.parse(fs.readFileSync(part, 'utf8')) as {
      files: Array<{ path: string }>;
      filter: { text: string; files: number; of: number };
    };
    assert.deepEqual(
      pj.files.map((f) => f.path),
      [data.files[c].path],
    );
    assert.deepEqual([pj.filter.text, pj.filter.files, pj.filter.of], ['c.i', 1, 3]);
    // zoomed into a folder: said in the dialog and in the export
    const zoomedPart = path.join(xfs!.mountPoint, 'zoomed.json');
    state.saveDialogAnswer = Uri.file(zoomedPart);
    panel.send({ type: 'export', format: 'json', shown: [c], filter: '', folder: 'sub' });
    await waitFor(() => fs.existsSync(zoomedPart) && fs.statSync(zoomedPart).size > 0);
    assert.equal(state.saveDialogOptions?.title, 'Export the one file shown (in sub) of 3');
    const zj = JSON.parse(fs.readFileSync(zoomedPart, 'utf8')) as { filter: { text: string; folder: string } };
    assert.deepEqual(zj.filter.folder, path.join(data.base, 'sub'));
    // an index outside the result exports nothing
    const n = state.messages.length;
    panel.send({ type: 'export', format: 'json', shown: [7], filter: 'x' });
    await waitFor(() => logged(/ignored an export of files not in the result/));
    assert.equal(state.messages.length, n);
    state.saveDialogAnswer = undefined;
  });

  test('a failed export: the OS error said, the chosen file as it was, no part-written file', async () => {
    const tiny = fs.mkdtempSync(path.join(xfs!.mountPoint, 'tiny-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', tiny]);
    try {
      const target = path.join(tiny, 'old.json');
      fs.writeFileSync(target, Buffer.alloc(4096, 0x41)); // the tmpfs is full with it
      const errors = state.messages.filter((m) => m.level === 'error').length;
      state.saveDialogAnswer = Uri.file(target);
      panel.send({ type: 'export', format: 'json' });
      await waitFor(() => state.messages.filter((m) => m.level === 'error').length > errors);
      assert.match(state.messages.filter((m) => m.level === 'error').at(-1)!.text, /ENOSPC/);
      assert.deepEqual(fs.readdirSync(tiny), ['old.json'], 'no part-written file left');
      assert.ok(fs.readFileSync(target).equals(Buffer.alloc(4096, 0x41)), 'the chosen file as it was');
    } finally {
      state.saveDialogAnswer = undefined;
      execFileSync('umount', [tiny]);
      fs.rmdirSync(tiny);
    }
  });

  test('the progress notification is short: the folder’s name, then files and a human size', () => {
    const title = state.progressTitles.find((x) => x.startsWith('Analyzing space usage of '));
    assert.ok(title, state.progressTitles.join(' | '));
    assert.doesNotMatch(title, /\//, 'no path in the title');
    const messages = state.progressReports.map((r) => (r as { message?: string }).message ?? '').filter((m) => / files? \(/.test(m));
    assert.ok(messages.length > 0);
    for (const m of messages) assert.match(m, /^(1 file|[\d,]+ files) \(\d+(\.\d+)? (B|KiB|MiB|GiB)\)$/);
  });

  test('Exact scan re-runs with exactScan: the figure becomes exact', async () => {
    const n = panel.posted.length;
    panel.send({ type: 'spaceScan', exactScan: true });
    const m = (await panel.waitFor((x) => x.type === 'space' && (x.data as SpaceData).exactScan, 60_000)) as { data: SpaceData };
    assert.ok(
      panel.posted
        .slice(n)
        .some((x) => (x as { type: string; exactScan?: boolean }).type === 'spaceProgress' && (x as { exactScan: boolean }).exactScan),
    );
    assert.equal(m.data.total.reclaimableExact, true, JSON.stringify(m.data.fileSystems.map((f) => f.notes)));
    // a and b are whole clones of each other, c is its own: deleting all three frees every byte
    assert.equal(m.data.total.reclaimable, m.data.total.unique);
  });

  test('on an explorer multi-selection: (uri, uris[]) analyses every selected item', async () => {
    const a = Uri.file(path.join(dir, 'a.img'));
    const sub = Uri.file(path.join(dir, 'sub'));
    const r = (await exec('extentLens.analyzeSpace', a, [a, sub])) as SpaceData;
    assert.deepEqual(r.roots, [a.fsPath, sub.fsPath]);
    assert.equal(r.base, dir);
    assert.deepEqual(r.files.map((f) => path.relative(dir, f.path)).sort(), ['a.img', 'sub/c.img']);
    assert.equal(r.files.find((f) => f.path.endsWith('a.img'))!.sharesWithCount, 0, 'b.img is outside this selection');
    assert.equal(spacePanels().length, 2, 'one panel per analysis');
  });

  test('from the palette: asks for folders', async () => {
    state.openDialogAnswer = [Uri.file(path.join(dir, 'sub'))];
    const r = (await exec('extentLens.analyzeSpace')) as SpaceData;
    assert.equal(r.files.length, 1);
    state.openDialogAnswer = undefined;
    assert.equal(await exec('extentLens.analyzeSpace'), undefined, 'dialog dismissed: nothing');
    assert.equal(spacePanels().length, 3);
  });

  test('cancel: the view says so, nothing else happens', async () => {
    closeSpaceViews();
    const many = path.join(xfs!.mountPoint, 'many');
    fs.mkdirSync(many);
    for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(many, `f${i}`), Buffer.alloc(4096, i & 0xff));
    state.cancelProgress = 'onFirstReport';
    const errors = state.messages.filter((m) => m.level === 'error').length;
    try {
      const r = await exec('extentLens.analyzeSpace', Uri.file(many));
      assert.equal(r, undefined);
    } finally {
      state.cancelProgress = undefined;
    }
    const p = spacePanels().at(-1)!;
    const err = await p.waitFor((m) => m.type === 'error');
    assert.equal(err.code, 'E_CANCELLED');
    assert.equal(lastSpace(p), undefined);
    assert.equal(state.messages.filter((m) => m.level === 'error').length, errors, 'no error notification for a cancel');
  });

  test('Analyze Space Usage again on the same selection reveals its view and analyses again; another selection opens another', async () => {
    closeSpaceViews();
    const a = Uri.file(path.join(dir, 'a.img'));
    const b = Uri.file(dir);
    await exec('extentLens.analyzeSpace', a, [a, b]);
    const first = spacePanels().at(-1)!;
    const revealed = first.revealed;
    const results = (first.posted as HostMessage[]).filter((m) => m.type === 'space' || m.type === 'spaceDone').length;
    // the same items in another order: no new view; the same one, brought forward, analysed again
    const again = (await exec('extentLens.analyzeSpace', b, [b, a])) as SpaceData;
    assert.ok(again, 'a result');
    assert.equal(spacePanels().filter((p) => !p.disposed).length, 1, 'no new view');
    assert.equal(first.revealed, revealed + 1, 'revealed');
    assert.ok((first.posted as HostMessage[]).filter((m) => m.type === 'space' || m.type === 'spaceDone').length > results, 'analysed again');
    // another selection: a view of its own
    await exec('extentLens.analyzeSpace', a);
    assert.equal(spacePanels().filter((p) => !p.disposed).length, 2);
    closeSpaceViews();
  });

  test('Cancel in the view stops the analysis', async () => {
    closeSpaceViews();
    const before = spacePanels().length;
    const pr = exec('extentLens.analyzeSpace', Uri.file(path.join(xfs!.mountPoint, 'many')));
    await waitFor(() => spacePanels().length > before);
    const p = spacePanels().at(-1)!;
    p.send({ type: 'spaceCancel' });
    assert.equal(await pr, undefined);
    assert.equal((await p.waitFor((m) => m.type === 'error')).code, 'E_CANCELLED');
    assert.ok(logged(/space: cancelled/));
  });

  test('flow control: rows go only as fast as the view says it takes them in; a Cancel keeps those sent', async () => {
    closeSpaceViews();
    const flow = path.join(xfs!.mountPoint, 'flow');
    fs.mkdirSync(flow);
    for (let i = 0; i < 30_000; i++) fs.closeSync(fs.openSync(path.join(flow, `f${i}`), 'w'));
    type Rows = { type: string; start: number; rows: unknown[] };
    const rowsOf = (p: FakeWebviewPanel) => (p.posted as Rows[]).filter((m) => m.type === 'spaceRows');
    // a view that never answers: the first row, then nothing until the result
    const before = spacePanels().length;
    const r = (await exec('extentLens.analyzeSpace', Uri.file(flow))) as SpaceData;
    assert.equal(r.files.length, 30_000);
    const silent = spacePanels()[before];
    assert.deepEqual(
      rowsOf(silent).map((m) => [m.start, m.rows.length]),
      [[0, 1]],
    );
    // a view that answers each message: every row streamed, in order, 10,000 at most per message,
    // never more than 20,000 past what the view has said it holds
    closeSpaceViews(); // each run here needs a view of its own (one on the same folder would be reused)
    const n = spacePanels().length;
    const pr = exec('extentLens.analyzeSpace', Uri.file(flow));
    await waitFor(() => spacePanels().length > n);
    const p = spacePanels().at(-1)!;
    let seen = 0;
    let acked = 0;
    let done = false;
    void pr.then(() => (done = true));
    while (!done) {
      const got = rowsOf(p);
      for (; seen < got.length; seen++) {
        const m = got[seen];
        assert.equal(m.start, seen === 0 ? 0 : got[seen - 1].start + got[seen - 1].rows.length, 'contiguous');
        assert.ok(m.rows.length <= 10_000);
        assert.ok(m.start + m.rows.length - acked <= 20_000, `in flight ${m.start + m.rows.length - acked}`);
      }
      // the view answers after the messages it has taken in
      const last = got.at(-1);
      if (last && last.start + last.rows.length > acked) {
        acked = last.start + last.rows.length;
        p.send({ type: 'spaceRowsSeen', upTo: acked });
      }
      await new Promise((res) => setTimeout(res, 2));
    }
    assert.ok(acked > 1, `rows streamed while the analysis ran: ${acked}`);
    // out of range or stale answers change nothing
    p.send({ type: 'spaceRowsSeen', upTo: 10_000_000 });
    p.send({ type: 'spaceRowsSeen', upTo: -1 });
    // Cancel with rows waiting on a silent view: the rows sent stay, the message counts them. The
    // host thread is kept busy for 1.5 s as its first row is posted, as a loaded extension host is:
    // the worker ends its walk meanwhile (30,000 files take ~0.4 s). The view's Cancel then comes
    // before the worker's result is taken in, and it still wins.
    closeSpaceViews();
    let cancelled = false;
    state.onPanelCreated = (panel) => {
      const post = panel.webview.postMessage;
      panel.webview.postMessage = async (x: unknown) => {
        const sent = await post(x);
        if (!cancelled && (x as { type: string }).type === 'spaceRows') {
          cancelled = true;
          const busyUntil = Date.now() + 1500;
          while (Date.now() < busyUntil); // the host thread busy: no message from the worker is taken in
          panel.send({ type: 'spaceCancel' });
        }
        return sent;
      };
    };
    const pc = exec('extentLens.analyzeSpace', Uri.file(flow)).finally(() => (state.onPanelCreated = undefined));
    assert.equal(await pc, undefined);
    const c = spacePanels().at(-1)!;
    assert.ok(cancelled);
    const err = await c.waitFor((x) => x.type === 'error');
    assert.equal(err.code, 'E_CANCELLED');
    assert.equal(err.message, 'Cancelled after 1 file: the files shown are those mapped until then, and the totals are incomplete.');
    assert.deepEqual(
      rowsOf(c).map((x) => [x.start, x.rows.length]),
      [[0, 1]],
      'no rows flushed after the cancel',
    );
    assert.equal(c.posted.filter((x) => (x as { type: string }).type === 'spaceDone').length, 0, 'no result after the cancel');
  });

  test('Refresh analyses the same selection again; a file deleted since is said to be gone, not opened', async () => {
    const ref = path.join(xfs!.mountPoint, 'ref');
    fs.mkdirSync(ref);
    xfsIo(path.join(ref, 'x.img'), 'pwrite -S 0x66 0 128k', 'fsync');
    xfsIo(path.join(ref, 'y.img'), `reflink ${path.join(ref, 'x.img')} 0 0 128k`, 'fsync');
    const r = (await exec('extentLens.analyzeSpace', Uri.file(ref))) as SpaceData;
    const p = spacePanels().at(-1)!;
    const y = r.files.findIndex((f) => f.path.endsWith('/y.img'));
    fs.rmSync(path.join(ref, 'y.img'));
    const panels = state.panels.length;
    p.send({ type: 'spaceOpen', index: y });
    await waitFor(() =>
      state.messages.some((m) => /y\.img is no longer there \(deleted or moved since the analysis\)\. Refresh/.test(m.text)),
    );
    assert.equal(state.panels.length, panels, 'no inspector on a file that is gone');
    const n = p.posted.length;
    p.send({ type: 'spaceRefresh' });
    const m = (await p.waitFor((x) => x.type === 'space' && p.posted.indexOf(x) >= n, 30_000)) as { data: SpaceData };
    assert.deepEqual(
      m.data.files.map((f) => path.basename(f.path)),
      ['x.img'],
    );
    // the result shown stayed until the new one replaced it (no rows streamed over it)
    assert.ok(!p.posted.slice(n).some((x) => (x as { type: string }).type === 'spaceRows'));
    assert.equal(m.data.files[0].sharesWithCount, 0);
  });

  test('an Exact scan cancelled after files were mapped says how many, and that the result shown is the earlier one', async () => {
    closeSpaceViews();
    // 2,000 files (the cancel tests'), their result on show
    await exec('extentLens.analyzeSpace', Uri.file(path.join(xfs!.mountPoint, 'many')));
    const p = spacePanels().at(-1)!;
    assert.ok(lastSpace(p), 'a result on show');
    const n = p.posted.length;
    // cancelled (the notification's Cancel) when the scan first reports: after its first file
    state.cancelProgress = 'onFirstReport';
    try {
      p.send({ type: 'spaceScan', exactScan: true });
      await p.waitFor((x) => x.type === 'error' && p.posted.indexOf(x) >= n, 30_000);
    } finally {
      state.cancelProgress = undefined;
    }
    const shownFiles = (p.posted as HostMessage[]).slice(n).filter((x) => x.type === 'spaceProgress' && x.files > 0);
    assert.ok(shownFiles.length > 0, 'the view was told files were mapped');
    const err = await p.waitFor((x) => x.type === 'error' && p.posted.indexOf(x) >= n, 30_000);
    assert.equal(err.code, 'E_CANCELLED');
    const message = err.message as string;
    assert.doesNotMatch(message, /before any file was mapped/);
    assert.match(message, /^Cancelled after (1 file was|[\d,]+ files were) mapped: the result shown is the one from before\.$/);
    const after = p.posted.slice(p.posted.indexOf(err));
    assert.ok(
      after.some((x) => (x as { type: string }).type === 'space'),
      'the earlier result, again',
    );
  });

  test('after the sweep only what it adds crosses from the worker, not the whole rows again', async () => {
    closeSpaceViews();
    // The whole rows of 100,000 files took the host's thread ~0.6 s to take in, in one go.
    const { createEngine } = require('../../src/engine') as typeof import('../../src/engine');
    type Space = (paths: string[], o?: SpaceRunOptions) => Promise<SpaceResult>;
    const proto = Object.getPrototypeOf(createEngine({ worker: false })) as { space: Space };
    const space = proto.space;
    const calls: Array<{ mapped: boolean; shared: boolean; rows: boolean; resultFiles: number }> = [];
    proto.space = async function (this: unknown, paths, o = {}) {
      const r = await space.call(this, paths, o);
      calls.push({ mapped: !!o.onFileMapped, shared: !!o.onFileShared, rows: !!o.onFile, resultFiles: r.files.length });
      return r;
    };
    let r: SpaceData;
    try {
      r = (await exec('extentLens.analyzeSpace', Uri.file(dir), [Uri.file(dir)])) as SpaceData;
    } finally {
      proto.space = space;
    }
    assert.deepEqual(calls, [{ mapped: true, shared: true, rows: false, resultFiles: 0 }]);
    assert.ok(logged(/space: 3 files, allocated /), "the log counts the files the view has, not the result's (empty) files");
    // the same rows as from the engine's whole result
    const { spaceData } = require('../../src/views/space-data') as typeof import('../../src/views/space-data');
    assert.deepEqual(r.files, spaceData(await space.call(createEngine({ worker: false }), [dir]), [dir]).files);
  });

  test('closing the panel keeps nothing', async () => {
    const p = spacePanels()[0];
    p.dispose();
    const n = p.posted.length;
    p.send({ type: 'ready' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.posted.length, n);
  });
});

async function waitFor(pred: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
