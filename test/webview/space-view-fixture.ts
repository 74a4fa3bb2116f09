// The fixture of the Space view's Chromium tests (test/webview/space*.test.ts): the engine's real
// answer over a folder on a loop-mounted reflink XFS holding a file, its whole clone, a file with
// a clone of a file outside the folder, and plain files; spaceData (src/views/space-data.ts) turns
// it into the view's message, as the panel does; and the page opened on it in Chromium.
//
// Real: the bundle (dist/webview/space.js), the CSP shell, the engine, XFS, Chromium, d3's layout.
// Replaced: the VS Code host, by the postMessage bridge in ./harness.ts.
//
// A suite calls spaceViewHooks() in its describe; the exported `let`s are assigned in its before()
// and are read by the tests as live bindings (so read them inside tests, never at load time).
import { after, before } from 'node:test';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { Page } from 'playwright-core';
import { createEngine, type Engine, type SpaceResult } from '../../src/engine';
import { spaceData, spaceRow, type SpacePartnerLists } from '../../src/views/space-data';
import { spacePartners } from '../support/space-wire';
import type { HostMessage, SpaceData, SpaceWireRow, SpaceWireSharing, WebviewMessage } from '../../src/protocol/messages';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';
import { chromiumSkipReason, launchChromium, type Chromium } from '../support/chromium';
import { xfsIo } from '../support/xfs-fixture';
import { buildWebviews, frames, installBridge, startShellServer, type HostBridge, type ShellServer } from './harness';
import { hexToRgb, applyTheme, THEMES } from './themes';

export const skip = skipReason('xfs') ?? chromiumSkipReason();
export const KiB = 1024;
export const MiB = 1024n * 1024n;

export type Rect = { x0: number; y0: number; x1: number; y1: number };

export let xfs: TestFs | undefined;
export let engine: Engine;
export let server: ShellServer;
export let chromium: Chromium;
export let result: SpaceResult;
export let exactResult: SpaceResult;
export let data: SpaceData;
/** Who each file of `data` shares with, as the panel keeps it (answered to spacePartners). */
export let partners: SpacePartnerLists;
/** The rows as engine.space's onFileMapped gave them while it walked (what the panel streams). */
export let mappedRows: SpaceWireRow[] = [];
export let dir = '';
export const idx = (name: string): number => data.files.findIndex((f) => f.path.endsWith(`/${name}`));

export function spaceViewHooks(): void {
  before(async () => {
    buildWebviews();
    xfs = makeFs('xfs', 300);
    dir = path.join(xfs.mountPoint, 'proj');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    const outside = path.join(xfs.mountPoint, 'outside.img');
    xfsIo(outside, 'pwrite -S 0x11 0 512k', 'fsync');
    xfsIo(path.join(dir, 'a.img'), 'pwrite -S 0x22 0 1m', 'fsync');
    xfsIo(path.join(dir, 'b.img'), `reflink ${path.join(dir, 'a.img')} 0 0 1m`, 'fsync'); // whole clone, inside
    xfsIo(path.join(dir, 'sub', 'c.img'), 'pwrite -S 0x33 0 768k', 'fsync'); // exclusive
    // half shared with a file outside the selection, half its own
    xfsIo(path.join(dir, 'sub', 'd.img'), `reflink ${outside} 0 0 256k`, 'pwrite -S 0x44 256k 256k', 'fsync');
    xfsIo(path.join(dir, 'sub', 'e.txt'), 'pwrite -S 0x55 0 64k', 'fsync');
    engine = createEngine();
    result = await engine.space([dir], { onFileMapped: (f, i) => (mappedRows[i] = spaceRow(f)) });
    exactResult = await engine.space([dir], { exactScan: true });
    data = spaceData(result, [dir]);
    partners = spacePartners(result);
    server = await startShellServer();
    chromium = await launchChromium('space');
  });

  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await engine?.dispose().catch(() => undefined);
    xfs?.cleanup();
  });
}

/** The panel's answer to spacePartners: from `parts` (the result on show's), as space-panel.ts gives it. */
export const answerPartners =
  (parts: () => SpacePartnerLists) =>
  async (m: WebviewMessage, b: HostBridge): Promise<void> => {
    if (m.type !== 'spacePartners') return;
    const list = parts()[m.index];
    if (list) await b.post({ type: 'spacePartners', index: m.index, partners: list, count: list.length });
  };

export async function open(
  width: number,
  height = 900,
  d: SpaceData = data,
  browser: Chromium = chromium,
  parts: SpacePartnerLists = partners,
): Promise<{ page: Page; bridge: HostBridge }> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  const bridge = await installBridge(page, {
    onReady: async (b) => {
      await b.post({ type: 'spaceProgress', files: 3, bytes: String(3 * 1024 * 1024), message: 'walking', exactScan: false });
      await b.post({ type: 'space', data: d });
    },
    onMessage: answerPartners(() => parts),
  });
  await page.goto(server.url('space'));
  await applyTheme(page, 'dark');
  await page.waitForSelector('body[data-state="done"]');
  await frames(page, 3);
  return { page, bridge };
}

export const rectOf = (page: Page, i: number): Promise<Rect | undefined> =>
  page.evaluate(
    (k) => (window as unknown as { __extentLensSpace: { fileRect(i: number): Rect | undefined } }).__extentLensSpace.fileRect(k),
    i,
  );

/** Pixels of a rectangle of the treemap canvas counted by exact colour. */
export async function colourCounts(page: Page, r: Rect): Promise<Map<string, number>> {
  const counts = await page.evaluate(
    ([x0, y0, x1, y1]) => {
      const c = document.querySelector('canvas.treemap') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(x0, y0, x1 - x0, y1 - y0).data;
      const out: Record<string, number> = {};
      for (let i = 0; i < d.length; i += 4) {
        const k = `${d[i]},${d[i + 1]},${d[i + 2]}`;
        out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    },
    [r.x0, r.y0, r.x1, r.y1] as const,
  );
  return new Map(Object.entries(counts));
}
export const key = (hex: string): string => hexToRgb(hex).join(',');
export const BLUE = key(THEMES.dark.vars['--vscode-charts-blue']);
export const PURPLE = key(THEMES.dark.vars['--vscode-charts-purple']);
export const ORANGE = key(THEMES.dark.vars['--vscode-charts-orange']);

export async function openStreaming(width: number): Promise<{ page: Page; bridge: HostBridge }> {
  const page = await chromium.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  const bridge = await installBridge(page, {
    onReady: (b) => b.post({ type: 'spaceProgress', files: 0, bytes: '0', message: '', exactScan: false }),
    onMessage: answerPartners(() => partners),
  });
  await page.goto(server.url('space'));
  await applyTheme(page, 'dark');
  await page.waitForSelector('body[data-state="scanning"]');
  return { page, bridge };
}
export const rowsMsg = (start: number, rows: SpaceWireRow[]): HostMessage => ({
  type: 'spaceRows',
  start,
  rows,
  base: data.base,
  sep: data.sep,
  exactScan: false,
});
/** The end of the analysis as the host sends it to a view it sent rows 0..start-1: the rest of the result. */
export const doneMsg = (start: number): HostMessage => ({
  type: 'spaceDone',
  start,
  rows: mappedRows.slice(start),
  sharing: data.files.map((f): SpaceWireSharing => {
    const n = f.sharesWithCount ?? 0;
    return f.sharedInside === undefined ? [n, f.overlap ?? '0'] : [n, f.overlap ?? '0', f.sharedInside];
  }),
  data: { ...data, files: [] },
});
export const disabled = (page: Page, sel: string): Promise<boolean> => page.$eval(sel, (e) => e.hasAttribute('disabled'));
export const tableRows = (page: Page): Promise<string[]> =>
  page.$$eval('.space-grid .tscroll .tr .c-path', (els) => els.map((e) => e.textContent ?? '').sort());
