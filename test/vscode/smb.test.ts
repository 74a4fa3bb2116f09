// Runs the in-VS-Code SMB suite (test/extension/smb.suite.ts) inside a real VS Code (code-server's
// extension host, driven by Chromium) against a real Samba on 127.0.0.1 whose share is a btrfs
// loop mount. The window is a multi-root workspace (a .code-workspace file with one local
// folder), so adding the share edits the workspace instead of entering one, which in the
// browser would reload the page and end the run. A second run with workspace trust on and never
// granted checks that a share in restricted mode opens and inspects, and that the commands
// that change files refuse and change nothing on it.
// The suite runs in the extension host while this process holds smbd: to kill and restart it
// mid-copy, the suite writes a request file (`kill`, `restart`) into EL_SMB_CONTROL and waits
// for this process's answer (`killed`, `restarted`); see serveSmbControl.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  findVsCode,
  launchBrowser,
  REPO_ROOT,
  runExtensionTests,
  startCodeServer,
  type Browser,
  type CodeServer,
  type VsCodeInstall,
} from '../support/codeserver';
import { SMB_PASSWORD, SMB_USER, makeLoopFs, sambaSkipReason, startSamba, type LoopFs, type SambaServer } from '../support/samba';

const install = findVsCode();
const distMissing = !fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))
  ? 'dist/extension.js is missing: run npm run build'
  : undefined;
const skip = typeof install === 'string' ? install : (sambaSkipReason() ?? distMissing);

/**
 * Answer the suite's requests in `dir`: a file `kill` → smbd killed (SIGKILL of its process
 * group, as a crash) → `killed`; `restart` → smbd started on the same port → `restarted`. A
 * failed request is answered with `error` holding the reason, so the suite fails at once
 * with it instead of timing out.
 */
function serveSmbControl(dir: string, smb: SambaServer): { close(): void } {
  const actions: Record<string, [() => Promise<void>, string]> = {
    kill: [() => smb.kill(), 'killed'],
    restart: [() => smb.restart(), 'restarted'],
  };
  let queue = Promise.resolve();
  const look = () => {
    for (const [request, [act, answer]] of Object.entries(actions)) {
      const f = path.join(dir, request);
      if (!fs.existsSync(f)) continue;
      fs.rmSync(f);
      queue = queue.then(async () => {
        try {
          await act();
          fs.writeFileSync(path.join(dir, answer), '');
        } catch (e) {
          fs.writeFileSync(path.join(dir, 'error'), `${request}: ${e instanceof Error ? e.message : String(e)}`);
        }
      });
    }
  };
  const watcher = fs.watch(dir, look);
  look();
  return { close: () => watcher.close() };
}

interface SuiteResult {
  passes: string[];
  failures: { title: string; error: string }[];
  pending: string[];
}

describe('SMB shares inside VS Code (code-server extension host, Samba on 127.0.0.1)', { skip }, () => {
  let runDir = '';
  let share: LoopFs | undefined;
  let smb: SambaServer | undefined;
  let browser: Browser | undefined;
  let server: CodeServer | undefined;

  before(async () => {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'test', 'extension', 'build.mjs')], { stdio: 'inherit' });
    runDir = fs.mkdtempSync('/tmp/el-vscode-smb-');
    // 1 GiB: room for the ~400 MiB file of the killed copy beside the other fixtures.
    share = makeLoopFs('btrfs', 1024);
    // vfs_btrfs: Samba clones with the btrfs ioctl and reports FILE_SUPPORTS_BLOCK_REFCOUNTING.
    // a second share of the same server (a folder of the same file system): copies between
    // shares are read and written through the client, holes kept
    fs.mkdirSync(path.join(share.mnt, 'other'));
    execFileSync('chown', [SMB_USER, path.join(share.mnt, 'other')]);
    smb = await startSamba({
      shares: [
        { name: 'data', path: share.mnt, options: { 'vfs objects': 'btrfs', 'block size': '4096' } },
        { name: 'other', path: path.join(share.mnt, 'other') },
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await smb?.stop();
    share?.cleanup();
    if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
  });

  test('open the share, browse and edit it, inspect, block clone and copy on the server', { timeout: 300_000 }, async () => {
    const ws = path.join(runDir, 'ws');
    fs.mkdirSync(ws, { recursive: true });
    const workspace = path.join(runDir, 'smb-test.code-workspace');
    fs.writeFileSync(workspace, JSON.stringify({ folders: [{ path: ws }] }));
    server = await startCodeServer(install as VsCodeInstall, { runDir: path.join(runDir, 'server') });
    browser = await launchBrowser();
    const resultFile = path.join(runDir, 'result.json');
    const control = path.join(runDir, 'smb-control');
    fs.mkdirSync(control);
    const controlling = serveSmbControl(control, smb!);
    const code = await runExtensionTests(server, browser.page, {
      folder: ws,
      workspace,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(REPO_ROOT, 'out', 'test-extension', 'index.js'),
      env: {
        EL_RESULT_FILE: resultFile,
        EL_GREP: 'SMB share \\(Samba',
        EL_SMB_URI: smb!.uri('data'),
        EL_SMB_PASSWORD: SMB_PASSWORD,
        EL_SMB_ROOT: share!.mnt,
        EL_SMB_OTHER_URI: smb!.uri('other'),
        EL_SMB_CONTROL: control,
      },
      timeoutMs: 240_000,
      onLog: (level, text) => console.log(level === 'info' ? text : `[${level}] ${text}`),
    }).finally(() => controlling.close());
    const result: SuiteResult | undefined = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : undefined;
    const failures = (result?.failures ?? []).map((f) => `- ${f.title}\n${f.error}`).join('\n');
    assert.ok(
      result,
      `the suite wrote no result file\n--- code-server log ---\n${server.logTail()}\n--- smbd ---\n${smb!.log().slice(-3000)}`,
    );
    assert.equal(result.pending.length, 0, `skipped: ${result.pending.join(', ')}`);
    assert.ok(result.passes.length >= 12, `passed: ${result.passes.join(', ')}`);
    assert.equal(code, 0, `extension-host tests failed:\n${failures}`);
    assert.equal(result.failures.length, 0, failures);
  });

  test('restricted mode: a share opens and inspects, and nothing changes files on it', { timeout: 300_000 }, async () => {
    const ws = path.join(runDir, 'ws-restricted');
    fs.mkdirSync(ws, { recursive: true });
    const workspace = path.join(runDir, 'smb-restricted.code-workspace');
    fs.writeFileSync(workspace, JSON.stringify({ folders: [{ path: ws }] }));
    const restricted = await startCodeServer(install as VsCodeInstall, {
      runDir: path.join(runDir, 'server-restricted'),
      workspaceTrust: true,
      userSettings: {
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.untrustedFiles': 'open',
      },
    });
    try {
      browser ??= await launchBrowser();
      const resultFile = path.join(runDir, 'result-restricted.json');
      const code = await runExtensionTests(restricted, browser.page, {
        folder: ws,
        workspace,
        extensionDevelopmentPath: REPO_ROOT,
        extensionTestsPath: path.join(REPO_ROOT, 'out', 'test-extension', 'index.js'),
        env: {
          EL_RESULT_FILE: resultFile,
          EL_GREP: 'SMB share in restricted mode',
          EL_RESTRICTED: '1',
          EL_SMB_URI: smb!.uri('data'),
          EL_SMB_PASSWORD: SMB_PASSWORD,
          EL_SMB_ROOT: share!.mnt,
        },
        timeoutMs: 240_000,
        onLog: (level, text) => console.log(level === 'info' ? text : `[${level}] ${text}`),
      });
      const result: SuiteResult | undefined = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : undefined;
      const failures = (result?.failures ?? []).map((f) => `- ${f.title}\n${f.error}`).join('\n');
      assert.ok(result, `the suite wrote no result file\n--- code-server log ---\n${restricted.logTail()}`);
      assert.equal(result.passes.length, 1, `passed: ${result.passes.join(', ')}; skipped: ${result.pending.join(', ')}`);
      assert.equal(code, 0, failures);
    } finally {
      await restricted.stop();
    }
  });
});
