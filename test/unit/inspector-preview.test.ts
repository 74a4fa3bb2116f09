// Opening a file whose full map takes a while: the inspector host shows a preview from
// bounded, windowed engine queries (a pending summary and a sampled overview), answers zooms
// with windowed reads while the full read runs, then sends the exact map.
//
// The engine is the real one (worker threads, FIEMAP on a real XFS image) and the webview is
// the stand-in panel of test/support/fake-vscode.ts. One thing is staged, and only to pin down the
// order of events: the engine's unbounded (full) read is held back until the test releases it,
// so the preview is always seen before the full map whatever the machine's speed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fakeContext, FakeWebviewPanel } from '../support/fake-vscode';
import { FakeExtension, ROOT } from '../support/fake-extension';
import { createEngine, type Engine } from '../../src/engine';
import { EXTENT_CLASSES, type HostMessage, type WireSummary, type WireWindow } from '../../src/protocol/messages';
import { freshDir, makeFs, skipReason, type TestFs } from '../support/loopfs';
import { preallocateMany } from '../support/xfs-fixture';

const N = 30_000; // more than one bounded read (20,000) holds
const STRIDE = 8192;
const UNWRITTEN = EXTENT_CLASSES.indexOf('unwritten');

/**
 * The real InspectorController on `file` in a stand-in panel, with the services it uses: this
 * engine and the settings (map detail "auto", the extent limit). Needs the stand-in `vscode`.
 */
function openInspector(file: string, engine: Engine, maxExtents: number): { panel: FakeWebviewPanel; controller: { dispose(): void } } {
  const services = {
    context: fakeContext(ROOT),
    log: { info() {}, warn() {}, error() {}, debug: (m: string) => process.env.EL_DEBUG && console.error(m), trace() {} },
    engine: async () => engine,
    mapDetail: () => 'auto',
    inspectorMaxExtents: () => maxExtents,
    autoRefresh: () => false,
    inspectors: new Set(),
  };
  const { InspectorController } = require('../../src/views/inspector-controller') as typeof import('../../src/views/inspector-controller');
  const panel = new FakeWebviewPanel('extentLens.inspectorPanel', 'x', {});
  return { panel, controller: new InspectorController(panel as never, file, services as never, 'panel') };
}

/** The first message the host has posted to `panel` that satisfies `pred`. */
function waitForMessage(panel: FakeWebviewPanel, pred: (m: HostMessage) => boolean): Promise<HostMessage> {
  return panel.waitFor((m) => pred(m as unknown as HostMessage)) as unknown as Promise<HostMessage>;
}

describe('inspector preview while the full map is read', { skip: skipReason('xfs') }, () => {
  const host = new FakeExtension();
  let xfs: TestFs;
  let file: string;
  let real: Engine;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const fullReads: string[] = [];
  let boundedReads = 0;
  let panel: FakeWebviewPanel;
  let controller: { dispose(): void };

  before(() => {
    host.install();
    xfs = makeFs('xfs', 400);
    file = path.join(freshDir(xfs, 'preview'), 'many.bin');
    preallocateMany(file, N, 4096, STRIDE); // unwritten 4 KiB, hole 4 KiB, N times
    real = createEngine({ worker: true });
    const mapPacked: Engine['mapPacked'] = async (p, o = {}) => {
      if (o.window === undefined) {
        // the full read (bounded only by extentLens.inspector.maxExtents; bounded reads of the
        // visible part always name their window)
        fullReads.push(p);
        await gate; // staged: the full read waits for the test
      } else boundedReads++;
      return real.mapPacked(p, o);
    };
    const mapWindows: Engine['mapWindows'] = (p, w, o) => {
      boundedReads++;
      return real.mapWindows(p, w, o);
    };
    // Every other call goes to the real engine, bound to it.
    const engine = new Proxy(real, {
      get: (t, k) => (k === 'mapPacked' ? mapPacked : k === 'mapWindows' ? mapWindows : typeof t[k as keyof Engine] === 'function' ? (t[k as keyof Engine] as (...a: unknown[]) => unknown).bind(t) : t[k as keyof Engine]),
    });
    ({ panel, controller } = openInspector(file, engine, 5_000_000));
  });

  after(async () => {
    release?.();
    controller?.dispose();
    await real?.dispose();
    xfs?.cleanup();
    await host.close();
  });

  const sent = (pred: (m: HostMessage) => boolean) => waitForMessage(panel, pred);

  test('a pending summary and a sampled overview arrive while the full read is held back', async () => {
    panel.send({ type: 'ready' });
    const s = ((await sent((m) => m.type === 'summary')) as Extract<HostMessage, { type: 'summary' }>).summary as WireSummary;
    assert.equal(s.pending, true);
    assert.deepEqual(fullReads, [file], 'the full read has started and is still running');
    const st = fs.statSync(file, { bigint: true });
    assert.equal(s.size, String(st.size));
    assert.equal(s.allocated, String(st.blocks * 512n), 'from the block count');
    assert.ok(s.extentCount >= 20_000 && s.extentCount < N, `extents read so far: ${s.extentCount}`);
    assert.equal(s.filesystem, 'xfs');
    const ov = ((await sent((m) => m.type === 'overview')) as Extract<HostMessage, { type: 'overview' }>).window as WireWindow;
    assert.equal(ov.sampled, true);
    assert.equal(ov.binCount, 512);
    // The file is the same pattern everywhere: every bin, read in full or sampled, is half
    // unwritten and half hole.
    for (let i = 0; i < ov.binCount!; i++) {
      const f = ov.bins![i * EXTENT_CLASSES.length + UNWRITTEN];
      assert.ok(Math.abs(f - 0.5) < 0.02, `bin ${i}: unwritten ${f}`);
    }
    assert.ok(panel.posted.some((m) => (m as HostMessage).type === 'progress'), 'progress of the full read is shown');
  });

  test('zooms are answered from windowed reads meanwhile: exact when few extents, sampled when many', async () => {
    panel.send({ type: 'requestWindow', requestId: 7, offset: String(25_000 * STRIDE + 100), length: String(10 * STRIDE), maxExtents: 100, binCount: 400 });
    const w = ((await sent((m) => m.type === 'window' && m.requestId === 7)) as Extract<HostMessage, { type: 'window' }>).window;
    assert.equal(w.sampled, undefined);
    assert.equal(w.extents?.length, 11, 'the window cuts into its first extent and ends inside the 11th');
    assert.equal(w.extents![0].offset, String(25_000 * STRIDE + 100));
    assert.equal(w.extents![0].index, undefined, 'no row numbers before the whole map is read');
    assert.deepEqual(w.extents![1].flags, ['unwritten']);
    panel.send({ type: 'requestWindow', requestId: 8, offset: '0', length: String((N / 2) * STRIDE), maxExtents: 1000, binCount: 300 });
    const big = ((await sent((m) => m.type === 'window' && m.requestId === 8)) as Extract<HostMessage, { type: 'window' }>).window;
    assert.equal(big.sampled, true);
    assert.equal(big.binCount, 300);
    // the whole file is the preview's overview: answered from it, not read again
    const readsBefore = boundedReads;
    panel.send({ type: 'requestWindow', requestId: 11, offset: '0', length: String(N * STRIDE), maxExtents: 1000, binCount: 1200 });
    const whole = ((await sent((m) => m.type === 'window' && m.requestId === 11)) as Extract<HostMessage, { type: 'window' }>).window;
    assert.equal(whole.sampled, true);
    assert.equal(whole.binCount, 512);
    assert.equal(boundedReads, readsBefore, 'no engine read for it');
    assert.ok(fullReads.length === 1, 'still one full read, still held');
  });

  test('released, the full read replaces the preview: exact summary, rows with row numbers', async () => {
    release();
    const s = ((await sent((m) => m.type === 'summary' && m.summary.pending !== true)) as Extract<HostMessage, { type: 'summary' }>).summary;
    assert.equal(s.extentCount, N);
    assert.equal(s.unwrittenBytes, String(N * 4096));
    panel.send({ type: 'requestRows', requestId: 9, start: N - 2, count: 5 });
    const rows = (await sent((m) => m.type === 'rows' && m.requestId === 9)) as Extract<HostMessage, { type: 'rows' }>;
    assert.equal(rows.total, N);
    assert.deepEqual(
      rows.rows.map((r) => [r.offset, r.index]),
      [
        [String((N - 2) * STRIDE), N - 2],
        [String((N - 1) * STRIDE), N - 1],
      ],
    );
    panel.send({ type: 'requestWindow', requestId: 10, offset: '0', length: String(N * STRIDE), maxExtents: 1000, binCount: 300 });
    const w = ((await sent((m) => m.type === 'window' && m.requestId === 10)) as Extract<HostMessage, { type: 'window' }>).window;
    assert.equal(w.sampled, undefined, 'from the full model now');
    assert.equal(w.extentCount, N);
  });
});

describe('inspector on a file with more extents than extentLens.inspector.maxExtents', { skip: skipReason('xfs') }, () => {
  const host = new FakeExtension();
  const LIMIT = 10_000;
  const CUT = BigInt(LIMIT - 1) * BigInt(STRIDE) + 4096n; // the end of the last extent read
  let xfs: TestFs;
  let file: string;
  let engine: Engine;
  let panel: FakeWebviewPanel;
  let controller: { dispose(): void };

  before(() => {
    host.install();
    xfs = makeFs('xfs', 400);
    file = path.join(freshDir(xfs, 'limit'), 'many.bin');
    preallocateMany(file, N, 4096, STRIDE);
    engine = createEngine({ worker: true });
    ({ panel, controller } = openInspector(file, engine, LIMIT));
  });

  after(async () => {
    controller?.dispose();
    await engine?.dispose();
    xfs?.cleanup();
    await host.close();
  });

  const sent = (pred: (m: HostMessage) => boolean) => waitForMessage(panel, pred);

  test('the first extents are held, the summary says where the map was cut, the overview is sampled', async () => {
    panel.send({ type: 'ready' });
    const s = ((await sent((m) => m.type === 'summary' && m.summary.truncatedAt !== undefined)) as Extract<HostMessage, { type: 'summary' }>).summary;
    assert.equal(s.pending, undefined);
    assert.equal(s.extentCount, LIMIT);
    assert.equal(s.truncatedAt, String(CUT));
    assert.equal(s.unwrittenBytes, String(LIMIT * 4096), 'figures count the part read');
    const holes = CUT - BigInt(LIMIT) * 4096n;
    assert.equal(s.sparseRatio, Number((holes * 1_000_000n) / CUT) / 1_000_000, 'holes of the part read, not of the whole file');
    const ov = ((await sent((m) => m.type === 'overview' && m.window.sampled === true && panel.posted.indexOf(m as never) > panel.posted.findIndex((x) => (x as HostMessage).type === 'summary' && (x as Extract<HostMessage, { type: 'summary' }>).summary.truncatedAt !== undefined))) as Extract<HostMessage, { type: 'overview' }>).window;
    assert.equal(ov.length, String(N * STRIDE), 'the overview spans the whole file, past the cut');
  });

  test('rows end at the limit; windows before the cut come from the model, after it from bounded reads', async () => {
    panel.send({ type: 'requestRows', requestId: 1, start: LIMIT - 2, count: 10 });
    const rows = (await sent((m) => m.type === 'rows' && m.requestId === 1)) as Extract<HostMessage, { type: 'rows' }>;
    assert.equal(rows.total, LIMIT);
    assert.equal(rows.rows.length, 2);
    panel.send({ type: 'requestWindow', requestId: 2, offset: String(100 * STRIDE), length: String(10 * STRIDE), maxExtents: 100 });
    const before = ((await sent((m) => m.type === 'window' && m.requestId === 2)) as Extract<HostMessage, { type: 'window' }>).window;
    assert.equal(before.extents?.length, 10);
    assert.equal(before.extents![0].index, 100, 'from the model: row numbers');
    panel.send({ type: 'requestWindow', requestId: 3, offset: String(25_000 * STRIDE), length: String(10 * STRIDE), maxExtents: 100 });
    const past = ((await sent((m) => m.type === 'window' && m.requestId === 3)) as Extract<HostMessage, { type: 'window' }>).window;
    assert.equal(past.extents?.length, 10, 'read for the window: exact');
    assert.equal(past.extents![0].offset, String(25_000 * STRIDE));
    assert.equal(past.extents![0].index, undefined, 'past the cut: no row numbers');
  });
});

