// Runs the in-VS-Code mocha suite (test/extension/) inside a real VS Code: code-server's
// remote Node extension host, through VS Code's own extension-test hook (?payload=, see
// test/support/codeserver.ts). Two runs on one Chromium:
//   1. a trusted workspace (--disable-workspace-trust): activation, commands, inspector,
//      Block Clone Here on an XFS loop image, onExisting, a failing clone;
//   2. the same folder with workspace trust on and never granted (restricted mode): the
//      mutating commands must refuse.
// As root the XFS image is made and mounted inside the workspace BEFORE code-server starts,
// and its path reaches the suite through extensionEnvironment.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findVsCode, launchBrowser, REPO_ROOT, runExtensionTests, startCodeServer, type Browser, type CodeServer, type VsCodeInstall } from '../support/codeserver';
import { makeFs, skipReason, type TestFs } from '../support/loopfs';

const install = findVsCode();
const distMissing = !fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js')) ? 'dist/extension.js is missing: run npm run build' : undefined;
const skip = typeof install === 'string' ? install : distMissing;

interface SuiteResult {
  passes: string[];
  failures: { title: string; error: string }[];
  pending: string[];
}

describe('Extent Lens inside VS Code (code-server extension host)', { skip }, () => {
  let runDir = '';
  let ws = '';
  let xfs: TestFs | undefined;
  let xfsSkip: string | undefined;
  let browser: Browser | undefined;
  const servers: CodeServer[] = [];
  const testsPath = path.join(REPO_ROOT, 'out', 'test-extension', 'index.js');

  before(() => {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'test', 'extension', 'build.mjs')], { stdio: 'inherit' });
    runDir = fs.mkdtempSync('/tmp/el-vscode-');
    ws = path.join(runDir, 'ws');
    fs.mkdirSync(path.join(ws, 'fixtures'), { recursive: true });
    xfsSkip = skipReason('xfs');
    if (!xfsSkip) xfs = makeFs('xfs', 320, { mountPoint: path.join(ws, 'xfs') });
  });

  after(async () => {
    // Order matters: code-server's file watcher keeps the mount busy until it is gone.
    await browser?.close();
    for (const s of servers) await s.stop();
    xfs?.cleanup();
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
  });

  async function runSuite(name: string, server: CodeServer, extraEnv: Record<string, string>): Promise<void> {
    browser ??= await launchBrowser();
    const resultFile = path.join(runDir, `result-${name}.json`);
    const env: Record<string, string> = { EL_FIXTURES: path.join(ws, 'fixtures'), EL_RESULT_FILE: resultFile, ...extraEnv };
    if (xfs) env.EL_XFS_DIR = xfs.mountPoint;
    else env.EL_XFS_SKIP = xfsSkip ?? 'no XFS mount';
    const t0 = Date.now();
    const code = await runExtensionTests(server, browser.page, {
      folder: ws,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: testsPath,
      env,
      timeoutMs: 240_000,
      onLog: (level, text) => console.log(level === 'info' ? text : `[${level}] ${text}`),
    });
    const result: SuiteResult | undefined = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : undefined;
    console.log(`${name}: exit ${code} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${result ? `${result.passes.length} passed, ${result.failures.length} failed, ${result.pending.length} skipped` : 'no result file'}`);
    const failures = (result?.failures ?? []).map((f) => `- ${f.title}\n${f.error}`).join('\n');
    assert.ok(result, `the suite wrote no result file (did run() load?)\n--- code-server log ---\n${server.logTail()}`);
    assert.ok(result.passes.length > 0, 'no test passed');
    assert.equal(code, 0, `extension-host tests failed:\n${failures}`);
    assert.equal(result.failures.length, 0, failures);
  }

  test('trusted workspace: activation, commands, inspector, block clone', { timeout: 300_000 }, async () => {
    const server = await startCodeServer(install as VsCodeInstall, { runDir: path.join(runDir, 'server-trusted') });
    servers.push(server);
    await runSuite('trusted', server, {});
  });

  test('restricted mode: the mutating commands refuse', { timeout: 300_000 }, async () => {
    const server = await startCodeServer(install as VsCodeInstall, {
      runDir: path.join(runDir, 'server-restricted'),
      workspaceTrust: true,
      // Trust stays on and is never granted: no startup prompt, the folder stays restricted.
      userSettings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.untrustedFiles': 'open' },
    });
    servers.push(server);
    await runSuite('restricted', server, { EL_RESTRICTED: '1', EL_GREP: 'activation|restricted' });
  });
});
