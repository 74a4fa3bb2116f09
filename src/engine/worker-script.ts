// Starting a thread that runs the engine worker script (worker.ts): the engine's lanes
// (engine.ts) and the dedupe hashing pool (dedupe-pool.ts) start it the same way. The script is
// dist/worker.js next to the bundle that runs this, or src/engine/worker.ts under tsx.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';

/** `explicit` (EngineOptions.workerScript), else worker.js or worker.ts next to this module. */
function workerScript(explicit?: string): { file: string; ts: boolean } {
  if (explicit) return { file: explicit, ts: explicit.endsWith('.ts') };
  const js = path.join(__dirname, 'worker.js');
  if (fs.existsSync(js)) return { file: js, ts: false };
  const ts = path.join(__dirname, 'worker.ts');
  if (fs.existsSync(ts)) return { file: ts, ts: true };
  throw new Error(`Extent Lens: the engine worker script was not found next to ${__filename} (worker.js or worker.ts)`);
}

/**
 * Whether a thread can start now: Node's worker bootstrap reads process.cwd(), which fails
 * (ENOENT uv_cwd) once the current folder was removed (a shell still standing in it); the work
 * then runs in the caller's thread, as `cp` works there with absolute paths (a trial's `copy` and
 * `dedupe` said "ENOENT … uv_cwd (E_INTERNAL)").
 */
export function workerThreadsCanStart(): boolean {
  try {
    process.cwd();
    return true;
  } catch {
    return false;
  }
}

/** A new thread running the worker script. */
export function startWorkerScript(explicit?: string, execArgv?: string[]): Worker {
  const { file, ts } = workerScript(explicit);
  // A .ts entry (tests and tools running from source under tsx): node 20 cannot start a worker
  // from a .ts file directly, so a one-line bootstrap registers tsx's require hook first.
  // (The module name is computed so bundlers do not try to resolve tsx into a shipped bundle.)
  const tsxCjs = ['tsx', 'cjs'].join('/');
  // node:worker_threads (and the streams it loads) is required only when a worker is started.
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  return ts
    ? new Worker(`require(${JSON.stringify(require.resolve(tsxCjs))}); require(${JSON.stringify(file)});`, { eval: true })
    : new Worker(file, execArgv ? { execArgv } : undefined);
}
