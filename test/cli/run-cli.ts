// Runs the built CLI (dist/cli.js, what users run) as a child process and captures its
// output. ensureBuilt() rebuilds the bundle when a source file is newer than it, so a test
// run never checks a stale artifact.

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * EXTENT_LENS_CLI_FROM_SOURCE=1 runs src/cli/main.ts through tsx instead of the bundle (for
 * working on the CLI while other parts of the tree do not build yet). Default: the bundle.
 */
const FROM_SOURCE = process.env.EXTENT_LENS_CLI_FROM_SOURCE === '1';
export const CLI_ARGV = FROM_SOURCE ? ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts')] : [CLI];

export function ensureBuilt(): void {
  if (FROM_SOURCE) return;
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  if (built >= newestMtime(path.join(ROOT, 'src'))) return;
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; uid?: number; gid?: number } = {},
): CliResult {
  const r = spawnSync(process.execPath, [...CLI_ARGV, ...args], {
    encoding: 'utf8',
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Run and parse stdout as JSON, failing with the whole output when it does not succeed. */
export function cliJson<T = any>(args: string[]): T {
  const r = cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`extent-lens ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}
