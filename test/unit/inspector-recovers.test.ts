// The inspector after an error (a trial kept an ENOENT shown, not knowing how it goes away): the
// banner says how, and what it says happens. Watched (extentLens.inspector.autoRefresh, the
// default): "It is read again when the file changes; Refresh reads it now.", and a file
// recreated is read again without Refresh. Not watched: "Refresh reads it again.", and Refresh does.
//
// Real: the InspectorController, the engine (FIEMAP on a real XFS image), the files. Stand-in:
// the webview panel and the file watcher of test/support/fake-vscode.ts (the test fires the
// watcher's event where VS Code would; that VS Code fires it was checked by hand in code-server).
//
// Run: node --import tsx --test test/unit/inspector-recovers.test.ts   (root; ~3 s)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fakeContext, FakeWebviewPanel, Uri } from '../support/fake-vscode';
import { FakeExtension, ROOT } from '../support/fake-extension';
import { createEngine, type Engine } from '../../src/engine';
import type { HostMessage } from '../../src/protocol/messages';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { xfsIo } from '../support/xfs-fixture';

describe('inspector: an error says how it goes away, and it does', { skip: skipReason('xfs') }, () => {
  const host = new FakeExtension();
  let xfs: TestFs;
  let engine: Engine;
  const controllers: Array<{ dispose(): void }> = [];

  before(() => {
    host.install();
    xfs = makeFs('xfs', 300);
    engine = createEngine();
  });

  after(async () => {
    for (const c of controllers) c.dispose();
    await engine?.dispose();
    xfs?.cleanup();
    await host.close();
  });

  function openInspector(file: string, autoRefresh: boolean): FakeWebviewPanel {
    const services = {
      context: fakeContext(ROOT),
      log: { info() {}, warn() {}, error() {}, debug() {}, trace() {} },
      engine: async () => engine,
      mapDetail: () => 'auto',
      inspectorMaxExtents: () => 1_000_000,
      autoRefresh: () => autoRefresh,
      inspectors: new Set(),
    };
    const { InspectorController } =
      require('../../src/views/inspector-controller') as typeof import('../../src/views/inspector-controller');
    const panel = new FakeWebviewPanel('extentLens.inspectorPanel', 'x', {});
    controllers.push(new InspectorController(panel as never, file, services as never, 'panel'));
    panel.send({ type: 'ready' });
    return panel;
  }

  /** The first message of `type` posted after the first `from` messages. */
  async function next<T extends HostMessage['type']>(
    panel: FakeWebviewPanel,
    type: T,
    from: number,
  ): Promise<Extract<HostMessage, { type: T }>> {
    for (let i = 0; i < 400; i++) {
      const hit = panel.posted.slice(from).find((m) => (m as HostMessage).type === type);
      if (hit) return hit as Extract<HostMessage, { type: T }>;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no ${type}; posted: ${JSON.stringify(panel.posted).slice(0, 1500)}`);
  }

  /** What VS Code's watcher does for a file of that folder that changed, appeared or went away. */
  function fileEvent(file: string): void {
    const live = host.state.watchers.filter((w) => !w.disposed && w.pattern.pattern === path.basename(file));
    assert.ok(live.length > 0, 'the inspector watches its file');
    for (const w of live) w.change.fire(Uri.file(file));
  }

  test('watched: deleted, the banner says it is read again when the file changes; recreated, it is', async () => {
    const file = path.join(freshDir(xfs, 'watched'), 'disk.img');
    xfsIo(file, 'truncate 4m', 'pwrite -S 0x5a 0 1m', 'fsync');
    const panel = openInspector(file, true);
    await next(panel, 'summary', 0);
    fs.rmSync(file);
    let n = panel.posted.length;
    fileEvent(file);
    const err = await next(panel, 'error', n);
    assert.equal(err.code, 'ENOENT');
    assert.match(err.message, /no such file or directory.* It is read again when the file changes; Refresh reads it now\.$/);
    xfsIo(file, 'truncate 8m', 'pwrite -S 0x11 2m 1m', 'fsync');
    n = panel.posted.length;
    fileEvent(file);
    const s = await next(panel, 'summary', n);
    assert.equal(s.summary.size, String(8 << 20), 'the recreated file, read without Refresh');
  });

  test('not watched (autoRefresh off): the banner says Refresh reads it again; Refresh does', async () => {
    const file = path.join(freshDir(xfs, 'unwatched'), 'gone.img');
    const panel = openInspector(file, false);
    const err = await next(panel, 'error', 0);
    assert.equal(err.code, 'ENOENT');
    assert.match(err.message, / Refresh reads it again\.$/);
    assert.doesNotMatch(err.message, /when the file changes/, 'nothing watches it: not promised');
    xfsIo(file, 'truncate 2m', 'pwrite -S 0x11 0 1m', 'fsync');
    const n = panel.posted.length;
    panel.send({ type: 'refresh' });
    const s = await next(panel, 'summary', n);
    assert.equal(s.summary.size, String(2 << 20));
  });
});
