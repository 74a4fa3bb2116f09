// Desktop VS Code (Electron) runner for the same mocha suite, through @vscode/test-electron:
// it downloads VS Code (so: not on machines without internet, where test/vscode/ runs the
// suite in code-server instead), then runs it twice, like test/vscode/extension-host.test.ts:
//   1. trusted (--disable-workspace-trust): activation, commands, inspector, clone cases;
//   2. restricted (trust on, never granted): the mutating commands must refuse.
// EL_XFS_DIR, when set (CI mounts an XFS image with sudo), enables the block-clone cases.
//   npm run build && node test/extension/build.mjs && node out/test-extension/run-electron.js
// (Linux without a display: xvfb-run -a node out/test-extension/run-electron.js)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function runOnce(name: string, restricted: boolean): Promise<void> {
  const root = path.resolve(__dirname, '..', '..'); // out/test-extension -> repository
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `el-vscode-electron-${name}-`));
  const workspace = path.join(work, 'workspace');
  const userData = path.join(work, 'user-data');
  fs.mkdirSync(path.join(workspace, 'fixtures'), { recursive: true });
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  // Restricted: trust stays on, and is never granted (no startup prompt).
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({ 'security.workspace.trust.enabled': restricted, 'security.workspace.trust.startupPrompt': 'never', 'workbench.startupEditor': 'none' }),
  );
  const env: Record<string, string> = { EL_FIXTURES: path.join(workspace, 'fixtures'), EL_RESULT_FILE: path.join(work, 'result.json') };
  if (process.env.EL_XFS_DIR) env.EL_XFS_DIR = process.env.EL_XFS_DIR;
  if (restricted) Object.assign(env, { EL_RESTRICTED: '1', EL_GREP: 'activation|restricted' });
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      extensionTestsEnv: env,
      launchArgs: [workspace, '--user-data-dir', userData, '--disable-extensions', ...(restricted ? [] : ['--disable-workspace-trust'])],
    });
    console.log(`${name}: passed`);
  } finally {
    if (fs.existsSync(env.EL_RESULT_FILE)) {
      const r = JSON.parse(fs.readFileSync(env.EL_RESULT_FILE, 'utf8')) as { passes: string[]; failures: { title: string; error: string }[]; pending: string[] };
      console.log(`${name}: ${r.passes.length} passed, ${r.failures.length} failed, ${r.pending.length} skipped`);
      for (const f of r.failures) console.log(`- ${f.title}\n${f.error}`);
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await runOnce('trusted', false);
  await runOnce('restricted', true);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
