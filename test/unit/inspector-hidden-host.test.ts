// The inspector host when its tab was in the background, with the stand-in `vscode` and the REAL
// engine on a loop-mounted XFS. A trial: a file inspected, its tab put behind another, the file
// renamed in the Explorer; back on the tab, the view said only "ENOENT" under a bare "Extent
// Lens", where a tab left in front says the same over the last read's figures, dimmed. A hidden
// webview is rebuilt when shown (retainContextWhenHidden is off): its 'ready' is now answered with
// the last read first, then the read again, whose error the view shows over it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fakeContext, installFakeVscode, makeFakeVscode, Uri, waitUntil } from './commands-fake-vscode';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { xfsIo } from '../support/xfs-fixture';
import type { WireSummary } from '../../src/protocol/messages';

const ROOT = path.resolve(__dirname, '..', '..');
const fake = makeFakeVscode();
const { state } = fake;
const exec = (id: string, ...args: unknown[]) => fake.vscode.commands.executeCommand(id, ...args) as Promise<unknown>;

type Api = { openInspectors(): Array<{ path: string; summary?: WireSummary }> };
let undo: () => void;
let ext: { activate(c: unknown): Api; deactivate(): Promise<void> };
let api: Api;
let xfs: TestFs | undefined;
const skip = skipReason('xfs');

before(() => {
  undo = installFakeVscode(fake.vscode);
  ext = require('../../src/extension');
  api = ext.activate(fakeContext(ROOT));
  if (!skip) xfs = makeFs('xfs');
});

after(async () => {
  for (const p of state.panels) p.dispose();
  await ext?.deactivate();
  xfs?.cleanup();
  undo?.();
});

describe('inspector host: a tab brought back after its file went', { skip }, () => {
  test('the rebuilt view gets the last read, then the error of the read again', async () => {
    const f = path.join(xfs!.mountPoint, 'goes.img');
    xfsIo(f, 'truncate 8m', 'pwrite 0 1m', 'fsync');
    await exec('extentLens.inspect', Uri.file(f));
    const panel = state.panels.at(-1)!;
    panel.send({ type: 'ready' });
    await panel.waitFor((m) => m.type === 'summary');
    await waitUntil(() => api.openInspectors().some((x) => x.path === f && x.summary), 'the first read');
    // the tab goes behind another; the file is renamed; the watcher says so
    panel.setVisible(false);
    fs.renameSync(f, `${f}.moved`);
    const w = state.watchers.find((x) => !x.disposed && x.pattern.pattern === path.basename(f));
    assert.ok(w, 'a watcher on the file');
    w.change.fire(Uri.file(f));
    await waitUntil(() => state.log.some((l) => l.text === `inspector: ${f} changed; refreshing`), 'the change seen');
    // back in front: VS Code rebuilds the webview, which says ready
    const from = panel.posted.length;
    panel.setVisible(true);
    panel.send({ type: 'ready' });
    await panel.waitFor((m) => m.type === 'error' && panel.posted.indexOf(m) >= from);
    const types = panel.posted.slice(from).map((m) => (m as { type: string }).type);
    const summary = types.indexOf('summary');
    assert.ok(summary >= 0 && summary < types.lastIndexOf('error'), `the last read, then the error: ${types.join(', ')}`);
    const last = panel.posted.slice(from).find((m) => (m as { type: string }).type === 'summary') as { summary: WireSummary };
    assert.equal(last.summary.size, String(8 * 1024 * 1024), "the last read's figures");
    panel.dispose();
  });
});
