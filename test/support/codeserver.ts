// A real VS Code for tests: code-server (VS Code 1.139 server + web workbench, installed by
// scripts/setup.d/40-vscode.sh) driven by Debian's Chromium through playwright-core.
//
// - startCodeServer(): code-server on 127.0.0.1:<free port>, in its own process group (Node's
//   `detached` = setsid), with private user-data / extensions / XDG / HOME / TMPDIR folders, so
//   nothing lands in the real home or /tmp and stop() can kill every process it spawned
//   (extension hosts, file watcher, agent host) at once.
// - launchBrowser(): Chromium with the flags that work headless as root (docs/facts/vscode.md#code-server).
// - runExtensionTests(): VS Code's own extension-test hook. With
//   `--vscode-option enable-smoke-test-driver` the web workbench honours `?payload=` carrying
//   extensionDevelopmentPath / extensionTestsPath / extensionEnvironment, runs the test module's
//   run() in the remote Node extension host, forwards its console through
//   window.codeAutomationLog and ends with window.codeAutomationExit(code).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './chromium';

export interface VsCodeInstall {
  codeServerVersion: string;
  nodeVersion: string;
  variant: string;
  /** Node 24 binary code-server runs on. */
  node: string;
  /** code-server's out/node/entry.js */
  codeServer: string;
  codeServerBin: string;
}

export const CACHE_DIR = process.env.EXTENT_LENS_CACHE ?? path.join(os.homedir(), '.cache', 'extent-lens');
/** The repository root (this file is test/support/codeserver.ts). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The install 40-vscode.sh recorded, or a sentence saying why there is none (for t.skip). */
export function findVsCode(): VsCodeInstall | string {
  const ready = path.join(CACHE_DIR, 'vscode', 'ready.json');
  if (!fs.existsSync(ready)) return `code-server is not installed (${ready} missing): run bash scripts/setup.d/40-vscode.sh`;
  const install = JSON.parse(fs.readFileSync(ready, 'utf8')) as VsCodeInstall;
  for (const f of [install.node, install.codeServer]) if (!fs.existsSync(f)) return `code-server install is incomplete (${f} missing): rerun scripts/setup.d/40-vscode.sh`;
  const noChromium = chromiumSkipReason();
  if (noChromium) return noChromium;
  return install;
}

/** A port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Built-in extensions the tests and `npm start` do not need (see CodeServerOptions). */
export const DISABLED_BUILTINS = ['GitHub.copilot-chat', 'vscode.git', 'vscode.git-base', 'vscode.github', 'vscode.github-authentication', 'vscode.microsoft-authentication'];

export interface CodeServerOptions {
  /** Leave workspace trust on (restricted-mode tests). Default false: --disable-workspace-trust. */
  workspaceTrust?: boolean;
  /** Extensions dir to use (e.g. one with Extent Lens installed); default: an empty private one. */
  extensionsDir?: string;
  /** Folder opened when the URL names none. */
  folder?: string;
  /** User settings written to <user-data-dir>/User/settings.json before start. */
  userSettings?: Record<string, unknown>;
  /** Turn on the ?payload= test hook (default true; `npm start` turns it off). */
  smokeTestDriver?: boolean;
  /** Where the private folders go; default a new /tmp/el-vscode-XXXX. */
  runDir?: string;
  /** Port; default a free one. */
  port?: number;
  /**
   * Built-in extensions to turn off (default: DISABLED_BUILTINS). On 2 shared cores the
   * Copilot chat extension (41 MB, onStartupFinished) and git/github ('*') slow every page
   * load by many seconds and Extent Lens needs none of them.
   */
  disableExtensions?: string[];
  /** Extra environment for the server (and so for the extension host). */
  env?: Record<string, string>;
  /** Inherit stdio instead of logging to <runDir>/code-server.log (npm start). */
  inheritStdio?: boolean;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, code-server's remote authority for vscode-remote:// URIs. */
  host: string;
  port: number;
  runDir: string;
  userDataDir: string;
  extensionsDir: string;
  process: ChildProcess;
  /** vscode-remote://HOST/abs/path: what the web workbench needs to reach the Node host. */
  remoteUri(absPath: string): string;
  /** Last lines of the server log, for failure messages. */
  logTail(lines?: number): string;
  /** TERM the whole process group, wait up to 5 s, then KILL. Safe to call twice. */
  stop(): Promise<void>;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;
/** If the test process dies first, take every code-server group down with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => process.exit(128 + (os.constants.signals[sig] ?? 1)));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startCodeServer(install: VsCodeInstall, opts: CodeServerOptions = {}): Promise<CodeServer> {
  const runDir = opts.runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'el-vscode-'));
  const userDataDir = path.join(runDir, 'user-data');
  const extensionsDir = opts.extensionsDir ?? path.join(runDir, 'extensions');
  const xdg = path.join(runDir, 'xdg');
  const home = path.join(runDir, 'home');
  const tmp = path.join(runDir, 'tmp');
  for (const d of [userDataDir, extensionsDir, xdg, home, tmp, path.join(userDataDir, 'User')]) fs.mkdirSync(d, { recursive: true });
  // The web workbench keeps user settings on the server, in the user-data dir.
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...opts.userSettings,
  };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  const port = opts.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const args = [
    install.codeServer,
    '--bind-addr', host,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  if (!opts.workspaceTrust) args.push('--disable-workspace-trust');
  if (opts.smokeTestDriver !== false) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (opts.folder) args.push(opts.folder);

  const logFile = path.join(runDir, 'code-server.log');
  const logFd = opts.inheritStdio ? undefined : fs.openSync(logFile, 'a');
  installExitHook();
  const child = spawn(install.node, args, {
    // detached => setsid(): a new session and process group led by the server, so one
    // kill(-pgid) reaches the extension hosts and the file watcher it forks (a TERM to the
    // server alone orphans its fileWatcher).
    detached: true,
    stdio: logFd === undefined ? ['ignore', 'inherit', 'inherit'] : ['ignore', logFd, logFd],
    env: {
      ...process.env,
      // code-server's bin shebang and its forks look for `node` on PATH: make it Node 24.
      PATH: `${path.dirname(install.node)}:${process.env.PATH ?? ''}`,
      XDG_CONFIG_HOME: xdg,
      XDG_DATA_HOME: xdg,
      XDG_CACHE_HOME: path.join(xdg, 'cache'),
      HOME: home,
      TMPDIR: tmp,
      // No marketplace on these machines: avoid futile open-vsx.org lookups.
      EXTENSIONS_GALLERY: '{}',
      // The VS Code server leaves these built-in extensions out of its scan (server-main.js:
      // skipBuiltinExtensions); code-server has no --disable-extension flag.
      VSCODE_SKIP_BUILTIN_EXTENSIONS: (opts.disableExtensions ?? DISABLED_BUILTINS).join(','),
      ...opts.env,
    },
  });
  if (logFd !== undefined) fs.closeSync(logFd);
  const pgid = child.pid!;
  liveGroups.add(pgid);
  let exited = false;
  child.once('exit', () => (exited = true));

  const logTail = (lines = 40): string => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const stop = async (): Promise<void> => {
    if (!liveGroups.has(pgid)) return;
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      /* gone */
    }
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
    if (groupAlive(pgid)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* gone */
      }
      for (let i = 0; i < 20 && groupAlive(pgid); i++) await sleep(100);
    }
    liveGroups.delete(pgid);
  };

  // Ready when /healthz answers (about 0.5 s cold).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      liveGroups.delete(pgid);
      throw new Error(`code-server exited during start:\n${logTail()}`);
    }
    try {
      const r = await fetch(`http://${host}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within 60 s:\n${logTail()}`);
    }
    await sleep(100);
  }
  return {
    url: `http://${host}`,
    host,
    port,
    runDir,
    userDataDir,
    extensionsDir,
    process: child,
    remoteUri: (p) => `vscode-remote://${host}${path.resolve(p)}`,
    logTail,
    stop,
  };
}

/**
 * Install a VSIX into an extensions folder with code-server's own CLI (what a person does with
 * `code-server --install-extension`), before the server that uses that folder starts.
 */
/**
 * Package this repository's dist/ as a VSIX for this platform (scripts/package.mjs --no-build,
 * into `runDir`/vsix) and install it into `extensionsDir`, as a user installs Extent Lens.
 */
export function installBuiltVsix(install: VsCodeInstall, runDir: string, extensionsDir: string): void {
  const vsixDir = path.join(runDir, 'vsix');
  const target = `${process.platform}-${process.arch}`;
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--target', target, '--no-build', '--out', vsixDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`scripts/package.mjs failed (exit ${r.status})`);
  const vsix = fs.readdirSync(vsixDir).find((f) => f.endsWith('.vsix'));
  if (!vsix) throw new Error(`scripts/package.mjs made no VSIX in ${vsixDir}`);
  installExtension(install, extensionsDir, path.join(vsixDir, vsix));
}

export function installExtension(install: VsCodeInstall, extensionsDir: string, vsix: string): string {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'el-vscode-install-'));
  try {
    const r = spawnSync(install.node, [install.codeServer, '--extensions-dir', extensionsDir, '--user-data-dir', path.join(scratch, 'user-data'), '--install-extension', vsix], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PATH: `${path.dirname(install.node)}:${process.env.PATH ?? ''}`, XDG_CONFIG_HOME: scratch, XDG_DATA_HOME: scratch, HOME: scratch, TMPDIR: scratch, EXTENSIONS_GALLERY: '{}' },
    });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0 || !/successfully installed/i.test(out)) throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status}):\n${out}`);
    return out.trim();
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Chromium (test/support/chromium.ts) with its first page, as the code-server tests drive it. */
export async function launchBrowser(opts: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const viewport = opts.viewport ?? { width: 1400, height: 900 };
  const b = await launchChromium('vscode', { width: viewport.width, height: viewport.height });
  const page = b.context.pages()[0] ?? (await b.context.newPage());
  return { context: b.context, page, close: () => b.close().catch(() => undefined) };
}

export interface ExtensionTestRun {
  /** Folder to open in the workbench. */
  folder: string;
  /**
   * A .code-workspace file to open instead of `folder`: a multi-root window, where adding a
   * folder (Open SMB Share…) edits the workspace rather than entering one, which in a browser
   * would reload the page and end the run.
   */
  workspace?: string;
  /** Folder holding the extension's package.json. */
  extensionDevelopmentPath: string;
  /** Compiled module exporting run(): Promise<void>. */
  extensionTestsPath: string;
  /** Environment variables for the extension host. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Each forwarded log line (spec reporter output, console.* of the extension host). */
  onLog?: (level: string, text: string) => void;
}

/** Workbench chatter that says nothing about the tests (no network, Copilot agent host, ...). */
const NOISE =
  /^(Resolving connection token|Resolved connection token|Ignoring fetching additional builtin|Updating additional builtin|Creating a socket|Canceled: Canceled|\[(RemoteAgentHostProtocol|ChatModelSelection|AgentHost|AgentHost:remote|AccountPolicyGate|Service Worker|reconnection-grace-time)\])|open-vsx\.org|vsda|mobile\.events\.data\.microsoft\.com|authentication provider 'github'|\[(chat-stt|DefaultAccount|lifecycle)\]|vscode-web-db' is closed|Creation of workbench contribution/;

/**
 * Load the workbench with a test payload and wait for codeAutomationExit. Returns its exit code
 * (0 = the test module's promise resolved) or throws on timeout. A page can be reused for
 * several runs; each run opens a new extension host.
 */
export async function runExtensionTests(server: CodeServer, page: Page, run: ExtensionTestRun): Promise<number> {
  const state = page as Page & { __elExit?: (code: number) => void; __elLog?: (level: string, text: string) => void; __elHooked?: boolean };
  if (!state.__elHooked) {
    state.__elHooked = true;
    await page.exposeFunction('codeAutomationLog', (level: string, args: unknown) => {
      const a = ([] as unknown[]).concat(args);
      const text = typeof a[0] === 'string' && /%[sdifjoO%]/.test(a[0]) ? util.format(...a) : a.map(String).join(' ');
      state.__elLog?.(level, text);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => state.__elExit?.(code));
  }
  state.__elLog = (level, text) => {
    if (level === 'trace' || level === 'debug' || NOISE.test(text)) return;
    (run.onLog ?? ((l, t) => console.log(`  [${l}] ${t}`)))(level, text);
  };
  const exited = new Promise<number>((resolve) => (state.__elExit = resolve));
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', server.remoteUri(run.extensionDevelopmentPath)],
    ['extensionTestsPath', server.remoteUri(run.extensionTestsPath)],
  ];
  if (run.env) payload.push(['extensionEnvironment', JSON.stringify(run.env)]);
  const where = run.workspace ? `workspace=${encodeURIComponent(run.workspace)}` : `folder=${encodeURIComponent(run.folder)}`;
  const url = `${server.url}/?${where}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url);
  const timeoutMs = run.timeoutMs ?? 300_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`extension tests did not finish within ${timeoutMs / 1000} s\n--- code-server log ---\n${server.logTail()}`)), timeoutMs);
  });
  try {
    return await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
    state.__elExit = undefined;
  }
}

/** Load the workbench on a folder, with the extension loaded unpackaged (no test module). */
export async function openWorkbench(server: CodeServer, page: Page, folder: string, extensionDevelopmentPath?: string): Promise<void> {
  let url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
  if (extensionDevelopmentPath) url += `&payload=${encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', server.remoteUri(extensionDevelopmentPath)]]))}`;
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.statusbar', { timeout: 60_000 });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
