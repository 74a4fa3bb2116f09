// The real VS Code web workbench (code-server) in Chromium on a fresh demo workspace
// (scripts/demo-workspace.sh), with Extent Lens installed from the VSIX scripts/package.mjs builds
// (EL_UI_FROM_SOURCE=1: loaded unpackaged from this repository): the setup the menu-flow tests
// (dedupe-ui, space-ui) share. Call demoWorkbench() inside describe(): it registers the before
// and after hooks. Screenshots go to test-results/screenshots/; the ones named in `keep` are
// copied into docs/screenshots/ with EL_UPDATE_SCREENSHOTS=1.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import {
  findVsCode,
  installBuiltVsix,
  launchBrowser,
  openWorkbench,
  REPO_ROOT,
  startCodeServer,
  type Browser,
  type CodeServer,
  type VsCodeInstall,
} from '../support/codeserver';
import { skipReason } from '../support/loopfs';
import { explorerRow } from './ui-driver';

/** Why the suite cannot run here (no code-server, `dist/` files missing, no XFS), or undefined. */
export function demoWorkbenchSkip(distFiles: string[]): string | undefined {
  const install = findVsCode();
  if (typeof install === 'string') return install;
  const missing = ['dist/extension.js', ...distFiles].find((f) => !fs.existsSync(path.join(REPO_ROOT, f)));
  return missing ? `${missing} is missing: run npm run build` : skipReason('xfs');
}

export interface DemoWorkbench {
  /** The workbench page (after `before`). */
  page(): Page;
  /** The demo workspace folder (after `before`). */
  ws(): string;
  /** Where screenshots go. */
  shots: string;
}

export function demoWorkbench(o: { tmpPrefix: string; prepare?: (ws: string) => void; keep: string[] }): DemoWorkbench {
  const shots = path.join(REPO_ROOT, 'test-results', 'screenshots');
  let runDir = '';
  let ws = '';
  let server: CodeServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const install = findVsCode() as VsCodeInstall;
    fs.mkdirSync(shots, { recursive: true });
    runDir = fs.mkdtempSync(path.join('/tmp', o.tmpPrefix));
    ws = path.join(runDir, 'demo');
    execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'demo-workspace.sh'), ws], { stdio: ['ignore', 'ignore', 'inherit'] });
    o.prepare?.(ws);
    const extensionsDir = path.join(runDir, 'extensions');
    fs.mkdirSync(extensionsDir);
    const fromSource = process.env.EL_UI_FROM_SOURCE === '1';
    if (!fromSource) installBuiltVsix(install, runDir, extensionsDir);
    server = await startCodeServer(install, {
      runDir: path.join(runDir, 'server'),
      extensionsDir,
      userSettings: { 'workbench.editor.enablePreview': false, 'files.exclude': { '**/.*': true } },
    });
    browser = await launchBrowser();
    await openWorkbench(server, browser.page, ws, fromSource ? REPO_ROOT : undefined);
    await explorerRow(browser.page, 'reflink', 1).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (ws) execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'demo-workspace.sh'), '--cleanup', ws], { stdio: 'ignore' });
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
    if (process.env.EL_UPDATE_SCREENSHOTS === '1')
      for (const f of o.keep)
        if (fs.existsSync(path.join(shots, f))) fs.copyFileSync(path.join(shots, f), path.join(REPO_ROOT, 'docs', 'screenshots', f));
  });

  return { page: () => browser!.page, ws: () => ws, shots };
}
