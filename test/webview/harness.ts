// Test harness for the webviews in real Chromium.
//
// What is real: the built bundles (dist/webview/*.js, *.css), the HTML shell and CSP from
// src/views/webview-html.ts, the host-side MapModel answering every window/rows request, and
// the extent maps, which the engine (src/engine) reads from real files on a loop-mounted XFS.
// What is replaced: the VS Code host. A tiny HTTP server on 127.0.0.1 serves the shell and
// dist/, and `acquireVsCodeApi` is a bridge to this Node process through
// page.exposeFunction, doing what the inspector panel does (validate with
// parseWebviewMessage, answer with MapModel, write exports). The next issue's suite runs the
// same webviews inside a real VS Code.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { after, before } from 'node:test';
import { launchChromium, type Chromium } from '../support/chromium';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/messages';
import { makeNonce, renderWebviewHtml } from '../../src/views/webview-html';
import type { MapModel } from '../../src/views/map-model';

export const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
  '.html': 'text/html',
};

export interface ShellServer {
  origin: string;
  url(view: 'inspector' | 'cloneResults' | 'space' | 'dedupe', query?: Record<string, string>): string;
  close(): Promise<void>;
}

/** Serve dist/ and the HTML shell (rendered per request with a fresh nonce). */
export async function startShellServer(): Promise<ShellServer> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', origin);
    if (['/inspector.html', '/cloneResults.html', '/space.html', '/dedupe.html'].includes(u.pathname)) {
      const view = u.pathname.slice(1, -5);
      const html = renderWebviewHtml({
        cspSource: origin,
        nonce: makeNonce(),
        scriptUri: `${origin}/dist/webview/${view}.js`,
        styleUris: [`${origin}/dist/webview/${view}.css`],
        codiconUri: `${origin}/dist/media/codicon.css`,
        title: 'Extent Lens',
        // ?l10n=<json>: a translation bundle, as the host passes vscode.l10n.bundle
        // ?heading=<json>: what the view is about, as the host passes it (panel-setup.ts setWebviewHtml)
        initialState: {
          view,
          ...(u.searchParams.get('l10n') ? { l10n: JSON.parse(u.searchParams.get('l10n')!) } : {}),
          ...(u.searchParams.get('heading') ? { heading: JSON.parse(u.searchParams.get('heading')!) } : {}),
        },
        bodyClass: u.searchParams.get('body') ?? 'vscode-dark',
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    if (u.pathname.startsWith('/dist/')) {
      const file = path.normalize(path.join(DIST, u.pathname.slice('/dist/'.length)));
      if (file.startsWith(DIST + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
        fs.createReadStream(file).pipe(res);
        return;
      }
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (view, query = {}) => `${origin}/${view}.html?${new URLSearchParams(query)}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Build the bundles with `npm run build`. Other areas' entry points may be mid-edit on a
 * shared tree; if the full build fails but the webview bundles were rebuilt anyway, carry on,
 * otherwise build just the webview bundles with the same esbuild options.
 */
export function buildWebviews(): void {
  if (bundlesAreFresh()) return; // `npm test` has just built them; two suites need not rebuild
  const t0 = Date.now() - 1000;
  let fullError: unknown;
  try {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    fullError = e;
  }
  const fresh = ['inspector.js', 'cloneResults.js', 'space.js', 'dedupe.js'].every((f) => {
    const p = path.join(DIST, 'webview', f);
    return fs.existsSync(p) && fs.statSync(p).mtimeMs >= t0;
  });
  if (fresh && fs.existsSync(path.join(DIST, 'media', 'codicon.css'))) return;
  const script = `
    const esbuild = require('esbuild');
    esbuild.buildSync({ bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: true,
      entryPoints: { inspector: 'webview/inspector/main.ts', cloneResults: 'webview/clone-results/main.ts', space: 'webview/space/main.ts', dedupe: 'webview/dedupe/main.ts' },
      outdir: 'dist/webview', loader: { '.css': 'css' }, logLevel: 'error' });
    const fs = require('fs');
    fs.mkdirSync('dist/media', { recursive: true });
    for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync('node_modules/@vscode/codicons/dist/' + f, 'dist/media/' + f);`;
  try {
    execFileSync(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(
      `building the webview bundles failed: ${String((e as { stderr?: Buffer }).stderr ?? e)}; full build: ${String((fullError as { stderr?: Buffer })?.stderr ?? '')}`,
    );
  }
}

/** Newest mtime of the files under `dir` (recursively) that end with one of `exts`. */
function newest(dir: string, exts: string[]): number {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/** The webview bundles exist and are newer than every source they are built from. */
function bundlesAreFresh(): boolean {
  const outs = [
    'webview/inspector.js',
    'webview/cloneResults.js',
    'webview/space.js',
    'webview/dedupe.js',
    'webview/inspector.css',
    'webview/cloneResults.css',
    'webview/space.css',
    'webview/dedupe.css',
    'media/codicon.css',
  ].map((f) => path.join(DIST, f));
  if (!outs.every((f) => fs.existsSync(f))) return false;
  const built = Math.min(...outs.map((f) => fs.statSync(f).mtimeMs));
  const src = Math.max(
    newest(path.join(ROOT, 'webview'), ['.ts', '.css']),
    newest(path.join(ROOT, 'src', 'protocol'), ['.ts']),
    fs.statSync(path.join(ROOT, 'esbuild.config.mjs')).mtimeMs,
    fs.statSync(path.join(ROOT, 'package-lock.json')).mtimeMs,
  );
  return built > src;
}

export interface HostBridge {
  /** Messages the webview sent that passed validation, in order. */
  received: WebviewMessage[];
  /** Messages the webview sent that failed validation. */
  rejected: unknown[];
  /** Export texts written, by format. */
  exports: { format: 'json' | 'csv'; text: string }[];
  copies: string[];
  /** Set: the next clipboard writes fail with this message (the host reports it back). */
  clipboardError?: string;
  /** Send a host message to the webview (as VS Code's webview.postMessage does). */
  post(m: HostMessage | unknown): Promise<void>;
  /** Wait until the webview has sent a message matching `pred`. */
  waitFor(pred: (m: WebviewMessage) => boolean, timeoutMs?: number): Promise<WebviewMessage>;
}

export interface BridgeOptions {
  /** The model behind the inspector (rebuilt on 'refresh'). */
  model?: () => Promise<MapModel>;
  /** Extra handling (clone-results view: compareWithCopy). */
  onMessage?: (m: WebviewMessage, bridge: HostBridge) => Promise<void> | void;
  /** Sent after 'ready' (clone-results view). */
  onReady?: (bridge: HostBridge) => Promise<void> | void;
}

/** Install the acquireVsCodeApi bridge on a page (before navigation). */
export async function installBridge(page: Page, opts: BridgeOptions): Promise<HostBridge> {
  let model: MapModel | undefined;
  const waiters: { pred: (m: WebviewMessage) => boolean; resolve: (m: WebviewMessage) => void }[] = [];
  const bridge: HostBridge = {
    received: [],
    rejected: [],
    exports: [],
    copies: [],
    async post(m) {
      // Resolved once the page has handled it: a listener added now runs after the view's own
      // (added at start) for the same message event, so a test reads the page only after the
      // view has seen the message (window.postMessage dispatches later, in a task of its own).
      await page.evaluate(
        (msg) =>
          new Promise<void>((resolve) => {
            const handled = (): void => {
              window.removeEventListener('message', handled);
              resolve();
            };
            window.addEventListener('message', handled);
            window.postMessage(msg, '*');
          }),
        m as object,
      );
    },
    waitFor(pred, timeoutMs = 10_000) {
      const hit = bridge.received.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timed out waiting for a webview message')), timeoutMs);
        waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
  };
  const sendInitial = async () => {
    if (!opts.model) return;
    model = await opts.model();
    for (const m of model.initialMessages(2048)) await bridge.post(m);
  };
  await page.exposeFunction('__elToHost', async (raw: unknown) => {
    const m = parseWebviewMessage(raw);
    if (!m) {
      bridge.rejected.push(raw);
      return;
    }
    bridge.received.push(m);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].pred(m)) {
        waiters[i].resolve(m);
        waiters.splice(i, 1);
      }
    }
    switch (m.type) {
      case 'ready':
        await sendInitial();
        await opts.onReady?.(bridge);
        break;
      case 'refresh':
        await sendInitial();
        break;
      case 'requestWindow':
      case 'requestRows': {
        const answer = model?.answer(m);
        if (answer) await bridge.post(answer);
        break;
      }
      case 'export':
        if (model)
          bridge.exports.push({
            format: m.format,
            text: [...(m.format === 'json' ? model.exportJsonChunks() : model.exportCsvChunks())].join(''),
          });
        break;
      case 'copyText':
        // as the inspector host does: write, then say whether it worked
        if (bridge.clipboardError === undefined) bridge.copies.push(m.text);
        if (m.requestId !== undefined) {
          const e = bridge.clipboardError;
          const answer = e === undefined ? { ok: true } : { ok: false, error: e };
          await bridge.post({ type: 'copied', requestId: m.requestId, ...answer });
        }
        break;
      default:
        break;
    }
    await opts.onMessage?.(m, bridge);
  });
  // tsx/esbuild (keepNames) wraps named functions of test code in __name(...): functions we
  // ship to the page through evaluate/addInitScript need it defined there too.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    let state: unknown;
    let acquired = false;
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => (w.__csp as string[]).push(`${e.violatedDirective} ${e.blockedURI}`));
    w.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi may only be called once');
      acquired = true;
      return {
        postMessage: (m: unknown) => (w.__elToHost as (m: unknown) => void)(JSON.parse(JSON.stringify(m))),
        getState: () => state,
        setState: (s: unknown) => {
          state = s;
        },
      };
    };
  });
  return bridge;
}

/** rgba of the canvas pixel at device pixel (x, y). */
export async function pixel(page: Page, selector: string, x: number, y: number): Promise<[number, number, number, number]> {
  return page.evaluate(
    ([sel, px, py]) => {
      const c = document.querySelector(sel as string) as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(px as number, py as number, 1, 1).data;
      return [d[0], d[1], d[2], d[3]] as [number, number, number, number];
    },
    [selector, Math.floor(x), Math.floor(y)] as const,
  );
}

/** Wait for the next two animation frames (the map redraws on requestAnimationFrame). */
export async function frames(page: Page, n = 2): Promise<void> {
  await page.evaluate(
    (k) =>
      new Promise<void>((resolve) => {
        let left = k;
        const step = () => (--left <= 0 ? resolve() : requestAnimationFrame(step));
        requestAnimationFrame(step);
      }),
    n,
  );
}

/**
 * Inside a describe: the webviews built, then the shell server and a Chromium started before its
 * tests and closed after them. `page(view)` opens the view in a new page of that browser with
 * the host bridge answering for `model` (no model: the host has not answered yet).
 */
export function shellPages(): {
  page(view: Parameters<ShellServer['url']>[0], opts: BridgeOptions): Promise<{ page: Page; bridge: HostBridge }>;
} {
  let server: ShellServer | undefined;
  let chromium: Chromium | undefined;
  before(async () => {
    buildWebviews();
    server = await startShellServer();
    chromium = await launchChromium('webview');
  });
  after(async () => {
    await chromium?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  });
  return {
    async page(view, opts) {
      const page = await chromium!.context.newPage();
      const bridge = await installBridge(page, opts);
      await page.goto(server!.url(view));
      return { page, bridge };
    },
  };
}
